// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport-span: zero-copy bulk messages.  One mailbox per direction, each
 * with a shared region formatted as a span pool (chunks of the message size
 * rounded up to a power of two, --depth + 4 of them).  The sender allocates a
 * span (tx_buf), writes the payload straight into the region and sends the
 * span by reference; the receiver gets a pointer into its own mapping,
 * checks the payload there and releases the span (rx_done).  No payload byte
 * is copied by anyone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmsgport.h>

#include "msgport_chan.h"

#define SPAN_REGION_MAX	(24UL << 20)	/* per direction: max_user_bytes is 64 MiB */

struct span_chan {
	struct msgport *mp;
	struct msgport_mailbox *mb[2];
	struct msgport_region *r[2];
	char name[2][MSGPORT_NAME_MAX + 1];
	size_t chunk;
	struct msgport_span tx, rx;	/* a child's span being written / read */
};

static int span_probe(struct bench_chan *ch)
{
	struct msgport_attr attr = { .capacity = 1, .mode = 0600, .region_size = 65536 };
	struct msgport_mailbox *mb;
	int ret;

	ret = mp_probe_mailbox(ch, &attr, "a mailbox with a region (the module has no regions?)", &mb);
	if (ret)
		return ret;
	msgport_mailbox_close(mb);
	return 0;
}

static void span_close(struct span_chan *c)
{
	int d;

	for (d = 0; d < 2; d++) {
		msgport_region_unmap(c->r[d]);
		c->r[d] = NULL;
		msgport_mailbox_close(c->mb[d]);
		c->mb[d] = NULL;
	}
}

static void span_teardown(struct bench_chan *ch)
{
	struct span_chan *c = ch->priv;
	int d;

	span_close(c);
	for (d = 0; d < 2; d++)
		if (c->name[d][0])
			msgport_mailbox_unlink(c->mp, c->name[d]);
	msgport_close(c->mp);
	free(c);
}

static int span_setup(struct bench_chan *ch)
{
	struct span_chan *c = calloc(1, sizeof(*c));
	struct msgport_attr attr = { .mode = 0600 };
	size_t nchunks = ch->depth + 4;
	unsigned long max = 4UL << 20;
	int d, ret;

	if (!c)
		return -ENOMEM;
	ch->priv = c;
	ret = msgport_open(NULL, &c->mp);
	if (ret) {
		free(c);
		return mp_error(ch, ret, "msgport_open");
	}
	for (c->chunk = 64; c->chunk < ch->size; c->chunk <<= 1)
		;
	/* Room for the pool's header and bitmap: two chunks more, at least 64 KiB. */
	while (nchunks > 5 && (nchunks + 2) * c->chunk + 65536 > SPAN_REGION_MAX)
		nchunks--;
	/* In flight: the queue, one being written, one being read, and slack. */
	attr.capacity = (uint32_t)(nchunks - 4);
	attr.region_size = (nchunks + 2) * c->chunk + 65536;
	read_ulong_file("/sys/module/msgport/parameters/max_msg_size", &max);
	attr.max_msg_size = (uint32_t)(ch->size < max ? ch->size : max);
	for (d = 0; d < 2; d++) {
		bench_unique_name(c->name[d], sizeof(c->name[d]), "", d ? "back" : "fwd");
		ret = msgport_mailbox_open(c->mp, c->name[d], MSGPORT_O_CREAT | MSGPORT_O_EXCL |
					   MSGPORT_O_EPHEMERAL | MSGPORT_O_SEND | MSGPORT_O_RECV,
					   &attr, &c->mb[d]);
		if (ret) {
			c->name[d][0] = '\0';
			mp_error(ch, ret, "create a mailbox with a region");
			span_teardown(ch);
			return ret;
		}
		ret = msgport_region_map(c->mb[d], &c->r[d]);
		if (!ret)
			ret = msgport_span_pool_init(c->r[d], c->chunk);
		if (ret) {
			mp_error(ch, ret, "map the region / format the span pool");
			span_teardown(ch);
			return ret;
		}
	}
	/* The mailboxes stay open (they are ephemeral); the mappings go. */
	for (d = 0; d < 2; d++) {
		msgport_region_unmap(c->r[d]);
		c->r[d] = NULL;
	}
	bench_chan_note(ch, "mailbox capacity %u, region %llu B, span pool of %zu B chunks",
			attr.capacity, (unsigned long long)attr.region_size, c->chunk);
	return 0;
}

static int span_attach(struct bench_chan *ch)
{
	struct span_chan *c = ch->priv;
	int d, ret;

	span_close(c);
	for (d = 0; d < 2; d++) {
		/* Allocating and releasing spans both write the pool: read-write. */
		ret = msgport_mailbox_open(c->mp, c->name[d], MSGPORT_O_SEND | MSGPORT_O_RECV, NULL,
					   &c->mb[d]);
		if (ret)
			return mp_error(ch, ret, "open a mailbox");
		ret = msgport_region_map(c->mb[d], &c->r[d]);
		if (ret)
			return mp_error(ch, ret, "map the region");
	}
	return 0;
}

static void *span_tx_buf(struct bench_chan *ch, enum bench_dir dir, size_t len)
{
	struct span_chan *c = ch->priv;
	int ret;

	ret = msgport_span_alloc(c->r[dir], len, 0, MSGPORT_WAIT_FOREVER, &c->tx);
	if (ret) {
		mp_error(ch, ret, "msgport_span_alloc");
		c->tx.addr = NULL;
		return NULL;
	}
	return c->tx.addr;
}

static int span_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct span_chan *c = ch->priv;
	int ret;

	if (!c->tx.addr || buf != c->tx.addr)
		return ch->err[0] ? -ENOMEM : bench_chan_error(ch, -EINVAL,
							       "payload not in an allocated span");
	c->tx.len = len;
	ret = msgport_span_send(c->mb[dir], &c->tx, 0, 0, MSGPORT_WAIT_FOREVER, NULL);
	c->tx.addr = NULL;
	return ret ? mp_error(ch, ret, "msgport_span_send") : 0;
}

static int span_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		     const void **msg)
{
	struct span_chan *c = ch->priv;
	int ret;

	ret = msgport_span_recv(c->mb[dir], c->r[dir], &c->rx, 0, MSGPORT_WAIT_FOREVER, NULL);
	if (ret)
		return mp_error(ch, ret, "msgport_span_recv");
	if (c->rx.len != len || !c->rx.addr)
		return -EBADMSG;
	if (msg) {
		*msg = c->rx.addr;
		return 0;
	}
	memcpy(buf, c->rx.addr, len);
	ret = msgport_span_release(c->r[dir], &c->rx);
	return ret ? mp_error(ch, ret, "msgport_span_release") : 0;
}

static void span_rx_done(struct bench_chan *ch, enum bench_dir dir, const void *msg)
{
	struct span_chan *c = ch->priv;

	if (msg == c->rx.addr)
		msgport_span_release(c->r[dir], &c->rx);
}

static void span_detach(struct bench_chan *ch)
{
	struct span_chan *c = ch->priv;

	span_close(c);
	msgport_close(c->mp);
}

BENCH_MECH(msgport_span) = {
	.name = "msgport-span",
	.summary = "zero-copy: region spans written and read in place",
	.kind = BENCH_MSGPORT,
	.order = 150,
	.probe = span_probe,
	.setup = span_setup,
	.attach = span_attach,
	.tx_buf = span_tx_buf,
	.send = span_send,
	.recv = span_recv,
	.rx_done = span_rx_done,
	.detach = span_detach,
	.teardown = span_teardown,
};
