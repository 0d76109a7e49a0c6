// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "anon": anonymous mailboxes (MSGPORT_O_ANON) and descriptors with
 * reduced rights (MSGPORT_IOC_DUP): create, send and receive; stat flags and
 * no name anywhere; the per-user and per-namespace mailbox limits; the ends
 * of a pipe (EPIPE both ways, blocked waiters woken, queued messages dropped
 * and counted, poll's EPOLLHUP); dup with fewer rights (what a send-only
 * descriptor cannot do), its argument checks, an inbox refused; a send-only
 * descriptor passed with SCM_RIGHTS to another user's process; nothing left
 * behind once closed (debugfs msgport/objects); /proc/msgport_summary's
 * count; region waiters and pollers woken at either end's last close; an
 * inherited descriptor keeping its end alive; no region without the right
 * to receive.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "msgport_test.h"

#define RW (MSGPORT_O_RECV | MSGPORT_O_SEND)

/*
 * The handles a test made with anon_new()/dup_new(), closed by the suite's
 * teardown unless the test closed them with put() first.
 */
#define MAX_HANDLES	64
static struct msgport_mailbox *handles[MAX_HANDLES];

static struct msgport_mailbox *track(struct msgport_mailbox *mb)
{
	size_t i;

	for (i = 0; i < MAX_HANDLES; i++) {
		if (!handles[i]) {
			handles[i] = mb;
			return mb;
		}
	}
	fail_msg("too many handles");
	return NULL;
}

static void put(struct msgport_mailbox *mb)
{
	size_t i;

	for (i = 0; i < MAX_HANDLES; i++) {
		if (handles[i] == mb) {
			handles[i] = NULL;
			msgport_mailbox_close(mb);
			return;
		}
	}
	fail_msg("put: handle not tracked");
}

static int anon_teardown(void **state)
{
	size_t i;

	for (i = 0; i < MAX_HANDLES; i++) {
		msgport_mailbox_close(handles[i]);
		handles[i] = NULL;
	}
	return tu_teardown(state);
}

#define ANON_TEST(f) cmocka_unit_test_setup_teardown(f, tu_setup, anon_teardown)

static struct msgport_mailbox *anon_new(unsigned int oflags, uint32_t capacity,
					uint64_t region_size)
{
	struct msgport_attr a = { .capacity = capacity, .mode = 0600,
				  .region_size = region_size };
	struct msgport_mailbox *mb = NULL;
	int ret = msgport_mailbox_create_anon(tu_mp(), oflags, &a, &mb);

	if (ret < 0)
		fail_msg("msgport_mailbox_create_anon: %s", msgport_strerror(ret));
	return track(mb);
}

static struct msgport_mailbox *dup_new(struct msgport_mailbox *mb, unsigned int access,
				       unsigned int flags)
{
	struct msgport_mailbox *d = NULL;
	int ret = msgport_mailbox_dup(mb, access, flags, &d);

	if (ret < 0)
		fail_msg("msgport_mailbox_dup: %s", msgport_strerror(ret));
	return track(d);
}

static struct msgport_stat stat_of(struct msgport_mailbox *mb)
{
	struct msgport_stat st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	return st;
}

static int send_str(struct msgport_mailbox *mb, const char *s, unsigned int flags)
{
	return msgport_send(mb, s, strlen(s), 0, flags, MSGPORT_WAIT_FOREVER, NULL);
}

static void recv_expect(struct msgport_mailbox *mb, const char *s)
{
	char buf[256];
	ssize_t n = msgport_recv(mb, buf, sizeof(buf) - 1, MSGPORT_F_NONBLOCK, 0, NULL);

	if (n < 0)
		fail_msg("recv, expecting \"%s\": %s", s, msgport_strerror((int)n));
	buf[n] = '\0';
	assert_string_equal(buf, s);
}

/* MSGPORT_IOC_OPEN with MSGPORT_O_ANON, raw: the descriptor or -errno. */
static int raw_anon(uint64_t name, uint32_t name_len, uint32_t flags, uint32_t mode,
		    uint32_t max_msg_size)
{
	struct msgport_open o;

	memset(&o, 0, sizeof(o));
	o.name = name;
	o.name_len = name_len;
	o.flags = flags | MSGPORT_O_ANON | MSGPORT_O_CLOEXEC;
	o.mode = mode;
	o.capacity = 4;
	o.max_msg_size = max_msg_size;
	return tu_track_fd(tu_ioctl(tu_devfd(), MSGPORT_IOC_OPEN, &o));
}

