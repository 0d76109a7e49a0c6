// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "shared-machine": what one user or container can do to another on a
 * shared kernel, and what it must not be able to.  Wake-ups that a
 * withdrawn send must not lose (a receiver waiting for a message that got
 * in behind it), memory charged at its real cost, per-user mailbox counts,
 * rights needed to open a mailbox at all, and the smaller rules of the
 * device (its mode, reply checks, poll's events).
 *
 * Each test is one scenario of "Safe on a shared machine"; the other side
 * runs in child processes, and the parent waits for the state it needs (as
 * stat reports it) before acting.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msgport_test.h"

#define LONG_NS		(30ULL * 1000000000ULL)	/* "forever" that cannot hang */
#define WANT_NS		(8ULL * 1000000000ULL)	/* a receive that must succeed */

struct peer {
	struct msgport_mailbox *mb;
	const char *text;
	unsigned int flags;
	int expect;			/* the call's expected result */
};

static void on_usr1(int sig)
{
	(void)sig;
}

/* Catch SIGUSR1 without SA_RESTART: a blocked call returns -EINTR. */
static int catch_usr1(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	return sigaction(SIGUSR1, &sa, NULL);
}

/* Child: a synchronous send that waits until a signal withdraws it. */
static int child_sync_send(void *arg)
{
	struct peer *p = arg;
	int ret;

	CHILD_CHECK(catch_usr1() == 0);
	ret = msgport_send(p->mb, p->text, strlen(p->text), 0, MSGPORT_F_SYNC, LONG_NS, NULL);
	if (ret != p->expect)
		fprintf(stderr, "child sync send: got %d, expected %d\n", ret, p->expect);
	CHILD_CHECK(ret == p->expect);
	return 0;
}

/* Child: a call that waits for its reply until a signal withdraws it. */
static int child_call(void *arg)
{
	struct peer *p = arg;
	char reply[64];
	ssize_t ret;

	CHILD_CHECK(catch_usr1() == 0);
	ret = msgport_call(p->mb, p->text, strlen(p->text), reply, sizeof(reply), 0, 0, LONG_NS,
			   NULL);
	if (ret != p->expect)
		fprintf(stderr, "child call: got %zd, expected %d\n", ret, p->expect);
	CHILD_CHECK(ret == p->expect);
	return 0;
}

/* Child: a send that waits for room. */
static int child_send(void *arg)
{
	struct peer *p = arg;
	int ret;

	ret = msgport_send(p->mb, p->text, strlen(p->text), 0, p->flags, LONG_NS, NULL);
	if (ret != p->expect)
		fprintf(stderr, "child send: got %d, expected %d\n", ret, p->expect);
	CHILD_CHECK(ret == p->expect);
	return 0;
}

struct from_recv {
	struct msgport_mailbox *mb;
	pid_t from;
	const char *text;
};

/* Child: a receive of one sender's message, which must come. */
static int child_recv_from(void *arg)
{
	struct from_recv *r = arg;
	struct msgport_msginfo info;
	char buf[64];
	ssize_t n;

	n = msgport_recv_from(r->mb, r->from, buf, sizeof(buf) - 1, 0, WANT_NS, &info);
	if (n < 0)
		fprintf(stderr, "child recv_from %d: %s\n", (int)r->from,
			msgport_strerror((int)n));
	CHILD_CHECK(n == (ssize_t)strlen(r->text));
	buf[n] = '\0';
	CHILD_CHECK(!strcmp(buf, r->text));
	CHILD_CHECK(info.pid == r->from);
	return 0;
}

/*
 * A full mailbox (capacity 1) whose slot a first sender holds (@holder);
 * senders A then B wait for room; a receiver waits for A's message only.
 * The holder is withdrawn by a signal: A's message gets the slot, the
 * receiver that wants it must be woken, and its take admits B.
 */
static void withdrawn_admits(int (*holder)(void *), const char *tag)
{
	struct msgport_mailbox *mb = tu_create(tu_name(tag), 1, 0, 0600, 0);
	struct peer h = { .mb = mb, .text = "holder", .expect = -EINTR };
	struct peer a = { .mb = mb, .text = "from-A", .expect = 0 };
	struct peer b = { .mb = mb, .text = "from-B", .expect = 0 };
	struct from_recv r = { .mb = mb, .text = "from-A" };
	struct msgport_stat st;
	pid_t hp, ap, bp, rp;
	char buf[16];

	hp = tu_fork(holder, &h);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	ap = tu_fork(child_send, &a);
	assert_await(mb, TU_WAITING_SENDERS, st.waiting_senders + 1);
	bp = tu_fork(child_send, &b);
	assert_await(mb, TU_WAITING_SENDERS, st.waiting_senders + 2);
	r.from = ap;
	rp = tu_fork(child_recv_from, &r);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);

	assert_int_equal(kill(hp, SIGUSR1), 0);
	assert_child_ok(hp);
	assert_child_ok(ap);
	assert_child_ok(rp);
	/* A's taking admits B: no sender left waiting beside a free slot. */
	assert_child_ok(bp);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, NULL), 6);
	assert_memory_equal(buf, "from-B", 6);
	assert_await(mb, TU_QUEUED_MSGS, 0);
}

