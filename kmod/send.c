// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: sending: one message (mp_send()), or a batch of them with
 * all that need not wait queued in one hold of the lock
 * (mp_send_batch()).
 *
 * A send checks its message against the mailbox, makes it outside the lock
 * (msg.c: charged, copied in), then under mb->lock hands it to a waiting
 * receiver, queues it, or waits: for room (on send_waiters, its message
 * still its own), or, synchronous, for a receiver to take it (queued, with
 * msg->sync pointing at its waiter).  A sync sender that times out or is
 * interrupted takes the lock and either finds READY (success, whatever the
 * signal) or removes its message itself: never lost, never delivered
 * twice; one a receiver holds under a lease it marks withdrawn (lease.c).
 * A destroyed mailbox fails the send (mp_queue_dead_error()).
 *
 * Locking
 *   mb->lock (queue.c); the message is made and freed outside it.
 */
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>

#include "msgport.h"
#include "trace.h"

/* Check @x against @mb. */
static int send_check(struct mp_mailbox *mb, const struct mp_xfer *x)
{
	if (x->prio > MSGPORT_PRIO_MAX)
		return -EINVAL;
	if (x->len > mb->max_msg_size)
		return -EMSGSIZE;
	/* Only here is a span checked: no path can queue a bad one. */
	if (x->flags & MSGPORT_F_SPAN)
		return mp_span_validate(mb, x->span_off, x->span_len);
	return 0;
}

/*
 * Check @xs[0..@n) against @mb and make their messages into @msgs: how
 * many, those before the first that fails (its error in *@err).
 */
static unsigned int send_prepare(struct mp_mailbox *mb,
				 const struct mp_xfer *xs,
				 struct mp_msg **msgs, unsigned int n,
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
		ret = mp_queue_dead_error(mb, false);
		ok = 0;
	}
	if (!ok) {
		*err = ret;
		trace_msgport_send(mb, xs, ret);
		return 0;
	}
	made = mp_msgs_create(xs, msgs, ok, err);
	if (made == ok && ok < n)
		*err = ret;
	if (!made)
		trace_msgport_send(mb, xs, *err);
	return made;
}

/* Send @msg, made by send_prepare() for @x, waiting as @x says; takes @msg. */
static int send_msg(struct mp_mailbox *mb, struct mp_xfer *x,
		    struct mp_msg *msg)
{
	bool sync = (x->flags & MSGPORT_F_SYNC) || mb->capacity == 0;
	/* Set only if it waits (not zeroed for a send that does not). */
	struct mp_waiter w __uninitialized;
	struct mp_wake wk __uninitialized;
	struct mp_deadline d;
	struct mp_waiter *rw;
	bool spun = false;
	int ret;

	mp_wake_init(&wk);
	mp_deadline_init(&d, x);
	/* Its receiver is told that its sender waits (MSGPORT_MSG_SYNC). */
	msg->sync_send = sync;
	spin_lock(&mb->lock);
	if (mb->dead) {
		ret = mp_queue_dead_error(mb, false);
		goto out_unlock_free;
	}
	mp_wake_note_peer(&mb->last_sender, &wk);

	rw = mp_queue_taker(mb, msg);
	if (rw) {
		mp_queue_stamp(mb, msg);
		x->seq = msg->seq;
		trace_msgport_send(mb, x, 0);
		mp_queue_handoff(mb, rw, msg, &wk);
		spin_unlock(&mb->lock);
		mp_wake_flush(mb, &wk);
		return 0;
	}

	if (mb->capacity && !mp_queue_has_room(mb)) {
		ret = mp_wait_nowait_error(x);
		if (ret)
			goto out_unlock_free;
		w = (struct mp_waiter) {
			.task = current, .sync = sync, .msg = msg,
			.state = MP_W_WAITING,
		};
		list_add_tail(&w.link, &mb->send_waiters);
	} else {
		if (sync) {
			/* Nobody to take it now and the caller cannot wait. */
			ret = mp_wait_nowait_error(x);
			if (ret)
				goto out_unlock_free;
		}
		mp_queue_stamp(mb, msg);
		x->seq = msg->seq;
		/* No receiver takes it (mp_queue_taker() above): queue it. */
		mp_queue_insert(mb, msg, false, &wk);
		mp_queue_kick(mb, &wk);
		if (!sync) {
			trace_msgport_send(mb, x, 0);
			spin_unlock(&mb->lock);
			mp_wake_flush(mb, &wk);
			return 0;
		}
		w = (struct mp_waiter) {
			.task = current, .sync = sync, .msg = msg,
			.seq = msg->seq, .state = MP_W_QUEUED,
		};
		msg->sync = &w;
	}

