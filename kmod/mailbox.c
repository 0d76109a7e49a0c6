// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: one mailbox's queue, its waiters, send and receive.
 *
 * Locking
 *   mb->lock (spinlock) protects everything in the first block of struct
 *   msgport_mailbox: the 32 priority lists and their bitmap, the counters,
 *   the waiter lists, @dead, and every struct msgport_waiter while it is
 *   reachable from the mailbox (on a list or as msg->sync).  Lock order:
 *   msgport_registry_lock (mutex, registry.c) -> mb->lock.  poll_wq's own
 *   lock is never taken under mb->lock (pollers are woken after unlocking).
 *   Nothing sleeps, allocates or touches user memory under mb->lock.
 *
 * Hand-off and wake-ups
 *   Receivers wait FIFO on recv_waiters, senders waiting for room FIFO on
 *   send_waiters (as ipc/mqueue.c's ext_wait_queue).  A sender that finds a
 *   receiver at the head of recv_waiters able to take its message (not a
 *   peek, buffer big enough or MSGPORT_F_TRUNC) hands the message straight to
 *   it; otherwise the message is queued and the first waiter, if any, is told
 *   to look again (RETRY), and passes the turn on if it cannot use it.  So a
 *   receiver only sleeps while the queue has nothing for it.  A receiver that
 *   frees a slot of a full bounded mailbox moves the first waiting sender's
 *   message into the queue.  A sender with MSGPORT_F_SYNC (always on a
 *   rendezvous, capacity 0) leaves its message queued with msg->sync pointing
 *   at its waiter; the receiver that dequeues it marks the waiter READY
 *   ("taken") under the lock.  A sync sender that times out or is interrupted
 *   takes the lock and either finds READY (success, whatever the signal) or
 *   removes its message itself: never lost, never delivered twice.
 *   Wakers change a waiter's state and unlink it under the lock, take a task
 *   reference (struct msgport_wake) and wake the task only after unlocking;
 *   they never touch the waiter again, since it lives on the sleeper's stack.
 *   Before its first sleep a waiter may spin instead, lock dropped, while
 *   its likely peer runs (spin_on_peer()); it stays a waiter meanwhile,
 *   wakers skip it (@spinning), and it reads its state without the lock
 *   only as a hint: it re-examines it under the lock before it sleeps or
 *   uses it.  A receive batch spins on the queue instead, as no waiter.
 *   What is read without the lock as such a hint (a waiter's @state,
 *   @nmsgs, @dead; a call's state in rpc.c) is written with WRITE_ONCE()
 *   under it and read with READ_ONCE().
 *   Wake-ups are gathered MSGPORT_WAKE_MAX at a time: who takes many
 *   messages in one hold of the lock sends them out between rounds.
 *
 * Lifetimes
 *   struct msgport_mailbox: kref, see registry.c.  Destruction (unlink or last
 *   close of an ephemeral mailbox) sets @dead, drops the queue (counted in
 *   @dropped) and wakes every waiter with -EIDRM; the memory stays until the
 *   last reference goes.  A message has one owner at a time (see msgport.h);
 *   msg->ref is raised only by a peeking receiver copying outside the lock.
 *   A message is charged to its sender's euid (user_quota.c) until freed,
 *   and holds a reference to that record and to its sender's pids; the
 *   messages a batch makes (msgs_create()) or frees (msgs_free_to())
 *   together take and give back those references at once, one each.
 *   A small message's buffer, freed by a receiver of the mailbox (or by its
 *   sender when the send fails), goes to the mailbox's stash for its next
 *   sends (msg_stash.c); any other free goes back to the allocator.
 *   @last_sender and @last_receiver (under mb->lock) hold pid references
 *   (of threads), replaced when another thread sends or receives (the old
 *   one is put after unlocking) and put when the mailbox is freed; a
 *   spinner takes a task reference only while it spins.
 *
 * Receive copies the payload to user space after dequeuing, outside the lock.
 * If that copy (or the copy of the metadata) faults, the message is put back
 * at the head of its priority (or handed to the first waiting receiver; a
 * batch's messages are queued back in their order) and the call fails with
 * -EFAULT: it is not lost.  A sync sender's receipt is
 * given when a receiver dequeues its message, so in that rare case the
 * receipt precedes the actual delivery, which still happens exactly once
 * unless the mailbox is destroyed first.
 *
 * A span message (MSGPORT_F_SPAN) has no payload, only an offset and a
 * length in the mailbox's region (region.c), checked at send.  A receiver
 * that takes spans by reference gets just the metadata; any other receiver
 * gets the span's bytes copied out of the region, after dequeuing and
 * outside the lock, as a payload would be (the region lives as long as the
 * receiver's descriptor).
 *
 * Direct messages and calls.  An inbox (inbox.c) is a mailbox with an
 * @owner; destroyed because its owner left, it answers -ECONNREFUSED to new
 * senders and -ECONNRESET to those it woke (msgport_dead_error()).  A
 * receiver with a sender filter (@from, MSGPORT_F_FROM) looks only at that
 * sender's messages; the hand-off goes to the first waiter whose filter
 * admits the message, and a queued message wakes ("kicks") the first waiter
 * that has something to take, so a message never waits while a receiver
 * that wants it sleeps.  A call's request (msg->call,
 * rpc.c) is an ordinary message whose call record learns, under mb->lock,
 * when a receiver takes it (msgport_call_taken), when it is put back
 * (msgport_call_requeue) and when it is dropped (msgport_call_fail); the
 * receiver claims the call after copying the request out.  @nreceivers
 * counts the open descriptors that may receive: when the last closes, the
 * queued requests of calls fail (msgport_mailbox_receiver_closed()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/hrtimer.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "msgport.h"

#define MSGPORT_WAKE_MAX	8

/*
 * Tasks to wake, poll events to signal and a replaced peer reference to drop
 * once mb->lock is dropped.
 */
struct msgport_wake {
	unsigned int n;
	__poll_t poll;
	struct pid *put;
	struct task_struct *task[MSGPORT_WAKE_MAX];
};

static bool wake_full(const struct msgport_wake *wk)
{
	return wk->n >= MSGPORT_WAKE_MAX;
}

static void wake_add(struct msgport_wake *wk, struct msgport_waiter *w)
{
	/* A spinner watches its state: it needs no wake-up (spin_on_peer). */
	if (w->spinning)
		return;
	w->woken_ns = ktime_get_mono_fast_ns();
	/*
	 * Never expected (callers leave room), but safe: a waiter's task
	 * cannot leave without mb->lock, which we hold.
	 */
	if (WARN_ON_ONCE(wk->n >= MSGPORT_WAKE_MAX)) {
		wake_up_process(w->task);
		return;
	}
	/* Callers never queue more than MSGPORT_WAKE_MAX (see destroy). */
	get_task_struct(w->task);
	wk->task[wk->n++] = w->task;
}

static void wake_flush(struct msgport_mailbox *mb, struct msgport_wake *wk)
{
	unsigned int i;

	for (i = 0; i < wk->n; i++) {
		wake_up_process(wk->task[i]);
		put_task_struct(wk->task[i]);
	}
	wk->n = 0;
	if (wk->poll && wq_has_sleeper(&mb->poll_wq))
		wake_up_interruptible_poll(&mb->poll_wq, wk->poll);
	wk->poll = 0;
	put_pid(wk->put);
	wk->put = NULL;
}

/*
 * Remember the calling thread as the mailbox's last sender or receiver
 * (@slot, a pid reference: it pins no task): the peer a waiter on the other
 * side spins on.  The reference it replaces is dropped by wake_flush().
 */
static void note_peer(struct pid **slot, struct msgport_wake *wk)
{
	struct pid *me = task_pid(current);

	if (likely(*slot == me))
		return;
	WARN_ON_ONCE(wk->put);
	wk->put = *slot;
	*slot = get_pid(me);
}

/* Messages */

static bool msg_same_sender(const struct msgport_msg *a,
			    const struct msgport_msg *b)
{
	return a->tgid == b->tgid && a->tid == b->tid &&
	       uid_eq(a->euid, b->euid) && gid_eq(a->egid, b->egid);
}

/* Put @n references to @pid (NULL: none) at once. */
static void put_pid_many(struct pid *pid, unsigned int n)
{
	if (!pid)
		return;
	/* Short of the last one, they cannot be the last. */
	if (n > 1)
		WARN_ON_ONCE(refcount_sub_and_test(n - 1, &pid->count));
	put_pid(pid);
}

/*
 * Free @msgs[0..@n), their small buffers to @stash (NULL: none) as far as
 * it takes them.  A run of one sender's messages gives its references to
 * the quota record and the pids back at once (as msgs_create() took them).
 */
static void msgs_free_to(struct msgport_stash *stash,
			 struct msgport_msg **msgs, unsigned int n)
{
	void *bufs[MSGPORT_RECV_BATCH_CHUNK];
	unsigned int i, run, nb = 0;
	size_t bytes, size;

	for (i = 0; i < n; i += run) {
		const struct msgport_msg *m = msgs[i];

		bytes = m->len;
		for (run = 1; i + run < n &&
		     msgs[i + run]->quota == m->quota &&
		     msg_same_sender(msgs[i + run], m); run++)
			bytes += msgs[i + run]->len;
		msgport_objects_msg_add(-(long)run, -(long)bytes);
		msgport_quota_uncharge_many(m->quota, bytes, run);
		put_pid_many(m->tgid, run);
		put_pid_many(m->tid, run);
	}
	for (i = 0; i < n; i++) {
		if (msgs[i]->call)
			msgport_call_put(msgs[i]->call);
		size = struct_size(msgs[i], data, msgs[i]->len);
		if (size <= MSGPORT_STASH_BUF && nb < ARRAY_SIZE(bufs))
			bufs[nb++] = msgs[i];
		else
			msgport_stash_free(stash, msgs[i], size);
	}
	msgport_stash_give(stash, bufs, nb);
}

/* Free @msg, its buffer to @stash (NULL: none) if it takes it. */
static void msg_free_to(struct msgport_stash *stash, struct msgport_msg *msg)
{
	msgs_free_to(stash, &msg, 1);
}

/* The payload bytes of @xs[0..@n). */
static size_t msgs_bytes(const struct msgport_xfer *xs, unsigned int n)
{
	size_t bytes = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		bytes += xs[i].len;
	return bytes;
}

/*
 * Buffers for the messages of @xs[0..@n) into @msgs: the small ones from
 * @stash (NULL: none) as far as it has them, taken in one go, the others
 * allocated.  How many: all, or those before the first that could not be.
 */
static unsigned int msgs_alloc(struct msgport_stash *stash,
			       const struct msgport_xfer *xs,
			       struct msgport_msg **msgs, unsigned int n)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN;
	void *bufs[MSGPORT_SEND_BATCH_CHUNK];
	unsigned int i, t = 0, small = 0, taken;
	size_t size;

	for (i = 0; i < n; i++) {
		if (struct_size(msgs[i], data, xs[i].len) <= MSGPORT_STASH_BUF)
			small++;
	}
	taken = msgport_stash_take(stash, bufs,
				   min_t(unsigned int, small, ARRAY_SIZE(bufs)));
	for (i = 0; i < n; i++) {
		size = struct_size(msgs[i], data, xs[i].len);
		if (size <= MSGPORT_STASH_BUF && t < taken)
			msgs[i] = bufs[t++];
		else
			msgs[i] = msgport_stash_alloc(NULL, size, gfp);
		if (!msgs[i])
			break;
	}
	/* Out of memory: what was taken for the others goes back. */
	if (t < taken)
		msgport_stash_give(stash, bufs + t, taken - t);
	return i;
}

/*
 * @n references to the current task's pid of @type, taken at once.  The
 * pid API takes one at a time (get_pid()); a batch's messages each hold
 * one, so it adds n - 1 to the count get_pid() raises, and gives them back
 * the same way (put_pid_many()).
 */
static struct pid *get_current_pid_many(enum pid_type type, unsigned int n)
{
	struct pid *pid = get_task_pid(current, type);

	if (pid && n > 1)
		refcount_add(n - 1, &pid->count);
	return pid;
}

/*
 * The messages for @xs[0..@n) (one sender's, through one descriptor), their
 * buffers from @mb's stash (@mb may be NULL), into @msgs: how many were
 * made, those before the first that could not be (its error in *@err).
 * What they share is done once: their bytes charged to the sender's quota
 * at once (or, over the limit, those of as many of the first as fit, so
 * that the message that would go over fails, as a single send would), the
 * stash's buffers taken in one go, one reference per message taken at once
 * on the quota and the pids.
 */
static unsigned int msgs_create(struct msgport_mailbox *mb,
				const struct msgport_xfer *xs,
				struct msgport_msg **msgs, unsigned int n,
				int *err)
{
	struct msgport_stash *stash = mb ? &mb->stash : NULL;
	struct pid *tgid, *tid = NULL;
	struct msgport_quota *quota;
	unsigned int i, made;
	kuid_t euid;
	kgid_t egid;
	size_t bytes;
	int ret;

	if (WARN_ON_ONCE(!n || n > MSGPORT_SEND_BATCH_CHUNK)) {
		*err = -EINVAL;
		return 0;
	}
	bytes = msgs_bytes(xs, n);
	ret = msgport_quota_charge_many(bytes, n, xs[0].quota, &quota);
	/* Over the limit: as many as fit, as single sends would go. */
	for (made = n; ret == -EDQUOT && made > 1;) {
		bytes -= xs[--made].len;
		ret = msgport_quota_charge_many(bytes, made, xs[0].quota,
						&quota);
	}
	if (ret) {
		*err = ret;
		return 0;
	}
	if (made < n) {
		*err = -EDQUOT;		/* the first that does not fit */
		n = made;
	}
	made = msgs_alloc(stash, xs, msgs, n);
	if (made < n) {
		msgport_quota_uncharge_many(quota, bytes - msgs_bytes(xs, made),
					    n - made);
		*err = -ENOMEM;
		n = made;
		if (!n)
			return 0;
	}

	tgid = get_current_pid_many(PIDTYPE_TGID, n);
	/* A main thread's tid is its tgid: no second reference then. */
	if (!thread_group_leader(current))
		tid = get_current_pid_many(PIDTYPE_PID, n);
	euid = current_euid();
	egid = current_egid();
	for (i = 0; i < n; i++) {
		const struct msgport_xfer *x = &xs[i];
		struct msgport_msg *msg = msgs[i];

		INIT_LIST_HEAD(&msg->link);
		msg->sync = NULL;
		msg->quota = quota;
		msg->tgid = tgid;
		msg->tid = tid;
		msg->seq = 0;
		msg->send_time_ns = 0;
		msg->euid = euid;
		msg->egid = egid;
		msg->prio = x->prio;
		msg->len = x->len;
		msg->span = x->flags & MSGPORT_F_SPAN;
		msg->span_off = x->span_off;
		msg->span_len = x->span_len;
		msg->call = NULL;
		refcount_set(&msg->ref, 1);
	}
	msgport_objects_msg_add(n, msgs_bytes(xs, n));

	/* The payloads; one that faults ends the batch there. */
	for (made = 0; made < n; made++) {
		if (copy_from_user(msgs[made]->data, xs[made].buf,
				   xs[made].len))
			break;
	}
	if (made < n) {
		for (i = made; i < n; i++)
			msg_free_to(stash, msgs[i]);
		*err = -EFAULT;
		n = made;
	}
	/* Bound last: a message that is not made has no call to fail. */
	for (i = 0; i < n; i++) {
		if (xs[i].call)
			msgport_call_bind(xs[i].call, msgs[i]);
	}
	return n;
}

/* A message for @x, its buffer from @mb's stash (@mb may be NULL). */
static struct msgport_msg *msg_create(struct msgport_mailbox *mb,
				      const struct msgport_xfer *x)
{
	struct msgport_msg *msg;
	int err;

	if (!msgs_create(mb, x, &msg, 1, &err))
		return ERR_PTR(err);
	return msg;
}

static void msg_put(struct msgport_msg *msg)
{
	if (refcount_dec_and_test(&msg->ref))
		msg_free_to(NULL, msg);
}

/* A receiver of @mb is done with @msg: its buffer may serve @mb again. */
static void msg_put_to(struct msgport_mailbox *mb, struct msgport_msg *msg)
{
	if (refcount_dec_and_test(&msg->ref))
		msg_free_to(&mb->stash, msg);
}

/*
 * @msg's metadata as the current task sees it.  @prev, if not NULL, is the
 * message whose info @info holds now (a batch's previous one): its sender's
 * ids, already translated, serve again for a message of the same sender.
 */
static void msg_fill_info_after(const struct msgport_msg *msg,
				const struct msgport_msg *prev,
				struct msgport_msginfo *info)
{
	s32 pid, tid;
	u32 uid, gid;

	if (prev && msg_same_sender(msg, prev)) {
		pid = info->pid;
		tid = info->tid;
		uid = info->uid;
		gid = info->gid;
	} else {
		struct pid_namespace *ns = task_active_pid_ns(current);
		struct user_namespace *uns = current_user_ns();

		pid = pid_nr_ns(msg->tgid, ns);
		tid = pid_nr_ns(msg->tid ?: msg->tgid, ns);
		uid = from_kuid_munged(uns, msg->euid);
		gid = from_kgid_munged(uns, msg->egid);
	}
	memset(info, 0, sizeof(*info));
	info->seq = msg->seq;
	info->send_time_ns = msg->send_time_ns;
	info->pid = pid;
	info->tid = tid;
	info->uid = uid;
	info->gid = gid;
	info->priority = msg->prio;
	info->len = msg->len;
	if (msg->call) {
		info->token = msgport_call_token(msg->call);
		info->msg_flags |= MSGPORT_MSG_CALL;
	}
	if (msg->span) {
		info->len = msg->span_len;
		info->span_offset = msg->span_off;
		info->msg_flags |= MSGPORT_MSG_SPAN;
	}
}

static void msg_fill_info(const struct msgport_msg *msg,
			  struct msgport_msginfo *info)
{
	msg_fill_info_after(msg, NULL, info);
}

/* Bytes a receiver gets of @msg: none of a span it takes by reference. */
static u32 msg_copy_len(const struct msgport_msg *msg, bool span_ref)
{
	if (!msg->span)
		return msg->len;
	return span_ref ? 0 : msg->span_len;
}

/* Copy @n bytes of @msg's payload, or of its span (region.c), to @buf. */
static int msg_copy_out(struct msgport_mailbox *mb,
			const struct msgport_msg *msg, void __user *buf, u32 n)
{
	if (msg->span)
		return n ? msgport_region_copy_to_user(mb, buf, msg->span_off,
						       n) : 0;
	return copy_to_user(buf, msg->data, n) ? -EFAULT : 0;
}

/* The queue, all under mb->lock */

static bool mb_has_room(const struct msgport_mailbox *mb)
{
	return mb->capacity == MSGPORT_CAPACITY_UNBOUNDED ||
	       mb->nmsgs < mb->capacity;
}

static struct msgport_msg *queue_head(const struct msgport_mailbox *mb)
{
	if (!mb->prio_map)
		return NULL;
	return list_first_entry(&mb->prio[__fls(mb->prio_map)],
				struct msgport_msg, link);
}

/* The first message a receiver filtering on @from would take, if any. */
static struct msgport_msg *queue_first(const struct msgport_mailbox *mb,
				       const struct pid *from)
{
	unsigned long map = mb->prio_map;
	struct msgport_msg *msg;
	unsigned int p;

	if (!from)
		return queue_head(mb);
	while (map) {
		p = __fls(map);
		list_for_each_entry(msg, &mb->prio[p], link) {
			if (msg->tgid == from)
				return msg;
		}
		__clear_bit(p, &map);
	}
	return NULL;
}

static void queue_insert(struct msgport_mailbox *mb, struct msgport_msg *msg,
			 bool head, struct msgport_wake *wk)
{
	struct list_head *q = &mb->prio[msg->prio];

	if (head)
		list_add(&msg->link, q);
	else
		list_add_tail(&msg->link, q);
	__set_bit(msg->prio, &mb->prio_map);
	WRITE_ONCE(mb->nmsgs, mb->nmsgs + 1);
	if (mb->nmsgs == 1)
		wk->poll |= EPOLLIN | EPOLLRDNORM;
	mb->bytes += msg->len;
}

static void queue_unlink(struct msgport_mailbox *mb, struct msgport_msg *msg)
{
	list_del_init(&msg->link);
	if (list_empty(&mb->prio[msg->prio]))
		__clear_bit(msg->prio, &mb->prio_map);
	WRITE_ONCE(mb->nmsgs, mb->nmsgs - 1);
	mb->bytes -= msg->len;
}

/* Give @msg its sequence number and time stamp @now: it is now accepted. */
static void msg_stamp_at(struct msgport_mailbox *mb, struct msgport_msg *msg,
			 u64 now)
{
	msg->seq = ++mb->next_seq;
	msg->send_time_ns = now;
	mb->sent++;
}

static void msg_stamp(struct msgport_mailbox *mb, struct msgport_msg *msg)
{
	msg_stamp_at(mb, msg, ktime_get_ns());
}

/* A slot became free: move the first waiting sender's message in. */
static void admit_sender(struct msgport_mailbox *mb, struct msgport_wake *wk)
{
	struct msgport_waiter *w;
	struct msgport_msg *msg;

	if (list_empty(&mb->send_waiters) || !mb_has_room(mb))
		return;
	w = list_first_entry(&mb->send_waiters, struct msgport_waiter, link);
	list_del_init(&w->link);
	msg = w->msg;
	msg_stamp(mb, msg);
	w->seq = msg->seq;
	queue_insert(mb, msg, false, wk);
	if (w->sync) {
		/* Keeps sleeping until a receiver takes it. */
		WRITE_ONCE(w->state, MSGPORT_W_QUEUED);
		msg->sync = w;
	} else {
		WRITE_ONCE(w->state, MSGPORT_W_READY);
		w->msg = NULL;
		wake_add(wk, w);
	}
}

static void queue_remove(struct msgport_mailbox *mb, struct msgport_msg *msg,
			 struct msgport_wake *wk)
{
	bool was_full = mb->capacity && !mb_has_room(mb);

	queue_unlink(mb, msg);
	if (was_full) {
		admit_sender(mb, wk);
		if (mb_has_room(mb))
			wk->poll |= EPOLLOUT | EPOLLWRNORM;
	}
}

/* The first waiting receiver that wants @msg, if it would take it as it is. */
static struct msgport_waiter *taker_for(struct msgport_mailbox *mb,
					const struct msgport_msg *msg)
{
	struct msgport_waiter *w;

	/*
	 * FIFO within a priority: a message queued at the same or a higher
	 * priority (say, one too big for the waiter's buffer) comes first,
	 * so @msg queues behind it rather than overtaking it.
	 */
	if (mb->prio_map >> msg->prio)
		return NULL;
	list_for_each_entry(w, &mb->recv_waiters, link) {
		if (!w->from || w->from == msg->tgid)
			break;
	}
	if (list_entry_is_head(w, &mb->recv_waiters, link) || !w->take ||
	    (msg_copy_len(msg, w->span) > w->buf_len && !w->trunc))
		return NULL;
	return w;
}

static void handoff(struct msgport_mailbox *mb, struct msgport_waiter *w,
		    struct msgport_msg *msg, struct msgport_wake *wk)
{
	list_del_init(&w->link);
	w->msg = msg;
	WRITE_ONCE(w->state, MSGPORT_W_READY);
	mb->received++;
	if (msg->call)
		msgport_call_taken(msg->call);
	wake_add(wk, w);
}

/*
 * The queue has messages: let the first waiting receiver that has one to
 * look at (any, or one of the sender it filters on) look at them.
 */
static void kick_receiver(struct msgport_mailbox *mb, struct msgport_wake *wk)
{
	struct msgport_waiter *w;

	if (!mb->nmsgs)
		return;
	list_for_each_entry(w, &mb->recv_waiters, link) {
		if (!w->from || queue_first(mb, w->from)) {
			list_del_init(&w->link);
			WRITE_ONCE(w->state, MSGPORT_W_RETRY);
			wake_add(wk, w);
			return;
		}
	}
}

/* Hand @msg to the first receiver if it takes it, else queue it. */
static void deliver(struct msgport_mailbox *mb, struct msgport_msg *msg,
		    bool head, struct msgport_wake *wk)
{
	struct msgport_waiter *w = taker_for(mb, msg);

	if (w) {
		handoff(mb, w, msg, wk);
		return;
	}
	queue_insert(mb, msg, head, wk);
	kick_receiver(mb, wk);
}

/* Sleeping */

struct msgport_deadline {
	bool timed;
	ktime_t expires;
};

static void deadline_init(struct msgport_deadline *d,
			  const struct msgport_xfer *x)
{
	d->timed = x->flags & MSGPORT_F_TIMEOUT;
	if (d->timed) {
		u64 ns = min_t(u64, x->timeout_ns, KTIME_MAX);

		d->expires = ktime_add_safe(ktime_get(), ns_to_ktime(ns));
	}
}

/* The call must not sleep: MSGPORT_F_NONBLOCK or a zero timeout. */
static int nowait_error(const struct msgport_xfer *x)
{
	if (x->flags & MSGPORT_F_NONBLOCK)
		return -EAGAIN;
	if ((x->flags & MSGPORT_F_TIMEOUT) && !x->timeout_ns)
		return -ETIMEDOUT;
	return 0;
}

static int wait_interrupted(const struct msgport_deadline *d)
{
	if (signal_pending(current))
		return -ERESTARTSYS;
	if (d->timed && ktime_compare(ktime_get(), d->expires) >= 0)
		return -ETIMEDOUT;
	return 0;
}

static void sleep_locked(struct msgport_mailbox *mb,
			 const struct msgport_deadline *d)
	__releases(&mb->lock) __acquires(&mb->lock)
{
	ktime_t expires = d->expires;

	set_current_state(TASK_INTERRUPTIBLE);
	spin_unlock(&mb->lock);
	if (d->timed)
		schedule_hrtimeout_range(&expires, current->timer_slack_ns,
					 HRTIMER_MODE_ABS);
	else
		schedule();
	__set_current_state(TASK_RUNNING);
	spin_lock(&mb->lock);
}

/*
 * Adaptive spinning, as a mutex spins on a running owner: rather than sleep
 * at once, a waiter whose wait the peer (the mailbox's last sender, for a
 * receiver; its last receiver, for a sender) will most likely end soon
 * spins, with mb->lock dropped, while that peer runs (or was woken to run)
 * on another CPU, for at most about as long as a sleep and wake-up costs
 * here (the rule that keeps spinning within twice the cost of the best
 * choice made in hindsight): MSGPORT_SPIN_WAKES times msgport_wake_ns, the
 * measured part of that cost, which leaves out the switch away from the
 * sleeper and the waker's side; and at most spin_ns.  It spins until
 * someone changes its state (it stays on its waiter list
 * throughout, so hand-offs and wake-ups work as for a sleeper, and waking a
 * running task costs nothing), it is needed elsewhere or a signal comes.  A
 * ping-pong between processes on two CPUs then never sleeps nor waits for a
 * wake-up.  Returns true if it spun (the caller re-examines its state, with
 * the lock held again), false if it should sleep now.
 */
/*
 * How long a wake-up takes to get a sleeping waiter running again: a moving
 * average (1/8 weight to each new sample) of the time from a waker's
 * wake_add() to the sleeper's return from sleep_locked(), over all
 * mailboxes.  Racy updates only lose samples.  Spinning longer than this
 * costs more than sleeping would (spin_on_peer()).
 */
static unsigned long msgport_wake_ns = 20000;

/*
 * Spin for up to this many measured wake-ups: 4 took the median 1 KiB
 * round trip under TCG from 135 to 35 us (1 was too short to cover the
 * peer's turn), while 64 B stayed at 12 us and streaming did not move.
 */
#define MSGPORT_SPIN_WAKES	4

/* A sleeper woken at @woken_ns (ktime_get_mono_fast_ns()) runs again. */
void msgport_note_wake(u64 woken_ns)
{
	unsigned long avg = READ_ONCE(msgport_wake_ns);
	u64 lat = ktime_get_mono_fast_ns() - woken_ns;

	if (lat > NSEC_PER_SEC)
		return;
	WRITE_ONCE(msgport_wake_ns, avg - avg / 8 + (unsigned long)lat / 8);
}

static void note_wake_latency(struct msgport_waiter *w)
{
	if (!w->woken_ns)
		return;
	msgport_note_wake(w->woken_ns);
	w->woken_ns = 0;
}

/*
 * Is @peer running on another CPU, or woken and about to run on one?  Not
 * if it was woken onto ours (it waits for our CPU: spinning would only
 * delay it) or sleeps.
 */
static bool peer_busy(struct task_struct *peer)
{
	if (owner_on_cpu(peer))
		return true;
	return task_is_running(peer) && task_cpu(peer) != raw_smp_processor_id();
}

bool msgport_spin_on_peer(struct msgport_mailbox *mb, struct pid *peer_pid,
			  bool (*done)(const void *arg), const void *arg,
			  ktime_t until)
	__releases(&mb->lock) __acquires(&mb->lock)
{
	u64 budget = min(READ_ONCE(msgport_spin_ns),
			 MSGPORT_SPIN_WAKES * READ_ONCE(msgport_wake_ns));
	struct task_struct *peer;
	u64 end;

	if (!budget)
		return false;
	rcu_read_lock();
	peer = pid_task(peer_pid, PIDTYPE_PID);
	if (peer && peer != current && peer_busy(peer))
		get_task_struct(peer);
	else
		peer = NULL;
	rcu_read_unlock();
	if (!peer)
		return false;
	spin_unlock(&mb->lock);
	end = min_t(u64, ktime_get_mono_fast_ns() + budget, ktime_to_ns(until));
	while (!done(arg) && peer_busy(peer) && !need_resched() &&
	       !signal_pending(current) && ktime_get_mono_fast_ns() < end)
		cpu_relax();
	put_task_struct(peer);
	spin_lock(&mb->lock);
	return true;
}

static bool waiter_moved(const void *arg)
{
	const struct msgport_waiter *w = arg;
	enum msgport_wstate state = READ_ONCE(w->state);

	return state != MSGPORT_W_WAITING && state != MSGPORT_W_QUEUED;
}

/* A mailbox waiter's spin, not past its deadline: see msgport_spin_on_peer(). */
static bool spin_on_peer(struct msgport_mailbox *mb, struct msgport_waiter *w,
			 struct pid *peer,
			 const struct msgport_deadline *d)
	__releases(&mb->lock) __acquires(&mb->lock)
{
	bool spun;

	/*
	 * Wakers skip a spinning waiter (wake_add()): it sees its new state
	 * while spinning, or under the lock once it stops, before sleeping.
	 */
	w->spinning = true;
	spun = msgport_spin_on_peer(mb, peer, waiter_moved, w,
				    d->timed ? d->expires : KTIME_MAX);
	w->spinning = false;
	return spun;
}

/* Interrupted timed wait: tell user space how much time is left. */
static int report_remaining(const struct msgport_deadline *d,
			    const struct msgport_xfer *x, int ret)
{
	ktime_t left;

	if (ret != -ERESTARTSYS || !d->timed || !x->utimeout)
		return ret;
	left = ktime_sub(d->expires, ktime_get());
	if (ktime_before(left, 0))
		left = 0;
	if (put_user((u64)ktime_to_ns(left), x->utimeout))
		return -EFAULT;
	return ret;
}

/* Send */

/* Check @x against @mb. */
static int send_check(struct msgport_mailbox *mb, const struct msgport_xfer *x)
{
	if (x->prio > MSGPORT_PRIO_MAX)
		return -EINVAL;
	if (x->len > mb->max_msg_size)
		return -EMSGSIZE;
	/* Only here is a span checked: no path can queue a bad one. */
	if (x->flags & MSGPORT_F_SPAN)
		return msgport_span_validate(mb, x->span_off, x->span_len);
	return 0;
}

/*
 * Check @xs[0..@n) against @mb and make their messages into @msgs: how
 * many, those before the first that fails (its error in *@err).
 */
static unsigned int send_prepare(struct msgport_mailbox *mb,
				 const struct msgport_xfer *xs,
				 struct msgport_msg **msgs, unsigned int n,
				 int *err)
{
	unsigned int ok, made;
	int ret = 0;

	for (ok = 0; ok < n; ok++) {
		ret = send_check(mb, &xs[ok]);
		if (ret)
			break;
	}
	if (ok && READ_ONCE(mb->dead)) {
		ret = msgport_dead_error(mb, false);
		ok = 0;
	}
	if (!ok) {
		*err = ret;
		return 0;
	}
	made = msgs_create(mb, xs, msgs, ok, err);
	if (made == ok && ok < n)
		*err = ret;
	return made;
}

/* Send @msg, made by send_prepare() for @x, waiting as @x says; takes @msg. */
static int send_msg(struct msgport_mailbox *mb, struct msgport_xfer *x,
		    struct msgport_msg *msg)
{
	bool sync = (x->flags & MSGPORT_F_SYNC) || mb->capacity == 0;
	struct msgport_waiter w = { .task = current, .sync = sync };
	struct msgport_wake wk = { };
	struct msgport_deadline d;
	struct msgport_waiter *rw;
	bool spun = false;
	int ret;

	deadline_init(&d, x);
	spin_lock(&mb->lock);
	if (mb->dead) {
		ret = msgport_dead_error(mb, false);
		goto out_unlock_free;
	}
	note_peer(&mb->last_sender, &wk);

	rw = taker_for(mb, msg);
	if (rw) {
		msg_stamp(mb, msg);
		x->seq = msg->seq;
		handoff(mb, rw, msg, &wk);
		spin_unlock(&mb->lock);
		wake_flush(mb, &wk);
		return 0;
	}

	if (mb->capacity && !mb_has_room(mb)) {
		ret = nowait_error(x);
		if (ret)
			goto out_unlock_free;
		w.msg = msg;
		w.state = MSGPORT_W_WAITING;
		list_add_tail(&w.link, &mb->send_waiters);
	} else {
		if (sync) {
			/* Nobody to take it now and the caller cannot wait. */
			ret = nowait_error(x);
			if (ret)
				goto out_unlock_free;
		}
		msg_stamp(mb, msg);
		x->seq = msg->seq;
		deliver(mb, msg, false, &wk);
		if (!sync) {
			spin_unlock(&mb->lock);
			wake_flush(mb, &wk);
			return 0;
		}
		w.msg = msg;
		w.seq = msg->seq;
		w.state = MSGPORT_W_QUEUED;
		msg->sync = &w;
	}

	mb->wsend++;
	for (;;) {
		if (w.state == MSGPORT_W_READY) {
			ret = 0;
			break;
		}
		if (w.state == MSGPORT_W_IDRM) {
			ret = msgport_dead_error(mb, true);
			break;
		}
		if (w.state == MSGPORT_W_RESET) {
			ret = -ECONNRESET;
			break;
		}
		ret = wait_interrupted(&d);
		if (ret) {
			if (w.state == MSGPORT_W_WAITING) {
				list_del_init(&w.link);
			} else {
				/* QUEUED: nobody took it; withdraw it. */
				queue_remove(mb, w.msg, &wk);
				w.msg->sync = NULL;
				mb->sent--;
			}
			break;
		}
		/* Wake-ups collected so far must not wait for our sleep. */
		if (wk.n || wk.poll) {
			spin_unlock(&mb->lock);
			wake_flush(mb, &wk);
			spin_lock(&mb->lock);
			continue;
		}
		if (!spun) {
			spun = true;
			if (spin_on_peer(mb, &w, mb->last_receiver, &d))
				continue;
		}
		sleep_locked(mb, &d);
		note_wake_latency(&w);
	}
	mb->wsend--;
	if (!ret)
		x->seq = w.seq;
	/* w.msg is still ours unless it was queued or taken. */
	msg = w.msg;
	spin_unlock(&mb->lock);
	wake_flush(mb, &wk);
	if (msg)
		msg_put_to(mb, msg);
	return report_remaining(&d, x, ret);

out_unlock_free:
	spin_unlock(&mb->lock);
	wake_flush(mb, &wk);
	msg_put_to(mb, msg);
	return ret;
}

int msgport_send(struct msgport_mailbox *mb, struct msgport_xfer *x)
{
	struct msgport_msg *msg;
	int err;

	if (!send_prepare(mb, x, &msg, 1, &err))
		return err;
	return send_msg(mb, x, msg);
}
EXPORT_SYMBOL_NS_GPL(msgport_send, MSGPORT_TEST_NS);

/*
 * Under mb->lock: accept @msg (for @x) at once if it need not wait: an
 * asynchronous send to a queue with room or to a receiver that takes it.
 */
static bool send_now(struct msgport_mailbox *mb, struct msgport_xfer *x,
		     struct msgport_msg *msg, u64 now, struct msgport_wake *wk)
{
	struct msgport_waiter *rw;

	if ((x->flags & MSGPORT_F_SYNC) || !mb->capacity)
		return false;
	rw = taker_for(mb, msg);
	if (!rw && !mb_has_room(mb))
		return false;
	msg_stamp_at(mb, msg, now);
	x->seq = msg->seq;
	if (rw) {
		handoff(mb, rw, msg, wk);
	} else {
		queue_insert(mb, msg, false, wk);
		kick_receiver(mb, wk);
	}
	return true;
}

/*
 * How many of the @n sends from @x on to make ahead of taking the lock: as
 * many as the queue has room for now (a hint read without the lock), at
 * least one; a synchronous one alone.  A batch meeting a full queue then
 * makes the one that waits, not messages it would free again.
 */
static unsigned int send_room(const struct msgport_mailbox *mb,
			      const struct msgport_xfer *x, unsigned int n)
{
	u32 cap = mb->capacity, used;

	if ((x->flags & MSGPORT_F_SYNC) || !cap)
		return 1;
	if (cap == MSGPORT_CAPACITY_UNBOUNDED)
		return n;
	used = READ_ONCE(mb->nmsgs);
	return clamp_t(u32, used < cap ? cap - used : 1, 1, n);
}

/*
 * Send @xs[0..@n) in order (@n <= MSGPORT_SEND_BATCH_CHUNK), each as
 * msgport_send() would, but all that need not wait in one hold of the lock
 * (and one wake-up of each receiver); one that must wait (no room, a
 * synchronous send) does, as msgport_send() would, then the rest go on.
 * Messages are made (charged, copied) ahead of taking the lock, as many as
 * there is room for (send_room()); one that
 * cannot be made waits until those before it are sent, then is tried again,
 * and a send that waits holds only its own message (the later ones are
 * made again after it), so a batch fails for want of quota only where
 * single sends would (it may hold up to a chunk of messages in memory
 * for a moment before sending them).  Stops at the first that fails.
 * Returns how many were sent, or if none, the first one's error.
 */
int msgport_send_batch(struct msgport_mailbox *mb, struct msgport_xfer *xs,
		       unsigned int n)
{
	struct msgport_msg *msgs[MSGPORT_SEND_BATCH_CHUNK];
	struct msgport_wake wk = { };
	unsigned int made, end, i = 0;
	bool wait;
	u64 now;
	int ret = 0;

	if (WARN_ON_ONCE(n > MSGPORT_SEND_BATCH_CHUNK))
		return -EINVAL;
	while (i < n) {
		end = i + send_room(mb, &xs[i], n - i);
		made = i + send_prepare(mb, xs + i, msgs + i, end - i, &ret);
		if (made == i)
			break;		/* the first unsent one: its error */
		ret = 0;
		while (i < made) {
			wait = false;
			spin_lock(&mb->lock);
			if (mb->dead) {
				ret = msgport_dead_error(mb, false);
				spin_unlock(&mb->lock);
				break;
			}
			note_peer(&mb->last_sender, &wk);
			/* Sent in one hold of the lock: at one time. */
			now = ktime_get_ns();
			while (i < made && !wake_full(&wk)) {
				if (!send_now(mb, &xs[i], msgs[i], now, &wk)) {
					wait = true;
					break;
				}
				i++;
			}
			spin_unlock(&mb->lock);
			wake_flush(mb, &wk);
			if (!wait)
				continue;
			/*
			 * Wait holding only this one, as single sends would:
			 * the later ones are made again after it.
			 */
			while (made > i + 1)
				msg_put_to(mb, msgs[--made]);
			ret = send_msg(mb, &xs[i], msgs[i]);
			msgs[i] = NULL;		/* send_msg() took it */
			if (ret)
				break;
			i++;
		}
		if (ret) {
			for (; made > i; made--) {
				if (msgs[made - 1])
					msg_put_to(mb, msgs[made - 1]);
			}
			break;
		}
	}
	return i ? i : ret;
}

/* Receive */

/* Under mb->lock: a receiver takes @msg out of the queue. */
static void take_locked(struct msgport_mailbox *mb, struct msgport_msg *msg,
			struct msgport_wake *wk)
{
	queue_remove(mb, msg, wk);
	mb->received++;
	if (msg->call)
		msgport_call_taken(msg->call);
	if (msg->sync) {
		struct msgport_waiter *sw = msg->sync;

		WRITE_ONCE(sw->state, MSGPORT_W_READY);
		sw->msg = NULL;
		msg->sync = NULL;
		wake_add(wk, sw);
	}
}

/* A copy to user space failed: the message goes back where it was. */
static void put_back(struct msgport_mailbox *mb, struct msgport_msg *msg)
{
	struct msgport_wake wk = { };

	spin_lock(&mb->lock);
	mb->received--;
	if (msg->call && mb->dead)
		msgport_call_fail(msg->call, msgport_dead_error(mb, true));
	/* A request whose caller gave up meanwhile is not put back. */
	if (mb->dead || (msg->call && !msgport_call_requeue(msg->call, msg))) {
		mb->dropped++;
		spin_unlock(&mb->lock);
		msg_put(msg);
		return;
	}
	deliver(mb, msg, true, &wk);
	spin_unlock(&mb->lock);
	wake_flush(mb, &wk);
}

static int copy_info(const struct msgport_xfer *x,
		     const struct msgport_msginfo *info)
{
	if (x->uinfo)
		return copy_to_user(x->uinfo, info, sizeof(*info)) ? -EFAULT : 0;
	return 0;
}

/*
 * Copy @msg (payload, or span's bytes unless taken by reference) and
 * @info out to @x: the bytes copied, or -EFAULT (the caller still has it).
 */
static long copy_out(struct msgport_mailbox *mb, const struct msgport_msg *msg,
		     const struct msgport_xfer *x,
		     const struct msgport_msginfo *info)
{
	u32 n = min(msg_copy_len(msg, x->flags & MSGPORT_F_SPAN), x->len);

	if (msg_copy_out(mb, msg, x->buf, n) || copy_info(x, info))
		return -EFAULT;
	return n;
}

/*
 * A taken @msg is out in @x's hands: claim its call for @x's descriptor and
 * drop the taker's reference; true if that was the last (the caller frees
 * @msg).
 */
static bool received_last(struct msgport_mailbox *mb, struct msgport_msg *msg,
			  const struct msgport_xfer *x)
{
	if (msg->call)
		msgport_call_claim(mb, msg->call, x->mbf);
	return refcount_dec_and_test(&msg->ref);
}

static void received(struct msgport_mailbox *mb, struct msgport_msg *msg,
		     const struct msgport_xfer *x)
{
	if (received_last(mb, msg, x))
		msg_free_to(&mb->stash, msg);
}

long msgport_recv(struct msgport_mailbox *mb, struct msgport_xfer *x)
{
	struct msgport_waiter w = {
		.task = current,
		.buf_len = x->len,
		.take = !(x->flags & MSGPORT_F_PEEK),
		.trunc = x->flags & MSGPORT_F_TRUNC,
		.span = x->flags & MSGPORT_F_SPAN,
		.from = x->from,
		.state = MSGPORT_W_RETRY,
	};
	struct msgport_msginfo info;
	struct msgport_wake wk = { };
	struct msgport_deadline d;
	struct msgport_msg *msg = NULL;
	bool sleeping = false;
	bool spun = false;
	long ret;

	deadline_init(&d, x);
	spin_lock(&mb->lock);
	note_peer(&mb->last_receiver, &wk);
	for (;;) {
		if (w.state == MSGPORT_W_READY) {
			/* Handed over: ours, whatever else happened. */
			msg = w.msg;
			ret = 0;
			break;
		}
		if (w.state == MSGPORT_W_IDRM || mb->dead) {
			if (w.state == MSGPORT_W_WAITING)
				list_del_init(&w.link);
			ret = msgport_dead_error(mb, true);
			break;
		}
		if (w.state == MSGPORT_W_RETRY) {
			msg = queue_first(mb, w.from);
			if (msg) {
				msg_fill_info(msg, &info);
				if (msg_copy_len(msg, w.span) > x->len &&
				    !w.trunc) {
					/* Too small: it stays; let others look. */
					msg = NULL;
					kick_receiver(mb, &wk);
					ret = -EMSGSIZE;
					break;
				}
				if (!w.take) {
					refcount_inc(&msg->ref);
					kick_receiver(mb, &wk);
					ret = 0;
					break;
				}
				take_locked(mb, msg, &wk);
				kick_receiver(mb, &wk);
				ret = 0;
				break;
			}
			ret = nowait_error(x);
			if (ret)
				break;
			/* A retry keeps its place at the head. */
			w.woken_ns = 0;	/* a kick is no wake-up sample */
			if (sleeping)
				list_add(&w.link, &mb->recv_waiters);
			else
				list_add_tail(&w.link, &mb->recv_waiters);
			if (!mb->capacity &&
			    list_is_singular(&mb->recv_waiters))
				wk.poll |= EPOLLOUT | EPOLLWRNORM;
			w.state = MSGPORT_W_WAITING;
			if (!sleeping) {
				sleeping = true;
				mb->wrecv++;
			}
		}
		/* WAITING */
		ret = wait_interrupted(&d);
		if (ret) {
			list_del_init(&w.link);
			break;
		}
		if (wk.n || wk.poll) {
			spin_unlock(&mb->lock);
			wake_flush(mb, &wk);
			spin_lock(&mb->lock);
			continue;
		}
		if (!spun) {
			spun = true;
			if (spin_on_peer(mb, &w, mb->last_sender, &d))
				continue;
		}
		sleep_locked(mb, &d);
		note_wake_latency(&w);
	}
	if (sleeping)
		mb->wrecv--;
	spin_unlock(&mb->lock);
	wake_flush(mb, &wk);

	if (ret == -EMSGSIZE)
		return copy_info(x, &info) ?: -EMSGSIZE;
	if (ret)
		return report_remaining(&d, x, ret);

	if (w.state == MSGPORT_W_READY)
		msg_fill_info(msg, &info);
	ret = copy_out(mb, msg, x, &info);
	if (!w.take) {
		msg_put(msg);
		return ret;
	}
	if (ret < 0) {
		put_back(mb, msg);
		return ret;
	}
	received(mb, msg, x);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(msgport_recv, MSGPORT_TEST_NS);

/* Batches of receives */

/*
 * Copies out failed: @msgs[0..@n), taken in this order, go back to the
 * head of the queue in that order (or are dropped, as put_back() would).
 */
static void put_back_many(struct msgport_mailbox *mb,
			  struct msgport_msg **msgs, unsigned int n)
{
	struct msgport_wake wk = { };
	unsigned int i;

	spin_lock(&mb->lock);
	for (i = n; i-- > 0;) {
		struct msgport_msg *msg = msgs[i];

		mb->received--;
		if (msg->call && mb->dead)
			msgport_call_fail(msg->call,
					  msgport_dead_error(mb, true));
		if (mb->dead ||
		    (msg->call && !msgport_call_requeue(msg->call, msg))) {
			mb->dropped++;
			continue;	/* put below */
		}
		queue_insert(mb, msg, true, &wk);
		msgs[i] = NULL;
	}
	kick_receiver(mb, &wk);
	spin_unlock(&mb->lock);
	wake_flush(mb, &wk);
	for (i = 0; i < n; i++) {
		if (msgs[i])
			msg_put(msgs[i]);
	}
}

/*
 * Under mb->lock: take queued messages for @xs[0..@n) in queue order, while
 * the next fits the next entry's buffer.  Returns how many.
 */
static unsigned int take_queued(struct msgport_mailbox *mb,
				const struct msgport_xfer *xs,
				struct msgport_msg **msgs, unsigned int n,
				struct msgport_wake *wk)
{
	const struct msgport_xfer *x;
	struct msgport_msg *msg;
	unsigned int got = 0;

	if (mb->dead)
		return 0;
	/* Each take may wake two (an admitted sender, a sync sender), +1 kick. */
	while (got < n && wk->n + 3 <= MSGPORT_WAKE_MAX &&
	       (msg = queue_head(mb))) {
		x = &xs[got];
		if (msg_copy_len(msg, x->flags & MSGPORT_F_SPAN) > x->len &&
		    !(x->flags & MSGPORT_F_TRUNC))
			break;
		take_locked(mb, msg, wk);
		msgs[got++] = msg;
	}
	if (got)
		kick_receiver(mb, wk);
	return got;
}

/* When @x's wait would time out (KTIME_MAX: never). */
static ktime_t first_deadline(const struct msgport_xfer *x)
{
	struct msgport_deadline d;

	deadline_init(&d, x);
	return d.timed ? d.expires : KTIME_MAX;
}

/*
 * Under mb->lock (dropped and retaken to send wake-ups when @wk fills):
 * take_queued() until @n are taken or the queue has nothing more that fits.
 */
static unsigned int take_all_queued(struct msgport_mailbox *mb,
				    const struct msgport_xfer *xs,
				    struct msgport_msg **msgs, unsigned int n,
				    struct msgport_wake *wk)
	__releases(&mb->lock) __acquires(&mb->lock)
{
	unsigned int got = 0;

	for (;;) {
		got += take_queued(mb, xs + got, msgs + got, n - got, wk);
		if (got == n || wk->n + 3 <= MSGPORT_WAKE_MAX)
			return got;
		spin_unlock(&mb->lock);
		wake_flush(mb, wk);
		spin_lock(&mb->lock);
	}
}

static bool queue_filled(const void *arg)
{
	const struct msgport_mailbox *mb = arg;

	return READ_ONCE(mb->nmsgs) || READ_ONCE(mb->dead);
}

/*
 * Receive into @xs[0..@n) (@n <= MSGPORT_RECV_BATCH_CHUNK; neither
 * MSGPORT_F_PEEK nor MSGPORT_F_FROM: the caller sees to that) what is
 * queued, taken in one hold of the lock, then copied out.  When nothing is
 * (and @xs[0] may wait), it first spins on the queue while the last sender
 * runs, not as a waiter: senders then queue rather than hand over one by
 * one, and what they queue meanwhile is taken in one go; after that it
 * waits as msgport_recv() does for @xs[0].  A message that does not fit its
 * entry's buffer ends the batch (the first: msgport_recv()'s -EMSGSIZE).
 * Returns how many were received, or if none, the error.
 */
long msgport_recv_batch(struct msgport_mailbox *mb, struct msgport_xfer *xs,
			unsigned int n)
{
	struct msgport_msg *msgs[MSGPORT_RECV_BATCH_CHUNK];
	struct msgport_msg *done[MSGPORT_RECV_BATCH_CHUNK];
	struct msgport_msginfo info;
	struct msgport_wake wk = { };
	ktime_t until = KTIME_MAX;
	unsigned int first = 0, got, i, ndone = 0;
	long ret;

	if (WARN_ON_ONCE(!n || n > MSGPORT_RECV_BATCH_CHUNK))
		return -EINVAL;
	spin_lock(&mb->lock);
	note_peer(&mb->last_receiver, &wk);
	got = take_all_queued(mb, xs, msgs, n, &wk);
	/* Not on a rendezvous: a sender there needs a waiting receiver. */
	if (!got && !mb->nmsgs && !mb->dead && mb->capacity &&
	    !nowait_error(&xs[0])) {
		until = first_deadline(&xs[0]);
		if (msgport_spin_on_peer(mb, mb->last_sender, queue_filled, mb,
					 until))
			got = take_all_queued(mb, xs, msgs, n, &wk);
	}
	spin_unlock(&mb->lock);
	wake_flush(mb, &wk);

	if (!got) {
		/* The spin used part of the time: what is left, from now. */
		if (until != KTIME_MAX) {
			s64 left = ktime_to_ns(ktime_sub(until, ktime_get()));

			xs[0].timeout_ns = max_t(s64, 0, left);
		}
		/* Wait (or fail) as one receive, then take what came. */
		ret = msgport_recv(mb, &xs[0]);
		if (ret < 0 || n == 1)
			return ret < 0 ? ret : 1;
		first = 1;
		spin_lock(&mb->lock);
		got = take_all_queued(mb, xs + 1, msgs, n - 1, &wk);
		spin_unlock(&mb->lock);
		wake_flush(mb, &wk);
	}

	/*
	 * Each message is let go only after the next one's info is made
	 * from its own: until then its sender's pids cannot be freed and
	 * reused (msg_fill_info_after() compares them).
	 */
	for (i = 0; i < got; i++) {
		msg_fill_info_after(msgs[i], i ? msgs[i - 1] : NULL, &info);
		ret = copy_out(mb, msgs[i], &xs[first + i], &info);
		if (i && received_last(mb, msgs[i - 1], &xs[first + i - 1]))
			done[ndone++] = msgs[i - 1];
		if (ret < 0) {
			msgs_free_to(&mb->stash, done, ndone);
			put_back_many(mb, msgs + i, got - i);
			return first + i ? first + i : -EFAULT;
		}
	}
	if (got && received_last(mb, msgs[got - 1], &xs[first + got - 1]))
		done[ndone++] = msgs[got - 1];
	/* Freed together: one sender's references given back at once. */
	msgs_free_to(&mb->stash, done, ndone);
	return first + got;
}

/* Destruction, poll, stat, mode */

struct msgport_mailbox *msgport_mailbox_alloc(void)
{
	struct msgport_mailbox *mb;
	int i;

	mb = kzalloc(sizeof(*mb), GFP_KERNEL_ACCOUNT);
	if (!mb)
		return NULL;
	spin_lock_init(&mb->lock);
	for (i = 0; i < MSGPORT_NR_PRIO; i++)
		INIT_LIST_HEAD(&mb->prio[i]);
	INIT_LIST_HEAD(&mb->recv_waiters);
	INIT_LIST_HEAD(&mb->send_waiters);
	init_waitqueue_head(&mb->poll_wq);
	msgport_stash_init(&mb->stash, MSGPORT_STASH_MAX);
	INIT_HLIST_NODE(&mb->hnode);
	INIT_LIST_HEAD(&mb->node);
	kref_init(&mb->ref);
	atomic_long_inc(&msgport_objects.mailboxes);
	return mb;
}
EXPORT_SYMBOL_NS_GPL(msgport_mailbox_alloc, MSGPORT_TEST_NS);

void msgport_mailbox_free(struct msgport_mailbox *mb)
{
	WARN_ON(mb->nmsgs || !list_empty(&mb->recv_waiters) ||
		!list_empty(&mb->send_waiters));
	WARN_ON(!RB_EMPTY_ROOT(&mb->calls));
	put_pid(mb->owner);
	put_pid(mb->last_sender);
	put_pid(mb->last_receiver);
	msgport_region_free(mb);
	msgport_stash_drain(&mb->stash);
	kfree(mb);
	atomic_long_dec(&msgport_objects.mailboxes);
}

/*
 * Destroy the queue: every later send and receive gets -EIDRM, sleepers wake
 * with -EIDRM, queued messages are dropped.  Works in batches so the wake-up
 * list stays on the stack.
 */
void msgport_mailbox_destroy(struct msgport_mailbox *mb)
{
	struct msgport_wake wk = { };
	struct msgport_waiter *w;
	struct msgport_msg *msg;
	LIST_HEAD(drop);
	bool more;

	do {
		spin_lock(&mb->lock);
		if (!mb->dead) {
			WRITE_ONCE(mb->dead, true);
			wk.poll = EPOLLIN | EPOLLRDNORM | EPOLLOUT |
				  EPOLLWRNORM | EPOLLERR | EPOLLHUP;
		}
		while (!wake_full(&wk) && (msg = queue_head(mb))) {
			queue_unlink(mb, msg);
			mb->dropped++;
			if (msg->call)
				msgport_call_fail(msg->call,
						  msgport_dead_error(mb, true));
			w = msg->sync;
			if (w) {
				msg->sync = NULL;
				w->msg = NULL;
				WRITE_ONCE(w->state, MSGPORT_W_IDRM);
				wake_add(&wk, w);
			}
			list_add_tail(&msg->link, &drop);
		}
		while (!wake_full(&wk) && !list_empty(&mb->recv_waiters)) {
			w = list_first_entry(&mb->recv_waiters,
					     struct msgport_waiter, link);
			list_del_init(&w->link);
			WRITE_ONCE(w->state, MSGPORT_W_IDRM);
			wake_add(&wk, w);
		}
		while (!wake_full(&wk) && !list_empty(&mb->send_waiters)) {
			/* Their messages were never queued: they free them. */
			w = list_first_entry(&mb->send_waiters,
					     struct msgport_waiter, link);
			list_del_init(&w->link);
			WRITE_ONCE(w->state, MSGPORT_W_IDRM);
			wake_add(&wk, w);
		}
		more = mb->nmsgs || !list_empty(&mb->recv_waiters) ||
		       !list_empty(&mb->send_waiters);
		spin_unlock(&mb->lock);
		wake_flush(mb, &wk);
	} while (more);

	while ((msg = list_first_entry_or_null(&drop, struct msgport_msg,
					       link))) {
		list_del(&msg->link);
		msg_put(msg);
	}
	/* Calls received and not answered: their callers learn it now. */
	msgport_calls_destroy(mb);
}
EXPORT_SYMBOL_NS_GPL(msgport_mailbox_destroy, MSGPORT_TEST_NS);

void msgport_mailbox_receiver_opened(struct msgport_mailbox *mb)
{
	spin_lock(&mb->lock);
	mb->nreceivers++;
	spin_unlock(&mb->lock);
}

/* The first queued request of a call, if any. */
static struct msgport_msg *queue_first_call(const struct msgport_mailbox *mb)
{
	unsigned long map = mb->prio_map;
	struct msgport_msg *msg;
	unsigned int p;

	while (map) {
		p = __fls(map);
		list_for_each_entry(msg, &mb->prio[p], link) {
			if (msg->call)
				return msg;
		}
		__clear_bit(p, &map);
	}
	return NULL;
}

/*
 * A descriptor that could receive closed.  When it was the last one, the
 * calls still queued have nobody left to answer them (their server is
 * gone): they fail with -ECONNRESET rather than wait for a server that may
 * never come, and are counted as dropped.  Plain messages stay queued for a
 * later receiver, and a call made while no receiver is open waits for one.
 * Works in batches so the wake-up list stays on the stack.
 */
void msgport_mailbox_receiver_closed(struct msgport_mailbox *mb)
{
	struct msgport_wake wk = { };
	struct msgport_waiter *w;
	struct msgport_msg *msg;
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
		       (msg = queue_first_call(mb))) {
			/* Its sync sender, and a sender admitted to the slot. */
			if (wk.n + 2 > MSGPORT_WAKE_MAX) {
				more = true;
				break;
			}
			queue_remove(mb, msg, &wk);
			mb->dropped++;
			w = msg->sync;
			if (w) {
				msg->sync = NULL;
				w->msg = NULL;
				WRITE_ONCE(w->state, MSGPORT_W_RESET);
				wake_add(&wk, w);
			}
			msgport_call_fail(msg->call, -ECONNRESET);
			list_add_tail(&msg->link, &drop);
		}
		spin_unlock(&mb->lock);
		wake_flush(mb, &wk);
	} while (more);

	while ((msg = list_first_entry_or_null(&drop, struct msgport_msg,
					       link))) {
		list_del(&msg->link);
		msg_put(msg);
	}
}

__poll_t msgport_mailbox_poll(struct msgport_mailbox *mb, struct file *file,
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
		if (mb->capacity ? mb_has_room(mb) :
				   !list_empty(&mb->recv_waiters))
			mask |= EPOLLOUT | EPOLLWRNORM;
	}
	spin_unlock(&mb->lock);
	return mask;
}

