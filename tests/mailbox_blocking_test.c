// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "mailbox-blocking": waiting and not waiting.  Non-blocking EAGAIN,
 * timeouts (ETIMEDOUT), blocked receivers and senders woken by the other
 * side, FIFO order of waiters, rendezvous (capacity 0), synchronous send
 * (delivery receipt, withdrawal on timeout), and EIDRM for waiters and
 * later calls when a mailbox is unlinked.
 *
 * The other side runs in a child process; the parent waits for the state it
 * needs (a waiting receiver or sender, as stat reports it) before acting.
 */
#include <fcntl.h>
#include <unistd.h>

#include "msgport_test.h"

#define TIMEOUT_NS	(150ULL * 1000000ULL)	/* short timeouts under test */
#define LONG_NS		(30ULL * 1000000000ULL)	/* "forever" that cannot hang */

struct peer {
	struct msgport_mailbox *mb;
	const char *text;		/* to send, or expected */
	unsigned int flags;
	int expect;			/* the call's expected result */
	int pipe_wr;			/* written to after the call returns, or -1 */
};

static struct msgport_stat stat_of(struct msgport_mailbox *mb)
{
	struct msgport_stat st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	return st;
}

/* Child: one blocking receive; its result and text must match. */
static int child_recv(void *arg)
{
	struct peer *p = arg;
	char buf[256];
	ssize_t n;

	n = msgport_recv(p->mb, buf, sizeof(buf) - 1, p->flags, LONG_NS, NULL);
	if (p->pipe_wr >= 0)
		CHILD_CHECK(write(p->pipe_wr, "r", 1) == 1);
	if (p->expect < 0) {
		if (n != p->expect)
			fprintf(stderr, "child recv: got %zd, expected %d\n", n, p->expect);
		CHILD_CHECK(n == p->expect);
		return 0;
	}
	if (n < 0)
		fprintf(stderr, "child recv: %s\n", msgport_strerror((int)n));
	CHILD_CHECK(n >= 0);
	buf[n] = '\0';
	if (strcmp(buf, p->text))
		fprintf(stderr, "child recv: got \"%s\", expected \"%s\"\n", buf, p->text);
	CHILD_CHECK(!strcmp(buf, p->text));
	return 0;
}

/* Child: one blocking send; its result must match. */
static int child_send(void *arg)
{
	struct peer *p = arg;
	int ret;

	ret = msgport_send(p->mb, p->text, strlen(p->text), 0, p->flags, LONG_NS, NULL);
	if (p->pipe_wr >= 0)
		CHILD_CHECK(write(p->pipe_wr, "s", 1) == 1);
	if (ret != p->expect)
		fprintf(stderr, "child send: got %d, expected %d\n", ret, p->expect);
	CHILD_CHECK(ret == p->expect);
	return 0;
}

static void recv_expect(struct msgport_mailbox *mb, const char *s, unsigned int flags)
{
	char buf[256];
	ssize_t n;

	n = msgport_recv(mb, buf, sizeof(buf) - 1, flags, LONG_NS, NULL);
	if (n < 0)
		fail_msg("recv, expecting \"%s\": %s", s, msgport_strerror((int)n));
	buf[n] = '\0';
	assert_string_equal(buf, s);
}

static void send_ok(struct msgport_mailbox *mb, const char *s)
{
	assert_int_equal(msgport_send(mb, s, strlen(s), 0, MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), 0);
}

/* A pipe whose read end is non-blocking, both ends tracked. */
static void make_pipe(int p[2])
{
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	tu_track_fd(p[0]);
	tu_track_fd(p[1]);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
}

/* Non-blocking: EAGAIN on empty receive and on full send; nothing changes. */
static void test_nonblock_eagain(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("eagain"), 2, 0, 0600, 0);
	char buf[8];

	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
	send_ok(mb, "1");
	send_ok(mb, "2");
	assert_int_equal(msgport_send(mb, "3", 1, 0, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), -EAGAIN);
	assert_int_equal(msgport_send(mb, "3", 1, 31, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), -EAGAIN);
	assert_int_equal(stat_of(mb).queued_msgs, 2);
	assert_int_equal(stat_of(mb).sent, 2);
	recv_expect(mb, "1", MSGPORT_F_NONBLOCK);
	send_ok(mb, "3");
	recv_expect(mb, "2", MSGPORT_F_NONBLOCK);
	recv_expect(mb, "3", MSGPORT_F_NONBLOCK);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
}

