// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: leases (the uapi header's "Leases"): a message taken with
 * MSGPORT_F_LEASE stays the mailbox's until the receiver commits it
 * (MSGPORT_IOC_COMMIT), refuses it (MSGPORT_COMMIT_REFUSE: dropped, its
 * sync sender fails) or returns it (MSGPORT_COMMIT_RETURN), or its open
 * file description closes (returned, newest first).
 *
 * A receive with MSGPORT_F_LEASE takes the first queued message (never one
 * handed over: a leasing receiver is no taker, queue.c) with
 * mp_queue_lease(): off the queue, its slot and bytes still counted, its
 * sync sender still waiting.  Once the message is copied out, recv.c gives
 * it here (mp_lease_hold()): it joins its descriptor's leases; a copy that
 * faults gives it back (mp_lease_putback()).  A commit frees it and gives
 * the receipt; a refusal frees it, counted as dropped, and fails its sync
 * sender with the holder's errno; a return puts it at the head of its
 * priority.
 *
 * A sync sender that times out or is interrupted while its message is
 * leased returns as if it had not been taken (-ETIMEDOUT, -ERESTARTSYS:
 * send.c) and marks the message withdrawn: a commit then fails with
 * -ECANCELED (a refusal too) and a return drops it (neither is delivered
 * twice).
 *
 * Locks and lifetimes
 *   Everything here is under mb->lock of the descriptor's mailbox: a
 *   file's leases (mbf->leases, an rbtree by seq through msg->snode, and
 *   mbf->lease_list, newest first through msg->link: both free while a
 *   message is off the queue), mb->lease_files (the files that have any)
 *   and msg->leased, ->withdrawn and ->sync.  A leased message has one
 *   owner: the receiver between its take and mp_lease_hold(), then its
 *   file's lease set; whoever takes it out of the set (commit, return,
 *   release, destruction) owns it, and frees it, outside the lock, or puts
 *   it back in the queue.  Ownership moves by NULLing the pointer it was
 *   held by (ipc/msg.c's do_msgsnd() style), each function has one exit.
 *   A file's leases go before the file does (mbfile_release(): first
 *   thing), so mb->lease_files never names a freed file; a mailbox's
 *   destruction (mp_mailbox_end()) drops them all after it set @dead, and
 *   mp_lease_hold() drops what comes after that.  Nothing is freed or
 *   copied under the lock.
 */
#include <linux/rbtree.h>
#include <linux/list.h>

#include "msgport.h"
#include "trace.h"

/* Messages freed per hold of the lock, and wake-ups one lease end needs. */
#define LEASE_BATCH	16
#define LEASE_WAKES	3

static struct mp_msg *lease_find(const struct mp_file *mbf, u64 seq)
{
	struct rb_node *n = mbf->leases.rb_node;
	struct mp_msg *m;

	while (n) {
		m = rb_entry(n, struct mp_msg, snode);
		if (seq < m->seq)
			n = n->rb_left;
		else if (seq > m->seq)
			n = n->rb_right;
		else
			return m;
	}
	return NULL;
}

/* @msg joins @mbf's leases (it has none with its seq). */
static void lease_add(struct mp_mailbox *mb, struct mp_file *mbf,
		      struct mp_msg *msg)
{
	struct rb_node **p = &mbf->leases.rb_node, *parent = NULL;
	struct mp_msg *cur;

	while (*p) {
		parent = *p;
		cur = rb_entry(parent, struct mp_msg, snode);
		p = msg->seq < cur->seq ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&msg->snode, parent, p);
	rb_insert_color(&msg->snode, &mbf->leases);
	if (list_empty(&mbf->lease_list))
		list_add_tail(&mbf->lease_link, &mb->lease_files);
	list_add(&msg->link, &mbf->lease_list);
}

/* @msg leaves @mbf's leases. */
static void lease_del(struct mp_file *mbf, struct mp_msg *msg)
{
	rb_erase(&msg->snode, &mbf->leases);
	RB_CLEAR_NODE(&msg->snode);
	list_del_init(&msg->link);
	if (list_empty(&mbf->lease_list))
		list_del_init(&mbf->lease_link);
}

/*
 * The lease of @msg ends: committed (@commit, @refuse 0), refused
 * (@commit, @refuse a positive errno: it leaves the mailbox, dropped),
 * else returned (dropped instead if withdrawn, or if @mb is dead).  Its
 * sync sender gets its receipt at a commit, -@refuse at a refusal,
 * -EIDRM (or the like) if dropped with @mb.  Up to LEASE_WAKES wake-ups.
 * True if @msg is the caller's to free now.
 */
