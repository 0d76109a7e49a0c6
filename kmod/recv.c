// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: receiving: one message (mp_recv(): take or peek, filtered
 * by sender or not, waiting as asked), or a batch of what is queued, taken
 * in one hold of the lock (mp_recv_batch()).
 *
 * A receiver takes a message out of the queue under mb->lock (or is handed
 * one while it waits: queue.c), then copies the payload and the metadata to
 * user space after unlocking.  If that copy faults, the message goes back
 * to the head of its priority (or to the first waiting receiver; a batch's
 * messages go back in their order) and the call fails with -EFAULT: it is
 * not lost.  A sync sender's receipt is given when a receiver dequeues its
 * message, so in that rare case the receipt precedes the actual delivery,
 * which still happens exactly once unless the mailbox is destroyed first.
 * A call's request is claimed for the receiving descriptor (rpc.c) once it
 * is copied out.  A large message made in kernel memory is copied out with
 * its sender's help, if it comes (direct.c, mp_direct_out_start()).
 *
 * Locking
 *   mb->lock (queue.c); user memory is touched only outside it.
 */
#include <linux/fcntl.h>
#include <linux/minmax.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "msgport.h"
#include "trace.h"

/* A copy to user space failed: the message goes back where it was. */
static void put_back(struct mp_mailbox *mb, struct mp_msg *msg)
{
	struct mp_wake wk __uninitialized;

	mp_wake_init(&wk);
	spin_lock(&mb->lock);
	mb->received--;
	if (msg->call && mb->dead)
		mp_call_fail(msg->call, mp_queue_dead_error(mb, true));
	/* A request whose caller gave up meanwhile is not put back. */
	if (mb->dead || (msg->call && !mp_call_requeue(msg->call, msg))) {
		trace_msgport_drop(mb, msg, MP_TRACE_DROP_REFUSED);
		mb->dropped++;
		spin_unlock(&mb->lock);
		mp_msg_put(msg);
		return;
	}
	mp_queue_deliver(mb, msg, true, &wk);
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);
}

/*
 * @info to @x->uinfo, and zeros over a newer program's fields past it, or
 * past the relay that follows it (@x->urelay) in a grown one (@x->info_tail
 * bytes: a batch entry larger than the module's).
 */
static int copy_info(const struct mp_xfer *x,
		     const struct msgport_msginfo *info)
{
	void __user *tail;

	if (!x->uinfo)
		return 0;
	if (copy_to_user(x->uinfo, info, sizeof(*info)))
		return -EFAULT;
	tail = x->urelay ? (void __user *)(x->urelay + 1) :
			   (void __user *)(x->uinfo + 1);
	if (unlikely(x->info_tail) && clear_user(tail, x->info_tail))
		return -EFAULT;
	return 0;
}

/*
 * A receive ending in error @ret after its receiver wrote its info helping
 * with a one-copy write that then failed (direct.c, job_help()) leaves no
 * info of a message it did not get: zeros, as recv_args() left there.
 * @ret, or -EFAULT if they cannot be written back.
 */
static long unwrite_info(const struct mp_waiter *w, const struct mp_xfer *x,
			 long ret)
{
	if (w->info_written && clear_user(x->uinfo, sizeof(*x->uinfo)))
		return -EFAULT;
	return ret;
}

/*
 * A grown receive's relay (@x->urelay, made writable before the receive):
 * @msg's claim, or zeros if it was not relayed.
 */
static int copy_relay(const struct mp_xfer *x, const struct mp_msg *msg)
{
	static const struct msgport_relay none;

	if (!x->urelay)
		return 0;
	return copy_to_user(x->urelay, msg->relay ? msg->relay : &none,
			    sizeof(none)) ? -EFAULT : 0;
}

/*
 * Copy @msg (payload, or span's bytes unless taken by reference), @info and
 * its relay out to @x: the bytes copied, or -EFAULT (the caller still has
 * it).  The payload with the senders' help if @job was lent to them
 * (mp_direct_out_start()).
 */
