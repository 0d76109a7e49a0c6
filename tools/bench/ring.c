// SPDX-License-Identifier: GPL-2.0-or-later
/* The shared-memory byte ring of the eventfd and futex peers; see ring.h. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "ring.h"

#define RING_MIN	(64U << 10)
#define RING_MAX	(4U << 20)

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

size_t ring_data_bytes(const struct bench_chan *ch)
{
	size_t want = ch->size * (ch->depth ? ch->depth : 1), n = RING_MIN;

	while (n < want && n < RING_MAX)
		n <<= 1;
	return n;
}

size_t ring_mem_bytes(const struct bench_chan *ch)
{
	return (sizeof(struct ring) + ring_data_bytes(ch) + 4095) & ~(size_t)4095;
}

static void ring_note(struct bench_chan *ch, const struct ring_waitops *ops)
{
	bench_chan_note(ch, "%zu KiB ring per direction, %s", ring_data_bytes(ch) >> 10,
			ops->spin_ns ? "spins then sleeps" : "sleeps at once");
}

int ring_chan_create(struct bench_chan *ch, struct ring_chan *rc, const struct ring_waitops *ops)
{
	size_t one = ring_mem_bytes(ch);
	unsigned char *p;
	int d;

	p = mmap(NULL, 2 * one, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return bench_chan_error(ch, -errno, "mmap of %zu B of rings", 2 * one);
	for (d = 0; d < 2; d++) {
		rc->ring[d] = (struct ring *)(p + d * one);
		rc->ring[d]->size = ring_data_bytes(ch);
	}
	rc->map_len = 2 * one;
	rc->ops = ops;
	ring_note(ch, ops);
	return 0;
}

void ring_chan_destroy(struct bench_chan *ch, struct ring_chan *rc)
{
	unsigned int lost = atomic_load(&rc->ring[0]->lost_wakeups) +
			    atomic_load(&rc->ring[1]->lost_wakeups);

	if (lost)
		bench_chan_note(ch, "%u LOST WAKE-UP(S): a wait timed out on a ready ring", lost);
	if (rc->map_len)
		munmap(rc->ring[0], rc->map_len);
}

/* Tell a sleeper on the other side that ev happened. */
static int publish(struct ring_chan *rc, int dir, enum ring_event ev)
{
	struct ring *r = rc->ring[dir];

	atomic_fetch_add(&r->seq[ev], 1);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&r->waiting[ev], memory_order_relaxed) &&
	    atomic_exchange(&r->waiting[ev], 0))
		return rc->ops->wake(rc, dir, ev);
	return 0;
}

/* Bytes available for ev: data to read, or room to write. */
static uint64_t avail(struct ring *r, enum ring_event ev)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	return ev == RING_DATA ? tail - head : r->size - (tail - head);
}

static int wait_for(struct ring_chan *rc, int dir, enum ring_event ev)
{
	struct ring *r = rc->ring[dir];
	unsigned int i;
	uint32_t seen;
	uint64_t t0;
	int ret;

	if (rc->ops->spin_ns) {
		uint64_t until = bench_now_ns() + rc->ops->spin_ns;

		for (i = 1;; i++) {
			if (avail(r, ev))
				return 0;
			cpu_relax();
			if (!(i % 16) && bench_now_ns() >= until)
				break;
		}
	}
	for (;;) {
		seen = atomic_load(&r->seq[ev]);
		atomic_store(&r->waiting[ev], 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (avail(r, ev)) {
			atomic_store(&r->waiting[ev], 0);
			return 0;
		}
		t0 = bench_now_ns();
		ret = rc->ops->wait(rc, dir, ev, seen);
		if (ret)
			return ret;
		if (avail(r, ev)) {
			/* Ready, yet nobody woke us: the wait ran out. */
			if (bench_now_ns() - t0 >= RING_WAIT_NS &&
			    atomic_load(&r->seq[ev]) != seen)
				atomic_fetch_add(&r->lost_wakeups, 1);
			return 0;
		}
	}
}

int ring_send(struct ring_chan *rc, int dir, const void *buf, size_t len)
{
	struct ring *r = rc->ring[dir];
	const unsigned char *p = buf;
	uint64_t tail, n, off, first;
	int ret;

	while (len) {
		n = avail(r, RING_SPACE);
		if (!n) {
			ret = wait_for(rc, dir, RING_SPACE);
			if (ret)
				return ret;
			continue;
		}
		if (n > len)
			n = len;
		tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
		off = tail & (r->size - 1);
		first = r->size - off < n ? r->size - off : n;
		memcpy(r->data + off, p, first);
		memcpy(r->data, p + first, n - first);
		atomic_store_explicit(&r->tail, tail + n, memory_order_release);
		ret = publish(rc, dir, RING_DATA);
		if (ret)
			return ret;
		p += n;
		len -= n;
	}
	return 0;
}

int ring_recv(struct ring_chan *rc, int dir, void *buf, size_t len)
{
	struct ring *r = rc->ring[dir];
	unsigned char *p = buf;
	uint64_t head, n, off, first;
	int ret;

	while (len) {
		n = avail(r, RING_DATA);
		if (!n) {
			ret = wait_for(rc, dir, RING_DATA);
			if (ret)
				return ret;
			continue;
		}
		if (n > len)
			n = len;
		head = atomic_load_explicit(&r->head, memory_order_relaxed);
		off = head & (r->size - 1);
		first = r->size - off < n ? r->size - off : n;
		memcpy(p, r->data + off, first);
		memcpy(p + first, r->data, n - first);
		atomic_store_explicit(&r->head, head + n, memory_order_release);
		ret = publish(rc, dir, RING_SPACE);
		if (ret)
			return ret;
		p += n;
		len -= n;
	}
	return 0;
}
