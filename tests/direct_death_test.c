// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "direct-death": an inbox's lifetime.  When its owner closes it or
 * exits, senders blocked on it (for room, or for a receipt) wake with
 * ECONNRESET, queued messages are dropped and counted, and later sends get
 * ECONNREFUSED (ESRCH once the process is reaped).  A forked child shares
 * the descriptor (and may receive from it) but does not own the inbox; dup
 * keeps it open; exec closes a close-on-exec inbox; only the owner's live
 * descriptor tables count, so a thread's private table closing (at its
 * exit, or the leader's after a thread unshared) leaves it open while
 * another thread of the owner holds it.  A pid number reused by
 * a new process never receives the dead process's mail, and a receiver
 * filtering on the new process never gets the old one's messages.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"

#define LONG_NS		(30LL * 1000000000LL)

struct owner {
	int go[2];		/* parent -> owner: next step */
	int done[2];		/* owner -> parent: a report */
	int kgo[2];		/* parent -> the owner's keeper child */
	uint32_t capacity;
	uint64_t await_senders;		/* exit once this many senders wait */
	struct msgport_mailbox *in;	/* the owner's inbox (in the owner) */
};

static void owner_init(struct owner *o, uint32_t capacity)
{
	assert_int_equal(pipe2(o->go, O_CLOEXEC), 0);
	assert_int_equal(pipe2(o->done, O_CLOEXEC), 0);
	assert_int_equal(pipe2(o->kgo, O_CLOEXEC), 0);
	tu_track_fd(o->kgo[0]);
	tu_track_fd(o->kgo[1]);
	tu_track_fd(o->go[0]);
	tu_track_fd(o->go[1]);
	tu_track_fd(o->done[0]);
	tu_track_fd(o->done[1]);
	o->capacity = capacity;
}

static void go(struct owner *o)
{
	assert_int_equal(write(o->go[1], "g", 1), 1);
}

static int report(struct owner *o)
{
	int v = -1;

	assert_int_equal(read(o->done[0], &v, sizeof(v)), sizeof(v));
	return v;
}

static int child_wait(struct owner *o)
{
	char b;

	return read(o->go[0], &b, 1) == 1 ? 0 : -1;
}

