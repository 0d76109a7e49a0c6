// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "ring": the library's rings in a region (msgport_ring_*).
 * Formatting and attaching (and what they refuse), single- and
 * multi-producer streams across threads and processes where every message
 * arrives whole and in order per producer, wrapping (pads), full and empty
 * rings (-EAGAIN, -ETIMEDOUT, a sleeper woken from another process),
 * -EMSGSIZE, zero-copy reserve/commit and peek/release, a header and records
 * scribbled on (-EBADMSG, never a hang; and a peer scribbling on a live ring
 * with a guard page after it: nothing read or written outside, every call
 * back within its time-out), producers that die between reserve
 * and commit (a thread, a process that exits, one killed while a zombie, one
 * that dies holding the MPSC lock): the consumer skips their records and
 * counts them; empty messages in every place (the last bytes of the data
 * included), a commit that is not the caller's reservation (-ESTALE), the
 * MPSC lock taken over from a zombie (and not from a live holder, whose
 * waiter a signal interrupts), a dead producer's id reused by a live
 * process (the start time tells), another pid namespace (-EXDEV), a consumer
 * flooded with skipped records (back in time); a ring between two
 * unprivileged users, and a slow producer that /proc hides (hidepid) waited
 * for; and the example program (examples/ring_pipeline.c).
 *
 * The corruption tests know the layout of lib/ring.c: a 192-byte header
 * (head at 64, tail at 128, data_waiters at 140, lock at 144) then the
 * records, each a 32-byte header (state, len, tid, tag, the thread's start
 * time, zero; a pad only the first 16) and the payload.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"

#define RW (MSGPORT_O_RECV | MSGPORT_O_SEND)

#define HDR_HEAD	64
#define HDR_TAIL	128
#define HDR_DATA_WAITERS 140
#define HDR_LOCK	144
#define HDR_SIZE	192

#define REC_DONE	0x5244554eU

struct rec {
	uint32_t state, len;
	int32_t tid;
	uint32_t tag;
	uint64_t start, reserved;
};

static const char *last_name;

/* A mailbox (named last_name) with a region of size bytes, mapped: the region. */
static struct msgport_region *ring_region(const char *tag, uint64_t size, uint32_t mode,
					  struct msgport_mailbox **mbp)
{
	struct msgport_attr a = { .capacity = 0, .mode = mode, .region_size = size };
	struct msgport_mailbox *mb;

	last_name = tu_name(tag);
	mb = tu_create_attr(last_name, &a, 0);
	if (mbp)
		*mbp = mb;
	return tu_region_map(mb);
}

/* Format a ring at offset and attach to it, or fail the test. */
static struct msgport_ring *ring_make(struct msgport_region *r, uint64_t offset, uint64_t size,
				      uint32_t flags, uint32_t max_msg)
{
	struct msgport_ring_attr a = { .offset = offset, .size = size, .flags = flags,
				       .max_msg = max_msg };
	struct msgport_ring *ring;

	assert_int_equal(msgport_ring_init(r, &a), 0);
	assert_int_equal(msgport_ring_attach(r, offset, &ring), 0);
	return ring;
}

static uint64_t *u64_at(struct msgport_region *r, uint64_t off)
{
	return (uint64_t *)((char *)msgport_region_addr(r) + off);
}

static uint32_t *u32_at(struct msgport_region *r, uint64_t off)
{
	return (uint32_t *)((char *)msgport_region_addr(r) + off);
}

/* A message: (producer, seq) then deterministic bytes; len >= 8. */
static size_t msg_make(char *buf, uint32_t producer, uint32_t seq)
{
	size_t len = 8 + (seq * 37 + producer * 11) % 300;

	memcpy(buf, &producer, 4);
	memcpy(buf + 4, &seq, 4);
	tu_fill(buf + 8, len - 8, producer, seq);
	return len;
}

static bool msg_check(const char *buf, size_t len, uint32_t *producer, uint32_t *seq)
{
	char want[512];

	if (len < 8)
		return false;
	memcpy(producer, buf, 4);
	memcpy(seq, buf + 4, 4);
	return msg_make(want, *producer, *seq) == len && !memcmp(want, buf, len);
}

/* ---- formatting and attaching ---- */

static void test_ring_init_attach(void **state)
{
	struct msgport_mailbox *mb;
	struct msgport_region *r = ring_region("init", 16384, 0600, &mb), *ro;
	const char *name = last_name;
	struct msgport_ring_attr a = { .offset = 0, .size = 8192 };
	struct msgport_ring_stat st;
	struct msgport_ring *ring, *ring2;

	(void)state;
	assert_int_equal(msgport_ring_attach(r, 0, &ring), -ENOMSG);
	/* Bad attributes. */
	a.offset = 32;
	assert_int_equal(msgport_ring_init(r, &a), -EINVAL);
	a.offset = 8192;
	a.size = 8192 + 64;
	assert_int_equal(msgport_ring_init(r, &a), -EINVAL);	/* past the region */
	a.size = 300;
	assert_int_equal(msgport_ring_init(r, &a), -EINVAL);	/* too small */
	a.size = 8192;
	a.flags = 0x80;
	assert_int_equal(msgport_ring_init(r, &a), -EINVAL);
	a.flags = 0;
	a.reserved[2] = 1;
	assert_int_equal(msgport_ring_init(r, &a), -EINVAL);
	a.reserved[2] = 0;
	a.max_msg = 4096;					/* more than half */
	assert_int_equal(msgport_ring_init(r, &a), -EMSGSIZE);
	a.max_msg = 0;

	/* Two rings in one region; a second format is refused. */
	a.offset = 0;
	assert_int_equal(msgport_ring_init(r, &a), 0);
	assert_int_equal(msgport_ring_init(r, &a), -EEXIST);
	a.offset = 8192;
	a.flags = MSGPORT_RING_MPSC;
	a.max_msg = 100;
	assert_int_equal(msgport_ring_init(r, &a), 0);
	assert_int_equal(msgport_ring_attach(r, 0, &ring), 0);
	assert_int_equal(msgport_ring_attach(r, 8192, &ring2), 0);
	assert_int_equal(msgport_ring_attach(r, 64, &ring2), -ENOMSG);
	assert_int_equal(msgport_ring_attach(r, 30, &ring2), -EINVAL);
	assert_int_equal(msgport_ring_attach(r, 16384, &ring2), -EINVAL);

	assert_int_equal(msgport_ring_stat(ring, &st), 0);
	assert_int_equal(st.offset, 0);
	assert_int_equal(st.data_size, 4096);		/* pow2 <= 8192 - 192 */
	assert_int_equal(st.size, 4096 + HDR_SIZE);
	assert_int_equal(st.max_msg, 2048 - 32);
	assert_int_equal(st.flags, 0);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(msgport_ring_attach(r, 8192, &ring2), 0);
	assert_int_equal(msgport_ring_stat(ring2, &st), 0);
	assert_int_equal(st.max_msg, 100);
	assert_int_equal(st.flags, MSGPORT_RING_MPSC);
	assert_int_equal(msgport_ring_send(ring2, "x", 101, 0), -EMSGSIZE);
	msgport_ring_detach(ring2);

	/* A read-only mapping can neither format nor attach. */
	ro = tu_region_map(tu_open(name, MSGPORT_O_RECV));
	assert_int_equal(msgport_region_writable(ro), 0);
	assert_int_equal(msgport_ring_init(ro, &a), -EBADF);
	assert_int_equal(msgport_ring_attach(ro, 0, &ring2), -EBADF);

	assert_int_equal(msgport_ring_init(NULL, &a), -EINVAL);
	assert_int_equal(msgport_ring_attach(r, 0, NULL), -EINVAL);
	assert_int_equal(msgport_ring_send(ring, "x", 1, -5), -EINVAL);
	msgport_ring_detach(ring);
	msgport_ring_detach(NULL);
}

