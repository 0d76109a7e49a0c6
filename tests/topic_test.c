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
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "msgport_test.h"

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
	atomic_int tid;
	atomic_int done;	/* set once its send returned */
	int ret;
};

static void *publish_blocking(void *arg)
{
	struct blocked *b = arg;

	atomic_store(&b->tid, (int)syscall(SYS_gettid));
	b->ret = msgport_send(b->t, "late", 4, 0, 0, MSGPORT_WAIT_FOREVER, NULL);
	atomic_store(&b->done, 1);
	return NULL;
}

/* Start publish_blocking() and wait until it sleeps waiting for room. */
static void start_blocked(struct blocked *b, pthread_t *th)
{
	atomic_store(&b->tid, 0);
	atomic_store(&b->done, 0);
	assert_int_equal(pthread_create(th, NULL, publish_blocking, b), 0);
	while (!atomic_load(&b->tid))
		usleep(1000);
	/* Asleep in the module's wait (wait.c), its send not returned. */
	assert_int_equal(tu_await_wchan(atomic_load(&b->tid), "mp_wait_sleep"), 0);
	assert_int_equal(atomic_load(&b->done), 0);
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

	/* It waits (the subscription is full) until the subscriber takes one. */
	start_blocked(&b, &th);
	assert_int_equal(stat_of(t).sent, 1);
	assert_int_equal(stat_of(dn).dropped, 0);
	expect(blk, "first", 1, 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(b.ret, 0);
	expect(blk, "late", 2, 0);
	/* The DROP_NEW one was full: "late" was lost for it, not waited for. */
	expect(dn, "first", 1, 0);
	assert_int_equal(stat_of(dn).dropped, 1);

	/* A BLOCK subscriber that leaves releases a waiting publisher. */
	assert_int_equal(publish(t, "fill", 0), 0);
	start_blocked(&b, &th);
	assert_int_equal(stat_of(t).sent, 3);
	tu_close(blk);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(b.ret, 0);
	assert_int_equal(stat_of(t).sent, 4);
	expect(dn, "fill", 3, 1);	/* "late" (seq 2) lost before it */
	assert_int_equal(stat_of(dn).dropped, 2);
}

#define FLOOD_LEN	(256 * 1024)
#define PUTBACK_AHEAD	200	/* DROP_OLD subscriptions ahead of the BLOCK one */

struct flood {
	struct msgport_mailbox *t;
	unsigned int n;
	int ret;
};

static void *publish_flood(void *arg)
{
	static char payload[FLOOD_LEN];
	struct flood *f = arg;
	unsigned int i;

	for (i = 0; i < f->n && !f->ret; i++)
		f->ret = msgport_send(f->t, payload, sizeof(payload), 0, 0, 60000000000LL, NULL);
	return NULL;
}

/*
 * A BLOCK subscription whose receiver keeps failing to copy out (a buffer
 * whose end is not mapped, after copying some of it: a failure that takes
 * a while): each failure puts the message back, over capacity if the
 * publisher, woken by the take, filled the room meanwhile.  Nothing is
 * lost, all in order, and no warning (tests/vm/run fails on one).
 */
static void test_block_put_back(void **state)
{
	const char *name = tu_name("topicputback");
	struct msgport_attr attr = { .capacity = 1, .max_msg_size = FLOOD_LEN, .mode = 0600,
				     .topic = MSGPORT_TOPIC_BLOCK | MSGPORT_TOPIC_DROP_OLD };
	size_t page = (size_t)sysconf(_SC_PAGESIZE), span = FLOOD_LEN + page;
	struct msgport_mailbox *t = NULL, *blk;
	struct flood f = { .n = 200 };
	struct msgport_msginfo info;
	unsigned int got = 0, faults = 0, j;
	static char buf[FLOOD_LEN];
	int ahead[PUTBACK_AHEAD];
	char *area;
	pthread_t th;

	assert_int_equal(msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
					      MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr, &t), 0);
	tu_track_mailbox(t);
	f.t = t;
	/* FLOOD_LEN bytes mapped, then a page that is not. */
	area = tu_mmap(-1, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	assert_true(area != MAP_FAILED);
	assert_int_equal(mprotect(area + span, page, PROT_NONE), 0);
	/*
	 * Subscriptions ahead of it in the topic's list widen the window
	 * between the publisher's look for room and its giving.
	 */
	for (j = 0; j < PUTBACK_AHEAD; j++) {
		ahead[j] = tu_raw_open(tu_devfd(), name, MSGPORT_O_RECV | MSGPORT_O_CLOEXEC, 0, 0, 0);
		assert_true(ahead[j] >= 0);
	}
	blk = sub_ok(name, 0, MSGPORT_TOPIC_BLOCK);
	assert_int_equal(pthread_create(&th, NULL, publish_flood, &f), 0);
	while (got < f.n) {
		ssize_t n;

		/* Failed copies-out of varying length, racing the publisher for the room. */
		for (j = 0; j < 3; j++) {
			char *at = area + span - ((got * 3 + j) % 16) * (FLOOD_LEN / 16) - 64;

			/* It waits for the message, takes it, fails, puts it back. */
			n = msgport_recv(blk, at, FLOOD_LEN, 0, 60000000000LL, NULL);
			if (n != -EFAULT)
				fail_msg("recv %u into a buffer ending unmapped: %zd (publisher: %d, "
					 "queued %u)", got + 1, n, f.ret,
					 stat_of(blk).queued_msgs);
			faults++;
		}
		n = msgport_recv(blk, buf, sizeof(buf), 0, 60000000000LL, &info);
		if (n != FLOOD_LEN)
			fail_msg("message %u: %zd (%s)", got + 1, n,
				 n < 0 ? strerror((int)-n) : "length");
		got++;
		assert_int_equal(info.seq, got);
		assert_int_equal(info.lost, 0);
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(f.ret, 0);
	assert_int_equal(faults, 3 * f.n);
	assert_int_equal(stat_of(blk).dropped, 0);
	assert_int_equal(stat_of(t).sent, f.n);
	for (j = 0; j < PUTBACK_AHEAD; j++)
		close(ahead[j]);
}

struct poller {
	int fd;
	short events;
	atomic_int tid;
	atomic_int done;
	short revents;
	int ret;
	uint64_t ms;		/* how long it polled */
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = p->events };

	uint64_t t0;

	atomic_store(&p->tid, (int)syscall(SYS_gettid));
	t0 = tu_now_ns();
	/* Its timeout's last look would see the state too: woken, it is sooner. */
	p->ret = poll(&pfd, 1, 20000);
	p->ms = (tu_now_ns() - t0) / 1000000;
	p->revents = pfd.revents;
	atomic_store(&p->done, 1);
	return NULL;
}

/* Start a poller of @fd for @events, and wait until it sleeps in poll(2). */
static void start_poller(struct poller *p, int fd, short events, pthread_t *th)
{
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->events = events;
	assert_int_equal(pthread_create(th, NULL, poll_thread, p), 0);
	while (!atomic_load(&p->tid))
		usleep(1000);
	/* Asleep in poll(2) itself (do_sys_poll), not on its way there. */
	assert_int_equal(tu_await_wchan(atomic_load(&p->tid), "poll"), 0);
	assert_int_equal(atomic_load(&p->done), 0);
}

static short poll_now(struct msgport_mailbox *mb, short events)
{
	struct pollfd pfd = { .fd = msgport_mailbox_fd(mb), .events = events };

	assert_true(poll(&pfd, 1, 0) >= 0);
	return pfd.revents;
}

/*
 * poll(2) on a topic: POLLOUT while no BLOCK subscription is full (a full
 * drop one does not count); a take, or the full one leaving, wakes it.
 */
static void test_poll(void **state)
{
	const char *name = tu_name("topicpoll");
	struct msgport_mailbox *t = topic_create(name, 1,
						 MSGPORT_TOPIC_BLOCK | MSGPORT_TOPIC_DROP_NEW, 0600);
	struct msgport_mailbox *dn = sub_ok(name, 0, MSGPORT_TOPIC_DROP_NEW);
	struct msgport_mailbox *blk;
	struct msgport_msginfo info;
	struct poller p;
	pthread_t th;
	char buf[16];

	assert_int_equal(publish(t, "a", 0), 0);
	assert_int_equal(poll_now(t, POLLOUT), POLLOUT);	/* only a drop one is full */
	blk = sub_ok(name, 0, MSGPORT_TOPIC_BLOCK);
	assert_int_equal(poll_now(t, POLLOUT), POLLOUT);
	assert_int_equal(publish(t, "b", 0), 0);
	assert_int_equal(poll_now(t, POLLOUT), 0);		/* the BLOCK one is full */
	assert_errno(publish(t, "c", 0), EAGAIN);

	/* The BLOCK subscriber takes one: a non-blocking publisher's poll wakes. */
	start_poller(&p, msgport_mailbox_fd(t), POLLOUT, &th);
	assert_int_equal(take(blk, buf, sizeof(buf), &info), 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(p.ret, 1);
	assert_int_equal(p.revents, POLLOUT);
	assert_true(p.ms < 10000);
	assert_int_equal(publish(t, "c", 0), 0);

	/* Full again; the BLOCK subscriber leaves: it wakes too. */
	start_poller(&p, msgport_mailbox_fd(t), POLLOUT, &th);
	tu_close(blk);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(p.ret, 1);
	assert_int_equal(p.revents, POLLOUT);
	assert_true(p.ms < 10000);
	(void)dn;
}

/* A poller of the topic's descriptor wakes when the topic is unlinked. */
static void test_poll_unlink(void **state)
{
	const char *name = tu_name("topicpollrm");
	struct msgport_mailbox *t = topic_create(name, 2, 0, 0600);
	struct msgport_mailbox *a = sub_ok(name, 0, 0);
	struct poller p;
	pthread_t th;

	/* A topic's descriptor is never readable: the poller sleeps. */
	start_poller(&p, msgport_mailbox_fd(t), POLLIN, &th);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(p.ret, 1);
	assert_int_equal(p.revents, POLLERR | POLLHUP);
	assert_true(p.ms < 10000);
	assert_int_equal(poll_now(t, POLLOUT) & (POLLERR | POLLHUP), POLLERR | POLLHUP);
	assert_int_equal(poll_now(a, POLLIN) & (POLLERR | POLLHUP), POLLERR | POLLHUP);
}

/*
 * MSGPORT_O_SUBSCRIBE: a mailbox that is no topic is refused, and opened
 * for nothing; MSGPORT_O_TOPIC never opens a plain mailbox either.
 */
static void test_subscribe_flag(void **state)
{
	const char *plain = tu_name("plainsub"), *topic = tu_name("topicflag");
	struct msgport_attr attr = { .capacity = 4, .max_msg_size = 64, .mode = 0600 };
	struct msgport_mailbox *mb = NULL, *snd = tu_create(plain, 4, 64, 0600, 0);
	struct msgport_mailbox *rcv;
	int dev = tu_devfd(), fd;

	assert_errno(subscribe(plain, 0, 0, &mb), EPROTOTYPE);
	assert_null(mb);
	/* Nothing of it was opened: no receiver came and went. */
	assert_int_equal(msgport_send(snd, "kept", 4, 0, MSGPORT_F_NONBLOCK, 0, NULL), 0);
	assert_int_equal(stat_of(snd).queued_msgs, 1);
	assert_int_equal(stat_of(snd).received, 0);
	/* O_SUBSCRIBE receives, and creates nothing but a topic. */
	assert_errno(tu_raw_open(dev, plain, MSGPORT_O_SEND | MSGPORT_O_SUBSCRIBE, 0, 0, 0),
		     EINVAL);
	assert_errno(tu_raw_open(dev, topic, MSGPORT_O_RECV | MSGPORT_O_SUBSCRIBE |
				 MSGPORT_O_CREAT, 0600, 4, 64), EINVAL);
	assert_errno(tu_raw_open(dev, topic, MSGPORT_O_RECV | MSGPORT_O_SUBSCRIBE, 0, 0, 0),
		     ENOENT);
	/* O_CREAT | O_TOPIC on a plain mailbox: refused, not the plain one. */
	attr.topic = 0;
	assert_errno(msgport_mailbox_open(tu_mp(), plain, MSGPORT_O_CREAT | MSGPORT_O_SEND |
					  MSGPORT_O_TOPIC, &attr, &mb), EPROTOTYPE);
	assert_errno(msgport_mailbox_open(tu_mp(), plain, MSGPORT_O_CREAT | MSGPORT_O_RECV |
					  MSGPORT_O_TOPIC | MSGPORT_O_SUBSCRIBE, &attr, &mb),
		     EPROTOTYPE);
	assert_int_equal(stat_of(snd).queued_msgs, 1);
	/* Create and subscribe in one open; O_CREAT | O_TOPIC opens a topic there is. */
	fd = tu_track_fd(tu_raw_open(dev, topic, MSGPORT_O_RECV | MSGPORT_O_SUBSCRIBE |
				     MSGPORT_O_CREAT | MSGPORT_O_TOPIC, 0600, 4, 64));
	assert_true(fd >= 0);
	assert_int_equal(msgport_mailbox_open(tu_mp(), topic, MSGPORT_O_CREAT | MSGPORT_O_SEND |
					      MSGPORT_O_TOPIC, &attr, &mb), 0);
	tu_track_mailbox(mb);
	assert_int_equal(publish(mb, "both", 0), 0);
	rcv = sub_ok(topic, 0, 0);
	assert_int_equal(publish(mb, "late", 0), 0);
	expect(rcv, "late", 2, 0);
	/* No unbounded topic (what its subscriptions pin must be bounded). */
	attr.capacity = MSGPORT_CAPACITY_UNBOUNDED;
	assert_errno(msgport_mailbox_open(tu_mp(), tu_name("topicunb"), MSGPORT_O_CREAT |
					  MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr, &mb), EINVAL);
	/* No anonymous subscription. */
	assert_errno(msgport_mailbox_create_anon(tu_mp(), MSGPORT_O_RECV | MSGPORT_O_SUBSCRIBE,
						 NULL, &mb), EINVAL);
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
	assert_int_equal(with - before, (long)tu_msg_charge(sizeof(big)) + 2 * (long)tu_msg_charge(0));
	assert_int_equal(msgport_recv(a, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, &info),
			 (ssize_t)sizeof(big));
	assert_int_equal(tu_user_charge(getuid(), &after_a), 0);
	assert_int_equal(with - after_a, (long)tu_msg_charge(0));
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
	assert_errno(subscribe(plain, 0, MSGPORT_TOPIC_DROP_NEW, &mb), EPROTOTYPE);
	/* No sync send, no call. */
	assert_errno(msgport_send(t, "s", 1, 0, MSGPORT_F_SYNC, 0, NULL), EINVAL);
	assert_errno(msgport_call(t, "c", 1, reply, sizeof(reply), 0, 0, 1000000, NULL), EINVAL);
	assert_int_equal(stat_of(a).queued_msgs, 0);
	/* Too long for the topic; as a batch's first entry too (its error, not a count). */
	assert_errno(msgport_send(t, reply, 300, 0, 0, 0, NULL), EMSGSIZE);
	{
		static char big[300];
		struct msgport_batch_msg bm[2] = {
			{ .buf = big, .len = sizeof(big) },
			{ .buf = big, .len = 1 },
		};

		assert_errno(msgport_send_batch(t, bm, 2, 0, 0), EMSGSIZE);
		/* A good first entry: published, then the batch stops at the bad one. */
		bm[0].len = 1;
		bm[1].len = sizeof(big);
		assert_int_equal(msgport_send_batch(t, bm, 2, 0, 0), 1);
		expect(a, "", 1, 0);	/* one zero byte */
	}
	/* No anonymous topic; a subscription is its descriptor's (dup(2) it). */
	attr.topic = 0;
	assert_errno(msgport_mailbox_create_anon(tu_mp(), MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr,
						 &mb), EINVAL);
	assert_errno(msgport_mailbox_dup(a, MSGPORT_O_RECV, 0, &mb), EINVAL);
	/* The topic's send-only descriptor can be passed on as it is. */
	assert_int_equal(msgport_mailbox_dup(t, MSGPORT_O_SEND, 0, &mb), 0);
	tu_track_mailbox(mb);
	assert_int_equal(publish(mb, "via dup", 0), 0);
	expect(a, "via dup", 2, 0);
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

/*
 * What one user's subscriptions can pin of a publisher: at most
 * max_user_subscriptions of them per topic (EDQUOT), each of the topic's
 * bounded capacity; their headers are charged to the subscriber, who loses
 * what it cannot pay for, while the publisher goes on.
 */
struct hoarder {
	const char *name;
	int go[2];		/* the parent writes a byte when it has published */
	unsigned int published;
};

static int hoarder_subscribes(void *arg)
{
	const struct hoarder *h = arg;
	struct msgport_subscription sub = { .policy = 0 };
	struct msgport_mailbox *mb[3], *extra;
	uint64_t queued = 0, dropped = 0;
	struct msgport *mp;
	unsigned int i;
	char c;

	close(h->go[1]);
	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	for (i = 0; i < 3; i++)
		CHILD_CHECK(msgport_subscribe(mp, h->name, &sub, &mb[i]) == 0);
	CHILD_CHECK(msgport_subscribe(mp, h->name, &sub, &extra) == -EDQUOT);
	/* It never reads; once the parent has published, its losses. */
	CHILD_CHECK(read(h->go[0], &c, 1) == 1);
	for (i = 0; i < 3; i++) {
		struct msgport_stat st;

		CHILD_CHECK(msgport_mailbox_stat(mb[i], &st) == 0);
		queued += st.queued_msgs;
		dropped += st.dropped;
	}
	/* max_user_bytes holds 10 headers: the rest were lost, and counted. */
	CHILD_CHECK(queued == 10);
	CHILD_CHECK(queued + dropped == 3ULL * h->published);
	return 0;
}

static void test_user_subscriptions(void **state)
{
	const char *name = tu_name("topichoard");
	struct msgport_mailbox *t = topic_create(name, 4, 0, 0604);
	struct hoarder h = { .name = name, .published = 20 };
	long pub_before, pub_after, nobody;
	unsigned int i;
	pid_t pid;

	assert_int_equal(pipe(h.go), 0);
	tu_track_fd(h.go[0]);
	tu_track_fd(h.go[1]);
	tu_param_set("max_user_subscriptions", 3);
	/* 10 headers per euid (a header: a zero-byte message's charge); the publisher needs less than 8. */
	tu_param_set("max_user_bytes", 10 * tu_msg_charge(0));
	assert_int_equal(tu_user_charge(getuid(), &pub_before), 0);
	pid = tu_fork(hoarder_subscribes, &h);
	for (i = 0; i < 500 && tu_user_mailboxes(TU_NOBODY) < 3; i++)
		usleep(10000);
	assert_int_equal(tu_user_mailboxes(TU_NOBODY), 3);
	for (i = 0; i < h.published; i++)
		assert_int_equal(publish(t, "x", 0), 0);
	/* Its three subscriptions' headers, charged to it and no more. */
	assert_int_equal(tu_user_charge(TU_NOBODY, &nobody), 0);
	assert_int_equal(nobody, 10 * (long)tu_msg_charge(0));
	/* The publisher: the bodies they pin, at most the topic's capacity here. */
	assert_int_equal(tu_user_charge(getuid(), &pub_after), 0);
	assert_true(pub_after - pub_before <= 4 * (long)tu_msg_charge(1));
	assert_true(pub_after - pub_before > 0);
	assert_int_equal(write(h.go[1], "g", 1), 1);
	assert_child_ok(pid);
	assert_int_equal(tu_user_charge(TU_NOBODY, &nobody), 0);
	assert_int_equal(nobody, 0);
	assert_int_equal(tu_user_charge(getuid(), &pub_after), 0);
	assert_int_equal(pub_after, pub_before);
}

static const struct CMUnitTest topic_tests[] = {
	TU_TEST(test_fan_out),
	TU_TEST(test_priorities_peek_read),
	TU_TEST(test_drop_policies),
	TU_TEST(test_allowed_policies),
	TU_TEST(test_block_policy),
	TU_TEST(test_block_put_back),
	TU_TEST(test_poll),
	TU_TEST(test_poll_unlink),
	TU_TEST(test_subscribe_flag),
	TU_TEST(test_charge_until_last),
	TU_TEST(test_limits),
	TU_TEST(test_refused),
	TU_TEST(test_unlink),
	TU_TEST(test_unprivileged_subscriber),
	TU_TEST(test_user_subscriptions),
};

MSGPORT_SUITE(topic_suite, MSGPORT_GROUP_MODULE, 1485, "topic",
	      "publish/subscribe: fan-out, order, drop/block policies, lost counts, charges, limits",
	      topic_tests);