static int child_report(struct owner *o, int v)
{
	return write(o->done[1], &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

static int open_inbox(struct owner *o)
{
	struct msgport_attr attr = { .capacity = o->capacity, .mode = 0600 };

	return msgport_inbox_open(tu_mp(), &attr, 0, &o->in);
}

static int send_to(pid_t pid, const char *text, unsigned int flags)
{
	return msgport_send_pid(tu_mp(), pid, text, strlen(text), 0, flags, LONG_NS, NULL);
}

/* Owner: open the inbox, report, then exit on "go". */
static int child_owner_exits(void *arg)
{
	struct owner *o = arg;

	CHILD_CHECK(open_inbox(o) == 0);
	CHILD_CHECK(child_report(o, 1) == 0);
	CHILD_CHECK(child_wait(o) == 0);
	CHILD_CHECK(tu_await_stat(msgport_mailbox_fd(o->in), TU_WAITING_SENDERS,
				  o->await_senders, TU_AWAIT_MS) == 0);
	return 0;	/* exit closes the inbox */
}

/*
 * Owner: open, report; on "go" close it (and report); on "go" open a new
 * one (report); on "go" report the length of what it receives.
 */
static int child_owner_closes(void *arg)
{
	struct owner *o = arg;
	char buf[16];

	CHILD_CHECK(open_inbox(o) == 0);
	CHILD_CHECK(child_report(o, 1) == 0);
	CHILD_CHECK(child_wait(o) == 0);
	msgport_mailbox_close(o->in);
	CHILD_CHECK(child_report(o, 2) == 0);
	CHILD_CHECK(child_wait(o) == 0);
	CHILD_CHECK(open_inbox(o) == 0);
	CHILD_CHECK(child_report(o, 3) == 0);
	CHILD_CHECK(child_wait(o) == 0);
	CHILD_CHECK(child_report(o, (int)msgport_recv(o->in, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
						      MSGPORT_WAIT_FOREVER, NULL)) == 0);
	CHILD_CHECK(msgport_recv(o->in, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				 MSGPORT_WAIT_FOREVER, NULL) == -EAGAIN);
	return 0;
}

/* Closing refuses later sends; what was queued dies with it. */
static void test_close_refuses(void **state)
{
	struct owner o;
	pid_t p;

	owner_init(&o, 4);
	p = tu_fork(child_owner_closes, &o);
	assert_int_equal(report(&o), 1);
	assert_int_equal(send_to(p, "old", 0), 0);
	go(&o);
	assert_int_equal(report(&o), 2);
	assert_int_equal(send_to(p, "x", 0), -ECONNREFUSED);
	go(&o);
	assert_int_equal(report(&o), 3);
	assert_int_equal(send_to(p, "new!", 0), 0);
	go(&o);
	assert_int_equal(report(&o), 4);	/* "new!", never "old" */
	assert_child_ok(p);
}

struct blocked_sender {
	pid_t to;
	unsigned int flags;
};

static int child_blocked_send(void *arg)
{
	const struct blocked_sender *s = arg;
	int ret = send_to(s->to, "waits", s->flags);

	if (ret != -ECONNRESET)
		fprintf(stderr, "blocked send: %d (%s), expected ECONNRESET\n", ret,
			msgport_strerror(ret));
	CHILD_CHECK(ret == -ECONNRESET);
	return 0;
}

/*
 * The owner exits while a sender waits: for room in a full inbox, for the
 * receipt of a synchronous send, on a rendezvous inbox.
 */
static void blocked_sender_case(uint32_t capacity, int fill, unsigned int flags)
{
	struct blocked_sender s = { .flags = flags };
	struct owner o;
	pid_t p, sender;

	owner_init(&o, capacity);
	o.await_senders = 1;
	p = tu_fork(child_owner_exits, &o);
	assert_int_equal(report(&o), 1);
	if (fill)
		assert_int_equal(send_to(p, "fill", 0), 0);
	s.to = p;
	sender = tu_fork(child_blocked_send, &s);
	assert_int_equal(tu_await_sleeping(sender, TU_AWAIT_MS), 0);
	go(&o);
	assert_child_ok(p);
	assert_child_ok(sender);
	/* Reaped: the pid names nothing now. */
	assert_int_equal(send_to(p, "x", MSGPORT_F_NONBLOCK), -ESRCH);
}

static void test_exit_wakes_blocked_sender(void **state)
{
	blocked_sender_case(1, 1, 0);
}

static void test_exit_wakes_sync_sender(void **state)
{
	blocked_sender_case(4, 0, MSGPORT_F_SYNC);
}

static void test_exit_wakes_rendezvous_sender(void **state)
{
	blocked_sender_case(0, 0, 0);
}

/* Owner: open, fork a keeper that inherits the descriptor, report, exit. */
static int child_owner_with_keeper(void *arg)
{
	struct owner *o = arg;
	struct msgport_mailbox *own;
	struct msgport_stat st;
	char buf[8];
	pid_t k;

	CHILD_CHECK(open_inbox(o) == 0);
	k = fork();
	CHILD_CHECK(k >= 0);
	if (k == 0) {
		/* The keeper: not the owner; its copy keeps the file, not the inbox. */
		char b;

		/* Told once the owner was reaped. */
		CHILD_CHECK(read(o->kgo[0], &b, 1) == 1);
		CHILD_CHECK(msgport_mailbox_stat(o->in, &st) == 0);
		if (st.dropped != 3 || st.queued_msgs != 0)
			fprintf(stderr, "keeper: dropped %llu queued %llu\n",
				(unsigned long long)st.dropped,
				(unsigned long long)st.queued_msgs);
		CHILD_CHECK(st.flags == (MSGPORT_STAT_INBOX | MSGPORT_STAT_UNLINKED));
		CHILD_CHECK(st.dropped == 3 && st.queued_msgs == 0 && st.received == 1);
		CHILD_CHECK(msgport_recv(o->in, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
					 MSGPORT_WAIT_FOREVER, NULL) == -ECONNRESET);
		/* It may open its own. */
		CHILD_CHECK(msgport_inbox_open(tu_mp(), NULL, 0, &own) == 0);
		msgport_mailbox_close(own);
		_exit(child_report(o, 7) ? 1 : 0);
	}
	CHILD_CHECK(child_report(o, (int)k) == 0);
	CHILD_CHECK(child_wait(o) == 0);
	/* The keeper could receive as well: it shares the descriptor. */
	CHILD_CHECK(msgport_recv(o->in, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				 MSGPORT_WAIT_FOREVER, NULL) == 1);
	return 0;
}

/*
 * The owner exits with messages queued while a forked child still holds
 * the descriptor: the inbox closes anyway, the messages are dropped and
 * counted, the child's receive gets ECONNRESET; sends to the zombie get
 * ECONNREFUSED, to the reaped pid ESRCH.
 */
static void test_exit_drops_queued(void **state)
{
	siginfo_t si;
	struct owner o;
	pid_t p, keeper;

	owner_init(&o, 8);
	p = tu_fork(child_owner_with_keeper, &o);
	keeper = report(&o);
	assert_true(keeper > 0);
	assert_int_equal(send_to(p, "0", 0), 0);
	assert_int_equal(send_to(p, "1", 0), 0);
	assert_int_equal(send_to(p, "2", 0), 0);
	assert_int_equal(send_to(p, "3", 0), 0);
	go(&o);				/* the owner receives one, then exits */
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(send_to(p, "x", MSGPORT_F_NONBLOCK), -ECONNREFUSED);
	assert_child_ok(p);
	assert_int_equal(send_to(p, "x", MSGPORT_F_NONBLOCK), -ESRCH);
	assert_int_equal(write(o.kgo[1], "k", 1), 1);
	assert_int_equal(report(&o), 7);	/* the keeper's checks passed */
}

static int child_shares(void *arg)
{
	struct msgport_mailbox *in = arg, *own;
	char buf[16];

	/* The inherited descriptor receives what was sent to the parent. */
	CHILD_CHECK(msgport_recv(in, buf, sizeof(buf), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				 NULL) == 8);
	CHILD_CHECK(!memcmp(buf, "for-dad!", 8));
	/* But the inbox is the parent's: the child opens its own. */
	CHILD_CHECK(msgport_inbox_open(tu_mp(), NULL, 0, &own) == 0);
	CHILD_CHECK(send_to(getpid(), "to-me", 0) == 0);
	CHILD_CHECK(msgport_recv(own, buf, sizeof(buf), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				 NULL) == 5);
	CHILD_CHECK(send_to(getppid(), "from-kid", 0) == 0);
	/* Closing its copy does not close the parent's inbox. */
	msgport_mailbox_close(in);
	msgport_mailbox_close(own);
	return 0;
}

static void test_fork_shares_not_owns(void **state)
{
	struct msgport_mailbox *in = tu_inbox(NULL);
	char buf[16];
	pid_t c;

	assert_int_equal(send_to(getpid(), "for-dad!", 0), 0);
	c = tu_fork(child_shares, in);
	assert_child_ok(c);
	assert_int_equal(msgport_recv(in, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), 8);
	assert_memory_equal(buf, "from-kid", 8);
	assert_int_equal(send_to(getpid(), "still", 0), 0);
}

/* dup(2) keeps it open; closing the owner's last descriptor closes it. */
static void test_dup_keeps_open(void **state)
{
	struct msgport_inbox o;
	int fd, fd2;

	memset(&o, 0, sizeof(o));
	o.flags = MSGPORT_O_CLOEXEC;
	o.capacity = 4;
	fd = tu_track_fd(tu_ioctl(tu_devfd(), MSGPORT_IOC_INBOX, &o));
	assert_true(fd >= 0);
	fd2 = tu_track_fd(dup(fd));
	assert_true(fd2 >= 0);
	tu_close_fd(fd);
	assert_int_equal(send_to(getpid(), "kept", 0), 0);
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_INBOX, &o), -EEXIST);
	tu_close_fd(fd2);
	assert_int_equal(send_to(getpid(), "gone", 0), -ECONNREFUSED);
}

