// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "batch": MSGPORT_IOC_SEND_BATCH / _RECV_BATCH (as sendmmsg(2) and
 * recvmmsg(2)) through msgport_send_batch() / msgport_recv_batch() and, for
 * what the library cannot express, raw ioctl(2).  Order, sizes, priorities
 * and metadata of what a batch moves; a receive batch takes what is queued
 * and waits only for its first message; a batch stops at the first entry
 * that fails and returns the count done (or the first entry's error), and
 * the failed entry's message is neither lost (receive) nor queued (send);
 * EINVAL, EBADF, EFAULT of the batch itself; signals while a batch waits;
 * synchronous sends in a batch to a rendezvous mailbox; spans.  Also run
 * from a -m32 build (the compat ioctl path).
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "msgport_test.h"

#define RW		(MSGPORT_O_RECV | MSGPORT_O_SEND)
#define MS		1000000ULL
#define LONG_NS		(30ULL * 1000000000ULL)	/* "forever" that cannot hang */
#define MAXN		160			/* > 2 of the library's chunks (64) */
#define BUFSZ		4096

/* Payload buffers: out[i] is sent as message i, in[i] receives. */
static unsigned char out[MAXN][BUFSZ];
static unsigned char in[MAXN][BUFSZ];

static struct msgport_stat stat_of(struct msgport_mailbox *mb)
{
	struct msgport_stat st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	return st;
}

static uint64_t queued(struct msgport_mailbox *mb)
{
	return stat_of(mb).queued_msgs;
}

/* Entry i of a send batch: out[i], len bytes of pattern (tag, i), prio. */
static void set_send(struct msgport_batch_msg *m, unsigned int i, size_t len, unsigned int prio,
		     uint32_t tag)
{
	memset(m, 0, sizeof(*m));
	tu_fill(out[i], len, tag, i);
	m->buf = out[i];
	m->len = len;
	m->prio = prio;
	m->seq = 0;
}

/* Entries [0, n) of a receive batch: in[i], buf_len bytes, info poisoned. */
static void set_recv(struct msgport_batch_msg *m, unsigned int n, size_t buf_len)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		memset(in[i], 0xa5, BUFSZ);
		m[i].buf = in[i];
		m[i].len = buf_len;
		memset(&m[i].info, 0xee, sizeof(m[i].info));
	}
}

/* Received entry `got` (index i) is sent entry `sent`, from this process. */
static void check_msg(unsigned int i, const struct msgport_batch_msg *got,
		      const struct msgport_batch_msg *sent)
{
	if (got->len != sent->len || got->info.len != sent->len)
		fail_msg("entry %u: len %zu, info.len %u, expected %zu", i, got->len,
			 got->info.len, sent->len);
	if (sent->len && memcmp(got->buf, sent->buf, sent->len))
		fail_msg("entry %u: payload differs", i);
	if (got->info.seq != sent->seq)
		fail_msg("entry %u: seq %llu, expected %llu", i,
			 (unsigned long long)got->info.seq, (unsigned long long)sent->seq);
	if (got->info.priority != sent->prio)
		fail_msg("entry %u: priority %u, expected %u", i, got->info.priority, sent->prio);
	if (got->info.pid != getpid() || got->info.tid != (pid_t)syscall(SYS_gettid))
		fail_msg("entry %u: pid %d tid %d, expected %d", i, got->info.pid, got->info.tid,
			 (int)getpid());
	if (got->info.uid != geteuid() || got->info.gid != getegid())
		fail_msg("entry %u: uid %u gid %u", i, got->info.uid, got->info.gid);
	if (got->info.msg_flags || got->info.token || got->info.lost)
		fail_msg("entry %u: msg_flags %#x token %llu", i, got->info.msg_flags,
			 (unsigned long long)got->info.token);
	if (!got->info.send_time_ns)
		fail_msg("entry %u: no send time", i);
}

/* One message by msgport_recv(), which must be sent entry `sent`. */
static void recv_one_expect(struct msgport_mailbox *mb, const struct msgport_batch_msg *sent)
{
	struct msgport_batch_msg got;
	ssize_t n;

	memset(&got, 0, sizeof(got));
	memset(in[0], 0, BUFSZ);
	got.buf = in[0];
	n = msgport_recv(mb, in[0], BUFSZ, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, &got.info);
	if (n < 0)
		fail_msg("recv: %s", msgport_strerror((int)n));
	got.len = (size_t)n;
	check_msg(0, &got, sent);
}

/* Raw MSGPORT_IOC_*_BATCH: the count done or -errno. */
static int raw_batch(int fd, unsigned long cmd, const void *msgs, uint32_t count)
{
	struct msgport_batch b;

	memset(&b, 0, sizeof(b));
	b.msgs = (uintptr_t)msgs;
	b.count = count;
	return tu_ioctl(fd, cmd, &b);
}

static struct msgport_send raw_send(const void *buf, uint32_t len, uint32_t prio, uint32_t flags)
{
	struct msgport_send s;

	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)buf;
	s.len = len;
	s.priority = prio;
	s.flags = flags;
	return s;
}

static struct msgport_recv raw_recv(void *buf, uint32_t len, uint32_t flags)
{
	struct msgport_recv r;

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.buf_len = len;
	r.flags = flags;
	return r;
}

/* A batch of n sent and received whole: order, bytes, metadata, counters. */
static void test_in_order(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("order"), 64, 256, 0600, 0);
	struct msgport_batch_msg s[20], r[20];
	struct msgport_stat st;
	unsigned int i;

	for (i = 0; i < 20; i++)
		set_send(&s[i], i, 64, 5, 1);
	assert_int_equal(msgport_send_batch(mb, s, 20, 0, MSGPORT_WAIT_FOREVER), 20);
	for (i = 0; i < 20; i++)
		assert_int_equal(s[i].seq, i + 1);
	st = stat_of(mb);
	assert_int_equal(st.queued_msgs, 20);
	assert_int_equal(st.queued_bytes, 20 * 64);
	assert_int_equal(st.sent, 20);

	set_recv(r, 20, 256);
	assert_int_equal(msgport_recv_batch(mb, r, 20, 0, MSGPORT_WAIT_FOREVER), 20);
	for (i = 0; i < 20; i++)
		check_msg(i, &r[i], &s[i]);
	for (i = 1; i < 20; i++)
		assert_true(r[i].info.send_time_ns >= r[i - 1].info.send_time_ns);
	st = stat_of(mb);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.received, 20);
	assert_errno(msgport_recv_batch(mb, r, 20, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER),
		     EAGAIN);
}

/*
 * Mixed sizes, 0 to max_msg_size, more than two of the library's chunks in
 * one call; received in batches that do not line up with the sends.
 */
static void test_mixed_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 7, 8, 63, 64, 65, 1000, 4095, BUFSZ, 3, 512 };
	struct msgport_mailbox *mb = tu_create(tu_name("sizes"), MSGPORT_CAPACITY_UNBOUNDED,
					       BUFSZ, 0600, 0);
	static struct msgport_batch_msg s[MAXN], r[MAXN];
	unsigned int i, got = 0;
	uint64_t bytes = 0;
	int n;

	for (i = 0; i < MAXN; i++) {
		set_send(&s[i], i, sizes[i % ARRAY_SIZE(sizes)], i % 4, 2);
		bytes += s[i].len;
	}
	assert_int_equal(msgport_send_batch(mb, s, MAXN, MSGPORT_F_NONBLOCK,
					    MSGPORT_WAIT_FOREVER), MAXN);
	for (i = 1; i < MAXN; i++)
		assert_int_equal(s[i].seq, s[i - 1].seq + 1);
	assert_int_equal(stat_of(mb).queued_bytes, bytes);

	/* Priority 3 first, then 2, 1, 0, each FIFO: the expected order. */
	while (got < MAXN) {
		unsigned int want = MAXN - got < 70 ? MAXN - got : 70;

		set_recv(r, want, BUFSZ);
		n = msgport_recv_batch(mb, r, want, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER);
		assert_int_equal(n, want);
		for (i = 0; i < want; i++) {
			unsigned int k = got + i;
			unsigned int per = MAXN / 4, prio = 3 - k / per;
			unsigned int idx = (k % per) * 4 + prio;

			check_msg(k, &r[i], &s[idx]);
		}
		got += want;
	}
	assert_int_equal(queued(mb), 0);
}

/* Different priorities in one send batch: received highest first, FIFO within one. */
static void test_priorities(void **state)
{
	static const unsigned int prio[] = { 3, 10, 3, 31, 0, 10, 0, 31, 3 };
	static const unsigned int order[] = { 3, 7, 1, 5, 0, 2, 8, 4, 6 };
	struct msgport_mailbox *mb = tu_create(tu_name("prio"), 16, 64, 0600, 0);
	struct msgport_batch_msg s[9], r[9];
	unsigned int i;

	for (i = 0; i < 9; i++)
		set_send(&s[i], i, 10 + i, prio[i], 3);
	assert_int_equal(msgport_send_batch(mb, s, 9, 0, MSGPORT_WAIT_FOREVER), 9);
	set_recv(r, 9, 64);
	assert_int_equal(msgport_recv_batch(mb, r, 9, 0, MSGPORT_WAIT_FOREVER), 9);
	for (i = 0; i < 9; i++)
		check_msg(i, &r[i], &s[order[i]]);
}

