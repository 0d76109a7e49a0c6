// SPDX-License-Identifier: GPL-2.0
/*
 * msgport_kunit.ko: KUnit tests of msgport.ko's internals.
 *
 * Built only for a kernel with CONFIG_KUNIT (the debug kernel; see Kbuild),
 * against the symbols msgport.ko exports in the MSGPORT_KUNIT namespace
 * (EXPORT_SYMBOL_NS_GPL next to each definition).  Load it after msgport.ko, on a freshly loaded
 * msgport with no mailbox: `modprobe msgport_kunit`; the results are KTAP in
 * the kernel log and in <debugfs>/kunit/<suite>/results.
 *
 * Suites
 *   msgport_queue  one mailbox driven through mp_send()/mp_recv():
 *                  priority order, FIFO within a priority, capacity, byte
 *                  and object accounting, size/priority/quota limits, too
 *                  small buffers, peek, truncation, rendezvous, hand-off to a
 *                  waiting receiver (and no overtaking of a queued message
 *                  by one handed off), sync-send withdrawal, destruction,
 *                  the scoring of spins (wait.c).
 *   msgport_names  name validation and the name table: create, exclusive
 *                  create, open, unlink, ephemeral mailboxes, max_mailboxes.
 *   msgport_span   region span validation (mp_span_check()).
 *
 * User memory: send and receive copy from and to user space, and KUnit runs
 * each case in a kernel thread.  The msgport_queue suite's suite_init runs in
 * the task loading this module (modprobe/insmod): it maps a scratch buffer
 * into that task's address space and pins the mm, and each case (and its
 * helper receiver thread) adopts that mm with kthread_use_mm(), so the real
 * copy paths run.  Descriptors made by the name-table cases live in the
 * kernel threads' shared file table and are closed before the case ends.
 *
 * Every case checks that msgport's object counters (messages, bytes,
 * mailboxes, files) are back where they started once its objects are gone.
 */
#include <kunit/test.h>
#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "msgport.h"

MODULE_IMPORT_NS(MP_TEST_NS);

/* The scratch buffer in the loading task's address space. */
#define SCRATCH_SIZE	(64 * 1024)
#define SEND_OFF	0
#define SEND_MAX	(16 * 1024)
#define RECV_OFF	(16 * 1024)
#define RECV_MAX	(16 * 1024)
#define INFO_OFF	(32 * 1024)
#define RX_OFF		(36 * 1024)	/* the helper receiver thread's */
#define RX_INFO_OFF	(52 * 1024)

static struct mm_struct *kunit_mm;
static unsigned long scratch;

struct counters {
	long messages;
	long bytes;
	long mailboxes;
	long files;
};

static void counters_read(struct counters *c)
{
	c->messages = mp_objects_messages();
	c->bytes = mp_objects_bytes();
	c->mailboxes = atomic_long_read(&mp_objects.mailboxes);
	c->files = atomic_long_read(&mp_objects.files);
}

static void expect_counters(struct kunit *test, const struct counters *base)
{
	struct counters now;

	counters_read(&now);
	KUNIT_EXPECT_EQ_MSG(test, now.messages, base->messages, "messages leaked");
	KUNIT_EXPECT_EQ_MSG(test, now.bytes, base->bytes, "bytes leaked");
	KUNIT_EXPECT_EQ_MSG(test, now.mailboxes, base->mailboxes, "mailboxes leaked");
	KUNIT_EXPECT_EQ_MSG(test, now.files, base->files, "files leaked");
}

/* msgport_queue: one unlinked mailbox per case */

struct queue_ctx {
	struct counters base;
	struct mp_mailbox *mb;
};

static int queue_suite_init(struct kunit_suite *suite)
{
	unsigned long addr;

	if (!current->mm)
		return -EINVAL;	/* not loaded by a user task */
	addr = vm_mmap(NULL, 0, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	mmget(current->mm);
	kunit_mm = current->mm;
	scratch = addr;
	return 0;
}

static void queue_suite_exit(struct kunit_suite *suite)
{
	if (current->mm == kunit_mm)
		vm_munmap(scratch, SCRATCH_SIZE);
	mmput(kunit_mm);
	kunit_mm = NULL;
}

static int queue_init(struct kunit *test)
{
	struct queue_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;
	kthread_use_mm(kunit_mm);
	counters_read(&ctx->base);
	return 0;
}

static void queue_exit(struct kunit *test)
{
	struct queue_ctx *ctx = test->priv;

	if (ctx->mb) {
		mp_mailbox_destroy(ctx->mb);
		mp_mailbox_put(ctx->mb);
		ctx->mb = NULL;
	}
	kthread_unuse_mm(kunit_mm);
	expect_counters(test, &ctx->base);
}

/* A mailbox as registry.c would create it, but not in the name table. */
static struct mp_mailbox *mk(struct kunit *test, u32 capacity,
			     u32 max_msg_size)
{
	struct queue_ctx *ctx = test->priv;
	struct mp_mailbox *mb = mp_mailbox_alloc();

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mb);
	mb->capacity = capacity;
	mb->max_msg_size = max_msg_size;
	mb->mode = 0600;
	mb->uid = current_euid();
	mb->gid = current_egid();
	strscpy(mb->name, "kunit", sizeof(mb->name));
	mb->name_len = strlen(mb->name);
	ctx->mb = mb;
	return mb;
}

static void __user *uptr(unsigned long off)
{
	return (void __user *)(scratch + off);
}

static int send_msg(struct kunit *test, struct mp_mailbox *mb, u32 prio,
		    const void *data, u32 len, u32 flags, u64 timeout_ns,
		    u64 *seq)
{
	struct mp_xfer x = { };
	int ret;

	KUNIT_ASSERT_LE(test, len, (u32)SEND_MAX);
	if (len)
		KUNIT_ASSERT_EQ(test, copy_to_user(uptr(SEND_OFF), data, len), 0UL);
	x.buf = uptr(SEND_OFF);
	x.len = len;
	x.flags = flags;
	x.prio = prio;
	x.timeout_ns = timeout_ns;
	ret = mp_send(mb, &x);
	if (!ret && seq)
		*seq = x.seq;
	return ret;
}