static long copy_out(struct mp_mailbox *mb, const struct mp_msg *msg,
		     const struct mp_xfer *x,
		     const struct msgport_msginfo *info,
		     struct mp_out_job *job)
{
	u32 n = min(mp_msg_copy_len(msg, x->flags & MSGPORT_F_SPAN), x->len);
	int ret;

	if (job)
		ret = mp_direct_out_copy(mb, job);
	else
		ret = mp_msg_copy_out(mb, msg, x->buf, n);
	if (ret || copy_info(x, info) || copy_relay(x, msg))
		return -EFAULT;
	return n;
}

/*
 * The files a taken @msg carries become descriptors of the receiver (@x
 * asked, MSGPORT_F_FDS; its payload and @info are out): their numbers in
 * @x->ufds, their count in @x->unfds; if some could not be made (they are
 * closed), @info's MSGPORT_MSG_FDS_DROPPED goes out too (to @x->uinfo, if
 * set).  Both outputs were made writable before the receive (recv_args()):
 * a fault now is the receiver's own race with its memory, and changes
 * nothing else.
 */
static int receive_fds(struct mp_msg *msg, const struct mp_xfer *x,
		       struct msgport_msginfo *info)
{
	u32 got;
	bool all;

	all = mp_fds_install(msg->fds, x->ufds, x->fds_room,
			     (x->flags & MSGPORT_F_CLOEXEC) ? O_CLOEXEC : 0,
			     &got);
	/* A peeker may read it (mp_msg_info()): only whether it is NULL. */
	WRITE_ONCE(msg->fds, NULL);
	if (put_user(got, x->unfds))
		return -EFAULT;
	if (all || !x->uinfo)
		return 0;
	info->msg_flags |= MSGPORT_MSG_FDS_DROPPED;
	return put_user(info->msg_flags, &x->uinfo->msg_flags);
}

/*
 * A taken @msg is out in @x's hands: claim its call for @x's descriptor and
 * drop the taker's reference; true if that was the last (the caller frees
 * @msg).
 */
static bool received_last(struct mp_mailbox *mb, struct mp_msg *msg,
			  const struct mp_xfer *x)
{
	if (msg->call)
		mp_call_claim(mb, msg->call, x->mbf);
	return mp_msg_unref(msg);
}

static void received(struct mp_mailbox *mb, struct mp_msg *msg,
		     const struct mp_xfer *x)
{
	if (received_last(mb, msg, x))
		mp_msg_free(msg);
}

/**
 * mp_recv() - receive one message from a mailbox
 * @mb: the mailbox
 * @x: the buffer and how to receive: MSGPORT_F_PEEK, MSGPORT_F_TRUNC,
 *	MSGPORT_F_SPAN, @x->from (MSGPORT_F_FROM), waiting as asked; the
 *	metadata goes to @x->uinfo if not NULL
 *
 * Takes (or with MSGPORT_F_PEEK copies without taking) the first message
 * in priority order, of @x->from's sender only if set, or waits, FIFO on
 * recv_waiters, until a sender hands one over or it is told to look
 * again.  The payload (or a span's bytes, unless taken by reference) and
 * the metadata are copied to user space after unlocking.  If that copy
 * faults, a taken message goes back to the head of its priority (or to the
 * first waiting receiver) and the call fails with -EFAULT: it is not lost;
 * a request whose caller gave up meanwhile, or any message of a destroyed
 * mailbox, is dropped instead.  A call's request is claimed for @x->mbf
 * once it is copied out.  With MSGPORT_F_LEASE the message is taken from
 * the queue (never handed over), under a lease (mp_queue_lease()): once
 * copied out it joins @x->mbf's leases (lease.c), or goes back if the
 * copy faults; a call's request is taken as without the flag.  A grown
 * receive (@x->urelay) gets the message's relayed claim, or zeros.
 *
 * Context: Process context, without mb->lock: takes it, and drops and
 * retakes it to wait and to send wake-ups.  May sleep.
 * Return: The bytes copied (at most @x->len, the rest cut off with
 * MSGPORT_F_TRUNC).  -EMSGSIZE if the message does not fit @x->len without
 * MSGPORT_F_TRUNC (it stays queued; its metadata is still copied to
 * @x->uinfo if set, or -EFAULT); -EFAULT if a copy faults;
 * mp_queue_dead_error() for a destroyed mailbox; -EPIPE if there is
 * nothing to take and @mb is anonymous with no sender left (@mb->hup);
 * -EAGAIN (MSGPORT_F_NONBLOCK) or -ETIMEDOUT (a zero timeout) if it would
 * have to wait; -ETIMEDOUT or -ERESTARTSYS if the wait times out or a
 * signal comes (with -ERESTARTSYS, the time left goes to @x->utimeout, or
 * -EFAULT: mp_wait_report_remaining()).
 */
