// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "one-copy": a large message sent to a receiver that already waits
 * is written straight into its buffer (kmod/direct.c), with everything a
 * queued message gives: the bytes, the info as the receiver's namespaces see
 * it, truncation, sequence numbers, rendezvous receipts; and when it cannot
 * be (the receiver's buffer not yet faulted in or not writable, the
 * sender's buffer faulting, a receiver that would truncate, buffers that
 * overlap in one process), the usual path delivers it, nothing lost.
 *
 * The one-copy path holds no kernel memory for the message, so it is not
 * charged to max_user_bytes: with that limit below the message's charge, a
 * send that succeeds went the one-copy way, and one that fails with EDQUOT
 * went the usual way.  The tests use that to know which path a send took.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"

#define LONG_NS		(30ULL * 1000000000ULL)	/* "forever" that cannot hang */
#define SHORT_NS	(300ULL * 1000000ULL)
#define MAX_MSG		(1U << 20)
#define BIG		(192U * 1024 + 123)	/* spans pages, ends mid-page */
#define BUF_LEN		(256U * 1024)
#define OFF		100			/* the buffer starts mid-page */
#define CANARY		0xa5
#define QUOTA		(64U * 1024)		/* below BIG's charge */

struct rx {
	struct msgport_mailbox *mb;
	size_t buf_len;		/* the receive buffer's size */
	unsigned int flags;	/* receive flags */
	int64_t timeout_ns;
	bool untouched;		/* the buffer's pages never faulted in */
	bool new_userns;	/* receive from a new user and pid namespace */
	atomic_int *info_gone;	/* the receive's struct (info in it) in a page
				   of its own, taken away as it waits (then
				   *info_gone = 1), or NULL */
	bool raw;		/* the ioctl itself, not the library's call:
				   info as the kernel left it, also on error */
	bool noinfo;		/* raw, with MSGPORT_F_NOINFO: info must keep
				   the CANARY bytes it held */
	long expect;		/* the receive's result */
	size_t len;		/* the message's full length */
	uint32_t seed;		/* its bytes: tu_fill(.., seed, len) */
	uint32_t prio;
	uint64_t seq;
	pid_t sender;		/* its sender's pid as the receiver sees it (-1: any) */
	uint32_t uid;		/* its sender's uid as the receiver sees it */
};

static struct msgport_mailbox *big_mailbox(uint32_t capacity)
{
	return tu_create(tu_name("onecopy"), capacity, MAX_MSG, 0666, 0);
}

struct info_page {
	struct rx *r;
	void *page;
};

/*
 * Once @arg's receiver waits, the page of its struct msgport_recv, where
 * the kernel writes its info, goes (MADV_DONTNEED: not present, as if
 * reclaimed), so that neither side of a one-copy hand-over can write the
 * info without a fault.
 */
static void *take_info_page(void *arg)
{
	struct info_page *ip = arg;

	if (tu_await_stat(msgport_mailbox_fd(ip->r->mb), TU_WAITING_RECEIVERS, 1,
			  TU_AWAIT_MS) ||
	    madvise(ip->page, 4096, MADV_DONTNEED))
		return ip;
	atomic_store(ip->r->info_gone, 1);
	return NULL;
}