/* ---- one process: wrapping, contents, zero copy, sizes ---- */

static void test_ring_wrap_contents(void **state)
{
	struct msgport_region *r = ring_region("wrap", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, 0, 0);
	char buf[512], out[1024];
	uint32_t sent = 0, got = 0, p, s;
	int round, n;
	ssize_t len;

	(void)state;
	/* Fill to -EAGAIN, drain, many times: every offset, pads included. */
	for (round = 0; round < 60; round++) {
		for (n = 0;; n++) {
			size_t l = msg_make(buf, 1, sent);
			int ret = msgport_ring_send(ring, buf, l, 0);

			if (ret == -EAGAIN)
				break;
			assert_int_equal(ret, 0);
			sent++;
		}
		assert_true(n >= 2);
		while ((len = msgport_ring_recv(ring, out, sizeof(out), 0)) >= 0) {
			assert_true(msg_check(out, (size_t)len, &p, &s));
			assert_int_equal(p, 1);
			assert_int_equal(s, got);
			got++;
		}
		assert_int_equal(len, -EAGAIN);
		assert_int_equal(got, sent);
	}
	/* Empty messages are messages. */
	assert_int_equal(msgport_ring_send(ring, NULL, 0, 0), 0);
	assert_int_equal(msgport_ring_recv(ring, out, sizeof(out), 0), 0);
	assert_int_equal(msgport_ring_recv(ring, out, sizeof(out), 0), -EAGAIN);
}

static void test_ring_sizes_zero_copy(void **state)
{
	struct msgport_region *r = ring_region("zc", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 4096, 4096, 0, 992);
	struct msgport_ring_stat st;
	const void *peek;
	char big[993], out[993];
	void *p, *p2;
	ssize_t n;

	(void)state;
	memset(big, 'b', sizeof(big));
	assert_int_equal(msgport_ring_send(ring, big, 993, 0), -EMSGSIZE);
	assert_int_equal(msgport_ring_reserve(ring, 993, 0, &p), -EMSGSIZE);
	assert_int_equal(msgport_ring_send(ring, big, 992, 0), 0);
	/* Too small a buffer: refused, the message stays. */
	assert_int_equal(msgport_ring_recv(ring, out, 991, 0), -EMSGSIZE);
	assert_int_equal(msgport_ring_stat(ring, &st), 0);
	assert_int_equal(st.used, 1024);	/* 32 + 992 */
	assert_int_equal(msgport_ring_recv(ring, out, sizeof(out), 0), 992);
	assert_memory_equal(out, big, 992);

	/* Reserve in place, two at once, committed out of order. */
	assert_int_equal(msgport_ring_reserve(ring, 5, 0, &p), 0);
	assert_int_equal(msgport_ring_reserve(ring, 6, 0, &p2), 0);
	memcpy(p, "first", 5);
	memcpy(p2, "second", 6);
	assert_int_equal(msgport_ring_peek(ring, &peek, 0), -EAGAIN);	/* first not done */
	assert_int_equal(msgport_ring_commit(ring, p2), 0);
	assert_int_equal(msgport_ring_recv(ring, out, sizeof(out), 0), -EAGAIN);
	assert_int_equal(msgport_ring_commit(ring, p), 0);
	assert_int_equal(msgport_ring_commit(ring, p), -EBADMSG);	/* twice */
	assert_int_equal(msgport_ring_commit(ring, out), -EINVAL);	/* not in the ring */

	n = msgport_ring_peek(ring, &peek, 0);
	assert_int_equal(n, 5);
	assert_memory_equal(peek, "first", 5);
	assert_int_equal(msgport_ring_peek(ring, &peek, 0), -EBUSY);
	assert_int_equal(msgport_ring_recv(ring, out, sizeof(out), 0), -EBUSY);
	assert_int_equal(msgport_ring_release(ring), 0);
	assert_int_equal(msgport_ring_release(ring), -ENOENT);
	assert_int_equal(msgport_ring_recv(ring, out, sizeof(out), 0), 6);
	assert_memory_equal(out, "second", 6);
	assert_int_equal(msgport_ring_stat(ring, &st), 0);
	assert_int_equal(st.used, 0);
}

/* ---- blocking ---- */

static void test_ring_timeouts(void **state)
{
	struct msgport_region *r = ring_region("tmo", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 1024 + HDR_SIZE, 0, 200);
	char buf[200] = { 0 };
	uint64_t t0, dt;
	int n = 0;

	(void)state;
	t0 = tu_now_ns();
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 150000000), -ETIMEDOUT);
	dt = tu_now_ns() - t0;
	assert_true(dt >= 150000000);
	assert_true(dt < 5000000000ULL);
	while (msgport_ring_send(ring, buf, sizeof(buf), 0) == 0)
		n++;
	assert_int_equal(n, 4);		/* 1024 / 232 rounded to 240 */
	assert_int_equal(msgport_ring_send(ring, buf, sizeof(buf), 0), -EAGAIN);
	t0 = tu_now_ns();
	assert_int_equal(msgport_ring_send(ring, buf, sizeof(buf), 100000000), -ETIMEDOUT);
	dt = tu_now_ns() - t0;
	assert_true(dt >= 100000000);
	/* A small one still fits. */
	assert_int_equal(msgport_ring_send(ring, buf, 8, 0), 0);
}

struct waker {
	struct msgport_region *r;
	uint32_t n;
};

/* Child: attach and receive n messages, blocking (the parent sends later). */
static int child_consume(void *arg)
{
	struct waker *w = arg;
	struct msgport_ring *ring;
	char buf[512];
	uint32_t i, p, s;
	ssize_t len;

	CHILD_CHECK(msgport_ring_attach(w->r, 0, &ring) == 0);
	for (i = 0; i < w->n; i++) {
		len = msgport_ring_recv(ring, buf, sizeof(buf), 30000000000LL);
		CHILD_CHECK(len >= 0);
		CHILD_CHECK(msg_check(buf, (size_t)len, &p, &s));
		CHILD_CHECK(p == 7 && s == i);
	}
	msgport_ring_detach(ring);
	return 0;
}