long mp_recv(struct mp_mailbox *mb, struct mp_xfer *x)
{
	struct mp_waiter w = {
		.task = current,
		.buf_len = x->len,
		.take = !(x->flags & MSGPORT_F_PEEK),
		.lease = x->flags & MSGPORT_F_LEASE,
		.trunc = x->flags & MSGPORT_F_TRUNC,
		.span = x->flags & MSGPORT_F_SPAN,
		.from = x->from,
		.fds_room = x->ufds ? x->fds_room : U32_MAX,
		.state = MP_W_RETRY,
	};
	/* Set before they are read (stack zeroing skipped: mp_wake). */
	struct mp_direct_dest dest __uninitialized;
	struct mp_out_job out __uninitialized;
	struct mp_out_job *lent = NULL;
	/* Filled whole (mp_msg_info()) before it is read. */
	struct msgport_msginfo info __uninitialized;
	struct mp_wake wk __uninitialized;
	struct mp_deadline d;
	struct mp_msg *msg = NULL;
	bool sleeping = false;
	bool leased = false;
	bool spun = false;
	u32 nfds = 0;
	long ret;

	mp_wake_init(&wk);
	mp_deadline_init(&d, x);
	/* A sender may write a large message straight in (direct.c). */
	if (w.take && !w.lease && !w.span && x->len >= MP_DIRECT_MIN &&
	    current->mm && !x->info_tail) {
		mp_direct_dest_init(&dest, x);
		w.dest = &dest;
	}
	spin_lock(&mb->lock);
	mp_wake_note_peer(&mb->last_receiver, &wk);
	for (;;) {
		if (w.state == MP_W_READY) {
			/* Handed over: ours, whatever else happened. */
			msg = w.msg;
			/* Made in kernel memory: its sender may help copy it. */
			if (msg && mp_direct_out_start(mb, &out, msg, x))
				lent = &out;
			ret = 0;
			break;
		}
		if (w.state == MP_W_FILLING) {
			/* A sender writes into the buffer: wait for it. */
			mp_direct_wait_filled(mb, &w, &wk);
			continue;
		}
		if (w.state == MP_W_IDRM || mb->dead) {
			if (w.state == MP_W_WAITING)
				list_del_init(&w.link);
			ret = mp_queue_dead_error(mb, true);
			break;
		}
		if (w.state == MP_W_RETRY) {
			msg = mp_queue_first(mb, w.from);
			if (msg) {
				nfds = mp_fds_count(msg->fds);
				if (!w.trunc &&
				    (mp_msg_copy_len(msg, w.span) > x->len ||
				     nfds > w.fds_room)) {
					/* Too small: it stays; let others look. */
					if (x->uinfo)
						mp_msg_info(msg, &info);
					msg = NULL;
					mp_queue_kick(mb, &wk);
					ret = -EMSGSIZE;
					break;
				}
				if (!w.take) {
					refcount_inc(&msg->ref);
					mp_queue_kick(mb, &wk);
					ret = 0;
					break;
				}
				/* A call's request is never leased. */
				leased = w.lease && !msg->call;
				if (leased)
					mp_queue_lease(mb, msg, &wk);
				else
					mp_queue_take(mb, msg, &wk);
				/* Senders may help copy it out (direct.c). */
				if (mp_direct_out_start(mb, &out, msg, x))
					lent = &out;
				mp_queue_kick(mb, &wk);
				ret = 0;
				break;
			}
			/* Anonymous, no sender left: nothing more will come. */
			if (mb->hup) {
				ret = -EPIPE;
				break;
			}
			ret = mp_wait_nowait_error(x);
			if (ret)
				break;
			/* A retry keeps its place at the head. */
			w.woken_ns = 0;	/* a kick is no wake-up sample */
			if (sleeping)
				list_add(&w.link, &mb->recv_waiters);
			else
				list_add_tail(&w.link, &mb->recv_waiters);
			WRITE_ONCE(mb->recv_arrivals, mb->recv_arrivals + 1);
			/* A send would go now: pollers may write. */
			if (!mb->capacity && mp_queue_rendezvous_ready(mb))
				wk.poll |= EPOLLOUT | EPOLLWRNORM;
			w.state = MP_W_WAITING;
			if (!sleeping) {
				sleeping = true;
				mb->wrecv++;
			}
		}
		/* WAITING */
		ret = mp_wait_interrupted(&d);
		if (ret) {
			list_del_init(&w.link);
			/* The receiver behind it may be one a send would meet. */
			if (!mb->capacity && mp_queue_rendezvous_ready(mb))
				wk.poll |= EPOLLOUT | EPOLLWRNORM;
			break;
		}
		mp_wait_step(mb, &w, mb->last_sender, &d, &wk, &spun);
	}
	if (sleeping)
		mb->wrecv--;
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);

	if (ret)
		trace_msgport_recv(mb, x, NULL, ret);
	if (ret == -EMSGSIZE) {
		/* It stays queued: nothing dropped.  How many it carries. */
		if (x->unfds && put_user(nfds, x->unfds))
			return -EFAULT;
		if (!x->uinfo)
			return -EMSGSIZE;
		info.msg_flags &= ~MSGPORT_MSG_FDS_DROPPED;
		return copy_info(x, &info) ?: -EMSGSIZE;
	}
	if (ret)
		return mp_wait_report_remaining(&d, x->utimeout,
						unwrite_info(&w, x, ret));
	/* Written straight into the buffer, info included (direct.c). */
	if (!msg) {
		trace_msgport_recv(mb, x, NULL, w.filled);
		return w.filled;
	}

	/*
	 * Held (taken, handed over or peeked): its metadata is fixed.  Made
	 * only for a receiver that has it written (not read(2), nor
	 * MSGPORT_F_NOINFO).
	 */
	if (x->uinfo) {
		mp_msg_info(msg, &info);
		/* Ours (msg->leased is mb->lock's: a peeker reads no lease). */
		if (leased)
			info.msg_flags |= MSGPORT_MSG_LEASED;
		/* A peek drops nothing; a taker of them is told if it did. */
		if (READ_ONCE(msg->fds) && (!w.take || x->ufds))
			info.msg_flags &= ~MSGPORT_MSG_FDS_DROPPED;
	}
	ret = copy_out(mb, msg, x, &info, lent);
	if (ret < 0)
		ret = unwrite_info(&w, x, ret);
	trace_msgport_recv(mb, x, msg, ret);
	if (!w.take) {
		mp_msg_put(msg);
		return ret;
	}
	if (leased) {
		/* Its receiver's until it commits or returns it (lease.c). */
		if (ret < 0)
			mp_lease_putback(mb, msg);
		else
			mp_lease_hold(mb, x->mbf, msg);
		return ret;
	}
	if (ret < 0) {
		put_back(mb, msg);
		return ret;
	}
	if (msg->fds && x->ufds)
		receive_fds(msg, x, &info);
	received(mb, msg, x);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(mp_recv, MP_TEST_NS);