/* The receive of @r into a fresh mapping; 0 if all is as @r expects. */
static int do_rx(struct rx *r)
{
	size_t map_len = OFF + r->buf_len + 4096;
	struct msgport_msginfo local, *pinfo = &local;
	struct info_page ip = { .r = r };
	unsigned char *map, *want;
	pthread_t th;
	void *th_ret;
	ssize_t n;
	size_t i;

	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHILD_CHECK(map != MAP_FAILED);
	if (!r->untouched)
		memset(map, CANARY, map_len);
	memset(pinfo, 0, sizeof(*pinfo));
	if (r->info_gone || r->raw) {
		/* The ioctl itself: the library's struct is on its stack. */
		struct msgport_recv *u;

		ip.page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHILD_CHECK(ip.page != MAP_FAILED);
		/* Not made present again by a huge page's collapse. */
		madvise(ip.page, 4096, MADV_NOHUGEPAGE);
		u = ip.page;
		*u = (struct msgport_recv){
			.buf = (uintptr_t)(map + OFF), .buf_len = r->buf_len,
			.flags = r->flags | MSGPORT_F_TIMEOUT, .timeout_ns = r->timeout_ns,
		};
		if (r->noinfo) {
			u->flags |= MSGPORT_F_NOINFO;
			memset(&u->info, CANARY, sizeof(u->info));
		}
		if (r->info_gone)
			CHILD_CHECK(pthread_create(&th, NULL, take_info_page, &ip) == 0);
		n = ioctl(msgport_mailbox_fd(r->mb), MSGPORT_IOC_RECV, u);
		if (n < 0)
			n = -errno;
		if (r->info_gone) {
			CHILD_CHECK(pthread_join(th, &th_ret) == 0);
			CHILD_CHECK(th_ret == NULL);
		}
		*pinfo = u->info;
		munmap(ip.page, 4096);
	} else {
		n = msgport_recv(r->mb, map + OFF, r->buf_len, r->flags, r->timeout_ns,
				 pinfo);
	}
	if (n != r->expect)
		fprintf(stderr, "child recv: got %zd (%s), expected %ld\n", n,
			n < 0 ? msgport_strerror((int)n) : "bytes", r->expect);
	CHILD_CHECK(n == r->expect);
	/* MSGPORT_F_NOINFO: not a byte of info written, whatever the result. */
	for (i = 0; r->noinfo && i < sizeof(*pinfo); i++)
		CHILD_CHECK(((unsigned char *)pinfo)[i] == CANARY);
	if (n < 0) {
		/* A failed receive leaves no info (zeros). */
		static const struct msgport_msginfo none;

		CHILD_CHECK(r->noinfo || !memcmp(pinfo, &none, sizeof(none)));
		return 0;
	}
	want = malloc(r->len);
	CHILD_CHECK(want);
	tu_fill(want, r->len, r->seed, 0);
	CHILD_CHECK(!memcmp(map + OFF, want, (size_t)n));
	free(want);
	/* Not a byte written past the buffer (nor before it). */
	for (i = 0; i < OFF && !r->untouched; i++)
		CHILD_CHECK(map[i] == CANARY);
	for (i = OFF + r->buf_len; i < map_len && !r->untouched; i++)
		CHILD_CHECK(map[i] == CANARY);
	if (r->noinfo) {
		munmap(map, map_len);
		return 0;
	}
	if (pinfo->len != r->len || pinfo->priority != r->prio || pinfo->seq != r->seq ||
	    pinfo->pid != r->sender || pinfo->tid != r->sender || pinfo->uid != r->uid)
		fprintf(stderr, "child recv: info len %u prio %u seq %llu pid %d tid %d uid %u\n",
			pinfo->len, pinfo->priority, (unsigned long long)pinfo->seq, pinfo->pid,
			pinfo->tid, pinfo->uid);
	CHILD_CHECK(pinfo->len == r->len);
	CHILD_CHECK(pinfo->priority == r->prio);
	CHILD_CHECK(pinfo->seq == r->seq);
	if (r->sender < 0)
		CHILD_CHECK(pinfo->pid > 0 && pinfo->tid == pinfo->pid && pinfo->pid != getpid());
	else
		CHILD_CHECK(pinfo->pid == r->sender && pinfo->tid == r->sender);
	CHILD_CHECK(pinfo->uid == r->uid);
	/* MSGPORT_MSG_SYNC: the sender of a sync or rendezvous send waits. */
	CHILD_CHECK((pinfo->msg_flags & ~MSGPORT_MSG_SYNC) == 0);
	munmap(map, map_len);
	return 0;
}