/* Scenario 4: a synchronous send withdrawn lets in a message someone waits for. */
static void test_sync_withdrawn_kicks(void **state)
{
	(void)state;
	withdrawn_admits(child_sync_send, "kick-sync");
}

/* Scenario 4: a call withdrawn lets in a message someone waits for. */
static void test_call_withdrawn_kicks(void **state)
{
	(void)state;
	withdrawn_admits(child_call, "kick-call");
}

#define RW		(MSGPORT_O_RECV | MSGPORT_O_SEND)
#define SMALL_LIMIT	(64UL << 10)	/* max_user_bytes of the charge tests */
#define SMALL_TRIES	4096		/* > SMALL_LIMIT / 64: any real charge stops it */

/* Child, as nobody: messages of len bytes into an unbounded mailbox until EDQUOT. */
static int child_fill(void *arg)
{
	const char *name = arg;
	struct msgport_attr attr = {
		.capacity = MSGPORT_CAPACITY_UNBOUNDED, .max_msg_size = 64, .mode = 0600,
	};
	struct msgport_mailbox *mb;
	size_t len;
	int i, ret = 0;

	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW |
					 MSGPORT_O_EPHEMERAL, &attr, &mb) == 0);
	for (len = 0; len <= 1; len++) {
		for (i = 0; i < SMALL_TRIES; i++) {
			ret = msgport_send(mb, "x", len, 0, MSGPORT_F_NONBLOCK, 0, NULL);
			if (ret < 0)
				break;
		}
		if (ret != -EDQUOT)
			fprintf(stderr, "fill child: %zu-byte messages: %d sent, then %d (%s)\n",
				len, i, ret, msgport_strerror(ret));
		CHILD_CHECK(ret == -EDQUOT);
		/* A message holds at least its header: at most SMALL_LIMIT / 64. */
		CHILD_CHECK(i >= 1 && i <= (int)(SMALL_LIMIT / 64));
		/* Taking one out makes room for exactly one more of its size. */
		CHILD_CHECK(msgport_recv(mb, NULL, 0, MSGPORT_F_NONBLOCK | MSGPORT_F_TRUNC, 0,
					 NULL) == 0);
		CHILD_CHECK(msgport_send(mb, "x", len, 0, MSGPORT_F_NONBLOCK, 0, NULL) == 0);
		CHILD_CHECK(msgport_send(mb, "x", len, 0, MSGPORT_F_NONBLOCK, 0, NULL) == -EDQUOT);
		/* Drained: the whole allowance is back. */
		while (msgport_recv(mb, NULL, 0, MSGPORT_F_NONBLOCK | MSGPORT_F_TRUNC, 0, NULL) >= 0)
			;
	}
	msgport_mailbox_close(mb);
	return 0;
}

/*
 * Scenario 1: every queued message is charged what it holds of kernel
 * memory, a zero-byte one too: an unprivileged user's unbounded mailbox
 * fills up to max_user_bytes with zero-byte messages, and then with 1-byte
 * ones, which used to cost nothing and 1 byte.
 */
static void test_small_messages_charged(void **state)
{
	(void)state;
	tu_param_set("max_user_bytes", SMALL_LIMIT);
	assert_child_ok(tu_fork(child_fill, (void *)tu_name("fill")));
}

/* The charge of a message is its header and buffer: never less than a header. */
static void test_charge_covers_header(void **state)
{
	size_t c0 = tu_msg_charge(0), c1 = tu_msg_charge(1), c4k = tu_msg_charge(4096);

	(void)state;
	assert_true(c0 >= 64);
	assert_true(c1 == c0);
	assert_true(c4k > 4096);
	assert_true(c4k <= 2 * 4096 + 4096);
}

#define CG_ROOT		"/sys/fs/cgroup"
#define CG_MSGS		8192	/* zero-byte messages: over 2 MiB, at least 256 bytes each */

/* A cgroup file's number (>= 0, or -errno), and writing one: 0 or -errno. */
static long long cg_read(const char *dir, const char *file)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return tu_file_number(path);
}

static int cg_write(const char *dir, const char *file, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return tu_file_write(path, text);
}

struct cg_sender {
	struct msgport_mailbox *mb;
	const char *dir;
};

