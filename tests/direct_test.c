// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "direct": direct messages.  A process's inbox (one per process,
 * EEXIST for a second; receive-only), sending to a pid and its errors
 * (EINVAL, ESRCH, ECONNREFUSED, EACCES as an unprivileged user, EMSGSIZE,
 * EAGAIN, ETIMEDOUT), the ABI's checks, the sender's pid in the metadata,
 * receiving from one sender with the others kept in order (symmetric
 * addressing, also while blocked, with hand-off to the right waiter), poll
 * and stat of an inbox, and pids translated in a pid namespace.
 *
 * Other processes are forked children driven through pipes: a child waits
 * for a byte on its "go" pipe before each step, and reports on its "done"
 * pipe.  Children use CHILD_CHECK, the parent asserts on their status.
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"

#define LONG_NS		(30LL * 1000000000LL)	/* "forever" that cannot hang */
#define SHORT_NS	(100LL * 1000000LL)

/* A pair of pipes to drive a child step by step. */
struct ctl {
	int go[2];	/* parent -> child */
	int done[2];	/* child -> parent */
};

static void ctl_init(struct ctl *c)
{
	assert_int_equal(pipe2(c->go, O_CLOEXEC), 0);
	assert_int_equal(pipe2(c->done, O_CLOEXEC), 0);
	tu_track_fd(c->go[0]);
	tu_track_fd(c->go[1]);
	tu_track_fd(c->done[0]);
	tu_track_fd(c->done[1]);
}

/* Parent: let the child take its next step. */
static void ctl_go(struct ctl *c)
{
	assert_int_equal(write(c->go[1], "g", 1), 1);
}

/* Parent: wait for the child's report (an int). */
static int ctl_wait(struct ctl *c)
{
	int v = 0;

	assert_int_equal(read(c->done[0], &v, sizeof(v)), sizeof(v));
	return v;
}

/* Child side. */
static int child_wait_go(struct ctl *c)
{
	char b;

	return read(c->go[0], &b, 1) == 1 ? 0 : -1;
}

