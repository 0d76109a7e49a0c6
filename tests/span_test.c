// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "span": zero-copy span messages and the library's span pool.
 * A span sent by reference arrives as metadata (offset, length,
 * MSGPORT_MSG_SPAN) and the bytes are read in the receiver's own mapping;
 * a receiver that did not ask for spans gets the bytes copied, with the
 * usual EMSGSIZE/truncate/peek rules; spans outside the region, empty spans
 * and spans on a mailbox without a region are refused (ERANGE, EINVAL); the
 * pool allocates disjoint spans, refuses what it must, and two processes
 * stream through it with checksums; the bulk example streams 256 MiB and
 * verifies its checksum.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"

#define RW (MSGPORT_O_RECV | MSGPORT_O_SEND)

static size_t pg(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static struct msgport_mailbox *create_region(const char *name, uint64_t size, uint32_t capacity,
					     uint32_t max_msg_size)
{
	struct msgport_attr a = {
		.capacity = capacity, .max_msg_size = max_msg_size, .mode = 0600,
		.region_size = size,
	};

	return tu_create_attr(name, &a, 0);
}

/* MSGPORT_IOC_SEND of a raw span: 0 or -errno. */
static int raw_span_send(struct msgport_mailbox *mb, uint64_t off, uint32_t len, uint32_t flags)
{
	struct msgport_send s;

	memset(&s, 0, sizeof(s));
	s.buf = off;
	s.len = len;
	s.flags = MSGPORT_F_SPAN | flags;
	return tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_SEND, &s);
}

/* By reference: nothing copied, the metadata locates the bytes. */
static void test_span_by_reference(void **state)
{
	const char *name = tu_name("ref");
	size_t p = pg();
	struct msgport_mailbox *mb = create_region(name, 4 * p, 8, 0);
	struct msgport_region *r = tu_region_map(mb);
	char *base = msgport_region_addr(r);
	struct msgport_span sp = { NULL, 2 * p + 5, 3000 }, got;
	struct msgport_msginfo info;
	struct msgport_stat st;
	char buf[16];
	uint64_t seq;

	tu_fill(base + sp.offset, sp.len, 1, 2);
	assert_int_equal(msgport_span_send(mb, &sp, 7, 0, MSGPORT_WAIT_FOREVER, &seq), 0);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.queued_msgs, 1);
	assert_int_equal(st.queued_bytes, 0);	/* no payload in the kernel */

	memset(buf, 0x55, sizeof(buf));
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_SPAN, MSGPORT_WAIT_FOREVER,
				      &info), 0);
	assert_int_equal(buf[0], 0x55);
	assert_true(info.msg_flags & MSGPORT_MSG_SPAN);
	assert_int_equal(info.span_offset, sp.offset);
	assert_int_equal(info.len, sp.len);
	assert_int_equal(info.seq, seq);
	assert_int_equal(info.priority, 7);
	assert_int_equal(info.pid, getpid());

	/* The library's wrapper: addr in our mapping. */
	assert_int_equal(msgport_span_send(mb, &sp, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_span_recv(mb, r, &got, 0, MSGPORT_WAIT_FOREVER, &info), 0);
	assert_ptr_equal(got.addr, base + sp.offset);
	assert_int_equal(got.offset, sp.offset);
	assert_int_equal(got.len, sp.len);
	assert_int_equal(tu_fnv1a(got.addr, got.len), tu_fnv1a(base + sp.offset, sp.len));

	/* An ordinary message: empty ones are received, others stay (EMSGSIZE). */
	assert_int_equal(msgport_send(mb, "", 0, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_span_recv(mb, r, &got, 0, MSGPORT_WAIT_FOREVER, &info), 0);
	assert_null(got.addr);
	assert_int_equal(got.len, 0);
	assert_false(info.msg_flags & MSGPORT_MSG_SPAN);
	assert_int_equal(msgport_send(mb, "payload", 7, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_span_recv(mb, r, &got, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
					   &info), -EMSGSIZE);
	assert_int_equal(info.len, 7);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), 7);
	assert_int_equal(msgport_span_recv(mb, r, &got, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
					   NULL), -EAGAIN);
}