/* Timed receive on an empty mailbox and timed send on a full one: ETIMEDOUT after the time. */
static void test_timeouts(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("timeout"), 1, 0, 0600, 0);
	uint64_t t0, elapsed;
	char buf[8];

	t0 = tu_now_ns();
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, (int64_t)TIMEOUT_NS, NULL),
			 -ETIMEDOUT);
	elapsed = tu_now_ns() - t0;
	assert_true(elapsed >= TIMEOUT_NS);

	send_ok(mb, "full");
	t0 = tu_now_ns();
	assert_int_equal(msgport_send(mb, "x", 1, 0, 0, (int64_t)TIMEOUT_NS, NULL), -ETIMEDOUT);
	elapsed = tu_now_ns() - t0;
	assert_true(elapsed >= TIMEOUT_NS);
	assert_int_equal(stat_of(mb).queued_msgs, 1);
	assert_int_equal(stat_of(mb).waiting_senders, 0);
	assert_int_equal(stat_of(mb).waiting_receivers, 0);

	/* A zero timeout does not wait. */
	assert_int_equal(msgport_send(mb, "x", 1, 0, 0, 0, NULL), -ETIMEDOUT);
	recv_expect(mb, "full", 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, 0, NULL), -ETIMEDOUT);
}

struct huge {
	struct msgport_mailbox *mb;
};

static int child_send_when_waiting(void *arg)
{
	struct huge *h = arg;

	CHILD_CHECK(tu_await_stat(msgport_mailbox_fd(h->mb), TU_WAITING_RECEIVERS, 1,
				  TU_AWAIT_MS) == 0);
	CHILD_CHECK(msgport_send(h->mb, "late", 4, 0, 0, MSGPORT_WAIT_FOREVER, NULL) == 0);
	return 0;
}

/* The largest timeouts do not overflow into "already expired". */
static void test_huge_timeout(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("huge"), 1, 0, 0600, 0);
	struct huge h = { .mb = mb };
	static const uint64_t huge[] = { ~0ULL, 1ULL << 63, (1ULL << 63) - 1 };
	struct msgport_recv r;
	char buf[8];
	size_t i;
	pid_t pid;

	for (i = 0; i < ARRAY_SIZE(huge); i++) {
		pid = tu_fork(child_send_when_waiting, &h);
		memset(&r, 0, sizeof(r));
		r.buf = (uintptr_t)buf;
		r.buf_len = sizeof(buf);
		r.flags = MSGPORT_F_TIMEOUT;
		r.timeout_ns = huge[i];
		if (tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_RECV, &r) != 4)
			fail_msg("timed receive with timeout_ns %#llx did not wait for the message",
				 (unsigned long long)huge[i]);
		assert_child_ok(pid);
	}
}

/* A blocked receiver gets the message sent after it began to wait, directly. */
static void test_blocked_receiver_woken(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("wakerecv"), 4, 0, 0600, 0);
	struct peer p = { .mb = mb, .text = "wake up", .pipe_wr = -1 };
	struct msgport_stat st;
	pid_t pid;

	pid = tu_fork(child_recv, &p);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	send_ok(mb, "wake up");
	assert_child_ok(pid);
	st = stat_of(mb);
	assert_int_equal(st.waiting_receivers, 0);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.received, 1);
}

static int child_read(void *arg)
{
	struct peer *p = arg;
	char buf[64];
	ssize_t n;

	n = read(msgport_mailbox_fd(p->mb), buf, sizeof(buf));
	CHILD_CHECK(n == (ssize_t)strlen(p->text) && !memcmp(buf, p->text, (size_t)n));
	return 0;
}