/* Child: fill the ring and then send n more (blocking on the full ring). */
static int child_produce(void *arg)
{
	struct waker *w = arg;
	struct msgport_ring *ring;
	char buf[512];
	uint32_t i;
	size_t len;

	CHILD_CHECK(msgport_ring_attach(w->r, 0, &ring) == 0);
	for (i = 0; i < w->n; i++) {
		len = msg_make(buf, 7, i);
		CHILD_CHECK(msgport_ring_send(ring, buf, len, MSGPORT_WAIT_FOREVER) == 0);
	}
	msgport_ring_detach(ring);
	return 0;
}

/* A consumer asleep on an empty ring and a producer asleep on a full one are woken. */
static void test_ring_wake_across_processes(void **state)
{
	struct msgport_region *r = ring_region("wake", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 1024 + HDR_SIZE, 0, 400);
	struct waker w = { .r = r, .n = 3 };
	char buf[512];
	uint32_t i, p, s;
	ssize_t len;
	pid_t pid;

	(void)state;
	pid = tu_fork(child_consume, &w);
	assert_int_equal(tu_await_wchan(pid, "region_wait"), 0);
	for (i = 0; i < w.n; i++) {
		len = (ssize_t)msg_make(buf, 7, i);
		assert_int_equal(msgport_ring_send(ring, buf, (size_t)len, 0), 0);
		if (i == 0)
			usleep(50000);
	}
	assert_child_ok(pid);

	/* The other way: the producer fills the ring and sleeps. */
	w.n = 40;
	pid = tu_fork(child_produce, &w);
	assert_int_equal(tu_await_wchan(pid, "region_wait"), 0);
	for (i = 0; i < w.n; i++) {
		len = msgport_ring_recv(ring, buf, sizeof(buf), 30000000000LL);
		assert_true(len >= 0);
		assert_true(msg_check(buf, (size_t)len, &p, &s));
		assert_int_equal(s, i);
	}
	assert_child_ok(pid);
}

/* ---- streams ---- */

#define STREAM_N	20000

struct producer {
	struct msgport_region *r;
	uint32_t id;
	uint32_t n;
};

static int produce(struct msgport_region *r, uint32_t id, uint32_t n)
{
	struct msgport_ring *ring;
	char buf[512];
	uint32_t i;
	size_t len;
	void *p;

	CHILD_CHECK(msgport_ring_attach(r, 0, &ring) == 0);
	for (i = 0; i < n; i++) {
		len = msg_make(buf, id, i);
		if (i % 2) {
			CHILD_CHECK(msgport_ring_send(ring, buf, len, 30000000000LL) == 0);
		} else {
			CHILD_CHECK(msgport_ring_reserve(ring, len, 30000000000LL, &p) == 0);
			memcpy(p, buf, len);
			CHILD_CHECK(msgport_ring_commit(ring, p) == 0);
		}
	}
	msgport_ring_detach(ring);
	return 0;
}

static int child_producer(void *arg)
{
	struct producer *pr = arg;

	return produce(pr->r, pr->id, pr->n);
}

static void *thread_producer(void *arg)
{
	struct producer *pr = arg;

	return (void *)(intptr_t)produce(pr->r, pr->id, pr->n);
}

/* Receive total messages from producers 0..np-1, each in its own order. */
static void consume_all(struct msgport_ring *ring, uint32_t np, uint32_t per)
{
	uint32_t next[8] = { 0 }, i, p, s;
	char buf[512];
	const void *peek;
	ssize_t len;

	for (i = 0; i < np * per; i++) {
		if (i % 3) {
			len = msgport_ring_recv(ring, buf, sizeof(buf), 30000000000LL);
			assert_true(len >= 0);
		} else {
			len = msgport_ring_peek(ring, &peek, 30000000000LL);
			assert_true(len >= 0 && len <= (ssize_t)sizeof(buf));
			memcpy(buf, peek, (size_t)len);
			assert_int_equal(msgport_ring_release(ring), 0);
		}
		if (!msg_check(buf, (size_t)len, &p, &s))
			fail_msg("message %u: corrupt (len %zd)", i, len);
		assert_true(p < np);
		if (s != next[p])
			fail_msg("producer %u: got %u, expected %u", p, s, next[p]);
		next[p]++;
	}
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), -EAGAIN);
}

static void test_ring_spsc_processes(void **state)
{
	struct msgport_region *r = ring_region("spsc", 65536, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 4096 + HDR_SIZE, 0, 0);
	struct producer pr = { .r = r, .id = 0, .n = STREAM_N };
	pid_t pid;

	(void)state;
	pid = tu_fork(child_producer, &pr);
	consume_all(ring, 1, STREAM_N);
	assert_child_ok(pid);
}

static void test_ring_mpsc_processes_threads(void **state)
{
	struct msgport_region *r = ring_region("mpsc", 65536, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 8192 + HDR_SIZE, MSGPORT_RING_MPSC, 0);
	struct producer pr[6];
	pthread_t th[3];
	pid_t pid[3];
	void *ret;
	int i;

	(void)state;
	for (i = 0; i < 6; i++)
		pr[i] = (struct producer){ .r = r, .id = (uint32_t)i, .n = STREAM_N / 4 };
	for (i = 0; i < 3; i++)
		pid[i] = tu_fork(child_producer, &pr[i]);
	for (i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_producer, &pr[3 + i]), 0);
	consume_all(ring, 6, STREAM_N / 4);
	for (i = 0; i < 3; i++) {
		assert_child_ok(pid[i]);
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
}

/* ---- hostile memory ---- */