/* The lines of /proc/msgport, header included, or -errno. */
static int proc_lines(void)
{
	FILE *f = fopen("/proc/msgport", "re");
	int n = 0, c;

	if (!f)
		return -errno;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* A count of /proc/msgport_summary ("mailboxes", "anonymous"), or -errno. */
static long summary(const char *key)
{
	FILE *f = fopen("/proc/msgport_summary", "re");
	long v, ret = -ENOENT;
	char k[64];

	if (!f)
		return -errno;
	while (fscanf(f, "%63s %ld", k, &v) == 2) {
		if (!strcmp(k, key)) {
			ret = v;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* Create, send, receive; stat's name, flags and owner; no line in /proc/msgport. */
static void test_create_send_recv(void **state)
{
	int lines = proc_lines();
	struct msgport_mailbox *mb;
	struct msgport_stat st;
	char link[64], target[128];
	ssize_t n;

	(void)state;
	assert_true(lines >= 1);
	mb = anon_new(RW, 4, 0);
	assert_int_equal(send_str(mb, "one", 0), 0);
	assert_int_equal(send_str(mb, "two", 0), 0);
	recv_expect(mb, "one");
	recv_expect(mb, "two");
	assert_errno(msgport_recv(mb, target, sizeof(target), MSGPORT_F_NONBLOCK, 0, NULL),
		     EAGAIN);

	st = stat_of(mb);
	assert_string_equal(st.name, "");
	assert_int_equal(st.flags, MSGPORT_STAT_ANON | MSGPORT_STAT_EPHEMERAL);
	assert_int_equal(st.uid, geteuid());
	assert_int_equal(st.gid, getegid());
	assert_int_equal(st.mode, 0600);
	assert_int_equal(st.capacity, 4);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.received, 2);
	/* Its owner may change the mode, which only stat shows. */
	assert_int_equal(msgport_mailbox_chmod(mb, 0640), 0);
	assert_int_equal(stat_of(mb).mode, 0640);

	/* Listed nowhere: /proc/msgport has no line for it. */
	assert_int_equal(proc_lines(), lines);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", msgport_mailbox_fd(mb));
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "anon_inode:[msgport-anon]");
	/* Descriptor flags as for an open: close-on-exec, read and write. */
	assert_int_equal(fcntl(msgport_mailbox_fd(mb), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(fcntl(msgport_mailbox_fd(mb), F_GETFL) & O_ACCMODE, O_RDWR);
	/* read(2) and write(2) work as on a named mailbox. */
	assert_int_equal(write(msgport_mailbox_fd(mb), "rw", 2), 2);
	assert_int_equal(read(msgport_mailbox_fd(mb), target, sizeof(target)), 2);
}

/* The open's checks: no name, no O_EXCL or O_EPHEMERAL, an access, valid attributes. */
static void test_open_args(void **state)
{
	static const char name[] = "x";
	unsigned long long max;

	(void)state;
	assert_int_equal(tu_param_read("max_msg_size", &max), 0);
	assert_errno(raw_anon((uint64_t)(uintptr_t)name, 1, RW, 0600, 0), EINVAL);
	assert_errno(raw_anon((uint64_t)(uintptr_t)name, 0, RW, 0600, 0), EINVAL);
	assert_errno(raw_anon(0, 1, RW, 0600, 0), EINVAL);
	assert_errno(raw_anon(0, 0, RW | MSGPORT_O_CREAT | MSGPORT_O_EXCL, 0600, 0), EINVAL);
	assert_errno(raw_anon(0, 0, RW | MSGPORT_O_CREAT | MSGPORT_O_EPHEMERAL, 0600, 0), EINVAL);
	assert_errno(raw_anon(0, 0, MSGPORT_O_EPHEMERAL | MSGPORT_O_SEND, 0600, 0), EINVAL);
	assert_errno(raw_anon(0, 0, 0, 0600, 0), EINVAL);
	assert_errno(raw_anon(0, 0, MSGPORT_O_CREAT, 0600, 0), EINVAL);
	assert_errno(raw_anon(0, 0, RW, 01000, 0), EINVAL);
	assert_errno(raw_anon(0, 0, RW, 0600, (uint32_t)max + 1), EINVAL);
	/* Flag bits past MSGPORT_O_ALL stay refused. */
	assert_errno(raw_anon(0, 0, RW | (MSGPORT_O_ALL + 1), 0600, 0), EINVAL);
}

/* O_CREAT may be given or not; attributes come back in stat; 0 max_msg_size: the default. */
static void test_open_variants(void **state)
{
	unsigned long long dflt;
	struct msgport_stat st;
	int fd;

	(void)state;
	assert_int_equal(tu_param_read("default_msg_size", &dflt), 0);
	fd = raw_anon(0, 0, RW | MSGPORT_O_CREAT, 0640, 0);
	assert_true(fd >= 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_STAT, &st), 0);
	assert_int_equal(st.mode, 0640);
	assert_int_equal(st.max_msg_size, dflt);
	assert_int_equal(st.flags, MSGPORT_STAT_ANON | MSGPORT_STAT_EPHEMERAL);
	fd = raw_anon(0, 0, RW | MSGPORT_O_NONBLOCK, 0600, 100);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	memset(&st, 0, sizeof(st));
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_STAT, &st), 0);
	assert_int_equal(st.max_msg_size, 100);
	/* A name cannot reach it: unlinking "" is the module's EINVAL. */
	{
		struct msgport_name n = { .name = 0, .name_len = 0 };

		assert_errno(tu_ioctl(tu_devfd(), MSGPORT_IOC_UNLINK, &n), EINVAL);
	}
}

#define LIMIT_N	3

/* Child, as nobody: anonymous mailboxes count in max_user_mailboxes. */
static int child_user_limit(void *arg)
{
	struct msgport_mailbox *mb[LIMIT_N + 1] = { NULL }, *extra = NULL, *tx = NULL;
	int i;

	(void)arg;
	CHILD_CHECK(tu_drop_privileges() == 0);
	for (i = 0; i < LIMIT_N; i++)
		CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, NULL, &mb[i]) == 0);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, NULL, &mb[LIMIT_N]) == -EDQUOT);
	/* Closing one (its last descriptor) gives its place back. */
	msgport_mailbox_close(mb[0]);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, NULL, &mb[LIMIT_N]) == 0);
	/* A send-only dup does not count again, and keeps it counted. */
	CHILD_CHECK(msgport_mailbox_dup(mb[1], MSGPORT_O_SEND, 0, &tx) == 0);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, NULL, &extra) == -EDQUOT);
	/*
	 * Its receiver gone, the send-only copy (which could be another
	 * user's) holds none of its creator's count: its place is free.
	 */
	msgport_mailbox_close(mb[1]);
	CHILD_CHECK(msgport_send(tx, "x", 1, 0, MSGPORT_F_NONBLOCK, 0, NULL) == -EPIPE);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, NULL, &extra) == 0);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, NULL, &mb[0]) == -EDQUOT);
	/*
	 * A send-only mailbox (dead from birth) is counted nowhere once made
	 * (making it needs a place, as any).
	 */
	msgport_mailbox_close(tx);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), MSGPORT_O_SEND, NULL, &tx) == -EDQUOT);
	msgport_mailbox_close(extra);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), MSGPORT_O_SEND, NULL, &tx) == 0);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, NULL, &extra) == 0);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, NULL, &mb[0]) == -EDQUOT);
	msgport_mailbox_close(tx);
	return 0;
}

