// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "lease": receives under a lease (MSGPORT_F_LEASE) and
 * MSGPORT_IOC_COMMIT.  A leased message is copied out but stays the
 * mailbox's: other receivers and poll do not see it, it still counts in
 * the capacity (a sender blocks) and its sync sender gets its receipt only
 * at the commit.  Commit forgets it, MSGPORT_COMMIT_RETURN puts it back at
 * the head of its priority, the close of the open file description (its
 * holder's death too) returns all, in order.  A sync sender that gives up
 * while its message is leased withdraws it (commit: ECANCELED).  A call's
 * request is never leased; unlink drops leases (EIDRM); descriptors are
 * kept on return and closed at commit; another open file description,
 * an unprivileged one too, cannot commit them (ENOENT).
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"

#define LONG_NS		(30LL * 1000000000LL)

/* Receive under a lease (NONBLOCK), into buf: the bytes, or -errno. */
static ssize_t lease_recv(struct msgport_mailbox *mb, char *buf, size_t len,
			  struct msgport_msginfo *info)
{
	struct msgport_recvmsg m = {
		.buf = buf, .len = len, .flags = MSGPORT_F_LEASE | MSGPORT_F_NONBLOCK,
	};
	ssize_t n = msgport_recv_relay(mb, &m, NULL);

	if (info)
		*info = m.info;
	if (n >= 0 && (size_t)n < len)
		buf[n] = '\0';
	return n;
}

static ssize_t plain_recv(struct msgport_mailbox *mb, char *buf, size_t len)
{
	ssize_t n = msgport_recv(mb, buf, len - 1, MSGPORT_F_NONBLOCK, 0, NULL);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static void send_str(struct msgport_mailbox *mb, const char *s, unsigned int prio)
{
	assert_int_equal(msgport_send(mb, s, strlen(s), prio, MSGPORT_F_NONBLOCK, 0, NULL), 0);
}

static uint32_t queued(struct msgport_mailbox *mb)
{
	struct msgport_stat st;

	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	return st.queued_msgs;
}

/* Commit, return, and what other receivers see meanwhile. */
static void test_commit_return(void **state)
{
	const char *name = tu_name("commit");
	struct msgport_mailbox *mb = tu_create(name, 8, 0, 0600, 0);
	struct msgport_mailbox *other = tu_open(name, MSGPORT_O_RECV);
	struct msgport_msginfo info;
	char buf[64];

	send_str(mb, "a", 0);
	send_str(mb, "b", 0);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 1);
	assert_string_equal(buf, "a");
	assert_int_equal(info.seq, 1);
	assert_true(info.msg_flags & MSGPORT_MSG_LEASED);
	assert_false(info.msg_flags & MSGPORT_MSG_SYNC);
	/* Still the mailbox's: counted. */
	assert_int_equal(queued(mb), 2);
	/* Another receiver sees the next one only. */
	assert_int_equal(plain_recv(other, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "b");
	assert_errno(plain_recv(other, buf, sizeof(buf)), EAGAIN);
	assert_errno(lease_recv(mb, buf, sizeof(buf), NULL), EAGAIN);
	/* Another open file description holds no lease of it. */
	assert_errno(msgport_commit(other, info.seq, 0), ENOENT);
	/* Returned: anyone takes it again. */
	assert_int_equal(msgport_commit(mb, info.seq, MSGPORT_COMMIT_RETURN), 0);
	assert_errno(msgport_commit(mb, info.seq, 0), ENOENT);
	assert_int_equal(queued(mb), 1);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 1);
	assert_string_equal(buf, "a");
	assert_int_equal(info.seq, 1);
	assert_int_equal(msgport_commit(mb, info.seq, 0), 0);
	assert_errno(msgport_commit(mb, info.seq, 0), ENOENT);
	assert_int_equal(queued(mb), 0);
	assert_errno(plain_recv(other, buf, sizeof(buf)), EAGAIN);
}

/* Returns go to the head of their priority: order kept, priority too. */
static void test_return_order(void **state)
{
	const char *name = tu_name("order");
	struct msgport_mailbox *mb = tu_create(name, 16, 0, 0600, 0);
	struct msgport_mailbox *lessee = tu_open(name, MSGPORT_O_RECV);
	struct msgport_msginfo info;
	uint64_t seqs[3];
	char buf[64];
	int i;

	send_str(mb, "1", 0);
	send_str(mb, "2", 0);
	send_str(mb, "3", 0);
	send_str(mb, "h", 5);
	/* The high one first. */
	assert_int_equal(lease_recv(lessee, buf, sizeof(buf), &info), 1);
	assert_string_equal(buf, "h");
	for (i = 0; i < 2; i++) {
		assert_int_equal(lease_recv(lessee, buf, sizeof(buf), &info), 1);
		assert_int_equal(buf[0], '1' + i);
		seqs[i] = info.seq;
	}
	/* Returned out of order by hand: each to the head. */
	assert_int_equal(msgport_commit(lessee, seqs[1], MSGPORT_COMMIT_RETURN), 0);
	assert_int_equal(lease_recv(lessee, buf, sizeof(buf), &info), 1);
	assert_string_equal(buf, "2");
	seqs[1] = info.seq;
	assert_int_equal(lease_recv(lessee, buf, sizeof(buf), &info), 1);
	assert_string_equal(buf, "3");
	seqs[2] = info.seq;
	(void)seqs[2];
	/* The close returns all four, newest first: the order is kept. */
	tu_close(lessee);
	assert_int_equal(queued(mb), 4);
	assert_int_equal(plain_recv(mb, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "h");
	for (i = 0; i < 3; i++) {
		assert_int_equal(plain_recv(mb, buf, sizeof(buf)), 1);
		assert_int_equal(buf[0], '1' + i);
	}
	assert_errno(plain_recv(mb, buf, sizeof(buf)), EAGAIN);
}

struct holder {
	const char *name;
	int fd;			/* report the seqs here */
	int nlease;
};

/* Lease n messages, report their seqs, then die without committing. */
static int child_hold_and_die(void *arg)
{
	const struct holder *h = arg;
	struct msgport_mailbox *mb;
	struct msgport_msginfo info;
	char buf[64];
	int i;

	CHILD_CHECK(msgport_mailbox_open(tu_mp(), h->name, MSGPORT_O_RECV, NULL, &mb) == 0);
	for (i = 0; i < h->nlease; i++) {
		CHILD_CHECK(lease_recv(mb, buf, sizeof(buf), &info) == 1);
		CHILD_CHECK(info.msg_flags & MSGPORT_MSG_LEASED);
		CHILD_CHECK(write(h->fd, &info.seq, sizeof(info.seq)) == sizeof(info.seq));
	}
	/* Killed holding them (the parent's SIGKILL). */
	pause();
	return 1;
}

/* A holder that dies: its leases go back, in order. */
static void test_holder_dies(void **state)
{
	const char *name = tu_name("dies");
	struct msgport_mailbox *mb = tu_create(name, 8, 0, 0600, 0);
	struct holder h = { .name = name, .nlease = 2 };
	uint64_t seq;
	char buf[64];
	int p[2], i;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	tu_track_fd(p[0]);
	tu_track_fd(p[1]);
	h.fd = p[1];
	send_str(mb, "x", 0);
	send_str(mb, "y", 0);
	send_str(mb, "z", 0);
	pid = tu_fork(child_hold_and_die, &h);
	for (i = 0; i < 2; i++)
		assert_int_equal(read(p[0], &seq, sizeof(seq)), sizeof(seq));
	assert_int_equal(plain_recv(mb, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "z");
	assert_errno(plain_recv(mb, buf, sizeof(buf)), EAGAIN);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(tu_join(pid), 128 + SIGKILL);
	assert_await(mb, TU_QUEUED_MSGS, 2);
	assert_int_equal(plain_recv(mb, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "x");
	assert_int_equal(plain_recv(mb, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "y");
}

struct sender {
	struct msgport_mailbox *mb;
	const char *msg;
	unsigned int flags;
	int64_t timeout_ns;
	int expect;
};

static int child_send(void *arg)
{
	const struct sender *s = arg;
	int ret = msgport_send(s->mb, s->msg, strlen(s->msg), 0, s->flags, s->timeout_ns, NULL);

	if (ret != s->expect)
		fprintf(stderr, "send \"%s\": %d, expected %d\n", s->msg, ret, s->expect);
	CHILD_CHECK(ret == s->expect);
	return 0;
}

/* A leased message holds its slot: a sender waits until the commit. */
static void test_capacity(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("cap"), 1, 0, 0600, 0);
	struct sender s = { .mb = mb, .msg = "second", .timeout_ns = LONG_NS };
	struct msgport_msginfo info;
	struct pollfd pfd = { .fd = msgport_mailbox_fd(mb), .events = POLLIN | POLLOUT };
	char buf[64];
	pid_t pid;

	send_str(mb, "first", 0);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 5);
	assert_errno(msgport_send(mb, "x", 1, 0, MSGPORT_F_NONBLOCK, 0, NULL), EAGAIN);
	/* Nothing to read, no room to write. */
	assert_int_equal(poll(&pfd, 1, 0), 0);
	pid = tu_fork(child_send, &s);
	assert_await(mb, TU_WAITING_SENDERS, 1);
	assert_int_equal(queued(mb), 1);
	/* A return keeps the slot taken: the sender still waits. */
	assert_int_equal(msgport_commit(mb, info.seq, MSGPORT_COMMIT_RETURN), 0);
	assert_int_equal(poll(&pfd, 1, 0), 1);
	assert_int_equal(pfd.revents, POLLIN);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 5);
	assert_string_equal(buf, "first");
	assert_int_equal(msgport_commit(mb, info.seq, 0), 0);
	assert_child_ok(pid);
	assert_int_equal(plain_recv(mb, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "second");
}

/* A sync sender's receipt comes at the commit, not at the take. */
static void test_sync_receipt(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("sync"), 4, 0, 0600, 0);
	struct sender s = { .mb = mb, .msg = "sync", .flags = MSGPORT_F_SYNC,
			    .timeout_ns = LONG_NS };
	struct msgport_msginfo info;
	char buf[64];
	pid_t pid;

	pid = tu_fork(child_send, &s);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 4);
	assert_int_equal(info.msg_flags & (MSGPORT_MSG_SYNC | MSGPORT_MSG_LEASED),
			 MSGPORT_MSG_SYNC | MSGPORT_MSG_LEASED);
	/* Returned and leased again: the sender still waits. */
	assert_int_equal(msgport_commit(mb, info.seq, MSGPORT_COMMIT_RETURN), 0);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 4);
	assert_int_equal(tu_await_sleeping(pid, TU_AWAIT_MS), 0);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);
	assert_int_equal(msgport_commit(mb, info.seq, 0), 0);
	assert_child_ok(pid);
}