/* A receive batch takes what is queued: 3 queued, 8 asked, 3 returned at once. */
static void test_recv_takes_queued(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("queued"), 16, 64, 0600, 0);
	struct msgport_batch_msg s[3], r[8];
	unsigned int i;

	for (i = 0; i < 3; i++)
		set_send(&s[i], i, 20, 0, 4);
	assert_int_equal(msgport_send_batch(mb, s, 3, 0, MSGPORT_WAIT_FOREVER), 3);
	set_recv(r, 8, 64);
	/* Blocking (with a timeout that would fail the test): it must not wait. */
	assert_int_equal(msgport_recv_batch(mb, r, 8, 0, (int64_t)LONG_NS), 3);
	for (i = 0; i < 3; i++)
		check_msg(i, &r[i], &s[i]);
	/* The entries not used are left alone. */
	for (i = 3; i < 8; i++) {
		assert_int_equal(r[i].len, 64);
		assert_int_equal(in[i][0], 0xa5);
	}
	assert_int_equal(queued(mb), 0);

	/* The same through the raw ioctl, with no NONBLOCK in any entry. */
	{
		struct msgport_recv kr[8];

		assert_int_equal(msgport_send_batch(mb, s, 2, 0, MSGPORT_WAIT_FOREVER), 2);
		for (i = 0; i < 8; i++)
			kr[i] = raw_recv(in[i], 64, 0);
		assert_int_equal(raw_batch(msgport_mailbox_fd(mb), MSGPORT_IOC_RECV_BATCH, kr, 8),
				 2);
		assert_int_equal(kr[0].info.seq, s[0].seq);
		assert_int_equal(kr[1].info.seq, s[1].seq);
		assert_memory_equal(in[1], out[1], 20);
	}
}

struct late {
	struct msgport_mailbox *mb;
	int returned_rd;	/* the parent writes a byte here once its batch returned */
};

/*
 * Child: once the parent waits, sends one message after a delay; sends a
 * second only after the parent's batch returned (or after 10 s, when a
 * batch that wrongly waits for more than one message would take it too).
 */
static int child_late_sender(void *arg)
{
	struct late *l = arg;
	struct pollfd p = { .fd = l->returned_rd, .events = POLLIN };
	int ret;

	CHILD_CHECK(tu_await_stat(msgport_mailbox_fd(l->mb), TU_WAITING_RECEIVERS, 1,
				  TU_AWAIT_MS) == 0);
	usleep(50000);
	CHILD_CHECK(msgport_send(l->mb, "first", 5, 0, 0, MSGPORT_WAIT_FOREVER, NULL) == 0);
	ret = poll(&p, 1, 10000);
	CHILD_CHECK(msgport_send(l->mb, "second", 6, 0, 0, MSGPORT_WAIT_FOREVER, NULL) == 0);
	if (ret != 1)
		fprintf(stderr, "child: the receive batch did not return after one message\n");
	CHILD_CHECK(ret == 1);
	return 0;
}

/* A blocked receive batch returns with the first message that comes. */
static void test_recv_blocks_only_for_first(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("first"), 16, 64, 0600, 0);
	struct msgport_batch_msg r[8];
	struct late l = { .mb = mb };
	int fds[2];
	pid_t pid;
	char buf[16];

	assert_int_equal(pipe(fds), 0);
	tu_track_fd(fds[0]);
	tu_track_fd(fds[1]);
	l.returned_rd = fds[0];
	pid = tu_fork(child_late_sender, &l);

	set_recv(r, 8, 64);
	assert_int_equal(msgport_recv_batch(mb, r, 8, 0, (int64_t)LONG_NS), 1);
	assert_int_equal(write(fds[1], "r", 1), 1);
	assert_int_equal(r[0].len, 5);
	assert_memory_equal(r[0].buf, "first", 5);
	assert_int_equal(r[0].info.pid, pid);
	assert_int_equal(r[1].len, 64);		/* untouched */
	assert_child_ok(pid);

	/* The second message was sent after the batch returned: still queued. */
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), 6);
	assert_memory_equal(buf, "second", 6);
	assert_int_equal(stat_of(mb).waiting_receivers, 0);
}

/* Nothing queued: non-blocking EAGAIN, zero timeout ETIMEDOUT, a short one too. */
static void test_recv_empty(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("empty"), 4, 64, 0600, 0);
	struct msgport_batch_msg r[4];
	struct msgport_recv kr[2];

	set_recv(r, 4, 64);
	assert_errno(msgport_recv_batch(mb, r, 4, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER),
		     EAGAIN);
	assert_errno(msgport_recv_batch(mb, r, 4, 0, 0), ETIMEDOUT);
	assert_errno(msgport_recv_batch(mb, r, 4, 0, (int64_t)(20 * MS)), ETIMEDOUT);
	assert_int_equal(r[0].len, 64);

	kr[0] = raw_recv(in[0], 64, MSGPORT_F_NONBLOCK);
	kr[1] = raw_recv(in[1], 64, 0);
	assert_errno(raw_batch(msgport_mailbox_fd(mb), MSGPORT_IOC_RECV_BATCH, kr, 2), EAGAIN);
	assert_int_equal(stat_of(mb).waiting_receivers, 0);
}

/* Capacity 4, 8 sent without blocking: 4 go, the rest EAGAIN, nothing else queued. */
static void test_send_bounded_nonblock(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("bounded"), 4, 64, 0600, 0);
	struct msgport_batch_msg s[8], r[8];
	unsigned int i;

	for (i = 0; i < 8; i++)
		set_send(&s[i], i, 16 + i, 0, 5);
	assert_int_equal(msgport_send_batch(mb, s, 8, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER),
			 4);
	assert_int_equal(s[4].seq, 0);
	assert_int_equal(queued(mb), 4);
	/* The caller retries from the failed entry: its error now. */
	assert_errno(msgport_send_batch(mb, &s[4], 4, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER),
		     EAGAIN);
	assert_errno(msgport_send_batch(mb, &s[4], 4, 0, 0), ETIMEDOUT);
	assert_int_equal(queued(mb), 4);
	assert_int_equal(stat_of(mb).sent, 4);

	set_recv(r, 8, 64);
	assert_int_equal(msgport_recv_batch(mb, r, 8, 0, MSGPORT_WAIT_FOREVER), 4);
	for (i = 0; i < 4; i++)
		check_msg(i, &r[i], &s[i]);
	assert_int_equal(msgport_send_batch(mb, &s[4], 4, MSGPORT_F_NONBLOCK,
					    MSGPORT_WAIT_FOREVER), 4);
	set_recv(r, 8, 64);
	assert_int_equal(msgport_recv_batch(mb, r, 8, 0, MSGPORT_WAIT_FOREVER), 4);
	for (i = 0; i < 4; i++)
		check_msg(i, &r[i], &s[4 + i]);
}

/* The library's chunks: capacity 70, 100 sent without blocking -> 70. */
static void test_send_bounded_across_chunks(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("chunks"), 70, 64, 0600, 0);
	static struct msgport_batch_msg s[100], r[100];
	unsigned int i;

	for (i = 0; i < 100; i++)
		set_send(&s[i], i, 8, 0, 6);
	assert_int_equal(msgport_send_batch(mb, s, 100, MSGPORT_F_NONBLOCK,
					    MSGPORT_WAIT_FOREVER), 70);
	assert_int_equal(s[69].seq, 70);
	assert_int_equal(s[70].seq, 0);
	assert_int_equal(queued(mb), 70);
	set_recv(r, 100, 64);
	assert_int_equal(msgport_recv_batch(mb, r, 100, 0, MSGPORT_WAIT_FOREVER), 70);
	for (i = 0; i < 70; i++)
		check_msg(i, &r[i], &s[i]);
	assert_int_equal(r[70].len, 64);
}

/*
 * Entry 2's buffer is too small: the batch returns 1 and that message stays
 * queued, intact, for the next receive.
 */
static void test_recv_second_too_small(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("small2"), 8, 256, 0600, 0);
	struct msgport_batch_msg s[3], r[3];
	struct msgport_recv kr[3];
	unsigned int i;

	set_send(&s[0], 0, 10, 0, 7);
	set_send(&s[1], 1, 100, 0, 7);
	set_send(&s[2], 2, 10, 0, 7);
	assert_int_equal(msgport_send_batch(mb, s, 3, 0, MSGPORT_WAIT_FOREVER), 3);

	set_recv(r, 3, 64);
	assert_int_equal(msgport_recv_batch(mb, r, 3, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER),
			 1);
	check_msg(0, &r[0], &s[0]);
	assert_int_equal(r[1].len, 64);
	assert_int_equal(queued(mb), 2);
	recv_one_expect(mb, &s[1]);
	recv_one_expect(mb, &s[2]);
	assert_int_equal(queued(mb), 0);

	/* Raw: the same, and entry 1's info tells the size. */
	assert_int_equal(msgport_send_batch(mb, s, 3, 0, MSGPORT_WAIT_FOREVER), 3);
	for (i = 0; i < 3; i++)
		kr[i] = raw_recv(in[i], 64, MSGPORT_F_NONBLOCK);
	assert_int_equal(raw_batch(msgport_mailbox_fd(mb), MSGPORT_IOC_RECV_BATCH, kr, 3), 1);
	assert_int_equal(kr[0].info.seq, s[0].seq);
	assert_int_equal(queued(mb), 2);

	/* With MSGPORT_F_TRUNC nothing is too small: truncated, full length in info. */
	set_recv(r, 3, 64);
	assert_int_equal(msgport_recv_batch(mb, r, 3, MSGPORT_F_TRUNC, MSGPORT_WAIT_FOREVER), 2);
	assert_int_equal(r[0].len, 64);
	assert_int_equal(r[0].info.len, 100);
	assert_int_equal(r[0].info.seq, s[1].seq);
	assert_memory_equal(r[0].buf, out[1], 64);
	assert_int_equal(r[1].len, 10);
	assert_int_equal(queued(mb), 0);
}

/* The first entry too small: -EMSGSIZE, its info filled, nothing taken. */
static void test_recv_first_too_small(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("small1"), 8, 256, 0600, 0);
	struct msgport_batch_msg s[2], r[2];
	struct msgport_recv kr[2];

	set_send(&s[0], 0, 100, 9, 8);
	set_send(&s[1], 1, 5, 0, 8);
	assert_int_equal(msgport_send_batch(mb, s, 2, 0, MSGPORT_WAIT_FOREVER), 2);

	set_recv(r, 2, 99);
	assert_errno(msgport_recv_batch(mb, r, 2, 0, MSGPORT_WAIT_FOREVER), EMSGSIZE);
	assert_int_equal(r[0].info.len, 100);
	assert_int_equal(r[0].info.seq, s[0].seq);
	assert_int_equal(r[0].info.priority, 9);
	assert_int_equal(queued(mb), 2);

	kr[0] = raw_recv(in[0], 99, 0);
	kr[1] = raw_recv(in[1], 256, 0);
	assert_errno(raw_batch(msgport_mailbox_fd(mb), MSGPORT_IOC_RECV_BATCH, kr, 2), EMSGSIZE);
	assert_int_equal(kr[0].info.len, 100);
	assert_int_equal(kr[0].info.seq, s[0].seq);
	assert_int_equal(queued(mb), 2);

	recv_one_expect(mb, &s[0]);
	recv_one_expect(mb, &s[1]);
}