/* Batches of receives */

/*
 * Copies out failed: @msgs[0..@n), taken in this order, go back to the
 * head of the queue in that order (or are dropped, as put_back() would).
 */
static void put_back_many(struct mp_mailbox *mb,
			  struct mp_msg **msgs, unsigned int n)
{
	struct mp_wake wk __uninitialized;
	unsigned int i;

	mp_wake_init(&wk);
	spin_lock(&mb->lock);
	for (i = n; i-- > 0;) {
		struct mp_msg *msg = msgs[i];

		mb->received--;
		if (msg->call && mb->dead)
			mp_call_fail(msg->call,
				     mp_queue_dead_error(mb, true));
		if (mb->dead ||
		    (msg->call && !mp_call_requeue(msg->call, msg))) {
			trace_msgport_drop(mb, msg, MP_TRACE_DROP_REFUSED);
			mb->dropped++;
			continue;	/* put below */
		}
		mp_queue_insert(mb, msg, true, &wk);
		msgs[i] = NULL;
	}
	mp_queue_kick(mb, &wk);
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);
	for (i = 0; i < n; i++) {
		if (msgs[i])
			mp_msg_put(msgs[i]);
	}
}

/*
 * Under mb->lock: take queued messages for @xs[0..@n) in queue order, while
 * the next fits the next entry's buffer.  Returns how many.
 */
