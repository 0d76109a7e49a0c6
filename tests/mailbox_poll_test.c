// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "mailbox-poll": readiness of a mailbox descriptor through poll(2),
 * select(2) and epoll: POLLIN when a message waits, POLLOUT when a send
 * would not block (on a rendezvous: when a receiver waits), POLLERR|POLLHUP
 * once unlinked, and wake-ups of a blocked poll/epoll_wait.
 */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

#include "msgport_test.h"

#define LONG_NS (30LL * 1000000000LL)

static short revents(struct msgport_mailbox *mb)
{
	struct pollfd p = { .fd = msgport_mailbox_fd(mb), .events = POLLIN | POLLOUT };

	assert_int_equal(poll(&p, 1, 0) >= 0, 1);
	return p.revents;
}

#define assert_revents(mb, expect)						\
	do {									\
		short r_ = revents(mb);						\
		if (r_ != (expect))						\
			fail_msg("poll revents 0x%x, expected 0x%x (%s)", r_,	\
				 (expect), #expect);				\
	} while (0)

static void send_nb(struct msgport_mailbox *mb, const char *s)
{
	assert_int_equal(msgport_send(mb, s, strlen(s), 0, MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), 0);
}

static void recv_nb(struct msgport_mailbox *mb)
{
	char buf[64];

	assert_true(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				 NULL) >= 0);
}

/* A bounded mailbox: POLLOUT while there is room, POLLIN while a message waits. */
static void test_poll_bounded(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("pollb"), 2, 0, 0600, 0);

	assert_revents(mb, POLLOUT);
	send_nb(mb, "1");
	assert_revents(mb, POLLIN | POLLOUT);
	send_nb(mb, "2");
	assert_revents(mb, POLLIN);
	recv_nb(mb);
	assert_revents(mb, POLLIN | POLLOUT);
	recv_nb(mb);
	assert_revents(mb, POLLOUT);
}

/* Descriptors opened for one direction see the same mailbox state. */
static void test_poll_directions(void **state)
{
	const char *name = tu_name("polldir");
	struct msgport_mailbox *mb = tu_create(name, 2, 0, 0600, 0);
	struct msgport_mailbox *r = tu_open(name, MSGPORT_O_RECV);
	struct msgport_mailbox *w = tu_open(name, MSGPORT_O_SEND);

	send_nb(mb, "x");
	assert_int_equal(revents(r) & POLLIN, POLLIN);
	assert_int_equal(revents(w) & POLLOUT, POLLOUT);
	send_nb(mb, "y");
	/* Full: nobody's descriptor is writable. */
	assert_int_equal(revents(r) & POLLOUT, 0);
	assert_int_equal(revents(w) & POLLOUT, 0);
}

struct blocked_recv {
	struct msgport_mailbox *mb;
};

static int child_recv(void *arg)
{
	struct blocked_recv *b = arg;
	char buf[64];
	ssize_t n;

	n = msgport_recv(b->mb, buf, sizeof(buf), 0, LONG_NS, NULL);
	CHILD_CHECK(n == 4 && !memcmp(buf, "meet", 4));
	return 0;
}

static int child_send(void *arg)
{
	struct blocked_recv *b = arg;

	CHILD_CHECK(msgport_send(b->mb, "meet", 4, 0, 0, LONG_NS, NULL) == 0);
	return 0;
}

/* Rendezvous: POLLOUT only while a receiver waits; POLLIN while a sender waits. */
static void test_poll_rendezvous(void **state)
{
	/* The receiver's buffer holds the largest message: it takes any. */
	struct msgport_mailbox *mb = tu_create(tu_name("pollr"), 0, 64, 0600, 0);
	struct blocked_recv b = { .mb = mb };
	pid_t pid;

	assert_revents(mb, 0);
	pid = tu_fork(child_recv, &b);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_revents(mb, POLLOUT);
	send_nb(mb, "meet");
	assert_child_ok(pid);
	assert_revents(mb, 0);

	pid = tu_fork(child_send, &b);
	assert_await(mb, TU_WAITING_SENDERS, 1);
	assert_revents(mb, POLLIN);
	recv_nb(mb);
	assert_child_ok(pid);
	assert_revents(mb, 0);
}

