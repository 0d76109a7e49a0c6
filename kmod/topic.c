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
 * Publishes are serialized by the lock, so every subscription sees the
 * topic's messages in one order, numbered by the topic (mb->next_seq).
 * A subscription's losses count in its stat.dropped and go with the next
 * message it is given (msg->lost, info.lost).
 *
 * Locking
 *   topic->topic_lock (a mutex): publishes, subscriptions joining and
 *   leaving, and the topic's destruction; it keeps topic->subs, ->nsubs and
 *   ->next_seq.  Under it, each subscription's mb->lock is taken in turn
 *   (topic_lock -> mb->lock), never two at once.  A hold visits each
 *   subscription once: at most max_subscribers of them.  A publisher waits
 *   for room on a BLOCK subscription's poll_wq (as a poller does: queued
 *   before it takes that mb->lock to look) with no lock held.
 *
 * Lifetimes
 *   A subscription holds a reference to its topic (the one its descriptor's
 *   open took, mp_registry_open()), given back by mp_topic_unsubscribe()
 *   when the descriptor closes; the topic's list holds none: a
 *   subscription leaves it (under topic_lock) before it is destroyed.  A
 *   publisher that waits on a subscription holds a reference to it.  A
 *   clone holds a reference to its body; the body holds its sender's pids,
 *   which the clones use without references of their own.
 */
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
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

/**
 * mp_topic_subscribe() - a new subscription to a topic
 * @topic: the topic, referenced by the caller
 * @capacity: the subscription's capacity: 0 for the topic's
 * @policy: one MSGPORT_TOPIC_* bit, or 0 for the default
 *
 * Makes a subscription (a mailbox charged to the caller's
 * max_user_mailboxes, with the topic's name, owner and mode for stat) and
 * adds it to @topic's subscriptions.  On success the subscription holds the
 * caller's reference to @topic.
 *
 * Context: Process context; may sleep.  Takes topic_lock.
 * Return: the subscription, with one reference (its descriptor's); or
 * ERR_PTR(): -EINVAL (@capacity above the topic's, or @policy not one
 * policy), -EPERM (@policy not allowed by the topic), -ENOSPC
 * (max_subscribers), -EIDRM (the topic is destroyed), -EDQUOT, -ENOMEM.
 */
struct mp_mailbox *mp_topic_subscribe(struct mp_mailbox *topic, u32 capacity,
				      u32 policy)
{
	struct mp_mailbox *sub;
	int ret = 0;

	if (!capacity)
		capacity = topic->capacity;
	if (topic->capacity != MSGPORT_CAPACITY_UNBOUNDED &&
	    capacity > topic->capacity)
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

	mutex_lock(&topic->topic_lock);
	if (READ_ONCE(topic->dead))
		ret = -EIDRM;
	else if (topic->nsubs >= READ_ONCE(mp_max_subscribers))
		ret = -ENOSPC;
	if (!ret) {
		sub->sub_of = topic;
		list_add_tail(&sub->sub_link, &topic->subs);
		topic->nsubs++;
	}
	mutex_unlock(&topic->topic_lock);
	if (ret) {
		mp_mailbox_destroy(sub);
		mp_mailbox_put(sub);
		return ERR_PTR(ret);
	}
	return sub;
}

/**
 * mp_topic_unsubscribe() - a subscription's descriptor closes
 * @sub: the subscription (its descriptor's reference, given up here)
 *
 * Takes @sub out of its topic's subscriptions, destroys it (its queued
 * clones are dropped, its waiters woken) and drops the descriptor's
 * reference to it.
 *
 * Context: Process context; may sleep.  Takes topic_lock, then @sub's lock.
 * Return: the topic, whose reference (the subscription's) passes to the
 * caller.
 */
struct mp_mailbox *mp_topic_unsubscribe(struct mp_mailbox *sub)
{
	struct mp_mailbox *topic = sub->sub_of;