static unsigned int take_queued(struct mp_mailbox *mb,
				const struct mp_xfer *xs,
				struct mp_msg **msgs, unsigned int n,
				struct mp_wake *wk)
{
	const struct mp_xfer *x;
	struct mp_msg *msg;
	unsigned int got = 0;

	if (mb->dead)
		return 0;
	/*
	 * Each take may wake three (an admitted sender and the receiver of its
	 * message, a sync sender), +1 kick.
	 */
	while (got < n && wk->n + 4 <= MP_WAKE_MAX &&
	       (msg = mp_queue_head(mb))) {
		x = &xs[got];
		if (mp_msg_copy_len(msg, x->flags & MSGPORT_F_SPAN) > x->len &&
		    !(x->flags & MSGPORT_F_TRUNC))
			break;
		mp_queue_take(mb, msg, wk);
		msgs[got++] = msg;
	}
	if (got)
		mp_queue_kick(mb, wk);
	return got;
}

/* When @x's wait would time out (KTIME_MAX: never). */
static ktime_t first_deadline(const struct mp_xfer *x)
{
	struct mp_deadline d;

	mp_deadline_init(&d, x);
	return d.timed ? d.expires : KTIME_MAX;
}

/*
 * Under mb->lock (dropped and retaken to send wake-ups when @wk fills):
 * take_queued() until @n are taken or the queue has nothing more that fits.
 */
static unsigned int take_all_queued(struct mp_mailbox *mb,
				    const struct mp_xfer *xs,
				    struct mp_msg **msgs, unsigned int n,
				    struct mp_wake *wk)
	__must_hold(&mb->lock)
{
	unsigned int got = 0;

	for (;;) {
		got += take_queued(mb, xs + got, msgs + got, n - got, wk);
		if (got == n || wk->n + 4 <= MP_WAKE_MAX)
			return got;
		spin_unlock(&mb->lock);
		mp_wake_flush(mb, wk);
		spin_lock(&mb->lock);
	}
}

/*
 * A batch's spin ends: a message came, the mailbox died, or (anonymous) its
 * last sender went (@hup: nothing more can come; the wait then says -EPIPE).
 */
static bool queue_filled(const void *arg)
{
	const struct mp_mailbox *mb = arg;

	return READ_ONCE(mb->nmsgs) || READ_ONCE(mb->dead) ||
	       READ_ONCE(mb->hup);
}