/* The batch struct: count, flags, reserved; the library's own checks. */
static void test_einval(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("inval"), MSGPORT_CAPACITY_UNBOUNDED, 64,
					       0600, 0);
	int fd = msgport_mailbox_fd(mb);
	static struct msgport_send ks[MSGPORT_BATCH_MAX + 1];
	static struct msgport_recv kr[MSGPORT_BATCH_MAX + 1];
	static const unsigned long cmds[] = { MSGPORT_IOC_SEND_BATCH, MSGPORT_IOC_RECV_BATCH };
	struct msgport_batch_msg m[2];
	struct msgport_batch b;
	unsigned int c, i;

	for (i = 0; i <= MSGPORT_BATCH_MAX; i++) {
		ks[i] = raw_send(out[0], 4, 0, MSGPORT_F_NONBLOCK);
		kr[i] = raw_recv(in[0], 64, MSGPORT_F_NONBLOCK);
	}
	assert_int_equal(msgport_send(mb, "q", 1, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	for (c = 0; c < ARRAY_SIZE(cmds); c++) {
		const void *msgs = cmds[c] == MSGPORT_IOC_SEND_BATCH ? (void *)ks : (void *)kr;

		assert_errno(raw_batch(fd, cmds[c], msgs, 0), EINVAL);
		assert_errno(raw_batch(fd, cmds[c], msgs, MSGPORT_BATCH_MAX + 1), EINVAL);
		assert_errno(raw_batch(fd, cmds[c], msgs, 0xffffffffU), EINVAL);
		for (i = 0; i < 32; i++) {
			memset(&b, 0, sizeof(b));
			b.msgs = (uintptr_t)msgs;
			b.count = 1;
			b.flags = 1U << i;
			assert_errno(tu_ioctl(fd, cmds[c], &b), EINVAL);
		}
		memset(&b, 0, sizeof(b));
		b.msgs = (uintptr_t)msgs;
		b.count = 1;
		b.reserved0 = 1;
		assert_errno(tu_ioctl(fd, cmds[c], &b), EINVAL);
		b.reserved0 = 0;
		b.reserved = 1ULL << 63;
		assert_errno(tu_ioctl(fd, cmds[c], &b), EINVAL);
		/* A bad count is checked before the pointer. */
		assert_errno(raw_batch(fd, cmds[c], NULL, 0), EINVAL);
	}
	assert_int_equal(queued(mb), 1);
	assert_int_equal(stat_of(mb).received, 0);

	/* Exactly MSGPORT_BATCH_MAX is allowed, both ways. */
	assert_int_equal(raw_batch(fd, MSGPORT_IOC_SEND_BATCH, ks, MSGPORT_BATCH_MAX),
			 MSGPORT_BATCH_MAX);
	assert_int_equal(ks[MSGPORT_BATCH_MAX - 1].seq, MSGPORT_BATCH_MAX + 1);
	assert_int_equal(raw_batch(fd, MSGPORT_IOC_RECV_BATCH, kr, MSGPORT_BATCH_MAX),
			 MSGPORT_BATCH_MAX);
	assert_int_equal(kr[0].info.seq, 1);
	assert_int_equal(kr[MSGPORT_BATCH_MAX - 1].info.seq, MSGPORT_BATCH_MAX);
	assert_int_equal(queued(mb), 1);

	/* The entries are checked as the single ioctls check them. */
	ks[0] = raw_send(out[0], 4, MSGPORT_PRIO_MAX + 1, 0);
	assert_errno(raw_batch(fd, MSGPORT_IOC_SEND_BATCH, ks, 2), EINVAL);
	ks[0] = raw_send(out[0], 4, 0, MSGPORT_F_PEEK);
	assert_errno(raw_batch(fd, MSGPORT_IOC_SEND_BATCH, ks, 2), EINVAL);
	kr[0] = raw_recv(in[0], 64, MSGPORT_F_SYNC);
	assert_errno(raw_batch(fd, MSGPORT_IOC_RECV_BATCH, kr, 2), EINVAL);
	kr[0] = raw_recv(in[0], 64, MSGPORT_F_NONBLOCK);
	kr[0].nfds = 1;		/* no descriptors in batches */
	assert_errno(raw_batch(fd, MSGPORT_IOC_RECV_BATCH, kr, 2), EINVAL);
	kr[0] = raw_recv(in[0], 64, MSGPORT_F_NONBLOCK | MSGPORT_F_FDS);
	kr[0].nfds = 1;
	kr[0].fds = (uintptr_t)in[1];
	assert_errno(raw_batch(fd, MSGPORT_IOC_RECV_BATCH, kr, 2), EINVAL);
	assert_int_equal(queued(mb), 1);
	/* ... and stop the batch at that entry: the ones before it are done. */
	ks[0] = raw_send(out[0], 4, 0, 0);
	ks[1] = raw_send(out[0], 4, 0, 0);
	ks[1].relay = 1;
	assert_int_equal(raw_batch(fd, MSGPORT_IOC_SEND_BATCH, ks, 3), 1);
	assert_int_equal(queued(mb), 2);
	kr[0] = raw_recv(in[0], 64, MSGPORT_F_NONBLOCK);
	kr[1] = raw_recv(in[1], 64, 0xf0000000U);
	assert_int_equal(raw_batch(fd, MSGPORT_IOC_RECV_BATCH, kr, 2), 1);
	assert_int_equal(queued(mb), 1);

	/* The library: n 0 or too big, NULL arguments. */
	set_send(&m[0], 0, 4, 0, 9);
	set_send(&m[1], 1, 4, 0, 9);
	assert_errno(msgport_send_batch(mb, m, 0, 0, MSGPORT_WAIT_FOREVER), EINVAL);
	assert_errno(msgport_send_batch(mb, m, MSGPORT_BATCH_MAX + 1, 0, MSGPORT_WAIT_FOREVER),
		     EINVAL);
	assert_errno(msgport_send_batch(mb, NULL, 1, 0, MSGPORT_WAIT_FOREVER), EINVAL);
	assert_errno(msgport_send_batch(NULL, m, 1, 0, MSGPORT_WAIT_FOREVER), EINVAL);
	assert_errno(msgport_recv_batch(mb, m, 0, 0, MSGPORT_WAIT_FOREVER), EINVAL);
	assert_errno(msgport_recv_batch(mb, m, MSGPORT_BATCH_MAX + 1, 0, MSGPORT_WAIT_FOREVER),
		     EINVAL);
	assert_errno(msgport_recv_batch(mb, NULL, 1, 0, MSGPORT_WAIT_FOREVER), EINVAL);
	assert_errno(msgport_recv_batch(NULL, m, 1, 0, MSGPORT_WAIT_FOREVER), EINVAL);
	/* Priority out of range: the first entry's error, or the count before it. */
	m[0].prio = MSGPORT_PRIO_MAX + 1;
	assert_errno(msgport_send_batch(mb, m, 2, 0, MSGPORT_WAIT_FOREVER), EINVAL);
	m[0].prio = 0;
	m[1].prio = MSGPORT_PRIO_MAX + 1;
	assert_int_equal(msgport_send_batch(mb, m, 2, 0, MSGPORT_WAIT_FOREVER), 1);
	assert_int_equal(queued(mb), 2);
	if (sizeof(size_t) > 4) {
		/* A length no message can have (64-bit only: size_t holds it). */
		m[0].len = (size_t)UINT32_MAX + 1;
		assert_errno(msgport_send_batch(mb, m, 2, 0, MSGPORT_WAIT_FOREVER), EMSGSIZE);
		m[0].len = 4;
		m[1].prio = 0;
		m[1].len = (size_t)UINT32_MAX + 1;
		assert_int_equal(msgport_send_batch(mb, m, 2, 0, MSGPORT_WAIT_FOREVER), 1);
		assert_int_equal(queued(mb), 3);
	}
}

/* Batches on a descriptor without the access: EBADF, nothing moved. */
static void test_ebadf(void **state)
{
	const char *name = tu_name("badf");
	struct msgport_mailbox *mb = tu_create(name, 8, 64, 0600, 0);
	struct msgport_mailbox *ro = tu_open(name, MSGPORT_O_RECV);
	struct msgport_mailbox *wo = tu_open(name, MSGPORT_O_SEND);
	struct msgport_send ks[1] = { raw_send("x", 1, 0, MSGPORT_F_NONBLOCK) };
	struct msgport_recv kr[1] = { raw_recv(in[0], 64, MSGPORT_F_NONBLOCK) };
	struct msgport_batch_msg m[1];
	int none;

	none = tu_track_fd(tu_raw_open(tu_devfd(), name, 0, 0, 0, 0));
	assert_true(none >= 0);
	assert_int_equal(msgport_send(mb, "q", 1, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);

	assert_errno(raw_batch(msgport_mailbox_fd(ro), MSGPORT_IOC_SEND_BATCH, ks, 1), EBADF);
	assert_errno(raw_batch(none, MSGPORT_IOC_SEND_BATCH, ks, 1), EBADF);
	assert_errno(raw_batch(msgport_mailbox_fd(wo), MSGPORT_IOC_RECV_BATCH, kr, 1), EBADF);
	assert_errno(raw_batch(none, MSGPORT_IOC_RECV_BATCH, kr, 1), EBADF);
	set_send(&m[0], 0, 1, 0, 10);
	assert_errno(msgport_send_batch(ro, m, 1, 0, MSGPORT_WAIT_FOREVER), EBADF);
	set_recv(m, 1, 64);
	assert_errno(msgport_recv_batch(wo, m, 1, 0, MSGPORT_WAIT_FOREVER), EBADF);
	assert_int_equal(queued(mb), 1);
	assert_int_equal(stat_of(mb).sent, 1);

	/* Each side works where it has the access. */
	assert_int_equal(raw_batch(msgport_mailbox_fd(wo), MSGPORT_IOC_SEND_BATCH, ks, 1), 1);
	assert_int_equal(raw_batch(msgport_mailbox_fd(ro), MSGPORT_IOC_RECV_BATCH, kr, 1), 1);
	assert_int_equal(queued(mb), 1);

	/* Not mailbox commands on the control device. */
	assert_errno(raw_batch(tu_devfd(), MSGPORT_IOC_SEND_BATCH, ks, 1), ENOTTY);
	assert_errno(raw_batch(tu_devfd(), MSGPORT_IOC_RECV_BATCH, kr, 1), ENOTTY);
}

/*
 * Two pages: the first read-write, the second not mapped; returns the
 * first (unmapped by the teardown), entries placed to straddle the end.
 */
static void *page_before_hole(void)
{
	char *p = tu_mmap(-1, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);

	assert_true(p != MAP_FAILED);
	assert_int_equal(mprotect(p + 4096, 4096, PROT_NONE), 0);
	return p;
}

/* Bad pointers to the batch and to its array: EFAULT, nothing sent or taken. */
static void test_efault(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("fault"), 8, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	static const unsigned long cmds[] = { MSGPORT_IOC_SEND_BATCH, MSGPORT_IOC_RECV_BATCH };
	struct msgport_send ks[2] = {
		raw_send("one", 3, 0, MSGPORT_F_NONBLOCK),
		raw_send("two", 3, 0, MSGPORT_F_NONBLOCK),
	};
	struct msgport_recv kr[2] = {
		raw_recv(in[0], 64, MSGPORT_F_NONBLOCK), raw_recv(in[1], 64, MSGPORT_F_NONBLOCK),
	};
	struct msgport_batch b;
	unsigned int c;
	char *edge;

	assert_int_equal(msgport_send(mb, "q1", 2, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_send(mb, "q2", 2, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	memset(&b, 0, sizeof(b));
	b.msgs = (uintptr_t)ks;
	b.count = 1;
	for (c = 0; c < ARRAY_SIZE(cmds); c++) {
		assert_errno(tu_ioctl(fd, cmds[c], NULL), EFAULT);
		assert_errno(tu_ioctl(fd, cmds[c], tu_unmapped_page()), EFAULT);
		/* The struct straddling into an inaccessible page. */
		assert_errno(tu_ioctl(fd, cmds[c], (char *)tu_readonly_copy(&b, sizeof(b)) + 4096 -
				      8), EFAULT);
		assert_errno(raw_batch(fd, cmds[c], NULL, 1), EFAULT);
		assert_errno(raw_batch(fd, cmds[c], tu_unmapped_page(), 2), EFAULT);
		/* High bits set: no such address, in a 32-bit caller too. */
		memset(&b, 0, sizeof(b));
		b.msgs = (uintptr_t)(cmds[c] == MSGPORT_IOC_SEND_BATCH ? (void *)ks : (void *)kr) |
			 (1ULL << 63);
		b.count = 1;
		assert_errno(tu_ioctl(fd, cmds[c], &b), EFAULT);
	}
	/* Read-only arrays: seq resp. info cannot be written back. */
	assert_errno(raw_batch(fd, MSGPORT_IOC_SEND_BATCH, tu_readonly_copy(ks, sizeof(ks)), 2),
		     EFAULT);
	assert_errno(raw_batch(fd, MSGPORT_IOC_RECV_BATCH, tu_readonly_copy(kr, sizeof(kr)), 2),
		     EFAULT);
	assert_int_equal(queued(mb), 2);
	assert_int_equal(stat_of(mb).sent, 2);
	assert_int_equal(stat_of(mb).received, 0);

	/* The second entry straddles the end of the memory: the first is done. */
	edge = page_before_hole();
	memcpy(edge + 4096 - sizeof(ks[0]) - 8, ks, sizeof(ks[0]) + 8);
	assert_int_equal(raw_batch(fd, MSGPORT_IOC_SEND_BATCH, edge + 4096 - sizeof(ks[0]) - 8, 2),
			 1);
	assert_int_equal(queued(mb), 3);
	memcpy(edge + 4096 - sizeof(kr[0]) - 8, kr, sizeof(kr[0]) + 8);
	assert_int_equal(raw_batch(fd, MSGPORT_IOC_RECV_BATCH, edge + 4096 - sizeof(kr[0]) - 8, 2),
			 1);
	assert_int_equal(queued(mb), 2);
	assert_memory_equal(in[0], "q1", 2);

	/* Nothing was lost on the way. */
	assert_int_equal(msgport_recv(mb, in[0], 64, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), 2);
	assert_memory_equal(in[0], "q2", 2);
	assert_int_equal(msgport_recv(mb, in[0], 64, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), 3);
	assert_memory_equal(in[0], "one", 3);
	assert_int_equal(queued(mb), 0);
}

/*
 * A bad buffer in entry 3 of a receive batch: 2 done, the third message
 * still queued and intact (not lost); a bad payload in entry 3 of a send
 * batch: 2 sent, nothing of the third queued.
 */
static void test_bad_buffer_mid_batch(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("badbuf"), 8, 64, 0600, 0);
	struct msgport_batch_msg s[4], r[4];
	unsigned int i;

	for (i = 0; i < 4; i++)
		set_send(&s[i], i, 30 + i, 0, 11);
	assert_int_equal(msgport_send_batch(mb, s, 4, 0, MSGPORT_WAIT_FOREVER), 4);

	set_recv(r, 4, 64);
	r[2].buf = tu_unmapped_page();
	assert_int_equal(msgport_recv_batch(mb, r, 4, 0, MSGPORT_WAIT_FOREVER), 2);
	check_msg(0, &r[0], &s[0]);
	check_msg(1, &r[1], &s[1]);
	assert_int_equal(queued(mb), 2);
	/* Read-only buffer: the same. */
	set_recv(r, 2, 64);
	r[0].buf = tu_readonly_copy(in[0], 64);
	assert_errno(msgport_recv_batch(mb, r, 2, 0, MSGPORT_WAIT_FOREVER), EFAULT);
	assert_int_equal(queued(mb), 2);
	recv_one_expect(mb, &s[2]);
	recv_one_expect(mb, &s[3]);
	assert_int_equal(stat_of(mb).received, 4);

	for (i = 0; i < 4; i++)
		set_send(&s[i], i, 30 + i, 0, 12);
	s[2].buf = tu_unmapped_page();
	assert_int_equal(msgport_send_batch(mb, s, 4, 0, MSGPORT_WAIT_FOREVER), 2);
	assert_int_equal(queued(mb), 2);
	assert_int_equal(s[2].seq, 0);
	set_recv(r, 4, 64);
	assert_int_equal(msgport_recv_batch(mb, r, 4, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER),
			 2);
	check_msg(0, &r[0], &s[0]);
	check_msg(1, &r[1], &s[1]);
}

/*
 * Messages of several priorities taken in one batch, a buffer fault in the
 * second entry: those not delivered go back where they were, before a
 * message of the same priority sent afterwards.
 */
static void test_fault_keeps_order(void **state)
{
	static const unsigned int prio[] = { 0, 7, 7, 3, 0, 7 };
	struct msgport_mailbox *mb = tu_create(tu_name("faultord"), 8, 64, 0600, 0);
	struct msgport_batch_msg s[6], r[5];
	unsigned int i;

	for (i = 0; i < 6; i++)
		set_send(&s[i], i, 40 + i, prio[i], 22);
	assert_int_equal(msgport_send_batch(mb, s, 5, 0, MSGPORT_WAIT_FOREVER), 5);
	/* Queue order: 1, 2 (7), 3 (3), 0, 4 (0). */
	set_recv(r, 5, 64);
	r[1].buf = tu_unmapped_page();
	assert_int_equal(msgport_recv_batch(mb, r, 5, 0, MSGPORT_WAIT_FOREVER), 1);
	check_msg(0, &r[0], &s[1]);
	assert_int_equal(queued(mb), 4);
	assert_int_equal(msgport_send_batch(mb, &s[5], 1, 0, MSGPORT_WAIT_FOREVER), 1);
	recv_one_expect(mb, &s[2]);
	recv_one_expect(mb, &s[5]);
	recv_one_expect(mb, &s[3]);
	recv_one_expect(mb, &s[0]);
	recv_one_expect(mb, &s[4]);
	assert_int_equal(stat_of(mb).received, 6);
}

static struct msgport_mailbox *create_region(const char *name, uint64_t size)
{
	struct msgport_attr a = {
		.capacity = 8, .max_msg_size = 64, .mode = 0600, .region_size = size,
	};

	return tu_create_attr(name, &a, 0);
}

/*
 * The library's flag rules: PEEK and FROM are not for a receive batch,
 * SPAN not for a send batch, the caller does not pass TIMEOUT; a receive
 * batch with SPAN takes spans by reference (len 0), ordinary messages by
 * copy; without SPAN the span's bytes are copied.
 */
static void test_library_flags(void **state)
{
	struct msgport_mailbox *mb = create_region(tu_name("flags"), 2 * 4096);
	struct msgport_region *reg = tu_region_map(mb);
	char *base = msgport_region_addr(reg);
	struct msgport_span sp = { NULL, 100, 200 }, sp2 = { NULL, 4096, 50 };
	struct msgport_batch_msg s[1], r[3];
	uint64_t seq1, seq2;

	set_send(&s[0], 0, 7, 0, 13);
	assert_int_equal(msgport_send_batch(mb, s, 1, 0, MSGPORT_WAIT_FOREVER), 1);
	set_recv(r, 3, 64);
	assert_errno(msgport_recv_batch(mb, r, 1, MSGPORT_F_PEEK, MSGPORT_WAIT_FOREVER), EINVAL);
	assert_errno(msgport_recv_batch(mb, r, 1, MSGPORT_F_FROM, MSGPORT_WAIT_FOREVER), EINVAL);
	assert_errno(msgport_recv_batch(mb, r, 1, MSGPORT_F_TIMEOUT, MSGPORT_WAIT_FOREVER),
		     EINVAL);
	assert_errno(msgport_recv_batch(mb, r, 1, 0, -2), EINVAL);
	assert_errno(msgport_send_batch(mb, s, 1, MSGPORT_F_SPAN, MSGPORT_WAIT_FOREVER), EINVAL);
	assert_errno(msgport_send_batch(mb, s, 1, MSGPORT_F_TIMEOUT, MSGPORT_WAIT_FOREVER), EINVAL);
	assert_errno(msgport_send_batch(mb, s, 1, 0, -2), EINVAL);
	assert_int_equal(queued(mb), 1);
	assert_int_equal(stat_of(mb).sent, 1);
	assert_int_equal(r[0].len, 64);

	/*
	 * Queued: the message (priority 0), two spans (2, 1).  With SPAN: the
	 * spans by reference, highest priority first, then the 7 bytes.
	 */
	tu_fill(base + sp.offset, sp.len, 14, 0);
	tu_fill(base + sp2.offset, sp2.len, 14, 1);
	assert_int_equal(msgport_span_send(mb, &sp, 2, 0, MSGPORT_WAIT_FOREVER, &seq1), 0);
	assert_int_equal(msgport_span_send(mb, &sp2, 1, 0, MSGPORT_WAIT_FOREVER, &seq2), 0);
	set_recv(r, 3, 64);
	assert_int_equal(msgport_recv_batch(mb, r, 3, MSGPORT_F_SPAN, MSGPORT_WAIT_FOREVER), 3);
	assert_int_equal(r[0].len, 0);
	assert_true(r[0].info.msg_flags & MSGPORT_MSG_SPAN);
	assert_int_equal(r[0].info.span_offset, sp.offset);
	assert_int_equal(r[0].info.len, sp.len);
	assert_int_equal(r[0].info.seq, seq1);
	assert_int_equal(r[0].info.priority, 2);
	assert_int_equal(in[0][0], 0xa5);	/* nothing copied */
	assert_int_equal(r[1].len, 0);
	assert_int_equal(r[1].info.span_offset, sp2.offset);
	assert_int_equal(r[1].info.seq, seq2);
	check_msg(2, &r[2], &s[0]);

	/* Without SPAN a span's bytes are copied like a payload. */
	assert_int_equal(msgport_span_send(mb, &sp2, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	set_recv(r, 1, 64);
	assert_int_equal(msgport_recv_batch(mb, r, 1, 0, MSGPORT_WAIT_FOREVER), 1);
	assert_int_equal(r[0].len, sp2.len);
	assert_true(r[0].info.msg_flags & MSGPORT_MSG_SPAN);
	assert_memory_equal(r[0].buf, base + sp2.offset, sp2.len);
	assert_int_equal(queued(mb), 0);
}

/* Signals: the handler counts them. */
static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	handled++;
}

static void setup_signal(bool restart)
{
	struct sigaction sa;

	handled = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
}

struct signaller {
	struct msgport_mailbox *mb;
	enum tu_stat_field field;	/* what shows the parent waiting */
	const char *then_send;		/* after the signal and a new wait, or NULL */
};

/* Child: signal the parent once it waits; optionally send once it waits again. */
static int child_signaller(void *arg)
{
	struct signaller *s = arg;
	int fd = msgport_mailbox_fd(s->mb);

	CHILD_CHECK(tu_await_stat(fd, s->field, 1, TU_AWAIT_MS) == 0);
	CHILD_CHECK(kill(getppid(), SIGUSR1) == 0);
	if (!s->then_send)
		return 0;
	/* Restarted: waiting again (it may never have looked away). */
	usleep(100000);
	CHILD_CHECK(tu_await_stat(fd, s->field, 1, TU_AWAIT_MS) == 0);
	CHILD_CHECK(msgport_send(s->mb, s->then_send, strlen(s->then_send), 0, 0,
				 MSGPORT_WAIT_FOREVER, NULL) == 0);
	return 0;
}

/*
 * A receive batch waiting for its first message: EINTR without SA_RESTART
 * (nothing taken, no waiter left), restarted with SA_RESTART.  A send batch
 * interrupted in its second entry returns 1: the first was sent.
 */
static void test_signal(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("sig"), 1, 64, 0600, 0);
	struct signaller sg = { .mb = mb, .field = TU_WAITING_RECEIVERS };
	struct msgport_batch_msg r[4], s[3];
	pid_t pid;
	int ret;

	setup_signal(false);
	pid = tu_fork(child_signaller, &sg);
	set_recv(r, 4, 64);
	assert_errno(msgport_recv_batch(mb, r, 4, 0, MSGPORT_WAIT_FOREVER), EINTR);
	assert_int_equal(handled, 1);
	assert_child_ok(pid);
	assert_int_equal(stat_of(mb).waiting_receivers, 0);
	assert_int_equal(r[0].len, 64);

	/* Timed: EINTR too, not ETIMEDOUT. */
	pid = tu_fork(child_signaller, &sg);
	handled = 0;
	assert_errno(msgport_recv_batch(mb, r, 4, 0, (int64_t)LONG_NS), EINTR);
	assert_int_equal(handled, 1);
	assert_child_ok(pid);

	setup_signal(true);
	sg.then_send = "after";
	pid = tu_fork(child_signaller, &sg);
	set_recv(r, 4, 64);
	ret = msgport_recv_batch(mb, r, 4, 0, (int64_t)LONG_NS);
	assert_int_equal(ret, 1);
	assert_int_equal(handled, 1);
	assert_int_equal(r[0].len, 5);
	assert_memory_equal(r[0].buf, "after", 5);
	assert_child_ok(pid);

	/* Send: capacity 1; entry 0 queued, entry 1 waits and is interrupted. */
	setup_signal(false);
	sg.field = TU_WAITING_SENDERS;
	sg.then_send = NULL;
	set_send(&s[0], 0, 3, 0, 15);
	set_send(&s[1], 1, 4, 0, 15);
	set_send(&s[2], 2, 5, 0, 15);
	pid = tu_fork(child_signaller, &sg);
	assert_int_equal(msgport_send_batch(mb, s, 3, 0, MSGPORT_WAIT_FOREVER), 1);
	assert_int_equal(handled, 1);
	assert_child_ok(pid);
	assert_int_equal(queued(mb), 1);
	assert_int_equal(stat_of(mb).waiting_senders, 0);
	recv_one_expect(mb, &s[0]);
	assert_int_equal(queued(mb), 0);
	signal(SIGUSR1, SIG_DFL);
}

/* Child: unlink the mailbox once the parent waits in its batch. */
static int child_unlinker(void *arg)
{
	struct msgport_mailbox *mb = arg;
	struct msgport_stat st;

	CHILD_CHECK(tu_await_stat(msgport_mailbox_fd(mb), TU_WAITING_RECEIVERS, 1,
				  TU_AWAIT_MS) == 0);
	memset(&st, 0, sizeof(st));
	CHILD_CHECK(msgport_mailbox_stat(mb, &st) == 0);
	CHILD_CHECK(msgport_mailbox_unlink(tu_mp(), st.name) == 0);
	return 0;
}

/* Unlinked while a receive batch waits: EIDRM, and batches after it too. */
static void test_unlinked(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("idrm"), 4, 64, 0600, 0);
	struct msgport_batch_msg r[2], s[1];
	pid_t pid;

	pid = tu_fork(child_unlinker, mb);
	set_recv(r, 2, 64);
	assert_errno(msgport_recv_batch(mb, r, 2, 0, (int64_t)LONG_NS), EIDRM);
	assert_child_ok(pid);
	set_send(&s[0], 0, 1, 0, 16);
	assert_errno(msgport_send_batch(mb, s, 1, 0, MSGPORT_WAIT_FOREVER), EIDRM);
	assert_errno(msgport_recv_batch(mb, r, 2, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER),
		     EIDRM);
}

#define SYNC_N		24

struct receiver {
	struct msgport_mailbox *mb;
	unsigned int n;		/* messages to take */
	uint32_t tag;
};

/* Child: receive n messages in batches of up to 5; order and bytes checked. */
static int child_batch_receiver(void *arg)
{
	struct receiver *rc = arg;
	struct msgport_batch_msg r[5];
	static unsigned char buf[5][256], want[256];
	unsigned int got = 0, i;
	uint64_t last = 0;
	int ret;

	while (got < rc->n) {
		for (i = 0; i < 5; i++) {
			memset(&r[i], 0, sizeof(r[i]));
			r[i].buf = buf[i];
			r[i].len = sizeof(buf[i]);
		}
		ret = msgport_recv_batch(rc->mb, r, 5, 0, (int64_t)LONG_NS);
		if (ret <= 0)
			fprintf(stderr, "child: recv batch: %s\n", msgport_strerror(ret));
		CHILD_CHECK(ret > 0);
		CHILD_CHECK(got + (unsigned int)ret <= rc->n);
		for (i = 0; i < (unsigned int)ret; i++, got++) {
			size_t len = 10 + got % 50;

			tu_fill(want, len, rc->tag, got);
			CHILD_CHECK(r[i].len == len);
			CHILD_CHECK(!memcmp(r[i].buf, want, len));
			CHILD_CHECK(r[i].info.seq > last);
			CHILD_CHECK(r[i].info.pid == getppid());
			last = r[i].info.seq;
		}
	}
	return 0;
}

/*
 * Synchronous sends in a batch: to a rendezvous mailbox (capacity 0) and
 * with MSGPORT_F_SYNC to a buffered one, a receiver taking them in batches.
 * The batch returns only once every message was taken.
 */
static void test_sync_rendezvous(void **state)
{
	static const uint32_t caps[] = { 0, 8 };
	struct msgport_batch_msg s[SYNC_N];
	unsigned int c, i;
	struct msgport_stat st;

	for (c = 0; c < ARRAY_SIZE(caps); c++) {
		struct msgport_mailbox *mb = tu_create(tu_name("sync"), caps[c], 256, 0600, 0);
		struct receiver rc = { .mb = mb, .n = SYNC_N, .tag = 17 + c };
		pid_t pid;

		/* One priority: the receiver checks FIFO order. */
		for (i = 0; i < SYNC_N; i++)
			set_send(&s[i], i, 10 + i % 50, 0, rc.tag);
		if (!caps[c]) {
			/* Nobody receiving: a non-blocking rendezvous cannot send. */
			assert_errno(msgport_send_batch(mb, s, SYNC_N, MSGPORT_F_NONBLOCK,
							MSGPORT_WAIT_FOREVER), EAGAIN);
			assert_errno(msgport_send_batch(mb, s, SYNC_N, 0, 0), ETIMEDOUT);
			assert_int_equal(queued(mb), 0);
		}
		pid = tu_fork(child_batch_receiver, &rc);
		assert_int_equal(msgport_send_batch(mb, s, SYNC_N, MSGPORT_F_SYNC,
						    (int64_t)LONG_NS), SYNC_N);
		/* All taken by the time the batch returned. */
		st = stat_of(mb);
		assert_int_equal(st.queued_msgs, 0);
		assert_int_equal(st.received, SYNC_N);
		for (i = 1; i < SYNC_N; i++)
			assert_true(s[i].seq > s[i - 1].seq);
		assert_child_ok(pid);
	}
}

#define STREAM_N	600

/* Child: STREAM_N messages in send batches of 16 (blocking on a small mailbox). */
static int child_batch_sender(void *arg)
{
	struct msgport_mailbox *mb = arg;
	static unsigned char buf[16][128];
	struct msgport_batch_msg s[16];
	unsigned int sent = 0, i, n;
	int ret;

	while (sent < STREAM_N) {
		n = STREAM_N - sent < 16 ? STREAM_N - sent : 16;
		for (i = 0; i < n; i++) {
			memset(&s[i], 0, sizeof(s[i]));
			s[i].len = 1 + (sent + i) % 128;
			tu_fill(buf[i], s[i].len, 18, sent + i);
			s[i].buf = buf[i];
		}
		ret = msgport_send_batch(mb, s, n, 0, (int64_t)LONG_NS);
		if (ret <= 0)
			fprintf(stderr, "child: send batch: %s\n", msgport_strerror(ret));
		CHILD_CHECK(ret > 0);
		sent += (unsigned int)ret;
	}
	return 0;
}

/* Streaming both ways in batches through a mailbox of 5: exactly once, in order. */
static void test_stream(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("stream"), 5, 128, 0600, 0);
	struct msgport_batch_msg r[7];
	unsigned char want[128];
	unsigned int got = 0, i;
	pid_t pid;
	int ret;

	pid = tu_fork(child_batch_sender, mb);
	while (got < STREAM_N) {
		set_recv(r, 7, 128);
		ret = msgport_recv_batch(mb, r, 7, 0, (int64_t)LONG_NS);
		if (ret <= 0)
			fail_msg("recv batch after %u: %s", got, msgport_strerror(ret));
		assert_true(got + (unsigned int)ret <= STREAM_N);
		for (i = 0; i < (unsigned int)ret; i++, got++) {
			size_t len = 1 + got % 128;

			tu_fill(want, len, 18, got);
			if (r[i].len != len || memcmp(r[i].buf, want, len) ||
			    r[i].info.seq != got + 1)
				fail_msg("message %u: len %zu seq %llu", got, r[i].len,
					 (unsigned long long)r[i].info.seq);
		}
	}
	assert_child_ok(pid);
	assert_int_equal(queued(mb), 0);
	assert_int_equal(stat_of(mb).received, STREAM_N);
}

#define NWAITERS	11	/* more than the kernel wakes in one go (8) */

struct waiter_arg {
	struct msgport_mailbox *mb;
	int wr;			/* the index received goes here, one byte */
};

/* Child: one blocking receive; reports which message it got. */
static int child_one_receiver(void *arg)
{
	struct waiter_arg *w = arg;
	unsigned char buf[64], want[64], idx;
	ssize_t n;

	n = msgport_recv(w->mb, buf, sizeof(buf), 0, (int64_t)LONG_NS, NULL);
	CHILD_CHECK(n >= 16);
	idx = (unsigned char)(n - 16);
	tu_fill(want, (size_t)n, 21, idx);
	CHILD_CHECK(!memcmp(buf, want, (size_t)n));
	CHILD_CHECK(write(w->wr, &idx, 1) == 1);
	return 0;
}

/*
 * A send batch meeting more waiting receivers than one wake-up round
 * handles: each message goes to exactly one of them, none is left queued,
 * every receiver wakes.
 */
static void test_many_waiting_receivers(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("waiters"), 4, 64, 0600, 0);
	struct msgport_batch_msg s[NWAITERS];
	struct waiter_arg w = { .mb = mb };
	pid_t pid[NWAITERS];
	bool seen[NWAITERS] = { false };
	unsigned char idx;
	unsigned int i;
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	tu_track_fd(fds[0]);
	tu_track_fd(fds[1]);
	w.wr = fds[1];
	for (i = 0; i < NWAITERS; i++)
		pid[i] = tu_fork(child_one_receiver, &w);
	assert_await(mb, TU_WAITING_RECEIVERS, NWAITERS);
	/* Capacity 4 < NWAITERS: without hand-offs, a non-blocking batch stops at 4. */
	for (i = 0; i < NWAITERS; i++)
		set_send(&s[i], i, 16 + i, 0, 21);
	assert_int_equal(msgport_send_batch(mb, s, NWAITERS, MSGPORT_F_NONBLOCK,
					    MSGPORT_WAIT_FOREVER), NWAITERS);
	for (i = 0; i < NWAITERS; i++)
		assert_child_ok(pid[i]);
	for (i = 0; i < NWAITERS; i++) {
		assert_int_equal(read(fds[0], &idx, 1), 1);
		assert_true(idx < NWAITERS);
		assert_false(seen[idx]);
		seen[idx] = true;
	}
	assert_int_equal(queued(mb), 0);
	assert_int_equal(stat_of(mb).received, NWAITERS);
}

#define NSYNC		12	/* sync senders: more wake-ups than one round holds (8) */

/* Child: one synchronous send of its index; returns when it was taken. */
static int child_sync_sender(void *arg)
{
	const struct waiter_arg *w = arg;
	unsigned char idx = (unsigned char)w->wr;

	CHILD_CHECK(msgport_send(w->mb, &idx, 1, 0, MSGPORT_F_SYNC, (int64_t)LONG_NS, NULL) == 0);
	return 0;
}

/* Child: one blocking (not synchronous) send of its index. */
static int child_async_sender(void *arg)
{
	const struct waiter_arg *w = arg;
	unsigned char idx = (unsigned char)w->wr;

	CHILD_CHECK(msgport_send(w->mb, &idx, 1, 0, 0, (int64_t)LONG_NS, NULL) == 0);
	return 0;
}

/*
 * A receive batch that takes many queued messages at once owes each sync
 * sender a receipt (and a bounded mailbox's blocked senders their
 * admission): more wake-ups than the kernel gathers in one round.  All are
 * woken, each message taken once.
 */
static void test_batch_wakes_many_senders(void **state)
{
	struct msgport_mailbox *sync_mb = tu_create(tu_name("syncs"), MSGPORT_CAPACITY_UNBOUNDED,
						    64, 0600, 0);
	struct msgport_mailbox *full = tu_create(tu_name("admits"), 2, 64, 0600, 0);
	struct msgport_batch_msg r[16];
	struct waiter_arg w;
	pid_t pid[NSYNC];
	bool seen[NSYNC] = { false };
	unsigned int i, got, total;
	int ret;

	/* NSYNC sync senders, each waiting for its receipt. */
	for (i = 0; i < NSYNC; i++) {
		w.mb = sync_mb;
		w.wr = (int)i;
		pid[i] = tu_fork(child_sync_sender, &w);
	}
	assert_await(sync_mb, TU_WAITING_SENDERS, NSYNC);
	set_recv(r, 16, 64);
	assert_int_equal(msgport_recv_batch(sync_mb, r, 16, MSGPORT_F_NONBLOCK,
					    MSGPORT_WAIT_FOREVER), NSYNC);
	for (i = 0; i < NSYNC; i++) {
		assert_int_equal(r[i].len, 1);
		assert_true(in[i][0] < NSYNC);
		assert_false(seen[in[i][0]]);
		seen[in[i][0]] = true;
	}
	for (i = 0; i < NSYNC; i++)
		assert_child_ok(pid[i]);

	/* 2 queued, NSYNC - 2 blocked for room: each take admits (wakes) one. */
	for (i = 0; i < NSYNC; i++) {
		w.mb = full;
		w.wr = (int)i;
		pid[i] = tu_fork(child_async_sender, &w);
	}
	assert_await(full, TU_WAITING_SENDERS, NSYNC - 2);
	for (total = 0; total < NSYNC; total += got) {
		set_recv(r, 16, 64);
		ret = msgport_recv_batch(full, r, 16, 0, (int64_t)LONG_NS);
		assert_true(ret > 0);
		got = (unsigned int)ret;
	}
	assert_int_equal(total, NSYNC);
	for (i = 0; i < NSYNC; i++)
		assert_child_ok(pid[i]);
	assert_int_equal(queued(full), 0);
}

#define QUOTA_MSG	2048U
#define QUOTA_N		8U

/* Child: receive QUOTA_N messages of QUOTA_MSG bytes, one at a time. */
static int child_quota_receiver(void *arg)
{
	struct msgport_mailbox *mb = arg;
	static unsigned char buf[QUOTA_MSG], want[QUOTA_MSG];
	unsigned int i;
	ssize_t n;

	for (i = 0; i < QUOTA_N; i++) {
		n = msgport_recv(mb, buf, sizeof(buf), 0, (int64_t)LONG_NS, NULL);
		if (n != QUOTA_MSG)
			fprintf(stderr, "child: recv %u: %zd\n", i, n);
		CHILD_CHECK(n == QUOTA_MSG);
		tu_fill(want, QUOTA_MSG, 19, i);
		CHILD_CHECK(!memcmp(buf, want, QUOTA_MSG));
	}
	return 0;
}

/*
 * "Each entry taken as MSGPORT_IOC_SEND would take it, in order": a
 * blocking send batch into a mailbox of 1 with a receiver needs no more of
 * max_user_bytes than the same sends one by one, which hold at most three
 * messages at once (one being received, one queued, one being sent), so
 * with room for four (each charged tu_msg_charge()) every entry goes: the batch returns QUOTA_N, not a
 * short count from EDQUOT (nor does a retry see that error again).
 */
static void test_send_quota_as_single_sends(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("quota"), 1, QUOTA_MSG, 0600, 0);
	struct msgport_batch_msg s[QUOTA_N];
	size_t room = 4 * tu_msg_charge(QUOTA_MSG);
	unsigned int i;
	pid_t pid;
	int ret;

	tu_param_set("max_user_bytes", room);
	for (i = 0; i < QUOTA_N; i++)
		set_send(&s[i], i, QUOTA_MSG, 0, 19);
	pid = tu_fork(child_quota_receiver, mb);
	ret = msgport_send_batch(mb, s, QUOTA_N, 0, (int64_t)LONG_NS);
	if (ret != (int)QUOTA_N) {
		/* Let the child finish either way; then report. */
		if (ret > 0 && ret < (int)QUOTA_N)
			(void)msgport_send_batch(mb, &s[ret], QUOTA_N - (unsigned int)ret, 0,
						 (int64_t)LONG_NS);
		tu_join(pid);
		fail_msg("send batch of %u x %u bytes, max_user_bytes %zu: returned %d%s%s", QUOTA_N,
			 QUOTA_MSG, room, ret, ret < 0 ? " " : "",
			 ret < 0 ? msgport_strerror(ret) : "");
	}
	assert_child_ok(pid);
	assert_int_equal(stat_of(mb).received, QUOTA_N);
}

