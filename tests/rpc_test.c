// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "rpc": calls and replies.  A call sends a request that carries a
 * token (MSGPORT_MSG_CALL) and returns the reply; the reply reaches that
 * caller only, with the replier's metadata and the request's priority.
 * Errors of reply: ENOENT (unknown token, answered twice, another
 * descriptor), ECANCELED (the caller timed out, was interrupted or died),
 * EMSGSIZE (longer than the caller's buffer, unless it truncates).  A call
 * given up before a server took it is withdrawn (and restarts under
 * SA_RESTART: sent once); the server's death wakes its callers with
 * ECONNRESET, unlink with EIDRM.  Reply-and-receive in one call, calls to a
 * pid, rendezvous, and the ABI's checks.
 */
#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"

#define LONG_NS		(30LL * 1000000000LL)
#define SHORT_NS	(200LL * 1000000LL)

struct caller {
	struct msgport_mailbox *mb;	/* or NULL: call pid */
	pid_t pid;
	const char *req;
	unsigned int prio;
	unsigned int flags;
	int64_t timeout_ns;
	size_t reply_len;
	ssize_t expect;			/* the call's result */
	const char *expect_reply;	/* and the reply, if expect >= 0 */
	int report_fd;			/* write the token here, or -1 */
	bool sigusr1;			/* install a SIGUSR1 handler first */
	bool restart;			/* ...with SA_RESTART */
};

static void on_sigusr1(int sig)
{
}

static int child_call(void *arg)
{
	const struct caller *c = arg;
	struct msgport_msginfo info;
	char reply[256];
	ssize_t n;

	if (c->sigusr1) {
		struct sigaction sa = { .sa_handler = on_sigusr1 };

		sa.sa_flags = c->restart ? SA_RESTART : 0;
		CHILD_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	}
	memset(&info, 0, sizeof(info));
	if (c->mb)
		n = msgport_call(c->mb, c->req, strlen(c->req), reply,
				 c->reply_len ? c->reply_len : sizeof(reply), c->prio, c->flags,
				 c->timeout_ns ? c->timeout_ns : LONG_NS, &info);
	else
		n = msgport_call_pid(tu_mp(), c->pid, c->req, strlen(c->req), reply,
				     c->reply_len ? c->reply_len : sizeof(reply), c->prio,
				     c->flags, c->timeout_ns ? c->timeout_ns : LONG_NS, &info);
	if (n != c->expect)
		fprintf(stderr, "call \"%s\": %zd (%s), expected %zd\n", c->req, n,
			n < 0 ? msgport_strerror((int)n) : "ok", c->expect);
	CHILD_CHECK(n == c->expect);
	if (n >= 0 && c->expect_reply) {
		CHILD_CHECK((size_t)n == strlen(c->expect_reply) &&
			    !memcmp(reply, c->expect_reply, (size_t)n));
		CHILD_CHECK(info.token != 0 && info.msg_flags == 0);
		CHILD_CHECK(info.priority == c->prio);
	}
	if (c->report_fd >= 0)
		CHILD_CHECK(write(c->report_fd, &info, sizeof(info)) == sizeof(info));
	return 0;
}

static pid_t start_call(struct caller *c)
{
	return tu_fork(child_call, c);
}

/* Receive one request; returns its token, checks the text. */
static uint64_t take_request(struct msgport_mailbox *mb, const char *text,
			     struct msgport_msginfo *infop)
{
	struct msgport_msginfo info;
	char buf[256];
	ssize_t n;

	n = msgport_recv(mb, buf, sizeof(buf), 0, LONG_NS, &info);
	if (n < 0)
		fail_msg("receiving request \"%s\": %s", text, msgport_strerror((int)n));
	assert_int_equal(n, strlen(text));
	assert_memory_equal(buf, text, n);
	assert_int_equal(info.msg_flags & MSGPORT_MSG_CALL, MSGPORT_MSG_CALL);
	assert_true(info.token != 0);
	if (infop)
		*infop = info;
	return info.token;
}

/* No call record is left in the module (debugfs msgport/objects). */
static void assert_no_calls(void)
{
	long calls = -1;

	assert_int_equal(tu_objects_read("calls", &calls), 0);
	assert_int_equal(calls, 0);
}

static void upper(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = (char)toupper((unsigned char)s[i]);
}

/* A call and its reply: text, metadata both ways, the stat of calls. */
static void test_call_reply(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rpc"), 8, 0, 0600, 0);
	struct caller c = {
		.mb = mb, .req = "hello", .prio = 5, .expect = 5, .expect_reply = "HELLO",
	};
	struct msgport_msginfo req, rep;
	struct msgport_stat st;
	int pfd[2];
	uint64_t token;
	pid_t caller;

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	tu_track_fd(pfd[0]);
	tu_track_fd(pfd[1]);
	c.report_fd = pfd[1];
	caller = start_call(&c);
	token = take_request(mb, "hello", &req);
	assert_int_equal(req.pid, caller);
	assert_int_equal(req.priority, 5);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.calls, 1);
	assert_int_equal(msgport_reply(mb, token, "HELLO", 5), 0);
	assert_child_ok(caller);
	assert_int_equal(read(pfd[0], &rep, sizeof(rep)), sizeof(rep));
	assert_int_equal(rep.token, token);
	assert_int_equal(rep.pid, getpid());
	assert_int_equal(rep.uid, 0);
	assert_int_equal(rep.len, 5);
	assert_int_equal(rep.seq, req.seq);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.calls, 0);
	/* Answered: the token is spent. */
	assert_int_equal(msgport_reply(mb, token, "again", 5), -ENOENT);
	assert_no_calls();
}

