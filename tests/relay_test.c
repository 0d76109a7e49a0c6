// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "relay": relayed messages (MSGPORT_F_RELAY) and the grown receives
 * (struct msgport_recv_v1 and the like).  The relayer's claim travels
 * beside the message (MSGPORT_MSG_RELAYED; the relay struct at the grown
 * sizes, only the flag at the first ones), while info.pid/uid stay the
 * relayer's own; through a send, a batch, a call's request and its reply,
 * and reply-and-receive.  An error reply fails the call with its errno.
 * MSGPORT_MSG_SYNC tells a receiver that its sender waits.  And the ABI's
 * checks: reserved0, a relay without the flag, SEND_PID/CALL_PID.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "msgport_test.h"

#define LONG_NS		(30LL * 1000000000LL)

static const struct msgport_relay relay_a = {
	.origin = 0x1122334455667788ULL, .seq = 42, .send_time_ns = 1700000000000000000ULL,
	.pid = 4321, .uid = 1001, .gid = 1002,
};

static const struct msgport_relay relay_b = {
	.origin = 7, .seq = 9, .send_time_ns = 123, .pid = 77, .uid = 0, .gid = 5,
};

static bool relay_eq(const struct msgport_relay *a, const struct msgport_relay *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static int send_relayed(struct msgport_mailbox *mb, const char *s, const struct msgport_relay *r)
{
	struct msgport_sendmsg m = { .buf = s, .len = strlen(s), .timeout_ns = MSGPORT_WAIT_FOREVER };

	return msgport_send_relay(mb, &m, r);
}

static ssize_t recv_relayed(struct msgport_mailbox *mb, char *buf, size_t len,
			    struct msgport_msginfo *info, struct msgport_relay *r)
{
	struct msgport_recvmsg m = { .buf = buf, .len = len, .flags = MSGPORT_F_NONBLOCK };
	ssize_t n;

	memset(r, 0xa5, sizeof(*r));
	n = msgport_recv_relay(mb, &m, r);
	*info = m.info;
	return n;
}

/* A relayed send: the claim at the grown size, the relayer's own identity in info. */
static void test_send_roundtrip(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rt"), 8, 0, 0600, 0);
	struct msgport_msginfo info;
	struct msgport_relay r;
	static const struct msgport_relay zero;
	char buf[64];

	assert_int_equal(send_relayed(mb, "hello", &relay_a), 0);
	assert_int_equal(send_relayed(mb, "plain", NULL), 0);
	assert_int_equal(recv_relayed(mb, buf, sizeof(buf), &info, &r), 5);
	assert_true(info.msg_flags & MSGPORT_MSG_RELAYED);
	assert_false(info.msg_flags & MSGPORT_MSG_SYNC);
	assert_true(relay_eq(&r, &relay_a));
	assert_int_equal(info.pid, getpid());
	assert_int_equal(info.uid, geteuid());
	assert_int_equal(info.gid, getegid());
	/* Not relayed: no flag, zeros. */
	assert_int_equal(recv_relayed(mb, buf, sizeof(buf), &info, &r), 5);
	assert_int_equal(info.msg_flags, 0);
	assert_true(relay_eq(&r, &zero));
}

/* At the first size a receiver sees only the flag; at a size between, the tail is zeroed. */
static void test_ver0_flag_only(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("ver0"), 8, 0, 0600, 0);
	struct msgport_msginfo info;
	struct {
		struct msgport_recv r;
		uint64_t more[2];
	} mid;
	char buf[64];

	assert_int_equal(send_relayed(mb, "one", &relay_a), 0);
	assert_int_equal(send_relayed(mb, "two", &relay_a), 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, &info), 3);
	assert_int_equal(info.msg_flags, MSGPORT_MSG_RELAYED);
	assert_int_equal(info.pid, getpid());
	memset(&mid, 0, sizeof(mid));
	mid.r.buf = (uintptr_t)buf;
	mid.r.buf_len = sizeof(buf);
	mid.r.flags = MSGPORT_F_NONBLOCK;
	mid.more[0] = 0;
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb),
				  _IOWR(MSGPORT_IOC_MAGIC, 0x11, mid), &mid), 3);
	assert_int_equal(mid.r.info.msg_flags, MSGPORT_MSG_RELAYED);
	assert_int_equal(mid.more[0], 0);
	assert_int_equal(mid.more[1], 0);
}