/* max_user_mailboxes counts anonymous mailboxes: EDQUOT past it. */
static void test_user_limit(void **state)
{
	(void)state;
	tu_param_set("max_user_mailboxes", LIMIT_N);
	assert_child_ok(tu_fork(child_user_limit, NULL));
	/* Gone with their process: nothing left counted for nobody. */
	assert_int_equal(tu_user_mailboxes(TU_NOBODY), 0);
}

struct ns_limit {
	const char *name;
	unsigned long long max_region;	/* the module's max_region_size */
};

/* Child, as nobody (no CAP_SYS_RESOURCE): one more is ENOSPC. */
static int child_ns_limit(void *arg)
{
	const struct ns_limit *nl = arg;
	struct msgport_attr big = { .region_size = nl->max_region + 1 };
	struct msgport_mailbox *a = NULL, *b = NULL;

	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, NULL, &a) == 0);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, NULL, &b) == -ENOSPC);
	/*
	 * The room is checked before anything is allocated: a region too
	 * large to make is not even tried (EFBIG would say it was).
	 */
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, &big, &b) == -ENOSPC);
	/* It counts as a named one would: no name fits either. */
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), nl->name, MSGPORT_O_CREAT | RW, NULL,
					 &b) == -ENOSPC);
	msgport_mailbox_close(a);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, &big, &b) == -EFBIG);
	CHILD_CHECK(msgport_mailbox_create_anon(tu_mp(), RW, NULL, &b) == 0);
	return 0;
}

/*
 * The namespace's max_mailboxes counts anonymous mailboxes: ENOSPC past it.
 * /proc/msgport_summary shows them (/proc/msgport cannot): its "mailboxes"
 * is /proc/msgport's named ones plus its "anonymous".
 */
static void test_ns_limit(void **state)
{
	struct ns_limit nl = { .name = tu_name("nsl") };
	long all = summary("mailboxes"), anon = summary("anonymous");
	struct msgport_mailbox *mb;

	(void)state;
	assert_true(all >= 0 && anon >= 0 && anon <= all);
	assert_int_equal(proc_lines() - 1, all - anon);
	mb = anon_new(RW, 4, 0);
	assert_int_equal(summary("anonymous"), anon + 1);
	assert_int_equal(summary("mailboxes"), all + 1);
	put(mb);
	assert_int_equal(summary("anonymous"), anon);
	assert_int_equal(summary("mailboxes"), all);
	assert_int_equal(tu_param_read("max_region_size", &nl.max_region), 0);
	/* Room for exactly one more in this namespace. */
	tu_param_set("max_mailboxes", (unsigned long long)all + 1);
	assert_child_ok(tu_fork(child_ns_limit, &nl));
}

struct blocked {
	struct msgport_mailbox *mb;
	unsigned int flags;
	int call;		/* make a call instead of a send/receive */
	int recv;
	int from;		/* recv: msgport_recv_from() this process */
	int batch;		/* recv: msgport_recv_batch() of this many */
	long ret;
};

static void *blocked_main(void *arg)
{
	struct blocked *b = arg;
	struct msgport_batch_msg msgs[4];
	char buf[64], bufs[4][16];
	int i;

	if (b->batch) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < b->batch && i < 4; i++) {
			msgs[i].buf = bufs[i];
			msgs[i].len = sizeof(bufs[i]);
		}
		b->ret = msgport_recv_batch(b->mb, msgs, (unsigned int)b->batch, b->flags,
					    MSGPORT_WAIT_FOREVER);
	} else if (b->from) {
		b->ret = msgport_recv_from(b->mb, getpid(), buf, sizeof(buf), b->flags,
					   MSGPORT_WAIT_FOREVER, NULL);
	} else if (b->call)
		b->ret = msgport_call(b->mb, "q", 1, buf, sizeof(buf), 0, 0,
				      MSGPORT_WAIT_FOREVER, NULL);
	else if (b->recv)
		b->ret = msgport_recv(b->mb, buf, sizeof(buf), b->flags, MSGPORT_WAIT_FOREVER,
				      NULL);
	else
		b->ret = send_str(b->mb, "blocked", b->flags);
	return NULL;
}

/*
 * The last receiver closes: queued messages are dropped and counted, later
 * sends fail with EPIPE, poll says EPOLLERR | EPOLLHUP.
 */
static void test_epipe_send(void **state)
{
	struct msgport_mailbox *mb = anon_new(RW, 8, 0);
	struct msgport_mailbox *tx = dup_new(mb, MSGPORT_O_SEND, 0);
	struct pollfd p = { .fd = msgport_mailbox_fd(tx), .events = POLLOUT };
	struct msgport_stat st;
	char buf[8];

	(void)state;
	assert_int_equal(send_str(tx, "a", 0), 0);
	assert_int_equal(send_str(tx, "b", 0), 0);
	assert_int_equal(send_str(tx, "c", 0), 0);
	put(mb);
	assert_errno(send_str(tx, "d", 0), EPIPE);
	assert_errno(send_str(tx, "d", MSGPORT_F_NONBLOCK), EPIPE);
	assert_errno(msgport_call(tx, "q", 1, buf, sizeof(buf), 0, 0, MSGPORT_WAIT_FOREVER, NULL),
		     EPIPE);
	/* write(2) too, with no SIGPIPE (the test would die of it). */
	assert_int_equal(write(msgport_mailbox_fd(tx), "w", 1), -1);
	assert_int_equal(errno, EPIPE);
	st = stat_of(tx);
	assert_int_equal(st.dropped, 3);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.flags & MSGPORT_STAT_UNLINKED, MSGPORT_STAT_UNLINKED);
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_int_equal(p.revents & (POLLERR | POLLHUP), POLLERR | POLLHUP);
}

