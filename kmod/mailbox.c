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
 *   close of an ephemeral mailbox, an inbox's owner leaving, the last
 *   receiver of an anonymous mailbox leaving) sets @dead, drops the queue
 *   (counted in @dropped) and wakes every waiter with -EIDRM (an inbox:
 *   -ECONNRESET, later senders -ECONNREFUSED; an anonymous mailbox: -EPIPE:
 *   mp_queue_dead_error()); the memory stays until the last reference goes.
 *   @last_sender and @last_receiver (under mb->lock) hold pid references
 *   (of threads), replaced when another thread sends or receives (the old
 *   one is put after unlocking) and put when the mailbox is freed.
 *   @nreceivers counts the open descriptors that may receive: when the last
 *   closes, the queued requests of calls fail
 *   (mp_mailbox_receiver_closed()); for an anonymous mailbox (@anon), whose
 *   descriptors can never gain a right, it is destroyed instead
 *   (mp_mailbox_destroy()): its queued requests, blocked senders and callers,
 *   and later sends and calls get -EPIPE; the calls its receivers had
 *   claimed already failed with -ECONNRESET at each one's release
 *   (mp_calls_release(), rpc.c).  It then no longer counts against its
 *   creator's max_user_mailboxes nor its
 *   namespace's max_mailboxes (registry.c), and its region's pages and
 *   their charge go (mp_region_drop_pages()): descriptors that can only
 *   send hold nothing of the creator's but the struct.  @nsenders counts
 *   those that may send: when the last of an anonymous mailbox closes,
 *   @hup is set (under mb->lock, never cleared): receivers that find
 *   nothing to take, a batch receiver's spin and region waiters whose word
 *   did not change get -EPIPE (mp_mailbox_sender_closed()).
 *
 * Locking
 *   mb->lock (queue.c); its lock orders: mp_registry_lock (registry.c)
 *   -> mb->lock, and a topic's topic_lock -> a subscription's mb->lock
 *   (topic.c; topic_lock is never taken under mp_registry_lock).
 *   poll_wq's own lock is never taken under mb->lock (pollers are woken
 *   after unlocking, wait.c).  Destruction works in rounds of
 *   MP_WAKE_MAX wake-ups, so the wake-up list stays on the stack.
 *   Two rules that let a waker look for pollers without a full barrier
 *   (mp_wake_flush()): ->poll queues itself on poll_wq before it takes
 *   mb->lock, and every state the poll mask reads changes only under
 *   mb->lock (a poller's lock hold then either sees the change, or its
 *   queueing is seen by the waker after the waker's unlock).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/ipc_namespace.h>
#include <linux/kref.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "msgport.h"
#include "trace.h"

/* Messages a destroy takes out, and frees, per hold of the lock. */
#define MP_DESTROY_BATCH	32

/* Give back @mb's count in its creator's max_user_mailboxes, once. */
static void uncount(struct mp_mailbox *mb)
{
	struct mp_quota *q = xchg(&mb->quota, NULL);

	if (q)
		mp_quota_uncharge_mailbox(q);
}

/**
 * mp_mailbox_alloc() - allocate a new, empty mailbox
 *
 * Allocates a zeroed mailbox with empty priority queues and waiter lists, its
 * poll wait queue, one reference (kref_init()), and the first guesses of its
 * wake-up time and copy rate (MP_WAKE_NS_FIRST, MP_COPY_NS_KIB_FIRST), and
 * counts it in mp_objects.mailboxes, and against its creator's
 * max_user_mailboxes (mp_quota_charge_mailbox()); it holds the user namespace
 * that owns the creator's IPC namespace (CAP_IPC_OWNER over the mailbox is over
 * that).  It has no name, region or owner and is not linked: the caller sets
 * its attributes before publishing it.
 *
 * Context: Process context.  May sleep (GFP_KERNEL_ACCOUNT: charged to the
 * caller's memory cgroup).  May take mp_quota_lock (a leaf).
 *
 * Return: the mailbox, or ERR_PTR(-ENOMEM), or ERR_PTR(-EDQUOT) if the
 * current euid has max_user_mailboxes mailboxes already.
 */
struct mp_mailbox *mp_mailbox_alloc(void)
{
	struct mp_mailbox *mb;
	int i, ret;

	mb = kzalloc(sizeof(*mb), GFP_KERNEL_ACCOUNT);
	if (!mb)
		return ERR_PTR(-ENOMEM);
	ret = mp_quota_charge_mailbox(&mb->quota);
	if (ret) {
		kfree(mb);
		return ERR_PTR(ret);
	}
	/* CAP_IPC_OWNER over it is over its creator's IPC namespace. */
	mb->user_ns = get_user_ns(current->nsproxy->ipc_ns->user_ns);
	spin_lock_init(&mb->lock);
	for (i = 0; i < MP_NR_PRIO; i++)
		INIT_LIST_HEAD(&mb->prio[i]);
	INIT_LIST_HEAD(&mb->recv_waiters);
	INIT_LIST_HEAD(&mb->send_waiters);
	INIT_LIST_HEAD(&mb->queued_calls);
	INIT_LIST_HEAD(&mb->lease_files);
	mb->senders = RB_ROOT;
	mb->wake_ns = MP_WAKE_NS_FIRST;
	mb->copy_ns_kib = MP_COPY_NS_KIB_FIRST;
	init_waitqueue_head(&mb->poll_wq);
	INIT_HLIST_NODE(&mb->hnode);
	INIT_LIST_HEAD(&mb->node);
	mutex_init(&mb->topic_lock);
	INIT_LIST_HEAD(&mb->subs);
	INIT_LIST_HEAD(&mb->sub_link);
	kref_init(&mb->ref);
	atomic_long_inc(&mp_objects.mailboxes);
	return mb;
}
EXPORT_SYMBOL_NS_GPL(mp_mailbox_alloc, MP_TEST_NS);

/**
 * mp_mailbox_free() - free a mailbox and what it holds
 * @mb: the mailbox: its last reference is gone, or it was never published
 *
 * Drops the owner, last sender and last receiver pid references, frees the
 * region (mp_region_free()), frees @mb and uncounts it in
 * mp_objects.mailboxes.  Warns if messages, waiters or claimed calls are
 * left.  mp_mailbox_put() calls it on the last reference; registry.c calls it
 * directly for a mailbox it made but did not link.
 *
 * Context: Process context, no spinlock held.  May sleep.  Takes no lock of its
 * own; the region's uncharge may take mp_quota_lock (a leaf).
 */
void mp_mailbox_free(struct mp_mailbox *mb)
{
	WARN_ON(mb->nmsgs || mb->nleased || !list_empty(&mb->lease_files) ||
		!list_empty(&mb->recv_waiters) ||
		!list_empty(&mb->send_waiters));
	WARN_ON(!RB_EMPTY_ROOT(&mb->calls) || !RB_EMPTY_ROOT(&mb->senders));
	put_pid(mb->owner);
	put_pid(mb->last_sender);
	put_pid(mb->last_receiver);
	mp_region_free(mb);
	uncount(mb);
	put_user_ns(mb->user_ns);
	kfree(mb);
	atomic_long_dec(&mp_objects.mailboxes);
}

/*
 * A teardown's round of messages, taken out of the queue: drop the queue's
 * reference to each (a peeker may still hold one), free those that were the
 * last together, outside the lock, and reschedule before the next round.
 */
static void drop_msgs(struct mp_msg **msgs, unsigned int n)
{
	unsigned int i, nfree = 0;

	for (i = 0; i < n; i++) {
		if (mp_msg_unref(msgs[i]))
			msgs[nfree++] = msgs[i];
	}
	mp_msgs_free(msgs, nfree);
	mp_objects_note_run(nfree);
	cond_resched();
}

/**
 * mp_mailbox_end() - destroy a mailbox's queue, the mailbox still counted
 * @mb: the mailbox
 *
 * Marks @mb dead: every later send and receive fails, and every sleeping sender
 * and receiver wakes, with -EIDRM (an inbox: -ECONNRESET, later senders
 * -ECONNREFUSED; an anonymous mailbox: -EPIPE; mp_queue_dead_error()).  Queued
 * messages are dropped and counted in @mb->dropped; the call of a queued
 * request fails; the sync sender of a queued message wakes; leased messages
 * are dropped too (mp_leases_drop()).  Senders waiting
 * for room wake and free their messages themselves (never queued).  Pollers are
 * woken with EPOLLIN, EPOLLOUT, EPOLLERR and EPOLLHUP.  Then the calls received
 * and not yet answered fail too (mp_calls_destroy()).  Works in rounds of up to
 * MP_DESTROY_BATCH messages and MP_WAKE_MAX wake-ups, so that no hold of the
 * lock grows with what is queued and the wake-up list stays on the stack; each
 * round's messages are freed outside the lock and the task reschedules between
 * rounds (a mailbox may hold hundreds of thousands of messages).  The memory
 * stays until the last reference goes, and @mb still counts against its
 * creator's max_user_mailboxes: mp_mailbox_destroy() ends the count too.
 *
 * Context: Process context, no msgport lock held (callers drop mp_registry_lock
 * or mp_inbox_lock first).  May sleep (the dropped messages are freed).  Takes
 * and releases mb->lock, once per round and once more in mp_calls_destroy().
 */
static void mp_mailbox_end(struct mp_mailbox *mb)
{
	struct mp_msg *drop[MP_DESTROY_BATCH];
	struct mp_wake wk __uninitialized;
	struct mp_waiter *w;
	unsigned int n;
	struct mp_msg *msg;
	bool more;

	mp_wake_init(&wk);
	do {
		n = 0;
		spin_lock(&mb->lock);
		if (!mb->dead) {
			WRITE_ONCE(mb->dead, true);
			wk.poll = EPOLLIN | EPOLLRDNORM | EPOLLOUT |
				  EPOLLWRNORM | EPOLLERR | EPOLLHUP;
		}
		while (n < MP_DESTROY_BATCH && !mp_wake_full(&wk) &&
		       (msg = mp_queue_head(mb))) {
			mp_queue_unlink(mb, msg);
			trace_msgport_drop(mb, msg, MP_TRACE_DROP_DESTROYED);
			mb->dropped++;
			if (msg->call)
				mp_call_fail(msg->call,
					     mp_queue_dead_error(mb, true));
			w = msg->sync;
			if (w) {
				msg->sync = NULL;
				w->msg = NULL;
				WRITE_ONCE(w->state, MP_W_IDRM);
				trace_msgport_wake(mb, w, MP_TRACE_WAKE_DESTROYED);
				mp_wake_add(&wk, w);
			}
			drop[n++] = msg;
		}
		while (!mp_wake_full(&wk) && !list_empty(&mb->recv_waiters)) {
			w = list_first_entry(&mb->recv_waiters,
					     struct mp_waiter, link);
			list_del_init(&w->link);
			WRITE_ONCE(w->state, MP_W_IDRM);
			trace_msgport_wake(mb, w, MP_TRACE_WAKE_DESTROYED);
			mp_wake_add(&wk, w);
		}
		while (!mp_wake_full(&wk) && !list_empty(&mb->send_waiters)) {
			/* Their messages were never queued: they free them. */
			w = list_first_entry(&mb->send_waiters,
					     struct mp_waiter, link);
			list_del_init(&w->link);
			WRITE_ONCE(w->state, MP_W_IDRM);
			trace_msgport_wake(mb, w, MP_TRACE_WAKE_DESTROYED);
			mp_wake_add(&wk, w);
		}
		more = mb->nmsgs || !list_empty(&mb->recv_waiters) ||
		       !list_empty(&mb->send_waiters);
		spin_unlock(&mb->lock);
		mp_objects_note_hold(n + wk.n);
		mp_wake_flush(mb, &wk);

		drop_msgs(drop, n);
	} while (more);

	/* Leased messages go too; their commits get the error. */
	mp_leases_drop(mb);
	/* Calls received and not answered: their callers learn it now. */
	mp_calls_destroy(mb);
}

/**
 * mp_mailbox_destroy() - destroy a mailbox's queue
 * @mb: the mailbox, already out of the name table or the inbox table, or an
 *      anonymous one whose last descriptor that can receive or send is gone
 *
 * As mp_mailbox_end(), then @mb no longer counts against its creator's
 * max_user_mailboxes: a descriptor still open (for stat, say) keeps only the
 * struct.
 *
 * Context: As mp_mailbox_end().
 */
void mp_mailbox_destroy(struct mp_mailbox *mb)
{
	mp_mailbox_end(mb);
	uncount(mb);
}
EXPORT_SYMBOL_NS_GPL(mp_mailbox_destroy, MP_TEST_NS);

/**
 * mp_mailbox_receiver_opened() - count a new descriptor that may receive
 * @mb: the mailbox
 *
 * Raises @mb->nreceivers, which mp_mailbox_receiver_closed() lowers.
 *
 * Context: Process context, mb->lock not held.  Takes and releases mb->lock;
 * does not sleep.
 */
void mp_mailbox_receiver_opened(struct mp_mailbox *mb)
{
	spin_lock(&mb->lock);
	mb->nreceivers++;
	spin_unlock(&mb->lock);
}

/**
 * mp_mailbox_receiver_closed() - a descriptor that could receive closed
 * @mb: the mailbox
 *
 * Lowers @mb->nreceivers.  When it was the last one of an anonymous mailbox,
 * no receiver can ever come (no descriptor can gain the right to receive):
 * @mb is destroyed (mp_mailbox_destroy(): its queue dropped, its senders
 * woken, all with -EPIPE, mp_queue_dead_error(); it no longer counts for
 * its creator) and its region's pages go (mp_region_drop_pages(): no
 * mapping is left, a mapping holds a descriptor that can receive); its
 * namespace uncounts it when this descriptor's release goes on (registry.c
 * sees @dead).  When it was the last one
 * of a named mailbox (and @mb is not dead), the calls still queued have
 * nobody left to answer them (their server is gone): they are removed and
 * fail with -ECONNRESET, rather than wait for a server that may never come,
 * their sync senders wake, and they are counted as dropped; the room they
 * free may admit senders waiting for it.  Plain messages
 * stay queued for a later receiver, and a call made while no receiver is open
 * waits for one.  A receiver that opens meanwhile stops this and answers the
 * rest.  The requests are found without a walk of the queue
 * (mp_queue_first_call()); it works in rounds of up to MP_DESTROY_BATCH
 * requests and MP_WAKE_MAX wake-ups, freeing each round's outside the lock
 * and rescheduling between rounds, as mp_mailbox_destroy() does.
 *
 * Context: Process context (the descriptor's release), no msgport lock held.
 * May sleep (the failed requests are freed).  Takes and releases mb->lock.
 */
void mp_mailbox_receiver_closed(struct mp_mailbox *mb)
{
	struct mp_msg *drop[MP_DESTROY_BATCH];
	struct mp_wake wk __uninitialized;
	struct mp_waiter *w;
	struct mp_msg *msg;
	unsigned int n;
	bool last, more;

	mp_wake_init(&wk);
	spin_lock(&mb->lock);
	last = !--mb->nreceivers && !mb->dead;
	spin_unlock(&mb->lock);
	if (!last)
		return;
	/* Anonymous: no receiver can come any more; it ends, as a pipe. */
	if (mb->anon) {
		mp_mailbox_destroy(mb);
		mp_region_drop_pages(mb);
		return;
	}
	do {
		more = false;
		n = 0;
		spin_lock(&mb->lock);
		/* A receiver that opened meanwhile answers the rest. */
		while (!mb->dead && !mb->nreceivers &&
		       (msg = mp_queue_first_call(mb))) {
			/*
			 * Its sync sender, a sender admitted to the slot and
			 * the receiver of that sender's message.
			 */
			if (n == MP_DESTROY_BATCH || wk.n + 3 > MP_WAKE_MAX) {
				more = true;
				break;
			}
			mp_queue_remove(mb, msg, &wk);
			trace_msgport_drop(mb, msg, MP_TRACE_DROP_NO_RECEIVER);
			mb->dropped++;
			w = msg->sync;
			if (w) {
				msg->sync = NULL;
				w->msg = NULL;
				WRITE_ONCE(w->state, MP_W_RESET);
				trace_msgport_wake(mb, w, MP_TRACE_WAKE_RESET);
				mp_wake_add(&wk, w);
			}
			mp_call_fail(msg->call, -ECONNRESET);
			drop[n++] = msg;
		}
		spin_unlock(&mb->lock);
		mp_objects_note_hold(n);
		mp_wake_flush(mb, &wk);
		drop_msgs(drop, n);
	} while (more);
}

/**
 * mp_mailbox_sender_opened() - count a new descriptor that may send
 * @mb: the mailbox
 *
 * Raises @mb->nsenders, which mp_mailbox_sender_closed() lowers.
 *
 * Context: Process context, mb->lock not held.  Takes and releases mb->lock;
 * does not sleep.
 */
void mp_mailbox_sender_opened(struct mp_mailbox *mb)
{
	spin_lock(&mb->lock);
	mb->nsenders++;
	spin_unlock(&mb->lock);
}

/**
 * mp_mailbox_sender_closed() - a descriptor that could send closed
 * @mb: the mailbox
 *
 * Lowers @mb->nsenders.  When it was the last one of an anonymous mailbox,
 * no message can come any more (no descriptor can gain the right to send):
 * @mb->hup is set, every sleeping receiver is woken to look at the queue
 * again (one that finds nothing fails with -EPIPE, mp_recv()), pollers
 * get EPOLLHUP, and every task in mp_region_wait() on its region is woken
 * (one whose word did not change fails with -EPIPE: only a descriptor that
 * can send maps the region writable, and none is left).  This descriptor
 * still keeps the region (its count in mb->nfiles goes after this,
 * registry.c).  A named mailbox only counts: its name can be opened again.
 * Works in rounds of MP_WAKE_MAX wake-ups, as mp_mailbox_destroy() does;
 * no receiver queues itself once @mb->hup is set, so the rounds end.
 *
 * Context: Process context (the descriptor's release), no msgport lock held.
 * Takes and releases mb->lock, then the region's wait queue lock; does not
 * sleep.
 */
void mp_mailbox_sender_closed(struct mp_mailbox *mb)
{
	struct mp_wake wk __uninitialized;
	struct mp_waiter *w;
	bool more;

	mp_wake_init(&wk);
	spin_lock(&mb->lock);
	if (--mb->nsenders || !mb->anon || mb->hup) {
		spin_unlock(&mb->lock);
		return;
	}
	WRITE_ONCE(mb->hup, true);
	wk.poll = EPOLLIN | EPOLLRDNORM | EPOLLHUP;
	for (;;) {
		while (!mp_wake_full(&wk) && !list_empty(&mb->recv_waiters)) {
			w = list_first_entry(&mb->recv_waiters,
					     struct mp_waiter, link);
			list_del_init(&w->link);
			WRITE_ONCE(w->state, MP_W_RETRY);
			trace_msgport_wake(mb, w, MP_TRACE_WAKE_KICK);
			mp_wake_add(&wk, w);
		}
		more = !list_empty(&mb->recv_waiters);
		spin_unlock(&mb->lock);
		mp_wake_flush(mb, &wk);
		if (!more)
			break;
		spin_lock(&mb->lock);
	}
	/* Nobody can write a region word either: its waiters get -EPIPE. */
	mp_region_wake(mb);
}

/**
 * mp_mailbox_poll() - poll(2) of a mailbox descriptor
 * @mb: the descriptor's mailbox
 * @file: the descriptor's file
 * @pt: the poll table
 *
 * Registers @pt on @mb's poll wait queue and reports the mailbox's state.
 *
 * Context: Process context (the descriptor's ->poll), mb->lock not held.  Takes
 * and releases mb->lock; does not sleep.
 *
 * Return: EPOLLERR | EPOLLHUP if @mb is dead; otherwise EPOLLIN | EPOLLRDNORM
 * if a message is queued, with EPOLLOUT | EPOLLWRNORM if the queue has room
 * (mp_queue_has_room()) or, for a mailbox of capacity 0, a waiting receiver
 * would take any message now (mp_queue_rendezvous_ready()), and EPOLLHUP if
 * it is anonymous and no sender is left (@mb->hup); 0 if none of these.
 */
__poll_t mp_mailbox_poll(struct mp_mailbox *mb, struct file *file,
			 struct poll_table_struct *pt)
{
	__poll_t mask = 0;

	/* Queued before the state is read under the lock: mp_wake_flush(). */
	poll_wait(file, &mb->poll_wq, pt);
	spin_lock(&mb->lock);
	if (mb->dead) {
		mask = EPOLLERR | EPOLLHUP;
	} else {
		if (mb->nmsgs)
			mask |= EPOLLIN | EPOLLRDNORM;
		if (mb->capacity ? mp_queue_has_room(mb) :
				   mp_queue_rendezvous_ready(mb))
			mask |= EPOLLOUT | EPOLLWRNORM;
		/* Anonymous with no sender left: a receive ends, as a pipe's. */
		if (mb->hup)
			mask |= EPOLLHUP;
	}
	spin_unlock(&mb->lock);
	return mask;
}

/**
 * mp_mailbox_stat() - describe a mailbox (MSGPORT_IOC_STAT, /proc/msgport)
 * @mb: the mailbox
 * @st: zeroed, then filled in
 *
 * Fills @st with the name, the uid and gid as seen in the current user
 * namespace, the capacity, the maximum message size, the region's size and
 * mapping count, the flags MSGPORT_STAT_EPHEMERAL, MSGPORT_STAT_ANON,
 * MSGPORT_STAT_INBOX (with the
 * owner's pid in the current pid namespace) and MSGPORT_STAT_UNLINKED (@mb is
 * dead), and, as one snapshot taken under mb->lock, the mode, the sleeping
 * senders and receivers, the queued messages and bytes, and the counts of
 * messages sent, received and dropped and of calls received and not yet
 * answered.
 *
 * Context: Process context, mb->lock not held; mp_registry_lock may be held
 * (/proc/msgport).  Takes and releases mb->lock; does not sleep.
 */
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
	if (mb->anon)
		st->flags |= MSGPORT_STAT_ANON;
	if (mb->owner) {
		st->flags |= MSGPORT_STAT_INBOX;
		st->owner_pid = pid_vnr(mb->owner);
	}
	if (mb->is_topic)
		st->flags |= MSGPORT_STAT_TOPIC;
	if (mb->sub_of)
		st->flags |= MSGPORT_STAT_SUBSCRIPTION;

	spin_lock(&mb->lock);
	/* Under the lock: a stat-only descriptor's region may go (registry.c). */
	st->region_size = mp_region_size(mb);
	st->region_maps = mp_region_maps(mb);
	/* A subscription's mode is its topic's (set there: chmod). */
	st->mode = mb->sub_of ? READ_ONCE(mb->sub_of->mode) : mb->mode;
	if (mb->dead)
		st->flags |= MSGPORT_STAT_UNLINKED;
	st->waiting_senders = mb->wsend;
	st->waiting_receivers = mb->wrecv;
	/* Leased ones are still the mailbox's (their bytes are in @bytes). */
	st->queued_msgs = mb->nmsgs + mb->nleased;
	st->queued_bytes = mb->bytes;
	/* A topic's is written under its topic_lock (topic.c). */
	st->sent = READ_ONCE(mb->sent);
	st->received = mb->received;
	st->dropped = mb->dropped;
	st->calls = mb->ncalls;
	spin_unlock(&mb->lock);
}
EXPORT_SYMBOL_NS_GPL(mp_mailbox_stat, MP_TEST_NS);