	mb->wsend++;
	for (;;) {
		if (w.state == MP_W_READY) {
			ret = 0;
			break;
		}
		if (w.state == MP_W_IDRM) {
			ret = mp_queue_dead_error(mb, true);
			break;
		}
		if (w.state == MP_W_RESET) {
			ret = -ECONNRESET;
			break;
		}
		if (w.state == MP_W_REFUSED) {
			/* Its lease holder refused it (lease.c): dropped. */
			ret = -w.error;
			break;
		}
		ret = mp_wait_interrupted(&d);
		if (ret) {
			if (w.state == MP_W_WAITING) {
				list_del_init(&w.link);
			} else if (w.msg->leased) {
				/*
				 * A lease holder has it (lease.c): it is
				 * withdrawn, as if never taken; the holder
				 * owns it, and its commit fails.  It is
				 * traced as dropped when its lease ends.
				 */
				w.msg->withdrawn = true;
				w.msg->sync = NULL;
				w.msg = NULL;
				mb->sent--;
			} else {
				/* QUEUED: nobody took it; withdraw it. */
				trace_msgport_drop(mb, w.msg, MP_TRACE_DROP_WITHDRAWN);
				mp_queue_remove(mb, w.msg, &wk);
				w.msg->sync = NULL;
				mb->sent--;
			}
			break;
		}
		mp_wait_step(mb, &w, mb->last_receiver, &d, &wk, &spun);
	}
	mb->wsend--;
	if (!ret)
		x->seq = w.seq;
	trace_msgport_send(mb, x, ret);
	/* w.msg is still ours unless it was queued or taken. */
	msg = w.msg;
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);
	if (msg)
		mp_msg_put(msg);
	return mp_wait_report_remaining(&d, x->utimeout, ret);

out_unlock_free:
	trace_msgport_send(mb, x, ret);
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);
	mp_msg_put(msg);
	return ret;
}

/**
 * mp_send() - send one message to a mailbox
 * @mb: the mailbox
 * @x: the message and how to send it; @x->seq gets its sequence number
 *
 * Checks @x against @mb (priority, size, span), makes the message outside
 * the lock (charged, copied in), then under mb->lock hands it to a waiting
 * receiver, queues it, or waits: for room, its message still its own, or,
 * synchronous (MSGPORT_F_SYNC, always on a rendezvous), for a receiver to
 * take it.  A sync sender that times out or is interrupted either finds
 * its message taken (success, whatever the signal) or removes it itself.
 * A message not sent is freed.
 *
 * Context: Process context, without mb->lock: takes it, and drops and
 * retakes it to wait and to send wake-ups.  May sleep.
 * Return: 0 when sent.  -EINVAL for a priority over MSGPORT_PRIO_MAX, or a
 * span that is empty or of a mailbox without a region, -ERANGE for one
 * outside the region (mp_span_validate()); -EMSGSIZE if longer than @mb's
 * max_msg_size; -EDQUOT, -ENOMEM or -EFAULT if the message cannot be made
 * (mp_msgs_create()); mp_queue_dead_error() for a destroyed mailbox;
 * -ECONNRESET to a call's sync sender left with no receiver; -EAGAIN
 * (MSGPORT_F_NONBLOCK) or -ETIMEDOUT (a zero timeout) if it would have to
 * wait; -ETIMEDOUT or -ERESTARTSYS if the wait times out or a signal comes
 * (with -ERESTARTSYS, the time left goes to @x->utimeout, or -EFAULT:
 * mp_wait_report_remaining()).
 */
int mp_send(struct mp_mailbox *mb, struct mp_xfer *x)
{
	struct mp_copy_clock clock = { };
	struct mp_msg *msg;
	bool direct;
	int err;

	/* A waiting receiver takes a large message in one copy (direct.c). */
	direct = x->len >= MP_DIRECT_MIN && !x->call && !x->fds && !x->relay &&
		 !(x->flags & MSGPORT_F_SPAN) && !send_check(mb, x);
	if (direct) {
		/* A receiver copying its message out first, if it lends that. */
		mp_direct_help_out(mb, x);
		if (mp_direct_send(mb, x))
			return 0;
		mp_direct_clock_start(&clock);
	}
	if (!send_prepare(mb, x, &msg, 1, &err))
		return err;
	/* What the one copy would have saved: its spins' bound (direct.c). */
	if (direct)
		mp_direct_note_made(mb, x->len, &clock);
	/* The message carries the files from now on (freed with it if unsent). */
	msg->fds = x->fds;
	x->fds = NULL;
	err = send_msg(mb, x, msg);
	/* Admitted by a receiver's take, maybe: help with that copy. */
	if (!err && direct)
		mp_direct_help_out(mb, x);
	return err;
}
EXPORT_SYMBOL_NS_GPL(mp_send, MP_TEST_NS);