/* On a rendezvous mailbox too: the sender waits for the commit. */
static void test_rendezvous(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rdv"), 0, 0, 0600, 0);
	struct sender s = { .mb = mb, .msg = "rdv", .timeout_ns = LONG_NS };
	struct msgport_recvmsg m;
	char buf[64];
	pid_t pid;

	pid = tu_fork(child_send, &s);
	/* A blocking leasing receiver: never handed the message, it takes it. */
	memset(&m, 0, sizeof(m));
	m.buf = buf;
	m.len = sizeof(buf);
	m.flags = MSGPORT_F_LEASE;
	m.timeout_ns = LONG_NS;
	assert_int_equal(msgport_recv_relay(mb, &m, NULL), 3);
	assert_true(m.info.msg_flags & MSGPORT_MSG_LEASED);
	assert_true(m.info.msg_flags & MSGPORT_MSG_SYNC);
	assert_int_equal(tu_await_sleeping(pid, TU_AWAIT_MS), 0);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);
	assert_int_equal(msgport_commit(mb, m.info.seq, 0), 0);
	assert_child_ok(pid);
}

/* A sync sender that times out while leased: ETIMEDOUT; commit ECANCELED, return drops. */
static void test_sync_timeout(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("synct"), 4, 0, 0600, 0);
	struct sender s = { .mb = mb, .msg = "late", .flags = MSGPORT_F_SYNC,
			    .timeout_ns = 300LL * 1000000LL, .expect = -ETIMEDOUT };
	struct msgport_msginfo info;
	struct msgport_stat st;
	char buf[64];
	pid_t pid;

	pid = tu_fork(child_send, &s);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 4);
	assert_child_ok(pid);
	assert_errno(msgport_commit(mb, info.seq, 0), ECANCELED);
	assert_errno(msgport_commit(mb, info.seq, 0), ENOENT);
	assert_int_equal(queued(mb), 0);
	/* Withdrawn: neither sent nor received. */
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.received, 0);

	s.msg = "later";
	pid = tu_fork(child_send, &s);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 5);
	assert_child_ok(pid);
	/* Returned: dropped, never delivered. */
	assert_int_equal(msgport_commit(mb, info.seq, MSGPORT_COMMIT_RETURN), 0);
	assert_int_equal(queued(mb), 0);
	assert_errno(plain_recv(mb, buf, sizeof(buf)), EAGAIN);
}