/**
 * mp_recv_batch() - receive a batch of messages from a mailbox
 * @mb: the mailbox
 * @xs: the buffers and how to receive into each, neither MSGPORT_F_PEEK
 *	nor MSGPORT_F_FROM (the caller sees to that)
 * @n: how many, @xs[0..@n), 1 to MP_RECV_BATCH_CHUNK
 *
 * Receives into @xs[0..@n) what is queued, taken in one hold of the lock
 * (dropped and retaken to send wake-ups when they fill), then copied out.
 * When nothing is (and @xs[0] may wait), it first spins on the queue while
 * the last sender runs, not as a waiter (not on a rendezvous: a sender
 * there needs a waiting receiver): senders then queue rather than hand over
 * one by one, and what they queue meanwhile is taken in one go; after that
 * it waits as mp_recv() does for @xs[0], in the time the spin left, then
 * takes what came for the others.  A message that does not fit its entry's
 * buffer ends the batch (the first: mp_recv()'s -EMSGSIZE).  A copy that
 * faults ends it too: that message and the later ones go back to the head
 * of the queue in their order (or are dropped, as mp_recv() drops them).
 *
 * Context: Process context, without mb->lock: takes it, and drops and
 * retakes it to spin, wait and send wake-ups.  May sleep.
 * Return: How many were received, or if none, the error: mp_recv()'s for
 * @xs[0], or -EFAULT if the first copy faults; -EINVAL, with a warning, if
 * @n is 0 or over MP_RECV_BATCH_CHUNK.
 */
long mp_recv_batch(struct mp_mailbox *mb, struct mp_xfer *xs,
		   unsigned int n)
{
	struct mp_msg *msgs[MP_RECV_BATCH_CHUNK];
	struct mp_msg *done[MP_RECV_BATCH_CHUNK];
	struct msgport_msginfo info;
	struct mp_wake wk __uninitialized;
	ktime_t until = KTIME_MAX;
	unsigned int first = 0, got, i, ndone = 0;
	bool spun;
	long ret;

	mp_wake_init(&wk);
	if (WARN_ON_ONCE(!n || n > MP_RECV_BATCH_CHUNK))
		return -EINVAL;
	spin_lock(&mb->lock);
	mp_wake_note_peer(&mb->last_receiver, &wk);
	got = take_all_queued(mb, xs, msgs, n, &wk);
	/* Not on a rendezvous: a sender there needs a waiting receiver. */
	if (!got && !mb->nmsgs && !mb->dead && !mb->hup && mb->capacity &&
	    !mp_wait_nowait_error(&xs[0])) {
		until = first_deadline(&xs[0]);
		/* A sender of a large message does not wait for it (direct.c). */
		WRITE_ONCE(mb->batch_spinners, mb->batch_spinners + 1);
		spun = mp_wait_spin(mb, mb->last_sender, queue_filled, mb,
				    until);
		WRITE_ONCE(mb->batch_spinners, mb->batch_spinners - 1);
		if (spun)
			got = take_all_queued(mb, xs, msgs, n, &wk);
	}
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);

	if (!got) {
		/* The spin used part of the time: what is left, from now. */
		if (until != KTIME_MAX) {
			s64 left = ktime_to_ns(ktime_sub(until, ktime_get()));

			xs[0].timeout_ns = max_t(s64, 0, left);
		}
		/* Wait (or fail) as one receive, then take what came. */
		ret = mp_recv(mb, &xs[0]);
		if (ret < 0 || n == 1)
			return ret < 0 ? ret : 1;
		first = 1;
		spin_lock(&mb->lock);
		got = take_all_queued(mb, xs + 1, msgs, n - 1, &wk);
		spin_unlock(&mb->lock);
		mp_wake_flush(mb, &wk);
	}

	/*
	 * Each message is let go only after the next one's info is made
	 * from its own: until then its sender's pids cannot be freed and
	 * reused (mp_msg_info_after() compares them).
	 */
	for (i = 0; i < got; i++) {
		mp_msg_info_after(msgs[i], i ? msgs[i - 1] : NULL, &info);
		ret = copy_out(mb, msgs[i], &xs[first + i], &info, NULL);
		trace_msgport_recv(mb, &xs[first + i], msgs[i], ret);
		if (i && received_last(mb, msgs[i - 1], &xs[first + i - 1]))
			done[ndone++] = msgs[i - 1];
		if (ret < 0) {
			mp_msgs_free(done, ndone);
			put_back_many(mb, msgs + i, got - i);
			return first + i ? first + i : -EFAULT;
		}
	}
	if (got && received_last(mb, msgs[got - 1], &xs[first + got - 1]))
		done[ndone++] = msgs[got - 1];
	/* Freed together: one sender's references given back at once. */
	mp_msgs_free(done, ndone);
	return first + got;
}
