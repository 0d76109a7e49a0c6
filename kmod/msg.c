// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: the life of a message (the role ipc/msgutil.c plays for
 * ipc/msg.c and ipc/mqueue.c): making one (charged, stamped with its
 * sender, its payload copied in), its metadata as a receiver sees it, its
 * payload copied out, and freeing it.
 *
 * Lifetimes
 *   A message has one owner at a time (struct mp_msg in msgport.h):
 *   the sender that made it, a mailbox queue, a sender waiting for room, or
 *   a receiver; msg->ref is raised only by a peeking receiver that copies a
 *   queued message outside the lock.  A message is charged to its sender's
 *   euid (user_quota.c) until freed, and holds a reference to that record
 *   and to its sender's pids; the messages a batch makes (mp_msgs_create()) or
 *   frees (mp_msgs_free_to()) together take and give back those references at
 *   once, one each.  A small message's buffer, freed by a receiver of the
 *   mailbox (or by its sender when the send fails), goes to the mailbox's
 *   stash for its next sends (msg_stash.c); any other free goes back to the
 *   allocator.  A call's request (msg->call) holds a reference to its call
 *   record (rpc.c), dropped when the message is freed.
 *
 *   A span message (MSGPORT_F_SPAN) has no payload, only an offset and a
 *   length in the mailbox's region (region.c), checked at send; a receiver
 *   that does not take it by reference gets the span's bytes copied out of
 *   the region, as a payload would be (the region lives as long as the
 *   receiver's descriptor).
 *
 * Locking
 *   None of its own: nothing here takes a lock but the stash's
 *   (msg_stash.c) and the quota table's (user_quota.c).  Making and
 *   freeing happen outside mb->lock; filling in metadata may happen under
 *   it.
 */
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "msgport.h"

static bool msg_same_sender(const struct mp_msg *a,
			    const struct mp_msg *b)
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

/**
 * mp_msgs_free_to() - free messages together
 * @stash: the stash their small buffers go to (NULL: none)
 * @msgs: the messages
 * @n: how many, @msgs[0..@n)
 *
 * Frees @msgs[0..@n): uncharges their bytes, puts each one's call
 * reference (msg->call), and gives their small buffers to @stash as far as
 * it takes them; the other buffers go back to the allocator.  A run of one
 * sender's messages gives its references to the quota record and the pids
 * back at once (as mp_msgs_create() took them).
 *
 * Context: Called without mb->lock.  May take the quota table's lock and
 * may sleep (kvfree() of a large buffer).
 */
void mp_msgs_free_to(struct mp_stash *stash,
		     struct mp_msg **msgs, unsigned int n)
{
	void *bufs[MP_RECV_BATCH_CHUNK];
	unsigned int i, run, nb = 0;
	size_t bytes, size;

	for (i = 0; i < n; i += run) {
		const struct mp_msg *m = msgs[i];

		bytes = m->len;
		for (run = 1; i + run < n &&
		     msgs[i + run]->quota == m->quota &&
		     msg_same_sender(msgs[i + run], m); run++)
			bytes += msgs[i + run]->len;
		mp_objects_msg_add(-(long)run, -(long)bytes);
		mp_quota_uncharge_many(m->quota, bytes, run);
		put_pid_many(m->tgid, run);
		put_pid_many(m->tid, run);
	}
	for (i = 0; i < n; i++) {
		if (msgs[i]->call)
			mp_call_put(msgs[i]->call);
		size = struct_size(msgs[i], data, msgs[i]->len);
		if (size <= MP_STASH_BUF && nb < ARRAY_SIZE(bufs))
			bufs[nb++] = msgs[i];
		else
			mp_stash_free(stash, msgs[i], size);
	}
	mp_stash_give(stash, bufs, nb);
}

/* The payload bytes of @xs[0..@n). */
static size_t msgs_bytes(const struct mp_xfer *xs, unsigned int n)
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
static unsigned int msgs_alloc(struct mp_stash *stash,
			       const struct mp_xfer *xs,
			       struct mp_msg **msgs, unsigned int n)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN;
	void *bufs[MP_SEND_BATCH_CHUNK];
	unsigned int i, t = 0, small = 0, taken;
	size_t size;

	for (i = 0; i < n; i++) {
		if (struct_size(msgs[i], data, xs[i].len) <= MP_STASH_BUF)
			small++;
	}
	taken = mp_stash_take(stash, bufs,
			      min_t(unsigned int, small, ARRAY_SIZE(bufs)));
	for (i = 0; i < n; i++) {
		size = struct_size(msgs[i], data, xs[i].len);
		if (size <= MP_STASH_BUF && t < taken)
			msgs[i] = bufs[t++];
		else
			msgs[i] = mp_stash_alloc(NULL, size, gfp);
		if (!msgs[i])
			break;
	}
	/* Out of memory: what was taken for the others goes back. */
	if (t < taken)
		mp_stash_give(stash, bufs + t, taken - t);
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

/**
 * mp_msgs_create() - make a batch of messages from user space
 * @mb: the mailbox whose stash gives the buffers (NULL: no stash)
 * @xs: the sends, one sender's through one descriptor (@xs[0].quota is its
 *	descriptor's quota record, or NULL)
 * @msgs: where the messages go, @msgs[0..@n)
 * @n: how many, 1 to MP_SEND_BATCH_CHUNK
 * @err: where the error of the first message that could not be made goes
 *
 * Makes the messages for @xs[0..@n) into @msgs, stamped with the current
 * task as their sender (its pids, euid and egid), their payloads copied in
 * from user space.  What they share is done once: their bytes charged to
 * the sender's quota at once (or, over the limit, those of as many of the
 * first as fit, so that the message that would go over fails, as a single
 * send would), the stash's buffers taken in one go, one reference per
 * message taken at once on the quota and the pids.  A payload that faults
 * ends the batch there.  A message that is a call's request (@xs[i].call)
 * is bound to its call (mp_call_bind()) last, so that a message that is not
 * made has no call to fail.
 *
 * Context: Process context, the sending task, without mb->lock.  May sleep
 * (allocates with GFP_KERNEL_ACCOUNT, copies from user memory).
 * Return: How many were made, those before the first that could not be;
 * if fewer than @n, that one's error is in *@err: -EDQUOT (over the
 * sender's quota), -ENOMEM, or -EFAULT (its payload faulted); and 0 with
 * -EINVAL (and a warning) if @n is 0 or over MP_SEND_BATCH_CHUNK.  *@err is
 * not written when all are made.
 */
unsigned int mp_msgs_create(struct mp_mailbox *mb,
			    const struct mp_xfer *xs,
			    struct mp_msg **msgs, unsigned int n,
			    int *err)
{
	struct mp_stash *stash = mb ? &mb->stash : NULL;
	struct pid *tgid, *tid = NULL;
	struct mp_quota *quota;
	unsigned int i, made;
	kuid_t euid;
	kgid_t egid;
	size_t bytes;
	int ret;

	if (WARN_ON_ONCE(!n || n > MP_SEND_BATCH_CHUNK)) {
		*err = -EINVAL;
		return 0;
	}
	bytes = msgs_bytes(xs, n);
	ret = mp_quota_charge_many(bytes, n, xs[0].quota, &quota);
	/* Over the limit: as many as fit, as single sends would go. */
	for (made = n; ret == -EDQUOT && made > 1;) {
		bytes -= xs[--made].len;
		ret = mp_quota_charge_many(bytes, made, xs[0].quota,
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
		mp_quota_uncharge_many(quota, bytes - msgs_bytes(xs, made),
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
		const struct mp_xfer *x = &xs[i];
		struct mp_msg *msg = msgs[i];

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
	mp_objects_msg_add(n, msgs_bytes(xs, n));

	/* The payloads; one that faults ends the batch there. */
	for (made = 0; made < n; made++) {
		if (copy_from_user(msgs[made]->data, xs[made].buf,
				   xs[made].len))
			break;
	}
	if (made < n) {
		for (i = made; i < n; i++)
			mp_msg_free_to(stash, msgs[i]);
		*err = -EFAULT;
		n = made;
	}
	/* Bound last: a message that is not made has no call to fail. */
	for (i = 0; i < n; i++) {
		if (xs[i].call)
			mp_call_bind(xs[i].call, msgs[i]);
	}
	return n;
}

/**
 * mp_msg_create() - make one message from user space
 * @mb: the mailbox whose stash gives the buffer (NULL: no stash)
 * @x: the send
 *
 * The message for @x, as mp_msgs_create() makes it for a batch of one.
 *
 * Context: As mp_msgs_create(): process context, without mb->lock; may sleep.
 * Return: The message, or ERR_PTR() of -EDQUOT, -ENOMEM or -EFAULT (as
 * mp_msgs_create()).
 */
struct mp_msg *mp_msg_create(struct mp_mailbox *mb,
			     const struct mp_xfer *x)
{
	struct mp_msg *msg;
	int err;

	if (!mp_msgs_create(mb, x, &msg, 1, &err))
		return ERR_PTR(err);
	return msg;
}

/**
 * mp_msg_put() - drop a reference to a message
 * @msg: the message
 *
 * Drops a reference to @msg; the last one frees it, its buffer back to the
 * allocator (no stash).
 *
 * Context: Called without mb->lock; may sleep (when it frees the message).
 */
void mp_msg_put(struct mp_msg *msg)
{
	if (refcount_dec_and_test(&msg->ref))
		mp_msg_free_to(NULL, msg);
}

/**
 * mp_msg_put_to() - drop a reference to a message of a mailbox
 * @mb: the mailbox whose stash may take the buffer
 * @msg: the message
 *
 * A receiver of @mb is done with @msg (or its sender, when the send fails):
 * drops a reference, and the last one frees @msg, its buffer to @mb's stash
 * if small and the stash takes it, so that it may serve @mb again.
 *
 * Context: Called without mb->lock; may sleep (when it frees the message).
 */
void mp_msg_put_to(struct mp_mailbox *mb, struct mp_msg *msg)
{
	if (refcount_dec_and_test(&msg->ref))
		mp_msg_free_to(&mb->stash, msg);
}

/**
 * mp_msg_info_after() - a message's metadata, after another's
 * @msg: the message
 * @prev: the message whose info @info holds now, or NULL
 * @info: where the metadata goes
 *
 * Fills @info with @msg's metadata as the current task sees it: sequence
 * number, send time, sender's pid and tid in the task's pid namespace, its
 * euid and egid in the task's user namespace, priority and length, and, for
 * a call's request, its token (MSGPORT_MSG_CALL), for a span its length and
 * offset (MSGPORT_MSG_SPAN).  @prev, if not NULL, is the message whose info
 * @info holds now (a batch's previous one): its sender's ids, already
 * translated, serve again for a message of the same sender, so @prev must
 * still be held (its pids not freed and reused).
 *
 * Context: Any; may be called under mb->lock.  Takes no lock, does not sleep.
 */
void mp_msg_info_after(const struct mp_msg *msg,
		       const struct mp_msg *prev,
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
		info->token = mp_call_token(msg->call);
		info->msg_flags |= MSGPORT_MSG_CALL;
	}
	if (msg->span) {
		info->len = msg->span_len;
		info->span_offset = msg->span_off;
		info->msg_flags |= MSGPORT_MSG_SPAN;
	}
}