static int child_report(struct ctl *c, int v)
{
	return write(c->done[1], &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

static int send_pid_raw(pid_t pid, const char *text, unsigned int prio, unsigned int flags)
{
	return msgport_send_pid(tu_mp(), pid, text, strlen(text), prio, flags,
				(flags & MSGPORT_F_NONBLOCK) ? MSGPORT_WAIT_FOREVER : LONG_NS, NULL);
}

/* Receive (from `from`, or any if 0) and compare the text and sender. */
static void expect_msg(struct msgport_mailbox *mb, pid_t from, const char *text, pid_t sender)
{
	struct msgport_msginfo info;
	char buf[256];
	ssize_t n;

	n = msgport_recv_from(mb, from, buf, sizeof(buf) - 1, MSGPORT_F_NONBLOCK,
			      MSGPORT_WAIT_FOREVER, &info);
	if (n < 0)
		fail_msg("recv from %d: %s (expected \"%s\")", (int)from, msgport_strerror((int)n),
			 text);
	buf[n] = '\0';
	assert_string_equal(buf, text);
	assert_int_equal(info.pid, sender);
	assert_int_equal(info.msg_flags, 0);
	assert_int_equal(info.token, 0);
}

/* Child: sleeps until killed. */
static int child_idle(void *arg)
{
	pause();
	return 0;
}

/* One inbox per process; it is an unnamed, receive-only mailbox. */
static void test_inbox_once(void **state)
{
	struct msgport_attr attr = { .capacity = 3, .max_msg_size = 100, .mode = 0620 };
	struct msgport_mailbox *in = tu_inbox(&attr), *again = NULL;
	struct msgport_stat st;
	char buf[8];
	int fd;

	assert_int_equal(msgport_inbox_open(tu_mp(), NULL, 0, &again), -EEXIST);
	assert_null(again);
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(msgport_mailbox_stat(in, &st), 0);
	assert_string_equal(st.name, "");
	assert_int_equal(st.flags, MSGPORT_STAT_INBOX);
	assert_int_equal(st.owner_pid, getpid());
	assert_int_equal(st.capacity, 3);
	assert_int_equal(st.max_msg_size, 100);
	assert_int_equal(st.mode, 0620);
	assert_int_equal(st.uid, geteuid());
	assert_int_equal(st.calls, 0);
	assert_int_equal(st.reserved0, 0);
	/* Not in the table of named mailboxes. */
	assert_int_equal(tu_proc_count("inbox"), 0);

	/* Receive-only. */
	fd = msgport_mailbox_fd(in);
	assert_int_equal(msgport_send(in, "x", 1, 0, 0, MSGPORT_WAIT_FOREVER, NULL), -EBADF);
	assert_int_equal(write(fd, "x", 1), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(msgport_recv(in, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
	/* The owner may chmod it. */
	assert_int_equal(msgport_mailbox_chmod(in, 0600), 0);

	/* Closed, it can be opened again: a new, empty inbox. */
	assert_int_equal(send_pid_raw(getpid(), "old", 0, 0), 0);
	tu_close(in);
	assert_int_equal(send_pid_raw(getpid(), "x", 0, 0), -ECONNREFUSED);
	in = tu_inbox(NULL);
	assert_int_equal(msgport_recv(in, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
	assert_int_equal(msgport_mailbox_stat(in, &st), 0);
	assert_int_equal(st.capacity, 16);
	assert_int_equal(st.mode, 0600);
}

struct sender_arg {
	pid_t to;
	const char *text;
	unsigned int prio;
};

static int child_send_to(void *arg)
{
	const struct sender_arg *s = arg;
	int ret = send_pid_raw(s->to, s->text, s->prio, 0);

	if (ret)
		fprintf(stderr, "send to %d: %s\n", (int)s->to, msgport_strerror(ret));
	CHILD_CHECK(ret == 0);
	return 0;
}

/* Send to a pid: to ourselves, and from a child; metadata names the sender. */
static void test_send_recv(void **state)
{
	struct msgport_mailbox *in = tu_inbox(NULL);
	struct sender_arg s = { .to = getpid(), .text = "from child", .prio = 7 };
	struct msgport_msginfo info;
	char buf[64];
	uint64_t seq = 0;
	pid_t child;

	assert_int_equal(msgport_send_pid(tu_mp(), getpid(), "self", 4, 2, 0, MSGPORT_WAIT_FOREVER,
					  &seq), 0);
	assert_int_equal(seq, 1);
	child = tu_fork(child_send_to, &s);
	assert_child_ok(child);

	/* Priority first, then the sender's pid and credentials. */
	assert_int_equal(msgport_recv(in, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, &info), 10);
	assert_memory_equal(buf, "from child", 10);
	assert_int_equal(info.pid, child);
	assert_int_equal(info.tid, child);
	assert_int_equal(info.priority, 7);
	assert_int_equal(info.seq, 2);
	assert_int_equal(info.uid, 0);
	expect_msg(in, 0, "self", getpid());

	/* Zero-length messages are messages too. */
	assert_int_equal(msgport_send_pid(tu_mp(), getpid(), "", 0, 0, 0, MSGPORT_WAIT_FOREVER,
					  NULL), 0);
	assert_int_equal(msgport_recv(in, buf, sizeof(buf), 0, LONG_NS, &info), 0);
	assert_int_equal(info.len, 0);
}

struct pid_sender {
	pid_t to;
	unsigned int flags;
	int64_t timeout_ns;
	int expect;
};

static int child_pid_sender(void *arg)
{
	const struct pid_sender *s = arg;
	int ret = msgport_send_pid(tu_mp(), s->to, "m", 1, 0, s->flags, s->timeout_ns, NULL);

	if (ret != s->expect)
		fprintf(stderr, "send to %d: %d, expected %d\n", (int)s->to, ret, s->expect);
	CHILD_CHECK(ret == s->expect);
	return 0;
}

/*
 * An inbox is a mailbox: a rendezvous inbox makes a sender wait for the
 * receiver, a synchronous send gets its receipt (or is withdrawn on time-out),
 * an unbounded one takes what memory allows.
 */
static void test_inbox_capacities(void **state)
{
	struct msgport_attr rv = { .capacity = 0, .mode = 0600 };
	struct msgport_attr ub = { .capacity = MSGPORT_CAPACITY_UNBOUNDED, .mode = 0600 };
	struct msgport_attr four = { .capacity = 4, .mode = 0600 };
	struct pid_sender s = { .to = getpid(), .timeout_ns = LONG_NS };
	struct msgport_mailbox *in;
	struct msgport_stat st;
	char buf[8];
	pid_t child;
	int i;

	/* Rendezvous: no receiver waiting, a non-blocking send fails... */
	in = tu_inbox(&rv);
	assert_int_equal(send_pid_raw(getpid(), "x", 0, MSGPORT_F_NONBLOCK), -EAGAIN);
	/* ...and a blocking one completes only when taken. */
	child = tu_fork(child_pid_sender, &s);
	assert_await(in, TU_WAITING_SENDERS, 1);
	assert_int_equal(msgport_recv(in, buf, sizeof(buf), 0, LONG_NS, NULL), 1);
	assert_child_ok(child);
	tu_close(in);

	/* Synchronous send: a receipt, or withdrawal at the time-out. */
	in = tu_inbox(&four);
	s.flags = MSGPORT_F_SYNC;
	child = tu_fork(child_pid_sender, &s);
	assert_await(in, TU_WAITING_SENDERS, 1);
	assert_await(in, TU_QUEUED_MSGS, 1);
	assert_int_equal(msgport_recv(in, buf, sizeof(buf), 0, LONG_NS, NULL), 1);
	assert_child_ok(child);
	s.timeout_ns = SHORT_NS;
	s.expect = -ETIMEDOUT;
	assert_child_ok(tu_fork(child_pid_sender, &s));
	assert_int_equal(msgport_mailbox_stat(in, &st), 0);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.received, 1);
	tu_close(in);

	/* Unbounded. */
	in = tu_inbox(&ub);
	for (i = 0; i < 100; i++)
		assert_int_equal(send_pid_raw(getpid(), "u", 0, MSGPORT_F_NONBLOCK), 0);
	assert_await(in, TU_QUEUED_MSGS, 100);
	assert_int_equal(msgport_mailbox_stat(in, &st), 0);
	assert_int_equal(st.capacity, MSGPORT_CAPACITY_UNBOUNDED);
}

/* Every errno of sending to a pid. */
static void test_send_errors(void **state)
{
	struct msgport_attr attr = { .capacity = 1, .max_msg_size = 8, .mode = 0600 };
	struct msgport_mailbox *in;
	struct msgport_send_pid s;
	pid_t idle, gone;

	/* No such process: a child that was reaped. */
	gone = tu_fork(child_idle, NULL);
	kill(gone, SIGKILL);
	assert_int_equal(tu_join(gone), 128 + SIGKILL);
	assert_int_equal(send_pid_raw(gone, "x", 0, 0), -ESRCH);
	/* A process without an inbox. */
	idle = tu_fork(child_idle, NULL);
	assert_int_equal(send_pid_raw(idle, "x", 0, 0), -ECONNREFUSED);
	assert_int_equal(send_pid_raw(getpid(), "x", 0, 0), -ECONNREFUSED);
	/* Not a pid. */
	assert_int_equal(send_pid_raw(0, "x", 0, 0), -EINVAL);
	assert_int_equal(send_pid_raw(-1, "x", 0, 0), -EINVAL);

	in = tu_inbox(&attr);
	(void)in;
	assert_int_equal(send_pid_raw(getpid(), "123456789", 0, 0), -EMSGSIZE);
	assert_int_equal(send_pid_raw(getpid(), "1", 0, 0), 0);
	assert_int_equal(send_pid_raw(getpid(), "2", 0, MSGPORT_F_NONBLOCK), -EAGAIN);
	assert_int_equal(msgport_send_pid(tu_mp(), getpid(), "2", 1, 0, 0, SHORT_NS, NULL),
			 -ETIMEDOUT);
	assert_int_equal(send_pid_raw(getpid(), "2", 32, MSGPORT_F_NONBLOCK), -EINVAL);

	/* The raw ABI: reserved fields, flags, bad pointers. */
	memset(&s, 0, sizeof(s));
	s.pid = getpid();
	s.buf = (uintptr_t)"z";
	s.len = 1;
	s.flags = MSGPORT_F_NONBLOCK;
	s.reserved[1] = 1;
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_SEND_PID, &s), -EINVAL);
	s.reserved[1] = 0;
	s.flags = MSGPORT_F_NONBLOCK | MSGPORT_F_PEEK;
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_SEND_PID, &s), -EINVAL);
	s.flags = MSGPORT_F_NONBLOCK | (1U << 31);
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_SEND_PID, &s), -EINVAL);
	s.flags = MSGPORT_F_NONBLOCK;
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_SEND_PID, tu_unmapped_page()), -EFAULT);
	s.buf = (uintptr_t)tu_unmapped_page();
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_SEND_PID, &s), -EFAULT);
	/* Still one message queued: the failures changed nothing. */
	assert_int_equal(tu_await_stat(msgport_mailbox_fd(in), TU_QUEUED_MSGS, 1, 0), 0);
}

