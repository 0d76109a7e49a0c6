// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: a mailbox's queue: its priority lists and their bitmap, putting a
 * message in and taking it out, handing it straight to a waiting receiver,
 * admitting a sender waiting for room, and kicking a receiver that has
 * something to take.
 *
 * Hand-off
 *   Receivers wait FIFO on recv_waiters, senders waiting for room FIFO on
 *   send_waiters (as ipc/mqueue.c's ext_wait_queue).  A sender that finds a
 *   receiver at the head of recv_waiters able to take its message (not a
 *   peek, buffer big enough or MSGPORT_F_TRUNC) hands the message straight
 *   to it; otherwise the message is queued and the first waiter, if any, is
 *   told to look again (RETRY), and passes the turn on if it cannot use it.
 *   So a receiver only sleeps while the queue has nothing for it.  A
 *   receiver that frees a slot of a full bounded mailbox moves the first
 *   waiting sender's message into the queue.  A sender with MSGPORT_F_SYNC
 *   (always on a rendezvous, capacity 0) leaves its message queued with
 *   msg->sync pointing at its waiter; the receiver that dequeues it marks
 *   the waiter READY ("taken") under the lock.
 *
 *   A receiver with a sender filter (@from, MSGPORT_F_FROM) looks only at
 *   that sender's messages, found through the index by sender (below), never
 *   by a walk of the queue; the hand-off goes to the first waiter whose
 *   filter admits the message, and a queued message wakes ("kicks") the
 *   first waiter that has something to take, so a message never waits
 *   while a receiver that wants it sleeps.  A call's request (msg->call,
 *   rpc.c) is an ordinary message whose call record learns, under mb->lock,
 *   when a receiver takes it (mp_call_taken()) and when it is taken
 *   back (mp_queue_withdraw()).
 *
 * Locking
 *   Everything here runs under mb->lock (it protects the first block of
 *   struct mp_mailbox: the lists, the bitmap, the counters, the waiter
 *   lists, @dead, and every struct mp_waiter while it is reachable
 *   from the mailbox), but mp_queue_withdraw(), which takes it.
 *   Nothing here sleeps, allocates or touches user memory.
 */
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/timekeeping.h>

#include "msgport.h"
#include "trace.h"

/*
 * The index by sender.  A receiver filtering on a sender (MSGPORT_F_FROM)
 * must find that sender's first message, and a kick must learn whether a
 * filtering receiver has anything to take, without walking the queue: a
 * queue may hold 10^5 messages of others while 128 such receivers wait.
 * Queued messages are grouped by (sender, priority): each group is a FIFO
 * ring through msg->sgroup, and its first message (its leader, msg->sleader)
 * stands for it in mb->senders, an rbtree ordered by sender and then by
 * priority, highest first.  So a sender's first message in queue order is
 * the leader of its leftmost group: O(log groups).  Nothing is allocated:
 * the index lives in the messages (a group's leadership moves to the next
 * message when its leader leaves).
 */
static bool group_less(const struct pid *a, u32 pa, const struct pid *b,
		       u32 pb)
{
	if (a != b)
		return (unsigned long)a < (unsigned long)b;
	return pa > pb;		/* higher priority first */
}

/* The leader of @from's first group (its first message), or NULL. */
static struct mp_msg *group_first(const struct mp_mailbox *mb,
				  const struct pid *from)
{
	struct rb_node *n = mb->senders.rb_node;
	struct mp_msg *m, *best = NULL;

	while (n) {
		m = rb_entry(n, struct mp_msg, snode);
		if ((unsigned long)m->tgid < (unsigned long)from) {
			n = n->rb_right;
		} else {
			if (m->tgid == from)
				best = m;
			n = n->rb_left;
		}
	}
	return best;
}