static long recv_msg(struct kunit *test, struct mp_mailbox *mb,
		     void *data, u32 len, u32 flags,
		     struct msgport_msginfo *info)
{
	struct mp_xfer x = { };
	long ret;

	KUNIT_ASSERT_LE(test, len, (u32)RECV_MAX);
	x.buf = uptr(RECV_OFF);
	x.len = len;
	x.flags = flags;
	x.uinfo = uptr(INFO_OFF);
	ret = mp_recv(mb, &x);
	if (ret > 0 && data)
		KUNIT_ASSERT_EQ(test, copy_from_user(data, uptr(RECV_OFF),
						     min_t(long, ret, len)), 0UL);
	if (info && (ret >= 0 || ret == -EMSGSIZE))
		KUNIT_ASSERT_EQ(test, copy_from_user(info, uptr(INFO_OFF),
						     sizeof(*info)), 0UL);
	return ret;
}

static void stat_of(struct mp_mailbox *mb, struct msgport_stat *st)
{
	mp_mailbox_stat(mb, st);
}

static void test_priority_order(struct kunit *test)
{
	static const struct { u32 prio; char c; } sends[] = {
		{ 3, 'a' }, { 10, 'b' }, { 3, 'c' }, { 31, 'd' }, { 0, 'e' }, { 10, 'f' },
	};
	static const char order[] = "dbface";
	struct mp_mailbox *mb = mk(test, MSGPORT_CAPACITY_UNBOUNDED, 64);
	struct msgport_msginfo info;
	u64 seq[ARRAY_SIZE(sends)];
	unsigned int i, j;
	char c;

	for (i = 0; i < ARRAY_SIZE(sends); i++) {
		KUNIT_ASSERT_EQ(test, send_msg(test, mb, sends[i].prio, &sends[i].c,
					       1, MSGPORT_F_NONBLOCK, 0, &seq[i]), 0);
		KUNIT_EXPECT_EQ(test, seq[i], (u64)i + 1);
	}
	for (i = 0; i < ARRAY_SIZE(sends); i++) {
		KUNIT_ASSERT_EQ(test, recv_msg(test, mb, &c, 1, MSGPORT_F_NONBLOCK, &info), 1L);
		KUNIT_EXPECT_EQ(test, c, order[i]);
		for (j = 0; j < ARRAY_SIZE(sends) && sends[j].c != c; j++)
			;
		KUNIT_ASSERT_LT(test, j, (unsigned int)ARRAY_SIZE(sends));
		KUNIT_EXPECT_EQ(test, info.priority, sends[j].prio);
		KUNIT_EXPECT_EQ(test, info.seq, seq[j]);
		KUNIT_EXPECT_EQ(test, info.len, 1U);
	}
	KUNIT_EXPECT_EQ(test, recv_msg(test, mb, &c, 1, MSGPORT_F_NONBLOCK, NULL), (long)-EAGAIN);
}

static void test_fifo_within_priority(struct kunit *test)
{
	struct mp_mailbox *mb = mk(test, MSGPORT_CAPACITY_UNBOUNDED, 64);
	u32 i, v;

	for (i = 0; i < 200; i++)
		KUNIT_ASSERT_EQ(test, send_msg(test, mb, 7, &i, sizeof(i), 0, 0, NULL), 0);
	for (i = 0; i < 200; i++) {
		KUNIT_ASSERT_EQ(test, recv_msg(test, mb, &v, sizeof(v), 0, NULL), (long)sizeof(v));
		KUNIT_EXPECT_EQ(test, v, i);
	}
}

static void test_capacity(struct kunit *test)
{
	struct mp_mailbox *mb = mk(test, 3, 64);
	struct msgport_stat st;
	char c = 'x';
	int i;

	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, send_msg(test, mb, 0, &c, 1, MSGPORT_F_NONBLOCK, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, &c, 1, MSGPORT_F_NONBLOCK, 0, NULL), -EAGAIN);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, &c, 1, MSGPORT_F_TIMEOUT, 0, NULL), -ETIMEDOUT);
	/* A real (1 ms) sleep on a full mailbox. */
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, &c, 1, MSGPORT_F_TIMEOUT,
				       NSEC_PER_MSEC, NULL), -ETIMEDOUT);
	stat_of(mb, &st);
	KUNIT_EXPECT_EQ(test, st.queued_msgs, 3ULL);
	KUNIT_EXPECT_EQ(test, st.sent, 3ULL);
	KUNIT_EXPECT_EQ(test, st.waiting_senders, 0U);

	KUNIT_EXPECT_EQ(test, recv_msg(test, mb, &c, 1, 0, NULL), 1L);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, &c, 1, MSGPORT_F_NONBLOCK, 0, NULL), 0);
	stat_of(mb, &st);
	KUNIT_EXPECT_EQ(test, st.queued_msgs, 3ULL);
	KUNIT_EXPECT_EQ(test, st.sent, 4ULL);
	KUNIT_EXPECT_EQ(test, st.received, 1ULL);
}