/* Child: joins the cgroup, then queues CG_MSGS zero-byte messages. */
static int child_cg_send(void *arg)
{
	const struct cg_sender *c = arg;
	long long before, after;
	char pid[32];
	int i;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	CHILD_CHECK(cg_write(c->dir, "cgroup.procs", pid) == 0);
	before = cg_read(c->dir, "memory.current");
	CHILD_CHECK(before >= 0);
	for (i = 0; i < CG_MSGS; i++)
		CHILD_CHECK(msgport_send(c->mb, NULL, 0, 0, MSGPORT_F_NONBLOCK, 0, NULL) == 0);
	after = cg_read(c->dir, "memory.current");
	if (after - before < CG_MSGS * 256LL / 2)
		fprintf(stderr, "cgroup child: memory.current %lld -> %lld for %d messages\n",
			before, after, CG_MSGS);
	CHILD_CHECK(after - before >= CG_MSGS * 256LL / 2);
	return 0;
}

/*
 * A message's memory is charged to its sender's memory cgroup, whoever
 * receives it: a sender in a cgroup with a memory limit queues messages and
 * the cgroup's memory.current grows by them; they stay charged there after
 * the sender left, and a receiver outside the cgroup takes the charge away.
 */
static void test_memcg_charge_follows_sender(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("memcg"), MSGPORT_CAPACITY_UNBOUNDED, 0,
					       0600, 0);
	struct cg_sender c = { .mb = mb };
	long long queued, drained;
	char dir[128];
	int i;

	(void)state;
	snprintf(dir, sizeof(dir), CG_ROOT "/mpt-%d", (int)getpid());
	c.dir = dir;
	/* The root may always enable a controller for its children. */
	assert_int_equal(cg_write(CG_ROOT, "cgroup.subtree_control", "+memory"), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	if (cg_write(dir, "memory.max", "268435456") != 0) {
		rmdir(dir);
		fail_msg("%s/memory.max: cannot set a limit", dir);
	}
	i = tu_join(tu_fork(child_cg_send, &c));
	queued = cg_read(dir, "memory.current");
	for (; queued >= 0 && i == 0 &&
	       msgport_recv(mb, NULL, 0, MSGPORT_F_NONBLOCK | MSGPORT_F_TRUNC, 0, NULL) == 0;)
		;
	drained = cg_read(dir, "memory.current");
	rmdir(dir);
	assert_int_equal(i, 0);
	assert_true(queued >= 0 && drained >= 0);
	if (queued - drained < CG_MSGS * 256LL / 2)
		fail_msg("the cgroup's memory.current went %lld -> %lld when %d messages were taken",
			 queued, drained, CG_MSGS);
}

struct stranger {
	const char *closed;	/* mode 0600: no right at all */
	const char *readable;	/* mode 0604: the stranger may stat it */
	const char *eph;	/* a name nobody has */
	int opened;		/* written when the stat-only descriptor is open */
	int go;			/* read before the last look */
	int owners;		/* the owner's descriptor, inherited: closed first */
};

/* Child, as nobody: a stat-only open needs a right; it keeps nothing alive. */
static int child_stranger(void *arg)
{
	const struct stranger *s = arg;
	struct msgport_stat st;
	char c;
	int fd;

	close(s->owners);
	CHILD_CHECK(tu_drop_privileges() == 0);
	fd = tu_raw_open(tu_devfd(), s->closed, 0, 0, 0, 0);
	if (fd != -EACCES)
		fprintf(stderr, "stranger: stat-only open of a 0600 mailbox: %d\n", fd);
	CHILD_CHECK(fd == -EACCES);
	/* Nor may it create an ephemeral mailbox that nothing could keep. */
	CHILD_CHECK(tu_raw_open(tu_devfd(), s->eph, MSGPORT_O_CREAT |
				MSGPORT_O_EPHEMERAL, 0600, 4, 0) == -EINVAL);
	fd = tu_raw_open(tu_devfd(), s->readable, 0, 0, 0, 0);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(write(s->opened, "o", 1) == 1);
	CHILD_CHECK(read(s->go, &c, 1) == 1);
	/* The mailbox went with its owner's last descriptor; ours still answers. */
	memset(&st, 0, sizeof(st));
	CHILD_CHECK(tu_ioctl(fd, MSGPORT_IOC_STAT, &st) == 0);
	CHILD_CHECK(st.flags & MSGPORT_STAT_UNLINKED);
	CHILD_CHECK(st.region_size == 0);
	close(fd);
	return 0;
}

/*
 * Scenario 3: a user with no right on a mailbox cannot open it at all, not
 * even for stat; one with a mode bit may, but that descriptor does not keep
 * an ephemeral mailbox, its name or its region (charged to the owner)
 * after the owner's last close.
 */
