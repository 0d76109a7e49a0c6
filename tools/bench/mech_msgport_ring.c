// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport-ring: libmsgport's ring (msgport_ring_*, lib/ring.c) in msgport
 * regions, one pure-region mailbox (capacity 0) per direction, each holding
 * one single-producer ring sized as futex-ring's (ring.c's
 * ring_data_bytes()).  A message is one ring message: the sender copies it
 * in (msgport_ring_send), the receiver copies it out (msgport_ring_recv),
 * two copies, as futex-ring and eventfd-ring make, so that the three differ
 * only in the ring and in whose shared memory and wait it is.  A side that
 * must wait spins briefly (the library's 5 us, futex-ring's), then sleeps in
 * msgport_region_wait(); the other side wakes it only when it sleeps.
 * Messages larger than the ring takes (half its data) go in chunks.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libmsgport.h>

#include "msgport_chan.h"
#include "ring.h"

/* The library's ring header, before the records (lib/ring.c). */
#define MRING_HDR	192

struct mring_chan {
	struct msgport *mp;
	struct msgport_mailbox *mb[2];
	struct msgport_region *r[2];
	struct msgport_ring *ring[2];
	char name[2][MSGPORT_NAME_MAX + 1];
};

static int mring_probe(struct bench_chan *ch)
{
	struct msgport_attr attr = { .capacity = 0, .mode = 0600, .region_size = 4096 };
	struct msgport_ring_attr ra = { .offset = 0, .size = 4096 };
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	int ret;

	ret = mp_probe_mailbox(ch, &attr, "a mailbox with a region (the module has no regions?)", &mb);
	if (ret)
		return ret;
	ret = msgport_region_map(mb, &r);
	if (!ret) {
		ret = msgport_region_wake(r);
		if (!ret)
			ret = msgport_ring_init(r, &ra);
		msgport_region_unmap(r);
	}
	msgport_mailbox_close(mb);
	return ret ? mp_error(ch, ret, "region wake or ring (the module has no region futex?)") : 0;
}

static void mring_teardown(struct bench_chan *ch)
{
	struct mring_chan *c = ch->priv;
	struct msgport_ring_stat st;
	int d;

	for (d = 0; d < 2; d++) {
		if (c->ring[d] && !msgport_ring_stat(c->ring[d], &st) && st.skipped)
			bench_chan_note(ch, "%llu RECORD(S) SKIPPED: a producer died mid-write",
					(unsigned long long)st.skipped);
		msgport_ring_detach(c->ring[d]);
		msgport_region_unmap(c->r[d]);
		if (c->name[d][0])
			msgport_mailbox_unlink(c->mp, c->name[d]);
		msgport_mailbox_close(c->mb[d]);
	}
	msgport_close(c->mp);
	free(c);
}

static int mring_setup(struct bench_chan *ch)
{
	size_t data = ring_data_bytes(ch);
	struct msgport_attr attr = { .capacity = 0, .mode = 0600, .region_size = MRING_HDR + data };
	struct msgport_ring_attr ra = { .offset = 0, .size = MRING_HDR + data };
	struct msgport_ring_stat st;
	struct mring_chan *c = calloc(1, sizeof(*c));
	int d, ret;

	if (!c)
		return -ENOMEM;
	ch->priv = c;
	ret = msgport_open(NULL, &c->mp);
	if (ret) {
		free(c);
		return mp_error(ch, ret, "msgport_open");
	}
	for (d = 0; d < 2; d++) {
		bench_unique_name(c->name[d], sizeof(c->name[d]), "", d ? "back" : "fwd");
		ret = msgport_mailbox_open(c->mp, c->name[d], MSGPORT_O_CREAT | MSGPORT_O_EXCL |
					   MSGPORT_O_EPHEMERAL | MSGPORT_O_SEND | MSGPORT_O_RECV,
					   &attr, &c->mb[d]);
		if (ret) {
			c->name[d][0] = '\0';
			mp_error(ch, ret, "create a pure-region mailbox");
			goto fail;
		}
		/* Mapped and attached here, inherited by both children (MAP_SHARED). */
		ret = msgport_region_map(c->mb[d], &c->r[d]);
		if (ret) {
			mp_error(ch, ret, "map the region");
			goto fail;
		}
		ret = msgport_ring_init(c->r[d], &ra);
		if (!ret)
			ret = msgport_ring_attach(c->r[d], 0, &c->ring[d]);
		if (ret) {
			mp_error(ch, ret, "format the ring");
			goto fail;
		}
	}
	ret = msgport_ring_stat(c->ring[0], &st);
	if (ret) {
		mp_error(ch, ret, "ring stat");
		goto fail;
	}
	if (ch->size > st.max_msg)
		ch->chunk = st.max_msg;
	bench_chan_note(ch, "libmsgport ring of %llu KiB per direction (messages up to %u B%s), "
			"spins then msgport_region_wait", (unsigned long long)st.data_size >> 10,
			st.max_msg, ch->chunk ? ", larger ones in chunks" : "");
	return 0;
fail:
	mring_teardown(ch);
	return ret;
}

static int mring_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct mring_chan *c = ch->priv;

	return msgport_ring_send(c->ring[dir], buf, len, MSGPORT_WAIT_FOREVER);
}

static int mring_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		      const void **msg)
{
	struct mring_chan *c = ch->priv;
	ssize_t n;

	if (msg)
		*msg = buf;
	n = msgport_ring_recv(c->ring[dir], buf, len, MSGPORT_WAIT_FOREVER);
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EBADMSG;
}

BENCH_MECH(msgport_ring) = {
	.name = "msgport-ring",
	.summary = "libmsgport's ring (msgport_ring_*) in msgport regions, spin then region wait",
	.kind = BENCH_MSGPORT,
	.order = 160,
	.probe = mring_probe,
	.setup = mring_setup,
	.send = mring_send,
	.recv = mring_recv,
	.teardown = mring_teardown,
};