static void test_byte_accounting(struct kunit *test)
{
	static const u32 sizes[] = { 0, 1, 100, 4096, 777 };
	struct queue_ctx *ctx = test->priv;
	struct mp_mailbox *mb = mk(test, MSGPORT_CAPACITY_UNBOUNDED, 4096);
	struct msgport_msginfo info;
	struct msgport_stat st;
	u64 total = 0;
	char *buf;
	unsigned int i;

	buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(buf, 'A' + i, sizes[i]);
		KUNIT_ASSERT_EQ(test, send_msg(test, mb, 0, buf, sizes[i], 0, 0, NULL), 0);
		total += sizes[i];
		stat_of(mb, &st);
		KUNIT_EXPECT_EQ(test, st.queued_msgs, (u64)i + 1);
		KUNIT_EXPECT_EQ(test, st.queued_bytes, total);
		KUNIT_EXPECT_EQ(test, mp_objects_bytes(),
				ctx->base.bytes + (long)total);
		KUNIT_EXPECT_EQ(test, mp_objects_messages(),
				ctx->base.messages + (long)i + 1);
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(buf, 0, 4096);
		KUNIT_ASSERT_EQ(test, recv_msg(test, mb, buf, 4096, 0, &info), (long)sizes[i]);
		KUNIT_EXPECT_EQ(test, info.len, sizes[i]);
		if (sizes[i]) {
			KUNIT_EXPECT_EQ(test, buf[0], (char)('A' + i));
			KUNIT_EXPECT_EQ(test, buf[sizes[i] - 1], (char)('A' + i));
		}
		total -= sizes[i];
		stat_of(mb, &st);
		KUNIT_EXPECT_EQ(test, st.queued_bytes, total);
	}
	KUNIT_EXPECT_EQ(test, mp_objects_bytes(), ctx->base.bytes);
}

static void test_limits(struct kunit *test)
{
	struct mp_mailbox *mb = mk(test, MSGPORT_CAPACITY_UNBOUNDED, 1024);
	unsigned long saved = READ_ONCE(mp_max_user_bytes);
	struct mp_quota *q;
	struct msgport_stat st;
	size_t charge;
	char *buf;

	buf = kunit_kzalloc(test, 1025, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, buf, 1025, 0, 0, NULL), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, MSGPORT_PRIO_MAX + 1, buf, 1, 0, 0, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, MSGPORT_PRIO_MAX, buf, 1024, 0, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, recv_msg(test, mb, NULL, 1024, 0, NULL), 1024L);

	/*
	 * The per-user byte limit, in what messages are charged (header and
	 * buffer): room for one 600-byte message and not a second.
	 */
	charge = mp_msg_charge(600);
	WRITE_ONCE(mp_max_user_bytes, 2 * charge - 1);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, buf, 600, 0, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, buf, 600, 0, 0, NULL), -EDQUOT);
	stat_of(mb, &st);
	KUNIT_EXPECT_EQ(test, st.queued_msgs, 1ULL);
	KUNIT_EXPECT_EQ(test, mp_quota_charge(charge, &q), -EDQUOT);
	KUNIT_EXPECT_EQ(test, mp_quota_charge(charge - 1, &q), 0);
	mp_quota_uncharge(q, charge - 1);
	KUNIT_EXPECT_EQ(test, mp_quota_charge(2 * charge, &q), -EDQUOT);
	KUNIT_EXPECT_EQ(test, recv_msg(test, mb, NULL, 1024, MSGPORT_F_NONBLOCK, NULL), 600L);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, buf, 600, 0, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, recv_msg(test, mb, NULL, 1024, MSGPORT_F_NONBLOCK, NULL), 600L);
	WRITE_ONCE(mp_max_user_bytes, saved);
}

/*
 * A user whose record only charges hold (messages queued, no descriptor
 * that sends: here a uid nothing else uses) is charged again on that same
 * record, within the limit, without a reference (user_quota.c's top), and
 * the record goes with its last bytes.
 */
static void test_quota_charged_only(struct kunit *test)
{
	unsigned long saved = READ_ONCE(mp_max_user_bytes);
	struct mp_quota *q1, *q2, *q3, *q4;
	const struct cred *old;
	struct cred *cred;

	cred = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->euid = KUIDT_INIT(4242);
	old = override_creds(cred);
	WRITE_ONCE(mp_max_user_bytes, 120);
	if (mp_quota_charge(100, &q1)) {
		KUNIT_FAIL(test, "first charge refused");
		goto out;
	}
	/* Over the limit, on the charged-only record: refused, nothing changed. */
	if (!mp_quota_charge(21, &q4)) {
		KUNIT_FAIL(test, "charge over the limit taken");
		mp_quota_uncharge(q4, 21);
	}
	if (mp_quota_charge(20, &q2)) {
		KUNIT_FAIL(test, "charge within the limit refused");
		mp_quota_uncharge(q1, 100);
		goto out;
	}
	KUNIT_EXPECT_PTR_EQ(test, q2, q1);
	mp_quota_uncharge(q1, 100);
	/* Still charged (20): the same record. */
	if (mp_quota_charge(100, &q3)) {
		KUNIT_FAIL(test, "charge on a record held by its bytes refused");
		mp_quota_uncharge(q2, 20);
		goto out;
	}
	KUNIT_EXPECT_PTR_EQ(test, q3, q1);
	if (!mp_quota_charge(1, &q4)) {
		KUNIT_FAIL(test, "charge over the limit taken");
		mp_quota_uncharge(q4, 1);
	}
	mp_quota_uncharge(q2, 20);
	mp_quota_uncharge(q3, 100);
out:
	WRITE_ONCE(mp_max_user_bytes, saved);
	revert_creds(old);
	put_cred(cred);
}

static void test_small_buffer_peek_trunc(struct kunit *test)
{
	struct mp_mailbox *mb = mk(test, MSGPORT_CAPACITY_UNBOUNDED, 256);
	struct msgport_msginfo info;
	struct msgport_stat st;
	char out[100], in[100];

	memset(out, 'q', sizeof(out));
	KUNIT_ASSERT_EQ(test, send_msg(test, mb, 5, out, sizeof(out), 0, 0, NULL), 0);

	KUNIT_EXPECT_EQ(test, recv_msg(test, mb, in, 10, 0, &info), (long)-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, info.len, 100U);
	stat_of(mb, &st);
	KUNIT_EXPECT_EQ(test, st.queued_msgs, 1ULL);

	memset(in, 0, sizeof(in));
	KUNIT_EXPECT_EQ(test, recv_msg(test, mb, in, sizeof(in), MSGPORT_F_PEEK, &info), 100L);
	KUNIT_EXPECT_EQ(test, memcmp(in, out, sizeof(in)), 0);
	KUNIT_EXPECT_EQ(test, info.priority, 5U);
	stat_of(mb, &st);
	KUNIT_EXPECT_EQ(test, st.queued_msgs, 1ULL);
	KUNIT_EXPECT_EQ(test, st.received, 0ULL);

	KUNIT_EXPECT_EQ(test, recv_msg(test, mb, in, 10, MSGPORT_F_TRUNC, &info), 10L);
	KUNIT_EXPECT_EQ(test, info.len, 100U);
	stat_of(mb, &st);
	KUNIT_EXPECT_EQ(test, st.queued_msgs, 0ULL);
	KUNIT_EXPECT_EQ(test, st.queued_bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, st.received, 1ULL);
}