static void test_stat_open_pins_nothing(void **state)
{
	struct stranger s = {
		.closed = tu_name("closed"), .readable = tu_name("readable"), .eph = tu_name("eph"),
	};
	struct msgport_attr attr = { .capacity = 4, .mode = 0604, .region_size = 4 * 4096 };
	struct msgport_mailbox *eph = NULL;
	long before, charged, after;
	int opened[2], go[2];
	pid_t pid;
	char c;

	(void)state;
	tu_create(s.closed, 4, 0, 0600, 0);
	assert_int_equal(tu_user_charge(geteuid(), &before), 0);
	assert_int_equal(msgport_mailbox_open(tu_mp(), s.readable, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
					      RW | MSGPORT_O_EPHEMERAL, &attr, &eph), 0);
	assert_int_equal(tu_user_charge(geteuid(), &charged), 0);
	assert_true(charged >= before + 4 * 4096);
	assert_int_equal(pipe(opened), 0);
	assert_int_equal(pipe(go), 0);
	s.opened = opened[1];
	s.go = go[0];
	s.owners = msgport_mailbox_fd(eph);
	pid = tu_fork(child_stranger, &s);
	if (read(opened[0], &c, 1) != 1) {
		msgport_mailbox_close(eph);
		assert_child_ok(pid);	/* reports why */
		fail_msg("the stranger did not open the readable mailbox");
	}
	/* The owner's last descriptor: the mailbox, its name and its region go. */
	msgport_mailbox_close(eph);
	assert_int_equal(tu_proc_count(s.readable), 0);
	assert_int_equal(tu_user_charge(geteuid(), &after), 0);
	assert_int_equal(after, before);
	assert_int_equal(msgport_mailbox_open(tu_mp(), s.readable, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
					      RW | MSGPORT_O_EPHEMERAL, &attr, &eph), 0);
	msgport_mailbox_close(eph);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_child_ok(pid);
	close(opened[0]);
	close(opened[1]);
	close(go[0]);
	close(go[1]);
}

struct rdv_recv {
	struct msgport_mailbox *mb;
	unsigned int flags;
	size_t len;
	pid_t from;		/* > 0: MSGPORT_F_FROM */
	pid_t after_poll;	/* > 0: first wait until this process sleeps in poll() */
};

/* Child: one receive as asked, ended by the parent's unlink (EIDRM) or a message. */
static int child_rdv_recv(void *arg)
{
	const struct rdv_recv *r = arg;
	char buf[128];
	ssize_t n;

	if (r->after_poll > 0)
		CHILD_CHECK(tu_await_wchan(r->after_poll, "poll") == 0);
	if (r->from > 0)
		n = msgport_recv_from(r->mb, r->from, buf, r->len, r->flags, LONG_NS, NULL);
	else
		n = msgport_recv(r->mb, buf, r->len, r->flags, LONG_NS, NULL);
	CHILD_CHECK(n == -EIDRM || n >= 0);
	return 0;
}

static short poll_out(struct msgport_mailbox *mb)
{
	struct pollfd p = { .fd = msgport_mailbox_fd(mb), .events = POLLOUT };

	assert_true(poll(&p, 1, 0) >= 0);
	return p.revents & POLLOUT;
}

/*
 * Scenario 6: on a rendezvous mailbox POLLOUT means a send would go now: not
 * while the receiver it would meet peeks, waits for another sender, or has a
 * buffer smaller than the mailbox's largest message (a non-blocking send
 * would fail, and a poll loop would spin); yes for one that takes any.
 */
static void test_rendezvous_pollout(void **state)
{
	static const struct rdv_recv cases[] = {
		{ .flags = MSGPORT_F_PEEK, .len = 128 },
		{ .from = 1, .len = 128 },
		{ .len = 16 },
	};
	const char *name = tu_name("rdv");
	struct msgport_mailbox *mb;
	struct pollfd p = { .events = POLLOUT };
	struct rdv_recv r;
	pid_t pid, pid2;
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		mb = tu_create(name, 0, 128, 0600, 0);
		r = cases[i];
		r.mb = mb;
		pid = tu_fork(child_rdv_recv, &r);
		assert_await(mb, TU_WAITING_RECEIVERS, 1);
		if (poll_out(mb))
			fail_msg("case %u: POLLOUT with a receiver that cannot take a message", i);
		assert_int_equal(msgport_send(mb, "x", 1, 0, MSGPORT_F_NONBLOCK, 0, NULL),
				 i == 2 ? 0 : -EAGAIN);
		if (i != 2)
			assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
		assert_child_ok(pid);
		tu_close(mb);
		if (i == 2)
			assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	}
	/*
	 * Behind a receiver waiting for another sender, one that takes any
	 * message arrives while we sleep in poll(): that wakes us with POLLOUT,
	 * and the send goes.
	 */
	mb = tu_create(name, 0, 128, 0600, 0);
	r = (struct rdv_recv){ .mb = mb, .len = 128, .from = 1 };
	pid = tu_fork(child_rdv_recv, &r);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	r = (struct rdv_recv){ .mb = mb, .len = 128, .after_poll = getpid() };
	pid2 = tu_fork(child_rdv_recv, &r);
	p.fd = msgport_mailbox_fd(mb);
	assert_int_equal(poll(&p, 1, TU_AWAIT_MS), 1);
	assert_true(p.revents & POLLOUT);
	assert_int_equal(msgport_send(mb, "x", 1, 0, MSGPORT_F_NONBLOCK, 0, NULL), 0);
	assert_child_ok(pid2);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_child_ok(pid);
}