/* The leader of @msg's group, if the group exists. */
static struct mp_msg *group_find(const struct mp_mailbox *mb,
				 const struct mp_msg *msg)
{
	struct rb_node *n = mb->senders.rb_node;
	struct mp_msg *m;

	while (n) {
		m = rb_entry(n, struct mp_msg, snode);
		if (group_less(msg->tgid, msg->prio, m->tgid, m->prio))
			n = n->rb_left;
		else if (group_less(m->tgid, m->prio, msg->tgid, msg->prio))
			n = n->rb_right;
		else
			return m;
	}
	return NULL;
}

/* @msg joins its group: at the tail, or at the head (@head) as its leader. */
static void group_add(struct mp_mailbox *mb, struct mp_msg *msg, bool head)
{
	struct rb_node **link = &mb->senders.rb_node, *parent = NULL;
	struct mp_msg *lead = group_find(mb, msg), *m;

	if (lead) {
		/* Before the leader in the ring: the group's last... */
		list_add_tail(&msg->sgroup, &lead->sgroup);
		if (!head)
			return;
		/* ...or, put back at the head, its first: the new leader. */
		rb_replace_node(&lead->snode, &msg->snode, &mb->senders);
		lead->sleader = false;
		msg->sleader = true;
		return;
	}
	while (*link) {
		parent = *link;
		m = rb_entry(parent, struct mp_msg, snode);
		if (group_less(msg->tgid, msg->prio, m->tgid, m->prio))
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&msg->snode, parent, link);
	rb_insert_color(&msg->snode, &mb->senders);
	msg->sleader = true;
}

/* @msg leaves its group; the next in the ring leads it, if any. */
static void group_del(struct mp_mailbox *mb, struct mp_msg *msg)
{
	struct mp_msg *next;

	if (msg->sleader) {
		if (list_empty(&msg->sgroup)) {
			rb_erase(&msg->snode, &mb->senders);
		} else {
			next = list_next_entry(msg, sgroup);
			rb_replace_node(&msg->snode, &next->snode,
					&mb->senders);
			next->sleader = true;
		}
		msg->sleader = false;
	}
	list_del_init(&msg->sgroup);
}

/**
 * mp_queue_first() - the first queued message of a sender
 * @mb: the mailbox
 * @from: the sender's thread group (MSGPORT_F_FROM), or NULL for any
 *
 * The first message a receiver filtering on @from would take: in priority
 * order, highest first, FIFO within a priority, the first whose sender
 * (msg->tgid) is @from, found through the index by sender (O(log of the
 * queued (sender, priority) groups), no walk of the queue); without @from,
 * mp_queue_head().
 *
 * Context: Called with mb->lock held; does not sleep.
 * Return: The message (it stays queued), or NULL if there is none.
 */
struct mp_msg *mp_queue_first(const struct mp_mailbox *mb,
			      const struct pid *from)
{
	if (!from)
		return mp_queue_head(mb);
	return group_first(mb, from);
}
EXPORT_SYMBOL_NS_GPL(mp_queue_first, MP_TEST_NS);

/**
 * mp_queue_insert() - put a message in the queue
 * @mb: the mailbox
 * @msg: the message, not queued
 * @head: at the head of its priority's list (a message put back), not the
 *	tail
 * @wk: the wake-ups gathered, which get EPOLLIN
 *
 * Puts @msg on its priority's list and counts it (nmsgs, bytes).  Checks no
 * capacity and wakes no receiver: mp_queue_deliver() hands it over or kicks
 * one.
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_queue_insert(struct mp_mailbox *mb, struct mp_msg *msg,
		     bool head, struct mp_wake *wk)
{
	struct list_head *q = &mb->prio[msg->prio];

	if (head)
		list_add(&msg->link, q);
	else
		list_add_tail(&msg->link, q);
	if (msg->call) {
		if (head)
			list_add(&msg->qcall, &mb->queued_calls);
		else
			list_add_tail(&msg->qcall, &mb->queued_calls);
	}
	group_add(mb, msg, head);
	__set_bit(msg->prio, &mb->prio_map);
	WRITE_ONCE(mb->nmsgs, mb->nmsgs + 1);
	/* Every arrival, as pipes do: an edge-triggered poller sees each. */
	wk->poll |= EPOLLIN | EPOLLRDNORM;
	mb->bytes += msg->len;
}
EXPORT_SYMBOL_NS_GPL(mp_queue_insert, MP_TEST_NS);