/* The inbox ioctl's checks, and receive's from_pid checks. */
static void test_inbox_abi(void **state)
{
	struct msgport_inbox o;
	struct msgport_recv r;
	struct msgport_mailbox *in;
	char buf[8];
	pid_t gone;

	memset(&o, 0, sizeof(o));
	o.flags = MSGPORT_O_SEND;
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_INBOX, &o), -EINVAL);
	o.flags = MSGPORT_O_CLOEXEC;
	o.mode = 01000;
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_INBOX, &o), -EINVAL);
	o.mode = 0600;
	o.reserved[0] = 1;
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_INBOX, &o), -EINVAL);
	o.reserved[0] = 0;
	o.max_msg_size = 0xffffffffU;
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_INBOX, &o), -EINVAL);
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_INBOX, tu_unmapped_page()), -EFAULT);
	/* None of these opened one. */
	assert_int_equal(send_pid_raw(getpid(), "x", 0, 0), -ECONNREFUSED);

	in = tu_inbox(NULL);
	assert_int_equal(send_pid_raw(getpid(), "x", 0, 0), 0);
	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.buf_len = sizeof(buf);
	r.flags = MSGPORT_F_NONBLOCK;
	r.from_pid = getpid();		/* without MSGPORT_F_FROM */
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(in), MSGPORT_IOC_RECV, &r), -EINVAL);
	r.flags |= MSGPORT_F_FROM;
	r.from_pid = 0;
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(in), MSGPORT_IOC_RECV, &r), -EINVAL);
	r.from_pid = -5;
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(in), MSGPORT_IOC_RECV, &r), -EINVAL);
	r.from_pid = getpid();
	r.nfds = 1;		/* without MSGPORT_F_FDS */
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(in), MSGPORT_IOC_RECV, &r), -EINVAL);
	r.nfds = 0;
	gone = tu_fork(child_idle, NULL);
	kill(gone, SIGKILL);
	tu_join(gone);
	assert_int_equal(msgport_recv_from(in, gone, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
					   MSGPORT_WAIT_FOREVER, NULL), -ESRCH);
	assert_int_equal(msgport_recv_from(in, 0, buf, sizeof(buf), MSGPORT_F_FROM,
					   MSGPORT_WAIT_FOREVER, NULL), -EINVAL);
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(in), MSGPORT_IOC_RECV, &r), 1);
}