/* What a lease may not be asked with, and MSGPORT_IOC_COMMIT's checks. */
static void test_einval(void **state)
{
	const char *name = tu_name("einval");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, 0);
	struct msgport_mailbox *snd = tu_open(name, MSGPORT_O_SEND);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_recv r;
	struct msgport_commit c;
	char buf[64];
	int fds[1];
	static const unsigned int bad[] = {
		MSGPORT_F_LEASE | MSGPORT_F_PEEK,
		MSGPORT_F_LEASE | MSGPORT_F_SPAN,
		MSGPORT_F_LEASE | MSGPORT_F_FDS,
	};
	size_t i;

	send_str(mb, "a", 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&r, 0, sizeof(r));
		r.buf = (uintptr_t)buf;
		r.buf_len = sizeof(buf);
		r.flags = bad[i] | MSGPORT_F_NONBLOCK;
		if (bad[i] & MSGPORT_F_FDS) {
			r.nfds = 1;
			r.fds = (uintptr_t)fds;
		}
		assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EINVAL);
	}
	assert_int_equal(queued(mb), 1);
	memset(&c, 0, sizeof(c));
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_COMMIT, &c), EINVAL);	/* seq 0 */
	c.seq = 1;
	c.flags = 2;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_COMMIT, &c), EINVAL);
	c.flags = 0;
	c.reserved0 = 1;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_COMMIT, &c), EINVAL);
	c.reserved0 = 0;
	c.reserved[0] = 1;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_COMMIT, &c), EINVAL);
	c.reserved[0] = 0;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_COMMIT, &c), ENOENT);
	assert_errno(tu_ioctl(msgport_mailbox_fd(snd), MSGPORT_IOC_COMMIT, &c), EBADF);
	/* Larger with zeros: taken; a non-zero byte past it: E2BIG. */
	{
		struct { struct msgport_commit c; uint64_t more; } big = { .c = c, .more = 0 };

		assert_errno(tu_ioctl(fd, _IOW(MSGPORT_IOC_MAGIC, 0x1a, big), &big), ENOENT);
		big.more = 1;
		assert_errno(tu_ioctl(fd, _IOW(MSGPORT_IOC_MAGIC, 0x1a, big), &big), E2BIG);
	}
	/* A faulting commit struct. */
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_COMMIT, tu_unmapped_page()), EFAULT);
	assert_int_equal(msgport_commit(mb, 1, 0), -ENOENT);
}