/* ENOENT and EINVAL of reply; only the receiving descriptor answers. */
static void test_reply_errors(void **state)
{
	const char *name = tu_name("rpcerr");
	struct msgport_mailbox *mb = tu_create(name, 8, 16, 0600, 0);
	struct msgport_mailbox *other = tu_open(name, MSGPORT_O_RECV | MSGPORT_O_SEND);
	struct caller c = { .mb = mb, .req = "q", .expect = 2, .expect_reply = "ok",
			    .report_fd = -1 };
	struct msgport_reply r;
	uint64_t token;
	pid_t caller;

	caller = start_call(&c);
	token = take_request(mb, "q", NULL);
	assert_int_equal(msgport_reply(mb, token + 1000, "no", 2), -ENOENT);
	assert_int_equal(msgport_reply(other, token, "no", 2), -ENOENT);
	assert_int_equal(msgport_reply(mb, 0, "no", 2), -EINVAL);
	assert_int_equal(msgport_reply(mb, token, "seventeen bytes!!", 17), -EMSGSIZE);
	memset(&r, 0, sizeof(r));
	r.token = token;
	r.buf = (uintptr_t)"no";
	r.len = 2;
	r.flags = 1;
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_REPLY, &r), -EINVAL);
	r.flags = 0;
	r.reserved[0] = 1;
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_REPLY, &r), -EINVAL);
	r.reserved[0] = 0;
	r.buf = (uintptr_t)tu_unmapped_page();
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_REPLY, &r), -EFAULT);
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_REPLY, tu_unmapped_page()),
			 -EFAULT);
	/* None of these answered it. */
	assert_int_equal(msgport_reply(mb, token, "ok", 2), 0);
	assert_child_ok(caller);
	assert_int_equal(msgport_reply(mb, token, "ok", 2), -ENOENT);
}

