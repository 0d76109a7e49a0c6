// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "mailbox-signal": signals during blocked sends and receives.
 * Without SA_RESTART the call fails with EINTR (and a synchronous or
 * rendezvous message is withdrawn); with SA_RESTART it restarts, and a timed
 * wait restarts with the remaining time (written back to timeout_ns), so it
 * ends after about the original timeout however many signals arrive.  Stop
 * and continue do not disturb a wait; SIGKILL ends it.
 *
 * A child process sends the signals to the runner, each time after stat
 * shows the runner waiting; the handler counts them in shared memory.
 */
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "msgport_test.h"

#define MS		1000000ULL
#define LONG_NS		(30ULL * 1000000000ULL)
#define RESTART_NS	(600ULL * MS)	/* the timed wait that gets interrupted */

struct shared {
	volatile int handled;		/* signals the runner handled */
	volatile int done;		/* the runner's call returned */
};

static struct shared *shm;

static void on_signal(int sig)
{
	__atomic_add_fetch(&shm->handled, 1, __ATOMIC_SEQ_CST);
}

static void setup_signal(bool restart)
{
	struct sigaction sa;

	if (!shm) {
		shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			   -1, 0);
		assert_true(shm != MAP_FAILED);
	}
	memset((void *)shm, 0, sizeof(*shm));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
}

static void restore_signal(void)
{
	signal(SIGUSR1, SIG_DFL);
}

struct signaller {
	struct msgport_mailbox *mb;
	enum tu_stat_field field;	/* what shows the runner waiting */
	int count;			/* signals to send; 0: until shm->done */
	const char *then_send;		/* afterwards, send this (or NULL) */
};

/* Child: whenever the runner waits, signal it; optionally send a message at the end. */
static int child_signaller(void *arg)
{
	struct signaller *s = arg;
	pid_t parent = getppid();
	uint64_t stop = tu_now_ns() + 4 * RESTART_NS;
	int sent = 0;

	while (!shm->done && (s->count == 0 ? tu_now_ns() < stop : sent < s->count)) {
		int r = tu_await_stat(msgport_mailbox_fd(s->mb), s->field, 1, 200);

		if (r == -ETIMEDOUT)
			continue;
		CHILD_CHECK(r == 0);
		CHILD_CHECK(kill(parent, SIGUSR1) == 0);
		sent++;
		/* Let the runner handle it before looking again. */
		while (!shm->done && shm->handled < sent)
			usleep(1000);
		usleep(10000);
	}
	if (s->then_send)
		CHILD_CHECK(msgport_send(s->mb, s->then_send, strlen(s->then_send), 0,
					 MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, NULL) == 0);
	return 0;
}

static struct msgport_stat stat_of(struct msgport_mailbox *mb)
{
	struct msgport_stat st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	return st;
}

/* Blocking and timed receive: EINTR without SA_RESTART. */
static void test_recv_eintr(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("recvintr"), 4, 0, 0600, 0);
	struct signaller s = { .mb = mb, .field = TU_WAITING_RECEIVERS, .count = 1 };
	char buf[8];
	pid_t pid;

	setup_signal(false);
	pid = tu_fork(child_signaller, &s);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), -EINTR);
	assert_int_equal(shm->handled, 1);
	assert_child_ok(pid);

	setup_signal(false);
	pid = tu_fork(child_signaller, &s);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, (int64_t)LONG_NS, NULL), -EINTR);
	assert_int_equal(shm->handled, 1);
	assert_child_ok(pid);
	assert_int_equal(stat_of(mb).waiting_receivers, 0);
	restore_signal();
}

/* Blocked send on a full mailbox: EINTR, and the message was not queued. */
static void test_send_eintr(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("sendintr"), 1, 0, 0600, 0);
	struct signaller s = { .mb = mb, .field = TU_WAITING_SENDERS, .count = 1 };
	char buf[8];
	pid_t pid;

	assert_int_equal(msgport_send(mb, "full", 4, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	setup_signal(false);
	pid = tu_fork(child_signaller, &s);
	assert_int_equal(msgport_send(mb, "late", 4, 0, 0, MSGPORT_WAIT_FOREVER, NULL), -EINTR);
	assert_int_equal(shm->handled, 1);
	assert_child_ok(pid);
	restore_signal();

	assert_int_equal(stat_of(mb).queued_msgs, 1);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), 4);
	assert_memory_equal(buf, "full", 4);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
}