void msgport_mailbox_stat(struct msgport_mailbox *mb, struct msgport_stat *st)
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
	st->region_size = msgport_region_size(mb);
	st->region_maps = msgport_region_maps(mb);
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
EXPORT_SYMBOL_NS_GPL(msgport_mailbox_stat, MSGPORT_TEST_NS);

int msgport_mailbox_set_mode(struct msgport_mailbox *mb, u32 mode)
{
	int ret = 0;

	spin_lock(&mb->lock);
	if (mb->dead)
		ret = msgport_dead_error(mb, true);
	else
		WRITE_ONCE(mb->mode, mode);
	spin_unlock(&mb->lock);
	return ret;
}

/* For inbox.c and rpc.c */

/*
 * The error of an operation on a destroyed mailbox: -EIDRM for an unlinked
 * mailbox; for a closed inbox -ECONNRESET to those it was destroyed under
 * (@waited) and -ECONNREFUSED to later senders.
 */
int msgport_dead_error(const struct msgport_mailbox *mb, bool waited)
{
	if (!mb->owner)
		return -EIDRM;
	return waited ? -ECONNRESET : -ECONNREFUSED;
}

/* A message outside any mailbox (a reply): charged and copied in. */
struct msgport_msg *msgport_msg_new(const struct msgport_xfer *x)
{
	return msg_create(NULL, x);
}

void msgport_msg_put(struct msgport_msg *msg)
{
	msg_put(msg);
}

/* @msg's metadata as the current task sees it. */
void msgport_msg_info(const struct msgport_msg *msg,
		      struct msgport_msginfo *info)
{
	msg_fill_info(msg, info);
}

/*
 * A caller gives up: if its request is still queued (call->request, under
 * mb->lock), take it back out as if it had never been sent.  Returns true
 * if it was withdrawn, false if a receiver has it (or had it).
 */
bool msgport_mailbox_withdraw(struct msgport_mailbox *mb,
			      struct msgport_rpc *call)
{
	struct msgport_wake wk = { };
	struct msgport_msg *msg;

	spin_lock(&mb->lock);
	msg = msgport_call_request(call);
	if (msg) {
		queue_remove(mb, msg, &wk);
		mb->sent--;
		msgport_call_taken(call);
	}
	spin_unlock(&mb->lock);
	wake_flush(mb, &wk);
	if (!msg)
		return false;
	msg_put(msg);
	return true;
}