struct perm_case {
	pid_t to;
	uid_t uid;
	gid_t gid;
	int expect;
};

static int child_perm_send(void *arg)
{
	const struct perm_case *c = arg;
	int ret;

	char reply[8];

	CHILD_CHECK(tu_become(c->uid, c->gid) == 0);
	/* A call checks the same: allowed, it is sent and withdrawn at once. */
	ret = (int)msgport_call_pid(tu_mp(), c->to, "hi", 2, reply, sizeof(reply), 0,
				    MSGPORT_F_NONBLOCK, 0, NULL);
	if (ret != (c->expect ? c->expect : -ETIMEDOUT))
		fprintf(stderr, "call %d as %u:%u: %d, expected %d\n", (int)c->to, c->uid,
			c->gid, ret, c->expect ? c->expect : -ETIMEDOUT);
	CHILD_CHECK(ret == (c->expect ? c->expect : -ETIMEDOUT));
	ret = send_pid_raw(c->to, "hi", 0, MSGPORT_F_NONBLOCK);
	if (ret != c->expect)
		fprintf(stderr, "send to %d as %u:%u: %d, expected %d\n", (int)c->to, c->uid,
			c->gid, ret, c->expect);
	CHILD_CHECK(ret == c->expect);
	return 0;
}

static void check_perm(pid_t to, uid_t uid, gid_t gid, int expect)
{
	struct perm_case c = { .to = to, .uid = uid, .gid = gid, .expect = expect };

	assert_child_ok(tu_fork(child_perm_send, &c));
}

struct owned_inbox {
	struct ctl ctl;
	uid_t uid;
};

/* Child: as uid:uid, open an inbox (mode 0600), then receive what comes. */
static int child_owned_inbox(void *arg)
{
	struct owned_inbox *o = arg;
	struct msgport_mailbox *in;
	char buf[8];

	CHILD_CHECK(tu_become(o->uid, o->uid) == 0);
	CHILD_CHECK(msgport_inbox_open(tu_mp(), NULL, 0, &in) == 0);
	CHILD_CHECK(child_report(&o->ctl, 1) == 0);
	CHILD_CHECK(child_wait_go(&o->ctl) == 0);
	CHILD_CHECK(child_report(&o->ctl, (int)msgport_recv(in, buf, sizeof(buf),
							    MSGPORT_F_NONBLOCK,
							    MSGPORT_WAIT_FOREVER, NULL)) == 0);
	msgport_mailbox_close(in);
	return 0;
}

