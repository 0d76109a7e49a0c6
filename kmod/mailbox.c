// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: a mailbox as a whole: made, referenced and freed, destroyed,
 * its receiving descriptors counted, polled, described (stat), its mode
 * changed.
 *
 * Lifetimes
 *   struct mp_mailbox is reference-counted (@ref): the name table
 *   holds one while the mailbox is linked (registry.c), each open
 *   descriptor one, a sender to an inbox one for the send (inbox.c); the
 *   last mp_mailbox_put() frees it.  Destruction (unlink, the last
 *   close of an ephemeral mailbox, an inbox's owner leaving) sets @dead,
 *   drops the queue (counted in @dropped) and wakes every waiter with
 *   -EIDRM (an inbox: -ECONNRESET, later senders -ECONNREFUSED:
 *   mp_mailbox_dead_error()); the memory stays until the last reference goes.
 *   @last_sender and @last_receiver (under mb->lock) hold pid references
 *   (of threads), replaced when another thread sends or receives (the old
 *   one is put after unlocking) and put when the mailbox is freed.
 *   @nreceivers counts the open descriptors that may receive: when the last
 *   closes, the queued requests of calls fail
 *   (mp_mailbox_receiver_closed()).
 *
 * Locking
 *   mb->lock (queue.c); its lock order: mp_registry_lock (registry.c)
 *   -> mb->lock.  poll_wq's own lock is never taken under mb->lock (pollers
 *   are woken after unlocking, wait.c).  Destruction works in rounds of
 *   MP_WAKE_MAX wake-ups, so the wake-up list stays on the stack.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/kref.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "msgport.h"

struct mp_mailbox *mp_mailbox_alloc(void)
{
	struct mp_mailbox *mb;
	int i;

	mb = kzalloc(sizeof(*mb), GFP_KERNEL_ACCOUNT);
	if (!mb)
		return NULL;
	spin_lock_init(&mb->lock);
	for (i = 0; i < MP_NR_PRIO; i++)
		INIT_LIST_HEAD(&mb->prio[i]);
	INIT_LIST_HEAD(&mb->recv_waiters);
	INIT_LIST_HEAD(&mb->send_waiters);
	init_waitqueue_head(&mb->poll_wq);
	mp_stash_init(&mb->stash, MP_STASH_MAX);
	INIT_HLIST_NODE(&mb->hnode);
	INIT_LIST_HEAD(&mb->node);
	kref_init(&mb->ref);
	atomic_long_inc(&mp_objects.mailboxes);
	return mb;
}
EXPORT_SYMBOL_NS_GPL(mp_mailbox_alloc, MP_TEST_NS);

void mp_mailbox_free(struct mp_mailbox *mb)
{
	WARN_ON(mb->nmsgs || !list_empty(&mb->recv_waiters) ||
		!list_empty(&mb->send_waiters));
	WARN_ON(!RB_EMPTY_ROOT(&mb->calls));
	put_pid(mb->owner);
	put_pid(mb->last_sender);
	put_pid(mb->last_receiver);
	mp_region_free(mb);
	mp_stash_drain(&mb->stash);
	kfree(mb);
	atomic_long_dec(&mp_objects.mailboxes);
}

/*
 * Destroy the queue: every later send and receive gets -EIDRM, sleepers wake
 * with -EIDRM, queued messages are dropped.  Works in batches so the wake-up
 * list stays on the stack.
 */
void mp_mailbox_destroy(struct mp_mailbox *mb)
{
	struct mp_wake wk = { };
	struct mp_waiter *w;
	struct mp_msg *msg;
	LIST_HEAD(drop);
	bool more;

	do {
		spin_lock(&mb->lock);
		if (!mb->dead) {
			WRITE_ONCE(mb->dead, true);
			wk.poll = EPOLLIN | EPOLLRDNORM | EPOLLOUT |
				  EPOLLWRNORM | EPOLLERR | EPOLLHUP;
		}
		while (!mp_wake_full(&wk) && (msg = mp_queue_head(mb))) {
			mp_queue_unlink(mb, msg);
			mb->dropped++;
			if (msg->call)
				mp_call_fail(msg->call,
					     mp_mailbox_dead_error(mb, true));
			w = msg->sync;
			if (w) {
				msg->sync = NULL;
				w->msg = NULL;
				WRITE_ONCE(w->state, MP_W_IDRM);
				mp_wake_add(&wk, w);
			}
			list_add_tail(&msg->link, &drop);
		}
		while (!mp_wake_full(&wk) && !list_empty(&mb->recv_waiters)) {
			w = list_first_entry(&mb->recv_waiters,
					     struct mp_waiter, link);
			list_del_init(&w->link);
			WRITE_ONCE(w->state, MP_W_IDRM);
			mp_wake_add(&wk, w);
		}
		while (!mp_wake_full(&wk) && !list_empty(&mb->send_waiters)) {
			/* Their messages were never queued: they free them. */
			w = list_first_entry(&mb->send_waiters,
					     struct mp_waiter, link);
			list_del_init(&w->link);
			WRITE_ONCE(w->state, MP_W_IDRM);
			mp_wake_add(&wk, w);
		}
		more = mb->nmsgs || !list_empty(&mb->recv_waiters) ||
		       !list_empty(&mb->send_waiters);
		spin_unlock(&mb->lock);
		mp_wake_flush(mb, &wk);
	} while (more);

	while ((msg = list_first_entry_or_null(&drop, struct mp_msg,
					       link))) {
		list_del(&msg->link);
		mp_msg_put(msg);
	}
	/* Calls received and not answered: their callers learn it now. */
	mp_calls_destroy(mb);
}
EXPORT_SYMBOL_NS_GPL(mp_mailbox_destroy, MP_TEST_NS);