/* Child: a blocking send batch of QUOTA_N x QUOTA_MSG bytes (pattern 20). */
static int child_quota_sender(void *arg)
{
	struct msgport_mailbox *mb = arg;
	struct msgport_batch_msg s[QUOTA_N];
	unsigned int i;
	int ret;

	for (i = 0; i < QUOTA_N; i++)
		set_send(&s[i], i, QUOTA_MSG, 0, 20);
	ret = msgport_send_batch(mb, s, QUOTA_N, 0, (int64_t)LONG_NS);
	if (ret != (int)QUOTA_N)
		fprintf(stderr, "child: send batch: %d\n", ret);
	CHILD_CHECK(ret == (int)QUOTA_N);
	return 0;
}

/*
 * A send batch waiting for room holds what single sends would: the message
 * it waits with, not the ones after it.  So while it waits, another send of
 * the same user fits in max_user_bytes exactly as beside a single send.
 */
static void test_waiting_batch_quota(void **state)
{
	struct msgport_mailbox *full = tu_create(tu_name("qfull"), 1, QUOTA_MSG, 0600, 0);
	struct msgport_mailbox *other = tu_create(tu_name("qother"), 4, QUOTA_MSG, 0600, 0);
	unsigned char want[QUOTA_MSG];
	unsigned int i;
	pid_t pid;
	int ret;

	/* Queued: 1 message; the batch's first waits: 2; ours makes 3 of 4. */
	tu_param_set("max_user_bytes", 4 * tu_msg_charge(QUOTA_MSG));
	assert_int_equal(msgport_send(full, out[0], QUOTA_MSG, 0, 0, MSGPORT_WAIT_FOREVER, NULL),
			 0);
	pid = tu_fork(child_quota_sender, full);
	assert_await(full, TU_WAITING_SENDERS, 1);
	ret = msgport_send(other, out[1], QUOTA_MSG, 0, MSGPORT_F_NONBLOCK,
			   MSGPORT_WAIT_FOREVER, NULL);
	/* Drain either way, so the child finishes; then judge. */
	assert_int_equal(msgport_recv(full, in[0], BUFSZ, 0, (int64_t)LONG_NS, NULL), QUOTA_MSG);
	for (i = 0; i < QUOTA_N; i++) {
		assert_int_equal(msgport_recv(full, in[0], BUFSZ, 0, (int64_t)LONG_NS, NULL),
				 QUOTA_MSG);
		tu_fill(want, QUOTA_MSG, 20, i);
		assert_memory_equal(in[0], want, QUOTA_MSG);
	}
	assert_child_ok(pid);
	if (ret)
		fail_msg("a send beside a waiting batch: %s (the batch holds quota for "
			 "messages it has not sent)", msgport_strerror(ret));
}

