// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Rings: a queue of variable-length messages living in a mailbox's region,
 * written by one producer (or, with MSGPORT_RING_MPSC, by many) and read by
 * one consumer, in any processes that map the region.  No system call while
 * neither side has to wait; sleeping goes through msgport_region_wait() and
 * msgport_region_wake() on words of the ring's header.
 *
 * Layout, at attr->offset in the region (a multiple of 64; fixed-width
 * fields, the same for 32- and 64-bit processes):
 *
 *   struct ring_hdr (192 bytes)  three cache lines: the geometry (constant
 *                                once formatted), the consumer's line (head,
 *                                space_seq, space_waiters, skipped) and the
 *                                producers' line (tail, data_seq,
 *                                data_waiters, the MPSC reservation lock)
 *   records                      data_size bytes, a power of two
 *
 * head and tail are byte positions that only grow (64-bit: they never wrap
 * in practice); a position's place in the data is pos & (data_size - 1).
 * A record is a 32-byte struct rec_hdr (state, len, the reserving thread's
 * id, tag = the low 32 bits of its position, and that thread's start time)
 * and len payload bytes, rounded up to 16.  A record never wraps: a
 * producer whose record does not fit before the end of the data first
 * fills the rest with a PAD record, of which only the first 16 bytes of the
 * header are written (a pad may be 16 bytes).  So that one always fits, a
 * record is at most half the data (rec_size(max_msg) <= data_size / 2).
 * data_size is at most 2 GiB, so that the 32-bit tag tells one lap from
 * the next.
 *
 * Producing: reserve (in MPSC mode under the reservation lock, a 64-bit
 * word holding the holder's thread id and the low 32 bits of its start
 * time, held for a few instructions only: check
 * room, write the pad and record headers with state BUSY, advance tail),
 * copy the payload in place, commit (state BUSY -> DONE).  A single
 * producer's msgport_ring_send() copies the payload and writes the header
 * DONE before it moves tail, so its consumer never finds the record BUSY.
 * Consuming: the record at head; when DONE, copy it out (or peek at it in
 * place) and advance head past it.  A side that must wait first spins for
 * up to RING_SPIN_NS (once per call), as the bench's futex ring does.
 *
 * Memory ordering:
 *  - the record headers (and any pad) are written before tail is advanced
 *    with a release store; the consumer loads tail with acquire, so it
 *    never reads a header that is not written (no stale headers: nothing
 *    between head and tail is older than the reservation);
 *  - the payload is written before the commit, a release compare-and-swap
 *    of the state; the consumer loads the state with acquire before it
 *    reads the payload;
 *  - the consumer's reads of a record happen before its release store of
 *    head; the producer loads head with acquire before it reuses the bytes;
 *  - the MPSC lock is taken with an acquire CAS and dropped with a release
 *    store, so the next holder sees the previous holder's tail.
 * Sleeping (the futex "missed wake-up" problem): a side that must wait
 * counts itself in *_waiters (a sequentially consistent read-modify-write),
 * issues a full barrier, reads the *_seq word, looks at the ring again and
 * only then sleeps in msgport_region_wait() while *_seq still holds what it
 * read.  The other side makes its change (tail/state, or head), increments
 * *_seq, issues a full barrier and calls msgport_region_wake() only if
 * *_waiters is not zero.  The two barriers forbid the store-buffering
 * outcome where each side misses the other's store: either the waiter sees
 * the change, or the changer sees the waiter; and a change made between the
 * waiter's read of *_seq and its sleep changed *_seq, so the kernel's
 * wait returns at once.  A wake-up call is made only when someone waits.
 *
 * The header and the records are in memory other processes write: every
 * value read from it is checked before it is used as an index or a length
 * (tail - head at most data_size, both multiples of 16, a record's tag its
 * position, its state one of four, its length at most max_msg and inside
 * what was reserved, a PAD reaching exactly the end); what fails a check
 * is reported as -EBADMSG, never followed.  The geometry is copied into the
 * handle and checked once at attach, never read again.  Every sleep is
 * bounded (RING_SLICE_NS), so a peer that zeroes a waiter count costs
 * latency, not a hang.  A peer can still stop the ring (fill it, or hold
 * the MPSC lock as a live thread); it cannot make us read or write outside
 * the ring, and every wait keeps its time-out.
 *
 * A producer that dies between reserving and committing leaves a BUSY
 * record.  The consumer that has found the record at head BUSY for
 * RING_SLICE_NS checks the reserving thread (thread_gone(): kill(tid, 0)
 * failing with ESRCH; or /proc/TID/stat saying zombie, or giving a start
 * time other than the one in the record: the id was reused): if it is
 * gone, the consumer marks the record SKIPPED (a CAS from BUSY, so a commit
 * racing with it loses cleanly and gets -ESTALE), advances head past it and
 * counts it in the header's `skipped` (msgport_ring_stat()).  A thread that
 * kill() finds (0 or EPERM) and /proc cannot tell about (no /proc, or
 * hidepid) is taken for alive.  Start times count clock ticks (10 ms): an
 * id reused within the tick its dead owner started in is not told apart
 * (the pid space would have to wrap in that time).  Thread ids only mean something within a pid
 * namespace: init records its identity in the header and attach refuses
 * another (-EXDEV).  A commit checks that the record is still the
 * committing thread's own (same id and start time, and BUSY), so a late
 * commit cannot publish a record another producer reserved at the same
 * place.  A producer that dies holding the MPSC lock is found the same way
 * by the next producer, which takes the lock over (the dead holder either
 * advanced tail after writing its headers, or did not: nothing else is
 * half-done).  Reserving is not async-signal-safe (a handler interrupting
 * a reservation of its own thread would wait for itself).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define RING_MAGIC		0x4d50524eU	/* "MPRN": a formatted ring */
#define RING_MAGIC_FORMATTING	0x4d505246U	/* "MPRF": being formatted */
#define RING_VERSION		2U	/* 2: 32-byte records, 64-bit lock, pid ns */
#define RING_ALIGN		64U		/* of the ring in the region */
#define REC_ALIGN		16U
#define RING_MIN_DATA		256U
#define RING_MAX_DATA		(1ULL << 31)	/* the 32-bit tag tells laps apart */

/* Record states (improbable values, so that garbage is not taken for one). */
#define REC_BUSY		0x52425359U	/* reserved, being written */
#define REC_DONE		0x5244554eU	/* committed */
#define REC_PAD			0x52504144U	/* filler to the end of the data */
#define REC_SKIPPED		0x52534b50U	/* its producer died: skip it */

/* Longest sleep before looking again (and checking a BUSY record's thread). */
#define RING_SLICE_NS		(20 * 1000 * 1000LL)
/* Spinning before sleeping, as the bench's futex ring does. */
#define RING_SPIN_NS		5000U

struct ring_hdr {
	/* Constant once formatted. */
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t max_msg;
	uint64_t data_size;
	uint64_t area_size;
	uint64_t pidns_dev;	/* the pid namespace of init (0: unknown) */
	uint64_t pidns_ino;
	uint32_t reserved0[4];
	/* The consumer's. */
	uint64_t head;
	uint32_t space_seq;	/* incremented when head moves */
	uint32_t space_waiters;	/* producers waiting for room */
	uint64_t skipped;	/* records of dead producers skipped */
	uint32_t reserved1[10];
	/* The producers'. */
	uint64_t tail;
	uint32_t data_seq;	/* incremented on every commit */
	uint32_t data_waiters;	/* the consumer waits for a record */
	uint64_t lock;		/* MPSC: the reserving producer, owner_word() */
	uint32_t reserved2[10];
};

_Static_assert(sizeof(struct ring_hdr) == 192, "the ring header is 192 bytes");
_Static_assert(offsetof(struct ring_hdr, head) == 64, "consumer line");
_Static_assert(offsetof(struct ring_hdr, tail) == 128, "producer line");
_Static_assert(offsetof(struct ring_hdr, lock) == 144, "the MPSC lock");

struct rec_hdr {
	uint32_t state;
	uint32_t len;		/* payload bytes (PAD: bytes after its 16) */
	int32_t tid;		/* the reserving thread */
	uint32_t tag;		/* low 32 bits of the record's position */
	/* Not in a PAD: */
	uint64_t start;		/* the reserving thread's start time (0: unknown) */
	uint64_t reserved;	/* zero */
};

#define PAD_HDR			16U	/* the part of a rec_hdr a PAD has */

_Static_assert(sizeof(struct rec_hdr) == 2 * REC_ALIGN, "a record header is 32 bytes");
/* The public structs are fixed-width: python/msgport/_lib.py says these sizes too. */
_Static_assert(sizeof(struct msgport_ring_attr) == 56, "struct msgport_ring_attr");
_Static_assert(sizeof(struct msgport_ring_stat) == 80, "struct msgport_ring_stat");

/* This process's handle: the geometry as checked at attach. */
struct msgport_ring {
	struct msgport_region *r;
	struct ring_hdr *hdr;
	unsigned char *data;
	uint64_t offset;
	uint64_t area_size;
	uint64_t data_size;
	uint64_t mask;
	uint32_t flags;
	uint32_t max_msg;
	/* Consumer only. */
	uint64_t peek_pos;	/* a record peeked at and not yet released */
	uint64_t peek_size;
	bool peeked;
	uint64_t busy_pos;	/* the BUSY record at head, since busy_since */
	uint64_t busy_since;
	bool busy_seen;
};

/* ---- small helpers ---- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t rec_size(uint64_t len)
{
	return (sizeof(struct rec_hdr) + len + REC_ALIGN - 1) & ~(uint64_t)(REC_ALIGN - 1);
}

static uint64_t word_offset(const struct msgport_ring *ring, const uint32_t *word)
{
	return ring->offset + (uint64_t)((const unsigned char *)word - (const unsigned char *)ring->hdr);
}

/*
 * A thread's start time (field 22 of /proc/TID/stat, clock ticks since
 * boot) and whether it is a zombie: 0, or -errno (-ENOENT: no such thread
 * in this /proc; anything else: /proc could not tell).
 */
static int proc_thread(const char *path, uint64_t *startp, bool *zombiep)
{
	char buf[1024], *p, *end;
	unsigned long long v;
	ssize_t n;
	int fd, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* The name (field 2) may hold anything: the fields follow its last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EIO;
	*zombiep = p[2] == 'Z' || p[2] == 'X';
	p += 3;				/* field 3, the state, read */
	for (i = 4; i <= 22; i++) {
		if (*p != ' ')
			return -EIO;
		p++;
		if (i < 22) {
			p = strchr(p, ' ');
			if (!p)
				return -EIO;
		}
	}
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || end == p)
		return -EIO;
	*startp = v;
	return 0;
}