struct server {
	struct msgport_mailbox *mb;
};

/* Call once and expect "pong". */
static int child_call(void *arg)
{
	const struct server *s = arg;
	char reply[16];
	ssize_t n = msgport_call(s->mb, "ping", 4, reply, sizeof(reply), 0, 0, LONG_NS, NULL);

	CHILD_CHECK(n == 4 && !memcmp(reply, "pong", 4));
	return 0;
}

/* A call's request is taken as without the flag: no lease, answered as usual. */
static void test_call_not_leased(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("call"), 4, 0, 0600, 0);
	struct server s = { .mb = mb };
	struct msgport_recvmsg m;
	char buf[64];
	pid_t pid;

	pid = tu_fork(child_call, &s);
	memset(&m, 0, sizeof(m));
	m.buf = buf;
	m.len = sizeof(buf);
	m.flags = MSGPORT_F_LEASE;
	m.timeout_ns = LONG_NS;
	assert_int_equal(msgport_recv_relay(mb, &m, NULL), 4);
	assert_true(m.info.msg_flags & MSGPORT_MSG_CALL);
	assert_false(m.info.msg_flags & MSGPORT_MSG_LEASED);
	assert_int_equal(queued(mb), 0);
	assert_errno(msgport_commit(mb, m.info.seq, 0), ENOENT);
	assert_int_equal(msgport_reply(mb, m.info.token, "pong", 4), 0);
	assert_child_ok(pid);
}

/* Unlink drops leased messages: a commit then fails with EIDRM. */
static void test_unlink(void **state)
{
	const char *name = tu_name("unlink");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, 0);
	struct msgport_msginfo info;
	struct msgport_stat st;
	char buf[64];

	send_str(mb, "gone", 0);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 4);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_errno(msgport_commit(mb, info.seq, 0), EIDRM);
	assert_errno(msgport_commit(mb, info.seq, MSGPORT_COMMIT_RETURN), EIDRM);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.queued_msgs, 0);
	/* Dropped, as queued ones are: sent, but not received. */
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.received, 0);
}