static bool lease_end(struct mp_mailbox *mb, struct mp_msg *msg, bool commit,
		      int refuse, struct mp_wake *wk)
{
	struct mp_waiter *sw = msg->sync;
	bool back = !commit && !msg->withdrawn && !mb->dead;

	mp_queue_unlease(mb, msg, back, wk);
	if (back)
		return false;
	if (sw) {
		msg->sync = NULL;
		sw->msg = NULL;
		if (mb->dead) {
			WRITE_ONCE(sw->state, MP_W_IDRM);
			trace_msgport_wake(mb, sw, MP_TRACE_WAKE_DESTROYED);
		} else if (refuse) {
			sw->error = refuse;
			WRITE_ONCE(sw->state, MP_W_REFUSED);
			trace_msgport_wake(mb, sw, MP_TRACE_WAKE_REJECTED);
		} else {
			WRITE_ONCE(sw->state, MP_W_READY);
			trace_msgport_wake(mb, sw, MP_TRACE_WAKE_RECEIPT);
		}
		mp_wake_add(wk, sw);
	}
	/*
	 * Dropped (withdrawn, refused, or with @mb): no longer received, as
	 * mp_queue_lease() counted it.  Withdrawn, it was never sent either
	 * (send.c uncounted it), nor dropped; else it is dropped by its
	 * holder, or with @mb, as queued ones are.
	 */
	if (msg->withdrawn) {
		trace_msgport_drop(mb, msg, MP_TRACE_DROP_WITHDRAWN);
		mb->received--;
	} else if (!commit || refuse) {
		trace_msgport_drop(mb, msg, refuse ? MP_TRACE_DROP_REJECTED :
				   MP_TRACE_DROP_DESTROYED);
		mb->received--;
		mb->dropped++;
	}
	return true;
}

/**
 * mp_lease_hold() - a leased message, copied out, joins its file's leases
 * @mb: the mailbox
 * @mbf: the descriptor it was received through
 * @msg: the message, taken with mp_queue_lease(), the caller's
 *
 * From now on @msg is @mbf's, until committed or returned.  If @mb was
 * destroyed meanwhile, it is dropped instead (its sync sender told), as
 * destruction drops leases (a commit then says -EIDRM).
 *
 * Context: Process context, without mb->lock: takes it.  May sleep (a
 * dropped message is freed).
 */
void mp_lease_hold(struct mp_mailbox *mb, struct mp_file *mbf,
		   struct mp_msg *msg)
{
	struct mp_wake wk __uninitialized;

	mp_wake_init(&wk);
	spin_lock(&mb->lock);
	if (!mb->dead) {
		lease_add(mb, mbf, msg);
		msg = NULL;
	} else if (!lease_end(mb, msg, false, 0, &wk)) {
		msg = NULL;
	}
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);
	if (msg)
		mp_msg_put(msg);
}

/**
 * mp_lease_putback() - a leased message that could not be copied out
 * @mb: the mailbox
 * @msg: the message, taken with mp_queue_lease(), the caller's
 *
 * Returned as by MSGPORT_COMMIT_RETURN (or dropped: withdrawn, or @mb
 * destroyed).
 *
 * Context: Process context, without mb->lock: takes it.  May sleep.
 */
void mp_lease_putback(struct mp_mailbox *mb, struct mp_msg *msg)
{
	struct mp_wake wk __uninitialized;

	mp_wake_init(&wk);
	spin_lock(&mb->lock);
	if (!lease_end(mb, msg, false, 0, &wk))
		msg = NULL;
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);
	if (msg)
		mp_msg_put(msg);
}

/**
 * mp_lease_commit() - MSGPORT_IOC_COMMIT: end a lease
 * @mbf: the descriptor, with receive access
 * @seq: the leased message's sequence number (info.seq)
 * @flags: 0 to commit (the message leaves the mailbox, its sync sender gets
 *	its receipt, its descriptors are closed), MSGPORT_COMMIT_REFUSE to
 *	refuse it (it leaves the mailbox as a drop, its descriptors closed,
 *	its sync sender gets -@error), MSGPORT_COMMIT_RETURN to return it to
 *	the head of its priority (not both: checked by the caller)
 * @error: MSGPORT_COMMIT_REFUSE's errno, 1..511 (checked by the caller)
 *
 * Context: Process context, without mb->lock: takes it.  May sleep (a
 * committed message is freed).
 * Return: 0; mp_queue_dead_error() (-EIDRM) if the mailbox was destroyed;
 * -ENOENT if @mbf holds no lease of @seq; -ECANCELED for a commit or a
 * refusal of a message whose sync sender gave up (it is dropped; a return
 * of it drops it too, and succeeds).
 */