/* In a new user and pid namespace, the receive runs in the pid namespace's first process. */
static int child_rx_in_namespaces(struct rx *r)
{
	pid_t pid;
	int status;

	CHILD_CHECK(unshare(CLONE_NEWUSER | CLONE_NEWPID) == 0);
	pid = fork();
	CHILD_CHECK(pid >= 0);
	if (pid == 0)
		_exit(do_rx(r));
	CHILD_CHECK(waitpid(pid, &status, 0) == pid);
	CHILD_CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int child_rx(void *arg)
{
	struct rx *r = arg;

	return r->new_userns ? child_rx_in_namespaces(r) : do_rx(r);
}

/* Fork @r's receiver and wait until it waits. */
static pid_t start_rx(struct rx *r)
{
	pid_t pid = tu_fork(child_rx, r);

	assert_await(r->mb, TU_WAITING_RECEIVERS, 1);
	return pid;
}

static unsigned char *payload(size_t len, uint32_t seed)
{
	unsigned char *p = malloc(len);

	assert_non_null(p);
	tu_fill(p, len, seed, 0);
	return p;
}

/*
 * @p's BIG bytes in a mapping of their own with a page at @hole that cannot
 * be read (PROT_NONE): a sender's buffer that faults part way.
 */
static unsigned char *payload_with_hole(const unsigned char *p, size_t hole)
{
	unsigned char *bad = tu_mmap(-1, 2 * BUF_LEN, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, 0);

	assert_true(bad != MAP_FAILED);
	memcpy(bad, p, BIG);
	assert_int_equal(mprotect(bad + hole, 4096, PROT_NONE), 0);
	return bad;
}

/* A receiver that waits gets the bytes, info and seq of a message written in one copy. */
static void test_one_copy_to_waiting_receiver(void **state)
{
	struct msgport_mailbox *mb = big_mailbox(4);
	struct rx r = {
		.mb = mb, .buf_len = BUF_LEN, .timeout_ns = LONG_NS, .expect = BIG,
		.len = BIG, .seed = 7, .prio = 5, .seq = 1, .sender = getpid(), .uid = 0,
	};
	unsigned char *p = payload(BIG, 7);
	struct msgport_stat st;
	uint64_t seq = 0;
	pid_t pid;

	(void)state;
	pid = start_rx(&r);
	assert_int_equal(msgport_send(mb, p, BIG, 5, 0, LONG_NS, &seq), 0);
	assert_int_equal(seq, 1);
	assert_child_ok(pid);
	memset(&st, 0, sizeof(st));
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.received, 1);
	/* With nobody waiting, the same send is made in kernel memory: over the quota. */
	assert_int_equal(msgport_send(mb, p, BIG, 5, MSGPORT_F_NONBLOCK, 0, NULL), -EDQUOT);
	free(p);
}

/*
 * A receiver that asks for no info (MSGPORT_F_NOINFO) gets the bytes in one
 * copy (within the quota: nothing charged) and not a byte of info, as the
 * message made in kernel memory (over the quota) gets none either.
 */
static void test_one_copy_noinfo_receiver(void **state)
{
	struct msgport_mailbox *mb = big_mailbox(4);
	struct rx r = {
		.mb = mb, .buf_len = BUF_LEN, .timeout_ns = LONG_NS, .raw = true,
		.noinfo = true, .expect = BIG, .len = BIG, .seed = 8,
	};
	unsigned char *p = payload(BIG, 8);
	pid_t pid;

	(void)state;
	pid = start_rx(&r);
	assert_int_equal(msgport_send(mb, p, BIG, 3, 0, LONG_NS, NULL), 0);
	assert_child_ok(pid);
	tu_param_set("max_user_bytes", 64ULL << 20);
	assert_int_equal(msgport_send(mb, p, BIG, 3, MSGPORT_F_NONBLOCK, 0, NULL), 0);
	r.timeout_ns = 0;
	assert_child_ok(tu_fork(child_rx, &r));
	free(p);
}

/*
 * A receiver that would truncate gets the message the usual way (EDQUOT
 * under the quota says so: the one-copy path would read only what fits,
 * and not fault on the rest of a bad sender buffer as the usual path does),
 * then, within the quota, what fits, not a byte more; info says the full
 * length.
 */
static void test_one_copy_truncating_receiver(void **state)
{
	struct msgport_mailbox *mb = big_mailbox(4);
	struct rx r = {
		.mb = mb, .buf_len = 8192 + 7, .flags = MSGPORT_F_TRUNC, .timeout_ns = LONG_NS,
		.expect = 8192 + 7, .len = BIG, .seed = 9, .seq = 1, .sender = getpid(),
	};
	unsigned char *p = payload(BIG, 9);
	pid_t pid;

	(void)state;
	pid = start_rx(&r);
	assert_int_equal(msgport_send(mb, p, BIG, 0, 0, LONG_NS, NULL), -EDQUOT);
	tu_param_set("max_user_bytes", 64ULL << 20);
	assert_int_equal(msgport_send(mb, p, BIG, 0, 0, LONG_NS, NULL), 0);
	assert_child_ok(pid);
	free(p);
}

struct thread_rx {
	struct rx r;
	int result;
	unsigned char *buf;	/* receive here (within the sender's buffer), or NULL */
};

static void *thread_rx_fn(void *arg)
{
	struct thread_rx *t = arg;
	struct msgport_msginfo info;
	unsigned char *want;
	ssize_t n;

	if (!t->buf) {
		t->result = do_rx(&t->r);
		return NULL;
	}
	t->result = 1;
	n = msgport_recv(t->r.mb, t->buf, t->r.buf_len, 0, LONG_NS, &info);
	if (n != t->r.expect) {
		fprintf(stderr, "thread recv: got %zd, expected %ld\n", n, t->r.expect);
		return NULL;
	}
	want = malloc(t->r.len);
	if (!want)
		return NULL;
	tu_fill(want, t->r.len, t->r.seed, 0);
	t->result = memcmp(t->buf, want, t->r.len) ? 2 : 0;
	free(want);
	return NULL;
}