/* A reply longer than the caller's buffer: EMSGSIZE, or truncated. */
static void test_reply_size(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rpcsize"), 8, 0, 0600, 0);
	struct caller c = { .mb = mb, .req = "small", .reply_len = 4, .expect = 4,
			    .expect_reply = "four", .report_fd = -1 };
	struct caller t = { .mb = mb, .req = "trunc", .reply_len = 4, .flags = MSGPORT_F_TRUNC,
			    .expect = 4, .expect_reply = "long", .report_fd = -1 };
	struct msgport_msginfo rep;
	uint64_t token;
	pid_t caller;
	int pfd[2];

	caller = start_call(&c);
	token = take_request(mb, "small", NULL);
	assert_int_equal(msgport_reply(mb, token, "too long", 8), -EMSGSIZE);
	assert_int_equal(msgport_reply(mb, token, "four", 4), 0);
	assert_child_ok(caller);

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	tu_track_fd(pfd[0]);
	tu_track_fd(pfd[1]);
	t.report_fd = pfd[1];
	caller = start_call(&t);
	token = take_request(mb, "trunc", NULL);
	assert_int_equal(msgport_reply(mb, token, "long reply", 10), 0);
	assert_child_ok(caller);
	assert_int_equal(read(pfd[0], &rep, sizeof(rep)), sizeof(rep));
	assert_int_equal(rep.len, 10);
}

/* The caller timed out after the server took the request: ECANCELED. */
static void test_caller_gave_up(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rpcgone"), 8, 0, 0600, 0);
	struct caller c = { .mb = mb, .req = "late", .timeout_ns = SHORT_NS,
			    .expect = -ETIMEDOUT, .report_fd = -1 };
	struct caller k = { .mb = mb, .req = "killed", .expect = 0, .report_fd = -1 };
	struct msgport_stat st;
	uint64_t token;
	pid_t caller;

	caller = start_call(&c);
	token = take_request(mb, "late", NULL);
	assert_child_ok(caller);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.calls, 1);		/* still held for the reply to learn */
	assert_int_equal(msgport_reply(mb, token, "too late", 8), -ECANCELED);
	assert_int_equal(msgport_reply(mb, token, "too late", 8), -ENOENT);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.calls, 0);

	/* A caller that is killed ("exited") likewise. */
	caller = start_call(&k);
	token = take_request(mb, "killed", NULL);
	kill(caller, SIGKILL);
	assert_int_equal(tu_join(caller), 128 + SIGKILL);
	assert_int_equal(msgport_reply(mb, token, "dead", 4), -ECANCELED);
	assert_no_calls();
}

/* Given up before any server took it: withdrawn, never seen. */
static void test_withdrawn(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rpcwd"), 8, 0, 0600, 0);
	struct caller c = { .mb = mb, .req = "never", .timeout_ns = SHORT_NS,
			    .expect = -ETIMEDOUT, .report_fd = -1 };
	struct msgport_stat st;
	char buf[16];

	assert_child_ok(start_call(&c));
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.calls, 0);
}

/* Interrupted after the server took it: EINTR (no restart), ECANCELED. */
static void test_eintr_after_taken(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rpcintr"), 8, 0, 0600, 0);
	struct caller c = { .mb = mb, .req = "intr", .sigusr1 = true, .restart = true,
			    .expect = -EINTR, .report_fd = -1 };
	uint64_t token;
	pid_t caller;

	caller = start_call(&c);
	token = take_request(mb, "intr", NULL);
	assert_int_equal(tu_await_sleeping(caller, TU_AWAIT_MS), 0);
	assert_int_equal(kill(caller, SIGUSR1), 0);
	assert_child_ok(caller);
	assert_int_equal(msgport_reply(mb, token, "x", 1), -ECANCELED);
}

/*
 * Interrupted before any server took it, under SA_RESTART: withdrawn and
 * sent again by the restart; the server sees it once.
 */
static void test_restart_before_taken(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rpcrst"), 8, 0, 0600, 0);
	struct caller c = { .mb = mb, .req = "once", .sigusr1 = true, .restart = true,
			    .timeout_ns = LONG_NS, .expect = 4, .expect_reply = "ONCE",
			    .report_fd = -1 };
	struct msgport_stat st;
	uint64_t token;
	pid_t caller;
	int i;

	caller = start_call(&c);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	for (i = 0; i < 3; i++) {
		assert_int_equal(tu_await_sleeping(caller, TU_AWAIT_MS), 0);
		assert_int_equal(kill(caller, SIGUSR1), 0);
	}
	assert_int_equal(tu_await_sleeping(caller, TU_AWAIT_MS), 0);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	token = take_request(mb, "once", NULL);
	assert_int_equal(msgport_reply(mb, token, "ONCE", 4), 0);
	assert_child_ok(caller);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.received, 1);
	assert_int_equal(st.queued_msgs, 0);
}

