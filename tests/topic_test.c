// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "topic": publish/subscribe.  Every subscription gets every message,
 * in the topic's one order, with the topic's sequence numbers; the three
 * overflow policies (DROP_NEW, DROP_OLD, BLOCK) and the lost counts
 * (info.lost, stat.dropped); the creator's choice of policies (EPERM);
 * BLOCK publishes that wait, time out and reach nobody; a message stored
 * once and charged to its publisher until the last subscription lets go;
 * limits (max_subscribers, max_user_mailboxes); permissions and an
 * unprivileged subscriber that cannot slow a publisher; unlink; what a
 * topic refuses (calls, spans, sync sends, rendezvous, regions).
 */
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "msgport_test.h"

#define assert_errno(expr, err)							\
	do {									\
		int r_ = (expr);						\
		if (r_ != -(err))						\
			fail_msg("%s: got %d (%s), expected -%s", #expr, r_,	\
				 r_ < 0 ? strerror(-r_) : "success", #err);	\
	} while (0)

/* Create topic @name: @capacity per subscription, @policies allowed. */
static struct msgport_mailbox *topic_create(const char *name, uint32_t capacity, uint32_t policies,
					    uint32_t mode)
{
	struct msgport_attr attr = { .capacity = capacity, .max_msg_size = 256, .mode = mode,
				     .topic = policies };
	struct msgport_mailbox *mb = NULL;
	int ret;

	/* Send-only: a descriptor that may receive would be a subscription. */
	ret = msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
				   MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr, &mb);
	if (ret)
		fail_msg("creating topic %s: %s", name, strerror(-ret));
	tu_track_mailbox(mb);
	return mb;
}

static int subscribe(const char *name, uint32_t capacity, uint32_t policy,
		     struct msgport_mailbox **mbp)
{
	struct msgport_subscription s = { .capacity = capacity, .policy = policy };

	return msgport_subscribe(tu_mp(), name, &s, mbp);
}

static struct msgport_mailbox *sub_ok(const char *name, uint32_t capacity, uint32_t policy)
{
	struct msgport_mailbox *mb = NULL;
	int ret = subscribe(name, capacity, policy, &mb);

	if (ret)
		fail_msg("subscribe %s: %s", name, strerror(-ret));
	tu_track_mailbox(mb);
	return mb;
}

static int publish(struct msgport_mailbox *t, const char *s, unsigned int prio)
{
	return msgport_send(t, s, strlen(s), prio, MSGPORT_F_NONBLOCK, 0, NULL);
}

/* Receive one message (non-blocking): its text into @out, its info. */
static int take(struct msgport_mailbox *sub, char *out, size_t len, struct msgport_msginfo *info)
{
	ssize_t n = msgport_recv(sub, out, len - 1, MSGPORT_F_NONBLOCK, 0, info);

	if (n >= 0)
		out[n] = '\0';
	return (int)n;
}

static void expect(struct msgport_mailbox *sub, const char *text, uint64_t seq, uint32_t lost)
{
	struct msgport_msginfo info;
	char buf[64];
	int n = take(sub, buf, sizeof(buf), &info);

	if (n < 0)
		fail_msg("expected '%s': %s", text, strerror(-n));
	assert_string_equal(buf, text);
	assert_int_equal(info.seq, seq);
	assert_int_equal(info.lost, lost);
	assert_int_equal(info.pid, getpid());
}

static struct msgport_stat stat_of(struct msgport_mailbox *mb)
{
	struct msgport_stat st;

	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	return st;
}