/*
 * Who may send: the owner's euid, CAP_IPC_OWNER, and who the mode's group
 * and other write bits admit; tested as unprivileged users.
 */
static void test_permissions(void **state)
{
	struct owned_inbox o = { .uid = TU_NOBODY };
	struct msgport_mailbox *in = tu_inbox(NULL);	/* root's, mode 0600 */
	pid_t owner;

	check_perm(getpid(), TU_NOBODY, TU_NOBODY, -EACCES);
	check_perm(getpid(), 1000, 0, -EACCES);		/* group 0, no group bit */
	assert_int_equal(msgport_mailbox_chmod(in, 0620), 0);
	check_perm(getpid(), 1000, 0, 0);		/* group write bit */
	check_perm(getpid(), TU_NOBODY, TU_NOBODY, -EACCES);
	assert_int_equal(msgport_mailbox_chmod(in, 0602), 0);
	check_perm(getpid(), TU_NOBODY, TU_NOBODY, 0);	/* other write bit */
	check_perm(getpid(), 1000, 0, -EACCES);		/* group bits apply to the group */
	assert_await(in, TU_QUEUED_MSGS, 2);

	/* An unprivileged owner: its own uid may send, others not, root may. */
	ctl_init(&o.ctl);
	owner = tu_fork(child_owned_inbox, &o);
	assert_int_equal(ctl_wait(&o.ctl), 1);
	check_perm(owner, TU_NOBODY, TU_NOBODY, 0);
	check_perm(owner, 1000, 1000, -EACCES);
	check_perm(owner, 1000, TU_NOBODY, -EACCES);
	check_perm(owner, 0, 0, 0);
	ctl_go(&o.ctl);
	assert_int_equal(ctl_wait(&o.ctl), 2);	/* it got a message */
	assert_child_ok(owner);
}

struct interleave {
	struct ctl ctl[3];
	pid_t to;
};

/*
 * Child i: on each "go", send the next message "<A+i>.<n>" (count of them,
 * priority prio), then on one more "go" exit: alive while the parent filters.
 */
static int child_step_sender(struct interleave *iv, int i, int count, unsigned int prio)
{
	char text[16];
	int n;

	for (n = 1; n <= count; n++) {
		CHILD_CHECK(child_wait_go(&iv->ctl[i]) == 0);
		snprintf(text, sizeof(text), "%c.%d", 'A' + i, n);
		CHILD_CHECK(send_pid_raw(iv->to, text, prio, 0) == 0);
		CHILD_CHECK(child_report(&iv->ctl[i], n) == 0);
	}
	CHILD_CHECK(child_wait_go(&iv->ctl[i]) == 0);
	return 0;
}

static int child_a(void *arg)
{
	return child_step_sender(arg, 0, 3, 0);
}

static int child_b(void *arg)
{
	return child_step_sender(arg, 1, 3, 0);
}

static int child_c(void *arg)
{
	return child_step_sender(arg, 2, 3, 0);
}

/*
 * Symmetric addressing: three senders interleave A.1 B.1 C.1 A.2 ...;
 * receiving from B gives B's in order and leaves the others queued in
 * theirs; receiving from any then gives A's and C's as they came.
 */