static void test_ring_corrupt(void **state)
{
	struct msgport_region *r = ring_region("bad", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, 0, 100), *ring2;
	uint64_t *head = u64_at(r, HDR_HEAD), *tail = u64_at(r, HDR_TAIL), h0, t0;
	struct rec *rec = (struct rec *)((char *)msgport_region_addr(r) + HDR_SIZE);
	struct msgport_ring_stat st;
	char buf[256];
	uint64_t t_start;
	struct rec save;
	void *p;

	(void)state;
	assert_int_equal(msgport_ring_send(ring, "hello", 5, 0), 0);
	h0 = *head;
	t0 = *tail;
	t_start = tu_now_ns();

	/* Positions: too far apart, misaligned, head past tail. */
	*tail = h0 + 4096;
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), MSGPORT_WAIT_FOREVER), -EBADMSG);
	assert_int_equal(msgport_ring_send(ring, "x", 1, MSGPORT_WAIT_FOREVER), -EBADMSG);
	assert_int_equal(msgport_ring_stat(ring, &st), -EBADMSG);
	*tail = t0 + 3;
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), MSGPORT_WAIT_FOREVER), -EBADMSG);
	*tail = t0;
	*head = t0 + 16;
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), MSGPORT_WAIT_FOREVER), -EBADMSG);
	assert_int_equal(msgport_ring_reserve(ring, 4, MSGPORT_WAIT_FOREVER, &p), -EBADMSG);
	*head = h0;

	/* The record: its tag, state, length. */
	save = *rec;
	rec->tag ^= 1;
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), MSGPORT_WAIT_FOREVER), -EBADMSG);
	*rec = save;
	rec->state = 0xdeadbeef;
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), MSGPORT_WAIT_FOREVER), -EBADMSG);
	*rec = save;
	rec->len = 101;				/* above max_msg */
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), MSGPORT_WAIT_FOREVER), -EBADMSG);
	rec->len = 0xffffffff;
	assert_int_equal(msgport_ring_peek(ring, (const void **)&p, MSGPORT_WAIT_FOREVER),
			 -EBADMSG);
	rec->len = 40;				/* past what was reserved */
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), MSGPORT_WAIT_FOREVER), -EBADMSG);
	*rec = save;
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);

	/* A pad that does not reach the end of the data. */
	assert_int_equal(msgport_ring_send(ring, "again", 5, 0), 0);
	rec = (struct rec *)((char *)msgport_region_addr(r) + HDR_SIZE + (*head & 2047));
	save = *rec;
	rec->state = 0x52504144U;	/* PAD */
	rec->len = 64;
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), MSGPORT_WAIT_FOREVER), -EBADMSG);
	*rec = save;
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), 5);
	/* None of that waited (a wait forever would not have returned at all). */
	assert_true(tu_now_ns() - t_start < 10000000000ULL);

	/* The geometry: checked at attach. */
	*u64_at(r, 16) = 3000;			/* data_size not a power of two */
	assert_int_equal(msgport_ring_attach(r, 0, &ring2), -EBADMSG);
	*u64_at(r, 16) = 1ULL << 40;		/* beyond the region */
	assert_int_equal(msgport_ring_attach(r, 0, &ring2), -EBADMSG);
	*u64_at(r, 16) = 2048;
	*u32_at(r, 12) = 2000;			/* max_msg above half */
	assert_int_equal(msgport_ring_attach(r, 0, &ring2), -EBADMSG);
	*u32_at(r, 12) = 100;
	*u32_at(r, 4) = 99;			/* version */
	assert_int_equal(msgport_ring_attach(r, 0, &ring2), -EBADMSG);
	*u32_at(r, 4) = 2;
	/* The handle kept its own copy: the scribbles did not change it. */
	assert_int_equal(msgport_ring_send(ring, "ok", 2, 0), 0);
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), 2);
}

/* Child: wait for a record and check it arrives though the waiter count is zeroed. */
static int child_lost_waiter(void *arg)
{
	struct msgport_ring *ring;
	char buf[16];

	CHILD_CHECK(msgport_ring_attach(arg, 0, &ring) == 0);
	CHILD_CHECK(msgport_ring_recv(ring, buf, sizeof(buf), 20000000000LL) == 3);
	return 0;
}

/* A peer zeroing the waiter count costs latency, not a hang. */
static void test_ring_waiters_scribbled(void **state)
{
	struct msgport_region *r = ring_region("waiters", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, 0, 0);
	pid_t pid;

	(void)state;
	pid = tu_fork(child_lost_waiter, r);
	assert_int_equal(tu_await_wchan(pid, "region_wait"), 0);
	assert_int_equal(*u32_at(r, HDR_DATA_WAITERS), 1);
	*u32_at(r, HDR_DATA_WAITERS) = 0;	/* so the sender will not wake it */
	assert_int_equal(msgport_ring_send(ring, "abc", 3, 0), 0);
	assert_child_ok(pid);
}

/*
 * A peer writing random bytes all over a live ring.  The ring sits so that
 * its records end at a page boundary followed by a PROT_NONE page (a read or
 * write past the ring's end faults) and the bytes before its header hold a
 * canary (a write before it is seen); a producer thread and the consumer keep
 * going with short time-outs: every call returns, in time, with a result it
 * may give.
 */
#define SCRIB_OFF	(4096 - HDR_SIZE)

struct scribbler {
	unsigned char *ring;	/* the ring's area in the inherited mapping */
	size_t len;
	uint64_t ns;
};

static int child_scribble(void *arg)
{
	struct scribbler *sc = arg;
	uint64_t x = 88172645463325252ULL ^ (uint64_t)getpid(), end = tu_now_ns() + sc->ns;
	unsigned int i;

	while (tu_now_ns() < end) {
		for (i = 0; i < 4; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* A random word, or a small value, or a plausible state. */
			switch (x >> 62) {
			case 0:
				((uint32_t *)sc->ring)[(x >> 8) % (sc->len / 4)] = (uint32_t)x;
				break;
			case 1:
				((uint32_t *)sc->ring)[(x >> 8) % (sc->len / 4)] = (uint32_t)(x & 0x3ff);
				break;
			case 2:
				((uint32_t *)sc->ring)[(x >> 8) % (sc->len / 4)] = REC_DONE;
				break;
			default:
				((uint64_t *)sc->ring)[(x >> 8) % (sc->len / 8)] = (x >> 20) & ~15ULL;
				break;
			}
		}
		usleep(1000);
	}
	return 0;
}

struct scrib_producer {
	struct msgport_ring *ring;
	volatile int stop;
	uint64_t max_ns;
	int bad;		/* an unexpected result */
};

static void *thread_scrib_producer(void *arg)
{
	struct scrib_producer *sp = arg;
	char buf[100] = "payload";
	unsigned int k = 0;
	uint64_t t;
	void *p;
	int ret;

	while (!sp->stop) {
		t = tu_now_ns();
		if (++k % 2) {
			ret = msgport_ring_send(sp->ring, buf, k % sizeof(buf), 20000000);
		} else {
			ret = msgport_ring_reserve(sp->ring, 40, 20000000, &p);
			if (!ret) {
				memset(p, 'r', 40);
				ret = msgport_ring_commit(sp->ring, p);
			}
		}
		t = tu_now_ns() - t;
		if (t > sp->max_ns)
			sp->max_ns = t;
		if (ret && ret != -ETIMEDOUT && ret != -EAGAIN && ret != -EBADMSG &&
		    ret != -ESTALE) {
			fprintf(stderr, "scribbled ring: send gave %d\n", ret);
			sp->bad = 1;
		}
	}
	return NULL;
}