/*
 * Scenario 6: EPOLLIN is signalled on every arrival, not only when the queue
 * was empty: an edge-triggered consumer that does not drain sees each one.
 */
static void test_epollet_each_arrival(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("et"), 8, 0, 0600, 0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out[2];
	int ep, i;

	(void)state;
	ep = tu_track_fd(epoll_create1(EPOLL_CLOEXEC));
	assert_true(ep >= 0);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, msgport_mailbox_fd(mb), &ev), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(msgport_send(mb, "m", 1, 0, MSGPORT_F_NONBLOCK, 0, NULL), 0);
		if (epoll_wait(ep, out, 2, 0) != 1)
			fail_msg("arrival %d (%d queued): no edge", i + 1, i + 1);
		assert_int_equal(epoll_wait(ep, out, 2, 0), 0);
	}
}

/* Child, as nobody: send to a root process's pid, which has no inbox. */
static int child_probe(void *arg)
{
	pid_t target = *(pid_t *)arg;
	int ret;

	CHILD_CHECK(tu_drop_privileges() == 0);
	ret = msgport_send_pid(tu_mp(), target, "?", 1, 0, MSGPORT_F_NONBLOCK, 0, NULL);
	if (ret != -EACCES)
		fprintf(stderr, "probe: send to pid %d: %d (%s)\n", (int)target, ret,
			msgport_strerror(ret));
	CHILD_CHECK(ret == -EACCES);
	/* Its own process's absent inbox is no secret to it. */
	CHILD_CHECK(msgport_send_pid(tu_mp(), getpid(), "?", 1, 0, MSGPORT_F_NONBLOCK, 0,
				     NULL) == -ECONNREFUSED);
	return 0;
}

/*
 * Scenario 5: sending to a pid tells a stranger nothing of whether the
 * process has an inbox: EACCES, as for an inbox it may not write to; only
 * the process's own user (or CAP_IPC_OWNER) gets ECONNREFUSED.
 */
static void test_send_pid_no_probe(void **state)
{
	pid_t me = getpid();

	(void)state;
	assert_int_equal(msgport_send_pid(tu_mp(), me, "?", 1, 0, MSGPORT_F_NONBLOCK, 0, NULL),
			 -ECONNREFUSED);
	assert_child_ok(tu_fork(child_probe, &me));
}

/* Scenario 6: REPLY_RECV without a reply still checks the reply's flags and reserved fields. */
static void test_reply_recv_checks_empty_reply(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rr"), 4, 0, 0600, 0);
	struct msgport_reply_recv rr;
	char buf[16];

	(void)state;
	memset(&rr, 0, sizeof(rr));
	rr.recv.buf = (uintptr_t)buf;
	rr.recv.buf_len = sizeof(buf);
	rr.recv.flags = MSGPORT_F_NONBLOCK;
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_REPLY_RECV, &rr), -EAGAIN);
	rr.reply.flags = 1;
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_REPLY_RECV, &rr), -EINVAL);
	rr.reply.flags = 0;
	rr.reply.reserved[0] = 1;
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_REPLY_RECV, &rr), -EINVAL);
}