/* Every subscription gets every message, in order; late ones get only later ones. */
static void test_fan_out(void **state)
{
	const char *name = tu_name("topic");
	struct msgport_mailbox *t = topic_create(name, 8, 0, 0600);
	struct msgport_mailbox *a, *b, *c;
	struct msgport_msginfo info;
	char buf[64];

	/* No subscription: taken, kept nowhere. */
	assert_int_equal(publish(t, "nobody", 0), 0);
	a = sub_ok(name, 0, 0);
	b = sub_ok(name, 0, 0);
	assert_int_equal(publish(t, "one", 0), 0);
	assert_int_equal(publish(t, "two", 0), 0);
	c = sub_ok(name, 0, 0);
	assert_int_equal(publish(t, "three", 0), 0);

	expect(a, "one", 2, 0);
	expect(a, "two", 3, 0);
	expect(a, "three", 4, 0);
	expect(b, "one", 2, 0);
	expect(b, "two", 3, 0);
	expect(b, "three", 4, 0);
	expect(c, "three", 4, 0);
	assert_errno(take(a, buf, sizeof(buf), &info), EAGAIN);
	assert_errno(take(c, buf, sizeof(buf), &info), EAGAIN);

	/* Stat: the topic's and a subscription's. */
	assert_true(stat_of(t).flags & MSGPORT_STAT_TOPIC);
	assert_int_equal(stat_of(t).sent, 4);
	assert_true(stat_of(a).flags & MSGPORT_STAT_SUBSCRIPTION);
	assert_string_equal(stat_of(a).name, name);
	assert_int_equal(stat_of(a).sent, 3);
	assert_int_equal(stat_of(a).received, 3);
	assert_int_equal(stat_of(a).capacity, 8);
	/* A subscription only receives; the topic's send-only descriptor only sends. */
	assert_errno(msgport_send(a, "x", 1, 0, 0, 0, NULL), EBADF);
	assert_errno(take(t, buf, sizeof(buf), &info), EBADF);
}

