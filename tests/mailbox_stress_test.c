// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "mailbox-stress": many processes at once on one mailbox.
 *
 * Producer processes send messages carrying their id, their own sequence
 * number, a payload of varying length derived from both and the payload's
 * checksum; consumer processes check each message (length, checksum,
 * payload, sender pid, priority, order per producer) and record it in
 * shared memory.  The runner then checks that every message arrived exactly
 * once and that each producer's messages got increasing mailbox sequence
 * numbers in the order it sent them, and compares with the stat counters.
 *
 *  - 8 x 8 processes, 10^4 messages per producer, a bounded mailbox;
 *  - synchronous sends through a rendezvous mailbox;
 *  - synchronous sends while every process is showered with signals, with
 *    SA_RESTART and without (then EINTR: the message was withdrawn, the
 *    producer sends it again): never lost, never delivered twice;
 *  - unlink in the middle of it all: every blocked or later call ends with
 *    EIDRM; what a sender was told was sent is received or counted dropped,
 *    and for synchronous sends exactly what was acknowledged was received.
 *
 * The time each run takes is printed (information, not an assertion).
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "msgport_test.h"

#define MAX_PROCS	8
#define MAX_MSGS	10000
#define MAX_PAYLOAD	200
#define STOP		0xffffffffU
#define WAIT_NS		(120LL * 1000000000LL)	/* a stuck run fails, not hangs */

enum storm {
	STORM_NONE,
	STORM_RESTART,		/* SIGUSR1 with an SA_RESTART handler */
	STORM_EINTR,		/* SIGUSR1 with a handler, no SA_RESTART */
};

struct wire {
	uint32_t producer;
	uint32_t pseq;
	uint32_t len;
	uint32_t csum;
	unsigned char payload[MAX_PAYLOAD];
};

struct board {
	pid_t pid[2 * MAX_PROCS];		/* producers, then consumers */
	uint32_t count[MAX_PROCS][MAX_MSGS];	/* deliveries of each message */
	uint64_t kseq[MAX_PROCS][MAX_MSGS];	/* mailbox seq it was given */
	uint32_t acked[MAX_PROCS];		/* sends that returned 0 */
	volatile int done[2 * MAX_PROCS];	/* finished: no more signals */
	volatile int ready;			/* children with handlers set up */
	volatile int go;			/* producers start once pids are known */
	volatile int stop_storm;
	uint32_t errors;			/* bad messages seen by consumers */
	uint32_t received;
	uint32_t signals;			/* handled by producers and consumers */
	uint32_t eintr;				/* EINTRs seen (and retried) */
};

struct run {
	struct msgport_mailbox *mb;
	struct board *board;
	int producers, consumers, msgs;	/* msgs 0: until the mailbox goes */
	unsigned int send_flags;
	enum storm storm;
	int id;
};

static volatile uint32_t handled;

static void on_signal(int sig)
{
	handled++;
}

static void child_setup(const struct run *r)
{
	struct sigaction sa;

	if (r->storm != STORM_NONE) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sa.sa_flags = r->storm == STORM_RESTART ? SA_RESTART : 0;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
	}
	__atomic_add_fetch(&r->board->ready, 1, __ATOMIC_SEQ_CST);
}

static void child_done(const struct run *r, int index)
{
	r->board->done[index] = 1;
	__atomic_add_fetch(&r->board->signals, handled, __ATOMIC_RELAXED);
}

static uint32_t payload_len(uint32_t p, uint32_t i)
{
	return (i * 7 + p * 13) % (MAX_PAYLOAD + 1);
}

static unsigned int producer_prio(uint32_t p)
{
	return 1 + p % 4;
}

static void bad(struct board *b, const char *what, uint32_t p, uint32_t i)
{
	if (__atomic_add_fetch(&b->errors, 1, __ATOMIC_RELAXED) <= 10)
		fprintf(stderr, "pid %d: %s (producer %u, message %u)\n", (int)getpid(), what, p, i);
}