static void *thread_private_table(void *arg)
{
	*(pid_t *)arg = gettid();
	/* A table of its own, with a copy of every descriptor: the inbox's. */
	return unshare(CLONE_FILES) ? (void *)(intptr_t)errno : NULL;
}

/*
 * Wait until thread @tid of this process is gone from /proc: released, after
 * its descriptor table was closed (pthread_join() returns earlier, when the
 * thread's memory is let go).
 */
static void await_thread_gone(pid_t tid)
{
	uint64_t deadline = tu_now_ns() + (uint64_t)TU_AWAIT_MS * 1000000ULL;
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
	while (access(path, F_OK) == 0) {
		assert_true(tu_now_ns() < deadline);
		usleep(1000);
	}
	assert_int_equal(errno, ENOENT);
}

/*
 * A thread of the owner with a private descriptor table exits: that table
 * (and its copy of the inbox's descriptor) closes whole, but the process
 * still holds the inbox in the main thread's table.
 */
static void test_thread_table_exit_keeps_open(void **state)
{
	struct msgport_mailbox *in = tu_inbox(NULL);
	char buf[16];
	pthread_t t;
	pid_t tid = 0;
	void *err;

	assert_int_equal(pthread_create(&t, NULL, thread_private_table, &tid), 0);
	assert_int_equal(pthread_join(t, &err), 0);
	assert_null(err);
	await_thread_gone(tid);
	assert_int_equal(send_to(getpid(), "kept", 0), 0);
	assert_int_equal(msgport_recv(in, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), 4);
}