/* Priority travels with the request; requests queue by priority. */
static void test_priority(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rpcprio"), 8, 0, 0600, 0);
	struct caller lo = { .mb = mb, .req = "lo", .prio = 1, .expect = 2, .expect_reply = "LO",
			     .report_fd = -1 };
	struct caller hi = { .mb = mb, .req = "hi", .prio = 9, .expect = 2, .expect_reply = "HI",
			     .report_fd = -1 };
	struct msgport_msginfo info;
	uint64_t t1, t2;
	pid_t p1, p2;

	p1 = start_call(&lo);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	p2 = start_call(&hi);
	assert_await(mb, TU_QUEUED_MSGS, 2);
	t2 = take_request(mb, "hi", &info);
	assert_int_equal(info.priority, 9);
	t1 = take_request(mb, "lo", &info);
	assert_int_equal(info.priority, 1);
	assert_true(t1 != t2);
	/* Answer in the other order: each reply finds its own caller. */
	assert_int_equal(msgport_reply(mb, t1, "LO", 2), 0);
	assert_int_equal(msgport_reply(mb, t2, "HI", 2), 0);
	assert_child_ok(p1);
	assert_child_ok(p2);
}

struct server {
	struct msgport_mailbox *mb;
	const char *name;	/* open a descriptor of its own (else use mb) */
	int count;		/* calls to serve, then exit */
	bool die_holding;	/* take one more and exit without answering */
};

/* Child: serve count calls with reply-and-receive, upper-casing. */
static int child_server(void *arg)
{
	const struct server *s = arg;
	struct msgport_mailbox *mb = s->mb;
	struct msgport_msginfo info;
	char buf[256];
	uint64_t token = 0;
	size_t len = 0;
	int i, res;
	ssize_t n;

	/*
	 * A descriptor of its own: calls are claimed by the open file
	 * description, which a forked child shares with its parent.
	 */
	if (s->name)
		CHILD_CHECK(msgport_mailbox_open(tu_mp(), s->name, MSGPORT_O_RECV, NULL, &mb) == 0);
	for (i = 0; i <= s->count; i++) {
		if (i == s->count && !s->die_holding) {
			CHILD_CHECK(msgport_reply(mb, token, buf, len) == 0);
			break;
		}
		n = msgport_reply_recv(mb, token, buf, len, &res, buf, sizeof(buf), 0, LONG_NS,
				       &info);
		if (n < 0)
			fprintf(stderr, "server: %s\n", msgport_strerror((int)n));
		CHILD_CHECK(n >= 0);
		CHILD_CHECK(res == 0);
		CHILD_CHECK(info.msg_flags & MSGPORT_MSG_CALL);
		token = info.token;
		len = (size_t)n;
		upper(buf, len);
	}
	return 0;
}