/* Unlinked: POLLERR|POLLHUP, whatever was queued. */
static void test_poll_unlinked(void **state)
{
	const char *name = tu_name("pollu");
	struct msgport_mailbox *mb = tu_create(name, 2, 0, 0600, 0);
	short r;

	send_nb(mb, "x");
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	r = revents(mb);
	assert_int_equal(r & (POLLERR | POLLHUP), POLLERR | POLLHUP);
}

struct later {
	struct msgport_mailbox *mb;
	pid_t waiter;		/* a task of the runner, awaited asleep */
	bool take;		/* receive instead of send */
};

/* Child: once the runner sleeps (in poll/epoll_wait/select), send or receive one. */
static int child_later(void *arg)
{
	struct later *l = arg;
	char buf[64];

	CHILD_CHECK(tu_await_sleeping(l->waiter, TU_AWAIT_MS) == 0);
	if (l->take)
		CHILD_CHECK(msgport_recv(l->mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
					 MSGPORT_WAIT_FOREVER, NULL) >= 0);
	else
		CHILD_CHECK(msgport_send(l->mb, "later", 5, 0, MSGPORT_F_NONBLOCK,
					 MSGPORT_WAIT_FOREVER, NULL) == 0);
	return 0;
}

/* A blocked poll wakes for POLLIN when a message arrives, for POLLOUT when room appears. */
static void test_poll_wakeups(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("pollw"), 1, 0, 0600, 0);
	struct later l = { .mb = mb, .waiter = getpid() };
	struct pollfd p = { .fd = msgport_mailbox_fd(mb), .events = POLLIN };
	pid_t pid;

	pid = tu_fork(child_later, &l);
	assert_int_equal(poll(&p, 1, TU_AWAIT_MS), 1);
	assert_int_equal(p.revents, POLLIN);
	assert_child_ok(pid);

	/* Now full: wait for room. */
	l.take = true;
	p.events = POLLOUT;
	p.revents = 0;
	pid = tu_fork(child_later, &l);
	assert_int_equal(poll(&p, 1, TU_AWAIT_MS), 1);
	assert_int_equal(p.revents, POLLOUT);
	assert_child_ok(pid);
}

/* A blocked poll wakes with POLLHUP when the mailbox is unlinked. */
static int child_unlink_later(void *arg)
{
	const char *name = arg;

	CHILD_CHECK(tu_await_sleeping(getppid(), TU_AWAIT_MS) == 0);
	CHILD_CHECK(msgport_mailbox_unlink(tu_mp(), name) == 0);
	return 0;
}

static void test_poll_wakeup_on_unlink(void **state)
{
	const char *name = tu_name("pollwu");
	struct msgport_mailbox *mb = tu_create(name, 1, 0, 0600, 0);
	struct pollfd p = { .fd = msgport_mailbox_fd(mb), .events = POLLIN };
	pid_t pid;

	pid = tu_fork(child_unlink_later, (void *)name);
	assert_int_equal(poll(&p, 1, TU_AWAIT_MS), 1);
	assert_int_equal(p.revents & (POLLERR | POLLHUP), POLLERR | POLLHUP);
	assert_child_ok(pid);
}