struct leader_exit {
	struct owner *o;
	pthread_barrier_t unshared;
};

static void *thread_outlives_leader(void *arg)
{
	struct leader_exit *le = arg;
	struct owner *o = le->o;
	char buf[16];
	int ok;

	ok = unshare(CLONE_FILES) == 0;
	pthread_barrier_wait(&le->unshared);
	/* The leader has exited and its table closed; the parent sent "0". */
	ok = ok && child_wait(o) == 0;
	ok = ok && msgport_recv(o->in, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				MSGPORT_WAIT_FOREVER, NULL) == 1 && buf[0] == '0';
	child_report(o, ok ? 2 : -2);
	/* The process's last thread, and last table holding the inbox, goes. */
	return NULL;
}

/* Owner: open the inbox; a thread takes a private table; the leader exits. */
static int child_leader_exits(void *arg)
{
	struct leader_exit le = { .o = arg };
	pthread_t t;

	CHILD_CHECK(open_inbox(le.o) == 0);
	CHILD_CHECK(pthread_barrier_init(&le.unshared, NULL, 2) == 0);
	CHILD_CHECK(pthread_create(&t, NULL, thread_outlives_leader, &le) == 0);
	pthread_barrier_wait(&le.unshared);
	CHILD_CHECK(child_report(le.o, 1) == 0);
	/* Only this thread exits (exit(2), not exit_group(2)): the leader's
	 * table closes; le stays on this stack for the other thread. */
	syscall(SYS_exit, 0);
	return 1;
}

/*
 * The leader's exit closes its table whole while another thread of the
 * process holds the inbox in a table of its own: the inbox stays open until
 * that thread, the last of the process, exits too.
 */
static void test_leader_table_exit_keeps_open(void **state)
{
	uint64_t deadline = tu_now_ns() + (uint64_t)TU_AWAIT_MS * 1000000ULL;
	char stat[64], path[64];
	struct owner o;
	siginfo_t si;
	pid_t p;
	FILE *f;

	owner_init(&o, 4);
	p = tu_fork(child_leader_exits, &o);
	assert_int_equal(report(&o), 1);
	/* Wait for the leader to be a zombie: /proc/P/stat's state Z. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)p);
	for (;;) {
		f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(stat, sizeof(stat), f));
		fclose(f);
		if (strstr(stat, ") Z "))
			break;
		assert_true(tu_now_ns() < deadline);
		usleep(1000);
	}
	assert_int_equal(send_to(p, "0", MSGPORT_F_NONBLOCK), 0);
	go(&o);
	assert_int_equal(report(&o), 2);
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(send_to(p, "x", MSGPORT_F_NONBLOCK), -ECONNREFUSED);
	assert_child_ok(p);
}

static int child_exec(void *arg)
{
	struct owner *o = arg;

	CHILD_CHECK(open_inbox(o) == 0);	/* close-on-exec, as the library opens it */
	CHILD_CHECK(child_report(o, 1) == 0);
	CHILD_CHECK(child_wait(o) == 0);
	execlp("sleep", "sleep", "60", (char *)NULL);
	return 1;
}