/* Two threads of one process, apart buffers: one copy within one address space. */
static void test_one_copy_between_threads(void **state)
{
	struct msgport_mailbox *mb = big_mailbox(4);
	struct thread_rx t = {
		.r = { .mb = mb, .buf_len = BUF_LEN, .timeout_ns = LONG_NS, .expect = BIG,
		       .len = BIG, .seed = 21, .seq = 1 },
	};
	unsigned char *p = payload(BIG, 21);
	pthread_t th;

	(void)state;
	t.r.sender = getpid();	/* the main thread sends: tid = pid */
	assert_int_equal(pthread_create(&th, NULL, thread_rx_fn, &t), 0);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(msgport_send(mb, p, BIG, 0, 0, LONG_NS, NULL), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t.result, 0);
	free(p);
}

/*
 * A receiving thread whose buffer overlaps the sending thread's gets the
 * bytes as they were sent (the usual path's copy: EDQUOT under the quota),
 * not bytes the copy itself wrote.
 */
static void test_one_copy_overlapping_buffers(void **state)
{
	struct msgport_mailbox *mb = big_mailbox(4);
	size_t span = BIG + 3 * 4096;
	struct thread_rx t = {
		.r = { .mb = mb, .buf_len = BIG, .expect = BIG, .len = BIG, .seed = 23 },
	};
	unsigned char *area;
	pthread_t th;

	(void)state;
	area = tu_mmap(-1, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	assert_true(area != MAP_FAILED);
	tu_fill(area, BIG, 23, 0);
	/* The receive buffer starts 3 pages into the payload being sent. */
	t.buf = area + 3 * 4096;
	assert_int_equal(pthread_create(&th, NULL, thread_rx_fn, &t), 0);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(msgport_send(mb, area, BIG, 0, 0, LONG_NS, NULL), -EDQUOT);
	tu_param_set("max_user_bytes", 64ULL << 20);
	assert_int_equal(msgport_send(mb, area, BIG, 0, 0, LONG_NS, NULL), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t.result, 0);
}

/* A rendezvous send returns once the waiting receiver has the message. */
static void test_one_copy_rendezvous(void **state)
{
	struct msgport_mailbox *mb = big_mailbox(0);
	struct rx r = {
		.mb = mb, .buf_len = BUF_LEN, .timeout_ns = LONG_NS, .expect = BIG,
		.len = BIG, .seed = 11, .prio = 1, .seq = 1, .sender = getpid(),
	};
	unsigned char *p = payload(BIG, 11);
	pid_t pid;

	(void)state;
	pid = start_rx(&r);
	assert_int_equal(msgport_send(mb, p, BIG, 1, MSGPORT_F_SYNC, LONG_NS, NULL), 0);
	assert_child_ok(pid);
	free(p);
}

/*
 * A sender that comes first waits for a receiver on its way (direct.c, "A
 * receiver on its way"): a thread receives in rounds, each time seeing the
 * round start, running on for a while in user space and only then
 * receiving, so the send of each round finds nobody waiting.  Under the
 * quota it can succeed only in one copy, by waiting for the receiver; when
 * it fails (EDQUOT: the receiver came too late for the spin) a small
 * message ends the receiver's round instead.  How long "a while" must be
 * for the sender to be first depends on the machine: each delay is tried
 * first with spin_ns at 0 (no spins), where a send can succeed only if the
 * receiver was first after all; the first delay with (almost) no such
 * round is the one measured, with spins on, where a third of the rounds
 * must go in one copy.
 */
#define AWAIT_ROUNDS	24
#define SKIP_LEN	16

struct await_rx {
	struct msgport_mailbox *mb;
	uint64_t delay_ns;		/* the receiver's time in user space */
	_Atomic unsigned int go;	/* the round the receiver may start */
	_Atomic unsigned int done;	/* the rounds it finished */
	_Atomic bool stop;		/* the sender gave up */
	unsigned int big;		/* rounds that brought the large message whole */
	int error;
};

static void *await_rx_fn(void *arg)
{
	struct await_rx *a = arg;
	unsigned char *buf = malloc(BUF_LEN), *want = malloc(BIG);
	unsigned int i;
	uint64_t until;
	ssize_t n;

	if (!buf || !want) {
		a->error = -ENOMEM;
		goto out;
	}
	memset(buf, 0, BUF_LEN);	/* faulted in: one copy may write it */
	tu_fill(want, BIG, 31, 0);
	for (i = 1; i <= AWAIT_ROUNDS; i++) {
		while (atomic_load(&a->go) < i)
			if (atomic_load(&a->stop))
				goto out;
		until = tu_now_ns() + a->delay_ns;
		while (tu_now_ns() < until)
			;
		n = msgport_recv(a->mb, buf, BUF_LEN, 0, 2 * SHORT_NS, NULL);
		if (n == BIG && !memcmp(buf, want, BIG)) {
			a->big++;
		} else if (n != SKIP_LEN) {
			a->error = n < 0 ? (int)n : -EBADMSG;
			goto out;
		}
		atomic_store(&a->done, i);
	}
out:
	atomic_store(&a->done, AWAIT_ROUNDS);
	free(buf);
	free(want);
	return NULL;
}

/*
 * AWAIT_ROUNDS rounds on a new mailbox, the receiver waiting @delay_ns
 * each time (with @parked, another receiver waits throughout for another
 * process's messages only): how many sends went in one copy, or -1 if
 * something failed.
 */
static int await_rounds(const unsigned char *p, uint64_t delay_ns, bool parked)
{
	static const unsigned char skip[SKIP_LEN];
	struct await_rx *a = calloc(1, sizeof(*a));
	unsigned int i, sent = 0;
	int ret = 0, result;
	pthread_t th;
	pid_t other;

	assert_non_null(a);
	a->mb = big_mailbox(4);
	a->delay_ns = delay_ns;
	other = parked ? tu_park_receiver_for_another(a->mb) : 0;
	assert_int_equal(pthread_create(&th, NULL, await_rx_fn, a), 0);
	for (i = 1; i <= AWAIT_ROUNDS && !ret; i++) {
		atomic_store(&a->go, i);
		ret = msgport_send(a->mb, p, BIG, 0, 0, LONG_NS, NULL);
		if (ret == -EDQUOT)
			ret = msgport_send(a->mb, skip, SKIP_LEN, 0, 0, LONG_NS, NULL);
		else if (!ret)
			sent++;
		while (!ret && atomic_load(&a->done) < i)
			;
	}
	atomic_store(&a->stop, true);
	pthread_join(th, NULL);
	result = ret || a->error || a->big != sent ? -1 : (int)sent;
	if (result < 0)
		fprintf(stderr, "await rounds: send %d, receiver %d, %u received of %u sent\n",
			ret, a->error, a->big, sent);
	if (other)
		tu_unpark(other);
	tu_close(a->mb);
	free(a);
	return result;
}

/*
 * One pass over the delays, shortest first: true once one (at which the
 * receiver is seldom first without spins) gives enough one-copy rounds.
 */
static bool await_pass(const unsigned char *p, unsigned long long spin_ns, bool parked)
{
	static const uint64_t delays_us[] = { 1, 2, 5, 10, 20, 40, 80, 160 };
	int off, on;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(delays_us); k++) {
		assert_int_equal(tu_param_write("spin_ns", 0), 0);
		off = await_rounds(p, delays_us[k] * 1000, parked);
		assert_int_equal(tu_param_write("spin_ns", spin_ns), 0);
		assert_true(off >= 0);
		if (off > AWAIT_ROUNDS / 8)
			continue;	/* the receiver was often first: longer */
		on = await_rounds(p, delays_us[k] * 1000, parked);
		assert_true(on >= 0);
		print_message("receiver %llu us late: one copy in %d of %d rounds, %d without spins\n",
			      (unsigned long long)delays_us[k], on, AWAIT_ROUNDS, off);
		if (on >= AWAIT_ROUNDS / 3 && on >= off + AWAIT_ROUNDS / 4)
			return true;
	}
	return false;
}