/* A grown receive larger than the module's: the relay, then zeros. */
static void test_grown_larger(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("big"), 8, 0, 0600, 0);
	struct {
		struct msgport_recv_v1 v;
		uint64_t more[3];
	} big;
	char buf[64];

	assert_int_equal(send_relayed(mb, "x", &relay_b), 0);
	memset(&big, 0xff, sizeof(big));
	memset(&big.v.recv, 0, sizeof(big.v.recv));
	big.v.recv.buf = (uintptr_t)buf;
	big.v.recv.buf_len = sizeof(buf);
	big.v.recv.flags = MSGPORT_F_NONBLOCK;
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb),
				  _IOWR(MSGPORT_IOC_MAGIC, 0x11, big), &big), 1);
	assert_true(relay_eq(&big.v.relay, &relay_b));
	assert_int_equal(big.more[0] | big.more[1] | big.more[2], 0);
}

/* The checks: reserved0, a pointer without the flag or the flag without one, by pid. */
static void test_einval(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("einval"), 8, 0, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_relay bad = relay_a;
	struct msgport_send s;
	struct msgport_send_pid sp;
	struct msgport_call c;
	struct msgport_recv r;
	char buf[16];

	bad.reserved0 = 1;
	assert_errno(send_relayed(mb, "x", &bad), EINVAL);
	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)"x";
	s.len = 1;
	s.flags = MSGPORT_F_RELAY;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EINVAL);	/* no pointer */
	s.relay = (uintptr_t)tu_unmapped_page();
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EFAULT);
	s.flags = 0;
	s.relay = (uintptr_t)&relay_a;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EINVAL);	/* no flag */
	/* Not to a pid. */
	memset(&sp, 0, sizeof(sp));
	sp.buf = (uintptr_t)"x";
	sp.len = 1;
	sp.flags = MSGPORT_F_RELAY;
	sp.pid = getpid();
	assert_errno(tu_ioctl(tu_devfd(), MSGPORT_IOC_SEND_PID, &sp), EINVAL);
	memset(&c, 0, sizeof(c));
	c.buf = (uintptr_t)"x";
	c.len = 1;
	c.flags = MSGPORT_F_RELAY;
	c.relay = (uintptr_t)&relay_a;
	c.pid = getpid();
	assert_errno(tu_ioctl(tu_devfd(), MSGPORT_IOC_CALL_PID, &c), EINVAL);
	/* A call's relay without the flag. */
	c.pid = 0;
	c.flags = 0;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_CALL, &c), EINVAL);
	/* Not a receive flag. */
	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.buf_len = sizeof(buf);
	r.flags = MSGPORT_F_RELAY | MSGPORT_F_NONBLOCK;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EINVAL);
	assert_await(mb, TU_QUEUED_MSGS, 0);
}

/* Batches: relayed entries, received at entry_size = sizeof(struct msgport_recv_v1). */
static void test_batch(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("batch"), 8, 0, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_send s[3];
	struct msgport_recv_v1 r[3];
	struct msgport_batch b;
	static const struct msgport_relay zero;
	char buf[3][16];
	int i;

	memset(s, 0, sizeof(s));
	for (i = 0; i < 3; i++) {
		s[i].buf = (uintptr_t)"abc" + i;
		s[i].len = 1;
	}
	s[0].flags = MSGPORT_F_RELAY;
	s[0].relay = (uintptr_t)&relay_a;
	s[2].flags = MSGPORT_F_RELAY;
	s[2].relay = (uintptr_t)&relay_b;
	memset(&b, 0, sizeof(b));
	b.msgs = (uintptr_t)s;
	b.count = 3;
	b.entry_size = sizeof(s[0]);
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_SEND_BATCH, &b), 3);

	memset(r, 0xa5, sizeof(r));
	for (i = 0; i < 3; i++) {
		memset(&r[i].recv, 0, sizeof(r[i].recv));
		r[i].recv.buf = (uintptr_t)buf[i];
		r[i].recv.buf_len = sizeof(buf[i]);
		r[i].recv.flags = MSGPORT_F_NONBLOCK;
	}
	b.msgs = (uintptr_t)r;
	b.entry_size = sizeof(r[0]);
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_RECV_BATCH, &b), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(buf[i][0], 'a' + i);
	assert_int_equal(r[0].recv.info.msg_flags, MSGPORT_MSG_RELAYED);
	assert_true(relay_eq(&r[0].relay, &relay_a));
	assert_int_equal(r[1].recv.info.msg_flags, 0);
	assert_true(relay_eq(&r[1].relay, &zero));
	assert_int_equal(r[2].recv.info.msg_flags, MSGPORT_MSG_RELAYED);
	assert_true(relay_eq(&r[2].relay, &relay_b));
	assert_int_equal(r[2].recv.info.pid, getpid());
}

