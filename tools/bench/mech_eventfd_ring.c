// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * eventfd-ring: a shared-memory byte ring per direction (ring.c); a side
 * that must wait sleeps at once in read(2) on an eventfd, and the other side
 * write(2)s to it only when the sleeper announced itself.  Four eventfds:
 * data and space, per direction.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ring.h"

static int efd_wait(struct ring_chan *rc, int dir, enum ring_event ev, uint32_t seen)
{
	struct pollfd pfd = { .fd = rc->efd[dir][ev], .events = POLLIN };
	uint64_t v;
	ssize_t n;
	int ret;

	/* poll(2) for the time limit; the eventfd is blocking. */
	ret = poll(&pfd, 1, RING_WAIT_NS / 1000000);
	if (ret <= 0)
		return ret < 0 && errno != EINTR ? -errno : 0;
	do {
		n = read(rc->efd[dir][ev], &v, sizeof(v));
	} while (n < 0 && errno == EINTR);
	return n == sizeof(v) ? 0 : -errno;
}

static int efd_wake(struct ring_chan *rc, int dir, enum ring_event ev)
{
	uint64_t one = 1;
	ssize_t n;

	do {
		n = write(rc->efd[dir][ev], &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
	return n == sizeof(one) ? 0 : -errno;
}

static const struct ring_waitops efd_ops = {
	.wait = efd_wait,
	.wake = efd_wake,
	.spin_ns = 0,
};

static void efd_close_all(struct ring_chan *rc)
{
	int d, e;

	for (d = 0; d < 2; d++)
		for (e = 0; e < 2; e++)
			if (rc->efd[d][e] >= 0)
				close(rc->efd[d][e]);
}

static int efd_setup(struct bench_chan *ch)
{
	struct ring_chan *rc = calloc(1, sizeof(*rc));
	int d, e, ret;

	if (!rc)
		return -ENOMEM;
	for (d = 0; d < 2; d++)
		for (e = 0; e < 2; e++)
			rc->efd[d][e] = -1;
	for (d = 0; d < 2; d++) {
		for (e = 0; e < 2; e++) {
			rc->efd[d][e] = eventfd(0, EFD_CLOEXEC);
			if (rc->efd[d][e] < 0) {
				ret = bench_chan_error(ch, -errno, "eventfd");
				efd_close_all(rc);
				free(rc);
				return ret;
			}
		}
	}
	ret = ring_chan_create(ch, rc, &efd_ops);
	if (ret) {
		efd_close_all(rc);
		free(rc);
		return ret;
	}
	ch->priv = rc;
	return 0;
}

static int efd_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	return ring_send(ch->priv, dir, buf, len);
}

static int efd_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		    const void **msg)
{
	if (msg)
		*msg = buf;
	return ring_recv(ch->priv, dir, buf, len);
}

static void efd_teardown(struct bench_chan *ch)
{
	struct ring_chan *rc = ch->priv;

	ring_chan_destroy(ch, rc);
	efd_close_all(rc);
	free(rc);
}

BENCH_MECH(eventfd_ring) = {
	.name = "eventfd-ring",
	.summary = "shared-memory ring per direction, eventfd wake-ups",
	.kind = BENCH_PEER,
	.order = 70,
	.flags = BENCH_SHM,
	.setup = efd_setup,
	.send = efd_send,
	.recv = efd_recv,
	.teardown = efd_teardown,
};
