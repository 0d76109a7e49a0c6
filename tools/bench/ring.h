/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A single-producer single-consumer byte ring in shared memory, one per
 * direction, for the shared-memory peers (eventfd-ring, futex-ring).  The
 * sender copies a message in, the receiver copies it out: two copies, as a
 * pipe makes, but no system call while neither side has to wait.
 *
 * Waiting is the mechanism's business (struct ring_waitops): a side that
 * finds the ring empty (or full) may spin a little, then announces itself in
 * waiting[] and sleeps; the other side, after publishing, wakes it only if
 * it announced itself.  seq[] counts publications (a futex word).  The
 * announce/check and publish/check pairs are ordered by seq_cst fences, so a
 * wake-up is never lost.
 */
#ifndef MSGPORT_BENCH_RING_H
#define MSGPORT_BENCH_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"

enum ring_event {
	RING_DATA = 0,		/* the consumer waits for data */
	RING_SPACE = 1,		/* the producer waits for space */
};

struct ring {
	_Alignas(64) _Atomic uint64_t head;	/* bytes consumed */
	_Alignas(64) _Atomic uint64_t tail;	/* bytes produced */
	_Alignas(64) _Atomic uint32_t seq[2];	/* [ring_event] publications */
	_Atomic uint32_t waiting[2];		/* [ring_event] a side sleeps */
	_Atomic uint32_t lost_wakeups;		/* waits that timed out on a ready ring */
	uint64_t size;				/* bytes of data[], a power of two */
	_Alignas(64) unsigned char data[];
};

struct ring_chan;

/*
 * A wait gives up after RING_WAIT_NS and the waiter looks again: a wake-up
 * that never comes (a bug in the ring or in the kernel's wait) then costs
 * that long instead of a hang, and is counted in lost_wakeups when the ring
 * turns out to have been ready.
 */
#define RING_WAIT_NS	(200 * 1000 * 1000)

struct ring_waitops {
	/*
	 * Sleep until woken for ev, at most RING_WAIT_NS (may return early,
	 * 0 then too); seen is seq[ev] before the last check.
	 */
	int (*wait)(struct ring_chan *rc, int dir, enum ring_event ev, uint32_t seen);
	int (*wake)(struct ring_chan *rc, int dir, enum ring_event ev);
	uint64_t spin_ns;	/* how long to spin before sleeping */
};

/* Two rings ([bench_dir]) and how to wait on them. */
struct ring_chan {
	struct ring *ring[2];
	size_t map_len;		/* 0: the memory is not ours to unmap */
	const struct ring_waitops *ops;
	int efd[2][2];		/* eventfd-ring: [dir][ring_event] */
};

/* Bytes of data a ring for ch->size and ch->depth holds (a power of two). */
size_t ring_data_bytes(const struct bench_chan *ch);
/* Bytes of memory one such ring takes, header included. */
size_t ring_mem_bytes(const struct bench_chan *ch);
/* Maps both rings (shared, inherited by fork) sized for ch->size and ch->depth. */
int ring_chan_create(struct bench_chan *ch, struct ring_chan *rc, const struct ring_waitops *ops);
/* Notes the lost wake-ups, if any; unmaps what ring_chan_create mapped. */
void ring_chan_destroy(struct bench_chan *ch, struct ring_chan *rc);

int ring_send(struct ring_chan *rc, int dir, const void *buf, size_t len);
int ring_recv(struct ring_chan *rc, int dir, void *buf, size_t len);

#endif /* MSGPORT_BENCH_RING_H */