/*
 * Under mb->lock: accept @msg (for @x) at once if it need not wait: an
 * asynchronous send to a queue with room or to a receiver that takes it.
 */
static bool send_now(struct mp_mailbox *mb, struct mp_xfer *x,
		     struct mp_msg *msg, u64 now, struct mp_wake *wk)
{
	struct mp_waiter *rw;

	if ((x->flags & MSGPORT_F_SYNC) || !mb->capacity)
		return false;
	rw = mp_queue_taker(mb, msg);
	if (!rw && !mp_queue_has_room(mb))
		return false;
	mp_queue_stamp_at(mb, msg, now);
	x->seq = msg->seq;
	trace_msgport_send(mb, x, 0);
	if (rw) {
		mp_queue_handoff(mb, rw, msg, wk);
	} else {
		mp_queue_insert(mb, msg, false, wk);
		mp_queue_kick(mb, wk);
	}
	return true;
}

/*
 * How many of the @n sends from @x on to make ahead of taking the lock: as
 * many as the queue has room for now (a hint read without the lock), at
 * least one; a synchronous one alone.  A batch meeting a full queue then
 * makes the one that waits, not messages it would free again.
 */
static unsigned int send_room(const struct mp_mailbox *mb,
			      const struct mp_xfer *x, unsigned int n)
{
	u32 cap = mb->capacity, used;

	if ((x->flags & MSGPORT_F_SYNC) || !cap)
		return 1;
	if (cap == MSGPORT_CAPACITY_UNBOUNDED)
		return n;
	used = READ_ONCE(mb->nmsgs);
	return clamp_t(u32, used < cap ? cap - used : 1, 1, n);
}

/**
 * mp_send_batch() - send a batch of messages to a mailbox
 * @mb: the mailbox
 * @xs: the messages and how to send each; each sent one's seq is set
 * @n: how many, @xs[0..@n), at most MP_SEND_BATCH_CHUNK
 *
 * Sends @xs[0..@n) in order, each as mp_send() would, but all that need
 * not wait in one hold of the lock (and one wake-up of each receiver); one
 * that must wait (no room, a synchronous send) does, as mp_send() would,
 * then the rest go on.  Messages are made (charged, copied) ahead of taking
 * the lock, as many as there is room for (send_room()); one that cannot be
 * made waits until those before it are sent, then is tried again, and a
 * send that waits holds only its own message (the later ones are made
 * again after it), so a batch fails for want of quota only where single
 * sends would (it may hold up to a chunk of messages in memory for a
 * moment before sending them).  Stops at the first that fails.
 *
 * Context: Process context, without mb->lock: takes it, and drops and
 * retakes it between rounds and to wait.  May sleep.
 * Return: How many were sent, or if none, the first one's error (as
 * mp_send()); -EINVAL, with a warning, if @n is over MP_SEND_BATCH_CHUNK.
 */
int mp_send_batch(struct mp_mailbox *mb, struct mp_xfer *xs,
		  unsigned int n)
{
	struct mp_msg *msgs[MP_SEND_BATCH_CHUNK];
	struct mp_wake wk __uninitialized;
	unsigned int made, end, i = 0;
	bool wait;
	u64 now;
	int ret = 0;

	mp_wake_init(&wk);
	if (WARN_ON_ONCE(n > MP_SEND_BATCH_CHUNK))
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
				ret = mp_queue_dead_error(mb, false);
				spin_unlock(&mb->lock);
				break;
			}
			mp_wake_note_peer(&mb->last_sender, &wk);
			/* Sent in one hold of the lock: at one time. */
			now = ktime_get_ns();
			while (i < made && !mp_wake_full(&wk)) {
				if (!send_now(mb, &xs[i], msgs[i], now, &wk)) {
					wait = true;
					break;
				}
				i++;
			}
			spin_unlock(&mb->lock);
			mp_wake_flush(mb, &wk);
			if (!wait)
				continue;
			/*
			 * Wait holding only this one, as single sends would:
			 * the later ones are made again after it.
			 */
			while (made > i + 1)
				mp_msg_put(msgs[--made]);
			ret = send_msg(mb, &xs[i], msgs[i]);
			msgs[i] = NULL;		/* send_msg() took it */
			if (ret)
				break;
			i++;
		}
		if (ret) {
			for (; made > i; made--) {
				if (msgs[made - 1])
					mp_msg_put(msgs[made - 1]);
			}
			break;
		}
	}
	return i ? i : ret;
}