/*
 * A batch's messages are charged to max_user_bytes together, but the limit
 * is met as by single sends: with room for three and a half of eight
 * messages (sizes differing, so a charge of the whole batch or of a wrong
 * part would show; each charged tu_msg_charge() of its size), the batch
 * sends three and returns 3, the next send gets EDQUOT, nothing unsent stays
 * charged (also after a fault in a payload), and what a receive frees
 * serves exactly.
 */
static void test_send_quota_mid_batch(void **state)
{
	static const size_t sizes[QUOTA_N] = { 900, 1100, 1000, 1200, 100, 100, 100, 100 };
	struct msgport_mailbox *mb = tu_create(tu_name("qmid"), MSGPORT_CAPACITY_UNBOUNDED,
					       QUOTA_MSG, 0600, 0);
	struct msgport_batch_msg s[QUOTA_N];
	size_t c[QUOTA_N], limit, used;
	struct msgport_stat st;
	unsigned int i, fit;

	for (i = 0; i < QUOTA_N; i++)
		c[i] = tu_msg_charge(sizes[i]);
	limit = c[0] + c[1] + c[2] + c[3] / 2;
	tu_param_set("max_user_bytes", limit);
	for (i = 0; i < QUOTA_N; i++)
		set_send(&s[i], i, sizes[i], 0, 21);
	assert_int_equal(msgport_send_batch(mb, s, QUOTA_N, MSGPORT_F_NONBLOCK, 0), 3);
	assert_errno(msgport_send_batch(mb, &s[3], QUOTA_N - 3, MSGPORT_F_NONBLOCK, 0), EDQUOT);
	st = stat_of(mb);
	assert_int_equal(st.queued_msgs, 3);
	assert_int_equal(st.queued_bytes, 900 + 1100 + 1000);
	/* The first taken out: the batch from the fourth sends what fits after it. */
	recv_one_expect(mb, &s[0]);
	used = c[1] + c[2];
	for (fit = 3; fit < QUOTA_N && used + c[fit] <= limit; fit++)
		used += c[fit];
	assert_true(fit > 3);
	assert_int_equal(msgport_send_batch(mb, &s[3], QUOTA_N - 3, MSGPORT_F_NONBLOCK, 0),
			 fit - 3);
	if (fit < QUOTA_N)
		assert_errno(msgport_send_batch(mb, &s[fit], QUOTA_N - fit, MSGPORT_F_NONBLOCK, 0),
			     EDQUOT);
	for (i = 1; i < fit; i++)
		recv_one_expect(mb, &s[i]);
	assert_int_equal(queued(mb), 0);
	/* All uncharged: the rest go now. */
	if (fit < QUOTA_N)
		assert_int_equal(msgport_send_batch(mb, &s[fit], QUOTA_N - fit,
						    MSGPORT_F_NONBLOCK, 0), (int)(QUOTA_N - fit));
	for (i = fit; i < QUOTA_N; i++)
		recv_one_expect(mb, &s[i]);

	/* A fault in the second payload: the charge of the three unsent goes back. */
	tu_param_set("max_user_bytes", 3 * c[2] + c[2] / 2);
	for (i = 0; i < 4; i++)
		set_send(&s[i], i, 1000, 0, 23);
	s[1].buf = tu_unmapped_page();
	assert_int_equal(msgport_send_batch(mb, s, 4, MSGPORT_F_NONBLOCK, 0), 1);
	assert_int_equal(stat_of(mb).queued_bytes, 1000);
	/* One queued: two more fit, a third would not. */
	assert_int_equal(msgport_send_batch(mb, &s[2], 2, MSGPORT_F_NONBLOCK, 0), 2);
	assert_errno(msgport_send_batch(mb, &s[2], 1, MSGPORT_F_NONBLOCK, 0), EDQUOT);
	recv_one_expect(mb, &s[0]);
	recv_one_expect(mb, &s[2]);
	recv_one_expect(mb, &s[3]);
}