/* Withdrawn by its sync sender, then unlinked: neither sent, received nor dropped. */
static void test_withdrawn_unlink(void **state)
{
	const char *name = tu_name("wunlink");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, 0);
	struct sender s = { .mb = mb, .msg = "late", .flags = MSGPORT_F_SYNC,
			    .timeout_ns = 300LL * 1000000LL, .expect = -ETIMEDOUT };
	struct msgport_msginfo info;
	struct msgport_stat st;
	char buf[64];
	pid_t pid;

	pid = tu_fork(child_send, &s);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 4);
	assert_child_ok(pid);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_errno(msgport_commit(mb, info.seq, 0), EIDRM);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.received, 0);
	assert_int_equal(st.dropped, 0);
}

/* A peek whose copy-out is stalled (userfaultfd) holds the message. */
struct peek {
	struct msgport_mailbox *mb;
	char *buf;
	size_t len;
	ssize_t n;
	struct msgport_msginfo info;
};

static void *peeker(void *arg)
{
	struct peek *p = arg;

	p->n = msgport_recv(p->mb, p->buf, p->len, MSGPORT_F_PEEK | MSGPORT_F_NONBLOCK, 0,
			    &p->info);
	return NULL;
}

/*
 * Leased by another descriptor while a peeker copies it out, then dropped
 * (unlink): the peeker's reference keeps it, and it reads its own bytes
 * (before, the drop freed it under the peeker: another message's bytes, a
 * reference count underflow).
 */
static void test_peek_lease_unlink(void **state)
{
	const char *name = tu_name("peekun");
	struct msgport_mailbox *mb = tu_create(name, 8, 65536, 0600, 0);
	struct msgport_mailbox *lessee = tu_open(name, MSGPORT_O_RECV);
	struct msgport_mailbox *other = tu_create(tu_name("peekun2"), 8, 65536, 0600, 0);
	const size_t pg = 4096, len = 3 * pg;
	char *msg = malloc(len), *zs = malloc(len), *lb = malloc(4 * pg);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffdio_zeropage zp;
	struct msgport_msginfo info;
	struct uffd_msg um;
	struct peek p;
	pthread_t th;
	size_t i, bad = 0;
	char *buf;
	int uffd;

	assert_non_null(msg);
	assert_non_null(zs);
	assert_non_null(lb);
	memset(msg, 'A', len);
	memset(zs, 'Z', len);
	uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0 && errno == ENOSYS) {
		free(msg);
		free(zs);
		free(lb);
		TU_SKIP("no userfaultfd (CONFIG_USERFAULTFD) to stall the peek");
	}
	assert_true(uffd >= 0);
	assert_int_equal(ioctl(uffd, UFFDIO_API, &api), 0);
	buf = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	buf[0] = 1;	/* the first page present: the copy stalls after it */
	reg.range.start = (unsigned long)buf + pg;
	reg.range.len = 3 * pg;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	assert_int_equal(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);

	assert_int_equal(msgport_send(mb, msg, len, 0, MSGPORT_F_NONBLOCK, 0, NULL), 0);
	p = (struct peek){ .mb = mb, .buf = buf, .len = 4 * pg };
	assert_int_equal(pthread_create(&th, NULL, peeker, &p), 0);
	/* The peeker faults in its copy-out, holding its reference. */
	assert_int_equal(read(uffd, &um, sizeof(um)), (ssize_t)sizeof(um));
	assert_int_equal(lease_recv(lessee, lb, 4 * pg, &info), (ssize_t)len);
	assert_true(info.msg_flags & MSGPORT_MSG_LEASED);
	/* The lease is dropped with the mailbox. */
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	/* What a freed message's memory would be reused for. */
	assert_int_equal(msgport_send(other, zs, len, 0, MSGPORT_F_NONBLOCK, 0, NULL), 0);
	zp.range.start = (unsigned long)buf + pg;
	zp.range.len = 3 * pg;
	zp.mode = 0;
	assert_int_equal(ioctl(uffd, UFFDIO_ZEROPAGE, &zp), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(p.n, (ssize_t)len);
	for (i = 0; i < len; i++)
		bad += buf[i] != 'A';
	assert_int_equal(bad, 0);
	close(uffd);
	munmap(buf, 4 * pg);
	free(msg);
	free(zs);
	free(lb);
}