static int child_write(void *arg)
{
	struct peer *p = arg;

	CHILD_CHECK(write(msgport_mailbox_fd(p->mb), p->text, strlen(p->text)) ==
		    (ssize_t)strlen(p->text));
	return 0;
}

/* read(2) waits for a message and write(2) for room, like the ioctls. */
static void test_blocking_read_write(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rwblock"), 1, 0, 0600, 0);
	struct peer p = { .mb = mb, .text = "via read", .pipe_wr = -1 };
	pid_t pid;

	pid = tu_fork(child_read, &p);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	send_ok(mb, "via read");
	assert_child_ok(pid);

	send_ok(mb, "filler");
	p.text = "via write";
	pid = tu_fork(child_write, &p);
	assert_await(mb, TU_WAITING_SENDERS, 1);
	recv_expect(mb, "filler", MSGPORT_F_NONBLOCK);
	assert_child_ok(pid);
	recv_expect(mb, "via write", MSGPORT_F_NONBLOCK);
}

/* A sender blocked on a full mailbox proceeds when a message is taken. */
static void test_blocked_sender_woken(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("wakesend"), 1, 0, 0600, 0);
	struct peer p = { .mb = mb, .text = "second", .pipe_wr = -1 };
	pid_t pid;

	send_ok(mb, "first");
	pid = tu_fork(child_send, &p);
	assert_await(mb, TU_WAITING_SENDERS, 1);
	assert_int_equal(stat_of(mb).queued_msgs, 1);
	recv_expect(mb, "first", MSGPORT_F_NONBLOCK);
	assert_child_ok(pid);
	recv_expect(mb, "second", MSGPORT_F_NONBLOCK);
	assert_int_equal(stat_of(mb).waiting_senders, 0);
}

/* Waiting receivers are served in the order they began to wait. */
static void test_fifo_waiters(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("fifo"), 4, 0, 0600, 0);
	struct peer a = { .mb = mb, .text = "A", .pipe_wr = -1 };
	struct peer b = { .mb = mb, .text = "B", .pipe_wr = -1 };
	struct peer c = { .mb = mb, .text = "C", .pipe_wr = -1 };
	pid_t pa, pb, pc;

	pa = tu_fork(child_recv, &a);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	pb = tu_fork(child_recv, &b);
	assert_await(mb, TU_WAITING_RECEIVERS, 2);
	pc = tu_fork(child_recv, &c);
	assert_await(mb, TU_WAITING_RECEIVERS, 3);
	send_ok(mb, "A");
	send_ok(mb, "B");
	send_ok(mb, "C");
	assert_child_ok(pa);
	assert_child_ok(pb);
	assert_child_ok(pc);
}