static int producer(void *arg)
{
	const struct run *r = arg;
	struct board *b = r->board;
	uint32_t p = (uint32_t)r->id;
	uint64_t seq, last = 0;
	struct wire w;
	int i, ret;

	child_setup(r);
	while (!b->go)
		usleep(1000);
	for (i = 0; r->msgs == 0 ? i < MAX_MSGS : i < r->msgs; i++) {
		w.producer = p;
		w.pseq = (uint32_t)i;
		w.len = payload_len(p, (uint32_t)i);
		tu_fill(w.payload, w.len, p, (uint32_t)i);
		w.csum = tu_fnv1a(w.payload, w.len);
		do {
			ret = msgport_send(r->mb, &w, offsetof(struct wire, payload) + w.len,
					   producer_prio(p), r->send_flags, WAIT_NS, &seq);
			if (ret == -EINTR)
				__atomic_add_fetch(&b->eintr, 1, __ATOMIC_RELAXED);
		} while (ret == -EINTR && r->storm == STORM_EINTR);
		if (ret == -EIDRM && r->msgs == 0)
			break;		/* the end of an unlink-under-load run */
		if (ret < 0)
			fprintf(stderr, "producer %u: send %d: %s\n", p, i, msgport_strerror(ret));
		CHILD_CHECK(ret == 0);
		CHILD_CHECK(seq > last);
		last = seq;
		b->acked[p]++;
	}
	child_done(r, r->id);
	return 0;
}

static int consumer(void *arg)
{
	const struct run *r = arg;
	struct board *b = r->board;
	int64_t last[MAX_PROCS];
	unsigned char expect[MAX_PAYLOAD];
	struct msgport_msginfo info;
	struct wire w;
	ssize_t n;
	int i;

	child_setup(r);
	for (i = 0; i < MAX_PROCS; i++)
		last[i] = -1;
	for (;;) {
		n = msgport_recv(r->mb, &w, sizeof(w), 0, WAIT_NS, &info);
		if (n == -EINTR) {
			__atomic_add_fetch(&b->eintr, 1, __ATOMIC_RELAXED);
			if (r->storm == STORM_EINTR)
				continue;
		}
		if (n == -EIDRM && r->msgs == 0)
			break;
		if (n < 0)
			fprintf(stderr, "consumer %d: recv: %s\n", (int)getpid(),
				msgport_strerror((int)n));
		CHILD_CHECK(n >= 0);
		if ((size_t)n >= sizeof(uint32_t) && w.producer == STOP)
			break;
		if ((size_t)n < offsetof(struct wire, payload) ||
		    w.producer >= (uint32_t)r->producers || w.pseq >= MAX_MSGS) {
			bad(b, "malformed message", 0, 0);
			continue;
		}
		if ((size_t)n != offsetof(struct wire, payload) + w.len || info.len != (uint32_t)n ||
		    w.len != payload_len(w.producer, w.pseq))
			bad(b, "wrong length", w.producer, w.pseq);
		else if (tu_fnv1a(w.payload, w.len) != w.csum)
			bad(b, "checksum mismatch", w.producer, w.pseq);
		tu_fill(expect, w.len, w.producer, w.pseq);
		if (w.len <= MAX_PAYLOAD && memcmp(expect, w.payload, w.len))
			bad(b, "payload corrupted", w.producer, w.pseq);
		if (info.pid != b->pid[w.producer])
			bad(b, "wrong sender pid", w.producer, w.pseq);
		if (info.priority != producer_prio(w.producer))
			bad(b, "wrong priority", w.producer, w.pseq);
		if ((int64_t)w.pseq <= last[w.producer])
			bad(b, "reordered within a producer", w.producer, w.pseq);
		last[w.producer] = w.pseq;
		__atomic_add_fetch(&b->count[w.producer][w.pseq], 1, __ATOMIC_RELAXED);
		__atomic_store_n(&b->kseq[w.producer][w.pseq], info.seq, __ATOMIC_RELAXED);
		__atomic_add_fetch(&b->received, 1, __ATOMIC_RELAXED);
	}
	child_done(r, r->producers + r->id);
	return 0;
}