static void sender_waits_for_receiver(bool parked)
{
	unsigned char *p = payload(BIG, 31);
	unsigned long long spin_ns;

	assert_int_equal(tu_param_read("spin_ns", &spin_ns), 0);
	assert_true(spin_ns > 0);
	tu_param_set("spin_ns", spin_ns);	/* restored after the test */
	/* A second pass if a busy machine spoiled the first. */
	assert_true(await_pass(p, spin_ns, parked) || await_pass(p, spin_ns, parked));
	free(p);
}

static void test_one_copy_sender_waits_for_receiver(void **state)
{
	(void)state;
	sender_waits_for_receiver(false);
}

/*
 * The same with a receiver parked on the mailbox for another process's
 * messages only (MSGPORT_F_FROM): it waits for none of this sender's, so
 * the sender still waits for the receiver on its way.
 */
static void test_one_copy_sender_waits_past_receiver_for_another(void **state)
{
	(void)state;
	sender_waits_for_receiver(true);
}

/*
 * A receiver whose buffer was never touched cannot be written without a
 * fault: the message goes the usual way (EDQUOT under the quota proves it),
 * the receiver keeps waiting, and gets the next send whole.
 */
static void test_one_copy_untouched_buffer_falls_back(void **state)
{
	struct msgport_mailbox *mb = big_mailbox(4);
	struct rx r = {
		.mb = mb, .buf_len = BUF_LEN, .timeout_ns = LONG_NS, .untouched = true,
		.expect = BIG, .len = BIG, .seed = 13, .seq = 2, .sender = getpid(),
	};
	unsigned char *p = payload(BIG, 13);
	pid_t pid;

	(void)state;
	pid = start_rx(&r);
	assert_int_equal(msgport_send(mb, p, BIG, 0, 0, LONG_NS, NULL), -EDQUOT);
	/* Still waiting, nothing queued, nothing received. */
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_await(mb, TU_QUEUED_MSGS, 0);
	tu_param_set("max_user_bytes", 64ULL << 20);
	assert_int_equal(msgport_send(mb, p, BIG, 0, 0, LONG_NS, NULL), 0);
	assert_child_ok(pid);
	free(p);
}