/* The calling thread's id and start time, cached per thread, refreshed after fork(). */
static unsigned int fork_gen = 1;
static __thread unsigned int tl_gen;
static __thread int32_t tl_tid;
static __thread uint64_t tl_start;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void ring_atfork_child(void)
{
	__atomic_fetch_add(&fork_gen, 1, __ATOMIC_RELAXED);
}

static void ring_atfork_register(void)
{
	pthread_atfork(NULL, NULL, ring_atfork_child);
}

static int32_t my_tid(uint64_t *startp)
{
	unsigned int gen = __atomic_load_n(&fork_gen, __ATOMIC_RELAXED);

	if (tl_gen != gen) {
		char path[64];
		bool zombie;

		tl_tid = (int32_t)syscall(SYS_gettid);
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tl_tid);
		if (proc_thread(path, &tl_start, &zombie))
			tl_start = 0;	/* no /proc: known by its id only */
		tl_gen = gen;
	}
	*startp = tl_start;
	return tl_tid;
}

/* The MPSC lock word of a thread: its id and the low 32 bits of its start time. */
static uint64_t owner_word(int32_t tid, uint64_t start)
{
	return (uint64_t)(uint32_t)tid | (start & 0xffffffffULL) << 32;
}

/*
 * Is the thread that reserved (tid, start) gone?  start is its start time
 * masked by start_mask, 0 if unknown.  kill(tid, 0) finds a thread by its
 * id: ESRCH says gone, 0 or EPERM (another user's) that some thread has the
 * id.  /proc/TID/stat then tells a zombie (killed, not yet reaped) and a
 * thread that started at another time (the id was reused).  Should /proc
 * not answer (not mounted, hidepid, a race with the thread's exit), kill()
 * is asked again and only ESRCH counts: a live thread is never taken for
 * dead.
 */