/* Priorities order each subscription's queue; peek and read(2) work. */
static void test_priorities_peek_read(void **state)
{
	const char *name = tu_name("topicprio");
	struct msgport_mailbox *t = topic_create(name, 8, 0, 0600);
	struct msgport_mailbox *a = sub_ok(name, 0, 0);
	struct msgport_msginfo info;
	char buf[64];

	assert_int_equal(publish(t, "low", 1), 0);
	assert_int_equal(publish(t, "high", 9), 0);
	assert_int_equal(msgport_recv(a, buf, sizeof(buf), MSGPORT_F_PEEK | MSGPORT_F_NONBLOCK, 0,
				      &info), 4);
	assert_int_equal(info.priority, 9);
	assert_int_equal(read(msgport_mailbox_fd(a), buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "high", 4);
	expect(a, "low", 1, 0);
	/* write(2) on the topic publishes (priority 0). */
	assert_int_equal(write(msgport_mailbox_fd(t), "w", 1), 1);
	expect(a, "w", 3, 0);
}

/* DROP_NEW keeps the oldest, DROP_OLD the newest; the next message says what was lost. */
static void test_drop_policies(void **state)
{
	const char *name = tu_name("topicdrop");
	struct msgport_mailbox *t = topic_create(name, 2, 0, 0600);
	struct msgport_mailbox *dn = sub_ok(name, 0, MSGPORT_TOPIC_DROP_NEW);
	struct msgport_mailbox *dold = sub_ok(name, 0, MSGPORT_TOPIC_DROP_OLD);
	struct msgport_mailbox *dflt = sub_ok(name, 0, 0);	/* DROP_OLD: the default */
	const char *m[] = { "m1", "m2", "m3", "m4", "m5" };
	unsigned int i;

	for (i = 0; i < 5; i++)
		assert_int_equal(publish(t, m[i], 0), 0);
	/* Publishing never waited for them, and they each hold two. */
	assert_int_equal(stat_of(dn).queued_msgs, 2);
	assert_int_equal(stat_of(dn).dropped, 3);
	assert_int_equal(stat_of(dold).dropped, 3);
	expect(dn, "m1", 1, 0);
	expect(dn, "m2", 2, 0);
	/*
	 * m3 pushed m1 out, m4 m2, m5 m3 (which carried m1's count): each
	 * loss is told once, by the next message that stays.
	 */
	expect(dold, "m4", 4, 1);
	expect(dold, "m5", 5, 2);
	expect(dflt, "m4", 4, 1);
	expect(dflt, "m5", 5, 2);
	/* DROP_NEW's losses (m3..m5) go with its next message. */
	assert_int_equal(publish(t, "m6", 0), 0);
	expect(dn, "m6", 6, 3);
	expect(dold, "m6", 6, 0);

	/* DROP_OLD drops the lowest priority first. */
	assert_int_equal(publish(t, "hi", 5), 0);
	assert_int_equal(publish(t, "lo", 1), 0);
	assert_int_equal(publish(t, "hi2", 5), 0);
	expect(dold, "hi", 7, 0);
	expect(dold, "hi2", 9, 1);
}

/* The creator decides which policies subscribers may choose. */
static void test_allowed_policies(void **state)
{
	const char *name = tu_name("topicallow");
	struct msgport_mailbox *t = topic_create(name, 4, MSGPORT_TOPIC_DROP_NEW, 0600);
	struct msgport_mailbox *mb = NULL;

	assert_errno(subscribe(name, 0, MSGPORT_TOPIC_BLOCK, &mb), EPERM);
	assert_errno(subscribe(name, 0, MSGPORT_TOPIC_DROP_OLD, &mb), EPERM);
	assert_errno(subscribe(name, 0, MSGPORT_TOPIC_DROP_NEW | MSGPORT_TOPIC_DROP_OLD, &mb),
		     EINVAL);
	assert_errno(subscribe(name, 0, 1U << 5, &mb), EINVAL);
	assert_errno(subscribe(name, 5, 0, &mb), EINVAL);	/* above the topic's capacity */
	mb = sub_ok(name, 3, 0);				/* DROP_NEW: the only one */
	assert_int_equal(stat_of(mb).capacity, 3);
	(void)t;
}

struct blocked {
	struct msgport_mailbox *t;
	int ret;
};

static void *publish_blocking(void *arg)
{
	struct blocked *b = arg;

	b->ret = msgport_send(b->t, "late", 4, 0, 0, MSGPORT_WAIT_FOREVER, NULL);
	return NULL;
}

/* BLOCK: the publisher waits for room; a publish that fails reached nobody. */
static void test_block_policy(void **state)
{
	const char *name = tu_name("topicblock");
	struct msgport_mailbox *t = topic_create(name, 1,
						 MSGPORT_TOPIC_BLOCK | MSGPORT_TOPIC_DROP_NEW, 0600);
	struct msgport_mailbox *blk = sub_ok(name, 0, MSGPORT_TOPIC_BLOCK);
	struct msgport_mailbox *dn = sub_ok(name, 0, MSGPORT_TOPIC_DROP_NEW);
	struct blocked b = { .t = t };
	pthread_t th;

	assert_int_equal(publish(t, "first", 0), 0);
	/* Full: non-blocking and timed publishes fail, and nobody gets them. */
	assert_errno(publish(t, "nope", 0), EAGAIN);
	assert_errno(msgport_send(t, "nope", 4, 0, 0, 20000000, NULL), ETIMEDOUT);
	assert_int_equal(stat_of(dn).queued_msgs, 1);
	assert_int_equal(stat_of(dn).dropped, 0);
	assert_int_equal(stat_of(t).sent, 1);

	assert_int_equal(pthread_create(&th, NULL, publish_blocking, &b), 0);
	/* It waits (the subscription is full) until the subscriber takes one. */
	usleep(100000);
	assert_int_equal(stat_of(t).sent, 1);
	expect(blk, "first", 1, 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(b.ret, 0);
	expect(blk, "late", 2, 0);
	/* The DROP_NEW one was full: "late" was lost for it, not waited for. */
	expect(dn, "first", 1, 0);
	assert_int_equal(stat_of(dn).dropped, 1);

	/* A BLOCK subscriber that leaves releases a waiting publisher. */
	assert_int_equal(publish(t, "fill", 0), 0);
	assert_int_equal(pthread_create(&th, NULL, publish_blocking, &b), 0);
	usleep(100000);
	assert_int_equal(stat_of(t).sent, 3);
	tu_close(blk);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(b.ret, 0);
	assert_int_equal(stat_of(t).sent, 4);
	expect(dn, "fill", 3, 1);	/* "late" (seq 2) lost before it */
	assert_int_equal(stat_of(dn).dropped, 2);
}

/* One body for all: charged to the publisher until the last subscription lets go. */
static void test_charge_until_last(void **state)
{
	const char *name = tu_name("topiccharge");
	struct msgport_mailbox *t = topic_create(name, 4, 0, 0600);
	struct msgport_mailbox *a = sub_ok(name, 0, 0), *b = sub_ok(name, 0, 0);
	static char big[200];
	long before, with, after_a, after_b;
	struct msgport_msginfo info;
	char buf[256];

	memset(big, 'x', sizeof(big));
	assert_int_equal(tu_user_charge(getuid(), &before), 0);
	assert_int_equal(msgport_send(t, big, sizeof(big), 0, 0, 0, NULL), 0);
	assert_int_equal(tu_user_charge(getuid(), &with), 0);
	/* The body and two headers: not two copies of the payload. */
	assert_int_equal(with - before, (long)tu_msg_charge(sizeof(big)) + 2 * 256);
	assert_int_equal(msgport_recv(a, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, &info),
			 (ssize_t)sizeof(big));
	assert_int_equal(tu_user_charge(getuid(), &after_a), 0);
	assert_int_equal(with - after_a, 256);
	/* The last one: the body goes too (closing drops what it held). */
	tu_close(b);
	assert_int_equal(tu_user_charge(getuid(), &after_b), 0);
	assert_int_equal(after_b, before);
}

/* Limits: max_subscribers, and each subscription counts as its subscriber's mailbox. */
static void test_limits(void **state)
{
	const char *name = tu_name("topiclimit");
	struct msgport_mailbox *t = topic_create(name, 4, 0, 0600);
	struct msgport_mailbox *s[3], *mb = NULL;
	int before = tu_user_mailboxes(getuid());
	unsigned int i;

	tu_param_set("max_subscribers", 3);
	for (i = 0; i < 3; i++)
		s[i] = sub_ok(name, 0, 0);
	assert_int_equal(tu_user_mailboxes(getuid()), before + 3);
	assert_errno(subscribe(name, 0, 0, &mb), ENOSPC);
	tu_close(s[0]);
	assert_int_equal(tu_user_mailboxes(getuid()), before + 2);
	s[0] = sub_ok(name, 0, 0);
	(void)t;
}

/* What a topic refuses. */
static void test_refused(void **state)
{
	const char *name = tu_name("topicno");
	struct msgport_mailbox *t = topic_create(name, 4, 0, 0600);
	struct msgport_mailbox *a = sub_ok(name, 0, 0);
	struct msgport_attr attr = { .capacity = 0, .mode = 0600 };
	struct msgport_mailbox *mb = NULL;
	const char *plain;
	char reply[8];

	/* No rendezvous topic, no region, no policies beyond the three. */
	assert_errno(msgport_mailbox_open(tu_mp(), tu_name("topic0"), MSGPORT_O_CREAT |
					  MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr, &mb), EINVAL);
	attr.capacity = 4;
	attr.region_size = 4096;
	assert_errno(msgport_mailbox_open(tu_mp(), tu_name("topicr"), MSGPORT_O_CREAT |
					  MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr, &mb), EINVAL);
	attr.region_size = 0;
	attr.topic = 1U << 3;
	assert_errno(msgport_mailbox_open(tu_mp(), tu_name("topicp"), MSGPORT_O_CREAT |
					  MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr, &mb), EINVAL);
	/* O_TOPIC needs O_CREAT; a policy needs a topic opened to receive. */
	assert_errno(msgport_mailbox_open(tu_mp(), name, MSGPORT_O_SEND | MSGPORT_O_TOPIC, NULL,
					  &mb), EINVAL);
	plain = tu_name("plain");
	tu_create(plain, 4, 64, 0600, 0);
	assert_errno(subscribe(plain, 0, MSGPORT_TOPIC_DROP_NEW, &mb), EINVAL);
	/* No sync send, no call. */
	assert_errno(msgport_send(t, "s", 1, 0, MSGPORT_F_SYNC, 0, NULL), EINVAL);
	assert_errno(msgport_call(t, "c", 1, reply, sizeof(reply), 0, 0, 1000000, NULL), EINVAL);
	assert_int_equal(stat_of(a).queued_msgs, 0);
	/* Too long for the topic. */
	assert_errno(msgport_send(t, reply, 300, 0, 0, 0, NULL), EMSGSIZE);
	/* No anonymous topic; a subscription is its descriptor's (dup(2) it). */
	attr.topic = 0;
	assert_errno(msgport_mailbox_create_anon(tu_mp(), MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr,
						 &mb), EINVAL);
	assert_errno(msgport_mailbox_dup(a, MSGPORT_O_RECV, 0, &mb), EINVAL);
	/* The topic's send-only descriptor can be passed on as it is. */
	assert_int_equal(msgport_mailbox_dup(t, MSGPORT_O_SEND, 0, &mb), 0);
	tu_track_mailbox(mb);
	assert_int_equal(publish(mb, "via dup", 0), 0);
	expect(a, "via dup", 1, 0);
}

/* Unlinking a topic ends its subscriptions. */
static void test_unlink(void **state)
{
	const char *name = tu_name("topicrm");
	struct msgport_mailbox *t = topic_create(name, 4, 0, 0600);
	struct msgport_mailbox *a = sub_ok(name, 0, 0);
	struct msgport_msginfo info;
	long msgs_before, msgs_after;
	char buf[16];

	assert_int_equal(tu_objects_read("messages", &msgs_before), 0);
	assert_int_equal(publish(t, "queued", 0), 0);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_errno(take(a, buf, sizeof(buf), &info), EIDRM);
	assert_true(stat_of(a).flags & MSGPORT_STAT_UNLINKED);
	assert_int_equal(stat_of(a).dropped, 1);
	assert_errno(publish(t, "after", 0), EIDRM);
	assert_int_equal(tu_objects_read("messages", &msgs_after), 0);
	assert_int_equal(msgs_after, msgs_before);
}

/* Subscribing needs read permission, publishing write; a stranger's DROP policy cannot stall. */
struct stranger {
	const char *name;
};

static int stranger_subscribes(void *arg)
{
	const struct stranger *s = arg;
	struct msgport_subscription sub = { .policy = 0 };
	struct msgport_mailbox *mb;
	struct msgport *mp;

	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	/* Read allowed (0604): it subscribes; write not: it cannot publish. */
	CHILD_CHECK(msgport_subscribe(mp, s->name, &sub, &mb) == 0);
	CHILD_CHECK(msgport_mailbox_open(mp, s->name, MSGPORT_O_SEND, NULL, &mb) == -EACCES);
	sub.policy = MSGPORT_TOPIC_BLOCK;
	CHILD_CHECK(msgport_subscribe(mp, s->name, &sub, &mb) == -EPERM);
	/* It sleeps, holding a subscription it never reads. */
	pause();
	return 0;
}

static void test_unprivileged_subscriber(void **state)
{
	const char *name = tu_name("topicnobody");
	struct msgport_mailbox *t = topic_create(name, 2, 0, 0604);
	struct stranger s = { .name = name };
	pid_t pid = tu_fork(stranger_subscribes, &s);
	unsigned int i;

	/* Wait for its subscription, then publish far more than it holds. */
	for (i = 0; i < 200 && tu_user_mailboxes(TU_NOBODY) < 1; i++)
		usleep(10000);
	assert_int_equal(tu_user_mailboxes(TU_NOBODY), 1);
	for (i = 0; i < 50; i++)
		assert_int_equal(publish(t, "flood", 0), 0);
	assert_int_equal(stat_of(t).sent, 50);
	kill(pid, SIGKILL);
	assert_int_equal(tu_join(pid), 128 + SIGKILL);
	assert_int_equal(tu_user_mailboxes(TU_NOBODY), 0);
}

static const struct CMUnitTest topic_tests[] = {
	TU_TEST(test_fan_out),
	TU_TEST(test_priorities_peek_read),
	TU_TEST(test_drop_policies),
	TU_TEST(test_allowed_policies),
	TU_TEST(test_block_policy),
	TU_TEST(test_charge_until_last),
	TU_TEST(test_limits),
	TU_TEST(test_refused),
	TU_TEST(test_unlink),
	TU_TEST(test_unprivileged_subscriber),
};

MSGPORT_SUITE(topic_suite, MSGPORT_GROUP_MODULE, 1485, "topic",
	      "publish/subscribe: fan-out, order, drop/block policies, lost counts, charges, limits",
	      topic_tests);
