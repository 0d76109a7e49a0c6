// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: queued payload bytes per sending euid, plus the bytes of the
 * shared regions each euid created (the max_user_bytes limit).
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
 *   does each mailbox descriptor opened for sending (mp_quota_hold(),
 *   for its opener's euid, until release): so a steady sender's record is
 *   found, not created and freed again, at every message.  The last put
 *   removes it from the hash under the lock and frees it after a grace
 *   period.
 *
 * The limit applies to everyone, root included; a charge that would exceed
 * it fails with -EDQUOT and changes nothing.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "msgport.h"

#define MP_QUOTA_BITS	6

struct mp_quota {
	struct hlist_node node;
	kuid_t uid;
	refcount_t ref;
	atomic_long_t bytes;
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

/*
 * Charge @len bytes to the current euid, for @refs messages: on success
 * *@quotap holds @refs references (each message's uncharge puts one).
 * @held, if not NULL, is a record the caller holds a reference to (its
 * descriptor's): taken without a lookup if it is the current euid's.
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

int mp_quota_charge_held(size_t len, struct mp_quota *held,
			 struct mp_quota **quotap)
{
	return mp_quota_charge_many(len, 1, held, quotap);
}

int mp_quota_charge(size_t len, struct mp_quota **quotap)
{
	return mp_quota_charge_held(len, NULL, quotap);
}
EXPORT_SYMBOL_NS_GPL(mp_quota_charge, MP_TEST_NS);

/* Uncharge @len bytes of @refs messages, each holding a reference. */
void mp_quota_uncharge_many(struct mp_quota *quota, size_t len,
			    unsigned int refs)
{
	atomic_long_sub(len, &quota->bytes);
	quota_put_many(quota, refs);
}

void mp_quota_uncharge(struct mp_quota *quota, size_t len)
{
	mp_quota_uncharge_many(quota, len, 1);
}
EXPORT_SYMBOL_NS_GPL(mp_quota_uncharge, MP_TEST_NS);

/* A reference to the current euid's record (NULL: out of memory). */
struct mp_quota *mp_quota_hold(void)
{
	return quota_get(current_euid());
}

void mp_quota_drop(struct mp_quota *quota)
{
	if (quota)
		quota_put(quota);
}

void mp_quota_exit(void)
{
	struct mp_quota *q;
	int bkt;

	rcu_barrier();	/* kfree_rcu() callbacks run before the module goes */
	hash_for_each(mp_quotas, bkt, q, node)
		WARN(1, "msgport: quota of uid %u leaked\n", __kuid_val(q->uid));
}