/* exec closes a close-on-exec inbox: the new program has none. */
static void test_exec_closes(void **state)
{
	uint64_t deadline = tu_now_ns() + (uint64_t)TU_AWAIT_MS * 1000000ULL;
	struct owner o;
	pid_t p;
	int ret;

	owner_init(&o, 4);
	p = tu_fork(child_exec, &o);
	assert_int_equal(report(&o), 1);
	assert_int_equal(send_to(p, "before", 0), 0);
	go(&o);
	/* Until exec closes it, sends succeed (or find it full). */
	do {
		ret = send_to(p, "after", MSGPORT_F_NONBLOCK);
		if (ret == 0 || ret == -EAGAIN)
			usleep(1000);
	} while ((ret == 0 || ret == -EAGAIN) && tu_now_ns() < deadline);
	assert_int_equal(ret, -ECONNREFUSED);
}

#ifndef SYS_clone3
#define SYS_clone3	435	/* the same on x86_64 and i386 */
#endif

/*
 * fork(2), but the child gets pid want in our pid namespace: clone3(2)
 * with set_tid (CAP_SYS_ADMIN in the namespace; no CONFIG_CHECKPOINT_RESTORE
 * needed, unlike ns_last_pid).  -1 with errno on failure.
 */
static pid_t fork_as(pid_t want)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
		uint64_t stack, stack_size, tls, set_tid, set_tid_size;
	} a;
	pid_t tid[1] = { want };

	memset(&a, 0, sizeof(a));
	a.exit_signal = SIGCHLD;
	a.set_tid = (uintptr_t)tid;
	a.set_tid_size = 1;
	fflush(NULL);
	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