static void test_ring_scribbled_live(void **state)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	struct msgport_region *r = ring_region("scrib", 4 * pg, 0600, NULL);
	unsigned char *base = msgport_region_addr(r), buf[256];
	struct msgport_ring *ring = ring_make(r, SCRIB_OFF, HDR_SIZE + 4096, MSGPORT_RING_MPSC,
					      200);
	struct scribbler sc = { base + SCRIB_OFF, HDR_SIZE + 4096, 1500000000ULL };
	struct scrib_producer sp = { .ring = ring };
	uint64_t t, max_ns = 0, end;
	unsigned long ok = 0, bad = 0, peeks = 0, k = 0;
	const void *peek;
	pthread_t th;
	ssize_t n;
	size_t i;
	pid_t pid;

	(void)state;
	assert_int_equal(pg, 4096);
	memset(base, 0xa5, SCRIB_OFF);
	assert_int_equal(mprotect(base + 2 * pg, pg, PROT_NONE), 0);
	assert_int_equal(pthread_create(&th, NULL, thread_scrib_producer, &sp), 0);
	pid = tu_fork(child_scribble, &sc);
	end = tu_now_ns() + sc.ns + 200000000ULL;
	while (tu_now_ns() < end) {
		t = tu_now_ns();
		if (++k % 2) {
			n = msgport_ring_recv(ring, buf, sizeof(buf), 20000000);
		} else {
			n = msgport_ring_peek(ring, &peek, 20000000);
			if (n >= 0) {
				assert_true(n <= 200);
				memcpy(buf, peek, (size_t)n);
				assert_int_equal(msgport_ring_release(ring), 0);
				peeks++;
			}
		}
		t = tu_now_ns() - t;
		if (t > max_ns)
			max_ns = t;
		if (n >= 0) {
			assert_true(n <= 200);
			ok++;
		} else if (n == -EBADMSG) {
			bad++;
		} else if (n != -ETIMEDOUT && n != -EAGAIN) {
			fail_msg("scribbled ring: recv gave %zd", n);
		}
	}
	sp.stop = 1;
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_child_ok(pid);
	print_message("scribbled ring: %lu messages (%lu peeked), %lu EBADMSG, longest recv %llu ms, "
		      "send %llu ms\n", ok, peeks, bad, (unsigned long long)(max_ns / 1000000),
		      (unsigned long long)(sp.max_ns / 1000000));
	assert_false(sp.bad);
	assert_true(bad > 0);		/* the scribbles were seen */
	/* Every call kept to its 20 ms time-out, give or take a slow machine. */
	assert_true(max_ns < 2000000000ULL);
	assert_true(sp.max_ns < 2000000000ULL);
	for (i = 0; i < SCRIB_OFF; i++)
		if (base[i] != 0xa5)
			fail_msg("byte %zu before the ring was written", i);
	assert_int_equal(mprotect(base + 2 * pg, pg, PROT_READ | PROT_WRITE), 0);
}

/* ---- producers that die mid-write ---- */

static void *thread_reserve_and_die(void *arg)
{
	struct msgport_ring *ring = arg;
	void *p;

	if (msgport_ring_reserve(ring, 64, 0, &p) == 0)
		memset(p, 'z', 32);
	return NULL;	/* never commits */
}

static void test_ring_dead_thread(void **state)
{
	struct msgport_region *r = ring_region("deadthr", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, MSGPORT_RING_MPSC, 0);
	struct msgport_ring_stat st;
	char buf[128];
	pthread_t th;
	uint64_t t0;

	(void)state;
	assert_int_equal(msgport_ring_send(ring, "before", 6, 0), 0);
	assert_int_equal(pthread_create(&th, NULL, thread_reserve_and_die, ring), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(msgport_ring_send(ring, "after", 5, 0), 0);
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), 6);
	/* Not at once: the record is BUSY; its thread is found gone after a while. */
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), -EAGAIN);
	t0 = tu_now_ns();
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 10000000000LL), 5);
	assert_memory_equal(buf, "after", 5);
	assert_true(tu_now_ns() - t0 < 5000000000ULL);
	assert_int_equal(msgport_ring_stat(ring, &st), 0);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(st.used, 0);
}

/* A live producer that is merely slow is waited for, not skipped. */
static void *thread_slow_commit(void *arg)
{
	struct msgport_ring *ring = arg;
	void *p;

	if (msgport_ring_reserve(ring, 4, 0, &p))
		return (void *)1;
	usleep(150000);
	memcpy(p, "slow", 4);
	return (void *)(intptr_t)msgport_ring_commit(ring, p);
}

static void test_ring_slow_producer(void **state)
{
	struct msgport_region *r = ring_region("slow", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, 0, 0);
	struct msgport_ring_stat st;
	char buf[16];
	pthread_t th;
	void *ret;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, thread_slow_commit, ring), 0);
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 10000000000LL), 4);
	assert_memory_equal(buf, "slow", 4);
	assert_int_equal(pthread_join(th, &ret), 0);
	assert_null(ret);
	assert_int_equal(msgport_ring_stat(ring, &st), 0);
	assert_int_equal(st.skipped, 0);
}

struct dier {
	struct msgport_region *r;
	int ready;	/* a pipe: written once reserved */
};

/* Child: reserve, write half, exit without committing. */
static int child_reserve_exit(void *arg)
{
	struct dier *d = arg;
	struct msgport_ring *ring;
	void *p;

	CHILD_CHECK(msgport_ring_attach(d->r, 0, &ring) == 0);
	CHILD_CHECK(msgport_ring_reserve(ring, 100, 0, &p) == 0);
	memset(p, 'h', 50);
	_exit(0);
}

/* Child: reserve, say so, and wait to be killed. */
static int child_reserve_pause(void *arg)
{
	struct dier *d = arg;
	struct msgport_ring *ring;
	void *p;

	CHILD_CHECK(msgport_ring_attach(d->r, 0, &ring) == 0);
	CHILD_CHECK(msgport_ring_reserve(ring, 200, 0, &p) == 0);
	CHILD_CHECK(write(d->ready, "r", 1) == 1);
	for (;;)
		pause();
}

static void test_ring_dead_process(void **state)
{
	struct msgport_region *r = ring_region("deadproc", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 4096 + HDR_SIZE, MSGPORT_RING_MPSC, 0);
	struct msgport_ring_stat st;
	struct dier d = { .r = r };
	int fds[2];
	char buf[256], c;
	pid_t pid;

	(void)state;
	/* One exits (reaped), */
	pid = tu_fork(child_reserve_exit, &d);
	assert_child_ok(pid);
	assert_int_equal(msgport_ring_send(ring, "one", 3, 0), 0);
	/* one is killed and left a zombie while the consumer looks. */
	assert_int_equal(pipe(fds), 0);
	d.ready = fds[1];
	pid = tu_fork(child_reserve_pause, &d);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitid(P_PID, (id_t)pid, NULL, WEXITED | WNOWAIT), 0);
	assert_int_equal(msgport_ring_send(ring, "two", 3, 0), 0);

	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 10000000000LL), 3);
	assert_memory_equal(buf, "one", 3);
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 10000000000LL), 3);
	assert_memory_equal(buf, "two", 3);
	assert_int_equal(msgport_ring_stat(ring, &st), 0);
	assert_int_equal(st.skipped, 2);
	assert_int_equal(tu_join(pid), 128 + SIGKILL);
}

/* Child: take the MPSC lock as a producer dying inside reserve would leave it. */
static int child_hold_lock(void *arg)
{
	uint32_t *lock = arg;

	*lock = (uint32_t)syscall(SYS_gettid);
	_exit(0);
}