/* Signal every producer and consumer, again and again, until told to stop. */
static int storm(void *arg)
{
	const struct run *r = arg;
	struct board *b = r->board;
	int i, n = r->producers + r->consumers;

	while (!b->stop_storm) {
		for (i = 0; i < n; i++)
			if (!b->done[i])
				kill(b->pid[i], SIGUSR1);
		usleep(50);
	}
	return 0;
}

struct result {
	unsigned long lost, dup, unordered, phantom, acked;
	uint64_t ms;
};

static struct result check_board(const struct board *b, int producers, int msgs)
{
	struct result res = { 0 };
	int i, j;

	for (i = 0; i < producers; i++) {
		int limit = msgs ? msgs : (int)b->acked[i];

		res.acked += b->acked[i];
		for (j = 0; j < MAX_MSGS; j++) {
			if (j >= limit) {
				/* Never acknowledged (or never sent): must not arrive. */
				res.phantom += b->count[i][j];
				continue;
			}
			if (b->count[i][j] == 0)
				res.lost++;
			else if (b->count[i][j] > 1)
				res.dup++;
			if (j > 0 && b->count[i][j] && b->count[i][j - 1] &&
			    b->kseq[i][j] <= b->kseq[i][j - 1])
				res.unordered++;
		}
	}
	return res;
}

static struct board *new_board(void)
{
	struct board *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(b != MAP_FAILED);
	return b;
}

/* Start consumers, producers (and the storm); wait until all are set up. */
static pid_t start(struct run *runs, struct msgport_mailbox *mb, struct board *b, int producers,
		   int consumers, int msgs, unsigned int flags, enum storm st, pid_t *pids)
{
	pid_t storm_pid = 0;
	int i;

	for (i = 0; i < producers + consumers; i++) {
		runs[i] = (struct run){ mb, b, producers, consumers, msgs, flags, st,
					i < producers ? i : i - producers };
		pids[i] = tu_fork(i < producers ? producer : consumer, &runs[i]);
		b->pid[i] = pids[i];
	}
	while (b->ready < producers + consumers)
		usleep(1000);
	if (st != STORM_NONE)
		storm_pid = tu_fork(storm, &runs[0]);
	__atomic_store_n(&b->go, 1, __ATOMIC_SEQ_CST);
	return storm_pid;
}

static void stress(const char *tag, uint32_t capacity, int producers, int consumers, int msgs,
		   unsigned int send_flags, enum storm st)
{
	struct msgport_mailbox *mb = tu_create(tu_name(tag), capacity, sizeof(struct wire), 0600, 0);
	struct run runs[2 * MAX_PROCS];
	pid_t pids[2 * MAX_PROCS], storm_pid;
	struct msgport_stat st_;
	struct result res;
	struct board *b = new_board();
	uint64_t t0;
	uint32_t stop = STOP;
	int i;

	t0 = tu_now_ns();
	storm_pid = start(runs, mb, b, producers, consumers, msgs, send_flags, st, pids);
	for (i = 0; i < producers; i++)
		assert_child_ok(pids[i]);
	/* Lowest priority: taken only after every data message. */
	for (i = 0; i < consumers; i++)
		assert_int_equal(msgport_send(mb, &stop, sizeof(stop), 0, 0, WAIT_NS, NULL), 0);
	for (i = 0; i < consumers; i++)
		assert_child_ok(pids[producers + i]);
	b->stop_storm = 1;
	if (storm_pid)
		assert_child_ok(storm_pid);
	res = check_board(b, producers, msgs);
	res.ms = (tu_now_ns() - t0) / 1000000ULL;

	print_message("%s: %d producers x %d consumers x %d messages (capacity %u%s%s): %llu ms, "
		      "%u received, %lu lost, %lu duplicated, %lu out of order, %u bad; "
		      "%u signals handled, %u EINTR\n",
		      tag, producers, consumers, msgs, capacity,
		      send_flags & MSGPORT_F_SYNC ? ", sync" : "",
		      st == STORM_RESTART ? ", SA_RESTART storm" :
		      st == STORM_EINTR ? ", EINTR storm" : "",
		      (unsigned long long)res.ms, b->received, res.lost, res.dup, res.unordered,
		      b->errors, b->signals, b->eintr);
	assert_int_equal(b->errors, 0);
	assert_int_equal(res.lost, 0);
	assert_int_equal(res.dup, 0);
	assert_int_equal(res.unordered, 0);
	assert_int_equal(res.phantom, 0);
	assert_int_equal(b->received, (uint32_t)(producers * msgs));
	if (st != STORM_NONE)
		assert_true(b->signals > 0);
	if (st == STORM_RESTART)
		assert_int_equal(b->eintr, 0);

	assert_int_equal(msgport_mailbox_stat(mb, &st_), 0);
	assert_int_equal(st_.sent, (uint64_t)producers * msgs + consumers);
	assert_int_equal(st_.received, (uint64_t)producers * msgs + consumers);
	assert_int_equal(st_.queued_msgs, 0);
	assert_int_equal(st_.queued_bytes, 0);
	assert_int_equal(st_.dropped, 0);
	assert_int_equal(st_.waiting_senders, 0);
	assert_int_equal(st_.waiting_receivers, 0);
	munmap(b, sizeof(*b));
}