	mutex_lock(&topic->topic_lock);
	list_del_init(&sub->sub_link);
	topic->nsubs--;
	mutex_unlock(&topic->topic_lock);
	mp_mailbox_destroy(sub);
	mp_mailbox_put(sub);
	return topic;
}

/**
 * mp_topic_destroy() - a topic is unlinked: its subscriptions end
 * @topic: the topic, destroyed by the caller after this
 *
 * Destroys every subscription (receivers get -EIDRM, queued clones are
 * dropped); they stay on the list until their descriptors close.  A
 * publisher finds the topic dead.
 *
 * Context: Process context; may sleep.  Takes topic_lock.
 */
void mp_topic_destroy(struct mp_mailbox *topic)
{
	struct mp_mailbox *sub;

	mutex_lock(&topic->topic_lock);
	WRITE_ONCE(topic->dead, true);
	list_for_each_entry(sub, &topic->subs, sub_link)
		mp_mailbox_destroy(sub);
	mutex_unlock(&topic->topic_lock);
}

/*
 * A full BLOCK subscription of @topic, referenced, or NULL if each has
 * room (or is destroyed: it takes nothing any more).
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
		if (full) {
			kref_get(&sub->ref);
			return sub;
		}
	}
	return NULL;
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
 * is full; a message it drops for it goes to *@victim.  False if @sub took
 * nothing (dropped the new message, or is destroyed): @clone stays the
 * caller's.
 */
static bool give(struct mp_mailbox *sub, struct mp_msg *clone, u64 seq,
		 u64 now, struct mp_msg **victim)
{
	struct mp_wake wk = { };
	bool given = false;

	spin_lock(&sub->lock);
	if (sub->dead)
		goto out;
	if (!mp_queue_has_room(sub)) {
		if (sub->sub_policy == MSGPORT_TOPIC_DROP_OLD) {
			*victim = mp_queue_least(sub);
			trace_msgport_drop(sub, *victim, MP_TRACE_DROP_OVERFLOW);
			mp_queue_remove(sub, *victim, &wk);
			/* The losses it would have told go with the next. */
			sub->sub_lost = min_t(u64, (u64)sub->sub_lost +
					      (*victim)->lost, U32_MAX);
		} else {
			/* DROP_NEW (BLOCK ones have room: full_blocker()). */
			WARN_ON_ONCE(sub->sub_policy != MSGPORT_TOPIC_DROP_NEW);
			lost_one(sub);
			goto out;
		}
		lost_one(sub);
	}
	clone->seq = seq;
	clone->send_time_ns = now;
	clone->lost = sub->sub_lost;
	sub->sub_lost = 0;
	sub->sent++;
	mp_queue_deliver(sub, clone, false, &wk);
	given = true;
out:
	spin_unlock(&sub->lock);
	mp_wake_flush(sub, &wk);
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
	unsigned int used = 0, victims = 0, i;
	u64 seq;
	int ret;

	if (x->flags & (MSGPORT_F_SYNC | MSGPORT_F_SPAN) || x->call || x->fds)
		return -EINVAL;
	if (x->prio > MSGPORT_PRIO_MAX)
		return -EINVAL;
	if (x->len > topic->max_msg_size)
		return -EMSGSIZE;
	if (READ_ONCE(topic->dead))
		return -EIDRM;
	body = mp_msg_create(x);
	if (IS_ERR(body))
		return PTR_ERR(body);
	mp_deadline_init(&d, x);

	for (;;) {
		unsigned int n = READ_ONCE(topic->nsubs);

		if (n > c.n) {
			ret = clones_grow(&c, body, n);
			if (ret)
				goto out;
		}
		if (mutex_lock_interruptible(&topic->topic_lock)) {
			ret = -ERESTARTSYS;
			goto out;
		}
		if (topic->dead) {
			ret = -EIDRM;
			break;
		}
		if (topic->nsubs > c.n) {
			mutex_unlock(&topic->topic_lock);
			continue;
		}
		blocker = full_blocker(topic);
		if (!blocker)
			break;
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
		topic->sent++;
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