static void test_rendezvous_nonblock(struct kunit *test)
{
	struct mp_mailbox *mb = mk(test, 0, 64);
	struct msgport_stat st;
	char c = 'r';

	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, &c, 1, MSGPORT_F_NONBLOCK, 0, NULL), -EAGAIN);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, &c, 1, MSGPORT_F_TIMEOUT,
				       NSEC_PER_MSEC, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, recv_msg(test, mb, &c, 1, MSGPORT_F_NONBLOCK, NULL), (long)-EAGAIN);
	stat_of(mb, &st);
	KUNIT_EXPECT_EQ(test, st.sent, 0ULL);
	KUNIT_EXPECT_EQ(test, st.queued_msgs, 0ULL);
}

static void test_sync_withdrawn(struct kunit *test)
{
	struct mp_mailbox *mb = mk(test, 4, 64);
	struct msgport_stat st;
	char c = 's';

	/* Nobody receives: the sync send times out and its message is gone. */
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, &c, 1, MSGPORT_F_SYNC | MSGPORT_F_TIMEOUT,
				       2 * NSEC_PER_MSEC, NULL), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, &c, 1, MSGPORT_F_SYNC | MSGPORT_F_NONBLOCK,
				       0, NULL), -EAGAIN);
	stat_of(mb, &st);
	KUNIT_EXPECT_EQ(test, st.queued_msgs, 0ULL);
	KUNIT_EXPECT_EQ(test, st.sent, 0ULL);
	KUNIT_EXPECT_EQ(test, recv_msg(test, mb, &c, 1, MSGPORT_F_NONBLOCK, NULL), (long)-EAGAIN);
}

struct rx {
	struct mp_mailbox *mb;
	unsigned long off;	/* its part of the scratch buffer */
	struct completion done;
	long ret;
	char data[16];
};

static int rx_thread(void *arg)
{
	struct rx *rx = arg;
	struct mp_xfer x = { };

	kthread_use_mm(kunit_mm);
	x.buf = uptr(RX_OFF + rx->off);
	x.len = sizeof(rx->data);
	x.flags = MSGPORT_F_TIMEOUT;
	x.timeout_ns = 10ULL * NSEC_PER_SEC;
	x.uinfo = uptr(RX_INFO_OFF + rx->off);
	rx->ret = mp_recv(rx->mb, &x);
	if (rx->ret > 0 && copy_from_user(rx->data, uptr(RX_OFF + rx->off), rx->ret))
		rx->ret = -EFAULT;
	kthread_unuse_mm(kunit_mm);
	complete(&rx->done);
	return 0;
}

static void test_handoff_rendezvous(struct kunit *test)
{
	struct mp_mailbox *mb = mk(test, 0, 64);
	struct task_struct *t;
	struct msgport_stat st;
	struct rx *rx;
	int i;

	rx = kunit_kzalloc(test, sizeof(*rx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rx);
	rx->mb = mb;
	init_completion(&rx->done);
	t = kthread_run(rx_thread, rx, "msgport-kunit-rx");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));

	for (i = 0; i < 5000; i++) {
		stat_of(mb, &st);
		if (st.waiting_receivers)
			break;
		usleep_range(1000, 2000);
	}
	KUNIT_EXPECT_EQ(test, st.waiting_receivers, 1U);
	/* A receiver waits: even a non-blocking rendezvous send is taken. */
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 2, "hand-off", 8, MSGPORT_F_NONBLOCK, 0, NULL), 0);
	if (!wait_for_completion_timeout(&rx->done, 15 * HZ)) {
		mp_mailbox_destroy(mb);	/* it wakes with -EIDRM */
		wait_for_completion(&rx->done);
		KUNIT_FAIL(test, "the receiver did not get the message");
		return;
	}
	KUNIT_EXPECT_EQ(test, rx->ret, 8L);
	KUNIT_EXPECT_EQ(test, memcmp(rx->data, "hand-off", 8), 0);
	stat_of(mb, &st);
	KUNIT_EXPECT_EQ(test, st.sent, 1ULL);
	KUNIT_EXPECT_EQ(test, st.received, 1ULL);
	KUNIT_EXPECT_EQ(test, st.waiting_receivers, 0U);
}

/*
 * FIFO within a priority holds for waiting receivers too: two receivers
 * with 16-byte buffers wait; a 100-byte message then an 8-byte one arrive.
 * Neither receiver may take the second before the first is gone: both get
 * -EMSGSIZE, and a big enough receive then gets the two in order.  The
 * window in which a hand-off could overtake is short (until the first
 * receiver runs), so the scenario is repeated.
 */