/* Blocked senders (for room, for a receipt) and a caller wake with EPIPE. */
static void test_epipe_blocked_senders(void **state)
{
	struct msgport_mailbox *mb = anon_new(RW, 1, 0);
	struct msgport_mailbox *tx = dup_new(mb, MSGPORT_O_SEND, 0);
	struct blocked room = { .mb = tx }, sync = { .mb = tx, .flags = MSGPORT_F_SYNC };
	struct blocked call = { .mb = tx, .call = 1 };
	pthread_t t1, t2, t3;

	(void)state;
	assert_int_equal(send_str(tx, "fill", 0), 0);
	assert_int_equal(pthread_create(&t1, NULL, blocked_main, &room), 0);
	assert_await(tx, TU_WAITING_SENDERS, 1);
	assert_int_equal(pthread_create(&t2, NULL, blocked_main, &sync), 0);
	assert_await(tx, TU_WAITING_SENDERS, 2);
	assert_int_equal(pthread_create(&t3, NULL, blocked_main, &call), 0);
	assert_await(tx, TU_WAITING_SENDERS, 3);
	put(mb);
	assert_int_equal(pthread_join(t1, NULL), 0);
	assert_int_equal(pthread_join(t2, NULL), 0);
	assert_int_equal(pthread_join(t3, NULL), 0);
	assert_errno(room.ret, EPIPE);
	assert_errno(sync.ret, EPIPE);
	assert_errno(call.ret, EPIPE);
	assert_int_equal(stat_of(tx).waiting_senders, 0);
}

/*
 * A sync sender whose message is queued (waiting for its receipt) wakes with
 * EPIPE when the receivers go; its message is dropped and counted.
 */
static void test_epipe_receipt(void **state)
{
	struct msgport_mailbox *mb = anon_new(RW, 4, 0);
	struct msgport_mailbox *tx = dup_new(mb, MSGPORT_O_SEND, 0);
	struct blocked sync = { .mb = tx, .flags = MSGPORT_F_SYNC };
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, blocked_main, &sync), 0);
	assert_await(tx, TU_QUEUED_MSGS, 1);
	assert_await(tx, TU_WAITING_SENDERS, 1);
	put(mb);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_errno(sync.ret, EPIPE);
	assert_int_equal(stat_of(tx).dropped, 1);
}

/*
 * The last sender closes: what is queued is still received, then EPIPE,
 * blocking or not; poll adds POLLHUP.
 */
static void test_epipe_recv(void **state)
{
	struct msgport_mailbox *mb = anon_new(RW, 8, 0);
	struct msgport_mailbox *rx = dup_new(mb, MSGPORT_O_RECV, 0);
	struct pollfd p = { .fd = msgport_mailbox_fd(rx), .events = POLLIN };
	char buf[16];

	(void)state;
	assert_int_equal(send_str(mb, "x", 0), 0);
	assert_int_equal(send_str(mb, "y", 0), 0);
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, POLLIN);
	put(mb);
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, POLLIN | POLLHUP);
	recv_expect(rx, "x");
	recv_expect(rx, "y");
	assert_errno(msgport_recv(rx, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, NULL), EPIPE);
	assert_errno(msgport_recv(rx, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), EPIPE);
	assert_errno(msgport_recv(rx, buf, sizeof(buf), 0, 1000000, NULL), EPIPE);
	assert_errno(msgport_recv_from(rx, getpid(), buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER,
				       NULL), EPIPE);
	assert_int_equal(read(msgport_mailbox_fd(rx), buf, sizeof(buf)), -1);
	assert_int_equal(errno, EPIPE);
	{
		struct msgport_batch_msg m = { .buf = buf, .len = sizeof(buf) };

		assert_errno(msgport_recv_batch(rx, &m, 1, 0, MSGPORT_WAIT_FOREVER), EPIPE);
	}
	p.revents = 0;
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, POLLHUP);
	/* Not dead: the receive end is still there. */
	assert_int_equal(stat_of(rx).flags & MSGPORT_STAT_UNLINKED, 0);
}

/* Blocked receivers (plain, filtered, a batch) wake with EPIPE when the last sender closes. */
static void test_epipe_blocked_receivers(void **state)
{
	struct msgport_mailbox *mb = anon_new(RW, 8, 0);
	struct msgport_mailbox *rx = dup_new(mb, MSGPORT_O_RECV, 0);
	struct blocked r[4] = {
		{ .mb = rx, .recv = 1 }, { .mb = rx, .recv = 1 },
		{ .mb = rx, .recv = 1, .from = 1 },	/* msgport_recv_from() */
		{ .mb = rx, .recv = 1, .batch = 4 },	/* msgport_recv_batch(), n > 1 */
	};
	pthread_t t[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, blocked_main, &r[i]), 0);
	assert_await(rx, TU_WAITING_RECEIVERS, 4);
	put(mb);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_errno(r[i].ret, EPIPE);
	}
	assert_int_equal(stat_of(rx).waiting_receivers, 0);
}

struct waiter {
	pid_t tid;		/* set once it runs */
	struct msgport_region *r;
	struct pollfd p;	/* poll: fd and events in, revents out */
	uint32_t value;
	long ret;
};