struct server {
	struct msgport_mailbox *mb;
	int mode;		/* 0: reply relayed; 1: error reply; 2: reply_recv_v1 */
};

/* Serve one call: check the request's relay, answer as mode says. */

/* MSGPORT_IOC_REPLY with MSGPORT_REPLY_ERROR as is, past the library's checks. */
static long raw_reply_error(struct msgport_mailbox *mb, uint64_t token, uint32_t err)
{
	struct msgport_reply r;

	memset(&r, 0, sizeof(r));
	r.token = token;
	r.len = err;
	r.flags = MSGPORT_REPLY_ERROR;
	return tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_REPLY, &r);
}

static int child_serve(void *arg)
{
	const struct server *sv = arg;
	struct msgport_recvmsg m;
	struct msgport_relay r;
	char buf[64];
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.buf = buf;
	m.len = sizeof(buf);
	m.timeout_ns = LONG_NS;
	n = msgport_recv_relay(sv->mb, &m, &r);
	CHILD_CHECK(n == 4 && !memcmp(buf, "ping", 4));
	CHILD_CHECK(m.info.msg_flags == (MSGPORT_MSG_CALL | MSGPORT_MSG_RELAYED));
	CHILD_CHECK(relay_eq(&r, &relay_a));
	CHILD_CHECK(m.info.pid == getppid());
	if (sv->mode == 1) {
		CHILD_CHECK(msgport_reply_error(sv->mb, m.info.token, 0) == -EINVAL);
		CHILD_CHECK(msgport_reply_error(sv->mb, m.info.token, 4096) == -EINVAL);
		/* The kernel's own (ERESTARTSYS, ERESTART_RESTARTBLOCK): refused. */
		CHILD_CHECK(msgport_reply_error(sv->mb, m.info.token, 512) == -EINVAL);
		CHILD_CHECK(raw_reply_error(sv->mb, m.info.token, 512) == -EINVAL);
		CHILD_CHECK(raw_reply_error(sv->mb, m.info.token, 516) == -EINVAL);
		CHILD_CHECK(raw_reply_error(sv->mb, m.info.token, 4095) == -EINVAL);
		CHILD_CHECK(msgport_reply_error(sv->mb, m.info.token, EHOSTUNREACH) == 0);
		CHILD_CHECK(msgport_reply_error(sv->mb, m.info.token, EHOSTUNREACH) == -ENOENT);
		return 0;
	}
	if (sv->mode == 2) {
		struct msgport_reply_recv_v1 rr;

		/* Answer, then receive the relayed message that follows. */
		memset(&rr, 0, sizeof(rr));
		rr.rr.reply.token = m.info.token;
		rr.rr.reply.buf = (uintptr_t)"pong";
		rr.rr.reply.len = 4;
		rr.rr.reply.flags = MSGPORT_F_RELAY;
		rr.rr.reply.relay = (uintptr_t)&relay_b;
		rr.rr.recv.buf = (uintptr_t)buf;
		rr.rr.recv.buf_len = sizeof(buf);
		rr.rr.recv.timeout_ns = LONG_NS;
		rr.rr.recv.flags = MSGPORT_F_TIMEOUT;
		n = tu_ioctl(msgport_mailbox_fd(sv->mb), MSGPORT_IOC_REPLY_RECV_V1, &rr);
		CHILD_CHECK(n == 4 && !memcmp(buf, "next", 4));
		CHILD_CHECK(rr.rr.reply_result == 0);
		CHILD_CHECK(rr.rr.recv.info.msg_flags == MSGPORT_MSG_RELAYED);
		CHILD_CHECK(relay_eq(&rr.relay, &relay_b));
		return 0;
	}
	CHILD_CHECK(msgport_reply_relay(sv->mb, m.info.token, "pong", 4, &relay_b) == 0);
	return 0;
}