struct thread_batch {
	struct msgport_mailbox *mb;
	struct msgport_batch_msg *s;
	pid_t tid;
	int ret;
};

static void *thread_batch_sender(void *arg)
{
	struct thread_batch *t = arg;

	t->tid = (pid_t)syscall(SYS_gettid);
	t->ret = msgport_send_batch(t->mb, t->s, 12, MSGPORT_F_NONBLOCK, 0);
	return NULL;
}

/*
 * A batch's messages share their sender's pid references: each carries the
 * pid and tid of the thread that sent it, also after that thread is gone,
 * and batches of the main thread and of another one interleave in the
 * queue without mixing them up.  A reference too few shows as a refcount
 * warning (a panic in the VM), one too many as a leaked struct pid once
 * the thread is gone (kmemleak, in the debug lane).
 */
static void test_thread_batch_ids(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("tids"), 64, 256, 0600, 0);
	struct msgport_batch_msg s[24], r[24];
	struct thread_batch t = { .mb = mb, .s = &s[12] };
	pthread_t th;
	unsigned int i;

	for (i = 0; i < 24; i++)
		set_send(&s[i], i, 16 + i, 0, 22);
	assert_int_equal(msgport_send_batch(mb, s, 5, MSGPORT_F_NONBLOCK, 0), 5);
	assert_int_equal(pthread_create(&th, NULL, thread_batch_sender, &t), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t.ret, 12);
	assert_true(t.tid != getpid());
	assert_int_equal(msgport_send_batch(mb, &s[5], 7, MSGPORT_F_NONBLOCK, 0), 7);

	set_recv(r, 24, 256);
	assert_int_equal(msgport_recv_batch(mb, r, 24, MSGPORT_F_NONBLOCK, 0), 24);
	for (i = 0; i < 24; i++) {
		/* Queue order: 0-4 (main), 12-23 (thread), 5-11 (main). */
		unsigned int k = i < 5 ? i : i < 17 ? i + 7 : i - 12;
		pid_t tid = k >= 12 ? t.tid : getpid();

		if (r[i].len != s[k].len || memcmp(r[i].buf, s[k].buf, s[k].len) ||
		    r[i].info.seq != s[k].seq)
			fail_msg("entry %u: not message %u", i, k);
		if (r[i].info.pid != getpid() || r[i].info.tid != tid)
			fail_msg("entry %u (message %u): pid %d tid %d, expected %d %d", i, k,
				 r[i].info.pid, r[i].info.tid, (int)getpid(), (int)tid);
	}
}