int mp_lease_commit(struct mp_file *mbf, u64 seq, u32 flags, u32 error)
{
	struct mp_mailbox *mb = mbf->mb;
	bool commit = !(flags & MSGPORT_COMMIT_RETURN);
	int refuse = (flags & MSGPORT_COMMIT_REFUSE) ? (int)error : 0;
	struct mp_wake wk __uninitialized;
	struct mp_msg *msg = NULL;
	int ret;

	mp_wake_init(&wk);
	spin_lock(&mb->lock);
	if (mb->dead) {
		ret = mp_queue_dead_error(mb, true);
		goto out;
	}
	msg = lease_find(mbf, seq);
	if (!msg) {
		ret = -ENOENT;
		goto out;
	}
	lease_del(mbf, msg);
	ret = commit && msg->withdrawn ? -ECANCELED : 0;
	if (!lease_end(mb, msg, commit, refuse, &wk))
		msg = NULL;
out:
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);
	if (msg)
		mp_msg_put(msg);
	return ret;
}

/*
 * Under mb->lock: end up to LEASE_BATCH of @mbf's leases (newest first)
 * as returns, or all of @mb's as drops (@mbf NULL, @mb dead), while @wk
 * has room; those to free go to @drop.  How many went to @drop; *@more if
 * some are left.
 */
static unsigned int leases_end(struct mp_mailbox *mb, struct mp_file *mbf,
			       struct mp_msg **drop, struct mp_wake *wk,
			       bool *more)
{
	struct mp_file *f;
	struct mp_msg *msg;
	unsigned int n = 0, done = 0;

	for (;;) {
		f = mbf ? mbf : list_first_entry_or_null(&mb->lease_files,
							 struct mp_file,
							 lease_link);
		*more = f && !list_empty(&f->lease_list);
		if (!*more || done == LEASE_BATCH ||
		    wk->n + LEASE_WAKES > MP_WAKE_MAX)
			break;
		msg = list_first_entry(&f->lease_list, struct mp_msg, link);
		lease_del(f, msg);
		done++;
		if (lease_end(mb, msg, false, 0, wk))
			drop[n++] = msg;
	}
	return n;
}

/* mp_lease_release() or mp_leases_drop(): in rounds, freed outside the lock. */
static void leases_end_all(struct mp_mailbox *mb, struct mp_file *mbf)
{
	struct mp_msg *drop[LEASE_BATCH];
	struct mp_wake wk __uninitialized;
	unsigned int i, n, nfree;
	bool more;

	mp_wake_init(&wk);
	do {
		spin_lock(&mb->lock);
		n = leases_end(mb, mbf, drop, &wk, &more);
		spin_unlock(&mb->lock);
		mp_wake_flush(mb, &wk);
		/* A peeker may still hold one (recv.c): the last frees it. */
		for (i = 0, nfree = 0; i < n; i++) {
			if (mp_msg_unref(drop[i]))
				drop[nfree++] = drop[i];
		}
		mp_msgs_free(drop, nfree);
		cond_resched();
	} while (more);
}

/**
 * mp_lease_release() - a descriptor closes: its leases are returned
 * @mbf: the descriptor, being released
 *
 * Every message leased through @mbf goes back as with
 * MSGPORT_COMMIT_RETURN, newest first, so that they are queued again in
 * the order they were taken (or are dropped: withdrawn, or the mailbox
 * destroyed).
 *
 * Context: Process context (the file's release), without mb->lock: takes
 * it, in rounds.  May sleep.
 */
void mp_lease_release(struct mp_file *mbf)
{
	leases_end_all(mbf->mb, mbf);
}

/**
 * mp_leases_drop() - a mailbox is destroyed: its leases are dropped
 * @mb: the mailbox, dead (mp_mailbox_end())
 *
 * Every leased message of @mb is dropped (counted in @mb->dropped), its
 * sync sender woken with the mailbox's error; commits then fail with
 * -EIDRM.
 *
 * Context: Process context, without mb->lock: takes it, in rounds.  May
 * sleep.
 */
void mp_leases_drop(struct mp_mailbox *mb)
{
	leases_end_all(mb, NULL);
}