static void test_filter_interleaved(void **state)
{
	static int (*const fn[3])(void *) = { child_a, child_b, child_c };
	struct interleave iv = { .to = getpid() };
	struct msgport_mailbox *in = tu_inbox(NULL);
	char text[16];
	pid_t pid[3];
	int i, n;

	for (i = 0; i < 3; i++) {
		ctl_init(&iv.ctl[i]);
		pid[i] = tu_fork(fn[i], &iv);
	}
	for (n = 1; n <= 3; n++) {
		for (i = 0; i < 3; i++) {
			ctl_go(&iv.ctl[i]);
			assert_int_equal(ctl_wait(&iv.ctl[i]), n);
		}
	}
	assert_await(in, TU_QUEUED_MSGS, 9);

	expect_msg(in, pid[1], "B.1", pid[1]);
	expect_msg(in, pid[1], "B.2", pid[1]);
	expect_msg(in, pid[1], "B.3", pid[1]);
	assert_int_equal(msgport_recv_from(in, pid[1], text, sizeof(text), MSGPORT_F_NONBLOCK,
					   MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
	expect_msg(in, pid[2], "C.1", pid[2]);
	for (n = 1; n <= 3; n++) {
		snprintf(text, sizeof(text), "A.%d", n);
		expect_msg(in, 0, text, pid[0]);
		if (n > 1) {
			snprintf(text, sizeof(text), "C.%d", n);
			expect_msg(in, 0, text, pid[2]);
		}
	}
	assert_await(in, TU_QUEUED_MSGS, 0);

	for (i = 0; i < 3; i++) {
		ctl_go(&iv.ctl[i]);
		assert_child_ok(pid[i]);
	}
	/* A reaped sender's pid names no process any more: ESRCH. */
	assert_int_equal(msgport_recv_from(in, pid[1], text, sizeof(text), MSGPORT_F_NONBLOCK,
					   MSGPORT_WAIT_FOREVER, NULL), -ESRCH);
}

/* Within one sender, priority still comes first. */
static int child_prio_sender(void *arg)
{
	pid_t to = *(pid_t *)arg;

	CHILD_CHECK(send_pid_raw(to, "lo", 1, 0) == 0);
	CHILD_CHECK(send_pid_raw(to, "hi", 9, 0) == 0);
	pause();
	return 0;
}

static void test_filter_priority(void **state)
{
	struct msgport_mailbox *in = tu_inbox(NULL);
	pid_t me = getpid(), child;

	assert_int_equal(send_pid_raw(me, "mine", 20, 0), 0);
	child = tu_fork(child_prio_sender, &me);
	assert_await(in, TU_QUEUED_MSGS, 3);
	expect_msg(in, child, "hi", child);
	expect_msg(in, child, "lo", child);
	expect_msg(in, me, "mine", me);
}

struct blocked_recv {
	struct msgport_mailbox *in;
	struct ctl ctl;
	pid_t from;
	unsigned int flags;
};

/* Child: one blocking receive through the inherited inbox descriptor. */
static int child_blocked_recv(void *arg)
{
	struct blocked_recv *b = arg;
	struct msgport_msginfo info;
	char buf[32];
	ssize_t n;

	n = msgport_recv_from(b->in, b->from, buf, sizeof(buf), b->flags, LONG_NS, &info);
	if (n < 0)
		fprintf(stderr, "blocked recv: %s\n", msgport_strerror((int)n));
	CHILD_CHECK(n >= 0 && n < 32);
	CHILD_CHECK(child_report(&b->ctl, (int)info.pid) == 0);
	CHILD_CHECK(write(b->ctl.done[1], buf, (size_t)n) == n);
	return 0;
}

static void expect_report(struct blocked_recv *b, pid_t sender, const char *text)
{
	char buf[32];
	size_t len = strlen(text);

	assert_int_equal(ctl_wait(&b->ctl), sender);
	assert_int_equal(read(b->ctl.done[0], buf, len), (ssize_t)len);
	assert_memory_equal(buf, text, len);
}

static int child_send_on_go(void *arg)
{
	struct interleave *iv = arg;

	return child_step_sender(iv, 1, 1, 0);
}

/*
 * Blocked filtering receivers: a message goes to the first waiter that
 * wants it (hand-off past a receiver waiting for another sender), and a
 * filtered receiver kicked for a message it does not want passes the turn
 * to the one behind it (here a peeker, which then sees it).
 */
static void test_filter_blocked(void **state)
{
	struct msgport_mailbox *in = tu_inbox(NULL);
	struct interleave iv = { .to = getpid() };
	struct blocked_recv r1 = { .in = in }, r2 = { .in = in }, r3 = { .in = in };
	pid_t b, p1, p2, p3;

	ctl_init(&iv.ctl[1]);
	b = tu_fork(child_send_on_go, &iv);

	/* r1 waits for B only, r2 for anyone. */
	r1.from = b;
	ctl_init(&r1.ctl);
	p1 = tu_fork(child_blocked_recv, &r1);
	assert_await(in, TU_WAITING_RECEIVERS, 1);
	ctl_init(&r2.ctl);
	p2 = tu_fork(child_blocked_recv, &r2);
	assert_await(in, TU_WAITING_RECEIVERS, 2);

	/* Ours goes past r1 to r2. */
	assert_int_equal(send_pid_raw(getpid(), "P.1", 0, 0), 0);
	expect_report(&r2, getpid(), "P.1");
	assert_child_ok(p2);
	assert_await(in, TU_WAITING_RECEIVERS, 1);

	/* r3 peeks at anything: r1, kicked first, passes the turn. */
	r3.flags = MSGPORT_F_PEEK;
	ctl_init(&r3.ctl);
	p3 = tu_fork(child_blocked_recv, &r3);
	assert_await(in, TU_WAITING_RECEIVERS, 2);
	assert_int_equal(send_pid_raw(getpid(), "P.2", 0, 0), 0);
	expect_report(&r3, getpid(), "P.2");
	assert_child_ok(p3);
	assert_await(in, TU_WAITING_RECEIVERS, 1);
	assert_await(in, TU_QUEUED_MSGS, 1);

	/* B's message reaches r1, which kept waiting all along. */
	ctl_go(&iv.ctl[1]);
	assert_int_equal(ctl_wait(&iv.ctl[1]), 1);
	expect_report(&r1, b, "B.1");
	assert_child_ok(p1);
	ctl_go(&iv.ctl[1]);
	assert_child_ok(b);
	expect_msg(in, 0, "P.2", getpid());
}

/* Voluntary context switches of task pid so far (-1 if unknown). */
static long ctxt_switches(pid_t pid)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int child_x(void *arg)
{
	return child_step_sender(arg, 0, 1, 0);
}

static int child_y(void *arg)
{
	return child_step_sender(arg, 1, 1, 0);
}

/*
 * Receivers waiting for senders that have not sent stay asleep while other
 * messages queue up (they are not woken in turn for messages they do not
 * want), and each wakes when its sender sends.
 */
static void test_filter_waiters_sleep(void **state)
{
	struct msgport_mailbox *in = tu_inbox(NULL);
	struct interleave iv = { .to = getpid() };
	struct blocked_recv r1 = { .in = in }, r2 = { .in = in };
	long before1, before2, after1, after2;
	pid_t x, y, p1, p2;
	int i;

	ctl_init(&iv.ctl[0]);
	ctl_init(&iv.ctl[1]);
	x = tu_fork(child_x, &iv);
	y = tu_fork(child_y, &iv);
	r1.from = x;
	r2.from = y;
	ctl_init(&r1.ctl);
	ctl_init(&r2.ctl);
	p1 = tu_fork(child_blocked_recv, &r1);
	assert_await(in, TU_WAITING_RECEIVERS, 1);
	p2 = tu_fork(child_blocked_recv, &r2);
	assert_await(in, TU_WAITING_RECEIVERS, 2);
	assert_int_equal(tu_await_sleeping(p1, TU_AWAIT_MS), 0);
	assert_int_equal(tu_await_sleeping(p2, TU_AWAIT_MS), 0);
	before1 = ctxt_switches(p1);
	before2 = ctxt_switches(p2);
	for (i = 0; i < 3; i++)
		assert_int_equal(send_pid_raw(getpid(), "P", 0, 0), 0);
	usleep(300 * 1000);
	after1 = ctxt_switches(p1);
	after2 = ctxt_switches(p2);
	assert_true(before1 >= 0 && before2 >= 0);
	if (after1 - before1 > 3 || after2 - before2 > 3)
		fail_msg("filtering receivers woke for messages they do not want: %ld and %ld "
			 "context switches", after1 - before1, after2 - before2);
	assert_await(in, TU_QUEUED_MSGS, 3);
	assert_await(in, TU_WAITING_RECEIVERS, 2);

	ctl_go(&iv.ctl[1]);
	assert_int_equal(ctl_wait(&iv.ctl[1]), 1);
	expect_report(&r2, y, "B.1");
	ctl_go(&iv.ctl[0]);
	assert_int_equal(ctl_wait(&iv.ctl[0]), 1);
	expect_report(&r1, x, "A.1");
	assert_child_ok(p1);
	assert_child_ok(p2);
	ctl_go(&iv.ctl[0]);
	ctl_go(&iv.ctl[1]);
	assert_child_ok(x);
	assert_child_ok(y);
	for (i = 0; i < 3; i++)
		expect_msg(in, 0, "P", getpid());
}

/* poll(2) on an inbox: readable when a message waits. */
static void test_inbox_poll(void **state)
{
	struct msgport_mailbox *in = tu_inbox(NULL);
	struct pollfd p = { .fd = msgport_mailbox_fd(in), .events = POLLIN };

	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(send_pid_raw(getpid(), "ping", 0, 0), 0);
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_true(p.revents & POLLIN);
	expect_msg(in, 0, "ping", getpid());
}

struct nsdirect {
	int pipe_wr;		/* the inner process's pid, as the runner sees it */
	int go_rd;		/* the runner says it has sent */
	pid_t runner;
};

/* In a new pid namespace, as its pid 1. */
static int inner_pidns(const struct nsdirect *p)
{
	struct msgport_mailbox *in;
	struct msgport_msginfo info;
	char buf[32], b;
	pid_t child;
	int status;

	CHILD_CHECK(getpid() == 1);
	/* Not before the runner has read our pid from the pipe we share. */
	CHILD_CHECK(read(p->go_rd, &b, 1) == 1);
	CHILD_CHECK(msgport_inbox_open(tu_mp(), NULL, 0, &in) == 0);
	/* The runner's pid means nothing here (or someone else). */
	CHILD_CHECK(send_pid_raw(p->runner, "x", 0, 0) == -ESRCH);
	/* Pid 1 is us. */
	CHILD_CHECK(send_pid_raw(1, "to-one", 0, 0) == 0);
	CHILD_CHECK(msgport_recv(in, buf, sizeof(buf), 0, LONG_NS, &info) == 6);
	CHILD_CHECK(info.pid == 1);
	/* Our child, pid 2 here, sends to pid 1. */
	child = fork();
	CHILD_CHECK(child >= 0);
	if (child == 0)
		_exit(send_pid_raw(1, "from-two", 0, 0) ? 1 : 0);
	CHILD_CHECK(child == 2);
	CHILD_CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0);
	CHILD_CHECK(msgport_recv(in, buf, sizeof(buf), 0, LONG_NS, &info) == 8);
	CHILD_CHECK(!memcmp(buf, "from-two", 8) && info.pid == 2);

	/* The runner, outside, sends to our global pid: sender not visible. */
	CHILD_CHECK(write(p->pipe_wr, "r", 1) == 1);
	CHILD_CHECK(read(p->go_rd, &b, 1) == 1);
	CHILD_CHECK(msgport_recv(in, buf, sizeof(buf), 0, LONG_NS, &info) == 11);
	CHILD_CHECK(!memcmp(buf, "from-runner", 11));
	if (info.pid != 0)
		fprintf(stderr, "pidns: runner seen as %d\n", info.pid);
	CHILD_CHECK(info.pid == 0 && info.tid == 0);
	msgport_mailbox_close(in);
	return 0;
}

static int child_pidns(void *arg)
{
	const struct nsdirect *p = arg;
	pid_t pid;
	int status;

	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	pid = fork();
	CHILD_CHECK(pid >= 0);
	if (pid == 0)
		_exit(inner_pidns(p));
	CHILD_CHECK(write(p->pipe_wr, &pid, sizeof(pid)) == sizeof(pid));
	CHILD_CHECK(waitpid(pid, &status, 0) == pid);
	CHILD_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}

/* Pids are the sender's: translated in and out of a pid namespace. */
static void test_pid_namespace(void **state)
{
	struct nsdirect p = { .runner = getpid() };
	int up[2], down[2];
	pid_t inner = 0, outer;
	char b;

	assert_int_equal(pipe2(up, O_CLOEXEC), 0);
	assert_int_equal(pipe2(down, O_CLOEXEC), 0);
	tu_track_fd(up[0]);
	tu_track_fd(up[1]);
	tu_track_fd(down[0]);
	tu_track_fd(down[1]);
	p.pipe_wr = up[1];
	p.go_rd = down[0];
	outer = tu_fork(child_pidns, &p);
	assert_int_equal(read(up[0], &inner, sizeof(inner)), sizeof(inner));
	assert_int_equal(write(down[1], "s", 1), 1);
	assert_int_equal(read(up[0], &b, 1), 1);
	assert_int_equal(send_pid_raw(inner, "from-runner", 0, 0), 0);
	assert_int_equal(write(down[1], "g", 1), 1);
	assert_child_ok(outer);
}

static const struct CMUnitTest direct_tests[] = {
	TU_TEST(test_inbox_once),
	TU_TEST(test_send_recv),
	TU_TEST(test_send_errors),
	TU_TEST(test_inbox_capacities),
	TU_TEST(test_inbox_abi),
	TU_TEST(test_permissions),
	TU_TEST(test_filter_interleaved),
	TU_TEST(test_filter_priority),
	TU_TEST(test_filter_blocked),
	TU_TEST(test_filter_waiters_sleep),
	TU_TEST(test_inbox_poll),
	TU_TEST(test_pid_namespace),
};

MSGPORT_SUITE(direct_suite, MSGPORT_GROUP_MODULE, 1400, "direct",
	      "inboxes, send to a pid, receive from a pid (symmetric), errnos, permissions, pid ns",
	      direct_tests);