static void test_no_overtaking(struct kunit *test)
{
	struct mp_mailbox *mb = mk(test, MSGPORT_CAPACITY_UNBOUNDED, 256);
	struct msgport_msginfo info;
	struct msgport_stat st;
	char big[100], in[128];
	int round, i, j, overtaken = 0;
	struct rx *rx;

	rx = kunit_kcalloc(test, 2, sizeof(*rx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rx);
	memset(big, 'B', sizeof(big));
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 2; i++) {
			struct task_struct *t;

			rx[i].mb = mb;
			rx[i].off = i * 64;
			rx[i].ret = 0;
			init_completion(&rx[i].done);
			t = kthread_run(rx_thread, &rx[i], "msgport-kunit-rx%d", i);
			KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		}
		for (j = 0; j < 5000; j++) {
			stat_of(mb, &st);
			if (st.waiting_receivers == 2)
				break;
			usleep_range(500, 1000);
		}
		KUNIT_EXPECT_EQ(test, st.waiting_receivers, 2U);
		KUNIT_EXPECT_EQ(test, send_msg(test, mb, 4, big, sizeof(big), 0, 0, NULL), 0);
		KUNIT_EXPECT_EQ(test, send_msg(test, mb, 4, "small!!!", 8, 0, 0, NULL), 0);
		for (i = 0; i < 2; i++) {
			if (!wait_for_completion_timeout(&rx[i].done, 15 * HZ)) {
				mp_mailbox_destroy(mb);
				wait_for_completion(&rx[i].done);
			}
			if (rx[i].ret != -EMSGSIZE)
				overtaken++;
		}
		/* Drain: whatever is left comes in order, the big one first. */
		if (recv_msg(test, mb, in, sizeof(in), MSGPORT_F_NONBLOCK, &info) == 100)
			KUNIT_EXPECT_EQ(test, recv_msg(test, mb, in, sizeof(in),
						       MSGPORT_F_NONBLOCK, &info), 8L);
		while (recv_msg(test, mb, in, sizeof(in), MSGPORT_F_NONBLOCK, &info) >= 0)
			;
		if (overtaken)
			break;
	}
	KUNIT_EXPECT_EQ_MSG(test, overtaken, 0,
			    "a waiting receiver took a message that overtook a queued one (round %d)",
			    round);
}

static void test_destroy(struct kunit *test)
{
	struct queue_ctx *ctx = test->priv;
	struct mp_mailbox *mb = mk(test, MSGPORT_CAPACITY_UNBOUNDED, 64);
	struct msgport_stat st;
	char c = 'd';
	int i;

	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, send_msg(test, mb, i, &c, 1, 0, 0, NULL), 0);
	mp_mailbox_destroy(mb);
	stat_of(mb, &st);
	KUNIT_EXPECT_TRUE(test, st.flags & MSGPORT_STAT_UNLINKED);
	KUNIT_EXPECT_EQ(test, st.dropped, 3ULL);
	KUNIT_EXPECT_EQ(test, st.queued_msgs, 0ULL);
	KUNIT_EXPECT_EQ(test, st.queued_bytes, 0ULL);
	KUNIT_EXPECT_EQ(test, mp_objects_messages(), ctx->base.messages);
	KUNIT_EXPECT_EQ(test, send_msg(test, mb, 0, &c, 1, 0, 0, NULL), -EIDRM);
	KUNIT_EXPECT_EQ(test, recv_msg(test, mb, &c, 1, 0, NULL), (long)-EIDRM);
}

/* A message for the index tests: never copied, charged or freed. */
static struct mp_msg *fake_msg(struct kunit *test, struct pid *tgid, u32 prio)
{
	struct mp_msg *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	INIT_LIST_HEAD(&m->link);
	INIT_LIST_HEAD(&m->qcall);
	INIT_LIST_HEAD(&m->sgroup);
	RB_CLEAR_NODE(&m->snode);
	m->tgid = tgid;
	m->prio = prio;
	refcount_set(&m->ref, 1);
	return m;
}

/*
 * The index by sender (queue.c): a sender's first message in queue order
 * (priority, then FIFO), through puts back at the head and removals of
 * group leaders and followers, and an empty index once all are gone.
 */
static void test_sender_index(struct kunit *test)
{
	static const u32 prios[] = { 1, 5, 5, 1, 0, 5 };
	static char a_id, b_id;	/* two senders: only their addresses matter */
	struct pid *a = (struct pid *)&a_id, *b = (struct pid *)&b_id;
	struct mp_mailbox *mb = mk(test, MSGPORT_CAPACITY_UNBOUNDED, 64);
	struct pid *who[] = { a, b, a, a, b, a };
	struct mp_msg *m[6], *got[9];
	struct mp_wake wk = { };
	unsigned int i;
	bool empty;

	for (i = 0; i < ARRAY_SIZE(m); i++)
		m[i] = fake_msg(test, who[i], prios[i]);
	/* Looked up under the lock, checked after it (a report may sleep). */
	spin_lock(&mb->lock);
	for (i = 0; i < ARRAY_SIZE(m); i++)
		mp_queue_insert(mb, m[i], false, &wk);
	got[0] = mp_queue_first(mb, a);
	got[1] = mp_queue_first(mb, b);
	mp_queue_unlink(mb, m[2]);		/* a leader: the next leads */
	got[2] = mp_queue_first(mb, a);
	mp_queue_insert(mb, m[2], true, &wk);	/* put back: leads again */
	got[3] = mp_queue_first(mb, a);
	mp_queue_unlink(mb, m[5]);		/* a follower */
	mp_queue_unlink(mb, m[2]);
	got[4] = mp_queue_first(mb, a);
	mp_queue_unlink(mb, m[1]);
	got[5] = mp_queue_first(mb, b);
	mp_queue_unlink(mb, m[0]);
	got[6] = mp_queue_first(mb, a);
	mp_queue_unlink(mb, m[3]);
	got[7] = mp_queue_first(mb, a);
	mp_queue_unlink(mb, m[4]);
	got[8] = mp_queue_first(mb, b);
	empty = RB_EMPTY_ROOT(&mb->senders) && !mb->nmsgs;
	spin_unlock(&mb->lock);

	KUNIT_EXPECT_PTR_EQ(test, got[0], m[2]);
	KUNIT_EXPECT_PTR_EQ(test, got[1], m[1]);
	KUNIT_EXPECT_PTR_EQ(test, got[2], m[5]);
	KUNIT_EXPECT_PTR_EQ(test, got[3], m[2]);
	KUNIT_EXPECT_PTR_EQ(test, got[4], m[0]);
	KUNIT_EXPECT_PTR_EQ(test, got[5], m[4]);
	KUNIT_EXPECT_PTR_EQ(test, got[6], m[3]);
	KUNIT_EXPECT_NULL(test, got[7]);
	KUNIT_EXPECT_NULL(test, got[8]);
	KUNIT_EXPECT_TRUE(test, empty);
}