/* 8 x 8 processes, 10^4 messages per producer, one bounded mailbox. */
static void test_8x8_bounded(void **state)
{
	stress("8x8", 64, 8, 8, MAX_MSGS, 0, STORM_NONE);
}

/* 4 x 4 processes with synchronous sends through a rendezvous mailbox. */
static void test_4x4_rendezvous_sync(void **state)
{
	stress("4x4rdv", 0, 4, 4, 1000, MSGPORT_F_SYNC, STORM_NONE);
}

/* Synchronous sends and receives restarted by SA_RESTART signals, all the time. */
static void test_sync_signal_storm_restart(void **state)
{
	stress("storm-restart", 4, 4, 4, 3000, MSGPORT_F_SYNC, STORM_RESTART);
}

/* The same without SA_RESTART: EINTR means withdrawn, so sending again is right. */
static void test_sync_signal_storm_eintr(void **state)
{
	stress("storm-eintr", 4, 4, 4, 3000, MSGPORT_F_SYNC, STORM_EINTR);
}

/* Unlink while 4 producers and 4 consumers are busy. */
static void unlink_under_load(const char *tag, unsigned int send_flags)
{
	const char *name = tu_name(tag);
	struct msgport_mailbox *mb = tu_create(name, 8, sizeof(struct wire), 0600, 0);
	struct run runs[2 * MAX_PROCS];
	pid_t pids[2 * MAX_PROCS];
	struct msgport_stat st;
	struct result res;
	struct board *b = new_board();
	uint64_t deadline = tu_now_ns() + 60000000000ULL;
	int i;

	start(runs, mb, b, 4, 4, 0, send_flags, STORM_NONE, pids);
	/* Let it run a while, then pull the mailbox away. */
	do {
		usleep(1000);
		assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
		assert_true(tu_now_ns() < deadline);
	} while (st.received < 2000);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	for (i = 0; i < 8; i++)
		assert_child_ok(pids[i]);	/* each ended with EIDRM, nothing else */

	res = check_board(b, 4, 0);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	print_message("%s: unlinked after %u received: %lu acknowledged sends, sent %llu, "
		      "received %llu, dropped %llu; %lu lost, %lu duplicated, %lu phantom, "
		      "%u bad\n", tag, b->received, res.acked, (unsigned long long)st.sent,
		      (unsigned long long)st.received, (unsigned long long)st.dropped, res.lost,
		      res.dup, res.phantom, b->errors);
	assert_int_equal(b->errors, 0);
	assert_int_equal(res.dup, 0);
	assert_int_equal(res.phantom, 0);	/* a failed send was never received */
	assert_int_equal(res.unordered, 0);
	assert_int_equal(st.received, b->received);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.waiting_senders, 0);
	assert_int_equal(st.waiting_receivers, 0);
	if (send_flags & MSGPORT_F_SYNC) {
		/* Acknowledged exactly when received. */
		assert_int_equal(res.lost, 0);
		assert_int_equal(b->received, res.acked);
	} else {
		/* Accepted: received or dropped by the unlink, nothing else. */
		assert_int_equal(st.sent, res.acked);
		assert_int_equal(res.lost, st.dropped);
		assert_int_equal(st.sent, st.received + st.dropped);
	}
	munmap(b, sizeof(*b));
}