/* Rendezvous: nothing is buffered; a send needs a receiver. */
static void test_rendezvous_no_receiver(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rdvnone"), 0, 0, 0600, 0);
	uint64_t t0;
	char buf[8];

	assert_int_equal(stat_of(mb).capacity, 0);
	assert_int_equal(msgport_send(mb, "x", 1, 0, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), -EAGAIN);
	t0 = tu_now_ns();
	assert_int_equal(msgport_send(mb, "y", 1, 0, 0, (int64_t)TIMEOUT_NS, NULL), -ETIMEDOUT);
	assert_true(tu_now_ns() - t0 >= TIMEOUT_NS);
	/* Neither was left behind. */
	assert_int_equal(stat_of(mb).queued_msgs, 0);
	assert_int_equal(stat_of(mb).waiting_senders, 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
	assert_int_equal(stat_of(mb).received, 0);
}

/* Rendezvous: a non-blocking send succeeds when a receiver already waits. */
static void test_rendezvous_nonblock_with_receiver(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rdvnb"), 0, 0, 0600, 0);
	struct peer p = { .mb = mb, .text = "meet", .pipe_wr = -1 };
	pid_t pid;

	pid = tu_fork(child_recv, &p);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(msgport_send(mb, "meet", 4, 0, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), 0);
	assert_child_ok(pid);
	assert_int_equal(stat_of(mb).received, 1);
}

/* Rendezvous: a blocking send returns only once a receiver took the message. */
static void test_rendezvous_send_blocks(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rdvblk"), 0, 0, 0600, 0);
	struct peer p = { .mb = mb, .text = "handoff", .pipe_wr = -1 };
	int pfd[2];
	char c;
	pid_t pid;

	make_pipe(pfd);
	p.pipe_wr = pfd[1];
	pid = tu_fork(child_send, &p);
	assert_await(mb, TU_WAITING_SENDERS, 1);
	/* The sender is still inside its call. */
	assert_int_equal(read(pfd[0], &c, 1), -1);
	assert_int_equal(errno, EAGAIN);
	/* A receiver takes the waiting sender's message, even non-blocking. */
	recv_expect(mb, "handoff", MSGPORT_F_NONBLOCK);
	assert_child_ok(pid);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	assert_int_equal(stat_of(mb).waiting_senders, 0);
	assert_int_equal(stat_of(mb).queued_msgs, 0);
}

/* Synchronous send on a buffered mailbox: returns only after the receive. */
static void test_sync_send_receipt(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("sync"), 8, 0, 0600, 0);
	struct peer p = { .mb = mb, .text = "receipt", .flags = MSGPORT_F_SYNC };
	int pfd[2];
	char c;
	pid_t pid;

	make_pipe(pfd);
	p.pipe_wr = pfd[1];
	pid = tu_fork(child_send, &p);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	assert_await(mb, TU_WAITING_SENDERS, 1);
	assert_int_equal(read(pfd[0], &c, 1), -1);
	assert_int_equal(errno, EAGAIN);
	/* A peek is not a receipt. */
	{
		char buf[16];

		assert_int_equal(msgport_recv(mb, buf, sizeof(buf),
					      MSGPORT_F_PEEK | MSGPORT_F_NONBLOCK,
					      MSGPORT_WAIT_FOREVER, NULL), 7);
		assert_int_equal(stat_of(mb).waiting_senders, 1);
		assert_int_equal(read(pfd[0], &c, 1), -1);
	}
	recv_expect(mb, "receipt", MSGPORT_F_NONBLOCK);
	assert_child_ok(pid);
	assert_int_equal(read(pfd[0], &c, 1), 1);
}

/* Synchronous send that nobody receives: withdrawn on timeout or EAGAIN. */
static void test_sync_send_withdrawn(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("syncwd"), 8, 0, 0600, 0);
	struct msgport_stat st;
	char buf[16];

	send_ok(mb, "plain");
	assert_int_equal(msgport_send(mb, "sync-timeout", 12, 5, MSGPORT_F_SYNC,
				      (int64_t)TIMEOUT_NS, NULL), -ETIMEDOUT);
	assert_int_equal(msgport_send(mb, "sync-nonblock", 13, 5,
				      MSGPORT_F_SYNC | MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), -EAGAIN);
	st = stat_of(mb);
	assert_int_equal(st.queued_msgs, 1);
	assert_int_equal(st.queued_bytes, 5);
	assert_int_equal(st.waiting_senders, 0);
	/* Only the plain message is ever delivered. */
	recv_expect(mb, "plain", MSGPORT_F_NONBLOCK);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
	assert_int_equal(stat_of(mb).received, 1);
}

/* Synchronous non-blocking send succeeds when a receiver waits. */
static void test_sync_send_to_waiting_receiver(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("syncrecv"), 8, 0, 0600, 0);
	struct peer p = { .mb = mb, .text = "direct", .pipe_wr = -1 };
	pid_t pid;

	pid = tu_fork(child_recv, &p);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(msgport_send(mb, "direct", 6, 0, MSGPORT_F_SYNC | MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_child_ok(pid);
}

/* Unlink wakes a blocked receiver with EIDRM. */
static void test_eidrm_blocked_receiver(void **state)
{
	const char *name = tu_name("idrmrecv");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, 0);
	struct peer p = { .mb = mb, .expect = -EIDRM, .pipe_wr = -1 };
	pid_t pid;

	pid = tu_fork(child_recv, &p);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_child_ok(pid);
}