/* Scenario 6: the module makes /dev/msgport 0666; every check is on the objects. */
static void test_device_mode(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(stat("/dev/" MSGPORT_DEVICE_NAME, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0666);
}

#define HOLDS		"/sys/kernel/debug/msgport/holds"
#define TEARDOWN_MSGS	100000	/* queued before the teardown */
#define HOLD_BOUND	64	/* the most a teardown may do in one go */

/* debugfs msgport/holds: the two maxima since the last reset; 0 or -errno. */
static int holds_read(long *visits, long *run)
{
	FILE *f = fopen(HOLDS, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "hold_visits_max %ld resched_run_max %ld", visits, run) == 2;
	fclose(f);
	return ok ? 0 : -EIO;
}

/* Child, as nobody: queue TEARDOWN_MSGS zero-byte messages, then unlink or close. */
static int child_teardown(void *arg)
{
	const char *name = arg;
	static struct msgport_batch_msg b[MSGPORT_BATCH_MAX];
	struct msgport_attr attr = {
		.capacity = MSGPORT_CAPACITY_UNBOUNDED, .max_msg_size = 16, .mode = 0600,
	};
	struct msgport_mailbox *mb, *eph;
	char eph_name[128];
	int sent, ret;

	CHILD_CHECK(tu_drop_privileges() == 0);
	snprintf(eph_name, sizeof(eph_name), "%s-eph", name);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW,
					 &attr, &mb) == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), eph_name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW |
					 MSGPORT_O_EPHEMERAL, &attr, &eph) == 0);
	for (sent = 0; sent < TEARDOWN_MSGS; sent += ret) {
		ret = msgport_send_batch(mb, b, MSGPORT_BATCH_MAX, MSGPORT_F_NONBLOCK, 0);
		CHILD_CHECK(ret > 0);
		CHILD_CHECK(msgport_send_batch(eph, b, (unsigned int)ret, MSGPORT_F_NONBLOCK, 0) ==
			    ret);
	}
	/* An unlink and a last close, each of a mailbox of TEARDOWN_MSGS messages. */
	CHILD_CHECK(msgport_mailbox_unlink(tu_mp(), name) == 0);
	msgport_mailbox_close(eph);
	msgport_mailbox_close(mb);
	return 0;
}

/*
 * Scenario 2: a teardown does not hold a mailbox lock, nor the CPU, for as
 * long as what was queued: an unprivileged user's unlink of its mailbox of
 * 10^5 messages, and the last close of an ephemeral one, take them out and
 * free them in bounded rounds (debugfs msgport/holds counts the most queue
 * entries visited under one hold of a mailbox lock and the most messages
 * freed between two reschedules); the debug lane runs this with soft-lockup
 * and RCU-stall detection.
 */