/* A server loop on reply-and-receive; its reply_result. */
static void test_reply_recv(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rpcloop"), 8, 0, 0600, 0);
	struct server s = { .mb = mb, .count = 3 };
	struct caller c = { .mb = mb, .expect = 3, .report_fd = -1 };
	struct msgport_msginfo info;
	static const char *const words[] = { "one", "two", "six" };
	static const char *const upperw[] = { "ONE", "TWO", "SIX" };
	char buf[16];
	pid_t srv;
	int i, res;

	srv = tu_fork(child_server, &s);
	for (i = 0; i < 3; i++) {
		c.req = words[i];
		c.expect_reply = upperw[i];
		assert_child_ok(start_call(&c));
	}
	assert_child_ok(srv);

	/* A stale token does not stop the receive: reply_result says ENOENT. */
	assert_int_equal(msgport_send(mb, "msg", 3, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_reply_recv(mb, 12345, "x", 1, &res, buf, sizeof(buf),
					    MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, &info), 3);
	assert_int_equal(res, -ENOENT);
	assert_int_equal(info.msg_flags, 0);
	assert_int_equal(info.token, 0);
	/* No token: receive only. */
	assert_int_equal(msgport_send(mb, "msg", 3, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_reply_recv(mb, 0, NULL, 0, &res, buf, sizeof(buf),
					    MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, NULL), 3);
	assert_int_equal(res, 0);
	/* A reply error of another kind fails the whole call, nothing received. */
	assert_int_equal(msgport_send(mb, "msg", 3, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_reply_recv(mb, 7, tu_unmapped_page(), 1, &res, buf, sizeof(buf),
					    MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, NULL),
			 -EFAULT);
	assert_int_equal(res, -EFAULT);
	assert_await(mb, TU_QUEUED_MSGS, 1);
}

/* The raw ABI of reply-and-receive. */
static void test_reply_recv_abi(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rrabi"), 8, 0, 0600, 0);
	struct caller c = { .mb = mb, .req = "abi", .expect = 2, .expect_reply = "ok",
			    .report_fd = -1 };
	struct msgport_reply_recv rr;
	char buf[8];
	pid_t caller;
	int fd = msgport_mailbox_fd(mb);

	caller = start_call(&c);
	memset(&rr, 0, sizeof(rr));
	rr.recv.buf = (uintptr_t)buf;
	rr.recv.buf_len = sizeof(buf);
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_REPLY_RECV, &rr), 3);
	assert_true(rr.recv.info.msg_flags & MSGPORT_MSG_CALL);
	rr.reply.token = rr.recv.info.token;
	rr.reply.buf = (uintptr_t)"ok";
	rr.reply.len = 2;
	rr.recv.flags = MSGPORT_F_NONBLOCK;
	/* Bad receive arguments are found before the reply goes. */
	rr.recv.nfds = 1;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_REPLY_RECV, &rr), -EINVAL);
	rr.recv.nfds = 0;
	rr.reserved0 = 1;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_REPLY_RECV, &rr), -EINVAL);
	rr.reserved0 = 0;
	rr.reply_result = 99;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_REPLY_RECV, &rr), -EAGAIN);
	assert_int_equal(rr.reply_result, 0);
	assert_child_ok(caller);
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_REPLY_RECV, &rr), -EAGAIN);
	assert_int_equal(rr.reply_result, -ENOENT);
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_REPLY_RECV, tu_unmapped_page()), -EFAULT);
}

/* The server exits holding a call: its caller gets ECONNRESET. */
static void test_server_death(void **state)
{
	const char *name = tu_name("rpcdeath");
	struct msgport_mailbox *mb = tu_create(name, 8, 0, 0600, 0);
	struct server s = { .name = name, .count = 0, .die_holding = true };
	struct caller c1 = { .mb = mb, .req = "dies", .expect = -ECONNRESET, .report_fd = -1 };
	struct caller c2 = { .mb = mb, .req = "next", .expect = 4, .expect_reply = "NEXT",
			     .report_fd = -1 };
	struct msgport_stat st;
	pid_t srv, p1, p2;
	uint64_t token;

	srv = tu_fork(child_server, &s);
	p1 = start_call(&c1);
	assert_child_ok(srv);		/* took "dies" and exited */
	assert_child_ok(p1);
	/* A call still queued is not failed: another server answers it. */
	p2 = start_call(&c2);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	token = take_request(mb, "next", NULL);
	assert_int_equal(msgport_reply(mb, token, "NEXT", 4), 0);
	assert_child_ok(p2);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.calls, 0);
	assert_no_calls();
}

struct lone_server {
	const char *name;
	int ready[2];		/* it has opened the mailbox */
	int go[2];		/* then exit */
};

/* A server that opens the mailbox, says so, and exits without receiving. */
static int child_lone_server(void *arg)
{
	struct lone_server *l = arg;
	struct msgport_mailbox *mb;
	char b;

	CHILD_CHECK(msgport_mailbox_open(tu_mp(), l->name, MSGPORT_O_RECV, NULL, &mb) == 0);
	CHILD_CHECK(write(l->ready[1], "r", 1) == 1);
	CHILD_CHECK(read(l->go[0], &b, 1) == 1);
	return 0;
}