/*
 * A receiver whose info's page is not present while it waits (reclaimed,
 * say) cannot have its info written without a fault, whichever side of
 * the copy writes it (the sender, or the receiver helping with a large
 * copy): the message goes the usual way (EDQUOT under the quota says so),
 * the receiver keeps waiting, and gets the next send whole, info and all.
 */
static void test_one_copy_info_page_gone_falls_back(void **state)
{
	atomic_int *gone = tu_mmap(-1, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, 0);
	struct msgport_mailbox *mb = big_mailbox(4);
	struct rx r = {
		.mb = mb, .buf_len = BUF_LEN, .timeout_ns = LONG_NS, .info_gone = gone,
		.expect = BIG, .len = BIG, .seed = 14, .seq = 2, .sender = getpid(),
	};
	unsigned char *p = payload(BIG, 14);
	int i;
	pid_t pid;

	(void)state;
	assert_true(gone != MAP_FAILED);
	pid = start_rx(&r);
	for (i = 0; i < TU_AWAIT_MS && !atomic_load(gone); i++)
		usleep(1000);
	assert_int_equal(atomic_load(gone), 1);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(msgport_send(mb, p, BIG, 0, 0, LONG_NS, NULL), -EDQUOT);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_await(mb, TU_QUEUED_MSGS, 0);
	tu_param_set("max_user_bytes", 64ULL << 20);
	assert_int_equal(msgport_send(mb, p, BIG, 0, 0, LONG_NS, NULL), 0);
	assert_child_ok(pid);
	free(p);
}

/*
 * A sender whose buffer faults part way fails with EFAULT as before; the
 * receiver it had claimed waits on, unharmed, for the next message.
 */
static void test_one_copy_sender_fault(void **state)
{
	struct msgport_mailbox *mb = big_mailbox(4);
	struct rx r = {
		.mb = mb, .buf_len = BUF_LEN, .timeout_ns = LONG_NS, .expect = BIG,
		.len = BIG, .seed = 15, .seq = 2, .sender = getpid(),
	};
	unsigned char *bad, *p = payload(BIG, 15);
	pid_t pid;

	(void)state;
	/* The usual path's EFAULT, not its quota, is what is tested here. */
	tu_param_set("max_user_bytes", 64ULL << 20);
	/* A hole in the middle of the payload. */
	bad = payload_with_hole(p, 64 * 1024);
	pid = start_rx(&r);
	assert_int_equal(msgport_send(mb, bad, BIG, 0, 0, LONG_NS, NULL), -EFAULT);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_await(mb, TU_QUEUED_MSGS, 0);
	assert_int_equal(msgport_send(mb, p, BIG, 0, 0, LONG_NS, NULL), 0);
	assert_child_ok(pid);
	free(p);
}

/*
 * A receiver woken to help with a copy writes its info itself, before the
 * copy is done; when the copy then fails (the sender's buffer faults) and
 * its receive ends in an error (here its timeout), it leaves no info of the
 * message it did not get: zeros, as any failed receive.
 */