static int waitchild(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Pid 2 of the namespace: open an inbox, say so, wait, exit. */
static int pid2_owner(int fd_rd, int fd_wr)
{
	struct msgport_mailbox *in;
	char b;

	if (msgport_inbox_open(tu_mp(), NULL, 0, &in))
		return 1;
	if (write(fd_wr, "o", 1) != 1 || read(fd_rd, &b, 1) != 1)
		return 1;
	return 0;
}

/* The new pid 2: its inbox is new and empty; then it sends to pid 1. */
static int pid2_new(void)
{
	struct msgport_mailbox *in;
	char buf[16];

	if (msgport_inbox_open(tu_mp(), NULL, 0, &in))
		return 1;
	if (msgport_recv(in, buf, sizeof(buf), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, NULL) !=
	    -EAGAIN)
		return 2;
	return send_to(1, "new-2", 0) ? 3 : 0;
}

/* The new pid 3: on a byte from fd_rd, send "new-3" to pid 1. */
static int pid3_new(int fd_rd)
{
	char b;

	if (read(fd_rd, &b, 1) != 1)
		return 1;
	if (send_to(1, "new-3", 0))
		return 2;
	pause();
	return 0;
}

static int recv_text(struct msgport_mailbox *in, pid_t from, const char *text)
{
	char buf[16];
	ssize_t n;

	n = msgport_recv_from(in, from, buf, sizeof(buf), 0, LONG_NS, NULL);
	if (n != (ssize_t)strlen(text) || memcmp(buf, text, (size_t)n)) {
		fprintf(stderr, "pid reuse: got %zd, expected \"%s\"\n", n, text);
		return -1;
	}
	return 0;
}

/*
 * In a new pid namespace, as its pid 1 (clone3's set_tid picks the pids):
 * mail for a dead pid 2 never reaches the next process with pid 2, and a
 * receive from pid 3 never returns what a dead pid 3 sent.
 */
static int inner_reuse(void)
{
	struct msgport_mailbox *in;
	int a[2], b[2], t[2];
	char buf[16];
	pid_t p;

	CHILD_CHECK(getpid() == 1);
	CHILD_CHECK(msgport_inbox_open(tu_mp(), NULL, 0, &in) == 0);
	CHILD_CHECK(pipe(a) == 0 && pipe(b) == 0 && pipe(t) == 0);

	/* Pid 2 opens an inbox, gets mail, dies unread. */
	p = fork();
	CHILD_CHECK(p >= 0);
	if (p == 0)
		_exit(pid2_owner(a[0], b[1]));
	CHILD_CHECK(p == 2);
	CHILD_CHECK(read(b[0], buf, 1) == 1);
	CHILD_CHECK(send_to(2, "old-mail", 0) == 0);
	CHILD_CHECK(write(a[1], "x", 1) == 1);
	CHILD_CHECK(waitchild(p) == 0);
	CHILD_CHECK(send_to(2, "x", MSGPORT_F_NONBLOCK) == -ESRCH);

	/* A new pid 2: an empty inbox of its own. */
	p = fork_as(2);
	CHILD_CHECK(p >= 0);
	if (p == 0)
		_exit(pid2_new());
	CHILD_CHECK(p == 2);
	CHILD_CHECK(waitchild(p) == 0);

	/* Pid 3 sends to us and dies; a new pid 3 comes. */
	p = fork();
	CHILD_CHECK(p >= 0);
	if (p == 0)
		_exit(send_to(1, "old-3", 0) ? 1 : 0);
	CHILD_CHECK(p == 3);
	CHILD_CHECK(waitchild(p) == 0);
	p = fork_as(3);
	CHILD_CHECK(p >= 0);
	if (p == 0)
		_exit(pid3_new(t[0]));
	CHILD_CHECK(p == 3);
	/* The new pid 3 sent nothing yet: "old-3" is not its. */
	CHILD_CHECK(msgport_recv_from(in, 3, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL) == -EAGAIN);
	CHILD_CHECK(write(t[1], "x", 1) == 1);
	CHILD_CHECK(recv_text(in, 3, "new-3") == 0);
	kill(p, SIGKILL);
	CHILD_CHECK(waitchild(p) == 128 + SIGKILL);
	/* The rest, in order, for a receive from any. */
	CHILD_CHECK(recv_text(in, 0, "new-2") == 0);
	CHILD_CHECK(recv_text(in, 0, "old-3") == 0);
	CHILD_CHECK(msgport_recv(in, buf, sizeof(buf), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				 NULL) == -EAGAIN);
	msgport_mailbox_close(in);
	return 0;
}

static int child_reuse(void *arg)
{
	pid_t p;

	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	p = fork();
	CHILD_CHECK(p >= 0);
	if (p == 0)
		_exit(inner_reuse());
	CHILD_CHECK(waitchild(p) == 0);
	return 0;
}

static void test_pid_reuse(void **state)
{
	assert_child_ok(tu_fork(child_reuse, NULL));
}

static const struct CMUnitTest direct_death_tests[] = {
	TU_TEST(test_close_refuses),
	TU_TEST(test_exit_wakes_blocked_sender),
	TU_TEST(test_exit_wakes_sync_sender),
	TU_TEST(test_exit_wakes_rendezvous_sender),
	TU_TEST(test_exit_drops_queued),
	TU_TEST(test_fork_shares_not_owns),
	TU_TEST(test_dup_keeps_open),
	TU_TEST(test_exec_closes),
	TU_TEST(test_thread_table_exit_keeps_open),
	TU_TEST(test_leader_table_exit_keeps_open),
	TU_TEST(test_pid_reuse),
};

MSGPORT_SUITE(direct_death_suite, MSGPORT_GROUP_MODULE, 1500, "direct-death",
	      "inbox close and owner exit (ECONNRESET, dropped, ECONNREFUSED), fork, dup, exec, "
	      "pid reuse",
	      direct_death_tests);