/* epoll: level- and edge-triggered readiness, and a blocked epoll_wait woken by a send. */
static void test_epoll(void **state)
{
	const char *name = tu_name("epoll");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, 0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out[4];
	struct later l = { .mb = mb, .waiter = getpid() };
	int ep, et;
	pid_t pid;

	ep = tu_track_fd(epoll_create1(EPOLL_CLOEXEC));
	et = tu_track_fd(epoll_create1(EPOLL_CLOEXEC));
	assert_true(ep >= 0 && et >= 0);
	ev.data.u32 = 7;
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, msgport_mailbox_fd(mb), &ev), 0);
	ev.events = EPOLLIN | EPOLLET;
	assert_int_equal(epoll_ctl(et, EPOLL_CTL_ADD, msgport_mailbox_fd(mb), &ev), 0);

	assert_int_equal(epoll_wait(ep, out, 4, 0), 1);
	assert_int_equal(out[0].events, EPOLLOUT);
	assert_int_equal(out[0].data.u32, 7);
	assert_int_equal(epoll_wait(et, out, 4, 0), 0);

	/* Blocked in epoll_wait; a child sends once we sleep. */
	pid = tu_fork(child_later, &l);
	assert_int_equal(epoll_wait(et, out, 4, TU_AWAIT_MS), 1);
	assert_int_equal(out[0].events, EPOLLIN);
	assert_child_ok(pid);
	/* Edge-triggered: reported once... */
	assert_int_equal(epoll_wait(et, out, 4, 0), 0);
	/* ...level-triggered: while it lasts. */
	assert_int_equal(epoll_wait(ep, out, 4, 0), 1);
	assert_int_equal(out[0].events, EPOLLIN | EPOLLOUT);
	assert_int_equal(epoll_wait(ep, out, 4, 0), 1);
	/* Empty, then a message again: a new edge. */
	recv_nb(mb);
	assert_int_equal(epoll_wait(ep, out, 4, 0), 1);
	assert_int_equal(out[0].events, EPOLLOUT);
	send_nb(mb, "again");
	assert_int_equal(epoll_wait(et, out, 4, 0), 1);
	assert_int_equal(out[0].events, EPOLLIN);

	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_int_equal(epoll_wait(ep, out, 4, 0), 1);
	assert_int_equal(out[0].events & (EPOLLERR | EPOLLHUP), EPOLLERR | EPOLLHUP);
}

/* An epoll set outlives the mailbox it watched: closing the last descriptor is clean. */
static void test_epoll_outlives_mailbox(void **state)
{
	const char *name = tu_name("epclose");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, MSGPORT_O_EPHEMERAL);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out[2];
	int ep;

	ep = tu_track_fd(epoll_create1(EPOLL_CLOEXEC));
	assert_true(ep >= 0);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, msgport_mailbox_fd(mb), &ev), 0);
	send_nb(mb, "x");
	assert_int_equal(epoll_wait(ep, out, 2, 0), 1);
	tu_close(mb);		/* the last descriptor: the mailbox goes */
	assert_int_equal(epoll_wait(ep, out, 2, 0), 0);
	assert_int_equal(tu_proc_count(name), 0);
	tu_close_fd(ep);
}

/* select(2) sees the same readiness. */
static void test_select(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("select"), 1, 0, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct timeval tv = { 0, 0 };
	fd_set r, w;

	assert_true(fd < FD_SETSIZE);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	assert_int_equal(select(fd + 1, &r, &w, NULL, &tv), 1);
	assert_false(FD_ISSET(fd, &r));
	assert_true(FD_ISSET(fd, &w));

	send_nb(mb, "s");
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	assert_int_equal(select(fd + 1, &r, &w, NULL, &tv), 1);
	assert_true(FD_ISSET(fd, &r));
	assert_false(FD_ISSET(fd, &w));
}

static const struct CMUnitTest mailbox_poll_tests[] = {
	TU_TEST(test_poll_bounded),
	TU_TEST(test_poll_directions),
	TU_TEST(test_poll_rendezvous),
	TU_TEST(test_poll_unlinked),
	TU_TEST(test_poll_wakeups),
	TU_TEST(test_poll_wakeup_on_unlink),
	TU_TEST(test_epoll),
	TU_TEST(test_epoll_outlives_mailbox),
	TU_TEST(test_select),
};

MSGPORT_SUITE(mailbox_poll_suite, MSGPORT_GROUP_MODULE, 900, "mailbox-poll",
	      "poll/select/epoll: POLLIN, POLLOUT, rendezvous, POLLERR|POLLHUP, wake-ups",
	      mailbox_poll_tests);
