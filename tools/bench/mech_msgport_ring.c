// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport-ring: the shared-memory byte ring of ring.c placed in msgport
 * regions (one pure-region mailbox, capacity 0, per direction), waited on
 * with msgport's region futex: a side that must wait spins briefly, then
 * sleeps in msgport_region_wait() on the ring's publication counter, and the
 * other side calls msgport_region_wake() only when the sleeper announced
 * itself.  The futex-ring peer, with msgport's shared memory, permissions and
 * accounting instead of an anonymous mapping.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libmsgport.h>

#include "msgport_chan.h"
#include "ring.h"

/* As futex-ring's, so that the two differ only in whose shared memory it is. */
#define MSGPORT_RING_SPIN_NS	5000

struct mring_chan {
	struct ring_chan rc;		/* first: the ring callbacks get this */
	struct msgport *mp;
	struct msgport_mailbox *mb[2];
	struct msgport_region *r[2];
	char name[2][MSGPORT_NAME_MAX + 1];
};


static int mring_wait(struct ring_chan *rc, int dir, enum ring_event ev, uint32_t seen)
{
	struct mring_chan *c = (struct mring_chan *)rc;
	int ret;

	ret = msgport_region_wait(c->r[dir], offsetof(struct ring, seq[0]) + ev * sizeof(uint32_t),
				  seen, RING_WAIT_NS);
	return ret == -EINTR || ret == -ETIMEDOUT ? 0 : ret;
}

static int mring_wake(struct ring_chan *rc, int dir, enum ring_event ev)
{
	struct mring_chan *c = (struct mring_chan *)rc;

	return msgport_region_wake(c->r[dir]);
}

static const struct ring_waitops mring_ops = {
	.wait = mring_wait,
	.wake = mring_wake,
	.spin_ns = MSGPORT_RING_SPIN_NS,
};

static int mring_probe(struct bench_chan *ch)
{
	struct msgport_attr attr = { .capacity = 0, .mode = 0600, .region_size = 4096 };
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	int ret;

	ret = mp_probe_mailbox(ch, &attr, "a mailbox with a region (the module has no regions?)", &mb);
	if (ret)
		return ret;
	ret = msgport_region_map(mb, &r);
	if (!ret) {
		ret = msgport_region_wake(r);
		msgport_region_unmap(r);
	}
	msgport_mailbox_close(mb);
	return ret ? mp_error(ch, ret, "region wake (the module has no region futex?)") : 0;
}

static void mring_teardown(struct bench_chan *ch)
{
	struct mring_chan *c = ch->priv;
	int d;

	if (c->r[0] && c->r[1])
		ring_chan_destroy(ch, &c->rc);
	for (d = 0; d < 2; d++) {
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
	struct msgport_attr attr = { .capacity = 0, .mode = 0600, .region_size = ring_mem_bytes(ch) };
	struct mring_chan *c = calloc(1, sizeof(*c));
	void *mem[2];
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
			mring_teardown(ch);
			return ret;
		}
		/* Mapped here, inherited by both children (MAP_SHARED). */
		ret = msgport_region_map(c->mb[d], &c->r[d]);
		if (ret) {
			mp_error(ch, ret, "map the region");
			mring_teardown(ch);
			return ret;
		}
		mem[d] = msgport_region_addr(c->r[d]);
	}
	ring_chan_place(ch, &c->rc, &mring_ops, mem);
	bench_chan_note(ch, "regions of %llu B, spins up to %d ns, then msgport_region_wait",
			(unsigned long long)attr.region_size, MSGPORT_RING_SPIN_NS);
	return 0;
}

static int mring_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct mring_chan *c = ch->priv;

	return ring_send(&c->rc, dir, buf, len);
}

static int mring_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		      const void **msg)
{
	struct mring_chan *c = ch->priv;

	if (msg)
		*msg = buf;
	return ring_recv(&c->rc, dir, buf, len);
}

BENCH_MECH(msgport_ring) = {
	.name = "msgport-ring",
	.summary = "shared-memory ring in msgport regions, spin then msgport_region_wait",
	.kind = BENCH_MSGPORT,
	.order = 160,
	.probe = mring_probe,
	.setup = mring_setup,
	.send = mring_send,
	.recv = mring_recv,
	.teardown = mring_teardown,
};
