// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: the kernel memory of the queued messages per sending euid (each
 * charged what it holds, header and buffer: mp_msg_charge()), plus the
 * bytes of the shared regions each euid created (the max_user_bytes limit).
 *
 * Locking
 *   mp_quota_lock (spinlock) serialises insertions into and removals
 *   from the hash, and the decision to remove a record; lookups walk it
 *   under RCU.  A quota's byte count is an atomic, charged and uncharged
 *   without any lock.  Leaf lock: never held with another msgport lock.
 *
 * Lifetimes
 *   A struct mp_quota exists while it is referenced or charged.  References
 *   (@ref): each mailbox, counted in @mailboxes (mp_quota_charge_mailbox(),
 *   max_user_mailboxes), each mailbox descriptor opened for sending
 *   (mp_quota_hold(), for its opener's euid, until release: so a steady
 *   sender's record is found, not created and freed again, at every
 *   message), each topic subscription while subscribed (its subscriber's
 *   record, charged by its publishers: mp_quota_charge_to()), and a charge
 *   in progress that looked the record up.  Charges
 *   (@bytes): each message (its bytes charged by mp_quota_charge_held()
 *   until mp_quota_uncharge() when it is freed) and each region (charged at
 *   creation, uncharged when freed; region.c) holds its record by its bytes
 *   alone, without a reference of its own: the record stays while @bytes is
 *   not zero.  So a message costs its record one atomic at each end, the
 *   charge's and the uncharge's.  Whoever brings the second of the two
 *   counts to zero (a put of the last reference, an uncharge of the last
 *   bytes; both are fully ordered, so at least one of two racing sees the
 *   other's zero) removes the record from the hash under the lock, if both
 *   are still zero and it is not gone already (@gone), and frees it after a
 *   grace period; the one who brought it to zero holds the RCU read lock
 *   until then.  A charge that finds a record with no reference (only
 *   charged: its user has messages queued and no descriptor that sends)
 *   adds its bytes only while they are not zero (a compare-and-exchange
 *   from a non-zero count, as refcount_inc_not_zero() takes a reference),
 *   with neither a reference nor the lock: while they are not zero no
 *   removal can decide.  Other lookups of such a record take its first
 *   reference under the lock, where no removal can decide meanwhile.
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
	refcount_t ref;			/* not counting charges (see the top) */
	atomic_long_t bytes;
	atomic_t mailboxes;		/* named mailboxes and inboxes made */
	atomic_t files;			/* descriptors in flight (fds.c) */
	bool gone;			/* out of the hash: mp_quota_lock */
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(mp_quotas, MP_QUOTA_BITS);
static DEFINE_SPINLOCK(mp_quota_lock);

/*
 * Under mp_quota_lock: a reference to @q, found in the hash and not gone,
 * even if it has none (only charges hold it): no removal decides meanwhile.
 */
static void quota_get_locked(struct mp_quota *q)
{
	if (!refcount_inc_not_zero(&q->ref))
		refcount_set(&q->ref, 1);
}

/* Under RCU: @uid's record in the hash, not gone, referenced or not (NULL: none). */
static struct mp_quota *quota_lookup_rcu(kuid_t uid)
{
	struct mp_quota *q;

	hash_for_each_possible_rcu(mp_quotas, q, node, __kuid_val(uid)) {
		if (uid_eq(q->uid, uid) && !READ_ONCE(q->gone))
			return q;
	}
	return NULL;
}

/* Under RCU, and under mp_quota_lock if @locked: @uid's record, referenced. */
static struct mp_quota *quota_find_rcu(kuid_t uid, bool locked)
{
	struct mp_quota *q = quota_lookup_rcu(uid);

	if (!q || refcount_inc_not_zero(&q->ref))
		return q;
	/* Only charged: its first reference is taken under the lock. */
	if (locked) {
		quota_get_locked(q);
		return q;
	}
	return NULL;
}

static struct mp_quota *quota_get(kuid_t uid)
{
	struct mp_quota *q, *fresh;

	rcu_read_lock();
	q = quota_find_rcu(uid, false);
	rcu_read_unlock();
	if (q)
		return q;

	/*
	 * A record that only charges hold (its user has messages queued and
	 * no descriptor that sends) takes its first reference under the
	 * lock, without allocating one to throw away.
	 */
	spin_lock(&mp_quota_lock);
	rcu_read_lock();
	q = quota_find_rcu(uid, true);
	rcu_read_unlock();
	spin_unlock(&mp_quota_lock);
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
	q = quota_find_rcu(uid, true);
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

/*
 * One of @q's two counts reached zero: remove and free it if both are zero,
 * once.  Called under rcu_read_lock() (@q is not freed meanwhile).
 */
static void quota_maybe_free(struct mp_quota *q)
{
	spin_lock(&mp_quota_lock);
	/*
	 * The lock does not order these reads against the lockless charges
	 * and puts: the reference count is read with acquire, pairing with
	 * the release of refcount_dec_and_test() that follows a charger's
	 * update of @bytes, so that a charge made before the last put is
	 * seen here (on a weakly ordered CPU the bytes could else be read
	 * from before it, and a charged record freed).  Once the count is
	 * seen at zero under the lock, nobody raises it or charges until the
	 * lock is dropped.
	 */
	if (q->gone || atomic_read_acquire(&q->ref.refs) ||
	    atomic_long_read(&q->bytes)) {
		spin_unlock(&mp_quota_lock);
		return;
	}
	WRITE_ONCE(q->gone, true);
	hash_del_rcu(&q->node);
	spin_unlock(&mp_quota_lock);
	kfree_rcu(q, rcu);
}

static void quota_put(struct mp_quota *q)
{
	rcu_read_lock();
	if (refcount_dec_and_test(&q->ref)) {
		/*
		 * Fully ordered, as the uncharge's atomic_long_sub_return():
		 * of an uncharge to zero racing with it, one sees the other.
		 */
		smp_mb__after_atomic();
		if (!atomic_long_read(&q->bytes))
			quota_maybe_free(q);
	}
	rcu_read_unlock();
}

/*
 * Add @len bytes to @q's, never over @limit, not even for a moment (a
 * compare-and-exchange loop: a batch's charge must not make a concurrent
 * single send fail).  With @live, only while @q's bytes are not zero: they
 * hold a record that has no reference (see the top), so a charge that
 * finds them so keeps it, as a reference taken by refcount_inc_not_zero()
 * would.  0; -EDQUOT over the limit; -ENOENT if @live and they were zero.
 * Changes nothing unless it succeeds.
 */
static int quota_add(struct mp_quota *q, size_t len, unsigned long limit,
		     bool live)
{
	long cur = atomic_long_read(&q->bytes);

	do {
		if (live && !cur)
			return -ENOENT;
		if (len > limit || (unsigned long)cur > limit - len) {
			trace_msgport_quota_refused(q->uid, len, cur, limit);
			return -EDQUOT;
		}
	} while (!atomic_long_try_cmpxchg(&q->bytes, &cur, cur + len));
	return 0;
}

/**
 * mp_quota_charge_held() - charge bytes to the current euid
 * @len: the bytes to charge (not 0), one message's or a batch's together
 * @held: a record the caller holds a reference to (its descriptor's), or NULL
 * @quotap: where the charged record goes, on success
 *
 * Charges @len bytes to the current euid's record, which they then hold
 * until mp_quota_uncharge() gives them back (see the top: charges hold the
 * record without references of their own).  @held, if it is the current
 * euid's record, is charged without a lookup; otherwise the euid's record is
 * looked up (and charged without a reference or a lock if only charges hold
 * it), or made.  The euid's total never goes over max_user_bytes, not
 * even for a moment (a compare-and-exchange loop): a batch's charge must not
 * make a concurrent single send fail.  A charge that fails changes nothing.
 *
 * Context: Process context (the current euid).  May sleep (a record is
 * allocated with GFP_KERNEL_ACCOUNT) when the euid has none yet, never if
 * @held is the current euid's record.  May take mp_quota_lock (a leaf), but
 * not then; a record that only charges hold is charged without it.
 *
 * Return: 0; -EINVAL (with a warning) if @len is 0; -ENOMEM if no record
 * could be made; -EDQUOT if the charge would go over max_user_bytes.
 */
int mp_quota_charge_held(size_t len, struct mp_quota *held,
			 struct mp_quota **quotap)
{
	unsigned long limit = READ_ONCE(mp_max_user_bytes);
	kuid_t euid = current_euid();
	struct mp_quota *q;
	int ret;

	/* Nothing charged would hold the record. */
	if (WARN_ON_ONCE(!len))
		return -EINVAL;
	if (held && uid_eq(held->uid, euid)) {
		ret = quota_add(held, len, limit, false);
		if (!ret)
			*quotap = held;
		return ret;
	}
	/*
	 * A record that only charges hold (its user has messages queued and
	 * no descriptor that sends: a server's replies, say) is charged while
	 * they do, without a reference or the lock (see the top).
	 */
	rcu_read_lock();
	q = quota_lookup_rcu(euid);
	if (q && !refcount_inc_not_zero(&q->ref)) {
		ret = quota_add(q, len, limit, true);
		rcu_read_unlock();
		if (ret != -ENOENT) {
			if (!ret)
				*quotap = q;
			return ret;
		}
		q = NULL;	/* its charges went meanwhile */
	} else {
		rcu_read_unlock();
	}
	if (!q)
		q = quota_get(euid);
	if (!q)
		return -ENOMEM;
	ret = quota_add(q, len, limit, false);
	/* The bytes charged hold it now: the lookup's reference goes. */
	quota_put(q);
	if (!ret)
		*quotap = q;
	return ret;
}

/**
 * mp_quota_charge_to() - charge bytes to a given record
 * @quota: the record, referenced by the caller (not the current euid's,
 *         necessarily: a topic's publisher charges its subscribers')
 * @len: the bytes (not 0)
 *
 * As mp_quota_charge_held() for @quota's euid, whoever the caller is: the
 * record's total never goes over max_user_bytes, and the bytes hold the
 * record until mp_quota_uncharge() gives them back.
 *
 * Context: Any context: does not sleep and takes no lock.
 * Return: 0; -EINVAL (with a warning) if @len is 0; -EDQUOT if the charge
 * would go over max_user_bytes.
 */
int mp_quota_charge_to(struct mp_quota *quota, size_t len)
{
	if (WARN_ON_ONCE(!len))
		return -EINVAL;
	return quota_add(quota, len, READ_ONCE(mp_max_user_bytes), false);
}

/**
 * mp_quota_charge() - charge bytes to the current euid
 * @len: the bytes (not 0)
 * @quotap: where the charged record goes, on success
 *
 * mp_quota_charge_held() without a held record (a region: region.c): the
 * euid's record is looked up, or made.  mp_quota_uncharge() undoes it.
 *
 * Context: Process context.  May sleep.  May take mp_quota_lock (a leaf).
 *
 * Return: 0; -EINVAL (with a warning) if @len is 0; -ENOMEM if no record
 * could be made; -EDQUOT if the charge would go over max_user_bytes.
 */
int mp_quota_charge(size_t len, struct mp_quota **quotap)
{
	return mp_quota_charge_held(len, NULL, quotap);
}
EXPORT_SYMBOL_NS_GPL(mp_quota_charge, MP_TEST_NS);

/**
 * mp_quota_uncharge() - give back charged bytes
 * @quota: the record they were charged to
 * @len: the bytes, of one charge or of several together
 *
 * Uncharges @len bytes.  If that leaves the record with no bytes and no
 * reference, it is removed from the hash and freed after an RCU grace
 * period.
 *
 * Context: Process context.  Does not sleep.  Takes and releases mp_quota_lock
 * (a leaf) when it leaves the record with neither.
 */
void mp_quota_uncharge(struct mp_quota *quota, size_t len)
{
	rcu_read_lock();
	/* Fully ordered: a put of the last reference racing with it sees it. */
	if (!atomic_long_sub_return(len, &quota->bytes) &&
	    !refcount_read(&quota->ref))
		quota_maybe_free(quota);
	rcu_read_unlock();
}
EXPORT_SYMBOL_NS_GPL(mp_quota_uncharge, MP_TEST_NS);

/**
 * mp_quota_hold() - hold the current euid's record
 *
 * A reference to the current euid's record, made if there is none, for a
 * descriptor opened for sending, until its release: its sends charge that
 * record without a lookup (mp_quota_charge_held()), and a steady
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
 * (a leaf) when it drops the last reference of a record charged nothing.
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
 * mp_quota_lock (a leaf) when it puts the last reference of a record
 * charged nothing.
 */
void mp_quota_uncharge_mailbox(struct mp_quota *quota)
{
	atomic_dec(&quota->mailboxes);
	quota_put(quota);
}

/**
 * mp_quota_charge_files() - count descriptors put in flight
 * @quota: the sender's record, referenced by the caller (mp_quota_hold())
 * @n: how many
 * @limit: the most its euid may have in flight
 *
 * Counts @n more open files held by messages for @quota's euid, no more
 * than @limit in all (as AF_UNIX counts SCM_RIGHTS in flight against the
 * sender's RLIMIT_NOFILE); CAP_SYS_RESOURCE goes past it, counted all the
 * same.  mp_quota_uncharge_files() gives them back.
 *
 * Context: Process context (the sender).  Takes no lock; does not sleep.
 * Return: 0, or -ETOOMANYREFS with nothing counted.
 */
int mp_quota_charge_files(struct mp_quota *quota, u32 n, unsigned long limit)
{
	int old = atomic_read(&quota->files);

	do {
		if ((unsigned long)old + n > limit &&
		    !capable(CAP_SYS_RESOURCE))
			return -ETOOMANYREFS;
	} while (!atomic_try_cmpxchg(&quota->files, &old, old + n));
	return 0;
}

/**
 * mp_quota_uncharge_files() - descriptors in flight were received or closed
 * @quota: the record mp_quota_charge_files() counted them to
 * @n: how many
 *
 * Context: Any.  Takes no lock; does not sleep.
 */
void mp_quota_uncharge_files(struct mp_quota *quota, u32 n)
{
	atomic_sub(n, &quota->files);
}

/**
 * mp_quota_show() - each euid's charge, for debugfs
 * @m: the seq_file of <debugfs>/msgport/users
 *
 * A header line "uid bytes mailboxes files", then a line per record: the
 * euid (in the initial user namespace), the bytes charged to it (messages
 * as mp_msg_charge() charges them, and regions), the mailboxes it made and
 * the descriptors it has in flight.
 *
 * Context: Process context (a read of the file).  Walks the hash under RCU;
 * takes no lock.
 */
void mp_quota_show(struct seq_file *m)
{
	struct mp_quota *q;
	int bkt;

	seq_puts(m, "uid bytes mailboxes files\n");
	rcu_read_lock();
	hash_for_each_rcu(mp_quotas, bkt, q, node)
		seq_printf(m, "%u %ld %d %d\n", from_kuid(&init_user_ns, q->uid),
			   atomic_long_read(&q->bytes),
			   atomic_read(&q->mailboxes), atomic_read(&q->files));
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