static void *region_waiter_main(void *arg)
{
	struct waiter *w = arg;

	__atomic_store_n(&w->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	w->ret = msgport_region_wait(w->r, 0, w->value, MSGPORT_WAIT_FOREVER);
	return NULL;
}

static void *poller_main(void *arg)
{
	struct waiter *w = arg;

	__atomic_store_n(&w->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	w->ret = poll(&w->p, 1, -1);
	return NULL;
}

/* Start fn(w) in a thread and wait until it sleeps in a kernel function named like wchan. */
static void start_sleeper(pthread_t *t, void *(*fn)(void *), struct waiter *w, const char *wchan)
{
	uint64_t deadline = tu_now_ns() + 10000ULL * 1000000ULL;

	assert_int_equal(pthread_create(t, NULL, fn, w), 0);
	while (!__atomic_load_n(&w->tid, __ATOMIC_SEQ_CST) && tu_now_ns() < deadline)
		usleep(1000);
	assert_true(w->tid > 0);
	assert_int_equal(tu_await_wchan(w->tid, wchan), 0);
}

/*
 * A region waiter with no time-out, on a receive-only descriptor, wakes with
 * EPIPE when the last descriptor that can send closes (nobody is left who
 * may write the word); a later wait is EPIPE at once, unless its word
 * already differs.
 */
static void test_epipe_region_wait(void **state)
{
	struct msgport_mailbox *mb = anon_new(RW, 4, 4096);
	struct msgport_mailbox *rx = dup_new(mb, MSGPORT_O_RECV, 0);
	struct msgport_region *rw = NULL, *ro = NULL;
	struct waiter w = { .value = 7 };
	pthread_t t;

	(void)state;
	assert_int_equal(msgport_region_map(mb, &rw), 0);
	*(volatile uint32_t *)msgport_region_addr(rw) = 7;
	/* The writable mapping holds a sender: it goes first. */
	msgport_region_unmap(rw);
	assert_int_equal(msgport_region_map(rx, &ro), 0);
	w.r = ro;
	start_sleeper(&t, region_waiter_main, &w, "region_wait");
	put(mb);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_errno(w.ret, EPIPE);
	assert_errno(msgport_region_wait(ro, 0, 7, MSGPORT_WAIT_FOREVER), EPIPE);
	assert_errno(msgport_region_wait(ro, 0, 7, 1000000), EPIPE);
	/* A word that differs still says so first. */
	assert_int_equal(msgport_region_wait(ro, 0, 0, MSGPORT_WAIT_FOREVER), 0);
	msgport_region_unmap(ro);
}

/*
 * A poller blocked on the receive-only end gets POLLHUP when the last
 * sender closes; one blocked on the send-only end (POLLOUT on a full
 * queue) gets POLLERR | POLLHUP when the last receiver closes.
 */
static void test_poll_blocked(void **state)
{
	struct msgport_mailbox *a = anon_new(RW, 1, 0), *b = anon_new(RW, 1, 0);
	struct msgport_mailbox *rx = dup_new(a, MSGPORT_O_RECV, 0);
	struct msgport_mailbox *tx = dup_new(b, MSGPORT_O_SEND, 0);
	struct waiter in = { .p = { .fd = msgport_mailbox_fd(rx), .events = POLLIN } };
	struct waiter out = { .p = { .fd = msgport_mailbox_fd(tx), .events = POLLOUT } };
	pthread_t t1, t2;

	(void)state;
	assert_int_equal(send_str(tx, "full", 0), 0);	/* capacity 1: no POLLOUT */
	start_sleeper(&t1, poller_main, &in, "poll");
	start_sleeper(&t2, poller_main, &out, "poll");
	put(a);
	assert_int_equal(pthread_join(t1, NULL), 0);
	assert_int_equal(in.ret, 1);
	assert_int_equal(in.p.revents, POLLHUP);
	put(b);
	assert_int_equal(pthread_join(t2, NULL), 0);
	assert_int_equal(out.ret, 1);
	assert_int_equal(out.p.revents & (POLLERR | POLLHUP | POLLOUT), POLLERR | POLLHUP);
}

static int child_hold(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

/*
 * A descriptor a child inherited by fork(2) is a sender like the parent's:
 * while the child holds it the receiver gets EAGAIN, not EPIPE; once the
 * child is gone, EPIPE.
 */
static void test_inherited_sender(void **state)
{
	struct msgport_mailbox *mb = anon_new(RW, 4, 0);
	struct msgport_mailbox *rx = dup_new(mb, MSGPORT_O_RECV, 0);
	char buf[8];
	pid_t pid;

	(void)state;
	pid = tu_fork(child_hold, NULL);
	assert_true(pid > 0);
	put(mb);
	assert_errno(msgport_recv(rx, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, NULL), EAGAIN);
	assert_errno(msgport_recv(rx, buf, sizeof(buf), 0, 1000000, NULL), ETIMEDOUT);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(tu_join(pid), 128 + SIGKILL);
	assert_errno(msgport_recv(rx, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, NULL), EPIPE);
	assert_errno(msgport_recv(rx, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), EPIPE);
}

/*
 * Once its last receiver is gone, an anonymous mailbox held by send-only
 * descriptors no longer holds its creator's region memory and charge, nor
 * its place in the namespace; a span send through the survivor is EPIPE.
 */
static long object(const char *key);

static void test_receivers_gone_release(void **state)
{
	struct msgport_mailbox *mb = anon_new(RW, 4, 4 * 4096);
	struct msgport_mailbox *tx = dup_new(mb, MSGPORT_O_SEND, 0);
	long regions = object("regions"), bytes0 = -1, bytes = -1;
	long anon = summary("anonymous"), all = summary("mailboxes");
	struct msgport_send sp = { .buf = 0, .len = 64,
				   .flags = MSGPORT_F_SPAN | MSGPORT_F_NONBLOCK };
	struct msgport_region *r = NULL;

	(void)state;
	assert_int_equal(tu_user_charge(geteuid(), &bytes0), 0);
	assert_true(bytes0 >= 4 * 4096);
	/* A mapping holds its descriptor, a receiver: all stays while mapped. */
	assert_int_equal(msgport_region_map(mb, &r), 0);
	put(mb);
	assert_int_equal(object("regions"), regions);
	assert_int_equal(summary("anonymous"), anon);
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(tx), MSGPORT_IOC_SEND, &sp), 0);
	msgport_region_unmap(r);
	/* The last receiver went with the mapping. */
	assert_int_equal(object("regions"), regions - 1);
	assert_int_equal(summary("anonymous"), anon - 1);
	assert_int_equal(summary("mailboxes"), all - 1);
	assert_int_equal(tu_user_charge(geteuid(), &bytes), 0);
	assert_int_equal(bytes, bytes0 - 4 * 4096);
	/* The survivor's sends, spans included (checked against the size), fail. */
	assert_errno(tu_ioctl(msgport_mailbox_fd(tx), MSGPORT_IOC_SEND, &sp), EPIPE);
	sp.buf = 4 * 4096;
	assert_errno(tu_ioctl(msgport_mailbox_fd(tx), MSGPORT_IOC_SEND, &sp), ERANGE);
	assert_errno(send_str(tx, "late", 0), EPIPE);
	assert_int_equal(stat_of(tx).region_maps, 0);
	assert_int_equal(stat_of(tx).dropped, 1);
}

/* A region needs the right to receive: nobody could map a send-only mailbox's. */
static void test_region_needs_recv(void **state)
{
	struct msgport_attr a = { .capacity = 4, .mode = 0600, .region_size = 4096 };
	struct msgport_mailbox *mb = NULL;
	long regions = -1, regions2 = -1;

	(void)state;
	assert_int_equal(tu_objects_read("regions", &regions), 0);
	assert_errno(msgport_mailbox_create_anon(tu_mp(), MSGPORT_O_SEND, &a, &mb), EINVAL);
	assert_null(mb);
	assert_int_equal(tu_objects_read("regions", &regions2), 0);
	assert_int_equal(regions2, regions);
	mb = anon_new(MSGPORT_O_RECV, 4, 4096);
	assert_int_equal(stat_of(mb).region_size, 4096);
}

/* A mailbox made with one right only starts with the other end gone. */
static void test_one_sided(void **state)
{
	struct msgport_mailbox *tx = anon_new(MSGPORT_O_SEND, 4, 0);
	struct msgport_mailbox *rx = anon_new(MSGPORT_O_RECV, 4, 0);
	char buf[8];

	(void)state;
	assert_errno(send_str(tx, "nobody", 0), EPIPE);
	assert_errno(msgport_recv(rx, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), EPIPE);
}

/* Dup with fewer rights: a send-only descriptor sends, and can do nothing more. */
static void test_dup_send_only(void **state)
{
	struct msgport_mailbox *mb = anon_new(RW, 4, 4096);
	struct msgport_mailbox *tx = dup_new(mb, MSGPORT_O_SEND, 0), *x = NULL;
	int fd = msgport_mailbox_fd(tx);
	char buf[16];
	void *p;

	(void)state;
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(send_str(tx, "via dup", 0), 0);
	recv_expect(mb, "via dup");
	assert_errno(msgport_recv(tx, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, NULL), EBADF);
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EBADF);
	/* No mapping of the region: that needs the right to receive. */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p == MAP_FAILED);
	assert_int_equal(errno, EACCES);
	/* No way back up. */
	assert_errno(msgport_mailbox_dup(tx, MSGPORT_O_RECV, 0, &x), EPERM);
	assert_null(x);
	assert_errno(msgport_mailbox_dup(tx, RW, 0, &x), EPERM);
	/* Down to stat only is fine, and that one cannot send either. */
	x = dup_new(tx, 0, 0);
	assert_int_equal(stat_of(x).flags & MSGPORT_STAT_ANON, MSGPORT_STAT_ANON);
	assert_errno(send_str(x, "no", 0), EBADF);
	{
		struct msgport_mailbox *y = NULL;

		assert_errno(msgport_mailbox_dup(x, MSGPORT_O_SEND, 0, &y), EPERM);
		assert_null(y);
	}
}