/**
 * mp_queue_unlink() - take a message off the queue, nothing else
 * @mb: the mailbox
 * @msg: the message, queued
 *
 * Takes @msg off its priority's list and uncounts it (nmsgs, bytes).  A
 * freed slot admits no waiting sender: mp_queue_remove() does that.
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_queue_unlink(struct mp_mailbox *mb, struct mp_msg *msg)
{
	list_del_init(&msg->link);
	if (msg->call)
		list_del_init(&msg->qcall);
	group_del(mb, msg);
	if (list_empty(&mb->prio[msg->prio]))
		__clear_bit(msg->prio, &mb->prio_map);
	WRITE_ONCE(mb->nmsgs, mb->nmsgs - 1);
	mb->bytes -= msg->len;
}
EXPORT_SYMBOL_NS_GPL(mp_queue_unlink, MP_TEST_NS);

/*
 * A slot became free: the first sender waiting for room has its message
 * accepted and queued, and a receiver that wants it kicked: every path that
 * admits a message (a receiver's take, a sync send or a call withdrawn on
 * timeout, the last receiver's close) so wakes whoever waits for it.  A
 * sync sender keeps waiting for its receipt (QUEUED); any other is READY.
 */
static void admit_sender(struct mp_mailbox *mb, struct mp_wake *wk)
{
	struct mp_waiter *w;
	struct mp_msg *msg;

	/* Destroyed: its waiters are being woken with the error. */
	if (mb->dead || list_empty(&mb->send_waiters) ||
	    !mp_queue_has_room(mb))
		return;
	w = list_first_entry(&mb->send_waiters, struct mp_waiter, link);
	list_del_init(&w->link);
	msg = w->msg;
	mp_queue_stamp(mb, msg);
	w->seq = msg->seq;
	/*
	 * Queued, never handed over: the slot stays taken, so the mailbox
	 * stays full while senders wait (FIFO), and the receiver kicked for it
	 * admits the next sender when it takes it.
	 */
	mp_queue_insert(mb, msg, false, wk);
	mp_queue_kick(mb, wk);
	if (w->sync) {
		/* Keeps sleeping until a receiver takes it. */
		WRITE_ONCE(w->state, MP_W_QUEUED);
		msg->sync = w;
		return;
	}
	WRITE_ONCE(w->state, MP_W_READY);
	w->msg = NULL;
	trace_msgport_wake(mb, w, MP_TRACE_WAKE_ROOM);
	mp_wake_add(wk, w);
}

/**
 * mp_queue_remove() - take a message out of the queue
 * @mb: the mailbox
 * @msg: the message, queued
 * @wk: the wake-ups gathered
 *
 * mp_queue_unlink(); if that frees a slot of a full bounded mailbox that is
 * not destroyed, the first sender waiting for room has its message stamped
 * and queued, and a receiver that wants it kicked (a sync sender is then
 * QUEUED, waiting for its receipt; any other is READY and its wake-up goes to
 * @wk), and @wk gets EPOLLOUT if room is left.  Up to two wake-ups: the
 * sender's and a receiver's.
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_queue_remove(struct mp_mailbox *mb, struct mp_msg *msg,
		     struct mp_wake *wk)
{
	bool was_full = mb->capacity && !mp_queue_has_room(mb);

	mp_queue_unlink(mb, msg);
	if (was_full) {
		admit_sender(mb, wk);
		if (mp_queue_has_room(mb))
			wk->poll |= EPOLLOUT | EPOLLWRNORM;
	}
}

/**
 * mp_queue_waiter_for() - the first receiver that waits for a sender's messages
 * @mb: the mailbox
 * @tgid: the sender's thread group
 *
 * The first waiting receiver whose filter admits messages of @tgid (it has
 * none, or names @tgid): one that waits for another process's messages
 * only (MSGPORT_F_FROM) waits for nothing @tgid sends.
 *
 * Context: Called with mb->lock held; does not sleep.
 * Return: The receiver's waiter (still on recv_waiters), or NULL.
 */