static void test_one_copy_failed_copy_leaves_no_info(void **state)
{
	struct msgport_mailbox *mb = big_mailbox(4);
	struct rx r = {
		.mb = mb, .buf_len = BUF_LEN, .timeout_ns = 3000ULL * 1000000ULL,
		.raw = true, .expect = -ETIMEDOUT,
	};
	unsigned char *bad, *p = payload(BIG, 16);
	pid_t pid;

	(void)state;
	tu_param_set("max_user_bytes", 64ULL << 20);
	/* A hole near the end: the receiver has joined by then. */
	bad = payload_with_hole(p, 176 * 1024);
	pid = start_rx(&r);
	assert_int_equal(msgport_send(mb, bad, BIG, 0, 0, LONG_NS, NULL), -EFAULT);
	assert_child_ok(pid);
	free(p);
}

/*
 * A receiver in its own user and pid namespaces sees, in a message written
 * in one copy, what it would see in a queued one: the sender's pid as 0
 * (not in its namespace) and its uid as the overflow uid (not mapped).
 */
static void test_one_copy_info_in_receivers_namespaces(void **state)
{
	struct msgport_mailbox *mb = big_mailbox(4);
	struct rx r = {
		.mb = mb, .buf_len = BUF_LEN, .timeout_ns = LONG_NS, .new_userns = true,
		.expect = BIG, .len = BIG, .seed = 17, .seq = 1, .sender = 0, .uid = 65534,
	};
	unsigned char *p = payload(BIG, 17);
	pid_t pid;

	(void)state;
	pid = start_rx(&r);
	assert_int_equal(msgport_send(mb, p, BIG, 0, 0, LONG_NS, NULL), 0);
	assert_child_ok(pid);
	free(p);
}

struct unpriv {
	const char *name;
	int result;
};

/* Unprivileged sender: uid 1000 writes into uid 1001's waiting buffer, within its bounds only. */
static int child_unpriv_send(void *arg)
{
	struct unpriv *u = arg;
	struct msgport_mailbox *mb = NULL;
	unsigned char *p;
	int ret;

	CHILD_CHECK(tu_become(1000, 1000) == 0);
	ret = msgport_mailbox_open(tu_mp(), u->name, MSGPORT_O_SEND, NULL, &mb);
	if (ret)
		fprintf(stderr, "child open: %s\n", msgport_strerror(ret));
	CHILD_CHECK(ret == 0);
	p = malloc(BIG);
	CHILD_CHECK(p);
	tu_fill(p, BIG, 19, 0);
	ret = msgport_send(mb, p, BIG, 0, 0, LONG_NS, NULL);
	if (ret)
		fprintf(stderr, "child send: %s\n", msgport_strerror(ret));
	CHILD_CHECK(ret == 0);
	free(p);
	msgport_mailbox_close(mb);
	return 0;
}

static int child_unpriv_rx(void *arg)
{
	struct rx *r = arg;

	CHILD_CHECK(tu_become(1001, 1001) == 0);
	return do_rx(r);
}

/* Between two unprivileged users, as on a shared machine: bytes, bounds (canaries), info. */
static void test_one_copy_between_users(void **state)
{
	const char *name = tu_name("onecopy");
	struct msgport_mailbox *mb = tu_create(name, 4, MAX_MSG, 0666, 0);
	struct unpriv u = { .name = name };
	struct rx r = {
		.mb = mb, .buf_len = BIG, .timeout_ns = LONG_NS, .expect = BIG, .len = BIG,
		.seed = 19, .seq = 1, .sender = -1, .uid = 1000,
	};
	pid_t rx, tx;

	(void)state;
	rx = tu_fork(child_unpriv_rx, &r);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	tx = tu_fork(child_unpriv_send, &u);
	assert_child_ok(tx);
	assert_child_ok(rx);
}

/* Every test runs with max_user_bytes below a one-copy message's charge. */
static int one_copy_setup(void **state)
{
	int ret = tu_setup(state);

	if (!ret)
		tu_param_set("max_user_bytes", QUOTA);
	return ret;
}

#define ONE_COPY_TEST(f) cmocka_unit_test_setup_teardown(f, one_copy_setup, tu_teardown)

#define PP_ROUNDS	60
#define PP_LEN		(256U * 1024 + 7)

struct pp {
	struct msgport_mailbox *to, *from;
};

/* Child: echo PP_ROUNDS messages back, each checked on the way. */
static int child_echo(void *arg)
{
	struct pp *pp = arg;
	unsigned char *buf = malloc(PP_LEN), *want = malloc(PP_LEN);
	unsigned int i;
	ssize_t n;

	CHILD_CHECK(buf && want);
	for (i = 0; i < PP_ROUNDS; i++) {
		n = msgport_recv(pp->to, buf, PP_LEN, 0, LONG_NS, NULL);
		CHILD_CHECK(n == PP_LEN);
		tu_fill(want, PP_LEN, 100 + i, 0);
		CHILD_CHECK(!memcmp(buf, want, PP_LEN));
		CHILD_CHECK(msgport_send(pp->from, buf, PP_LEN, 0, 0, LONG_NS, NULL) == 0);
	}
	free(buf);
	free(want);
	return 0;
}