/* A receive-only dup maps the region read-only and cannot send. */
static void test_dup_recv_only(void **state)
{
	struct msgport_mailbox *mb = anon_new(RW, 4, 4096);
	struct msgport_mailbox *rx = dup_new(mb, MSGPORT_O_RECV, MSGPORT_O_NONBLOCK);
	int fd = msgport_mailbox_fd(rx);
	void *p;

	(void)state;
	assert_int_equal(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY | O_NONBLOCK);
	assert_errno(send_str(rx, "no", 0), EBADF);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p == MAP_FAILED);
	assert_int_equal(errno, EACCES);
	p = tu_mmap(fd, 4096, PROT_READ, MAP_SHARED, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(mprotect(p, 4096, PROT_READ | PROT_WRITE), -1);
	assert_int_equal(send_str(mb, "to rx", 0), 0);
	recv_expect(rx, "to rx");
}

/* Dup works on named mailboxes too, and keeps an ephemeral one alive. */
static void test_dup_named(void **state)
{
	const char *name = tu_name("dupn");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, MSGPORT_O_EPHEMERAL);
	struct msgport_mailbox *tx = dup_new(mb, MSGPORT_O_SEND, 0), *again;

	(void)state;
	assert_string_equal(stat_of(tx).name, name);
	tu_close(mb);
	/* The dup counts as a descriptor that can send: the mailbox is still there. */
	assert_int_equal(tu_proc_count(name), 1);
	again = tu_open(name, MSGPORT_O_RECV);
	assert_int_equal(send_str(tx, "kept", 0), 0);
	recv_expect(again, "kept");
	tu_close(again);
	put(tx);
	/* Its last descriptor gone, the ephemeral mailbox goes. */
	assert_int_equal(tu_proc_count(name), 0);
	/* Named mailboxes keep their rules: no EPIPE without receivers. */
	mb = tu_create(tu_name("dupn2"), 4, 0, 0600, 0);
	tx = dup_new(mb, MSGPORT_O_SEND, 0);
	tu_close(mb);
	assert_int_equal(send_str(tx, "queued", MSGPORT_F_NONBLOCK), 0);
}