static void test_ring_dead_lock_holder(void **state)
{
	struct msgport_region *r = ring_region("deadlock", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, MSGPORT_RING_MPSC, 0);
	char buf[16];

	(void)state;
	assert_child_ok(tu_fork(child_hold_lock, u32_at(r, HDR_LOCK)));
	assert_int_not_equal(*u32_at(r, HDR_LOCK), 0);
	assert_int_equal(msgport_ring_send(ring, "lock", 4, 10000000000LL), 0);
	assert_int_equal(*u32_at(r, HDR_LOCK), 0);
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), 4);
}

/* ---- empty messages, commits, the lock ---- */

/*
 * Empty messages, sent and reserved/committed, single and multi producer,
 * over several laps: one is reserved in the last 32 bytes of the data
 * (its payload pointer is the end of the data) and its commit works.
 */
static void test_ring_zero_length(void **state)
{
	struct msgport_region *r = ring_region("zero", 8192, 0600, NULL);
	struct msgport_ring *ring;
	unsigned char *end;
	uint32_t flags;
	int k, at_end;
	char buf[16];
	void *p;

	(void)state;
	for (flags = 0; flags <= MSGPORT_RING_MPSC; flags += MSGPORT_RING_MPSC) {
		ring = ring_make(r, flags ? 4096 : 0, 2048 + HDR_SIZE, flags, 0);
		end = (unsigned char *)msgport_region_addr(r) + (flags ? 4096 : 0) + HDR_SIZE +
		      2048;
		at_end = 0;
		/* 32 bytes a record: every offset, by both paths, in 3 laps. */
		for (k = 0; k < 200; k++) {
			if (k % 3 == 0) {
				assert_int_equal(msgport_ring_send(ring, "", 0, 0), 0);
			} else {
				assert_int_equal(msgport_ring_reserve(ring, 0, 0, &p), 0);
				if ((unsigned char *)p == end)
					at_end++;
				assert_int_equal(msgport_ring_commit(ring, p), 0);
			}
			assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), 0);
		}
		assert_true(at_end >= 1);
		assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), -EAGAIN);
		msgport_ring_detach(ring);
	}
}

struct other_commit {
	struct msgport_ring *ring;
	void *p;
};

static void *thread_commit_other(void *arg)
{
	struct other_commit *oc = arg;

	return (void *)(intptr_t)msgport_ring_commit(oc->ring, oc->p);
}

/* A commit publishes only the committing thread's own reservation. */
static void test_ring_commit_not_mine(void **state)
{
	struct msgport_region *r = ring_region("notmine", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, MSGPORT_RING_MPSC, 0);
	struct other_commit oc = { .ring = ring };
	struct rec *rec;
	char buf[16];
	pthread_t th;
	void *ret;

	(void)state;
	assert_int_equal(msgport_ring_reserve(ring, 4, 0, &oc.p), 0);
	memcpy(oc.p, "mine", 4);
	assert_int_equal(pthread_create(&th, NULL, thread_commit_other, &oc), 0);
	assert_int_equal(pthread_join(th, &ret), 0);
	assert_int_equal((intptr_t)ret, -ESTALE);
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), -EAGAIN);	/* still BUSY */
	/* Another producer's record at the place (a late commit's case): refused too. */
	rec = (struct rec *)((char *)oc.p - sizeof(*rec));
	rec->start ^= 1;
	assert_int_equal(msgport_ring_commit(ring, oc.p), -ESTALE);
	rec->start ^= 1;
	assert_int_equal(msgport_ring_commit(ring, oc.p), 0);
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "mine", 4);
}

/* Child: take the MPSC lock as a producer inside reserve, say so, wait to be killed. */
static int child_hold_lock_pause(void *arg)
{
	struct dier *d = arg;

	*u32_at(d->r, HDR_LOCK) = (uint32_t)syscall(SYS_gettid);
	CHILD_CHECK(write(d->ready, "l", 1) == 1);
	for (;;)
		pause();
}

/* A lock holder killed and not yet reaped (a zombie): its lock is taken over. */
static void test_ring_zombie_lock_holder(void **state)
{
	struct msgport_region *r = ring_region("zlock", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, MSGPORT_RING_MPSC, 0);
	struct dier d = { .r = r };
	int fds[2];
	char buf[16], c;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	d.ready = fds[1];
	pid = tu_fork(child_hold_lock_pause, &d);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitid(P_PID, (id_t)pid, NULL, WEXITED | WNOWAIT), 0);
	assert_int_equal(*u32_at(r, HDR_LOCK), (uint32_t)pid);
	assert_int_equal(msgport_ring_send(ring, "zomb", 4, 10000000000LL), 0);
	assert_int_equal(*u64_at(r, HDR_LOCK), 0);
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 0), 4);
	assert_int_equal(tu_join(pid), 128 + SIGKILL);
}