void mp_mailbox_receiver_opened(struct mp_mailbox *mb)
{
	spin_lock(&mb->lock);
	mb->nreceivers++;
	spin_unlock(&mb->lock);
}

/*
 * A descriptor that could receive closed.  When it was the last one, the
 * calls still queued have nobody left to answer them (their server is
 * gone): they fail with -ECONNRESET rather than wait for a server that may
 * never come, and are counted as dropped.  Plain messages stay queued for a
 * later receiver, and a call made while no receiver is open waits for one.
 * Works in batches so the wake-up list stays on the stack.
 */
void mp_mailbox_receiver_closed(struct mp_mailbox *mb)
{
	struct mp_wake wk = { };
	struct mp_waiter *w;
	struct mp_msg *msg;
	LIST_HEAD(drop);
	bool last, more;

	spin_lock(&mb->lock);
	last = !--mb->nreceivers && !mb->dead;
	spin_unlock(&mb->lock);
	if (!last)
		return;
	do {
		more = false;
		spin_lock(&mb->lock);
		/* A receiver that opened meanwhile answers the rest. */
		while (!mb->dead && !mb->nreceivers &&
		       (msg = mp_queue_first_call(mb))) {
			/* Its sync sender, and a sender admitted to the slot. */
			if (wk.n + 2 > MP_WAKE_MAX) {
				more = true;
				break;
			}
			mp_queue_remove(mb, msg, &wk);
			mb->dropped++;
			w = msg->sync;
			if (w) {
				msg->sync = NULL;
				w->msg = NULL;
				WRITE_ONCE(w->state, MP_W_RESET);
				mp_wake_add(&wk, w);
			}
			mp_call_fail(msg->call, -ECONNRESET);
			list_add_tail(&msg->link, &drop);
		}
		spin_unlock(&mb->lock);
		mp_wake_flush(mb, &wk);
	} while (more);

	while ((msg = list_first_entry_or_null(&drop, struct mp_msg,
					       link))) {
		list_del(&msg->link);
		mp_msg_put(msg);
	}
}

__poll_t mp_mailbox_poll(struct mp_mailbox *mb, struct file *file,
			 struct poll_table_struct *pt)
{
	__poll_t mask = 0;

	poll_wait(file, &mb->poll_wq, pt);
	spin_lock(&mb->lock);
	if (mb->dead) {
		mask = EPOLLERR | EPOLLHUP;
	} else {
		if (mb->nmsgs)
			mask |= EPOLLIN | EPOLLRDNORM;
		if (mb->capacity ? mp_queue_has_room(mb) :
				   !list_empty(&mb->recv_waiters))
			mask |= EPOLLOUT | EPOLLWRNORM;
	}
	spin_unlock(&mb->lock);
	return mask;
}

void mp_mailbox_stat(struct mp_mailbox *mb, struct msgport_stat *st)
{
	struct user_namespace *uns = current_user_ns();

	memset(st, 0, sizeof(*st));
	memcpy(st->name, mb->name, mb->name_len);
	st->uid = from_kuid_munged(uns, mb->uid);
	st->gid = from_kgid_munged(uns, mb->gid);
	st->capacity = mb->capacity;
	st->max_msg_size = mb->max_msg_size;
	if (mb->ephemeral)
		st->flags |= MSGPORT_STAT_EPHEMERAL;
	st->region_size = mp_region_size(mb);
	st->region_maps = mp_region_maps(mb);
	if (mb->owner) {
		st->flags |= MSGPORT_STAT_INBOX;
		st->owner_pid = pid_vnr(mb->owner);
	}

	spin_lock(&mb->lock);
	st->mode = mb->mode;
	if (mb->dead)
		st->flags |= MSGPORT_STAT_UNLINKED;
	st->waiting_senders = mb->wsend;
	st->waiting_receivers = mb->wrecv;
	st->queued_msgs = mb->nmsgs;
	st->queued_bytes = mb->bytes;
	st->sent = mb->sent;
	st->received = mb->received;
	st->dropped = mb->dropped;
	st->calls = mb->ncalls;
	spin_unlock(&mb->lock);
}
EXPORT_SYMBOL_NS_GPL(mp_mailbox_stat, MP_TEST_NS);

int mp_mailbox_set_mode(struct mp_mailbox *mb, u32 mode)
{
	int ret = 0;

	spin_lock(&mb->lock);
	if (mb->dead)
		ret = mp_mailbox_dead_error(mb, true);
	else
		WRITE_ONCE(mb->mode, mode);
	spin_unlock(&mb->lock);
	return ret;
}

static void mailbox_kref_release(struct kref *ref)
{
	mp_mailbox_free(container_of(ref, struct mp_mailbox, ref));
}

void mp_mailbox_put(struct mp_mailbox *mb)
{
	kref_put(&mb->ref, mailbox_kref_release);
}
EXPORT_SYMBOL_NS_GPL(mp_mailbox_put, MP_TEST_NS);

/* May the current task unlink @mb or change its mode: its owner or CAP_IPC_OWNER. */
bool mp_mailbox_is_owner(const struct mp_mailbox *mb)
{
	return uid_eq(current_euid(), mb->uid) || capable(CAP_IPC_OWNER);
}