/*
 * A wake-up's latency is a sample of its own mailbox's wake-up time only
 * (the spin budget of that mailbox's waiters): another mailbox's, maybe
 * another user's, stays as it was.  The average: 1/8 weight to a sample,
 * capped at four times the average (and a microsecond); one over a second
 * is ignored.
 */
static void test_wake_time_per_mailbox(struct kunit *test)
{
	struct mp_mailbox *mb = mk(test, 4, 64);
	struct mp_mailbox *other = mp_mailbox_alloc();
	u32 first, one;

	KUNIT_EXPECT_EQ(test, mp_wait_wake_average(8000, 16000), 9000U);
	KUNIT_EXPECT_EQ(test, mp_wait_wake_average(8000, 0), 7000U);
	KUNIT_EXPECT_EQ(test, mp_wait_wake_average(8000, 10 * NSEC_PER_MSEC),
			7000U + (4 * 8000U + 1000U) / 8);
	KUNIT_EXPECT_EQ(test, mp_wait_wake_average(8000, 2 * NSEC_PER_SEC),
			8000U);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	first = mb->wake_ns;
	spin_lock(&mb->lock);
	/* 8 ms late: over the cap, however long this takes (under a second). */
	mp_wait_note_wake(mb, ktime_get_mono_fast_ns() - 8 * NSEC_PER_MSEC);
	one = mb->wake_ns;
	spin_unlock(&mb->lock);

	KUNIT_EXPECT_EQ(test, first, (u32)MP_WAKE_NS_FIRST);
	KUNIT_EXPECT_EQ(test, one, mp_wait_wake_average(first, 8 * NSEC_PER_MSEC));
	KUNIT_EXPECT_EQ(test, other->wake_ns, (u32)MP_WAKE_NS_FIRST);
	KUNIT_EXPECT_EQ(test, other->copy_ns_kib, (u32)MP_COPY_NS_KIB_FIRST);
	mp_mailbox_put(other);
}

/* A receiver that runs: busy on its CPU until stopped. */
static int busy_thread(void *arg)
{
	while (!kthread_should_stop()) {
		cpu_relax();
		cond_resched();
	}
	return 0;
}

static bool spin_over(const void *arg)
{
	return true;
}

static enum mp_spin_end end_moot(const void *arg)
{
	return MP_SPIN_MOOT;
}

static enum mp_spin_end end_wasted(const void *arg)
{
	return MP_SPIN_WASTED;
}

#define AWAIT_SPINS	10

/*
 * A sender's spin for a receiver on its way (direct.c) that someone else
 * ends (another sender's message queued first) is not scored, neither as
 * wasted nor as paid: after two wasted spins, however many such ends leave
 * the debt as it was and spins go on, and one more wasted spin stops them.
 * The last receiver is a thread busy on another CPU, so that each spin
 * starts.
 */
static void test_await_score(struct kunit *test)
{
	static const enum mp_spin_end ends[AWAIT_SPINS] = {
		MP_SPIN_WASTED, MP_SPIN_WASTED, MP_SPIN_MOOT, MP_SPIN_MOOT,
		MP_SPIN_MOOT, MP_SPIN_MOOT, MP_SPIN_MOOT, MP_SPIN_MOOT,
		MP_SPIN_WASTED, MP_SPIN_MOOT,
	};
	struct mp_mailbox *mb = mk(test, 4, 64);
	bool spun[AWAIT_SPINS];
	struct task_struct *peer;
	cpumask_var_t mask;
	u8 debt[AWAIT_SPINS];
	int i, cpu;

	if (num_online_cpus() < 2 || !READ_ONCE(mp_spin_ns))
		kunit_skip(test, "needs two CPUs and spin_ns > 0");
	KUNIT_ASSERT_TRUE(test, alloc_cpumask_var(&mask, GFP_KERNEL));
	cpu = cpumask_first(cpu_online_mask);
	peer = kthread_create(busy_thread, NULL, "msgport-kunit-busy");
	if (IS_ERR(peer)) {
		free_cpumask_var(mask);
		KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(peer));
		return;
	}
	kthread_bind(peer, cpumask_next(cpu, cpu_online_mask));
	wake_up_process(peer);
	/* This task on the other CPU: the peer runs there, not here. */
	cpumask_copy(mask, current->cpus_ptr);
	set_cpus_allowed_ptr(current, cpumask_of(cpu));
	mb->last_receiver = get_pid(task_pid(peer));

	/* Results noted under the lock, checked after (a failure allocates). */
	spin_lock(&mb->lock);
	for (i = 0; i < AWAIT_SPINS; i++) {
		spun[i] = mp_wait_spin_receiver(mb, spin_over,
						ends[i] == MP_SPIN_MOOT ?
						end_moot : end_wasted,
						NULL, KTIME_MAX);
		debt[i] = mb->await.debt;
	}
	spin_unlock(&mb->lock);
	for (i = 0; i < AWAIT_SPINS - 1; i++)
		KUNIT_EXPECT_TRUE_MSG(test, spun[i], "spin %d", i);
	KUNIT_EXPECT_EQ(test, debt[1], 8);
	KUNIT_EXPECT_EQ(test, debt[7], 8);
	KUNIT_EXPECT_EQ(test, debt[8], 12);
	KUNIT_EXPECT_FALSE(test, spun[AWAIT_SPINS - 1]);

	set_cpus_allowed_ptr(current, mask);
	free_cpumask_var(mask);
	kthread_stop(peer);
}