/*
 * Sizes around the module's word-by-word copies (8-byte words and their
 * tails, the 256-byte limit), the payloads inside a message's header object
 * (up to 72 bytes on 64-bit kernels: 288 bytes, header included) and the
 * ones in a buffer of their own, from and to unaligned addresses,
 * longest first then shortest first, so each buffer serves messages of
 * other sizes: every message arrives with its own length and bytes, and
 * nothing past its length is written.
 */
static void test_sizes_around_small_copies(void **state)
{
	static const size_t sizes[] = { 0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 71, 72, 73, 100,
					127, 128, 129, 135, 136, 137, 200, 255, 256, 257, 300, 1000 };
	enum { N = ARRAY_SIZE(sizes) };
	struct msgport_mailbox *mb = tu_create(tu_name("smallcp"), MSGPORT_CAPACITY_UNBOUNDED,
					       BUFSZ, 0600, 0);
	static struct msgport_batch_msg s[N], r[N];
	unsigned int round, i, k, off;
	int n;

	for (round = 0; round < 4; round++) {
		for (i = 0; i < N; i++) {
			k = round & 1 ? i : N - 1 - i;
			off = (i + round) % 8;
			memset(&s[i], 0, sizeof(s[i]));
			tu_fill(out[i] + off, sizes[k], round, i);
			s[i].buf = out[i] + off;
			s[i].len = sizes[k];
		}
		/* Half the rounds one by one, half as a batch, both ways. */
		if (round < 2) {
			for (i = 0; i < N; i++)
				assert_int_equal(msgport_send(mb, s[i].buf, s[i].len, 0, 0,
							      MSGPORT_WAIT_FOREVER, &s[i].seq), 0);
		} else {
			assert_int_equal(msgport_send_batch(mb, s, N, 0, MSGPORT_WAIT_FOREVER), N);
		}
		set_recv(r, N, BUFSZ);
		for (i = 0; i < N; i++) {
			r[i].buf = in[i] + 1 + i % 7;
			r[i].len = BUFSZ - 8;
		}
		if (round & 1) {
			n = msgport_recv_batch(mb, r, N, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER);
			assert_int_equal(n, N);
		} else {
			for (i = 0; i < N; i++) {
				ssize_t got = msgport_recv(mb, r[i].buf, r[i].len, MSGPORT_F_NONBLOCK,
							   MSGPORT_WAIT_FOREVER, &r[i].info);

				assert_true(got >= 0);
				r[i].len = (size_t)got;
			}
		}
		for (i = 0; i < N; i++) {
			const unsigned char *p = r[i].buf;
			size_t j;

			check_msg(i, &r[i], &s[i]);
			for (j = 0; j < BUFSZ; j++) {
				const unsigned char *q = in[i] + j;

				if ((q < p || q >= p + s[i].len) && *q != 0xa5)
					fail_msg("round %u entry %u (%zu B): byte %td written",
						 round, i, s[i].len, q - p);
			}
		}
	}
	assert_int_equal(queued(mb), 0);
}