/* Interrupted synchronous and rendezvous sends withdraw their message. */
static void test_sync_and_rendezvous_eintr_withdrawn(void **state)
{
	struct msgport_mailbox *ms = tu_create(tu_name("syncintr"), 4, 0, 0600, 0);
	struct msgport_mailbox *mr = tu_create(tu_name("rdvintr"), 0, 0, 0600, 0);
	struct signaller s = { .field = TU_WAITING_SENDERS, .count = 1 };
	char buf[8];
	pid_t pid;

	setup_signal(false);
	s.mb = ms;
	pid = tu_fork(child_signaller, &s);
	assert_int_equal(msgport_send(ms, "sync", 4, 0, MSGPORT_F_SYNC, MSGPORT_WAIT_FOREVER, NULL),
			 -EINTR);
	assert_child_ok(pid);
	assert_int_equal(stat_of(ms).queued_msgs, 0);
	assert_int_equal(msgport_recv(ms, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);

	setup_signal(false);
	s.mb = mr;
	pid = tu_fork(child_signaller, &s);
	assert_int_equal(msgport_send(mr, "rdv", 3, 0, 0, (int64_t)LONG_NS, NULL), -EINTR);
	assert_child_ok(pid);
	assert_int_equal(stat_of(mr).waiting_senders, 0);
	assert_int_equal(msgport_recv(mr, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
	assert_int_equal(stat_of(mr).received, 0);
	restore_signal();
}

/* SA_RESTART: an untimed receive survives signals and gets the message. */
static void test_restart_untimed_recv(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("restart"), 4, 0, 0600, 0);
	struct signaller s = { .mb = mb, .field = TU_WAITING_RECEIVERS, .count = 3,
			       .then_send = "after signals" };
	struct msgport_msginfo info;
	char buf[32];
	pid_t pid;

	setup_signal(true);
	pid = tu_fork(child_signaller, &s);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, &info), 13);
	assert_memory_equal(buf, "after signals", 13);
	assert_int_equal(shm->handled, 3);
	assert_child_ok(pid);
	restore_signal();
}

/*
 * SA_RESTART and a timed wait, raw: signals keep arriving while the call
 * waits; it must end with ETIMEDOUT after about the original timeout (not
 * restarted from zero each time: < 2x), with the remaining time written
 * back to timeout_ns.
 */
static void timed_restart(struct msgport_mailbox *mb, bool send)
{
	struct signaller s = { .mb = mb, .count = 0 };
	uint64_t t0, elapsed, left;
	pid_t pid;
	int ret;

	setup_signal(true);
	s.field = send ? TU_WAITING_SENDERS : TU_WAITING_RECEIVERS;
	pid = tu_fork(child_signaller, &s);
	t0 = tu_now_ns();
	if (send) {
		struct msgport_send a;

		memset(&a, 0, sizeof(a));
		a.buf = (uintptr_t)"x";
		a.len = 1;
		a.flags = MSGPORT_F_TIMEOUT;
		a.timeout_ns = RESTART_NS;
		ret = tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_SEND, &a);
		left = a.timeout_ns;
	} else {
		struct msgport_recv a;
		char buf[8];

		memset(&a, 0, sizeof(a));
		a.buf = (uintptr_t)buf;
		a.buf_len = sizeof(buf);
		a.flags = MSGPORT_F_TIMEOUT;
		a.timeout_ns = RESTART_NS;
		ret = tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_RECV, &a);
		left = a.timeout_ns;
	}
	elapsed = tu_now_ns() - t0;
	shm->done = 1;
	assert_child_ok(pid);
	restore_signal();

	print_message("%s: %d signals, elapsed %llu ms for a %llu ms timeout, %llu ns left\n",
		      send ? "send" : "recv", shm->handled, (unsigned long long)(elapsed / MS),
		      (unsigned long long)(RESTART_NS / MS), (unsigned long long)left);
	assert_int_equal(ret, -ETIMEDOUT);
	assert_true(shm->handled >= 2);
	assert_true(left < RESTART_NS);
	assert_true(elapsed >= RESTART_NS);
	assert_true(elapsed < 2 * RESTART_NS);
}

static void test_restart_timed_recv(void **state)
{
	timed_restart(tu_create(tu_name("trecv"), 4, 0, 0600, 0), false);
}