static bool thread_gone(int32_t tid, uint64_t start, uint64_t start_mask)
{
	char path[64];
	uint64_t st;
	bool zombie;

	if (tid <= 0)
		return true;
	if (kill((pid_t)tid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	if (proc_thread(path, &st, &zombie))
		return kill((pid_t)tid, 0) < 0 && errno == ESRCH;
	if (zombie)
		return true;
	return start && (st & start_mask) != start;
}

/* The pid namespace of this process: 0 and *devp, *inop, or -errno. */
static int pidns_id(uint64_t *devp, uint64_t *inop)
{
	struct stat sb;

	if (stat("/proc/self/ns/pid", &sb) < 0)
		return -errno;
	*devp = (uint64_t)sb.st_dev;
	*inop = (uint64_t)sb.st_ino;
	return 0;
}

static int check_timeout(int64_t timeout_ns)
{
	return timeout_ns < 0 && timeout_ns != MSGPORT_WAIT_FOREVER ? -EINVAL : 0;
}

static uint64_t deadline_of(int64_t timeout_ns)
{
	return timeout_ns < 0 ? UINT64_MAX : now_ns() + (uint64_t)timeout_ns;
}

/*
 * Sleep on *word while it holds seen, for at most a slice and never past
 * deadline: 0 (look again), -ETIMEDOUT (deadline passed), -EINTR or another
 * error of the wait.  The caller counted itself in the waiters and looked.
 */
static int sleep_on(struct msgport_ring *ring, uint32_t *word, uint32_t seen, uint64_t deadline)
{
	uint64_t now = now_ns();
	int64_t t = RING_SLICE_NS;
	int ret;

	if (now >= deadline)
		return -ETIMEDOUT;
	if (deadline - now < (uint64_t)t)
		t = (int64_t)(deadline - now);
	ret = msgport_region_wait(ring->r, word_offset(ring, word), seen, t);
	return ret == -ETIMEDOUT ? 0 : ret;
}

/* After changing what *seq guards: wake the sleepers if any counted themselves. */
static int publish(struct msgport_ring *ring, uint32_t *seq, uint32_t *waiters)
{
	__atomic_fetch_add(seq, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(waiters, __ATOMIC_SEQ_CST))
		return msgport_region_wake(ring->r);
	return 0;
}

/* ---- formatting and attaching ---- */

static uint64_t pow2_floor(uint64_t v)
{
	uint64_t p = 1;

	while (p <= v / 2)
		p <<= 1;
	return p;
}

MSGPORT_EXPORT int msgport_ring_init(struct msgport_region *r, const struct msgport_ring_attr *a)
{
	struct ring_hdr *hdr;
	uint64_t data_size, max_msg;
	uint32_t expected = 0;
	unsigned int i;

	if (!r || !a || (a->flags & ~MSGPORT_RING_MPSC))
		return -EINVAL;
	for (i = 0; i < sizeof(a->reserved) / sizeof(a->reserved[0]); i++)
		if (a->reserved[i])
			return -EINVAL;
	if (!r->writable)
		return -EBADF;
	if (a->offset % RING_ALIGN || a->offset > r->size || a->size > r->size - a->offset ||
	    a->size < sizeof(struct ring_hdr) + RING_MIN_DATA)
		return -EINVAL;
	data_size = pow2_floor(a->size - sizeof(struct ring_hdr));
	if (data_size > RING_MAX_DATA)
		data_size = RING_MAX_DATA;
	max_msg = a->max_msg ? a->max_msg : data_size / 2 - sizeof(struct rec_hdr);
	if (rec_size(max_msg) > data_size / 2)
		return -EMSGSIZE;

	hdr = (struct ring_hdr *)((unsigned char *)r->addr + a->offset);
	if (!__atomic_compare_exchange_n(&hdr->magic, &expected, RING_MAGIC_FORMATTING, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return -EEXIST;
	memset((unsigned char *)hdr + sizeof(hdr->magic), 0,
	       sizeof(*hdr) - sizeof(hdr->magic));
	hdr->version = RING_VERSION;
	hdr->flags = a->flags;
	hdr->max_msg = (uint32_t)max_msg;
	hdr->data_size = data_size;
	hdr->area_size = sizeof(*hdr) + data_size;
	if (pidns_id(&hdr->pidns_dev, &hdr->pidns_ino))
		hdr->pidns_dev = hdr->pidns_ino = 0;	/* no /proc: not checked */
	__atomic_store_n(&hdr->magic, RING_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

MSGPORT_EXPORT int msgport_ring_attach(struct msgport_region *r, uint64_t offset,
				       struct msgport_ring **ringp)
{
	struct msgport_ring *ring;
	struct ring_hdr *hdr;
	uint64_t data_size, area_size, ns_dev, ns_ino, my_dev = 0, my_ino = 0;
	uint32_t max_msg, flags;

	if (!r || !ringp)
		return -EINVAL;
	*ringp = NULL;
	if (offset % RING_ALIGN || offset > r->size || r->size - offset < sizeof(*hdr))
		return -EINVAL;
	if (!r->writable)
		return -EBADF;
	hdr = (struct ring_hdr *)((unsigned char *)r->addr + offset);
	if (__atomic_load_n(&hdr->magic, __ATOMIC_ACQUIRE) != RING_MAGIC)
		return -ENOMSG;
	/* Read once, checked, kept: never read from the shared header again. */
	data_size = __atomic_load_n(&hdr->data_size, __ATOMIC_RELAXED);
	area_size = __atomic_load_n(&hdr->area_size, __ATOMIC_RELAXED);
	max_msg = __atomic_load_n(&hdr->max_msg, __ATOMIC_RELAXED);
	flags = __atomic_load_n(&hdr->flags, __ATOMIC_RELAXED);
	if (__atomic_load_n(&hdr->version, __ATOMIC_RELAXED) != RING_VERSION ||
	    (flags & ~MSGPORT_RING_MPSC) || data_size < RING_MIN_DATA || data_size > RING_MAX_DATA ||
	    (data_size & (data_size - 1)) || area_size != sizeof(*hdr) + data_size ||
	    area_size > r->size - offset || rec_size(max_msg) > data_size / 2)
		return -EBADMSG;
	/* Thread ids name the producers: they must mean the same to everyone. */
	ns_dev = __atomic_load_n(&hdr->pidns_dev, __ATOMIC_RELAXED);
	ns_ino = __atomic_load_n(&hdr->pidns_ino, __ATOMIC_RELAXED);
	if ((ns_dev || ns_ino) && !pidns_id(&my_dev, &my_ino) &&
	    (my_dev != ns_dev || my_ino != ns_ino))
		return -EXDEV;

	pthread_once(&atfork_once, ring_atfork_register);
	ring = calloc(1, sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	ring->r = r;
	ring->hdr = hdr;
	ring->data = (unsigned char *)hdr + sizeof(*hdr);
	ring->offset = offset;
	ring->area_size = area_size;
	ring->data_size = data_size;
	ring->mask = data_size - 1;
	ring->flags = flags;
	ring->max_msg = max_msg;
	*ringp = ring;
	return 0;
}

MSGPORT_EXPORT void msgport_ring_detach(struct msgport_ring *ring)
{
	free(ring);
}

/* head and tail, checked: 0 or -EBADMSG. */
static int load_positions(struct msgport_ring *ring, uint64_t *headp, uint64_t *tailp)
{
	uint64_t head = __atomic_load_n(&ring->hdr->head, __ATOMIC_ACQUIRE);
	uint64_t tail = __atomic_load_n(&ring->hdr->tail, __ATOMIC_ACQUIRE);

	if ((head | tail) % REC_ALIGN || tail - head > ring->data_size)
		return -EBADMSG;
	*headp = head;
	*tailp = tail;
	return 0;
}

MSGPORT_EXPORT int msgport_ring_stat(struct msgport_ring *ring, struct msgport_ring_stat *st)
{
	uint64_t head, tail;
	int ret;

	if (!ring || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->offset = ring->offset;
	st->size = ring->area_size;
	st->data_size = ring->data_size;
	st->flags = ring->flags;
	st->max_msg = ring->max_msg;
	st->skipped = __atomic_load_n(&ring->hdr->skipped, __ATOMIC_RELAXED);
	ret = load_positions(ring, &head, &tail);
	if (ret)
		return ret;
	st->used = tail - head;
	return 0;
}

/* ---- producing ---- */

/*
 * MPSC: take the reservation lock (taken over from a dead holder).  Held
 * for a few instructions, so first spun for, then yielded for, then slept
 * for a millisecond at a time: a signal interrupts those sleeps (-EINTR).
 */
static int lock_reserve(struct msgport_ring *ring, uint64_t me, uint64_t deadline)
{
	uint64_t *lock = &ring->hdr->lock, cur;
	unsigned int spins = 0;

	for (;;) {
		cur = 0;
		if (__atomic_compare_exchange_n(lock, &cur, me, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 0;
		if (++spins % 64) {
			cpu_relax();
			continue;
		}
		if (spins < 65536) {
			sched_yield();
		} else {
			/* Held far longer than a reservation takes: stopped, or hostile. */
			struct timespec ms = { 0, 1000000 };

			if (nanosleep(&ms, NULL) < 0 && errno == EINTR)
				return -EINTR;
		}
		if (spins % 1024)
			continue;
		/*
		 * Held for long: by a dead thread, or are we out of time?  (Our
		 * own word: a dead holder whose id, and start unknown, we share.)
		 */
		if (cur == me || thread_gone((int32_t)(uint32_t)cur, cur >> 32, 0xffffffffULL))
			__atomic_compare_exchange_n(lock, &cur, 0, false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
		else if (now_ns() >= deadline)
			return deadline == 0 ? -EAGAIN : -ETIMEDOUT;
	}
}

static void unlock_reserve(struct msgport_ring *ring)
{
	if (ring->flags & MSGPORT_RING_MPSC)
		__atomic_store_n(&ring->hdr->lock, 0, __ATOMIC_RELEASE);
}

static struct rec_hdr *rec_at(struct msgport_ring *ring, uint64_t pos)
{
	return (struct rec_hdr *)(ring->data + (pos & ring->mask));
}

/* A record's header; a PAD's only has the first PAD_HDR bytes (start is 0). */
static void write_rec_hdr(struct rec_hdr *h, uint32_t state, uint32_t len, int32_t tid,
			  uint64_t start, uint64_t pos)
{
	h->len = len;
	h->tid = tid;
	h->tag = (uint32_t)pos;
	if (state != REC_PAD) {
		h->start = start;
		h->reserved = 0;
	}
	__atomic_store_n(&h->state, state, __ATOMIC_RELAXED);
}

/*
 * One attempt at reserving: 0 and *posp, -ENOSPC (no room now: *headp is
 * the head it saw), or -EBADMSG.  Called with the lock held (MPSC).  With
 * src (a single producer's send), the payload is copied and the record
 * committed before tail moves: the consumer never finds it BUSY.
 */
static int try_reserve(struct msgport_ring *ring, uint64_t size, uint32_t len, int32_t me,
		       uint64_t me_start, const void *src, uint64_t *posp, uint64_t *headp)
{
	struct ring_hdr *hdr = ring->hdr;
	uint64_t head, tail, off, pad;
	int ret;

	ret = load_positions(ring, &head, &tail);
	if (ret)
		return ret;
	off = tail & ring->mask;
	pad = off + size > ring->data_size ? ring->data_size - off : 0;
	if (tail - head + pad + size > ring->data_size) {
		*headp = head;
		return -ENOSPC;
	}
	if (pad)
		write_rec_hdr(rec_at(ring, tail), REC_PAD, (uint32_t)(pad - PAD_HDR), me, 0, tail);
	if (src) {
		memcpy((unsigned char *)rec_at(ring, tail + pad) + sizeof(struct rec_hdr), src, len);
		write_rec_hdr(rec_at(ring, tail + pad), REC_DONE, len, me, me_start, tail + pad);
	} else {
		write_rec_hdr(rec_at(ring, tail + pad), REC_BUSY, len, me, me_start, tail + pad);
	}
	/* Release: the headers (and payload) before the tail that covers them. */
	__atomic_store_n(&hdr->tail, tail + pad + size, __ATOMIC_RELEASE);
	*posp = tail + pad;
	return 0;
}

static bool room_changed(struct msgport_ring *ring, uint64_t seen_head)
{
	return __atomic_load_n(&ring->hdr->head, __ATOMIC_ACQUIRE) != seen_head;
}

static int reserve(struct msgport_ring *ring, size_t len, int64_t timeout_ns, const void *src,
		   void **bufp)
{
	struct ring_hdr *hdr;
	uint64_t deadline, pos, head = 0, size, me_start;
	bool spun = false;
	int32_t me;
	uint32_t seen;
	int ret;

	ret = check_timeout(timeout_ns);
	if (ret)
		return ret;
	if (len > ring->max_msg)
		return -EMSGSIZE;
	hdr = ring->hdr;
	size = rec_size(len);
	me = my_tid(&me_start);
	deadline = timeout_ns == 0 ? 0 : deadline_of(timeout_ns);
	for (;;) {
		if (ring->flags & MSGPORT_RING_MPSC) {
			ret = lock_reserve(ring, owner_word(me, me_start), deadline);
			if (ret)
				return ret;
		}
		ret = try_reserve(ring, size, (uint32_t)len, me, me_start, src, &pos, &head);
		unlock_reserve(ring);
		if (ret != -ENOSPC)
			break;
		if (timeout_ns == 0)
			return -EAGAIN;
		/* Full: spin a little (once per call), then sleep until head moves. */
		if (!spun) {
			uint64_t until = now_ns() + RING_SPIN_NS;
			unsigned int i;

			spun = true;
			for (i = 1; !room_changed(ring, head); i++) {
				cpu_relax();
				if (!(i % 16) && now_ns() >= until)
					break;
			}
			continue;
		}
		__atomic_fetch_add(&hdr->space_waiters, 1, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		seen = __atomic_load_n(&hdr->space_seq, __ATOMIC_SEQ_CST);
		ret = room_changed(ring, head) ? 0 : sleep_on(ring, &hdr->space_seq, seen, deadline);
		__atomic_fetch_sub(&hdr->space_waiters, 1, __ATOMIC_SEQ_CST);
		if (ret)
			return ret;
	}
	if (ret)
		return ret;
	*bufp = (unsigned char *)rec_at(ring, pos) + sizeof(struct rec_hdr);
	return 0;
}

MSGPORT_EXPORT int msgport_ring_reserve(struct msgport_ring *ring, size_t len, int64_t timeout_ns,
					void **bufp)
{
	if (!ring || !bufp)
		return -EINVAL;
	*bufp = NULL;
	return reserve(ring, len, timeout_ns, NULL, bufp);
}

MSGPORT_EXPORT int msgport_ring_commit(struct msgport_ring *ring, void *buf)
{
	struct rec_hdr *h;
	uint64_t off, me_start;
	uint32_t busy = REC_BUSY;
	int32_t me;

	if (!ring || !buf)
		return -EINVAL;
	/*
	 * The record's header, before buf: inside the data and aligned (buf
	 * itself may be the end of the data, for an empty message).
	 */
	if ((unsigned char *)buf < ring->data + sizeof(*h) ||
	    (unsigned char *)buf > ring->data + ring->data_size)
		return -EINVAL;
	off = (uint64_t)((unsigned char *)buf - ring->data) - sizeof(*h);
	if (off % REC_ALIGN)
		return -EINVAL;
	h = (struct rec_hdr *)(ring->data + off);
	/*
	 * Still this thread's reservation?  The consumer may have skipped it
	 * (its thread taken for dead) and the place been reserved again by
	 * another producer, whose record must not be published half-written.
	 */
	me = my_tid(&me_start);
	if (__atomic_load_n(&h->tid, __ATOMIC_RELAXED) != me ||
	    __atomic_load_n(&h->start, __ATOMIC_RELAXED) != me_start ||
	    (__atomic_load_n(&h->tag, __ATOMIC_RELAXED) & ring->mask) != off)
		return -ESTALE;
	/* Release: the payload before the state that says it is there. */
	if (!__atomic_compare_exchange_n(&h->state, &busy, REC_DONE, false, __ATOMIC_RELEASE,
					 __ATOMIC_RELAXED))
		return busy == REC_SKIPPED ? -ESTALE : -EBADMSG;
	return publish(ring, &ring->hdr->data_seq, &ring->hdr->data_waiters);
}

MSGPORT_EXPORT int msgport_ring_send(struct msgport_ring *ring, const void *buf, size_t len,
				     int64_t timeout_ns)
{
	void *p;
	int ret;

	if (!ring || (!buf && len))
		return -EINVAL;
	if (!(ring->flags & MSGPORT_RING_MPSC)) {
		/* One producer: copied and committed before it is published. */
		ret = reserve(ring, len, timeout_ns, len ? buf : "", &p);
		if (ret)
			return ret;
		return publish(ring, &ring->hdr->data_seq, &ring->hdr->data_waiters);
	}
	ret = reserve(ring, len, timeout_ns, NULL, &p);
	if (ret)
		return ret;
	if (len)
		memcpy(p, buf, len);
	return msgport_ring_commit(ring, p);
}

/* ---- consuming ---- */

static int advance_head(struct msgport_ring *ring, uint64_t head, uint64_t size)
{
	struct ring_hdr *hdr = ring->hdr;

	/* Release: our reads of the record before its bytes are reused. */
	__atomic_store_n(&hdr->head, head + size, __ATOMIC_RELEASE);
	return publish(ring, &hdr->space_seq, &hdr->space_waiters);
}

/* Something at head to look at: a record (of any state) past head. */
static bool data_ready(struct msgport_ring *ring, uint64_t head, uint32_t busy_state)
{
	struct ring_hdr *hdr = ring->hdr;

	if (__atomic_load_n(&hdr->tail, __ATOMIC_ACQUIRE) == head)
		return false;
	if (!busy_state)
		return true;
	return __atomic_load_n(&rec_at(ring, head)->state, __ATOMIC_ACQUIRE) != REC_BUSY;
}

/*
 * The next committed record at head, waiting for one until deadline:
 * 0 with its position, size (of the whole record) and payload length;
 * -EAGAIN (deadline 0), -ETIMEDOUT, -EINTR, -EBADMSG.  Pads and records of
 * dead producers on the way are consumed.  A peer that keeps writing pads
 * or skipped records (or flipping a record's state) cannot keep us here:
 * past as many steps as the ring holds records, the deadline is checked
 * on every step.
 */
static int next_record(struct msgport_ring *ring, uint64_t deadline, uint64_t *posp,
		       uint64_t *sizep, uint32_t *lenp)
{
	struct ring_hdr *hdr = ring->hdr;
	uint64_t head, tail, off, size, start = 0, steps = 0;
	bool spun = false;
	uint32_t state, len, seen, want_busy;
	struct rec_hdr *h;
	int32_t tid = 0;
	int ret;

	for (;; steps++) {
		if (steps > ring->data_size / REC_ALIGN && now_ns() >= deadline)
			return deadline == 0 ? -EAGAIN : -ETIMEDOUT;
		ret = load_positions(ring, &head, &tail);
		if (ret)
			return ret;
		want_busy = 0;
		if (head != tail) {
			off = head & ring->mask;
			h = rec_at(ring, head);
			state = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
			len = __atomic_load_n(&h->len, __ATOMIC_RELAXED);
			tid = __atomic_load_n(&h->tid, __ATOMIC_RELAXED);
			if (__atomic_load_n(&h->tag, __ATOMIC_RELAXED) != (uint32_t)head)
				return -EBADMSG;
			if (state == REC_PAD) {
				size = ring->data_size - off;
				if (len != size - PAD_HDR || size > tail - head)
					return -EBADMSG;
				ret = advance_head(ring, head, size);
				if (ret)
					return ret;
				continue;
			}
			if (state != REC_DONE && state != REC_BUSY && state != REC_SKIPPED)
				return -EBADMSG;
			size = rec_size(len);
			if (len > ring->max_msg || off + size > ring->data_size ||
			    size > tail - head)
				return -EBADMSG;
			if (state == REC_DONE) {
				ring->busy_seen = false;
				*posp = head;
				*sizep = size;
				*lenp = len;
				return 0;
			}
			if (state == REC_BUSY) {
				bool skip = false;

				start = __atomic_load_n(&h->start, __ATOMIC_RELAXED);

				if (!ring->busy_seen || ring->busy_pos != head) {
					/* No clock yet: a record is BUSY while it is written. */
					ring->busy_seen = true;
					ring->busy_pos = head;
					ring->busy_since = 0;
				} else if (ring->busy_since) {
					uint64_t now = now_ns();

					if (now - ring->busy_since < (uint64_t)RING_SLICE_NS)
						;
					else if (thread_gone(tid, start, UINT64_MAX))
						skip = __atomic_compare_exchange_n(&h->state, &state,
										   REC_SKIPPED, false,
										   __ATOMIC_ACQUIRE,
										   __ATOMIC_ACQUIRE);
					else
						ring->busy_since = now;
				}
				if (!skip) {
					if (state == REC_BUSY) {
						want_busy = 1;
						goto wait;
					}
					continue;	/* committed meanwhile: look again */
				}
				__atomic_fetch_add(&hdr->skipped, 1, __ATOMIC_RELAXED);
			}
			/* Skipped (now, or by a consumer that died before moving head). */
			ring->busy_seen = false;
			ret = advance_head(ring, head, size);
			if (ret)
				return ret;
			continue;
		}
wait:
		if (deadline == 0) {
			if (want_busy && !ring->busy_since)
				ring->busy_since = now_ns();
			return -EAGAIN;
		}
		if (!spun) {
			uint64_t until = now_ns() + RING_SPIN_NS;
			unsigned int i;

			spun = true;
			for (i = 1; !data_ready(ring, head, want_busy); i++) {
				cpu_relax();
				if (!(i % 16) && now_ns() >= until)
					break;
			}
			continue;
		}
		if (want_busy && !ring->busy_since)
			ring->busy_since = now_ns();
		__atomic_fetch_add(&hdr->data_waiters, 1, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		seen = __atomic_load_n(&hdr->data_seq, __ATOMIC_SEQ_CST);
		ret = data_ready(ring, head, want_busy) ? 0 :
			sleep_on(ring, &hdr->data_seq, seen, deadline);
		__atomic_fetch_sub(&hdr->data_waiters, 1, __ATOMIC_SEQ_CST);
		/* Out of time on a BUSY record: one more look if its producer died. */
		if (ret == -ETIMEDOUT && want_busy && ring->busy_since &&
		    now_ns() - ring->busy_since >= (uint64_t)RING_SLICE_NS &&
		    thread_gone(tid, start, UINT64_MAX))
			continue;
		if (ret)
			return ret;
	}
}

MSGPORT_EXPORT ssize_t msgport_ring_recv(struct msgport_ring *ring, void *buf, size_t len,
					 int64_t timeout_ns)
{
	uint64_t pos, size;
	uint32_t mlen;
	int ret;

	if (!ring || (!buf && len))
		return -EINVAL;
	ret = check_timeout(timeout_ns);
	if (ret)
		return ret;
	if (ring->peeked)
		return -EBUSY;
	ret = next_record(ring, timeout_ns == 0 ? 0 : deadline_of(timeout_ns), &pos, &size, &mlen);
	if (ret)
		return ret;
	if (mlen > len)
		return -EMSGSIZE;
	memcpy(buf, (unsigned char *)rec_at(ring, pos) + sizeof(struct rec_hdr), mlen);
	ret = advance_head(ring, pos, size);
	return ret ? ret : (ssize_t)mlen;
}

MSGPORT_EXPORT ssize_t msgport_ring_peek(struct msgport_ring *ring, const void **bufp,
					 int64_t timeout_ns)
{
	uint64_t pos, size;
	uint32_t mlen;
	int ret;

	if (!ring || !bufp)
		return -EINVAL;
	*bufp = NULL;
	ret = check_timeout(timeout_ns);
	if (ret)
		return ret;
	if (ring->peeked)
		return -EBUSY;
	ret = next_record(ring, timeout_ns == 0 ? 0 : deadline_of(timeout_ns), &pos, &size, &mlen);
	if (ret)
		return ret;
	ring->peeked = true;
	ring->peek_pos = pos;
	ring->peek_size = size;
	*bufp = (unsigned char *)rec_at(ring, pos) + sizeof(struct rec_hdr);
	return (ssize_t)mlen;
}

MSGPORT_EXPORT int msgport_ring_release(struct msgport_ring *ring)
{
	if (!ring)
		return -EINVAL;
	if (!ring->peeked)
		return -ENOENT;
	ring->peeked = false;
	return advance_head(ring, ring->peek_pos, ring->peek_size);
}