struct mp_waiter *mp_queue_waiter_for(const struct mp_mailbox *mb,
				      const struct pid *tgid)
	__must_hold(&mb->lock)
{
	struct mp_waiter *w;

	list_for_each_entry(w, &mb->recv_waiters, link) {
		if (!w->from || w->from == tgid)
			return w;
	}
	return NULL;
}

/**
 * mp_queue_takes() - whether a waiting receiver would be handed a message
 * @mb: the mailbox
 * @w: the first waiting receiver for the message's sender
 *	(mp_queue_waiter_for()), or NULL
 * @prio: the message's priority
 * @len: the bytes a receiver gets of it (mp_msg_copy_len())
 *
 * Whether @w would take the message as it is: it is no peek, and its
 * buffer holds @len bytes or it accepts truncation, and it takes no lease
 * (a lease is taken from the queue: lease.c).  No later receiver is tried.
 * FIFO within a priority: while a message of the same or a higher priority
 * than @prio is queued (say, one too big for the waiter's buffer), it
 * would not, so the message queues behind it rather than overtaking it.
 *
 * Context: Called with mb->lock held; does not sleep.
 * Return: True if it would.
 */
bool mp_queue_takes(const struct mp_mailbox *mb, const struct mp_waiter *w,
		    u32 prio, u32 len)
	__must_hold(&mb->lock)
{
	return w && !(mb->prio_map >> prio) && w->take && !w->lease &&
	       (len <= w->buf_len || w->trunc);
}

/**
 * mp_queue_taker() - the waiting receiver a message can be handed to
 * @mb: the mailbox
 * @msg: the message, not queued
 *
 * The first waiting receiver for messages of @msg's sender, if it would
 * take @msg as the receiver would get it (mp_queue_waiter_for(),
 * mp_queue_takes(); a span taken by reference has no bytes to copy).
 *
 * Context: Called with mb->lock held; does not sleep.
 * Return: The receiver's waiter (still on recv_waiters), or NULL.
 */
struct mp_waiter *mp_queue_taker(struct mp_mailbox *mb,
				 const struct mp_msg *msg)
{
	struct mp_waiter *w;

	/* Without the walk if a queued message goes first anyway. */
	if (mb->prio_map >> msg->prio)
		return NULL;
	w = mp_queue_waiter_for(mb, msg->tgid);
	/* The copy length depends on the receiver: check it once found. */
	if (!mp_queue_takes(mb, w, msg->prio, 0) ||
	    (!w->trunc && (mp_msg_copy_len(msg, w->span) > w->buf_len ||
			   mp_fds_count(msg->fds) > w->fds_room)))
		return NULL;
	return w;
}

/**
 * mp_queue_handoff() - hand a message straight to a waiting receiver
 * @mb: the mailbox
 * @w: the receiver's waiter, from mp_queue_taker()
 * @msg: the message, not queued
 * @wk: the wake-ups gathered, which get @w's
 *
 * Unlinks @w, gives it @msg and marks it READY; @msg counts as received,
 * and a call's request tells its call it was taken (mp_call_taken()).
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_queue_handoff(struct mp_mailbox *mb, struct mp_waiter *w,
		      struct mp_msg *msg, struct mp_wake *wk)
{
	list_del_init(&w->link);
	w->msg = msg;
	WRITE_ONCE(w->state, MP_W_READY);
	mb->received++;
	if (msg->call)
		mp_call_taken(msg->call);
	trace_msgport_wake(mb, w, MP_TRACE_WAKE_HANDOFF);
	mp_wake_add(wk, w);
}

/**
 * mp_queue_kick() - wake a waiting receiver that has something to take
 * @mb: the mailbox
 * @wk: the wake-ups gathered, which get the receiver's
 *
 * If the queue has messages, the first waiting receiver that has one to
 * look at (it filters on no sender, or a message of the sender it filters
 * on is queued) is unlinked and marked RETRY, to look at the queue again.
 * Nobody is woken when none has one.
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_queue_kick(struct mp_mailbox *mb, struct mp_wake *wk)
{
	unsigned long visited = 0;
	struct mp_waiter *w;

	/* Nobody waiting (a stream's usual case): nothing to count either. */
	if (!mb->nmsgs || list_empty(&mb->recv_waiters))
		return;
	list_for_each_entry(w, &mb->recv_waiters, link) {
		visited++;
		if (!w->from || group_first(mb, w->from)) {
			list_del_init(&w->link);
			WRITE_ONCE(w->state, MP_W_RETRY);
			trace_msgport_wake(mb, w, MP_TRACE_WAKE_KICK);
			mp_wake_add(wk, w);
			break;
		}
	}
	mp_objects_note_hold(visited);
}