/* MSGPORT_IOC_DUP's checks: reserved, flags, access bits, an inbox. */
static void test_dup_args(void **state)
{
	struct msgport_mailbox *mb = anon_new(RW, 4, 0);
	struct msgport_mailbox *in = tu_inbox(NULL), *x = NULL;
	int fd = msgport_mailbox_fd(mb);
	struct msgport_dup d;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.access = MSGPORT_O_SEND;
	d.reserved[0] = 1;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_DUP, &d), EINVAL);
	d.reserved[0] = 0;
	d.reserved[1] = 1;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_DUP, &d), EINVAL);
	d.reserved[1] = 0;
	d.flags = MSGPORT_O_CREAT;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_DUP, &d), EINVAL);
	d.flags = MSGPORT_O_ANON;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_DUP, &d), EINVAL);
	d.flags = 0;
	d.access = MSGPORT_O_SEND | MSGPORT_O_CREAT;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_DUP, &d), EINVAL);
	d.access = 1U << 31;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_DUP, &d), EINVAL);
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_DUP, tu_unmapped_page()), EFAULT);
	/* Not on /dev/msgport. */
	d.access = MSGPORT_O_SEND;
	assert_errno(tu_ioctl(tu_devfd(), MSGPORT_IOC_DUP, &d), ENOTTY);
	/* An inbox: EINVAL, whatever the access. */
	assert_errno(msgport_mailbox_dup(in, MSGPORT_O_RECV, 0, &x), EINVAL);
	assert_errno(msgport_mailbox_dup(in, 0, 0, &x), EINVAL);
	assert_null(x);
	/* The raw call gives a plain descriptor number, close-on-exec as asked. */
	d.access = MSGPORT_O_SEND;
	d.flags = 0;
	fd = tu_track_fd(tu_ioctl(fd, MSGPORT_IOC_DUP, &d));
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
}

/* Child, as nobody: gets a send-only descriptor of root's 0600 mailbox by SCM_RIGHTS. */
static int child_passed(void *arg)
{
	int sock = *(int *)arg, fd = -1, ret;
	char cbuf[CMSG_SPACE(sizeof(int))], c, buf[16];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	struct msgport_send s;
	struct msgport_recv r;
	struct msgport_dup d;
	struct msgport_setmode sm = { .mode = 0666 };

	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(recvmsg(sock, &mh, 0) == 1);
	cm = CMSG_FIRSTHDR(&mh);
	CHILD_CHECK(cm && cm->cmsg_type == SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	CHILD_CHECK(fd >= 0);

	memset(&s, 0, sizeof(s));
	s.buf = (uint64_t)(uintptr_t)"from nobody";
	s.len = 11;
	CHILD_CHECK(tu_ioctl(fd, MSGPORT_IOC_SEND, &s) == 0);
	memset(&r, 0, sizeof(r));
	r.buf = (uint64_t)(uintptr_t)buf;
	r.buf_len = sizeof(buf);
	r.flags = MSGPORT_F_NONBLOCK;
	CHILD_CHECK(tu_ioctl(fd, MSGPORT_IOC_RECV, &r) == -EBADF);
	memset(&d, 0, sizeof(d));
	d.access = MSGPORT_O_RECV;
	CHILD_CHECK(tu_ioctl(fd, MSGPORT_IOC_DUP, &d) == -EPERM);
	CHILD_CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	CHILD_CHECK(tu_ioctl(fd, MSGPORT_IOC_SET_MODE, &sm) == -EPERM);
	/* Its own dup, down to stat only, is allowed. */
	d.access = 0;
	ret = tu_ioctl(fd, MSGPORT_IOC_DUP, &d);
	CHILD_CHECK(ret >= 0);
	close(ret);
	close(fd);
	return 0;
}

/* A send-only capability handed to another user's process: it can send, nothing more. */
static void test_pass_send_only(void **state)
{
	struct msgport_mailbox *mb, *tx;
	struct msgport_msginfo info;
	char cbuf[CMSG_SPACE(sizeof(int))], buf[32];
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int sv[2], fd;
	pid_t pid;
	ssize_t n;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	tu_track_fd(sv[0]);
	tu_track_fd(sv[1]);
	/* Forked first: the child holds no descriptor of the mailbox but the one passed. */
	pid = tu_fork(child_passed, &sv[1]);
	mb = anon_new(RW, 4, 4096);
	tx = dup_new(mb, MSGPORT_O_SEND, 0);
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	fd = msgport_mailbox_fd(tx);
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	assert_int_equal(sendmsg(sv[0], &mh, 0), 1);
	put(tx);
	assert_child_ok(pid);
	memset(&info, 0, sizeof(info));
	n = msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, &info);
	assert_int_equal(n, 11);
	assert_memory_equal(buf, "from nobody", 11);
	assert_int_equal(info.uid, TU_NOBODY);
	assert_int_equal(info.pid, pid);
	/* mb can still send: an empty queue is only EAGAIN. */
	assert_errno(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, NULL), EAGAIN);
}

/* Child: an IPC namespace of its own, an anonymous mailbox passed out, a named one left. */
static int child_ns_anon(void *arg)
{
	int sock = *(int *)arg, fd;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct msgport_mailbox *named = NULL;
	struct cmsghdr *cm;

	CHILD_CHECK(unshare(CLONE_NEWIPC) == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), "anon-ns-marker", MSGPORT_O_CREAT | RW, NULL,
					 &named) == 0);
	fd = raw_anon(0, 0, RW, 0600, 0);
	CHILD_CHECK(fd >= 0);
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	CHILD_CHECK(sendmsg(sock, &mh, 0) == 1);
	return 0;	/* its namespace dies with it: the named mailbox goes */
}