/**
 * mp_mailbox_set_mode() - change a mailbox's permission bits
 * @mb: the mailbox
 * @mode: the new permission bits, checked by the caller
 *
 * The caller checked that the current task may (mp_mailbox_is_owner()).  The
 * mode is checked at each open (registry.c) and each send to an inbox by pid
 * (inbox.c); descriptors already open keep their access.
 *
 * Context: Process context, mb->lock not held.  Takes and releases mb->lock;
 * does not sleep.
 *
 * Return: 0, or, if @mb is dead, -EIDRM (a closed inbox: -ECONNRESET).
 */
int mp_mailbox_set_mode(struct mp_mailbox *mb, u32 mode)
{
	int ret = 0;

	spin_lock(&mb->lock);
	if (mb->dead)
		ret = mp_queue_dead_error(mb, true);
	else
		WRITE_ONCE(mb->mode, mode);
	spin_unlock(&mb->lock);
	return ret;
}

static void mailbox_kref_release(struct kref *ref)
{
	mp_mailbox_free(container_of(ref, struct mp_mailbox, ref));
}

/**
 * mp_mailbox_put() - drop a reference to a mailbox
 * @mb: the mailbox
 *
 * The last reference frees @mb (mp_mailbox_free()).
 *
 * Context: Process context, no spinlock held.  May sleep when it drops the last
 * reference.
 */
void mp_mailbox_put(struct mp_mailbox *mb)
{
	kref_put(&mb->ref, mailbox_kref_release);
}
EXPORT_SYMBOL_NS_GPL(mp_mailbox_put, MP_TEST_NS);

/**
 * mp_mailbox_is_owner() - may the current task manage a mailbox?
 * @mb: the mailbox
 *
 * Managing a mailbox is unlinking it or changing its mode: its owner may, as
 * may CAP_IPC_OWNER over the user namespace that owns its IPC namespace.
 *
 * Context: Process context (the current task's credentials); mp_registry_lock
 * may be held.  Does not sleep; takes no lock.
 *
 * Return: true if the current euid is @mb's uid (its owner) or the task has
 * CAP_IPC_OWNER, else false.
 */
bool mp_mailbox_is_owner(const struct mp_mailbox *mb)
{
	return uid_eq(current_euid(), mb->uid) ||
	       ns_capable(mb->user_ns, CAP_IPC_OWNER);
}