static void call_relayed(struct msgport_mailbox *mb, ssize_t expect, bool relayed_reply)
{
	struct msgport_callmsg c;
	char reply[64];
	ssize_t n;

	memset(&c, 0, sizeof(c));
	c.req = "ping";
	c.req_len = 4;
	c.reply = reply;
	c.reply_len = sizeof(reply);
	c.timeout_ns = LONG_NS;
	c.relay = &relay_a;
	memset(&c.reply_relay, 0xa5, sizeof(c.reply_relay));
	n = msgport_call_relay(mb, &c);
	assert_int_equal(n, expect);
	if (n < 0) {
		/* An error reply: info as for a reply of no bytes. */
		assert_int_not_equal(c.token, 0);
		assert_int_equal(c.info.token, c.token);
		assert_int_equal(c.info.len, 0);
		assert_int_equal(c.info.msg_flags, 0);
		return;
	}
	assert_memory_equal(reply, "pong", 4);
	assert_int_not_equal(c.token, 0);
	if (relayed_reply) {
		assert_int_equal(c.info.msg_flags, MSGPORT_MSG_RELAYED);
		assert_true(relay_eq(&c.reply_relay, &relay_b));
	}
}

/* A relayed call and a relayed reply. */
static void test_call(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("call"), 8, 0, 0600, 0);
	struct server sv = { .mb = mb, .mode = 0 };
	pid_t pid = tu_fork(child_serve, &sv);

	call_relayed(mb, 4, true);
	assert_child_ok(pid);
}

/* An error reply: the call fails with its errno. */
static void test_reply_error(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("err"), 8, 0, 0600, 0);
	struct server sv = { .mb = mb, .mode = 1 };
	struct msgport_reply rp;
	pid_t pid = tu_fork(child_serve, &sv);

	call_relayed(mb, -EHOSTUNREACH, false);
	assert_child_ok(pid);
	/* A buffer with an error, or an error without errno: EINVAL before the lookup. */
	memset(&rp, 0, sizeof(rp));
	rp.token = 1;
	rp.flags = MSGPORT_REPLY_ERROR;
	rp.len = EIO;
	rp.buf = (uintptr_t)"x";
	assert_errno(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_REPLY, &rp), EINVAL);
	rp.buf = 0;
	rp.len = 0;
	assert_errno(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_REPLY, &rp), EINVAL);
	rp.len = EIO;
	assert_errno(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_REPLY, &rp), ENOENT);
}

/* Reply-and-receive at the grown size: the reply relayed, the next message's claim out. */
static void test_reply_recv(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rr"), 8, 0, 0600, 0);
	struct server sv = { .mb = mb, .mode = 2 };
	pid_t pid = tu_fork(child_serve, &sv);

	call_relayed(mb, 4, true);
	assert_int_equal(send_relayed(mb, "next", &relay_b), 0);
	assert_child_ok(pid);
}

struct syncer {
	struct msgport_mailbox *mb;
};

static int child_sync_send(void *arg)
{
	const struct syncer *s = arg;

	CHILD_CHECK(msgport_send(s->mb, "s", 1, 0, MSGPORT_F_SYNC, LONG_NS, NULL) == 0);
	return 0;
}

/* MSGPORT_MSG_SYNC: the sender of this message waits for its receipt. */
static void test_msg_sync(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("sync"), 8, 0, 0600, 0);
	struct syncer s = { .mb = mb };
	struct msgport_msginfo info;
	char buf[16];
	pid_t pid;

	pid = tu_fork(child_sync_send, &s);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	assert_int_equal(msgport_send(mb, "a", 1, 0, 0, 0, NULL), 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, LONG_NS, &info), 1);
	assert_int_equal(info.msg_flags, MSGPORT_MSG_SYNC);
	assert_child_ok(pid);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, LONG_NS, &info), 1);
	assert_int_equal(info.msg_flags, 0);
}