/*
 * An anonymous mailbox outlives the IPC namespace it was made in: once the
 * namespace is gone (its named mailbox destroyed, its table freed) it still
 * works, and it goes with its last descriptor.
 */
static void test_outlives_namespace(void **state)
{
	long mailboxes0 = -1, mailboxes = -1;
	char cbuf[CMSG_SPACE(sizeof(int))], c, buf[16];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct msgport_stat st;
	struct cmsghdr *cm;
	uint64_t deadline;
	int sv[2], fd = -1;

	(void)state;
	assert_int_equal(tu_objects_read("mailboxes", &mailboxes0), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	tu_track_fd(sv[0]);
	tu_track_fd(sv[1]);
	assert_child_ok(tu_fork(child_ns_anon, &sv[1]));
	assert_int_equal(recvmsg(sv[0], &mh, 0), 1);
	cm = CMSG_FIRSTHDR(&mh);
	assert_non_null(cm);
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	tu_track_fd(fd);
	/* The namespace's death (msgport looks every second): its named mailbox goes. */
	deadline = tu_now_ns() + 20000ULL * 1000000ULL;
	do {
		usleep(50000);
		assert_int_equal(tu_objects_read("mailboxes", &mailboxes), 0);
	} while (mailboxes > mailboxes0 + 1 && tu_now_ns() < deadline);
	assert_int_equal(mailboxes, mailboxes0 + 1);
	assert_int_equal(write(fd, "still", 5), 5);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	memset(&st, 0, sizeof(st));
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_STAT, &st), 0);
	assert_int_equal(st.flags, MSGPORT_STAT_ANON | MSGPORT_STAT_EPHEMERAL);
	tu_close_fd(fd);
	assert_int_equal(tu_objects_read("mailboxes", &mailboxes), 0);
	assert_int_equal(mailboxes, mailboxes0);
}

static long object(const char *key)
{
	long v = -1;

	assert_int_equal(tu_objects_read(key, &v), 0);
	return v;
}

/* Nothing is left once every descriptor closes: mailboxes, files, regions, messages. */
static void test_no_leak(void **state)
{
	long mailboxes = object("mailboxes"), files = object("files");
	long regions = object("regions"), messages = object("messages");
	long charge0 = 0, charge = 0;
	struct msgport_mailbox *mb, *tx, *rx;
	int i;

	(void)state;
	assert_int_equal(tu_user_charge(geteuid(), &charge0), 0);
	mb = anon_new(RW, 64, 8192);
	tx = dup_new(mb, MSGPORT_O_SEND, 0);
	rx = dup_new(mb, MSGPORT_O_RECV, 0);
	dup_new(mb, 0, 0);
	assert_int_equal(object("mailboxes"), mailboxes + 1);
	assert_int_equal(object("files"), files + 4);
	assert_int_equal(object("regions"), regions + 1);
	for (i = 0; i < 10; i++)
		assert_int_equal(send_str(tx, "queued, never received", 0), 0);
	assert_int_equal(object("messages"), messages + 10);
	put(rx);
	put(mb);
	/* The receivers gone, the queue was dropped at once. */
	assert_int_equal(object("messages"), messages);
	assert_int_equal(stat_of(tx).dropped, 10);
	put(tx);
	/* The region goes with the last descriptor that could use it. */
	assert_int_equal(object("regions"), regions);
	for (i = 0; i < MAX_HANDLES; i++) {
		if (handles[i])
			put(handles[i]);
	}
	assert_int_equal(object("mailboxes"), mailboxes);
	assert_int_equal(object("files"), files);
	assert_int_equal(tu_user_charge(geteuid(), &charge), 0);
	assert_int_equal(charge, charge0);
}

/* A mapping keeps an anonymous mailbox's region after its descriptors close. */
static void test_mapping_outlives(void **state)
{
	long regions = object("regions"), mailboxes = object("mailboxes");
	struct msgport_mailbox *mb = anon_new(RW, 4, 4096);
	volatile char *p = tu_mmap(msgport_mailbox_fd(mb), 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED, 0);

	(void)state;
	assert_true(p != MAP_FAILED);
	p[0] = 'z';
	put(mb);
	assert_int_equal(p[0], 'z');
	assert_int_equal(object("regions"), regions + 1);
	tu_munmap((void *)p);
	assert_int_equal(object("regions"), regions);
	assert_int_equal(object("mailboxes"), mailboxes);
}

static const struct CMUnitTest anon_tests[] = {
	ANON_TEST(test_create_send_recv),
	ANON_TEST(test_open_args),
	ANON_TEST(test_open_variants),
	ANON_TEST(test_user_limit),
	ANON_TEST(test_ns_limit),
	ANON_TEST(test_epipe_send),
	ANON_TEST(test_epipe_blocked_senders),
	ANON_TEST(test_epipe_receipt),
	ANON_TEST(test_epipe_recv),
	ANON_TEST(test_epipe_blocked_receivers),
	ANON_TEST(test_epipe_region_wait),
	ANON_TEST(test_poll_blocked),
	ANON_TEST(test_inherited_sender),
	ANON_TEST(test_region_needs_recv),
	ANON_TEST(test_receivers_gone_release),
	ANON_TEST(test_one_sided),
	ANON_TEST(test_dup_send_only),
	ANON_TEST(test_dup_recv_only),
	ANON_TEST(test_dup_named),
	ANON_TEST(test_dup_args),
	ANON_TEST(test_pass_send_only),
	ANON_TEST(test_outlives_namespace),
	ANON_TEST(test_no_leak),
	ANON_TEST(test_mapping_outlives),
};

MSGPORT_SUITE(anon_suite, MSGPORT_GROUP_MODULE, 1480, "anon",
	      "anonymous mailboxes and descriptors with reduced rights (EPIPE, dup)",
	      anon_tests);