/* The start time (field 22) of thread tid in /proc/TID/stat, or 0. */
static uint64_t proc_start(pid_t tid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	size_t n;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	for (i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (p)
		sscanf(p + 1, "%llu", &v);
	return v;
}

/* Child: reserve a record, take the MPSC lock (as if dying inside reserve), exit. */
static int child_reserve_lock_exit(void *arg)
{
	struct msgport_region *r = arg;
	struct msgport_ring *ring;
	pid_t me = (pid_t)syscall(SYS_gettid);
	uint64_t start = proc_start(me);
	void *p;

	CHILD_CHECK(start != 0);
	CHILD_CHECK(msgport_ring_attach(r, 0, &ring) == 0);
	CHILD_CHECK(msgport_ring_reserve(ring, 100, 0, &p) == 0);
	*u64_at(r, HDR_LOCK) = (uint32_t)me | (start & 0xffffffffULL) << 32;
	return 0;
}

static int child_pause(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

/*
 * A producer dies holding a record and the lock, and its id is reused by
 * a live process before anyone looks: the start time tells them apart, the
 * lock is taken over and the record skipped.
 */
static void test_ring_reused_tid(void **state)
{
	struct msgport_region *r = ring_region("reuse", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, MSGPORT_RING_MPSC, 0);
	struct msgport_ring_stat st;
	pid_t dead, pid = 0;
	char buf[128];
	uint64_t t0;
	FILE *f;
	int i;

	(void)state;
	dead = tu_fork(child_reserve_lock_exit, r);
	assert_child_ok(dead);
	assert_int_not_equal(*u64_at(r, HDR_LOCK), 0);
	/*
	 * The dead producer's id, given to a new process (we are root in the
	 * VM), in a later clock tick (start times count ticks; without
	 * ns_last_pid an id comes back only after the pid space wrapped).
	 */
	usleep(50000);
	for (i = 0; i < 20 && pid != dead; i++) {
		if (pid) {
			kill(pid, SIGKILL);
			tu_join(pid);
		}
		f = fopen("/proc/sys/kernel/ns_last_pid", "w");
		assert_non_null(f);
		fprintf(f, "%d", (int)dead - 1);
		assert_int_equal(fclose(f), 0);
		pid = tu_fork(child_pause, NULL);
	}
	assert_int_equal(pid, dead);
	assert_int_equal(kill(pid, 0), 0);
	t0 = tu_now_ns();
	assert_int_equal(msgport_ring_send(ring, "after", 5, 10000000000LL), 0);
	assert_int_equal(msgport_ring_recv(ring, buf, sizeof(buf), 10000000000LL), 5);
	assert_memory_equal(buf, "after", 5);
	assert_true(tu_now_ns() - t0 < 5000000000ULL);
	assert_int_equal(msgport_ring_stat(ring, &st), 0);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(tu_join(pid), 128 + SIGKILL);
}

struct lock_waiter {
	struct msgport_ring *ring;
	int ret;
	volatile int done;
};

static void on_usr1(int sig)
{
	(void)sig;
}

static void *thread_send_locked(void *arg)
{
	struct lock_waiter *lw = arg;

	lw->ret = msgport_ring_send(lw->ring, "intr", 4, MSGPORT_WAIT_FOREVER);
	__atomic_store_n(&lw->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* A producer waiting (forever) for the lock a live process holds: a signal gives -EINTR. */
static void test_ring_lock_wait_eintr(void **state)
{
	struct msgport_region *r = ring_region("lockintr", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, MSGPORT_RING_MPSC, 0);
	struct lock_waiter lw = { .ring = ring };
	struct sigaction sa;
	pthread_t th;
	pid_t pid;
	int i;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART */
	assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
	pid = tu_fork(child_pause, NULL);
	*u64_at(r, HDR_LOCK) = (uint32_t)pid;		/* held by a live process */
	assert_int_equal(pthread_create(&th, NULL, thread_send_locked, &lw), 0);
	usleep(200000);
	assert_false(__atomic_load_n(&lw.done, __ATOMIC_ACQUIRE));	/* waiting */
	for (i = 0; i < 100 && !__atomic_load_n(&lw.done, __ATOMIC_ACQUIRE); i++) {
		pthread_kill(th, SIGUSR1);
		usleep(50000);
	}
	if (!__atomic_load_n(&lw.done, __ATOMIC_ACQUIRE))
		*u64_at(r, HDR_LOCK) = 0;	/* let it finish: the assertion below fails */
	assert_int_equal(pthread_join(th, NULL), 0);
	signal(SIGUSR1, SIG_DFL);
	assert_int_equal(lw.ret, -EINTR);
	assert_int_equal(*u64_at(r, HDR_LOCK), (uint32_t)pid);	/* not taken over */
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(tu_join(pid), 128 + SIGKILL);
}

/* Grandchild, in a new pid namespace: attaching is refused. */
static int child_attach_other_ns(void *arg)
{
	struct msgport_ring *ring;

	return msgport_ring_attach(arg, 0, &ring) == -EXDEV ? 0 : 1;
}

static int child_new_pidns(void *arg)
{
	pid_t pid;
	int status;

	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	pid = fork();
	CHILD_CHECK(pid >= 0);
	if (pid == 0)
		_exit(child_attach_other_ns(arg));
	CHILD_CHECK(waitpid(pid, &status, 0) == pid);
	CHILD_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}

/* Thread ids name the producers: a ring is for one pid namespace (-EXDEV). */
static void test_ring_pidns(void **state)
{
	struct msgport_region *r = ring_region("pidns", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, 0, 0), *ring2;

	(void)state;
	assert_child_ok(tu_fork(child_new_pidns, r));
	assert_int_equal(msgport_ring_attach(r, 0, &ring2), 0);
	msgport_ring_detach(ring2);
	msgport_ring_detach(ring);
}

struct flooder {
	struct msgport_region *r;
	volatile int stop;
	unsigned long n;
};

/* A hostile writer keeping the ring full of skipped records. */
static void *thread_flood_skipped(void *arg)
{
	struct flooder *fl = arg;
	uint64_t *headp = u64_at(fl->r, HDR_HEAD), *tailp = u64_at(fl->r, HDR_TAIL), tail;
	struct rec *rec;

	while (!fl->stop) {
		tail = *tailp;
		if (tail - __atomic_load_n(headp, __ATOMIC_ACQUIRE) + 32 > 2048)
			continue;
		rec = (struct rec *)((char *)msgport_region_addr(fl->r) + HDR_SIZE + (tail & 2047));
		rec->len = 0;
		rec->tid = 1;
		rec->tag = (uint32_t)tail;
		rec->state = 0x52534b50U;	/* SKIPPED */
		__atomic_store_n(tailp, tail + 32, __ATOMIC_RELEASE);
		fl->n++;
	}
	return NULL;
}

/* A consumer kept busy passing skipped records still returns in time. */
static void test_ring_flooded_consumer(void **state)
{
	struct msgport_region *r = ring_region("flood", 8192, 0600, NULL);
	struct msgport_ring *ring = ring_make(r, 0, 2048 + HDR_SIZE, 0, 0);
	struct flooder fl = { .r = r };
	char buf[16];
	pthread_t th;
	uint64_t t0, dt;
	ssize_t n;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, thread_flood_skipped, &fl), 0);
	t0 = tu_now_ns();
	n = msgport_ring_recv(ring, buf, sizeof(buf), 50000000);
	dt = tu_now_ns() - t0;
	assert_int_equal(n, -ETIMEDOUT);
	n = msgport_ring_recv(ring, buf, sizeof(buf), 0);
	assert_true(n == -EAGAIN);
	fl.stop = 1;
	assert_int_equal(pthread_join(th, NULL), 0);
	print_message("flooded consumer: %lu records written, recv returned after %llu ms\n",
		      fl.n, (unsigned long long)(dt / 1000000));
	assert_true(dt < 2000000000ULL);
}

/* ---- two unprivileged users ---- */

struct users {
	const char *name;
	int ready[2];	/* the owner formatted the ring */
};

#define USERS_N	2000

/* Child, as nobody: create the 0666 mailbox and its ring, then consume. */
static int child_owner(void *arg)
{
	struct users *u = arg;
	struct msgport_attr a = { .capacity = 0, .mode = 0666, .region_size = 16384 };
	struct msgport_ring_attr ra = { .offset = 0, .size = 16384, .flags = MSGPORT_RING_MPSC };
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_ring *ring;
	char buf[512];
	uint32_t i, p, s;
	ssize_t len;

	close(u->ready[0]);
	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), u->name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW,
					 &a, &mb) == 0);
	CHILD_CHECK(msgport_mailbox_chmod(mb, 0666) == 0);
	CHILD_CHECK(msgport_region_map(mb, &r) == 0);
	CHILD_CHECK(msgport_ring_init(r, &ra) == 0);
	CHILD_CHECK(msgport_ring_attach(r, 0, &ring) == 0);
	CHILD_CHECK(write(u->ready[1], "r", 1) == 1);
	for (i = 0; i < USERS_N; i++) {
		len = msgport_ring_recv(ring, buf, sizeof(buf), 30000000000LL);
		CHILD_CHECK(len >= 0);
		CHILD_CHECK(msg_check(buf, (size_t)len, &p, &s));
		CHILD_CHECK(p == 3 && s == i);
	}
	msgport_mailbox_unlink(tu_mp(), u->name);
	return 0;
}