/* A relayed message is charged its claim too, and gives it back. */
static void test_charge(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("charge"), 8, 0, 0600, 0);
	long before, plain, relayed;
	char buf[16];

	assert_int_equal(tu_user_charge(geteuid(), &before), 0);
	assert_int_equal(send_relayed(mb, "p", NULL), 0);
	assert_int_equal(tu_user_charge(geteuid(), &plain), 0);
	assert_int_equal(send_relayed(mb, "r", &relay_a), 0);
	assert_int_equal(tu_user_charge(geteuid(), &relayed), 0);
	assert_true(relayed - plain > plain - before);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, 0, NULL), 1);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, 0, NULL), 1);
	assert_int_equal(tu_user_charge(geteuid(), &relayed), 0);
	assert_int_equal(relayed, before);
}

/*
 * A relayed batch over max_user_bytes is cut back to what fits: the entry
 * cut off gives back its whole charge, its claim's too.
 */
static void test_batch_quota_cut(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("bquota"), 8, 0, 0600, 0);
	struct msgport_send s[3];
	struct msgport_batch b;
	long before, one, after;
	char buf[16];

	assert_int_equal(tu_user_charge(geteuid(), &before), 0);
	assert_int_equal(send_relayed(mb, "x", &relay_a), 0);
	assert_int_equal(tu_user_charge(geteuid(), &one), 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, 0, NULL), 1);
	/* Room for one relayed message and a half: the second is cut. */
	tu_param_set("max_user_bytes", before + (one - before) * 3 / 2);
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 3; i++) {
		s[i].buf = (uintptr_t)"x";
		s[i].len = 1;
		s[i].flags = MSGPORT_F_RELAY | MSGPORT_F_NONBLOCK;
		s[i].relay = (uintptr_t)&relay_a;
	}
	memset(&b, 0, sizeof(b));
	b.msgs = (uintptr_t)s;
	b.count = 3;
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_SEND_BATCH, &b), 1);
	assert_int_equal(tu_user_charge(geteuid(), &after), 0);
	assert_int_equal(after, one);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, 0, NULL), 1);
	assert_int_equal(tu_user_charge(geteuid(), &after), 0);
	assert_int_equal(after, before);
}

/* A relayed publish: every subscription's copy carries the claim. */
static void test_topic(void **state)
{
	const char *name = tu_name("topic");
	struct msgport_attr attr = { .capacity = 4, .mode = 0600, .topic = MSGPORT_TOPIC_BLOCK };
	struct msgport_subscription sp = { .capacity = 4, .policy = MSGPORT_TOPIC_BLOCK };
	struct msgport_mailbox *topic = NULL, *sub[2];
	struct msgport_msginfo info;
	struct msgport_relay r;
	char buf[16];
	int i;

	assert_int_equal(msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
					      MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr, &topic), 0);
	tu_track_mailbox(topic);
	for (i = 0; i < 2; i++) {
		assert_int_equal(msgport_subscribe(tu_mp(), name, &sp, &sub[i]), 0);
		tu_track_mailbox(sub[i]);
	}
	assert_int_equal(send_relayed(topic, "pub", &relay_b), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(recv_relayed(sub[i], buf, sizeof(buf), &info, &r), 3);
		assert_int_equal(info.msg_flags, MSGPORT_MSG_RELAYED);
		assert_true(relay_eq(&r, &relay_b));
	}
}

static const struct CMUnitTest relay_tests[] = {
	TU_TEST(test_send_roundtrip),
	TU_TEST(test_ver0_flag_only),
	TU_TEST(test_grown_larger),
	TU_TEST(test_einval),
	TU_TEST(test_batch),
	TU_TEST(test_call),
	TU_TEST(test_reply_error),
	TU_TEST(test_reply_recv),
	TU_TEST(test_msg_sync),
	TU_TEST(test_charge),
	TU_TEST(test_batch_quota_cut),
	TU_TEST(test_topic),
};

MSGPORT_SUITE(relay_suite, MSGPORT_GROUP_MODULE, 1630, "relay",
	      "relayed messages, calls and replies, grown receives, error replies",
	      relay_tests);