/* A leased message's descriptors: kept on return, closed at the commit. */
static void test_fds(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("fds"), 4, 0, 0600, 0);
	struct msgport_sendmsg sm;
	struct msgport_msginfo info;
	struct pollfd pfd;
	char buf[64];
	int p[2];

	assert_int_equal(pipe(p), 0);
	tu_track_fd(p[0]);
	memset(&sm, 0, sizeof(sm));
	sm.buf = "f";
	sm.len = 1;
	sm.fds = &p[1];
	sm.nfds = 1;
	sm.timeout_ns = MSGPORT_WAIT_FOREVER;
	assert_int_equal(msgport_send_fds(mb, &sm), 0);
	assert_int_equal(close(p[1]), 0);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	/* The write end lives in the message. */
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 1);
	assert_true(info.msg_flags & MSGPORT_MSG_FDS);
	assert_int_equal(msgport_commit(mb, info.seq, MSGPORT_COMMIT_RETURN), 0);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 1);
	assert_true(info.msg_flags & MSGPORT_MSG_FDS);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	/* Closed at the commit: the pipe's last writer is gone. */
	assert_int_equal(msgport_commit(mb, info.seq, 0), 0);
	assert_int_equal(poll(&pfd, 1, TU_AWAIT_MS), 1);
	assert_true(pfd.revents & POLLHUP);
}

struct unpriv {
	const char *name;
	uint64_t seq;
};

static int child_unpriv_commit(void *arg)
{
	const struct unpriv *u = arg;
	struct msgport_mailbox *mb;

	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), u->name, MSGPORT_O_RECV, NULL, &mb) == 0);
	CHILD_CHECK(msgport_commit(mb, u->seq, 0) == -ENOENT);
	CHILD_CHECK(msgport_commit(mb, u->seq, MSGPORT_COMMIT_RETURN) == -ENOENT);
	msgport_mailbox_close(mb);
	return 0;
}

/* Another user, with its own receiving descriptor, cannot end the lease. */
static void test_unprivileged(void **state)
{
	const char *name = tu_name("unpriv");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0666, 0);
	struct unpriv u = { .name = name };
	struct msgport_msginfo info;
	char buf[64];

	send_str(mb, "mine", 0);
	assert_int_equal(lease_recv(mb, buf, sizeof(buf), &info), 4);
	u.seq = info.seq;
	assert_child_ok(tu_fork(child_unpriv_commit, &u));
	assert_int_equal(queued(mb), 1);
	assert_int_equal(msgport_commit(mb, info.seq, 0), 0);
	assert_int_equal(queued(mb), 0);
}

/* A receive batch's entry with MSGPORT_F_LEASE is received alone, leased. */
static void test_batch(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("batch"), 8, 0, 0600, 0);
	struct msgport_recv r[3];
	struct msgport_batch b;
	char buf[3][16];
	int i;

	send_str(mb, "a", 0);
	send_str(mb, "b", 0);
	send_str(mb, "c", 0);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 3; i++) {
		r[i].buf = (uintptr_t)buf[i];
		r[i].buf_len = sizeof(buf[i]);
		r[i].flags = MSGPORT_F_NONBLOCK;
	}
	r[1].flags |= MSGPORT_F_LEASE;
	memset(&b, 0, sizeof(b));
	b.msgs = (uintptr_t)r;
	b.count = 3;
	b.entry_size = sizeof(r[0]);
	/* The leased entry is received alone, in its turn. */
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_RECV_BATCH, &b), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(buf[i][0], 'a' + i);
		assert_int_equal(!!(r[i].info.msg_flags & MSGPORT_MSG_LEASED), i == 1);
	}
	assert_int_equal(queued(mb), 1);
	assert_int_equal(msgport_commit(mb, r[1].info.seq, 0), 0);
	assert_int_equal(queued(mb), 0);
}

/* A topic's subscription: leases work on its queue. */
static void test_subscription(void **state)
{
	const char *name = tu_name("topic");
	struct msgport_attr attr = { .capacity = 4, .mode = 0600,
				     .topic = MSGPORT_TOPIC_BLOCK };
	struct msgport_subscription sp = { .capacity = 4, .policy = MSGPORT_TOPIC_BLOCK };
	struct msgport_mailbox *topic = NULL, *sub = NULL;
	struct msgport_msginfo info;
	char buf[64];

	assert_int_equal(msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
					      MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr, &topic), 0);
	tu_track_mailbox(topic);
	assert_int_equal(msgport_subscribe(tu_mp(), name, &sp, &sub), 0);
	tu_track_mailbox(sub);
	send_str(topic, "t1", 0);
	send_str(topic, "t2", 0);
	assert_int_equal(lease_recv(sub, buf, sizeof(buf), &info), 2);
	assert_string_equal(buf, "t1");
	assert_int_equal(msgport_commit(sub, info.seq, MSGPORT_COMMIT_RETURN), 0);
	assert_int_equal(lease_recv(sub, buf, sizeof(buf), &info), 2);
	assert_string_equal(buf, "t1");
	assert_int_equal(msgport_commit(sub, info.seq, 0), 0);
	assert_int_equal(plain_recv(sub, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "t2");
}