/* A receiver that does not take spans by reference gets the bytes. */
static void test_span_by_copy(void **state)
{
	const char *name = tu_name("copy");
	size_t p = pg(), len = 3 * p + 17;
	struct msgport_mailbox *mb = create_region(name, 4 * p, 8, 64);
	struct msgport_region *r = tu_region_map(mb);
	char *base = msgport_region_addr(r), *buf = malloc(len + 100);
	struct msgport_span sp = { NULL, p - 17, len };
	struct msgport_msginfo info;

	assert_non_null(buf);
	tu_fill(base + sp.offset, len, 3, 4);
	/* max_msg_size (64) does not limit spans: nothing is queued in the kernel. */
	assert_int_equal(msgport_span_send(mb, &sp, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);

	/* Too small a buffer: EMSGSIZE, the message stays, its length is told. */
	assert_int_equal(msgport_recv(mb, buf, 100, 0, MSGPORT_WAIT_FOREVER, &info), -EMSGSIZE);
	assert_int_equal(info.len, len);
	assert_true(info.msg_flags & MSGPORT_MSG_SPAN);
	/* Peek copies and leaves it; receive copies and takes it. */
	memset(buf, 0, len);
	assert_int_equal(msgport_recv(mb, buf, len + 100, MSGPORT_F_PEEK, MSGPORT_WAIT_FOREVER,
				      &info), (ssize_t)len);
	assert_memory_equal(buf, base + sp.offset, len);
	memset(buf, 0, len);
	assert_int_equal(msgport_recv(mb, buf, len + 100, 0, MSGPORT_WAIT_FOREVER, &info),
			 (ssize_t)len);
	assert_memory_equal(buf, base + sp.offset, len);
	assert_int_equal(info.span_offset, sp.offset);

	/* Truncated. */
	assert_int_equal(msgport_span_send(mb, &sp, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	memset(buf, 0, len);
	assert_int_equal(msgport_recv(mb, buf, 10, MSGPORT_F_TRUNC, MSGPORT_WAIT_FOREVER, &info),
			 10);
	assert_memory_equal(buf, base + sp.offset, 10);
	assert_int_equal(info.len, len);

	/* read(2): one whole message, copied. */
	assert_int_equal(msgport_span_send(mb, &sp, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	memset(buf, 0, len);
	assert_int_equal(read(msgport_mailbox_fd(mb), buf, len + 100), (ssize_t)len);
	assert_memory_equal(buf, base + sp.offset, len);

	/* A copy to a bad buffer: EFAULT, and the message is not lost. */
	assert_int_equal(msgport_span_send(mb, &sp, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_recv(mb, tu_unmapped_page(), len, 0, MSGPORT_WAIT_FOREVER, NULL),
			 -EFAULT);
	assert_int_equal(msgport_recv(mb, buf, len, 0, MSGPORT_WAIT_FOREVER, NULL), (ssize_t)len);
	free(buf);
}

/* Spans outside the region, empty, or without a region: refused, not queued. */
static void test_span_refused(void **state)
{
	const char *name = tu_name("range"), *plain = tu_name("plain");
	size_t p = pg();
	struct msgport_mailbox *mb = create_region(name, 2 * p, 8, 0);
	struct msgport_mailbox *nr = tu_create(plain, 8, 0, 0600, 0);
	struct msgport_mailbox *ro = tu_open(name, MSGPORT_O_RECV);
	struct msgport_span sp = { NULL, 0, 1 };
	struct msgport_stat st;

	assert_int_equal(raw_span_send(mb, 2 * p, 1, 0), -ERANGE);
	assert_int_equal(raw_span_send(mb, 2 * p - 1, 2, 0), -ERANGE);
	assert_int_equal(raw_span_send(mb, 0, (uint32_t)(2 * p + 1), 0), -ERANGE);
	assert_int_equal(raw_span_send(mb, ~0ULL, 2, 0), -ERANGE);
	assert_int_equal(raw_span_send(mb, ~0ULL - 1, UINT32_MAX, 0), -ERANGE);
	assert_int_equal(raw_span_send(mb, 1ULL << 63, 1, 0), -ERANGE);
	assert_int_equal(raw_span_send(mb, 0, 0, 0), -EINVAL);
	assert_int_equal(raw_span_send(nr, 0, 1, 0), -EINVAL);
	assert_int_equal(raw_span_send(ro, 0, 1, 0), -EBADF);
	/* Flag bit 9 is not (yet) a flag. */
	assert_int_equal(raw_span_send(mb, 0, 1, 1U << 9), -EINVAL);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.sent, 0);

	/* The whole region, and its last byte, are fine. */
	assert_int_equal(raw_span_send(mb, 0, (uint32_t)(2 * p), 0), 0);
	assert_int_equal(raw_span_send(mb, 2 * p - 1, 1, 0), 0);
	/* The library keeps pointers and offsets apart. */
	assert_int_equal(msgport_send(mb, "x", 1, 0, MSGPORT_F_SPAN, MSGPORT_WAIT_FOREVER, NULL),
			 -EINVAL);
	sp.offset = 2 * p;
	assert_int_equal(msgport_span_send(mb, &sp, 0, 0, MSGPORT_WAIT_FOREVER, NULL), -ERANGE);
}

/* The pool: formatting, stat, allocation until full, release, misuse. */
static void test_span_pool(void **state)
{
	const char *name = tu_name("pool"), *bare = tu_name("bare");
	size_t p = pg(), chunk, n, nfree, i;
	struct msgport_mailbox *mb = create_region(name, 64 * p, 8, 0);
	struct msgport_mailbox *ro = tu_open(name, MSGPORT_O_RECV);
	struct msgport_mailbox *nb = create_region(bare, p, 8, 0);
	struct msgport_region *r = tu_region_map(mb), *rr = tu_region_map(ro);
	struct msgport_region *rb = tu_region_map(nb);
	struct msgport_span sp[80], one, bad;
	uint64_t t0;

	assert_int_equal(msgport_span_alloc(r, 1, 0, 0, &one), -ENOMSG);
	assert_int_equal(msgport_span_pool_init(r, 3000), -EINVAL);
	assert_int_equal(msgport_span_pool_init(r, 32), -EINVAL);
	assert_int_equal(msgport_span_pool_init(rr, 4096), -EBADF);
	assert_int_equal(msgport_span_pool_init(rb, 4096), -EINVAL);	/* no room for a chunk */
	assert_int_equal(msgport_span_pool_init(r, 4096), 0);
	assert_int_equal(msgport_span_pool_init(r, 4096), -EEXIST);
	assert_int_equal(msgport_span_pool_stat(r, &chunk, &n, &nfree), 0);
	assert_int_equal(chunk, 4096);
	assert_int_equal(n, 63);	/* the first page holds the header */
	assert_int_equal(nfree, n);
	assert_int_equal(msgport_span_pool_stat(rr, NULL, &n, NULL), 0);	/* readers see it */

	/* Disjoint spans, inside the region, until it is full. */
	for (i = 0; i < n; i++) {
		assert_int_equal(msgport_span_alloc(r, 4096, MSGPORT_F_NONBLOCK,
						    MSGPORT_WAIT_FOREVER, &sp[i]), 0);
		assert_true(sp[i].offset >= p && sp[i].offset + 4096 <= 64 * p);
		assert_ptr_equal(sp[i].addr, (char *)msgport_region_addr(r) + sp[i].offset);
		memset(sp[i].addr, (int)i, 4096);
	}
	for (i = 0; i < n; i++)
		assert_int_equal(((unsigned char *)sp[i].addr)[4095], (unsigned char)i);
	assert_int_equal(msgport_span_alloc(r, 1, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, &one),
			 -EAGAIN);
	t0 = tu_now_ns();
	assert_int_equal(msgport_span_alloc(r, 1, 0, 50000000, &one), -ETIMEDOUT);
	assert_true(tu_now_ns() - t0 >= 50000000);

	/* Release two neighbours: a two-chunk span fits there, not three. */
	assert_int_equal(msgport_span_release(r, &sp[10]), 0);
	assert_int_equal(msgport_span_release(r, &sp[11]), 0);
	assert_int_equal(msgport_span_pool_stat(r, NULL, NULL, &nfree), 0);
	assert_int_equal(nfree, 2);
	assert_int_equal(msgport_span_alloc(r, 3 * 4096, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
					    &one), -EAGAIN);
	assert_int_equal(msgport_span_alloc(r, 4097, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
					    &one), 0);
	assert_int_equal(one.offset, sp[10].offset);
	assert_int_equal(one.len, 4097);

	/* Misuse: double release, foreign offsets, read-only mappings, sizes. */
	assert_int_equal(msgport_span_release(r, &sp[20]), 0);
	assert_int_equal(msgport_span_release(r, &sp[20]), -EINVAL);
	bad = sp[21];
	bad.offset += 1;
	assert_int_equal(msgport_span_release(r, &bad), -EINVAL);
	bad.offset = 0;
	assert_int_equal(msgport_span_release(r, &bad), -EINVAL);
	bad.offset = 64 * p;
	assert_int_equal(msgport_span_release(r, &bad), -EINVAL);
	bad = sp[62];
	bad.len = 2 * 4096;	/* runs off the pool's end */
	assert_int_equal(msgport_span_release(r, &bad), -EINVAL);
	assert_int_equal(msgport_span_release(rr, &sp[21]), -EBADF);
	assert_int_equal(msgport_span_alloc(rr, 1, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, &bad),
			 -EBADF);
	assert_int_equal(msgport_span_alloc(r, 0, 0, MSGPORT_WAIT_FOREVER, &bad), -EMSGSIZE);
	assert_int_equal(msgport_span_alloc(r, 64 * 4096, 0, MSGPORT_WAIT_FOREVER, &bad),
			 -EMSGSIZE);
	assert_int_equal(msgport_span_alloc(r, 1, MSGPORT_F_SYNC, MSGPORT_WAIT_FOREVER, &bad),
			 -EINVAL);

	/* Everything back: one span of the whole pool. */
	assert_int_equal(msgport_span_release(r, &one), 0);
	for (i = 0; i < n; i++)
		if (i != 10 && i != 11 && i != 20)
			assert_int_equal(msgport_span_release(r, &sp[i]), 0);
	assert_int_equal(msgport_span_pool_stat(r, NULL, NULL, &nfree), 0);
	assert_int_equal(nfree, n);
	assert_int_equal(msgport_span_alloc(r, n * 4096, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
					    &one), 0);
	assert_int_equal(one.offset, p);
}

struct blocked_arg {
	const char *name;
	uint64_t want;		/* the offset that will be released */
};

/* Another process: allocates from a full pool, so sleeps until a release. */
static int blocked_alloc_child(void *argp)
{
	struct blocked_arg *arg = argp;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_span sp;
	struct msgport *mp;

	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	CHILD_CHECK(msgport_mailbox_open(mp, arg->name, RW, NULL, &mb) == 0);
	CHILD_CHECK(msgport_region_map(mb, &r) == 0);
	CHILD_CHECK(msgport_span_alloc(r, 4096, 0, MSGPORT_WAIT_FOREVER, &sp) == 0);
	CHILD_CHECK(sp.offset == arg->want);
	return 0;
}

/*
 * An allocator that finds the pool full sleeps in the kernel (not polling)
 * and a release in another process wakes it with that very span.
 */
static void test_span_alloc_sleeps_until_release(void **state)
{
	struct blocked_arg arg = { tu_name("sleep"), 0 };
	struct msgport_mailbox *mb = create_region(arg.name, 5 * pg(), 8, 0);
	struct msgport_region *r = tu_region_map(mb);
	struct msgport_span sp[4];
	size_t i, n;
	int status;
	pid_t pid;

	assert_int_equal(msgport_span_pool_init(r, 4096), 0);
	assert_int_equal(msgport_span_pool_stat(r, NULL, &n, NULL), 0);
	assert_int_equal(n, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(msgport_span_alloc(r, 4096, MSGPORT_F_NONBLOCK,
						    MSGPORT_WAIT_FOREVER, &sp[i]), 0);
	arg.want = sp[2].offset;
	pid = tu_fork(blocked_alloc_child, &arg);
	assert_int_equal(tu_await_wchan(pid, "region_wait"), 0);
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
	assert_int_equal(msgport_span_release(r, &sp[2]), 0);
	assert_child_ok(pid);
}

#define STREAM_SPANS	3000
#define STREAM_MAX	(40 * 1024)

struct stream_arg {
	const char *name;
	int result_fd;		/* consumer: writes its checksum here */
};

/* Span i's length and content are a function of i: the consumer checks. */
static size_t stream_len(unsigned int i)
{
	return 1 + (size_t)((i * 2654435761U) % STREAM_MAX);
}

static int open_region(const char *name, struct msgport **mp, struct msgport_mailbox **mb,
		       struct msgport_region **r)
{
	if (msgport_open(NULL, mp) < 0)
		return -1;
	if (msgport_mailbox_open(*mp, name, RW, NULL, mb) < 0)
		return -1;
	return msgport_region_map(*mb, r) < 0 ? -1 : 0;
}

static int stream_producer(void *argp)
{
	struct stream_arg *arg = argp;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_span sp;
	struct msgport *mp;
	unsigned int i;

	CHILD_CHECK(open_region(arg->name, &mp, &mb, &r) == 0);
	for (i = 0; i < STREAM_SPANS; i++) {
		CHILD_CHECK(msgport_span_alloc(r, stream_len(i), 0, 20000000000LL, &sp) == 0);
		tu_fill(sp.addr, sp.len, i, 77);
		CHILD_CHECK(msgport_span_send(mb, &sp, 0, 0, MSGPORT_WAIT_FOREVER, NULL) == 0);
	}
	CHILD_CHECK(msgport_send(mb, "", 0, 0, 0, MSGPORT_WAIT_FOREVER, NULL) == 0);
	return 0;
}

static int stream_consumer(void *argp)
{
	struct stream_arg *arg = argp;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_span sp;
	struct msgport *mp;
	unsigned int i;
	char *want = malloc(STREAM_MAX);

	CHILD_CHECK(want != NULL);
	CHILD_CHECK(open_region(arg->name, &mp, &mb, &r) == 0);
	for (i = 0;; i++) {
		CHILD_CHECK(msgport_span_recv(mb, r, &sp, 0, 20000000000LL, NULL) == 0);
		if (!sp.len)
			break;
		CHILD_CHECK(i < STREAM_SPANS);
		CHILD_CHECK(sp.len == stream_len(i));
		tu_fill(want, sp.len, i, 77);
		CHILD_CHECK(memcmp(sp.addr, want, sp.len) == 0);
		/* Scribble before releasing: the producer must not see it. */
		memset(sp.addr, 0xee, sp.len);
		CHILD_CHECK(msgport_span_release(r, &sp) == 0);
	}
	CHILD_CHECK(i == STREAM_SPANS);
	free(want);
	return 0;
}

/*
 * Two processes stream 3000 spans of up to 40 KiB through a 256 KiB pool
 * (so the producer waits for releases often): every span arrives in order,
 * intact, and the pool is all free at the end.
 */
static void test_span_stream_two_processes(void **state)
{
	struct stream_arg arg = { tu_name("stream"), -1 };
	struct msgport_mailbox *mb = create_region(arg.name, 65 * pg(), 16, 0);
	struct msgport_region *r = tu_region_map(mb);
	size_t n, nfree;
	pid_t prod, cons;

	assert_int_equal(msgport_span_pool_init(r, 4096), 0);
	cons = tu_fork(stream_consumer, &arg);
	prod = tu_fork(stream_producer, &arg);
	assert_child_ok(prod);
	assert_child_ok(cons);
	assert_int_equal(msgport_span_pool_stat(r, NULL, &n, &nfree), 0);
	assert_int_equal(nfree, n);
}

#define M2M_PROCS	3
#define M2M_SPANS	1500
#define M2M_MAX		(20 * 1024)

struct m2m_arg {
	const char *name;
	uint32_t id;
	int result_fd;
};

static size_t m2m_len(uint32_t id, uint32_t i)
{
	return 8 + (size_t)(((id + 1) * 40503U * (i + 7)) % (M2M_MAX - 8));
}

static int m2m_producer(void *argp)
{
	struct m2m_arg *arg = argp;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_span sp;
	struct msgport *mp;
	uint32_t i;

	CHILD_CHECK(open_region(arg->name, &mp, &mb, &r) == 0);
	for (i = 0; i < M2M_SPANS; i++) {
		uint32_t tag[2] = { arg->id, i };

		CHILD_CHECK(msgport_span_alloc(r, m2m_len(arg->id, i), 0, 20000000000LL, &sp) == 0);
		tu_fill(sp.addr, sp.len, arg->id, i);
		memcpy(sp.addr, tag, sizeof(tag));
		CHILD_CHECK(msgport_span_send(mb, &sp, 0, 0, MSGPORT_WAIT_FOREVER, NULL) == 0);
	}
	return 0;
}

/* Checks every span it gets against its (producer, number) tag. */
static int m2m_consumer(void *argp)
{
	struct m2m_arg *arg = argp;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_span sp;
	struct msgport *mp;
	uint32_t tag[2], count = 0;
	char *want = malloc(M2M_MAX);

	CHILD_CHECK(want != NULL);
	CHILD_CHECK(open_region(arg->name, &mp, &mb, &r) == 0);
	for (;;) {
		CHILD_CHECK(msgport_span_recv(mb, r, &sp, 0, 20000000000LL, NULL) == 0);
		if (!sp.len)
			break;
		memcpy(tag, sp.addr, sizeof(tag));
		CHILD_CHECK(tag[0] < M2M_PROCS && tag[1] < M2M_SPANS);
		CHILD_CHECK(sp.len == m2m_len(tag[0], tag[1]));
		tu_fill(want, sp.len, tag[0], tag[1]);
		CHILD_CHECK(memcmp((char *)sp.addr + 8, want + 8, sp.len - 8) == 0);
		memset(sp.addr, 0x5a, sp.len);
		CHILD_CHECK(msgport_span_release(r, &sp) == 0);
		count++;
	}
	CHILD_CHECK(write(arg->result_fd, &count, sizeof(count)) == sizeof(count));
	free(want);
	return 0;
}

/*
 * Three producers and three consumers share one pool (64 chunks, spans of up
 * to 5): the lock-free allocator never hands out overlapping spans (a
 * consumer would find another producer's bytes in its span), every span is
 * received once, and the pool ends empty.
 */
static void test_span_many_to_many(void **state)
{
	const char *name = tu_name("m2m");
	struct msgport_mailbox *mb = create_region(name, 65 * pg(), 32, 0);
	struct msgport_region *r = tu_region_map(mb);
	struct m2m_arg prod[M2M_PROCS], cons[M2M_PROCS];
	pid_t pp[M2M_PROCS], cp[M2M_PROCS];
	uint32_t total = 0, n;
	size_t nchunks, nfree;
	int fds[2];
	unsigned int i;

	assert_int_equal(msgport_span_pool_init(r, 4096), 0);
	assert_int_equal(pipe(fds), 0);
	tu_track_fd(fds[0]);
	tu_track_fd(fds[1]);
	for (i = 0; i < M2M_PROCS; i++) {
		cons[i] = (struct m2m_arg){ name, i, fds[1] };
		cp[i] = tu_fork(m2m_consumer, &cons[i]);
	}
	for (i = 0; i < M2M_PROCS; i++) {
		prod[i] = (struct m2m_arg){ name, i, -1 };
		pp[i] = tu_fork(m2m_producer, &prod[i]);
	}
	for (i = 0; i < M2M_PROCS; i++)
		assert_child_ok(pp[i]);
	/* One end-of-stream mark per consumer, behind every span. */
	for (i = 0; i < M2M_PROCS; i++)
		assert_int_equal(msgport_send(mb, "", 0, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	for (i = 0; i < M2M_PROCS; i++)
		assert_child_ok(cp[i]);
	for (i = 0; i < M2M_PROCS; i++) {
		assert_int_equal(read(fds[0], &n, sizeof(n)), sizeof(n));
		total += n;
	}
	assert_int_equal(total, M2M_PROCS * M2M_SPANS);
	assert_int_equal(msgport_span_pool_stat(r, NULL, &nchunks, &nfree), 0);
	assert_int_equal(nfree, nchunks);
}

/* The bulk example: 256 MiB through spans, checksum verified by it. */
static void test_span_bulk_example(void **state)
{
	char line[512], out[4096] = "";
	int status, matched = 0;
	FILE *f;

	/* On PATH in the VM (tests/vm/run copies $O/examples/ to /usr/bin). */
	f = popen("example-span-bulk --bytes 256M 2>&1", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strlen(out) + strlen(line) < sizeof(out))
			strcat(out, line);
		if (strstr(line, "checksums match"))
			matched = 1;
	}
	status = pclose(f);
	print_message("%s", out);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("example-span-bulk failed (status %#x): %s", status, out);
	assert_true(matched);
}

static const struct CMUnitTest span_tests[] = {
	TU_TEST(test_span_by_reference),
	TU_TEST(test_span_by_copy),
	TU_TEST(test_span_refused),
	TU_TEST(test_span_pool),
	TU_TEST(test_span_alloc_sleeps_until_release),
	TU_TEST(test_span_stream_two_processes),
	TU_TEST(test_span_many_to_many),
	TU_TEST(test_span_bulk_example),
};

MSGPORT_SUITE(span_suite, MSGPORT_GROUP_MODULE, 1200, "span",
	      "zero-copy span messages and the span pool (library allocator)", span_tests);