static void test_restart_timed_send(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("tsend"), 1, 0, 0600, 0);

	assert_int_equal(msgport_send(mb, "full", 4, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	timed_restart(mb, true);
	assert_int_equal(stat_of(mb).queued_msgs, 1);
}

struct waiter {
	struct msgport_mailbox *mb;
	const char *expect;
};

static int child_wait_recv(void *arg)
{
	struct waiter *w = arg;
	char buf[32];
	ssize_t n;

	n = msgport_recv(w->mb, buf, sizeof(buf) - 1, 0, MSGPORT_WAIT_FOREVER, NULL);
	if (n < 0)
		fprintf(stderr, "child recv: %s\n", msgport_strerror((int)n));
	CHILD_CHECK(n >= 0);
	buf[n] = '\0';
	CHILD_CHECK(!strcmp(buf, w->expect));
	return 0;
}

/* SIGSTOP/SIGCONT (no handler) do not disturb a wait; SIGKILL ends it. */
static void test_stop_continue_kill(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("stopkill"), 4, 0, 0600, 0);
	struct waiter w = { .mb = mb, .expect = "still here" };
	pid_t pid;

	pid = tu_fork(child_wait_recv, &w);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	assert_int_equal(kill(pid, SIGCONT), 0);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(msgport_send(mb, "still here", 10, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_child_ok(pid);

	pid = tu_fork(child_wait_recv, &w);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(tu_join(pid), 128 + SIGKILL);
	assert_await(mb, TU_WAITING_RECEIVERS, 0);
	/* Nothing was taken by the dead waiter. */
	assert_int_equal(msgport_send(mb, "x", 1, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(stat_of(mb).queued_msgs, 1);
}

struct rdv_sender {
	struct msgport_mailbox *mb;
	unsigned int flags;
};

static int child_rdv_send(void *arg)
{
	struct rdv_sender *r = arg;

	msgport_send(r->mb, "ghost", 5, 0, r->flags, MSGPORT_WAIT_FOREVER, NULL);
	return 0;
}

/* A sender killed while it waits leaves no message behind (rendezvous, sync). */
static void test_killed_sender_leaves_nothing(void **state)
{
	struct msgport_mailbox *mr = tu_create(tu_name("killrdv"), 0, 0, 0600, 0);
	struct msgport_mailbox *ms = tu_create(tu_name("killsync"), 4, 0, 0600, 0);
	struct rdv_sender a = { .mb = mr }, b = { .mb = ms, .flags = MSGPORT_F_SYNC };
	char buf[8];
	pid_t pa, pb;

	pa = tu_fork(child_rdv_send, &a);
	pb = tu_fork(child_rdv_send, &b);
	assert_await(mr, TU_WAITING_SENDERS, 1);
	assert_await(ms, TU_WAITING_SENDERS, 1);
	assert_int_equal(kill(pa, SIGKILL), 0);
	assert_int_equal(kill(pb, SIGKILL), 0);
	assert_int_equal(tu_join(pa), 128 + SIGKILL);
	assert_int_equal(tu_join(pb), 128 + SIGKILL);
	assert_await(mr, TU_WAITING_SENDERS, 0);
	assert_await(ms, TU_WAITING_SENDERS, 0);
	assert_int_equal(msgport_recv(mr, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
	assert_int_equal(msgport_recv(ms, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
	assert_int_equal(stat_of(mr).received, 0);
	assert_int_equal(stat_of(ms).received, 0);
	assert_int_equal(stat_of(ms).queued_msgs, 0);
}

static const struct CMUnitTest mailbox_signal_tests[] = {
	TU_TEST(test_recv_eintr),
	TU_TEST(test_send_eintr),
	TU_TEST(test_sync_and_rendezvous_eintr_withdrawn),
	TU_TEST(test_restart_untimed_recv),
	TU_TEST(test_restart_timed_recv),
	TU_TEST(test_restart_timed_send),
	TU_TEST(test_stop_continue_kill),
	TU_TEST(test_killed_sender_leaves_nothing),
};

MSGPORT_SUITE(mailbox_signal_suite, MSGPORT_GROUP_MODULE, 500, "mailbox-signal",
	      "EINTR, SA_RESTART with the remaining time, withdrawal, stop/continue, kill",
	      mailbox_signal_tests);