/*
 * The last descriptor that could receive closes (the only server exits)
 * with calls queued: they fail with ECONNRESET, plain messages stay.  A
 * call made while no receiver is open waits (here until its time-out).
 */
static void test_last_receiver_gone(void **state)
{
	const char *name = tu_name("rpclone");
	struct msgport_mailbox *rw = tu_create(name, 8, 0, 0600, 0), *wo, *rv_rw, *rv;
	const char *rvname = tu_name("rpclonerv");
	struct lone_server l = { .name = name }, lr = { .name = rvname };
	struct caller c = { .req = "queued", .expect = -ECONNRESET, .report_fd = -1 };
	struct caller r = { .req = "rendezvous", .expect = -ECONNRESET, .report_fd = -1 };
	struct caller t = { .req = "nobody", .timeout_ns = SHORT_NS, .expect = -ETIMEDOUT,
			    .report_fd = -1 };
	struct msgport_stat st;
	pid_t srv, srv2, p1, p2, p3;
	char b;

	/* Only a send descriptor here: the server is the only receiver. */
	wo = tu_open(name, MSGPORT_O_SEND);
	tu_close(rw);
	c.mb = wo;
	assert_int_equal(pipe2(l.ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(l.go, O_CLOEXEC), 0);
	tu_track_fd(l.ready[0]);
	tu_track_fd(l.ready[1]);
	tu_track_fd(l.go[0]);
	tu_track_fd(l.go[1]);
	srv = tu_fork(child_lone_server, &l);
	assert_int_equal(read(l.ready[0], &b, 1), 1);
	assert_int_equal(msgport_send(wo, "plain", 5, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	p1 = start_call(&c);
	p2 = start_call(&c);
	assert_int_equal(tu_await_stat(msgport_mailbox_fd(wo), TU_QUEUED_MSGS, 3, TU_AWAIT_MS), 0);
	assert_int_equal(write(l.go[1], "g", 1), 1);
	assert_child_ok(srv);
	assert_child_ok(p1);
	assert_child_ok(p2);
	assert_int_equal(msgport_mailbox_stat(wo, &st), 0);
	assert_int_equal(st.queued_msgs, 1);		/* the plain message */
	assert_int_equal(st.dropped, 2);
	/* No receiver now: a new call waits, and is withdrawn at its time-out. */
	t.mb = wo;
	assert_child_ok(start_call(&t));
	assert_int_equal(msgport_mailbox_stat(wo, &st), 0);
	assert_int_equal(st.queued_msgs, 1);

	/* On a rendezvous mailbox, the caller waiting for a taker. */
	rv_rw = tu_create(rvname, 0, 0, 0600, 0);
	rv = tu_open(rvname, MSGPORT_O_SEND);
	tu_close(rv_rw);
	r.mb = rv;
	assert_int_equal(pipe2(lr.ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(lr.go, O_CLOEXEC), 0);
	tu_track_fd(lr.ready[0]);
	tu_track_fd(lr.ready[1]);
	tu_track_fd(lr.go[0]);
	tu_track_fd(lr.go[1]);
	srv2 = tu_fork(child_lone_server, &lr);
	assert_int_equal(read(lr.ready[0], &b, 1), 1);
	p3 = start_call(&r);
	assert_int_equal(tu_await_stat(msgport_mailbox_fd(rv), TU_WAITING_SENDERS, 1, TU_AWAIT_MS),
			 0);
	assert_int_equal(write(lr.go[1], "g", 1), 1);
	assert_child_ok(srv2);
	assert_child_ok(p3);
	assert_no_calls();
}

/* Unlink: queued and claimed calls fail with EIDRM, and so does the reply. */
static void test_unlink(void **state)
{
	const char *name = tu_name("rpcunlink");
	struct msgport_mailbox *mb = tu_create(name, 8, 0, 0600, 0);
	struct caller c1 = { .mb = mb, .req = "claimed", .expect = -EIDRM, .report_fd = -1 };
	struct caller c2 = { .mb = mb, .req = "queued", .expect = -EIDRM, .report_fd = -1 };
	struct msgport_stat st;
	uint64_t token;
	pid_t p1, p2;

	p1 = start_call(&c1);
	token = take_request(mb, "claimed", NULL);
	p2 = start_call(&c2);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	assert_int_equal(tu_await_sleeping(p2, TU_AWAIT_MS), 0);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_child_ok(p1);
	assert_child_ok(p2);
	assert_int_equal(msgport_reply(mb, token, "x", 1), -EIDRM);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.calls, 0);
	assert_no_calls();
}

/* A call to a rendezvous mailbox: the request waits for a server. */
static void test_rendezvous(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rpcrv"), 0, 0, 0600, 0);
	struct caller c = { .mb = mb, .req = "meet", .expect = 4, .expect_reply = "MEET",
			    .report_fd = -1 };
	struct caller nb = { .mb = mb, .req = "nb", .flags = MSGPORT_F_NONBLOCK,
			     .expect = -EAGAIN, .report_fd = -1 };
	uint64_t token;
	pid_t p;

	assert_child_ok(start_call(&nb));	/* no server waiting */
	p = start_call(&c);
	assert_await(mb, TU_WAITING_SENDERS, 1);
	token = take_request(mb, "meet", NULL);
	assert_int_equal(msgport_reply(mb, token, "MEET", 4), 0);
	assert_child_ok(p);
}

struct pid_server {
	int ready[2];
	struct server s;
};

static int child_pid_server(void *arg)
{
	struct pid_server *ps = arg;
	struct msgport_mailbox *in;

	CHILD_CHECK(msgport_inbox_open(tu_mp(), NULL, 0, &in) == 0);
	ps->s.mb = in;
	CHILD_CHECK(write(ps->ready[1], "r", 1) == 1);
	return child_server(&ps->s);
}

/* Calls to a process's inbox; the inbox owner's death while it holds one. */
static void test_call_pid(void **state)
{
	struct pid_server ps = { .s = { .count = 2, .die_holding = true } };
	struct caller c = { .req = "by pid", .expect = 6, .expect_reply = "BY PID",
			    .report_fd = -1 };
	struct caller d = { .req = "dying", .expect = -ECONNRESET, .report_fd = -1 };
	struct caller q = { .req = "queued", .expect = -ECONNRESET, .report_fd = -1 };
	pid_t srv, p;
	char b;

	assert_int_equal(pipe2(ps.ready, O_CLOEXEC), 0);
	tu_track_fd(ps.ready[0]);
	tu_track_fd(ps.ready[1]);
	srv = tu_fork(child_pid_server, &ps);
	assert_int_equal(read(ps.ready[0], &b, 1), 1);
	c.pid = d.pid = q.pid = srv;
	assert_child_ok(start_call(&c));
	assert_child_ok(start_call(&c));
	/* The third is taken and never answered; a fourth waits queued. */
	p = start_call(&d);
	assert_child_ok(srv);
	assert_child_ok(p);
	/* Reaped: ESRCH; a process without an inbox: ECONNREFUSED; pid 0. */
	q.expect = -ESRCH;
	assert_child_ok(start_call(&q));
	q.pid = getpid();
	q.expect = -ECONNREFUSED;
	assert_child_ok(start_call(&q));
	q.pid = 0;
	q.expect = -EINVAL;
	assert_child_ok(start_call(&q));
	assert_no_calls();
}

struct queued_pid {
	int ready[2];
	int go[2];
};

static int child_inbox_holder(void *arg)
{
	struct queued_pid *qp = arg;
	struct msgport_mailbox *in;
	char b;

	CHILD_CHECK(msgport_inbox_open(tu_mp(), NULL, 0, &in) == 0);
	CHILD_CHECK(write(qp->ready[1], "r", 1) == 1);
	CHILD_CHECK(read(qp->go[0], &b, 1) == 1);
	/* Exit with the call queued. */
	CHILD_CHECK(tu_await_stat(msgport_mailbox_fd(in), TU_QUEUED_MSGS, 1, TU_AWAIT_MS) == 0);
	return 0;
}

/* A call queued in an inbox whose owner exits: ECONNRESET. */
static void test_call_pid_queued_death(void **state)
{
	struct queued_pid qp;
	struct caller q = { .req = "queued", .expect = -ECONNRESET, .report_fd = -1 };
	pid_t owner, p;
	char b;

	assert_int_equal(pipe2(qp.ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(qp.go, O_CLOEXEC), 0);
	tu_track_fd(qp.ready[0]);
	tu_track_fd(qp.ready[1]);
	tu_track_fd(qp.go[0]);
	tu_track_fd(qp.go[1]);
	owner = tu_fork(child_inbox_holder, &qp);
	assert_int_equal(read(qp.ready[0], &b, 1), 1);
	q.pid = owner;
	p = start_call(&q);
	assert_int_equal(write(qp.go[1], "g", 1), 1);
	assert_child_ok(owner);
	assert_child_ok(p);
	assert_no_calls();
}

/* The call ioctls' checks. */
static void test_call_abi(void **state)
{
	const char *name = tu_name("callabi");
	struct msgport_mailbox *mb = tu_create(name, 8, 8, 0600, 0);
	struct msgport_mailbox *ro = tu_open(name, MSGPORT_O_RECV);
	struct msgport_call c;
	char reply[8];
	int fd = msgport_mailbox_fd(mb);

	memset(&c, 0, sizeof(c));
	c.buf = (uintptr_t)"x";
	c.len = 1;
	c.reply_buf = (uintptr_t)reply;
	c.reply_len = sizeof(reply);
	c.flags = MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT;	/* timeout 0 */
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(ro), MSGPORT_IOC_CALL, &c), -EBADF);
	c.pid = 1;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_CALL, &c), -EINVAL);
	c.pid = 0;
	c.reserved0 = 1;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_CALL, &c), -EINVAL);
	c.reserved0 = 0;
	c.reserved[0] = 1;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_CALL, &c), -EINVAL);
	c.reserved[0] = 0;
	c.flags |= MSGPORT_F_PEEK;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_CALL, &c), -EINVAL);
	c.flags &= ~MSGPORT_F_PEEK;
	c.priority = 32;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_CALL, &c), -EINVAL);
	c.priority = 0;
	c.len = 9;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_CALL, &c), -EMSGSIZE);
	c.len = 1;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_CALL, tu_unmapped_page()), -EFAULT);
	/* Nobody answers within a zero timeout: withdrawn, ETIMEDOUT. */
	c.token = 77;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_CALL, &c), -ETIMEDOUT);
	assert_true(c.token != 0 && c.token != 77);	/* it was sent, under a token */
	assert_await(mb, TU_QUEUED_MSGS, 0);
	/* The pid form checks the same, and its pid. */
	c.pid = 0;
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_CALL_PID, &c), -EINVAL);
	c.pid = getpid();
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_CALL_PID, &c), -ECONNREFUSED);
	c.relay = 1;
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_CALL_PID, &c), -EINVAL);
}

static const struct CMUnitTest rpc_tests[] = {
	TU_TEST(test_call_reply),
	TU_TEST(test_reply_errors),
	TU_TEST(test_reply_size),
	TU_TEST(test_caller_gave_up),
	TU_TEST(test_withdrawn),
	TU_TEST(test_eintr_after_taken),
	TU_TEST(test_restart_before_taken),
	TU_TEST(test_priority),
	TU_TEST(test_reply_recv),
	TU_TEST(test_reply_recv_abi),
	TU_TEST(test_server_death),
	TU_TEST(test_unlink),
	TU_TEST(test_last_receiver_gone),
	TU_TEST(test_rendezvous),
	TU_TEST(test_call_pid),
	TU_TEST(test_call_pid_queued_death),
	TU_TEST(test_call_abi),
};

MSGPORT_SUITE(rpc_suite, MSGPORT_GROUP_MODULE, 1600, "rpc",
	      "call, reply, reply-and-receive: tokens, ENOENT, ECANCELED, withdrawal, "
	      "ECONNRESET, EIDRM, calls by pid",
	      rpc_tests);