static void test_unlink_under_load(void **state)
{
	unlink_under_load("unlink-load", 0);
}

static void test_unlink_under_load_sync(void **state)
{
	unlink_under_load("unlink-load-sync", MSGPORT_F_SYNC);
}

#define CHURN_NAMES	3
#define CHURN_ROUNDS	400

struct churn {
	const char *names[CHURN_NAMES];
	int id;
};

/* Child: open/create, send, receive, unlink and close, round and round. */
static int churner(void *arg)
{
	const struct churn *c = arg;
	struct msgport_attr attr = { .capacity = 2, .mode = 0600 };
	struct msgport_mailbox *mb;
	char buf[32];
	int i, ret;
	ssize_t n;

	for (i = 0; i < CHURN_ROUNDS; i++) {
		const char *name = c->names[(i + c->id) % CHURN_NAMES];
		unsigned int eph = (i + c->id) % 3 == 0 ? MSGPORT_O_EPHEMERAL : 0;

		ret = msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | MSGPORT_O_RECV |
					   MSGPORT_O_SEND | eph, &attr, &mb);
		if (ret < 0)
			fprintf(stderr, "churn %d: open %s: %s\n", c->id, name,
				msgport_strerror(ret));
		CHILD_CHECK(ret == 0);
		ret = msgport_send(mb, "churn", 5, 0, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				   NULL);
		CHILD_CHECK(ret == 0 || ret == -EAGAIN || ret == -EIDRM);
		n = msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				 NULL);
		CHILD_CHECK(n == 5 || n == -EAGAIN || n == -EIDRM);
		if (i % 2) {
			ret = msgport_mailbox_unlink(tu_mp(), name);
			CHILD_CHECK(ret == 0 || ret == -ENOENT);
		}
		msgport_mailbox_close(mb);
	}
	return 0;
}

/* Four processes create, use, unlink and close the same few names at once. */
static void test_registry_churn(void **state)
{
	struct churn c[4];
	pid_t pids[4];
	int i, j;
	const char *names[CHURN_NAMES];

	for (j = 0; j < CHURN_NAMES; j++)
		names[j] = tu_name("churn");
	for (i = 0; i < 4; i++) {
		memcpy(c[i].names, names, sizeof(names));
		c[i].id = i;
		pids[i] = tu_fork(churner, &c[i]);
	}
	for (i = 0; i < 4; i++)
		assert_child_ok(pids[i]);
	/* What is left is consistent: each name there at most once, and removable. */
	for (j = 0; j < CHURN_NAMES; j++) {
		int ret;

		assert_true(tu_proc_count(names[j]) <= 1);
		ret = msgport_mailbox_unlink(tu_mp(), names[j]);
		assert_true(ret == 0 || ret == -ENOENT);
		assert_int_equal(tu_proc_count(names[j]), 0);
	}
}

static const struct CMUnitTest mailbox_stress_tests[] = {
	TU_TEST(test_8x8_bounded),
	TU_TEST(test_4x4_rendezvous_sync),
	TU_TEST(test_sync_signal_storm_restart),
	TU_TEST(test_sync_signal_storm_eintr),
	TU_TEST(test_unlink_under_load),
	TU_TEST(test_unlink_under_load_sync),
	TU_TEST(test_registry_churn),
};

MSGPORT_SUITE(mailbox_stress_suite, MSGPORT_GROUP_MODULE, 1000, "mailbox-stress",
	      "8 producers x 8 consumers x 10^4 messages, signal storms, unlink under load: "
	      "none lost, duplicated, reordered, corrupted", mailbox_stress_tests);
