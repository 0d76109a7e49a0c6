// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Spans: zero-copy messages that refer to bytes of a mailbox's region, and
 * the span pool, an allocator that lives in the region itself so that every
 * process mapping the region shares it.
 *
 * The pool's layout, at offset 0 of the region (fixed-width fields, the same
 * for 32- and 64-bit processes):
 *
 *   struct pool_hdr (64 bytes)   magic, version, chunk size, chunk count,
 *                                offset of the first chunk, a next-fit hint,
 *                                a release counter and a waiter count
 *   uint32_t bitmap[]            one bit per chunk, 1 = allocated
 *   (padding to the first chunk: chunk-aligned up to a page)
 *   chunks                       nchunks * chunk_size bytes
 *
 * A span is a run of contiguous chunks.  Allocation scans the bitmap for a
 * run of free bits from the hint and claims it word by word with
 * compare-and-swap (acquire); if a word changed under it, the words already
 * claimed are given back and the scan goes on.  Release clears the bits
 * (release ordering, so the releaser's reads of the span happen before the
 * next owner's writes).  No lock: a process that dies holding spans only
 * leaks those spans, never blocks the others.  Formatting claims the header
 * with a compare-and-swap of the magic (0 -> "formatting") and publishes the
 * final magic last (release); users read it with acquire.
 *
 * Waiting for room is an event count: an allocator that found no room
 * counts itself in `waiters`, reads `releases`, looks at the bitmap again
 * and only then sleeps in the kernel while `releases` keeps that value
 * (msgport_region_wait); a release clears its bits, increments `releases`
 * and, if `waiters` is not zero, wakes the region's sleepers.  All of these
 * are sequentially consistent, so either the allocator sees the release or
 * the releaser sees the allocator and wakes it.  A process killed while
 * counted in `waiters` only makes later releases pay a useless wake-up.
 *
 * The kernel knows nothing of the pool: it only checks that a sent span
 * lies inside the region.  The pool is a convention between the programs
 * that share the region (see the ownership rules in libmsgport.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define POOL_MAGIC		0x4d505350U	/* "MPSP": a formatted pool */
#define POOL_MAGIC_FORMATTING	0x4d505346U	/* "MPSF": being formatted */
#define POOL_VERSION		1U
#define POOL_MIN_CHUNK_SHIFT	6		/* 64 bytes */
#define POOL_MAX_CHUNK_SHIFT	30		/* 1 GiB */
#define POOL_DEFAULT_CHUNK	65536U
#define POOL_MIN_DEFAULT_CHUNKS	16U
#define POOL_PAGE		4096U

struct pool_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t chunk_shift;
	uint32_t nchunks;
	uint64_t data_offset;
	uint32_t hint;		/* next-fit start: a chunk index, advisory */
	uint32_t releases;	/* incremented by every release */
	uint32_t waiters;	/* allocators about to sleep or sleeping */
	uint32_t reserved[7];
	uint32_t bitmap[];
};

_Static_assert(sizeof(struct pool_hdr) == 64, "the pool header is 64 bytes");

/* This process's checked copy of the pool's geometry. */
struct msgport_span_pool {
	struct pool_hdr *hdr;
	uint32_t *bitmap;
	uint64_t data_offset;
	uint32_t chunk_shift;
	uint32_t nchunks;
};

static uint32_t load_acquire(uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static size_t bitmap_bytes(uint64_t nchunks)
{
	return (size_t)((nchunks + 31) / 32 * 4);
}

/* The pool of r, checked and cached on first use: 0, -ENOMSG or -ENOMEM. */
static int get_pool(struct msgport_region *r, struct msgport_span_pool **poolp)
{
	struct msgport_span_pool *pool, *expected = NULL;
	struct pool_hdr *hdr = r->addr;
	uint64_t end;

	pool = __atomic_load_n(&r->pool, __ATOMIC_ACQUIRE);
	if (pool) {
		*poolp = pool;
		return 0;
	}
	if (r->size < sizeof(*hdr) || load_acquire(&hdr->magic) != POOL_MAGIC)
		return -ENOMSG;

	pool = malloc(sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pool->hdr = hdr;
	pool->bitmap = hdr->bitmap;
	pool->data_offset = hdr->data_offset;
	pool->chunk_shift = hdr->chunk_shift;
	pool->nchunks = hdr->nchunks;
	/* Never trust the shared header further than the mapping goes. */
	if (hdr->version != POOL_VERSION || pool->chunk_shift < POOL_MIN_CHUNK_SHIFT ||
	    pool->chunk_shift > POOL_MAX_CHUNK_SHIFT || !pool->nchunks ||
	    pool->data_offset < sizeof(*hdr) + bitmap_bytes(pool->nchunks) ||
	    pool->data_offset > r->size) {
		free(pool);
		return -ENOMSG;
	}
	end = pool->data_offset + ((uint64_t)pool->nchunks << pool->chunk_shift);
	if (end > r->size) {
		free(pool);
		return -ENOMSG;
	}
	if (!__atomic_compare_exchange_n(&r->pool, &expected, pool, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		/* Another thread got there first with the same geometry. */
		free(pool);
		pool = expected;
	}
	*poolp = pool;
	return 0;
}

/* Called by msgport_region_unmap(). */
void msgport_span_pool_forget(struct msgport_region *r)
{
	free(r->pool);
	r->pool = NULL;
}

static unsigned int log2_exact(size_t v)
{
	unsigned int s = 0;

	while (((size_t)1 << s) < v)
		s++;
	return s;
}

MSGPORT_EXPORT int msgport_span_pool_init(struct msgport_region *r, size_t chunk_size)
{
	struct pool_hdr *hdr;
	uint64_t bound, data_offset, align, nchunks;
	uint32_t expected = 0;
	unsigned int shift;

	if (!r)
		return -EINVAL;
	if (!r->writable)
		return -EBADF;
	if (!chunk_size) {
		chunk_size = POOL_DEFAULT_CHUNK;
		while (chunk_size > ((size_t)1 << POOL_MIN_CHUNK_SHIFT) &&
		       r->size / chunk_size < POOL_MIN_DEFAULT_CHUNKS)
			chunk_size /= 2;
	}
	if (chunk_size & (chunk_size - 1))
		return -EINVAL;
	shift = log2_exact(chunk_size);
	if (shift < POOL_MIN_CHUNK_SHIFT || shift > POOL_MAX_CHUNK_SHIFT)
		return -EINVAL;

	/* At most size >> shift chunks: room for their bitmap, then align. */
	bound = (uint64_t)r->size >> shift;
	align = chunk_size < POOL_PAGE ? chunk_size : POOL_PAGE;
	data_offset = sizeof(*hdr) + bitmap_bytes(bound);
	data_offset = (data_offset + align - 1) / align * align;
	if (data_offset >= r->size)
		return -EINVAL;
	nchunks = (r->size - data_offset) >> shift;
	if (!nchunks || nchunks > UINT32_MAX)
		return -EINVAL;

	hdr = r->addr;
	if (!__atomic_compare_exchange_n(&hdr->magic, &expected, POOL_MAGIC_FORMATTING, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return -EEXIST;
	hdr->version = POOL_VERSION;
	hdr->chunk_shift = shift;
	hdr->nchunks = (uint32_t)nchunks;
	hdr->data_offset = data_offset;
	hdr->hint = 0;
	hdr->releases = 0;
	hdr->waiters = 0;
	memset(hdr->reserved, 0, sizeof(hdr->reserved));
	memset(hdr->bitmap, 0, bitmap_bytes(nchunks));
	__atomic_store_n(&hdr->magic, POOL_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

MSGPORT_EXPORT int msgport_span_pool_stat(struct msgport_region *r, size_t *chunk_size,
					  size_t *nchunks, size_t *free_chunks)
{
	struct msgport_span_pool *pool;
	uint32_t i, used = 0;
	int ret;

	if (!r)
		return -EINVAL;
	ret = get_pool(r, &pool);
	if (ret < 0)
		return ret;
	for (i = 0; i < (pool->nchunks + 31) / 32; i++) {
		uint32_t w = load_acquire(&pool->bitmap[i]);

		if (i == pool->nchunks / 32)
			w &= (1U << (pool->nchunks % 32)) - 1;
		used += (uint32_t)__builtin_popcount(w);
	}
	if (chunk_size)
		*chunk_size = (size_t)1 << pool->chunk_shift;
	if (nchunks)
		*nchunks = pool->nchunks;
	if (free_chunks)
		*free_chunks = pool->nchunks - used;
	return 0;
}

/* The bits of word (first / 32) that chunks [first, first + count) cover. */
static uint32_t word_mask(uint32_t first, uint32_t count)
{
	uint32_t bit = first % 32, n = 32 - bit < count ? 32 - bit : count;

	return (n == 32 ? ~0U : ((1U << n) - 1)) << bit;
}

static void clear_chunks(struct msgport_span_pool *pool, uint32_t first, uint32_t count)
{
	while (count) {
		uint32_t mask = word_mask(first, count), n = (uint32_t)__builtin_popcount(mask);

		__atomic_fetch_and(&pool->bitmap[first / 32], ~mask, __ATOMIC_RELEASE);
		first += n;
		count -= n;
	}
}

/* Claims chunks [first, first + count) if all are free; false otherwise. */
static bool claim_chunks(struct msgport_span_pool *pool, uint32_t first, uint32_t count)
{
	uint32_t i = first, left = count;

	while (left) {
		uint32_t mask = word_mask(i, left), n = (uint32_t)__builtin_popcount(mask);
		uint32_t *w = &pool->bitmap[i / 32];
		uint32_t old = load_acquire(w);

		do {
			if (old & mask) {
				clear_chunks(pool, first, i - first);
				return false;
			}
		} while (!__atomic_compare_exchange_n(w, &old, old | mask, true, __ATOMIC_ACQ_REL,
						      __ATOMIC_ACQUIRE));
		i += n;
		left -= n;
	}
	return true;
}

/* Finds and claims a run of count free chunks at or after from: its index. */
static bool claim_run(struct msgport_span_pool *pool, uint32_t from, uint32_t count,
		      uint32_t *firstp)
{
	uint32_t i = from, run = 0, start = from;

	while (i < pool->nchunks) {
		uint32_t w = load_acquire(&pool->bitmap[i / 32]);

		if (i % 32 == 0 && w == ~0U) {
			run = 0;
			i += 32;
			start = i;
			continue;
		}
		if (w & (1U << (i % 32))) {
			run = 0;
			start = ++i;
			continue;
		}
		i++;
		if (++run < count)
			continue;
		if (claim_chunks(pool, start, count)) {
			*firstp = start;
			return true;
		}
		/* Someone took part of it meanwhile: look again past start. */
		run = 0;
		i = start = start + 1;
	}
	return false;
}

static bool try_alloc(struct msgport_span_pool *pool, uint32_t count, uint32_t *firstp)
{
	uint32_t hint = __atomic_load_n(&pool->hdr->hint, __ATOMIC_RELAXED);

	if (hint >= pool->nchunks)
		hint = 0;
	if (claim_run(pool, hint, count, firstp) || (hint && claim_run(pool, 0, count, firstp))) {
		__atomic_store_n(&pool->hdr->hint, *firstp + count, __ATOMIC_RELAXED);
		return true;
	}
	return false;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * No room: sleep until a release (or the deadline).  0 to look again, or
 * -ETIMEDOUT, -EINTR, another -errno of the wait.
 */
static int wait_for_release(struct msgport_region *r, struct msgport_span_pool *pool,
			    uint32_t count, int64_t timeout_ns, uint64_t deadline,
			    uint32_t *firstp, bool *got)
{
	struct pool_hdr *hdr = pool->hdr;
	int64_t left = MSGPORT_WAIT_FOREVER;
	uint32_t seen;
	int ret;

	if (timeout_ns >= 0) {
		uint64_t now = now_ns();

		if (now >= deadline)
			return -ETIMEDOUT;
		left = (int64_t)(deadline - now);
	}
	__atomic_fetch_add(&hdr->waiters, 1, __ATOMIC_SEQ_CST);
	seen = __atomic_load_n(&hdr->releases, __ATOMIC_SEQ_CST);
	*got = try_alloc(pool, count, firstp);
	ret = *got ? 0 : msgport_region_wait(r, offsetof(struct pool_hdr, releases), seen, left);
	__atomic_fetch_sub(&hdr->waiters, 1, __ATOMIC_SEQ_CST);
	return ret;
}

MSGPORT_EXPORT int msgport_span_alloc(struct msgport_region *r, size_t len, unsigned int flags,
				      int64_t timeout_ns, struct msgport_span *sp)
{
	struct msgport_span_pool *pool;
	uint64_t deadline = 0, count;
	uint32_t first;
	bool got = false;
	int ret;

	if (!r || !sp || (flags & ~MSGPORT_F_NONBLOCK) ||
	    (timeout_ns < 0 && timeout_ns != MSGPORT_WAIT_FOREVER))
		return -EINVAL;
	if (!r->writable)
		return -EBADF;
	ret = get_pool(r, &pool);
	if (ret < 0)
		return ret;
	count = ((uint64_t)len + ((uint64_t)1 << pool->chunk_shift) - 1) >> pool->chunk_shift;
	if (!len || count > pool->nchunks)
		return -EMSGSIZE;
	if (timeout_ns >= 0)
		deadline = now_ns() + (uint64_t)timeout_ns;

	while (!got && !try_alloc(pool, (uint32_t)count, &first)) {
		if (flags & MSGPORT_F_NONBLOCK)
			return -EAGAIN;
		ret = wait_for_release(r, pool, (uint32_t)count, timeout_ns, deadline, &first, &got);
		if (ret < 0)
			return ret;
	}
	sp->offset = pool->data_offset + ((uint64_t)first << pool->chunk_shift);
	sp->len = len;
	sp->addr = (char *)r->addr + sp->offset;
	return 0;
}

MSGPORT_EXPORT int msgport_span_release(struct msgport_region *r, const struct msgport_span *sp)
{
	struct msgport_span_pool *pool;
	uint64_t rel, count;
	uint32_t first, i;
	int ret;

	if (!r || !sp)
		return -EINVAL;
	if (!r->writable)
		return -EBADF;
	ret = get_pool(r, &pool);
	if (ret < 0)
		return ret;
	if (!sp->len || sp->offset < pool->data_offset)
		return -EINVAL;
	rel = sp->offset - pool->data_offset;
	if (rel & (((uint64_t)1 << pool->chunk_shift) - 1))
		return -EINVAL;
	count = ((uint64_t)sp->len + ((uint64_t)1 << pool->chunk_shift) - 1) >> pool->chunk_shift;
	if ((rel >> pool->chunk_shift) + count > pool->nchunks)
		return -EINVAL;
	first = (uint32_t)(rel >> pool->chunk_shift);
	/* Catch a release of chunks that are not allocated before touching any. */
	for (i = first; i < first + count;) {
		uint32_t mask = word_mask(i, (uint32_t)(first + count - i));

		if ((load_acquire(&pool->bitmap[i / 32]) & mask) != mask)
			return -EINVAL;
		i += (uint32_t)__builtin_popcount(mask);
	}
	clear_chunks(pool, first, (uint32_t)count);
	__atomic_fetch_add(&pool->hdr->releases, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&pool->hdr->waiters, __ATOMIC_SEQ_CST))
		return msgport_region_wake(r);
	return 0;
}

/* Span messages */

MSGPORT_EXPORT int msgport_span_send(struct msgport_mailbox *mb, const struct msgport_span *sp,
				     unsigned int prio, unsigned int flags, int64_t timeout_ns,
				     uint64_t *seq)
{
	struct msgport_send s;
	int ret;

	if (!mb || !sp || (flags & MSGPORT_F_TIMEOUT))
		return -EINVAL;
	if (sp->len > UINT32_MAX)
		return -EMSGSIZE;
	memset(&s, 0, sizeof(s));
	if (timeout_ns >= 0) {
		flags |= MSGPORT_F_TIMEOUT;
		s.timeout_ns = (__u64)timeout_ns;
	} else if (timeout_ns != MSGPORT_WAIT_FOREVER) {
		return -EINVAL;
	}
	s.buf = sp->offset;
	s.len = (__u32)sp->len;
	s.flags = flags | MSGPORT_F_SPAN;
	s.priority = prio;
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_SEND, &s);
	if (ret < 0)
		return ret;
	if (seq)
		*seq = s.seq;
	return 0;
}

MSGPORT_EXPORT int msgport_span_recv(struct msgport_mailbox *mb, struct msgport_region *r,
				     struct msgport_span *sp, unsigned int flags,
				     int64_t timeout_ns, struct msgport_msginfo *info)
{
	struct msgport_msginfo tmp;
	ssize_t ret;

	if (!mb || !sp || (flags & ~(MSGPORT_F_NONBLOCK | MSGPORT_F_PEEK | MSGPORT_F_SPAN)))
		return -EINVAL;
	/* No buffer: a message with a payload stays queued (-EMSGSIZE). */
	ret = msgport_recv(mb, NULL, 0, flags | MSGPORT_F_SPAN, timeout_ns, &tmp);
	if (info && (ret >= 0 || ret == -EMSGSIZE))
		*info = tmp;
	if (ret < 0)
		return (int)ret;
	memset(sp, 0, sizeof(*sp));
	if (!(tmp.msg_flags & MSGPORT_MSG_SPAN))
		return 0;	/* an empty ordinary message */
	sp->offset = tmp.span_offset;
	sp->len = tmp.len;
	if (r && tmp.span_offset < r->size && tmp.len <= r->size - tmp.span_offset)
		sp->addr = (char *)r->addr + tmp.span_offset;
	return 0;
}