/**
 * mp_queue_deliver() - hand a message over or queue it
 * @mb: the mailbox
 * @msg: the message, not queued
 * @head: if queued, at the head of its priority's list (a message put back)
 * @wk: the wake-ups gathered
 *
 * Hands @msg to the first waiting receiver if it takes it
 * (mp_queue_taker(), mp_queue_handoff()), else queues it (mp_queue_insert())
 * and kicks a receiver that has something to take (mp_queue_kick()).
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_queue_deliver(struct mp_mailbox *mb, struct mp_msg *msg,
		      bool head, struct mp_wake *wk)
{
	struct mp_waiter *w = mp_queue_taker(mb, msg);

	if (w) {
		mp_queue_handoff(mb, w, msg, wk);
		return;
	}
	mp_queue_insert(mb, msg, head, wk);
	mp_queue_kick(mb, wk);
}

/**
 * mp_queue_take() - a receiver takes a message out of the queue
 * @mb: the mailbox
 * @msg: the message, queued
 * @wk: the wake-ups gathered: up to three (a sender admitted to the freed
 *	slot and the receiver kicked for its message, @msg's sync sender)
 *
 * mp_queue_remove(); @msg counts as received, a call's request tells its
 * call it was taken (mp_call_taken()), and a sync sender waiting for its
 * receipt (msg->sync) is marked READY, its message no longer its own, and
 * its wake-up goes to @wk.
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_queue_take(struct mp_mailbox *mb, struct mp_msg *msg,
		   struct mp_wake *wk)
{
	mp_queue_remove(mb, msg, wk);
	mb->received++;
	if (msg->call)
		mp_call_taken(msg->call);
	if (msg->sync) {
		struct mp_waiter *sw = msg->sync;

		WRITE_ONCE(sw->state, MP_W_READY);
		sw->msg = NULL;
		msg->sync = NULL;
		trace_msgport_wake(mb, sw, MP_TRACE_WAKE_RECEIPT);
		mp_wake_add(wk, sw);
	}
}

/**
 * mp_queue_rendezvous_ready() - whether a rendezvous send would go now
 * @mb: the mailbox, of capacity 0
 *
 * Whether the receiver a message would be handed to (the first waiting one
 * that filters on no sender) takes any message: it is no peek, and it
 * accepts truncation or its buffer holds @mb's largest message (and, unless
 * it takes spans by reference, the largest span: the region).  Poll's
 * EPOLLOUT on a rendezvous mailbox: a receiver that peeks, waits for
 * another sender or has a small buffer must not make a poll loop spin.
 *
 * Context: Called with mb->lock held; does not sleep.  Walks the waiting
 * receivers up to the first without a filter.
 * Return: True if a sender would hand its message over now.
 */
bool mp_queue_rendezvous_ready(const struct mp_mailbox *mb)
{
	const struct mp_waiter *w;

	list_for_each_entry(w, &mb->recv_waiters, link) {
		if (w->from)
			continue;
		/* A span not taken by reference is copied: up to the region. */
		return w->take && !w->lease &&
		       (w->trunc || (w->buf_len >= mb->max_msg_size &&
				     w->fds_room >= MSGPORT_FDS_MAX &&
				     (w->span || w->buf_len >= mp_region_size(mb))));
	}
	return false;
}