/* Child, as another user: open it, attach, produce. */
static int child_guest(void *arg)
{
	struct users *u = arg;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	char c;

	close(u->ready[1]);
	CHILD_CHECK(tu_become(TU_NOBODY - 1, TU_NOBODY - 1) == 0);
	CHILD_CHECK(read(u->ready[0], &c, 1) == 1);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), u->name, RW, NULL, &mb) == 0);
	CHILD_CHECK(msgport_region_map(mb, &r) == 0);
	CHILD_CHECK(msgport_region_writable(r) == 1);
	return produce(r, 3, USERS_N);
}

static void test_ring_two_users(void **state)
{
	struct users u = { .name = tu_name("users") };
	pid_t owner, guest;

	(void)state;
	assert_int_equal(pipe(u.ready), 0);
	owner = tu_fork(child_owner, &u);
	guest = tu_fork(child_guest, &u);
	close(u.ready[0]);
	close(u.ready[1]);
	assert_child_ok(guest);
	assert_child_ok(owner);
}

/* ---- a producer /proc cannot tell about ---- */

struct hidden {
	const char *name;
	int ready[2];	/* the owner formatted the ring */
	pid_t guest;
};

/*
 * Child: in a mount namespace of its own with /proc mounted hidepid=invisible,
 * as nobody, create a 0666 mailbox and its ring, and wait for the guest's
 * message: the guest (another user, invisible in /proc here) is slow but alive.
 */
static int child_hidden_owner(void *arg)
{
	struct hidden *h = arg;
	struct msgport_attr a = { .capacity = 0, .mode = 0666, .region_size = 16384 };
	struct msgport_ring_attr ra = { .offset = 0, .size = 16384 };
	struct msgport_ring_stat st;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_ring *ring;
	char path[64], buf[16];

	close(h->ready[0]);
	CHILD_CHECK(unshare(CLONE_NEWNS) == 0);
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);	/* rootfs may refuse: private anyway */
	CHILD_CHECK(mount("proc", "/proc", "proc", 0, "hidepid=invisible") == 0);
	CHILD_CHECK(tu_drop_privileges() == 0);
	/* The guest is alive, kill() finds it, /proc does not show it. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)h->guest);
	CHILD_CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	CHILD_CHECK(kill(h->guest, 0) < 0 && errno == EPERM);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), h->name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW,
					 &a, &mb) == 0);
	CHILD_CHECK(msgport_mailbox_chmod(mb, 0666) == 0);
	CHILD_CHECK(msgport_region_map(mb, &r) == 0);
	CHILD_CHECK(msgport_ring_init(r, &ra) == 0);
	CHILD_CHECK(msgport_ring_attach(r, 0, &ring) == 0);
	CHILD_CHECK(write(h->ready[1], "r", 1) == 1);
	CHILD_CHECK(msgport_ring_recv(ring, buf, sizeof(buf), 30000000000LL) == 4);
	CHILD_CHECK(!memcmp(buf, "slow", 4));
	CHILD_CHECK(msgport_ring_stat(ring, &st) == 0 && st.skipped == 0);
	msgport_mailbox_unlink(tu_mp(), h->name);
	return 0;
}

/* Child, as another user: reserve, take 300 ms (15 of the consumer's checks), commit. */
static int child_hidden_guest(void *arg)
{
	struct hidden *h = arg;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_ring *ring;
	void *p;
	char c;

	close(h->ready[1]);
	CHILD_CHECK(tu_become(TU_NOBODY - 1, TU_NOBODY - 1) == 0);
	CHILD_CHECK(read(h->ready[0], &c, 1) == 1);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), h->name, RW, NULL, &mb) == 0);
	CHILD_CHECK(msgport_region_map(mb, &r) == 0);
	CHILD_CHECK(msgport_ring_attach(r, 0, &ring) == 0);
	CHILD_CHECK(msgport_ring_reserve(ring, 4, 0, &p) == 0);
	usleep(300000);
	memcpy(p, "slow", 4);
	CHILD_CHECK(msgport_ring_commit(ring, p) == 0);
	return 0;
}

/* A live producer that /proc hides (hidepid) is waited for, not skipped. */
static void test_ring_hidden_producer(void **state)
{
	struct hidden h = { .name = tu_name("hidden") };
	pid_t owner;

	(void)state;
	assert_int_equal(pipe(h.ready), 0);
	h.guest = tu_fork(child_hidden_guest, &h);
	owner = tu_fork(child_hidden_owner, &h);
	close(h.ready[0]);
	close(h.ready[1]);
	assert_child_ok(h.guest);
	assert_child_ok(owner);
}

/* The example: producer processes, one killed mid-write, every message checked by it. */
static void test_ring_example(void **state)
{
	char line[512], out[4096] = "";
	int status, in_order = 0, skipped = 0;
	FILE *f;

	(void)state;
	/* On PATH in the VM (tests/vm/run copies $O/examples/ to /usr/bin). */
	f = popen("example-ring-pipeline --producers 3 --count 20000 --kill 2>&1", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strlen(out) + strlen(line) < sizeof(out))
			strcat(out, line);
		if (strstr(line, "received 60000 messages from 3 producers, each in order"))
			in_order = 1;
		if (strstr(line, "skipped 1 record(s)"))
			skipped = 1;
	}
	status = pclose(f);
	print_message("%s", out);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("example-ring-pipeline failed (status %#x): %s", status, out);
	assert_true(in_order);
	assert_true(skipped);
}

static const struct CMUnitTest ring_tests[] = {
	TU_TEST(test_ring_init_attach),
	TU_TEST(test_ring_wrap_contents),
	TU_TEST(test_ring_sizes_zero_copy),
	TU_TEST(test_ring_timeouts),
	TU_TEST(test_ring_wake_across_processes),
	TU_TEST(test_ring_spsc_processes),
	TU_TEST(test_ring_mpsc_processes_threads),
	TU_TEST(test_ring_corrupt),
	TU_TEST(test_ring_waiters_scribbled),
	TU_TEST(test_ring_scribbled_live),
	TU_TEST(test_ring_dead_thread),
	TU_TEST(test_ring_slow_producer),
	TU_TEST(test_ring_dead_process),
	TU_TEST(test_ring_dead_lock_holder),
	TU_TEST(test_ring_zero_length),
	TU_TEST(test_ring_commit_not_mine),
	TU_TEST(test_ring_zombie_lock_holder),
	TU_TEST(test_ring_reused_tid),
	TU_TEST(test_ring_lock_wait_eintr),
	TU_TEST(test_ring_pidns),
	TU_TEST(test_ring_flooded_consumer),
	TU_TEST(test_ring_two_users),
	TU_TEST(test_ring_hidden_producer),
	TU_TEST(test_ring_example),
};

MSGPORT_SUITE(ring_suite, MSGPORT_GROUP_MODULE, 1250, "ring",
	      "rings of messages in a region (library): order, blocking, hostile memory, dead producers",
	      ring_tests);