/*
 * A subscription whose capacity is all leased, then a publish: DROP_OLD has
 * nothing queued to drop and loses the new one, as DROP_NEW does (before,
 * it dropped a NULL message: an oops); BLOCK makes the publisher wait
 * until a commit frees a slot.
 */
static void full_of_leases(unsigned int policy)
{
	const char *name = tu_name("tfull");
	struct msgport_attr attr = {
		.capacity = 2, .mode = 0600,
		.topic = MSGPORT_TOPIC_DROP_OLD | MSGPORT_TOPIC_DROP_NEW | MSGPORT_TOPIC_BLOCK,
	};
	struct msgport_subscription sp = { .capacity = 2, .policy = policy };
	struct msgport_mailbox *topic = NULL, *sub = NULL;
	struct msgport_msginfo info[2], got;
	struct msgport_stat st;
	char buf[64];

	assert_int_equal(msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
					      MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr, &topic), 0);
	tu_track_mailbox(topic);
	assert_int_equal(msgport_subscribe(tu_mp(), name, &sp, &sub), 0);
	tu_track_mailbox(sub);
	send_str(topic, "t1", 0);
	send_str(topic, "t2", 0);
	assert_int_equal(lease_recv(sub, buf, sizeof(buf), &info[0]), 2);
	assert_int_equal(lease_recv(sub, buf, sizeof(buf), &info[1]), 2);
	if (policy == MSGPORT_TOPIC_BLOCK) {
		assert_errno(msgport_send(topic, "t3", 2, 0, MSGPORT_F_NONBLOCK, 0, NULL), EAGAIN);
		assert_int_equal(msgport_commit(sub, info[0].seq, 0), 0);
		send_str(topic, "t3", 0);
		assert_int_equal(msgport_commit(sub, info[1].seq, 0), 0);
		assert_int_equal(msgport_recv(sub, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, &got), 2);
		assert_memory_equal(buf, "t3", 2);
		assert_int_equal(got.lost, 0);
		return;
	}
	/* The subscription loses t3; the publish goes on. */
	send_str(topic, "t3", 0);
	assert_int_equal(msgport_mailbox_stat(sub, &st), 0);
	assert_int_equal(st.queued_msgs, 2);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(msgport_commit(sub, info[0].seq, 0), 0);
	assert_int_equal(msgport_commit(sub, info[1].seq, 0), 0);
	send_str(topic, "t4", 0);
	assert_int_equal(msgport_recv(sub, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, &got), 2);
	assert_memory_equal(buf, "t4", 2);
	assert_int_equal(got.lost, 1);
	assert_errno(plain_recv(sub, buf, sizeof(buf)), EAGAIN);
}

static void test_subscription_full_drop_old(void **state)
{
	full_of_leases(MSGPORT_TOPIC_DROP_OLD);
}

static void test_subscription_full_drop_new(void **state)
{
	full_of_leases(MSGPORT_TOPIC_DROP_NEW);
}

static void test_subscription_full_block(void **state)
{
	full_of_leases(MSGPORT_TOPIC_BLOCK);
}

/* Streams: senders of numbered messages, leasing receivers that return some. */
#define STREAM_SENDERS	2
#define STREAM_MSGS	300

struct stream {
	const char *name;
	unsigned int id;	/* sender: its number; receiver: its seed */
	int fd;			/* receiver: where committed messages are reported */
	unsigned int every;	/* receiver: return every n-th lease */
};

static int child_stream_send(void *arg)
{
	const struct stream *st = arg;
	struct msgport_mailbox *mb;
	uint32_t m[2] = { st->id, 0 };

	CHILD_CHECK(msgport_mailbox_open(tu_mp(), st->name, MSGPORT_O_SEND, NULL, &mb) == 0);
	for (m[1] = 0; m[1] < STREAM_MSGS; m[1]++)
		CHILD_CHECK(msgport_send(mb, m, sizeof(m), 0, 0, LONG_NS, NULL) == 0);
	msgport_mailbox_close(mb);
	return 0;
}

