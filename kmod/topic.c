// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: topics (publish/subscribe; the uapi header's "Topics").
 *
 * A topic is a named mailbox (mb->is_topic) that queues nothing itself.
 * Each descriptor opened on it to receive is a subscription: a mailbox of
 * its own, unnamed and in no table (mb->sub_of is the topic), with its
 * capacity and overflow policy, so receiving, peeking, filtering by sender,
 * poll and read(2) are a mailbox's.  A publish (a send on any descriptor
 * of the topic that may send) makes the message once (msg.c: charged to the
 * publisher, copied in once) and gives every subscription a clone of it
 * (mp_msg_clones_create(): a header of its own, charged to the publisher,
 * sharing the body's payload and holding a reference to it), so the body
 * and its charge last until the last subscription has let go of it.
 *
 * A publish gives every subscription the message, or none: under the
 * topic's lock it first makes sure that every BLOCK subscription has room
 * (else it waits, without the lock), then gives each its clone in one pass,
 * dropping for the others as their policies say (DROP_NEW: not given;
 * DROP_OLD: the oldest of the lowest priority queued is dropped first).
 * A BLOCK subscription may be full again when given its clone (a receive
 * whose copy-out failed put one back meanwhile, over capacity: recv.c
 * put_back()): it gets the clone over capacity too, as put_back() does,
 * rather than lose it.  Publishes are serialized by the lock, so every
 * subscription sees the topic's messages in one order, numbered by the
 * topic (mb->next_seq).  A subscription's losses count in its stat.dropped
 * and go with the next message it is given (msg->lost, info.lost).
 *
 * Charges
 *   The body is its publisher's (max_user_bytes).  Each clone's header
 *   (MP_MSG_SMALL) is charged to the publisher while it is made, and moved
 *   to the subscriber's record (@sub_quota, mp_quota_charge_to()) when it
 *   is given; a subscriber over its max_user_bytes loses that message
 *   (lost_one()) and the publish goes on for the others.  What one euid's
 *   subscriptions pin of a topic's bodies is bounded by
 *   max_user_subscriptions per topic (EDQUOT beyond, unless
 *   CAP_SYS_RESOURCE) times the capacity, which is never unbounded
 *   (main.c refuses MSGPORT_CAPACITY_UNBOUNDED for a topic).
 *
 * Poll
 *   A topic's descriptor (and a subscription's that may send) reports
 *   EPOLLOUT when no BLOCK subscription is full (mp_topic_poll(), on the
 *   topic's poll_wq).  A BLOCK subscription's @room_wq is that queue:
 *   mp_wake_flush() (wait.c) wakes it when a take frees room (EPOLLOUT
 *   gathered under the subscription's lock), and a BLOCK subscription
 *   leaving wakes it too.  A poller queues itself on the topic's poll_wq
 *   before it takes topic_lock and each subscription's lock to look, so
 *   a waker that changed the state under that lock and looks for pollers
 *   after unlocking misses none (as mp_mailbox_poll()).  The topic's
 *   destruction wakes it with the rest (mp_mailbox_end() of the topic).
 *
 * Locking
 *   topic->topic_lock (a mutex): publishes, subscriptions joining and
 *   leaving, @topic_closed (set once by mp_topic_destroy(): no subscribe
 *   or publish after; the topic's mb->dead stays the mailbox code's, set
 *   under mb->lock by mp_mailbox_destroy()), each subscription's
 *   @sub_ended and @sub_quota; it keeps topic->subs, ->nsubs (written with
 *   WRITE_ONCE(): a publisher reads it first without the lock) and
 *   ->next_seq, and ->sent is written under it (WRITE_ONCE(), read by stat
 *   under the topic's mb->lock).  Under it, each subscription's mb->lock is
 *   taken in turn (topic_lock -> mb->lock), never two at once.  topic_lock
 *   is never taken under mp_registry_lock (registry.c destroys a topic after
 *   dropping it).  A hold visits each subscription once: at most
 *   max_subscribers of them; no subscription is destroyed under it
 *   (mp_topic_destroy() ends them one at a time, the lock dropped).  A
 *   publisher waits for room on a BLOCK subscription's poll_wq (as a poller
 *   does: queued before it takes that mb->lock to look) with no lock held.
 *
 * Lifetimes
 *   A subscription holds a reference to its topic (the one its descriptor's
 *   open took, mp_registry_open()), given back by mp_topic_unsubscribe()
 *   when the descriptor closes; the topic's list holds none: a
 *   subscription leaves it (under topic_lock) before its descriptor's
 *   reference goes.  A publisher that waits on a subscription, and
 *   mp_topic_destroy() while it ends one, hold a reference to it.  @room_wq
 *   is used only while the subscription's topic is referenced: takes come
 *   through its descriptor, and it is cleared when it leaves.  A
 *   subscription holds a reference to its subscriber's quota record while
 *   on the list; the bytes charged to it hold the record after that.  A
 *   clone holds a reference to its body; the body holds its sender's pids,
 *   which the clones use without references of their own.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "msgport.h"
#include "trace.h"

/* One more message @sub lost (its count saturates). */
static void lost_one(struct mp_mailbox *sub)
{
	if (sub->sub_lost < U32_MAX)
		sub->sub_lost++;
	sub->dropped++;
}

/* A subscription's policy when it asks for none: the gentlest allowed. */
static u32 default_policy(u32 allowed)
{
	if (allowed & MSGPORT_TOPIC_DROP_OLD)
		return MSGPORT_TOPIC_DROP_OLD;
	if (allowed & MSGPORT_TOPIC_DROP_NEW)
		return MSGPORT_TOPIC_DROP_NEW;
	return MSGPORT_TOPIC_BLOCK;
}

/* Under topic_lock: how many of @topic's subscriptions @euid has. */
static unsigned int user_subs(struct mp_mailbox *topic, kuid_t euid)
{
	struct mp_mailbox *sub;
	unsigned int n = 0;

	lockdep_assert_held(&topic->topic_lock);
	list_for_each_entry(sub, &topic->subs, sub_link)
		n += uid_eq(sub->sub_euid, euid);
	return n;
}

/*
 * Under topic_lock: 0 if @euid may add a subscription to @topic; -EIDRM
 * (closed), -ENOSPC (max_subscribers) or -EDQUOT (max_user_subscriptions,
 * unless CAP_SYS_RESOURCE).
 */
static int may_join(struct mp_mailbox *topic, kuid_t euid)
{
	if (topic->topic_closed)
		return -EIDRM;
	if (topic->nsubs >= READ_ONCE(mp_max_subscribers))
		return -ENOSPC;
	if (user_subs(topic, euid) >= READ_ONCE(mp_max_user_subscriptions) &&
	    !capable(CAP_SYS_RESOURCE))
		return -EDQUOT;
	return 0;
}

/**
 * mp_topic_subscribe() - a new subscription to a topic
 * @topic: the topic, referenced by the caller
 * @capacity: the subscription's capacity: 0 for the topic's
 * @policy: one MSGPORT_TOPIC_* bit, or 0 for the default
 *
 * Makes a subscription (a mailbox charged to the caller's
 * max_user_mailboxes, with the topic's name, owner and mode for stat,
 * holding the caller's quota record for its clones' headers) and adds it to
 * @topic's subscriptions.  On success the subscription holds the caller's
 * reference to @topic.
 *
 * Context: Process context; may sleep.  Takes topic_lock.
 * Return: the subscription, with one reference (its descriptor's); or
 * ERR_PTR(): -EINVAL (@capacity above the topic's, or @policy not one
 * policy), -EPERM (@policy not allowed by the topic), -ENOSPC
 * (max_subscribers), -EDQUOT (max_user_subscriptions, unless
 * CAP_SYS_RESOURCE; or max_user_mailboxes), -EIDRM (the topic is
 * destroyed), -ENOMEM.
 */
struct mp_mailbox *mp_topic_subscribe(struct mp_mailbox *topic, u32 capacity,
				      u32 policy)
{
	struct mp_quota *quota;
	struct mp_mailbox *sub;
	int ret = 0;

	if (!capacity)
		capacity = topic->capacity;
	if (capacity > topic->capacity)
		return ERR_PTR(-EINVAL);
	if (policy & (policy - 1) || policy & ~MSGPORT_TOPIC_ALL)
		return ERR_PTR(-EINVAL);
	if (!policy)
		policy = default_policy(topic->topic_policies);
	if (!(policy & topic->topic_policies))
		return ERR_PTR(-EPERM);

	sub = mp_mailbox_alloc();
	if (IS_ERR(sub))
		return sub;
	memcpy(sub->name, topic->name, topic->name_len + 1);
	sub->name_len = topic->name_len;
	sub->capacity = capacity;
	sub->max_msg_size = topic->max_msg_size;
	sub->mode = READ_ONCE(topic->mode);
	sub->uid = topic->uid;
	sub->gid = topic->gid;
	sub->sub_policy = policy;
	sub->sub_euid = current_euid();
	/* A BLOCK one that has room again wakes the topic's pollers. */
	if (policy == MSGPORT_TOPIC_BLOCK)
		sub->room_wq = &topic->poll_wq;
	quota = mp_quota_hold();
	if (!quota) {
		ret = -ENOMEM;
		goto fail;
	}

	mutex_lock(&topic->topic_lock);
	ret = may_join(topic, sub->sub_euid);
	if (!ret) {
		sub->sub_of = topic;
		sub->sub_quota = quota;
		list_add_tail(&sub->sub_link, &topic->subs);
		WRITE_ONCE(topic->nsubs, topic->nsubs + 1);
	}
	mutex_unlock(&topic->topic_lock);
	if (!ret)
		return sub;
	mp_quota_drop(quota);
fail:
	WRITE_ONCE(sub->room_wq, NULL);
	mp_mailbox_destroy(sub);
	mp_mailbox_put(sub);
	return ERR_PTR(ret);
}

/**
 * mp_topic_unsubscribe() - a subscription's descriptor closes
 * @sub: the subscription (its descriptor's reference, given up here)
 *
 * Takes @sub out of its topic's subscriptions, drops its subscriber's quota
 * record, destroys it (its queued clones are dropped, its waiters woken),
 * wakes the topic's pollers if it was a BLOCK one (a publish may not wait
 * now) and drops the descriptor's reference to it.
 *
 * Context: Process context; may sleep.  Takes topic_lock, then @sub's lock.
 * Return: the topic, whose reference (the subscription's) passes to the
 * caller.
 */
struct mp_mailbox *mp_topic_unsubscribe(struct mp_mailbox *sub)
{
	struct mp_mailbox *topic = sub->sub_of;
	struct mp_quota *quota;

	mutex_lock(&topic->topic_lock);
	list_del_init(&sub->sub_link);
	WRITE_ONCE(topic->nsubs, topic->nsubs - 1);
	quota = sub->sub_quota;
	sub->sub_quota = NULL;
	mutex_unlock(&topic->topic_lock);
	mp_quota_drop(quota);
	mp_mailbox_destroy(sub);
	if (sub->room_wq) {
		WRITE_ONCE(sub->room_wq, NULL);
		wake_up_interruptible_poll(&topic->poll_wq,
					   EPOLLOUT | EPOLLWRNORM);
	}
	mp_mailbox_put(sub);
	return topic;
}

/* A subscription of closed @topic not ended yet, referenced; or NULL. */
static struct mp_mailbox *next_to_end(struct mp_mailbox *topic)
{
	struct mp_mailbox *sub, *found = NULL;

	mutex_lock(&topic->topic_lock);
	list_for_each_entry(sub, &topic->subs, sub_link) {
		if (!sub->sub_ended) {
			sub->sub_ended = true;
			kref_get(&sub->ref);
			found = sub;
			break;
		}
	}
	mutex_unlock(&topic->topic_lock);
	return found;
}

/**
 * mp_topic_destroy() - a topic is unlinked: its subscriptions end
 * @topic: the topic, destroyed by the caller after this
 *
 * Closes @topic (@topic_closed: later subscribes and publishes get
 * -EIDRM), then destroys every subscription (receivers get -EIDRM, queued
 * clones are dropped), one at a time with topic_lock dropped, each
 * referenced meanwhile; they stay on the list until their descriptors
 * close.  The caller's mp_mailbox_destroy() of @topic then marks it dead
 * and wakes its pollers.
 *
 * Context: Process context, no msgport lock held; may sleep.  Takes
 * topic_lock, once per subscription and once more.
 */
void mp_topic_destroy(struct mp_mailbox *topic)
{
	struct mp_mailbox *sub;

	mutex_lock(&topic->topic_lock);
	WRITE_ONCE(topic->topic_closed, true);
	mutex_unlock(&topic->topic_lock);
	while ((sub = next_to_end(topic))) {
		mp_mailbox_destroy(sub);
		mp_mailbox_put(sub);
	}
}

/*
 * A full BLOCK subscription of @topic, or NULL if each has room (or is
 * destroyed: it takes nothing any more).  It stays while topic_lock is held
 * (its descriptor's reference goes only after it leaves the list).
 */
static struct mp_mailbox *full_blocker(struct mp_mailbox *topic)
{
	struct mp_mailbox *sub;

	lockdep_assert_held(&topic->topic_lock);
	list_for_each_entry(sub, &topic->subs, sub_link) {
		bool full;

		if (sub->sub_policy != MSGPORT_TOPIC_BLOCK)
			continue;
		spin_lock(&sub->lock);
		full = !sub->dead && !mp_queue_has_room(sub);
		spin_unlock(&sub->lock);
		if (full)
			return sub;
	}
	return NULL;
}

/**
 * mp_topic_poll() - poll(2) of a topic's descriptor
 * @mb: the topic, or a subscription of it (whose descriptor may send)
 * @file: the descriptor's file
 * @pt: the poll table
 *
 * For a subscription, its own state (mp_mailbox_poll()) but EPOLLOUT; then
 * the topic's: EPOLLERR | EPOLLHUP once it is destroyed or closed, else
 * EPOLLOUT | EPOLLWRNORM if no BLOCK subscription is full (a publish would
 * not wait).  See the top, "Poll", for the wake-ups.
 *
 * Context: Process context (a descriptor's ->poll), no msgport lock held;
 * may sleep.  Takes the topic's mb->lock, then topic_lock and, under it,
 * each BLOCK subscription's mb->lock in turn.
 * Return: the poll mask, as above.
 */
__poll_t mp_topic_poll(struct mp_mailbox *mb, struct file *file,
		       struct poll_table_struct *pt)
{
	struct mp_mailbox *topic = mb->sub_of ? mb->sub_of : mb;
	__poll_t mask = 0;
	bool dead;

	if (mb->sub_of) {
		mask = mp_mailbox_poll(mb, file, pt) &
		       ~(EPOLLOUT | EPOLLWRNORM);
		if (mask & EPOLLERR)
			return mask;
	}
	/* Queued before the state is read under the locks (see the top). */
	poll_wait(file, &topic->poll_wq, pt);
	spin_lock(&topic->lock);
	dead = topic->dead;
	spin_unlock(&topic->lock);
	if (dead)
		return mask | EPOLLERR | EPOLLHUP;
	mutex_lock(&topic->topic_lock);
	if (topic->topic_closed)
		mask |= EPOLLERR | EPOLLHUP;
	else if (!full_blocker(topic))
		mask |= EPOLLOUT | EPOLLWRNORM;
	mutex_unlock(&topic->topic_lock);
	return mask;
}

/*
 * Wait, without topic_lock, until @sub has room or is destroyed, or @d
 * passes or a signal comes: 0 to look again, or the error.
 */
static int wait_for_room(struct mp_mailbox *sub, const struct mp_deadline *d)
{
	DEFINE_WAIT(wait);
	int ret = 0;

	/* Queued before the lock is taken to look (mp_wake_flush()). */
	prepare_to_wait(&sub->poll_wq, &wait, TASK_INTERRUPTIBLE);
	spin_lock(&sub->lock);
	if (!sub->dead && !mp_queue_has_room(sub)) {
		ret = mp_wait_interrupted(d);
		if (!ret)
			mp_wait_sleep_locked(sub, d);
	}
	spin_unlock(&sub->lock);
	finish_wait(&sub->poll_wq, &wait);
	return ret ? ret : mp_wait_interrupted(d);
}

/*
 * Give @sub its @clone (seq @seq, sent at @now), as its policy says when it
 * is full; a message it drops for it goes to *@victim.  The clone's header
 * is charged to @sub's subscriber (and uncharged from its publisher, its
 * record until now): over its max_user_bytes, @sub loses the message.
 * False if @sub took nothing (dropped the new message, could not pay for
 * it, or is destroyed): @clone stays the caller's, charged as it was.
 */
static bool give(struct mp_mailbox *sub, struct mp_msg *clone, u64 seq,
		 u64 now, struct mp_msg **victim)
{
	struct mp_quota *pub = clone->quota;
	struct mp_wake wk = { };
	bool given = false, paid;

	lockdep_assert_held(&sub->sub_of->topic_lock);
	paid = !mp_quota_charge_to(sub->sub_quota, MP_MSG_SMALL);
	spin_lock(&sub->lock);
	if (sub->dead)
		goto out;
	if (!paid) {
		lost_one(sub);
		goto out;
	}
	if (!mp_queue_has_room(sub)) {
		/*
		 * DROP_OLD with nothing queued to drop (its capacity all
		 * leased: lease.c) loses the new one, as DROP_NEW.
		 */
		if (sub->sub_policy == MSGPORT_TOPIC_DROP_NEW ||
		    (sub->sub_policy == MSGPORT_TOPIC_DROP_OLD &&
		     !mp_queue_least(sub))) {
			lost_one(sub);
			goto out;
		}
		if (sub->sub_policy == MSGPORT_TOPIC_DROP_OLD) {
			*victim = mp_queue_least(sub);
			trace_msgport_drop(sub, *victim, MP_TRACE_DROP_OVERFLOW);
			mp_queue_remove(sub, *victim, &wk);
			/* The losses it would have told go with the next. */
			sub->sub_lost = min_t(u64, (u64)sub->sub_lost +
					      (*victim)->lost, U32_MAX);
			lost_one(sub);
		}
		/*
		 * BLOCK: full_blocker() saw room, but a receive whose copy-out
		 * failed has put one back since (recv.c put_back(), over
		 * capacity): this one goes over capacity too, not lost.
		 */
	}
	clone->seq = seq;
	clone->send_time_ns = now;
	clone->lost = sub->sub_lost;
	clone->quota = sub->sub_quota;
	sub->sub_lost = 0;
	sub->sent++;
	mp_queue_deliver(sub, clone, false, &wk);
	given = true;
out:
	spin_unlock(&sub->lock);
	mp_wake_flush(sub, &wk);
	if (given)
		mp_quota_uncharge(pub, MP_MSG_SMALL);
	else if (paid)
		mp_quota_uncharge(sub->sub_quota, MP_MSG_SMALL);
	return given;
}

/* The clones a publish may use: as many as the topic had subscriptions. */
struct clones {
	struct mp_msg **msg;	/* @n clones, then @n slots for victims */
	unsigned int n;
};

/* Make @c hold @n clones of @body (more than it holds). */
static int clones_grow(struct clones *c, struct mp_msg *body, unsigned int n)
{
	struct mp_msg **msg;
	int ret;

	msg = kcalloc(2 * n, sizeof(*msg), GFP_KERNEL_ACCOUNT);
	if (!msg)
		return -ENOMEM;
	ret = mp_msg_clones_create(body, msg + c->n, n - c->n);
	if (ret) {
		kfree(msg);
		return ret;
	}
	if (c->n)
		memcpy(msg, c->msg, c->n * sizeof(*msg));
	kfree(c->msg);
	c->msg = msg;
	c->n = n;
	return 0;
}

/**
 * mp_topic_publish() - send a message to every subscription of a topic
 * @mb: the topic, or one of its subscriptions (a descriptor of it that may
 *      both receive and send)
 * @x: the send; @x->seq gets the topic's sequence number of the message
 *
 * Checks @x (no MSGPORT_F_SYNC, no span; priority; max_msg_size), makes the
 * message and a clone per subscription outside the lock, then, under
 * topic_lock, waits until every BLOCK subscription has room (dropping the
 * lock to wait: MSGPORT_F_NONBLOCK's -EAGAIN, timeouts and signals as a
 * send's) and gives the message to all (give()).  Clones and dropped
 * messages left over are freed outside the locks.
 *
 * Context: Process context, no msgport lock held; may sleep.
 * Return: 0 when published (to every subscription there was: a topic
 * without subscriptions takes a message and keeps nothing); -EINVAL;
 * -EMSGSIZE; -EIDRM (the topic was unlinked); -EDQUOT, -ENOMEM or -EFAULT
 * (the message could not be made); -EAGAIN, -ETIMEDOUT or -ERESTARTSYS
 * (with the time left written back as for a send) while a BLOCK
 * subscription was full.
 */
int mp_topic_publish(struct mp_mailbox *mb, struct mp_xfer *x)
{
	struct mp_mailbox *topic = mb->sub_of ? mb->sub_of : mb;
	struct mp_mailbox *sub, *blocker;
	struct clones c = { };
	struct mp_deadline d;
	struct mp_msg *body;
	unsigned int used = 0, victims = 0, want = 0, i;
	int ret = 0;
	u64 seq;

	if (x->flags & (MSGPORT_F_SYNC | MSGPORT_F_SPAN) || x->call || x->fds)
		return -EINVAL;
	if (x->prio > MSGPORT_PRIO_MAX)
		return -EINVAL;
	if (x->len > topic->max_msg_size)
		return -EMSGSIZE;
	if (READ_ONCE(topic->topic_closed))
		return -EIDRM;
	body = mp_msg_create(x);
	if (IS_ERR(body))
		return PTR_ERR(body);
	mp_deadline_init(&d, x);

	for (;;) {
		/* At least as many as it had when last locked: no livelock. */
		unsigned int n = max(READ_ONCE(topic->nsubs), want);

		if (n > c.n) {
			ret = clones_grow(&c, body, n);
			if (ret)
				goto out;
		}
		if (mutex_lock_interruptible(&topic->topic_lock)) {
			ret = -ERESTARTSYS;
			goto out;
		}
		if (topic->topic_closed) {
			ret = -EIDRM;
			break;
		}
		if (topic->nsubs > c.n) {
			want = topic->nsubs;
			mutex_unlock(&topic->topic_lock);
			continue;
		}
		blocker = full_blocker(topic);
		if (!blocker)
			break;
		kref_get(&blocker->ref);
		mutex_unlock(&topic->topic_lock);
		ret = mp_wait_nowait_error(x);
		if (!ret)
			ret = wait_for_room(blocker, &d);
		mp_mailbox_put(blocker);
		if (ret)
			goto out;
	}
	if (!ret) {
		u64 now = ktime_get_ns();

		seq = ++topic->next_seq;
		WRITE_ONCE(topic->sent, topic->sent + 1);
		list_for_each_entry(sub, &topic->subs, sub_link) {
			struct mp_msg *victim = NULL;

			if (give(sub, c.msg[used], seq, now, &victim))
				used++;
			if (victim)
				c.msg[c.n + victims++] = victim;
		}
		x->seq = seq;
	}
	mutex_unlock(&topic->topic_lock);
out:
	/* Left over: clones not given, messages dropped for their policies. */
	for (i = used; i < c.n; i++)
		mp_msg_put(c.msg[i]);
	for (i = 0; i < victims; i++)
		mp_msg_put(c.msg[c.n + i]);
	kfree(c.msg);
	mp_msg_put(body);
	return mp_wait_report_remaining(&d, x->utimeout, ret);
}