static struct kunit_case queue_cases[] = {
	KUNIT_CASE(test_priority_order),
	KUNIT_CASE(test_fifo_within_priority),
	KUNIT_CASE(test_capacity),
	KUNIT_CASE(test_byte_accounting),
	KUNIT_CASE(test_limits),
	KUNIT_CASE(test_quota_charged_only),
	KUNIT_CASE(test_small_buffer_peek_trunc),
	KUNIT_CASE(test_rendezvous_nonblock),
	KUNIT_CASE(test_sync_withdrawn),
	KUNIT_CASE(test_handoff_rendezvous),
	KUNIT_CASE(test_no_overtaking),
	KUNIT_CASE(test_destroy),
	KUNIT_CASE(test_sender_index),
	KUNIT_CASE(test_wake_time_per_mailbox),
	KUNIT_CASE(test_await_score),
	{}
};

static struct kunit_suite queue_suite = {
	.name = "msgport_queue",
	.suite_init = queue_suite_init,
	.suite_exit = queue_suite_exit,
	.init = queue_init,
	.exit = queue_exit,
	.test_cases = queue_cases,
};

/* msgport_names */

static void test_name_check(struct kunit *test)
{
	char longname[MSGPORT_NAME_MAX + 2];

	memset(longname, 'n', sizeof(longname));
	KUNIT_EXPECT_EQ(test, mp_name_check("jobs", 4), 0);
	KUNIT_EXPECT_EQ(test, mp_name_check("a.b-c_d:1~!", 11), 0);
	KUNIT_EXPECT_EQ(test, mp_name_check("x", 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mp_name_check(longname, MSGPORT_NAME_MAX), 0);
	KUNIT_EXPECT_EQ(test, mp_name_check(longname, MSGPORT_NAME_MAX + 1), -ENAMETOOLONG);
	KUNIT_EXPECT_EQ(test, mp_name_check("a/b", 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, mp_name_check("a b", 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, mp_name_check("a\tb", 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, mp_name_check("a\x7f", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, mp_name_check("a\x80", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, mp_name_check("a\xff", 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, mp_name_check("a\0b", 3), -EINVAL);
}

static int names_init(struct kunit *test)
{
	struct counters *base = kunit_kzalloc(test, sizeof(*base), GFP_KERNEL);

	if (!base)
		return -ENOMEM;
	counters_read(base);
	test->priv = base;
	return 0;
}

static void names_exit(struct kunit *test)
{
	expect_counters(test, test->priv);
}

static int open_mb(const char *name, u32 flags, int create_err)
{
	struct msgport_open op = {
		.name_len = strlen(name),
		.flags = flags,
		.mode = 0600,
		.capacity = 4,
		.max_msg_size = 128,
	};

	return mp_ctl_open(&op, name, create_err);
}

/* Close a descriptor of this kernel thread and finish its release now. */
static void close_now(int fd)
{
	if (fd >= 0) {
		close_fd(fd);
		flush_delayed_fput();
	}
}

#define RW	(MSGPORT_O_RECV | MSGPORT_O_SEND)

static void test_name_table(struct kunit *test)
{
	int fd1, fd2;

	fd1 = open_mb("kunit.table", RW | MSGPORT_O_CREAT | MSGPORT_O_EXCL, 0);
	KUNIT_ASSERT_GE(test, fd1, 0);
	KUNIT_EXPECT_EQ(test, open_mb("kunit.table", RW | MSGPORT_O_CREAT | MSGPORT_O_EXCL, 0),
			-EEXIST);
	/* Invalid creation attributes do not matter for an existing name. */
	fd2 = open_mb("kunit.table", MSGPORT_O_RECV | MSGPORT_O_CREAT, -EINVAL);
	KUNIT_EXPECT_GE(test, fd2, 0);
	close_now(fd2);
	KUNIT_EXPECT_EQ(test, open_mb("kunit.absent", RW | MSGPORT_O_CREAT, -EINVAL), -EINVAL);
	KUNIT_EXPECT_EQ(test, open_mb("kunit.absent", RW, 0), -ENOENT);
	/* Names differing in length or one byte are different mailboxes. */
	KUNIT_EXPECT_EQ(test, open_mb("kunit.tabl", RW, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, open_mb("kunit.tablE", RW, 0), -ENOENT);

	fd2 = open_mb("kunit.table", MSGPORT_O_SEND, 0);
	KUNIT_EXPECT_GE(test, fd2, 0);
	KUNIT_EXPECT_EQ(test, mp_registry_unlink("kunit.table", 11), 0);
	KUNIT_EXPECT_EQ(test, mp_registry_unlink("kunit.table", 11), -ENOENT);
	KUNIT_EXPECT_EQ(test, open_mb("kunit.table", RW, 0), -ENOENT);
	/* The name is free again while the old descriptors are still open. */
	close_now(open_mb("kunit.table", RW | MSGPORT_O_CREAT | MSGPORT_O_EXCL |
			  MSGPORT_O_EPHEMERAL, 0));
	close_now(fd2);
	close_now(fd1);
}

static void test_ephemeral(struct kunit *test)
{
	int fd1, fd2, fd3;

	fd1 = open_mb("kunit.eph", RW | MSGPORT_O_CREAT | MSGPORT_O_EPHEMERAL, 0);
	KUNIT_ASSERT_GE(test, fd1, 0);
	fd2 = open_mb("kunit.eph", RW, 0);
	KUNIT_EXPECT_GE(test, fd2, 0);
	close_now(fd1);
	fd3 = open_mb("kunit.eph", RW, 0);
	KUNIT_EXPECT_GE(test, fd3, 0);
	close_now(fd3);
	close_now(fd2);
	KUNIT_EXPECT_EQ(test, open_mb("kunit.eph", RW, 0), -ENOENT);
}

static void test_max_mailboxes(struct kunit *test)
{
	unsigned int saved = READ_ONCE(mp_max_mailboxes);
	const struct cred *old;
	struct cred *limited;
	int fd[3];

	/* Assumes no other mailbox exists (a freshly loaded msgport). */
	WRITE_ONCE(mp_max_mailboxes, 2);
	fd[0] = open_mb("kunit.m0", RW | MSGPORT_O_CREAT | MSGPORT_O_EPHEMERAL, 0);
	fd[1] = open_mb("kunit.m1", RW | MSGPORT_O_CREAT | MSGPORT_O_EPHEMERAL, 0);
	KUNIT_EXPECT_GE(test, fd[0], 0);
	KUNIT_EXPECT_GE(test, fd[1], 0);
	/* Without CAP_SYS_RESOURCE, the third is refused... */
	limited = prepare_creds();
	KUNIT_ASSERT_NOT_NULL(test, limited);
	cap_lower(limited->cap_effective, CAP_SYS_RESOURCE);
	old = override_creds(limited);
	fd[2] = open_mb("kunit.m2", RW | MSGPORT_O_CREAT | MSGPORT_O_EPHEMERAL, 0);
	revert_creds(old);
	put_cred(limited);
	KUNIT_EXPECT_EQ(test, fd[2], -ENOSPC);
	close_now(fd[2]);
	/* ...with it (this thread has every capability), made past the limit. */
	fd[2] = open_mb("kunit.m2", RW | MSGPORT_O_CREAT | MSGPORT_O_EPHEMERAL, 0);
	KUNIT_EXPECT_GE(test, fd[2], 0);
	close_now(fd[2]);
	/* Opening an existing one is not creating. */
	fd[2] = open_mb("kunit.m0", RW | MSGPORT_O_CREAT, 0);
	KUNIT_EXPECT_GE(test, fd[2], 0);
	close_now(fd[2]);
	close_now(fd[1]);
	close_now(fd[0]);
	WRITE_ONCE(mp_max_mailboxes, saved);
}

static struct kunit_case names_cases[] = {
	KUNIT_CASE(test_name_check),
	KUNIT_CASE(test_name_table),
	KUNIT_CASE(test_ephemeral),
	KUNIT_CASE(test_max_mailboxes),
	{}
};

static struct kunit_suite names_suite = {
	.name = "msgport_names",
	.init = names_init,
	.exit = names_exit,
	.test_cases = names_cases,
};

/* msgport_span: the region engineer's pure span check (msgport.h) */

static void test_span_check(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mp_span_check(4096, 0, 4096), 0);
	KUNIT_EXPECT_EQ(test, mp_span_check(4096, 4095, 1), 0);
	KUNIT_EXPECT_EQ(test, mp_span_check(4096, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mp_span_check(4096, 4096, 1), -ERANGE);
	KUNIT_EXPECT_EQ(test, mp_span_check(4096, 1, 4096), -ERANGE);
	KUNIT_EXPECT_EQ(test, mp_span_check(4096, U64_MAX, 2), -ERANGE);
	KUNIT_EXPECT_EQ(test, mp_span_check(4096, 2, U64_MAX), -ERANGE);
	KUNIT_EXPECT_EQ(test, mp_span_check(0, 0, 1), -ERANGE);
}

static struct kunit_case span_cases[] = {
	KUNIT_CASE(test_span_check),
	{}
};

static struct kunit_suite span_suite = {
	.name = "msgport_span",
	.test_cases = span_cases,
};

/* msgport_msg: what a message is charged (msg.c) */

static void test_msg_charge(struct kunit *test)
{
	size_t head = sizeof(struct mp_msg);

	/* Small ones, zero-byte and spans included, cost a cache object. */
	KUNIT_EXPECT_EQ(test, mp_msg_charge(0), (size_t)MP_MSG_SMALL);
	KUNIT_EXPECT_EQ(test, mp_msg_charge(1), (size_t)MP_MSG_SMALL);
	KUNIT_EXPECT_EQ(test, mp_msg_charge(MP_MSG_OBJ - head),
			(size_t)MP_MSG_SMALL);
	KUNIT_EXPECT_EQ(test, mp_msg_charge(64), (size_t)MP_MSG_SMALL);
	/* Under a page: a cache object and the kmalloc bucket of the payload. */
	KUNIT_EXPECT_EQ(test, mp_msg_charge(MP_MSG_OBJ - head + 1),
			MP_MSG_SMALL +
			kmalloc_size_roundup(MP_MSG_OBJ - head + 1));
	KUNIT_EXPECT_GE(test, mp_msg_charge(1000), head + 1000);
	/*
	 * From a page on: a page per whole chunk of a page less a pointer, the
	 * chunks' pointer array, and a tail too large for the header's room.
	 */
	KUNIT_EXPECT_EQ(test, mp_msg_charge(PAGE_SIZE - sizeof(void *)),
			kmalloc_size_roundup(PAGE_SIZE - sizeof(void *)) +
			MP_MSG_SMALL);
	KUNIT_EXPECT_EQ(test, mp_msg_charge(PAGE_SIZE),
			MP_MSG_SMALL + kmalloc_size_roundup(sizeof(void *)) +
			PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, mp_msg_charge(4 * PAGE_SIZE),
			MP_MSG_SMALL + kmalloc_size_roundup(4 * sizeof(void *)) +
			4 * PAGE_SIZE);
	/* 256 chunks of 4088 bytes and a 2048-byte tail of its own. */
	KUNIT_EXPECT_EQ(test, mp_msg_charge(256 * (PAGE_SIZE - sizeof(void *)) + 2048),
			MP_MSG_SMALL + 2 * kmalloc_size_roundup(2048) +
			256 * PAGE_SIZE);
}

static struct kunit_case msg_cases[] = {
	KUNIT_CASE(test_msg_charge),
	{}
};

static struct kunit_suite msg_suite = {
	.name = "msgport_msg",
	.test_cases = msg_cases,
};

kunit_test_suites(&queue_suite, &names_suite, &span_suite, &msg_suite);

MODULE_DESCRIPTION("msgport: KUnit tests of the module's internals");
MODULE_LICENSE("GPL");