/*
 * Large messages back and forth between two processes, each side waiting
 * (and spinning) as the other sends: the copies are one-copy ones, shared
 * by both sides' CPUs when the receiver spins; every byte checked.
 */
static void ping_pong(void)
{
	struct pp pp = { .to = big_mailbox(1), .from = big_mailbox(1) };
	unsigned char *out = malloc(PP_LEN), *in = malloc(PP_LEN);
	struct msgport_stat st;
	unsigned int i;
	pid_t pid;

	assert_non_null(out);
	assert_non_null(in);
	tu_param_set("max_user_bytes", 64ULL << 20);
	memset(in, 0, PP_LEN);
	pid = tu_fork(child_echo, &pp);
	for (i = 0; i < PP_ROUNDS; i++) {
		tu_fill(out, PP_LEN, 100 + i, 0);
		assert_int_equal(msgport_send(pp.to, out, PP_LEN, 0, 0, LONG_NS, NULL), 0);
		assert_int_equal(msgport_recv(pp.from, in, PP_LEN, 0, LONG_NS, NULL), PP_LEN);
		assert_memory_equal(in, out, PP_LEN);
	}
	assert_child_ok(pid);
	memset(&st, 0, sizeof(st));
	assert_int_equal(msgport_mailbox_stat(pp.to, &st), 0);
	assert_int_equal(st.received, PP_ROUNDS);
	free(out);
	free(in);
}

static void test_one_copy_ping_pong(void **state)
{
	(void)state;
	ping_pong();
}

/*
 * The same without spins (spin_ns=0): each receiver sleeps until its
 * sender claims it, and is woken to take its share of a copy long enough
 * to be worth a wake-up; every byte checked.
 */
static void test_one_copy_ping_pong_sleeping(void **state)
{
	(void)state;
	tu_param_set("spin_ns", 0);
	ping_pong();
}

/*
 * A receiver slower than its sender: messages made in kernel memory, and
 * the sender, back with the next one while the receiver copies the last
 * out, helps with that copy (direct.c, "Senders help receivers"; msgport-test
 * trace shows it happen), or, where the receiver's pages are not present,
 * gives its part back to the receiver.  Every byte of every message is
 * checked, with spins and without, into a buffer touched and a fresh one.
 */
static void test_one_copy_senders_help_slow_receiver(void **state)
{
	(void)state;
	tu_param_set("max_user_bytes", 64ULL << 20);
	tu_stream_to_slow_receiver(big_mailbox(2), PP_LEN, 30, 1000, 300, false);
	tu_stream_to_slow_receiver(big_mailbox(2), PP_LEN, 30, 1000, 350, true);
	tu_param_set("spin_ns", 0);
	tu_stream_to_slow_receiver(big_mailbox(2), PP_LEN, 30, 1000, 400, false);
}

static const struct CMUnitTest one_copy_tests[] = {
	ONE_COPY_TEST(test_one_copy_to_waiting_receiver),
	ONE_COPY_TEST(test_one_copy_truncating_receiver),
	ONE_COPY_TEST(test_one_copy_noinfo_receiver),
	ONE_COPY_TEST(test_one_copy_between_threads),
	ONE_COPY_TEST(test_one_copy_overlapping_buffers),
	ONE_COPY_TEST(test_one_copy_rendezvous),
	ONE_COPY_TEST(test_one_copy_sender_waits_for_receiver),
	ONE_COPY_TEST(test_one_copy_sender_waits_past_receiver_for_another),
	ONE_COPY_TEST(test_one_copy_untouched_buffer_falls_back),
	ONE_COPY_TEST(test_one_copy_sender_fault),
	ONE_COPY_TEST(test_one_copy_info_in_receivers_namespaces),
	ONE_COPY_TEST(test_one_copy_info_page_gone_falls_back),
	ONE_COPY_TEST(test_one_copy_failed_copy_leaves_no_info),
	ONE_COPY_TEST(test_one_copy_between_users),
	ONE_COPY_TEST(test_one_copy_ping_pong),
	ONE_COPY_TEST(test_one_copy_ping_pong_sleeping),
	ONE_COPY_TEST(test_one_copy_senders_help_slow_receiver),
};

MSGPORT_SUITE(one_copy_suite, MSGPORT_GROUP_MODULE, 450, "one-copy",
	      "large messages written straight into a waiting receiver, and every fallback",
	      one_copy_tests);