/**
 * mp_queue_first_call() - a queued request of a call
 * @mb: the mailbox
 *
 * The oldest queued request, or the last one put back at the head, found
 * without a walk of the queue: requests are also on @mb->queued_calls.
 *
 * Context: Called with mb->lock held; does not sleep.
 * Return: A queued message that is a call's request (msg->call; it stays
 * queued), or NULL if there is none.
 */
struct mp_msg *mp_queue_first_call(struct mp_mailbox *mb)
{
	return list_first_entry_or_null(&mb->queued_calls, struct mp_msg,
					qcall);
}

/**
 * mp_queue_withdraw() - take a call's request back out of the queue
 * @mb: the mailbox the request was sent to
 * @call: the call
 *
 * A caller gives up: if its request is still queued (call->request, under
 * mb->lock), takes it back out as if it had never been sent: removed
 * (mp_queue_remove()), uncounted from sent, the call told it was taken
 * (mp_call_taken()), and freed.
 *
 * Context: Called without mb->lock: takes and drops it, then sends the
 * wake-ups and frees the message (may sleep).
 * Return: True if it was withdrawn, false if a receiver has it (or had it).
 */
bool mp_queue_withdraw(struct mp_mailbox *mb,
		       struct mp_call *call)
{
	struct mp_wake wk __uninitialized;
	struct mp_msg *msg;

	mp_wake_init(&wk);
	spin_lock(&mb->lock);
	msg = mp_call_request(call);
	if (msg) {
		trace_msgport_drop(mb, msg, MP_TRACE_DROP_WITHDRAWN);
		mp_queue_remove(mb, msg, &wk);
		mb->sent--;
		mp_call_taken(call);
	}
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);
	if (!msg)
		return false;
	mp_msg_put(msg);
	return true;
}

/**
 * mp_queue_lease() - a receiver takes a message out of the queue under a lease
 * @mb: the mailbox
 * @msg: the message, queued, not a call's request
 * @wk: the wake-ups gathered (none: a lease frees no slot, gives no receipt)
 *
 * mp_queue_unlink(), but @msg still holds its slot (@mb->nleased: the
 * capacity counts it, so no sender is admitted) and its bytes, and its sync
 * sender (msg->sync) keeps waiting: until the lease ends
 * (mp_queue_unlease()).  @msg counts as received.
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_queue_lease(struct mp_mailbox *mb, struct mp_msg *msg,
		    struct mp_wake *wk)
{
	mp_queue_unlink(mb, msg);
	mb->nleased++;
	mb->bytes += msg->len;
	mb->received++;
	msg->leased = true;
}

/**
 * mp_queue_unlease() - a lease ends
 * @mb: the mailbox
 * @msg: the message, leased (mp_queue_lease())
 * @back: it goes back to the queue (returned), else it leaves the mailbox
 * @wk: the wake-ups gathered: up to two (a receiver kicked; or a sender
 *	admitted to the freed slot and the receiver of its message)
 *
 * Returned (@back), @msg goes to the head of its priority (in constant
 * time: several returned newest first keep their order), no longer
 * counted as received, and a receiver that wants it is kicked; its sync
 * sender still waits.  Else its slot is free: as mp_queue_remove(), the
 * first sender waiting for room is admitted.  The sync sender's receipt is
 * the caller's (lease.c).
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_queue_unlease(struct mp_mailbox *mb, struct mp_msg *msg, bool back,
		      struct mp_wake *wk)
{
	bool was_full = mb->capacity && !mp_queue_has_room(mb);

	mb->nleased--;
	mb->bytes -= msg->len;
	msg->leased = false;
	if (back) {
		mb->received--;
		mp_queue_insert(mb, msg, true, wk);
		mp_queue_kick(mb, wk);
		return;
	}
	if (was_full) {
		admit_sender(mb, wk);
		if (mp_queue_has_room(mb))
			wk->poll |= EPOLLOUT | EPOLLWRNORM;
	}
}