static void test_teardown_bounded(void **state)
{
	long visits, run;
	FILE *f;

	(void)state;
	f = fopen(HOLDS, "we");
	assert_non_null(f);
	assert_true(fputs("0\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_child_ok(tu_fork(child_teardown, (void *)tu_name("teardown")));
	assert_int_equal(holds_read(&visits, &run), 0);
	print_message("teardown of 2 x %d messages: at most %ld entries under one lock hold, "
		      "%ld messages freed between reschedules\n", TEARDOWN_MSGS, visits, run);
	/* Counted at all (a teardown of 10^5 messages frees some), and bounded. */
	assert_true(visits >= 32 && visits <= HOLD_BOUND);
	assert_true(run >= 1 && run <= HOLD_BOUND);
}

#define FILTERED	128	/* receivers filtering on a sender that sends nothing */

struct filtered {
	struct msgport_mailbox *mb;
	pid_t from;
	int got;		/* receivers that got a message */
	int bad;		/* receivers that got something else than it or EIDRM */
	pthread_mutex_t lock;
};

static void *filtered_recv(void *arg)
{
	struct filtered *f = arg;
	char buf[16];
	/* Until a message or the unlink, however slow the machine. */
	ssize_t n = msgport_recv_from(f->mb, f->from, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER,
				      NULL);

	pthread_mutex_lock(&f->lock);
	if (n >= 0)
		f->got++;
	else if (n != -EIDRM)
		f->bad++;
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* Child: FILTERED threads wait for f->from's message; one gets it, the rest EIDRM. */
static int child_filtered(void *arg)
{
	struct filtered *f = arg;
	pthread_t t[FILTERED];
	int i;

	pthread_mutex_init(&f->lock, NULL);
	for (i = 0; i < FILTERED; i++)
		CHILD_CHECK(pthread_create(&t[i], NULL, filtered_recv, f) == 0);
	for (i = 0; i < FILTERED; i++)
		pthread_join(t[i], NULL);
	if (f->got != 1 || f->bad)
		fprintf(stderr, "filtered: %d got a message, %d an unexpected error\n", f->got,
			f->bad);
	CHILD_CHECK(f->got == 1 && !f->bad);
	return 0;
}

/* Child: waits, sends nothing until told (a byte on the pipe), then one message. */
static int child_quiet_sender(void *arg)
{
	const struct peer *p = arg;
	char c;

	CHILD_CHECK(read(p->expect, &c, 1) == 1);
	CHILD_CHECK(msgport_send(p->mb, "z", 1, 0, MSGPORT_F_NONBLOCK, 0, NULL) == 0);
	return 0;
}

/* Nanoseconds of one non-blocking zero-byte send (the best of 5). */
static uint64_t send_ns(struct msgport_mailbox *mb)
{
	uint64_t best = UINT64_MAX, t;
	int i;

	for (i = 0; i < 5; i++) {
		t = tu_now_ns();
		assert_int_equal(msgport_send(mb, NULL, 0, 0, MSGPORT_F_NONBLOCK, 0, NULL), 0);
		t = tu_now_ns() - t;
		if (t < best)
			best = t;
	}
	return best;
}

/*
 * Scenario 2: with 10^5 messages queued and 128 receivers waiting for a
 * sender that has none queued, a send's hold of the mailbox lock does not
 * grow with waiters x messages: the kick finds each filtering receiver's
 * messages through the index by sender.  The bound is on debugfs counts
 * (waiters visited), not on time; the send's time is reported as a ratio to
 * an idle mailbox's (printed, not asserted).
 */
static void test_filtered_waiters_bounded(void **state)
{
	const char *name = tu_name("filtered");
	struct msgport_mailbox *mb = tu_create(name, MSGPORT_CAPACITY_UNBOUNDED, 16, 0600, 0);
	struct msgport_mailbox *idle = tu_create(tu_name("idle"), MSGPORT_CAPACITY_UNBOUNDED, 16,
						 0600, 0);
	static struct msgport_batch_msg b[MSGPORT_BATCH_MAX];
	struct filtered f = { .mb = mb };
	struct peer z = { .mb = mb };
	uint64_t idle_ns, busy_ns;
	int go[2], sent, ret;
	long visits, run;
	pid_t zp, fp;
	FILE *h;

	(void)state;
	assert_int_equal(pipe(go), 0);
	z.expect = go[0];
	zp = tu_fork(child_quiet_sender, &z);
	for (sent = 0; sent < TEARDOWN_MSGS; sent += ret) {
		ret = msgport_send_batch(mb, b, MSGPORT_BATCH_MAX, MSGPORT_F_NONBLOCK, 0);
		assert_true(ret > 0);
	}
	f.from = zp;
	fp = tu_fork(child_filtered, &f);
	assert_await(mb, TU_WAITING_RECEIVERS, FILTERED);

	idle_ns = send_ns(idle);
	h = fopen(HOLDS, "we");
	assert_non_null(h);
	assert_true(fputs("0\n", h) >= 0);
	assert_int_equal(fclose(h), 0);
	busy_ns = send_ns(mb);
	assert_int_equal(holds_read(&visits, &run), 0);
	print_message("a send with %d messages queued and %d filtering receivers: at most %ld "
		      "entries visited under one hold; %.1fx the time of a send to an idle "
		      "mailbox (%llu vs %llu ns, TCG)\n", TEARDOWN_MSGS, FILTERED, visits,
		      (double)busy_ns / (double)(idle_ns ? idle_ns : 1),
		      (unsigned long long)busy_ns, (unsigned long long)idle_ns);
	assert_true(visits >= FILTERED && visits <= FILTERED + HOLD_BOUND);

	/* The awaited sender's message goes to one of them, at once. */
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_child_ok(zp);
	assert_await(mb, TU_WAITING_RECEIVERS, FILTERED - 1);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_child_ok(fp);
	close(go[0]);
	close(go[1]);
}

#define USER_MAILBOXES	3

/* Child, as nobody: max_user_mailboxes named mailboxes and inboxes, then EDQUOT. */
static int child_user_mailboxes(void *arg)
{
	const char *const *names = arg;
	struct msgport_mailbox *more = NULL, *in = NULL;
	int i;

	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(msgport_inbox_open(tu_mp(), NULL, 0, &in) == 0);
	for (i = 0; i < USER_MAILBOXES - 1; i++)
		CHILD_CHECK(tu_raw_open(tu_devfd(), names[i], MSGPORT_O_CREAT | RW, 0600, 4, 0) >= 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), names[USER_MAILBOXES - 1],
					 MSGPORT_O_CREAT | RW, NULL, &more) == -EDQUOT);
	/* The inbox counts too: closing it makes room for one. */
	msgport_mailbox_close(in);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), names[USER_MAILBOXES - 1],
					 MSGPORT_O_CREAT | RW, NULL, &more) == 0);
	CHILD_CHECK(msgport_inbox_open(tu_mp(), NULL, 0, &in) == -EDQUOT);
	return 0;
}

/*
 * Scenario 5: a per-user count of mailboxes (named ones and inboxes,
 * max_user_mailboxes), beside the byte limit: one user cannot take all of
 * max_mailboxes from the others; EDQUOT past it; CAP_SYS_RESOURCE (root
 * here) goes past it.
 */