/*
 * A raw receive batch whose entry k on cannot take its info (a read-only
 * page from entry k on): k messages received, the others stay queued in
 * their order with their bytes; the batch fails only if the first entry's
 * info is read-only, with nothing taken.  k = 1 (the first chunk) and
 * k = 9 (the second chunk of the module's 8).
 */
static void check_readonly_info_from(struct msgport_mailbox *mb, unsigned int n, unsigned int k)
{
	int fd = msgport_mailbox_fd(mb);
	struct msgport_batch_msg s[12];
	struct msgport_recv *e;
	unsigned int i;
	char *p;

	assert_true(n + 1 <= ARRAY_SIZE(s) && k < n);
	for (i = 0; i <= n; i++)
		set_send(&s[i], i, 20 + i, 0, 33 + k);
	assert_int_equal(msgport_send_batch(mb, s, n + 1, 0, MSGPORT_WAIT_FOREVER), n + 1);

	p = tu_mmap(-1, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	assert_true(p != MAP_FAILED);
	e = (struct msgport_recv *)(p + 4096 - k * sizeof(*e));
	for (i = 0; i < n; i++) {
		memset(in[i], 0, 64);
		e[i] = raw_recv(in[i], 64, MSGPORT_F_NONBLOCK);
	}
	assert_int_equal(mprotect(p + 4096, 4096, PROT_READ), 0);
	assert_int_equal(raw_batch(fd, MSGPORT_IOC_RECV_BATCH, e, n), k);
	for (i = 0; i < k; i++) {
		assert_int_equal(e[i].info.seq, s[i].seq);
		assert_int_equal(e[i].info.len, s[i].len);
		assert_memory_equal(in[i], out[i], s[i].len);
	}
	assert_int_equal(queued(mb), n + 1 - k);
	for (i = k; i <= n; i++)
		recv_one_expect(mb, &s[i]);
}

static void test_readonly_info_later_entry(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("roinfo"), 16, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_batch_msg s[2];
	struct msgport_recv kr[2], *ro;

	set_send(&s[0], 0, 20, 0, 33);
	set_send(&s[1], 1, 21, 0, 33);
	assert_int_equal(msgport_send_batch(mb, s, 2, 0, MSGPORT_WAIT_FOREVER), 2);
	kr[0] = raw_recv(in[0], 64, MSGPORT_F_NONBLOCK);
	kr[1] = raw_recv(in[1], 64, MSGPORT_F_NONBLOCK);
	ro = tu_readonly_copy(kr, sizeof(kr));
	assert_non_null(ro);
	assert_errno(raw_batch(fd, MSGPORT_IOC_RECV_BATCH, ro, 2), EFAULT);
	assert_int_equal(queued(mb), 2);
	recv_one_expect(mb, &s[0]);
	recv_one_expect(mb, &s[1]);

	check_readonly_info_from(mb, 3, 1);
	check_readonly_info_from(mb, 11, 9);
	assert_int_equal(queued(mb), 0);

	/* Entries not done are left as they were: only entry 0's info is zeroed ahead. */
	{
		struct msgport_recv e[3];
		unsigned char poison[sizeof(e[0].info)];
		unsigned int i;

		assert_int_equal(msgport_send_batch(mb, s, 1, 0, MSGPORT_WAIT_FOREVER), 1);
		memset(poison, 0xee, sizeof(poison));
		for (i = 0; i < 3; i++) {
			e[i] = raw_recv(in[i], 64, MSGPORT_F_NONBLOCK);
			memcpy(&e[i].info, poison, sizeof(poison));
		}
		assert_int_equal(raw_batch(fd, MSGPORT_IOC_RECV_BATCH, e, 3), 1);
		assert_int_equal(e[0].info.seq, s[0].seq);
		assert_memory_equal(&e[1].info, poison, sizeof(poison));
		assert_memory_equal(&e[2].info, poison, sizeof(poison));
		/* Nothing queued: entry 0 fails and its info is zeroed. */
		memcpy(&e[0].info, poison, sizeof(poison));
		assert_errno(raw_batch(fd, MSGPORT_IOC_RECV_BATCH, e, 3), EAGAIN);
		assert_int_equal(e[0].info.seq, 0);
		assert_int_equal(e[0].info.len, 0);
		assert_memory_equal(&e[1].info, poison, sizeof(poison));
	}
}

static const struct CMUnitTest batch_tests[] = {
	TU_TEST(test_in_order),
	TU_TEST(test_mixed_sizes),
	TU_TEST(test_priorities),
	TU_TEST(test_recv_takes_queued),
	TU_TEST(test_recv_blocks_only_for_first),
	TU_TEST(test_recv_empty),
	TU_TEST(test_send_bounded_nonblock),
	TU_TEST(test_send_bounded_across_chunks),
	TU_TEST(test_recv_second_too_small),
	TU_TEST(test_recv_first_too_small),
	TU_TEST(test_einval),
	TU_TEST(test_ebadf),
	TU_TEST(test_efault),
	TU_TEST(test_bad_buffer_mid_batch),
	TU_TEST(test_fault_keeps_order),
	TU_TEST(test_library_flags),
	TU_TEST(test_signal),
	TU_TEST(test_unlinked),
	TU_TEST(test_sync_rendezvous),
	TU_TEST(test_stream),
	TU_TEST(test_many_waiting_receivers),
	TU_TEST(test_batch_wakes_many_senders),
	TU_TEST(test_send_quota_as_single_sends),
	TU_TEST(test_waiting_batch_quota),
	TU_TEST(test_send_quota_mid_batch),
	TU_TEST(test_thread_batch_ids),
	TU_TEST(test_sizes_around_small_copies),
	TU_TEST(test_readonly_info_later_entry),
};

MSGPORT_SUITE(batch_suite, MSGPORT_GROUP_MODULE, 1300, "batch",
	      "send and receive batches: order, partial batches, errors", batch_tests);