/* Unlink wakes blocked senders (full mailbox, sync, rendezvous) with EIDRM. */
static void test_eidrm_blocked_senders(void **state)
{
	const char *full = tu_name("idrmfull");
	const char *sync = tu_name("idrmsync");
	const char *rdv = tu_name("idrmrdv");
	struct msgport_mailbox *mf = tu_create(full, 1, 0, 0600, 0);
	struct msgport_mailbox *ms = tu_create(sync, 4, 0, 0600, 0);
	struct msgport_mailbox *mr = tu_create(rdv, 0, 0, 0600, 0);
	struct peer pf = { .mb = mf, .text = "f", .expect = -EIDRM, .pipe_wr = -1 };
	struct peer ps = { .mb = ms, .text = "s", .flags = MSGPORT_F_SYNC, .expect = -EIDRM,
			   .pipe_wr = -1 };
	struct peer pr = { .mb = mr, .text = "r", .expect = -EIDRM, .pipe_wr = -1 };
	pid_t a, b, c;

	send_ok(mf, "filler");
	a = tu_fork(child_send, &pf);
	b = tu_fork(child_send, &ps);
	c = tu_fork(child_send, &pr);
	assert_await(mf, TU_WAITING_SENDERS, 1);
	assert_await(ms, TU_WAITING_SENDERS, 1);
	assert_await(mr, TU_WAITING_SENDERS, 1);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), full), 0);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), sync), 0);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), rdv), 0);
	assert_child_ok(a);
	assert_child_ok(b);
	assert_child_ok(c);
	/* The queued filler was dropped, the sync message withdrawn, not delivered. */
	assert_int_equal(stat_of(mf).dropped, 1);
	assert_int_equal(stat_of(mf).queued_msgs, 0);
	assert_int_equal(stat_of(ms).received, 0);
}

/* After unlink every later send and receive on an open descriptor fails with EIDRM. */
static void test_eidrm_later_calls(void **state)
{
	const char *name = tu_name("idrmlater");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_stat st;
	char buf[8];

	send_ok(mb, "a");
	send_ok(mb, "b");
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);

	assert_int_equal(msgport_send(mb, "c", 1, 0, 0, MSGPORT_WAIT_FOREVER, NULL), -EIDRM);
	assert_int_equal(msgport_send(mb, "c", 1, 0, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), -EIDRM);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), -EIDRM);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EIDRM);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_PEEK,
				      (int64_t)TIMEOUT_NS, NULL), -EIDRM);
	assert_int_equal(write(fd, "w", 1), -1);
	assert_int_equal(errno, EIDRM);
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EIDRM);

	/* Stat still answers, and says what happened. */
	st = stat_of(mb);
	assert_true(st.flags & MSGPORT_STAT_UNLINKED);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.received, 0);
}

static const struct CMUnitTest mailbox_blocking_tests[] = {
	TU_TEST(test_nonblock_eagain),
	TU_TEST(test_timeouts),
	TU_TEST(test_huge_timeout),
	TU_TEST(test_blocked_receiver_woken),
	TU_TEST(test_blocked_sender_woken),
	TU_TEST(test_blocking_read_write),
	TU_TEST(test_fifo_waiters),
	TU_TEST(test_rendezvous_no_receiver),
	TU_TEST(test_rendezvous_nonblock_with_receiver),
	TU_TEST(test_rendezvous_send_blocks),
	TU_TEST(test_sync_send_receipt),
	TU_TEST(test_sync_send_withdrawn),
	TU_TEST(test_sync_send_to_waiting_receiver),
	TU_TEST(test_eidrm_blocked_receiver),
	TU_TEST(test_eidrm_blocked_senders),
	TU_TEST(test_eidrm_later_calls),
};

MSGPORT_SUITE(mailbox_blocking_suite, MSGPORT_GROUP_MODULE, 400, "mailbox-blocking",
	      "EAGAIN, ETIMEDOUT, wake-ups, FIFO waiters, rendezvous, sync send, EIDRM",
	      mailbox_blocking_tests);