static void test_user_mailbox_limit(void **state)
{
	const char *names[USER_MAILBOXES] = {
		tu_name("um-0"), tu_name("um-1"), tu_name("um-2"),
	};
	int before = tu_user_mailboxes(0);

	(void)state;
	assert_true(before >= 0);
	tu_param_set("max_user_mailboxes", USER_MAILBOXES);
	assert_child_ok(tu_fork(child_user_mailboxes, (void *)names));
	/* Its named mailboxes outlive it, counted (debugfs is root's to read). */
	assert_int_equal(tu_user_mailboxes(TU_NOBODY), USER_MAILBOXES);
	/* Root has CAP_SYS_RESOURCE: past the limit. */
	tu_create(tu_name("um-r0"), 1, 0, 0600, 0);
	tu_create(tu_name("um-r1"), 1, 0, 0600, 0);
	tu_create(tu_name("um-r2"), 1, 0, 0600, 0);
	tu_create(tu_name("um-r3"), 1, 0, 0600, 0);
	assert_true(tu_user_mailboxes(0) >= before + 4);
}

struct sharer {
	int ready;		/* the owner writes its pid here once its inbox is open */
	int go;			/* the owner reads, then clones the sharer and exits */
	int release;		/* the sharer reads, then exits */
};

static int sharer_main(void *arg)
{
	const struct sharer *s = arg;
	char c;

	/* Holds the owner's descriptor table (and so its inbox) until told. */
	return read(s->release, &c, 1) < 0;
}

/* Child: the inbox's owner; shares its table with a non-thread, then exits. */
static int child_owner_shares(void *arg)
{
	static char stack[64 * 1024];
	const struct sharer *s = arg;
	struct msgport_mailbox *in;
	struct msgport_attr attr = { .capacity = 1, .mode = 0622 };
	pid_t me = getpid();
	char c;

	CHILD_CHECK(msgport_inbox_open(tu_mp(), &attr, 0, &in) == 0);
	CHILD_CHECK(write(s->ready, &me, sizeof(me)) == sizeof(me));
	CHILD_CHECK(read(s->go, &c, 1) == 1);
	CHILD_CHECK(clone(sharer_main, stack + sizeof(stack), CLONE_FILES | SIGCHLD,
			  (void *)s) > 0);
	return 0;	/* the table, and the inbox's descriptor, live on in the sharer */
}

/* Child: a send to the full inbox, which must end with it. */
static int child_send_to_owner(void *arg)
{
	pid_t owner = *(pid_t *)arg;
	int ret = msgport_send_pid(tu_mp(), owner, "late", 4, 0, 0, 15000000000LL, NULL);

	if (ret != -ECONNRESET && ret != -ECONNREFUSED && ret != -ESRCH)
		fprintf(stderr, "send to the gone owner's inbox: %d (%s)\n", ret,
			msgport_strerror(ret));
	CHILD_CHECK(ret == -ECONNRESET || ret == -ECONNREFUSED || ret == -ESRCH);
	return 0;
}

/*
 * Scenario 6: an inbox whose owner shares its descriptor table with another
 * process (clone(CLONE_FILES), not a thread) closes when the owner exits: a
 * sender blocked on it wakes (ECONNRESET), instead of waiting for the
 * sharer to close the table.
 */
static void test_inbox_closes_at_owner_exit(void **state)
{
	int ready[2], go[2], release[2];
	struct sharer s;
	pid_t op, sp;
	pid_t owner;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(release), 0);
	s = (struct sharer){ .ready = ready[1], .go = go[0], .release = release[0] };
	op = tu_fork(child_owner_shares, &s);
	assert_int_equal(read(ready[0], &owner, sizeof(owner)), sizeof(owner));
	/* Full, and a sender waiting for room. */
	assert_int_equal(msgport_send_pid(tu_mp(), owner, "fill", 4, 0, MSGPORT_F_NONBLOCK, 0,
					  NULL), 0);
	sp = tu_fork(child_send_to_owner, &owner);
	usleep(300000);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_child_ok(op);
	assert_child_ok(sp);
	assert_int_equal(write(release[1], "r", 1), 1);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	close(release[0]);
	close(release[1]);
}

static const struct CMUnitTest shared_machine_tests[] = {
	TU_TEST(test_sync_withdrawn_kicks),
	TU_TEST(test_call_withdrawn_kicks),
	TU_TEST(test_small_messages_charged),
	TU_TEST(test_charge_covers_header),
	TU_TEST(test_memcg_charge_follows_sender),
	TU_TEST(test_stat_open_pins_nothing),
	TU_TEST(test_rendezvous_pollout),
	TU_TEST(test_epollet_each_arrival),
	TU_TEST(test_send_pid_no_probe),
	TU_TEST(test_reply_recv_checks_empty_reply),
	TU_TEST(test_device_mode),
	TU_TEST(test_teardown_bounded),
	TU_TEST(test_user_mailbox_limit),
	TU_TEST(test_filtered_waiters_bounded),
	TU_TEST(test_inbox_closes_at_owner_exit),
};

MSGPORT_SUITE(shared_machine_suite, MSGPORT_GROUP_MODULE, 1450, "shared-machine",
	      "safe on a shared machine: no lost wake-up, real charges, rights to open",
	      shared_machine_tests);