/* Lease until the mailbox stays empty; return every n-th, commit and report the rest. */
static int child_stream_recv(void *arg)
{
	const struct stream *st = arg;
	struct msgport_mailbox *mb;
	unsigned int k = st->id;
	uint32_t m[2];

	CHILD_CHECK(msgport_mailbox_open(tu_mp(), st->name, MSGPORT_O_RECV, NULL, &mb) == 0);
	for (;;) {
		struct msgport_recvmsg r = { .buf = m, .len = sizeof(m), .flags = MSGPORT_F_LEASE,
					     .timeout_ns = 2000000000LL };
		ssize_t n = msgport_recv_relay(mb, &r, NULL);

		if (n == -ETIMEDOUT)
			break;
		CHILD_CHECK(n == sizeof(m));
		CHILD_CHECK(r.info.msg_flags == MSGPORT_MSG_LEASED);
		if (++k % st->every == 0) {
			CHILD_CHECK(msgport_commit(mb, r.info.seq, MSGPORT_COMMIT_RETURN) == 0);
			continue;
		}
		/* Reported before the commit: nobody else can have it meanwhile. */
		CHILD_CHECK(write(st->fd, m, sizeof(m)) == sizeof(m));
		CHILD_CHECK(msgport_commit(mb, r.info.seq, 0) == 0);
	}
	msgport_mailbox_close(mb);
	return 0;
}

/*
 * Senders against leasing receivers on a small mailbox: every message is
 * committed exactly once; with one receiver, in each sender's order.
 */
static void stream(unsigned int nrecv)
{
	const char *name = tu_name("stream");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, 0);
	struct stream snd[STREAM_SENDERS], rcv[3];
	static uint8_t seen[STREAM_SENDERS][STREAM_MSGS];
	uint32_t next[STREAM_SENDERS] = { 0 };
	pid_t pids[STREAM_SENDERS + 3];
	unsigned int i, np = 0, total = 0;
	uint32_t m[2];
	int p[2];

	assert_int_equal(pipe(p), 0);
	tu_track_fd(p[0]);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < nrecv; i++) {
		rcv[i] = (struct stream){ .name = name, .id = i, .fd = p[1], .every = 3 + i };
		pids[np++] = tu_fork(child_stream_recv, &rcv[i]);
	}
	for (i = 0; i < STREAM_SENDERS; i++) {
		snd[i] = (struct stream){ .name = name, .id = i };
		pids[np++] = tu_fork(child_stream_send, &snd[i]);
	}
	close(p[1]);
	while (read(p[0], m, sizeof(m)) == sizeof(m)) {
		assert_true(m[0] < STREAM_SENDERS && m[1] < STREAM_MSGS);
		assert_int_equal(seen[m[0]][m[1]], 0);
		seen[m[0]][m[1]] = 1;
		if (nrecv == 1) {
			assert_int_equal(m[1], next[m[0]]);
			next[m[0]]++;
		}
		total++;
	}
	for (i = 0; i < np; i++)
		assert_child_ok(pids[i]);
	assert_int_equal(total, STREAM_SENDERS * STREAM_MSGS);
	assert_int_equal(queued(mb), 0);
}

static void test_stream_order(void **state)
{
	stream(1);
}

static void test_stream_exactly_once(void **state)
{
	stream(3);
}

static const struct CMUnitTest lease_tests[] = {
	TU_TEST(test_commit_return),
	TU_TEST(test_return_order),
	TU_TEST(test_holder_dies),
	TU_TEST(test_capacity),
	TU_TEST(test_sync_receipt),
	TU_TEST(test_rendezvous),
	TU_TEST(test_sync_timeout),
	TU_TEST(test_einval),
	TU_TEST(test_call_not_leased),
	TU_TEST(test_unlink),
	TU_TEST(test_withdrawn_unlink),
	TU_TEST(test_peek_lease_unlink),
	TU_TEST(test_fds),
	TU_TEST(test_unprivileged),
	TU_TEST(test_batch),
	TU_TEST(test_subscription),
	TU_TEST(test_subscription_full_drop_new),
	TU_TEST(test_subscription_full_block),
	TU_TEST(test_subscription_full_drop_old),
	TU_TEST(test_stream_order),
	TU_TEST(test_stream_exactly_once),
};

MSGPORT_SUITE(lease_suite, MSGPORT_GROUP_MODULE, 1620, "lease",
	      "receives under a lease: commit, return, close, capacity, sync receipts",
	      lease_tests);
