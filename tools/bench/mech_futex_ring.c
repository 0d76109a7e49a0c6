// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * futex-ring: the shared-memory byte ring of ring.c; a side that must wait
 * spins briefly (FUTEX_RING_SPIN_NS, checking the ring), then sleeps in
 * FUTEX_WAIT on the ring's publication counter; the other side calls
 * FUTEX_WAKE only when the sleeper announced itself.  The fastest a pair of
 * processes can talk through the kernel's help only when one must sleep.
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

/*
 * Long enough to catch a peer that answers at once on another CPU, short
 * enough not to starve a peer that shares this CPU.
 */
#define FUTEX_RING_SPIN_NS	5000

static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static int fx_wait(struct ring_chan *rc, int dir, enum ring_event ev, uint32_t seen)
{
	const struct timespec ts = { .tv_sec = RING_WAIT_NS / 1000000000,
				     .tv_nsec = RING_WAIT_NS % 1000000000 };

	/* Not FUTEX_PRIVATE_FLAG: the word is shared between processes. */
	if (futex(&rc->ring[dir]->seq[ev], FUTEX_WAIT, seen, &ts) && errno != EAGAIN &&
	    errno != EINTR && errno != ETIMEDOUT)
		return -errno;
	return 0;
}

static int fx_wake(struct ring_chan *rc, int dir, enum ring_event ev)
{
	if (futex(&rc->ring[dir]->seq[ev], FUTEX_WAKE, 1, NULL) < 0)
		return -errno;
	return 0;
}

static const struct ring_waitops fx_ops = {
	.wait = fx_wait,
	.wake = fx_wake,
	.spin_ns = FUTEX_RING_SPIN_NS,
};

static int fx_setup(struct bench_chan *ch)
{
	struct ring_chan *rc = calloc(1, sizeof(*rc));
	int ret;

	if (!rc)
		return -ENOMEM;
	ret = ring_chan_create(ch, rc, &fx_ops);
	if (ret) {
		free(rc);
		return ret;
	}
	bench_chan_note(ch, "spins up to %d ns", FUTEX_RING_SPIN_NS);
	ch->priv = rc;
	return 0;
}

static int fx_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	return ring_send(ch->priv, dir, buf, len);
}

static int fx_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		   const void **msg)
{
	if (msg)
		*msg = buf;
	return ring_recv(ch->priv, dir, buf, len);
}

static void fx_teardown(struct bench_chan *ch)
{
	struct ring_chan *rc = ch->priv;

	ring_chan_destroy(ch, rc);
	free(rc);
}

BENCH_MECH(futex_ring) = {
	.name = "futex-ring",
	.summary = "shared-memory ring per direction, spin then futex wait",
	.kind = BENCH_PEER,
	.order = 80,
	.flags = BENCH_SHM,
	.setup = fx_setup,
	.send = fx_send,
	.recv = fx_recv,
	.teardown = fx_teardown,
};
