// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: the kernel memory of the queued messages per sending euid (each
 * charged what it holds, header and buffer: mp_msg_charge()), plus the
 * bytes of the shared regions each euid created (the max_user_bytes limit).
 *
 * Locking
 *   mp_quota_lock (spinlock) serialises insertions into and removals
 *   from the hash; lookups walk it under RCU and skip entries whose count
 *   already reached zero (about to be removed).  A quota's byte count is an
 *   atomic, charged and uncharged without any lock.  Leaf lock: never held
 *   with another msgport lock.
 *
 * Lifetimes
 *   A struct mp_quota exists while referenced: each charged message
 *   holds one reference (taken by mp_quota_charge, dropped by
 *   mp_quota_uncharge when the message is freed), and so does each
 *   region (charged at creation, uncharged when freed; region.c), and so
 *   does each mailbox, counted in @mailboxes (mp_quota_charge_mailbox(),
 *   max_user_mailboxes), and each mailbox descriptor opened for sending
 *   (mp_quota_hold(), for its opener's euid, until release): so a steady
 *   sender's record is found, not created and freed again, at every
 *   message.  The last put removes it from the hash under the lock and
 *   frees it after a grace period.
 *
 * The byte limit applies to everyone, root included; the mailbox count
 * yields to CAP_SYS_RESOURCE.  A charge that would exceed a limit fails with
 * -EDQUOT and changes nothing.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "msgport.h"
#include "trace.h"

#define MP_QUOTA_BITS	6

struct mp_quota {
	struct hlist_node node;
	kuid_t uid;
	refcount_t ref;
	atomic_long_t bytes;
	atomic_t mailboxes;		/* named mailboxes and inboxes made */
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(mp_quotas, MP_QUOTA_BITS);
static DEFINE_SPINLOCK(mp_quota_lock);

static struct mp_quota *quota_find_rcu(kuid_t uid)
{
	struct mp_quota *q;

	hash_for_each_possible_rcu(mp_quotas, q, node, __kuid_val(uid)) {
		if (uid_eq(q->uid, uid) && refcount_inc_not_zero(&q->ref))
			return q;
	}
	return NULL;
}

static struct mp_quota *quota_get(kuid_t uid)
{
	struct mp_quota *q, *fresh;

	rcu_read_lock();
	q = quota_find_rcu(uid);
	rcu_read_unlock();
	if (q)
		return q;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;
	fresh->uid = uid;
	refcount_set(&fresh->ref, 1);
	atomic_long_set(&fresh->bytes, 0);
	atomic_set(&fresh->mailboxes, 0);

	spin_lock(&mp_quota_lock);
	rcu_read_lock();
	q = quota_find_rcu(uid);
	rcu_read_unlock();
	if (!q) {
		hash_add_rcu(mp_quotas, &fresh->node, __kuid_val(uid));
		q = fresh;
		fresh = NULL;
	}
	spin_unlock(&mp_quota_lock);
	kfree(fresh);
	return q;
}

static void quota_put(struct mp_quota *q)
{
	/* At zero nobody can take it again (refcount_inc_not_zero). */
	if (!refcount_dec_and_test(&q->ref))
		return;
	spin_lock(&mp_quota_lock);
	hash_del_rcu(&q->node);
	spin_unlock(&mp_quota_lock);
	kfree_rcu(q, rcu);
}

/* Put @refs references to @q (at least one) at once. */
static void quota_put_many(struct mp_quota *q, unsigned int refs)
{
	/* Short of the last one, they cannot be the last. */
	if (refs > 1)
		WARN_ON_ONCE(refcount_sub_and_test(refs - 1, &q->ref));
	quota_put(q);
}

/**
 * mp_quota_charge_many() - charge several messages' bytes to the current euid
 * @len: the bytes to charge, all the messages together
 * @refs: how many messages (at least 1)
 * @held: a record the caller holds a reference to (its descriptor's), or NULL
 * @quotap: where the charged record goes, on success
 *
 * Charges @len bytes to the current euid, for @refs messages: on success
 * *@quotap holds @refs references (each message's uncharge puts one).  @held,
 * if it is the current euid's record, is taken without a lookup; otherwise the
 * euid's record is looked up, or made.  The euid's total never goes over
 * max_user_bytes, not even for a moment (a compare-and-exchange loop): a
 * batch's charge must not make a concurrent single send fail.  A charge that
 * fails changes nothing.
 *
 * Context: Process context (the current euid).  May sleep (a record is
 * allocated with GFP_KERNEL_ACCOUNT), but not if @held is the current euid's
 * record.  May take mp_quota_lock (a leaf).
 *
 * Return: 0; -EINVAL (with a warning) if @refs is 0; -ENOMEM if no record could
 * be made; -EDQUOT if the charge would go over max_user_bytes.
 */
int mp_quota_charge_many(size_t len, unsigned int refs,
			 struct mp_quota *held,
			 struct mp_quota **quotap)
{
	unsigned long limit = READ_ONCE(mp_max_user_bytes);
	kuid_t euid = current_euid();
	bool own = held && uid_eq(held->uid, euid);
	struct mp_quota *q;
	long cur;

	if (WARN_ON_ONCE(!refs))
		return -EINVAL;
	/* A record looked up comes with one reference. */
	q = own ? held : quota_get(euid);
	if (!q)
		return -ENOMEM;
	/*
	 * Never over the limit, not even for a moment: a batch's charge
	 * must not make a concurrent single send fail.
	 */
	cur = atomic_long_read(&q->bytes);
	do {
		if (len > limit || (unsigned long)cur > limit - len) {
			trace_msgport_quota_refused(euid, len, cur, limit);
			if (!own)
				quota_put(q);
			return -EDQUOT;
		}
	} while (!atomic_long_try_cmpxchg(&q->bytes, &cur, cur + len));
	refs -= !own;		/* a looked-up record came with one */
	if (refs)
		refcount_add(refs, &q->ref);
	*quotap = q;
	return 0;
}

/**
 * mp_quota_charge_held() - charge one message's bytes to the current euid
 * @len: the bytes
 * @held: a record the caller holds a reference to (its descriptor's), or NULL
 * @quotap: where the charged record, with one new reference, goes on success
 *
 * mp_quota_charge_many() for one message.
 *
 * Context: Process context.  May sleep, but not if @held is the current euid's
 * record.  May take mp_quota_lock (a leaf).
 *
 * Return: 0; -ENOMEM if no record could be made; -EDQUOT if the charge would go
 * over max_user_bytes.
 */
int mp_quota_charge_held(size_t len, struct mp_quota *held,
			 struct mp_quota **quotap)
{
	return mp_quota_charge_many(len, 1, held, quotap);
}

/**
 * mp_quota_charge() - charge bytes to the current euid
 * @len: the bytes
 * @quotap: where the charged record, with one new reference, goes on success
 *
 * mp_quota_charge_many() for one charge (a message, or a region: region.c)
 * without a held record: the euid's record is looked up, or made.
 * mp_quota_uncharge() undoes it.
 *
 * Context: Process context.  May sleep.  May take mp_quota_lock (a leaf).
 *
 * Return: 0; -ENOMEM if no record could be made; -EDQUOT if the charge would go
 * over max_user_bytes.
 */
int mp_quota_charge(size_t len, struct mp_quota **quotap)
{
	return mp_quota_charge_held(len, NULL, quotap);
}
EXPORT_SYMBOL_NS_GPL(mp_quota_charge, MP_TEST_NS);

/**
 * mp_quota_uncharge_many() - uncharge the bytes of several messages
 * @quota: the record they were charged to
 * @len: their bytes, all together
 * @refs: how many messages (at least 1)
 *
 * Uncharges @len bytes of @refs messages, each holding a reference, and puts
 * those references.  The last reference removes the record from the hash and
 * frees it after an RCU grace period.
 *
 * Context: Process context.  Does not sleep.  Takes and releases mp_quota_lock
 * (a leaf) when it puts the last reference.
 */
void mp_quota_uncharge_many(struct mp_quota *quota, size_t len,
			    unsigned int refs)
{
	atomic_long_sub(len, &quota->bytes);
	quota_put_many(quota, refs);
}

/**
 * mp_quota_uncharge() - undo mp_quota_charge()
 * @quota: the record the bytes were charged to
 * @len: the bytes
 *
 * Uncharges @len bytes and puts the charge's reference
 * (mp_quota_uncharge_many() for one).
 *
 * Context: Process context.  Does not sleep.  Takes and releases mp_quota_lock
 * (a leaf) when it puts the last reference.
 */
void mp_quota_uncharge(struct mp_quota *quota, size_t len)
{
	mp_quota_uncharge_many(quota, len, 1);
}
EXPORT_SYMBOL_NS_GPL(mp_quota_uncharge, MP_TEST_NS);

/**
 * mp_quota_hold() - hold the current euid's record
 *
 * A reference to the current euid's record, made if there is none, for a
 * descriptor opened for sending, until its release: its sends charge that
 * record without a lookup (mp_quota_charge_many()'s held record), and a steady
 * sender's record is found, not made and freed again, at every message.  It
 * charges nothing.  mp_quota_drop() drops it.
 *
 * Context: Process context.  May sleep.  May take mp_quota_lock (a leaf).
 *
 * Return: the record, or NULL if out of memory.
 */
struct mp_quota *mp_quota_hold(void)
{
	return quota_get(current_euid());
}

/**
 * mp_quota_drop() - drop a reference from mp_quota_hold()
 * @quota: the record, or NULL (nothing to drop)
 *
 * Context: Process context.  Does not sleep.  Takes and releases mp_quota_lock
 * (a leaf) when it drops the last reference.
 */
void mp_quota_drop(struct mp_quota *quota)
{
	if (quota)
		quota_put(quota);
}

/**
 * mp_quota_charge_mailbox() - count a new mailbox against the current euid
 * @quotap: where the euid's record, with a reference for the mailbox, goes
 *
 * Counts one more mailbox (named or inbox) for the current euid, against
 * max_user_mailboxes; CAP_SYS_RESOURCE goes past the limit (as mqueue's
 * queues_max), and is counted all the same.  mp_quota_uncharge_mailbox()
 * undoes it when the mailbox is freed.
 *
 * Context: Process context.  May sleep (a record may be made).  May take
 * mp_quota_lock (a leaf).
 * Return: 0; -ENOMEM if no record could be made; -EDQUOT if the euid has
 * max_user_mailboxes mailboxes already.
 */
int mp_quota_charge_mailbox(struct mp_quota **quotap)
{
	int limit = min_t(unsigned int, READ_ONCE(mp_max_user_mailboxes),
			  INT_MAX);
	struct mp_quota *q = quota_get(current_euid());

	int cur;

	if (!q)
		return -ENOMEM;
	/* Never over the limit, not even for a moment (as the bytes). */
	cur = atomic_read(&q->mailboxes);
	do {
		if (cur >= limit && !capable(CAP_SYS_RESOURCE)) {
			quota_put(q);
			return -EDQUOT;
		}
	} while (!atomic_try_cmpxchg(&q->mailboxes, &cur, cur + 1));
	*quotap = q;
	return 0;
}

/**
 * mp_quota_uncharge_mailbox() - undo mp_quota_charge_mailbox()
 * @quota: the record the mailbox was counted in
 *
 * Context: Process context.  Does not sleep.  Takes and releases
 * mp_quota_lock (a leaf) when it puts the last reference.
 */
void mp_quota_uncharge_mailbox(struct mp_quota *quota)
{
	atomic_dec(&quota->mailboxes);
	quota_put(quota);
}

/**
 * mp_quota_show() - each euid's charge, for debugfs
 * @m: the seq_file of <debugfs>/msgport/users
 *
 * A header line "uid bytes mailboxes", then a line per record: the euid (in
 * the initial user namespace), the bytes charged to it (messages as
 * mp_msg_charge() charges them, and regions) and the mailboxes it made.
 *
 * Context: Process context (a read of the file).  Walks the hash under RCU;
 * takes no lock.
 */
void mp_quota_show(struct seq_file *m)
{
	struct mp_quota *q;
	int bkt;

	seq_puts(m, "uid bytes mailboxes\n");
	rcu_read_lock();
	hash_for_each_rcu(mp_quotas, bkt, q, node)
		seq_printf(m, "%u %ld %d\n", from_kuid(&init_user_ns, q->uid),
			   atomic_long_read(&q->bytes),
			   atomic_read(&q->mailboxes));
	rcu_read_unlock();
}

/**
 * mp_quota_exit() - check at module exit that no quota record is left
 *
 * Waits for pending RCU callbacks (rcu_barrier()), then warns for each record
 * still in the hash: a reference was leaked.
 *
 * Context: Process context (module exit).  May sleep.  Takes no lock.
 */
void mp_quota_exit(void)
{
	struct mp_quota *q;
	int bkt;

	rcu_barrier();	/* kfree_rcu() callbacks run before the module goes */
	hash_for_each(mp_quotas, bkt, q, node)
		WARN(1, "msgport: quota of uid %u leaked\n", __kuid_val(q->uid));
}
