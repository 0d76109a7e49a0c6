// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: remote procedure calls: call, claim, reply.
 *
 * A call (struct mp_call) is a request message sent to a mailbox or an
 * inbox, plus its caller sleeping in MSGPORT_IOC_CALL(_PID) until the one
 * reply.  The request carries the call (msg->call) and so its token to the
 * receiver; once the receiver has copied it out it claims the call for its
 * descriptor (struct mp_file), and only that descriptor can answer.
 * The reply is a message of its own, handed straight to the caller.
 *
 * Locking
 *   Everything in a call that changes is protected by the lock of the
 *   mailbox its request was sent to, call->mb->lock (queue.c), and so are
 *   mb->calls (claimed calls by token, an rbtree) and mb->ncalls.  rpc.c
 *   takes no other lock.  The message layers below call its hooks
 *   (msgport.h): mp_call_request(), _taken(), _requeue() and _fail() with
 *   mb->lock held; mp_call_bind(), _put() and _token() need no lock (a
 *   request is bound before anyone else sees it, freed by its last owner,
 *   and its token never changes).  A caller is woken under mb->lock when its call fails (it
 *   cannot leave without that lock, so its task is alive), and after
 *   unlocking, through a task reference, when it is answered.  Nothing is
 *   freed under mb->lock.
 *
 * States (call->state)
 *   QUEUED    the request is in the mailbox's queue (call->request), or in
 *             the caller's hands inside mp_send()
 *   TAKEN     a receiver dequeued it and is copying it out
 *   CLAIMED   in mb->calls, answerable by call->server
 *   DONE      answered (call->reply) or failed (call->err); out of mb->calls
 *   CANCELED  the caller gave up after a receiver took the request; kept in
 *             mb->calls (once claimed) so that its reply gets -ECANCELED
 *   A caller that gives up while its request is QUEUED withdraws it
 *   (mp_queue_withdraw()): no receiver ever sees it, and the call
 *   may restart.  Once taken, giving up is final (-EINTR, not a restart,
 *   so a request is never sent twice).  DONE beats giving up: a reply that
 *   came first is returned even if the caller's time ran out meanwhile.
 *
 * Lifetimes
 *   call->ref counts the caller (until its ioctl returns), the request
 *   message (msg->call, until that message is freed) and mb->calls (while
 *   claimed).  call->mb is held by the caller (through its descriptor, or
 *   the inbox reference of a call by pid) for as long as it waits.  A
 *   descriptor's release fails the calls it claimed (-ECONNRESET), and the
 *   release of the last descriptor that could receive fails the requests
 *   still queued (-ECONNRESET, mailbox.c); a mailbox's destruction fails its
 *   queued requests and claimed calls (-EIDRM, or -ECONNRESET for an
 *   inbox, -EPIPE for an anonymous mailbox: mp_queue_dead_error()).  An
 *   anonymous mailbox is destroyed by the release of its last descriptor
 *   that can receive, after that descriptor's own release failed the calls
 *   it claimed (-ECONNRESET): its claimed calls get -ECONNRESET, its queued
 *   requests -EPIPE, and later calls -EPIPE.  Tokens come from per-CPU
 *   counters (new_token()): never 0, never reused while the module is
 *   loaded, not ordered.
 */
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "msgport.h"

enum mp_call_state {
	MP_CALL_QUEUED,
	MP_CALL_TAKEN,
	MP_CALL_CLAIMED,
	MP_CALL_DONE,
	MP_CALL_CANCELED,
};

struct mp_call {
	struct rb_node node;		/* mb->calls, while claimed */
	struct list_head put_link;	/* a private list of calls to put */
	struct mp_mailbox *mb;	/* where the request went */
	struct mp_file *server;	/* the descriptor that claimed it */
	struct mp_msg *request;	/* while QUEUED in mb's queue */
	struct mp_msg *reply;	/* DONE with a reply */
	struct task_struct *caller;	/* while the caller waits */
	refcount_t ref;
	enum mp_call_state state;
	int err;			/* DONE without a reply, or an error reply's */
	u64 woken_ns;			/* when answered (wake-up latency) */
	u64 token;
	u64 seq;			/* the request's sequence number */
	u32 reply_max;			/* the caller's reply buffer */
	u32 prio;			/* the request's priority */
	bool trunc;			/* the caller accepts a truncated reply */
};

/*
 * Calls made on each CPU: a call's token is (n * nr_cpu_ids + cpu) for the
 * n-th call made on that cpu, from 1: not 0, never reused while the module is
 * loaded, and made without a cache line shared between CPUs.  (A server sees
 * from it which CPU its caller ran on, and how many calls were made there.)
 */
static DEFINE_PER_CPU(u64, mp_calls_made);

static u64 new_token(void)
{
	unsigned int cpu = get_cpu();
	u64 n = __this_cpu_inc_return(mp_calls_made);

	put_cpu();
	return n * nr_cpu_ids + cpu;
}

/**
 * mp_call_put() - drop a reference to a call record
 * @call: the call
 *
 * The references are the caller's (until its ioctl returns), the request
 * message's (msg->call, until that message is freed) and mb->calls' (while
 * claimed).  The last put frees the reply, if any, and the record.
 *
 * Context: Without mb->lock (nothing is freed under it).  Takes no mailbox
 * lock; does not sleep.
 */
void mp_call_put(struct mp_call *call)
{
	if (!refcount_dec_and_test(&call->ref))
		return;
	if (call->reply)
		mp_msg_put(call->reply);
	kfree(call);
	mp_objects_call_add(-1);
}

/* Hooks for mailbox.c, under mb->lock (mp_msg_create: before it is visible). */

/**
 * mp_call_bind() - make a message the request of a call
 * @call: the call
 * @msg: its request message, just made
 *
 * Sets @msg->call and @call->request, and takes the reference to @call that
 * @msg holds until it is freed.
 *
 * Context: Called by mp_msgs_create() before @msg is visible to anyone else,
 * so without mb->lock.  Takes no lock; does not sleep.
 */
void mp_call_bind(struct mp_call *call, struct mp_msg *msg)
{
	refcount_inc(&call->ref);
	msg->call = call;
	call->request = msg;
}

/**
 * mp_call_token() - the token of a call
 * @call: the call
 *
 * Context: Any; the token is set when the call is made and never changes.
 * Takes no lock; does not sleep.
 * Return: @call's token: not 0, and never reused while the module is loaded.
 */
u64 mp_call_token(const struct mp_call *call)
{
	return call->token;
}

/**
 * mp_call_request() - the request of a call, while queued
 * @call: the call
 *
 * Context: Under mb->lock of the mailbox the request was sent to.  Takes no
 * lock; does not sleep.
 * Return: @call's request message while the call is QUEUED (set by
 * mp_call_bind() and mp_call_requeue()); NULL once a receiver took it, its
 * caller took it back or it failed.
 */
struct mp_msg *mp_call_request(const struct mp_call *call)
{
	return call->request;
}

/**
 * mp_call_taken() - a receiver dequeued the request of a call
 * @call: the call
 *
 * Also called when its caller takes the request back (mp_queue_withdraw()).
 * Records the request's sequence number (the reply gets it), forgets the
 * request, and moves a QUEUED call to TAKEN; a call in another state keeps
 * its state.
 *
 * Context: Under mb->lock.  Takes no lock; does not sleep.
 */
void mp_call_taken(struct mp_call *call)
{
	if (call->request)
		call->seq = call->request->seq;
	call->request = NULL;
	if (call->state == MP_CALL_QUEUED)
		WRITE_ONCE(call->state, MP_CALL_TAKEN);
}

/**
 * mp_call_requeue() - the request of a call goes back in the queue
 * @call: the call
 * @msg: its request message, which the receiver could not copy out
 *
 * The receiver could not copy the request out: the call is QUEUED again,
 * with @msg as its request, unless it is no longer TAKEN (its caller gave
 * up meanwhile).
 *
 * Context: Under mb->lock.  Takes no lock; does not sleep.
 * Return: true if the call is QUEUED again (the caller puts @msg back in the
 * queue); false if it was not TAKEN and is left as is (@msg is not put back).
 */
bool mp_call_requeue(struct mp_call *call, struct mp_msg *msg)
{
	if (call->state != MP_CALL_TAKEN)
		return false;
	WRITE_ONCE(call->state, MP_CALL_QUEUED);
	call->request = msg;
	return true;
}

static void call_finish(struct mp_call *call, int err)
{
	WRITE_ONCE(call->state, MP_CALL_DONE);
	call->err = err;
	wake_up_process(call->caller);
}

/**
 * mp_call_fail() - the request of a call was dropped
 * @call: the call
 * @err: the caller's error (-errno)
 *
 * The request was dropped, or the call can no longer be answered.  Forgets
 * the request and, if the call is QUEUED, TAKEN or CLAIMED, makes it DONE
 * with @err and wakes its caller (under mb->lock: the caller cannot leave
 * without that lock, so its task is alive).  A DONE or CANCELED call is left
 * as is.  A CLAIMED call is not taken out of mb->calls.
 *
 * Context: Under mb->lock.  Takes no lock; does not sleep.
 */
void mp_call_fail(struct mp_call *call, int err)
{
	call->request = NULL;
	if (call->state == MP_CALL_QUEUED ||
	    call->state == MP_CALL_TAKEN ||
	    call->state == MP_CALL_CLAIMED)
		call_finish(call, err);
}

/* mb->calls, by token */

static struct mp_call *calls_find(struct mp_mailbox *mb, u64 token)
{
	struct rb_node *n = mb->calls.rb_node;
	struct mp_call *call;

	while (n) {
		call = rb_entry(n, struct mp_call, node);
		if (token < call->token)
			n = n->rb_left;
		else if (token > call->token)
			n = n->rb_right;
		else
			return call;
	}
	return NULL;
}

static void calls_insert(struct mp_mailbox *mb, struct mp_call *call)
{
	struct rb_node **p = &mb->calls.rb_node, *parent = NULL;
	struct mp_call *cur;

	while (*p) {
		parent = *p;
		cur = rb_entry(parent, struct mp_call, node);
		p = call->token < cur->token ? &parent->rb_left :
					       &parent->rb_right;
	}
	rb_link_node(&call->node, parent, p);
	rb_insert_color(&call->node, &mb->calls);
	mb->ncalls++;
	refcount_inc(&call->ref);	/* mb->calls' reference */
}

/* Out of mb->calls; the caller puts mb->calls' reference after unlocking. */
static void calls_erase(struct mp_mailbox *mb, struct mp_call *call)
{
	rb_erase(&call->node, &mb->calls);
	RB_CLEAR_NODE(&call->node);
	mb->ncalls--;
}

/**
 * mp_call_claim() - bind a received call to the descriptor that received it
 * @mb: the mailbox the request was received from
 * @call: the call whose request was copied out
 * @mbf: the descriptor it was received through, or NULL
 *
 * A receiver copied the request out through @mbf: from now on @mbf answers
 * it.  The call goes into mb->calls (which takes a reference) with @mbf as
 * its server, and a TAKEN call becomes CLAIMED.  A call whose caller already
 * gave up (CANCELED) is claimed too, so that the reply learns it
 * (-ECANCELED) rather than -ENOENT.  If @mb is dead or @mbf is NULL, nothing
 * is claimed: a TAKEN call fails, with mp_queue_dead_error() or
 * -ECONNRESET respectively, and its caller is woken.  A call in any other
 * state is left as is.
 *
 * Context: Without mb->lock; takes it.  Does not sleep.
 */
void mp_call_claim(struct mp_mailbox *mb, struct mp_call *call,
		   struct mp_file *mbf)
{
	spin_lock(&mb->lock);
	if (call->state == MP_CALL_TAKEN ||
	    call->state == MP_CALL_CANCELED) {
		if (mb->dead || !mbf) {
			if (call->state == MP_CALL_TAKEN)
				call_finish(call, mb->dead ?
					    mp_queue_dead_error(mb, true) :
					    -ECONNRESET);
		} else {
			call->server = mbf;
			calls_insert(mb, call);
			if (call->state == MP_CALL_TAKEN)
				WRITE_ONCE(call->state, MP_CALL_CLAIMED);
		}
	}
	spin_unlock(&mb->lock);
}

/* Fail the claimed calls of @mb (of descriptor @mbf only, if not NULL). */
static void calls_drop(struct mp_mailbox *mb, struct mp_file *mbf,
		       int err)
{
	struct mp_call *call, *tmp;
	struct rb_node *n, *next;
	LIST_HEAD(puts);

	spin_lock(&mb->lock);
	for (n = rb_first(&mb->calls); n; n = next) {
		next = rb_next(n);
		call = rb_entry(n, struct mp_call, node);
		if (mbf && call->server != mbf)
			continue;
		calls_erase(mb, call);
		if (call->state == MP_CALL_CLAIMED)
			call_finish(call, err);
		list_add_tail(&call->put_link, &puts);
	}
	spin_unlock(&mb->lock);
	list_for_each_entry_safe(call, tmp, &puts, put_link)
		mp_call_put(call);
}

/**
 * mp_calls_destroy() - fail the claimed calls of a destroyed mailbox
 * @mb: the mailbox, destroyed (mp_mailbox_destroy())
 *
 * @mb's claimed calls will not be answered: each leaves mb->calls, and a
 * CLAIMED one fails with mp_queue_dead_error() (-EIDRM, or -ECONNRESET for
 * an inbox, -EPIPE for an anonymous mailbox) and its caller is woken.
 * mb->calls' references are put after unlocking.  An anonymous mailbox is
 * destroyed only once its last descriptor that can receive is released,
 * and each such release failed its own claimed calls first
 * (mp_calls_release(): -ECONNRESET), so none is left for -EPIPE here.
 *
 * Context: Without mb->lock; takes it.  Does not sleep.
 */
void mp_calls_destroy(struct mp_mailbox *mb)
{
	calls_drop(mb, NULL, mp_queue_dead_error(mb, true));
}

/**
 * mp_calls_release() - fail the calls claimed through a released descriptor
 * @mbf: the descriptor, being released
 *
 * The calls @mbf claimed will not be answered: each leaves mb->calls of
 * @mbf's mailbox, and a CLAIMED one fails with -ECONNRESET and its caller is
 * woken.  mb->calls' references are put after unlocking.
 *
 * Context: Without mb->lock; takes it.  Does not sleep.
 */
void mp_calls_release(struct mp_file *mbf)
{
	calls_drop(mbf->mb, mbf, -ECONNRESET);
}

/**
 * mp_call_reply() - answer a call
 * @mbf: the descriptor the call was claimed through
 * @r: the reply, already copied from user space
 *
 * Answers call @r->token, claimed through @mbf, with @r->len bytes at
 * @r->buf (with MSGPORT_F_RELAY, a relayed claim at @r->relay goes with
 * them), or with MSGPORT_REPLY_ERROR, with the error @r->len: the call
 * then fails with -@r->len, its info that of a reply of no bytes.  The
 * reply is copied in before the call is looked up, so that the
 * lookup, the checks and the hand-over are one step under mb->lock.  The
 * reply gets the request's priority and sequence number; the call leaves
 * mb->calls and becomes DONE, and its caller is woken after unlocking,
 * through a task reference.  A call whose caller gave up leaves mb->calls
 * too: its token is spent.
 *
 * Context: Process context; may sleep (allocates, copies from user space).
 * Takes mb->lock.
 * Return: 0 if the reply was handed to the caller; -EINVAL for flags,
 * reserved fields, token 0, a relay's reserved0, an error reply's buf not
 * 0 or len not 1..511; -EMSGSIZE if @r->len exceeds the mailbox's
 * max_msg_size, or the caller's reply buffer when the caller did not ask for
 * truncation (the call stays open); mp_queue_dead_error() (-EIDRM, or
 * -ECONNRESET for an inbox) if the mailbox is dead; -EFAULT, -EDQUOT or
 * -ENOMEM if the reply message cannot be made; -ENOENT if no such call is
 * claimed through @mbf; -ECANCELED if its caller gave up.
 */
int mp_call_reply(struct mp_file *mbf, const struct msgport_reply *r)
{
	bool error = r->flags & MSGPORT_REPLY_ERROR;
	struct mp_mailbox *mb = mbf->mb;
	struct mp_call *call, *put = NULL;
	struct task_struct *caller = NULL;
	struct msgport_relay relay;
	struct mp_xfer x = { };
	struct mp_msg *msg;
	int ret;

	if ((r->flags & ~(MSGPORT_F_RELAY | MSGPORT_REPLY_ERROR)) ||
	    r->reserved[0] || !r->token)
		return -EINVAL;
	if (!(r->flags & MSGPORT_F_RELAY) && r->relay)
		return -EINVAL;
	/*
	 * An error: a positive errno, no payload.  Not the kernel's own
	 * (512 and up: ERESTARTSYS would restart the caller, or leak out).
	 */
	if (error && (r->buf || !r->len || r->len >= ERESTARTSYS))
		return -EINVAL;
	if (!error && r->len > mb->max_msg_size)
		return -EMSGSIZE;
	if (r->flags & MSGPORT_F_RELAY) {
		ret = mp_args_relay(&relay, r->relay);
		if (ret)
			return ret;
		x.relay = &relay;
	}
	if (READ_ONCE(mb->dead))
		return mp_queue_dead_error(mb, true);

	x.buf = u64_to_user_ptr(r->buf);
	x.len = error ? 0 : r->len;
	msg = mp_msg_create(&x);
	if (IS_ERR(msg))
		return PTR_ERR(msg);

	spin_lock(&mb->lock);
	call = calls_find(mb, r->token);
	if (mb->dead) {
		ret = mp_queue_dead_error(mb, true);
	} else if (!call || call->server != mbf) {
		ret = -ENOENT;
	} else if (call->state == MP_CALL_CANCELED) {
		calls_erase(mb, call);
		put = call;
		ret = -ECANCELED;
	} else if (x.len > call->reply_max && !call->trunc) {
		ret = -EMSGSIZE;
	} else {
		calls_erase(mb, call);
		put = call;
		msg->prio = call->prio;
		msg->seq = call->seq;
		msg->send_time_ns = ktime_get_ns();
		call->reply = msg;
		/* The call fails with it, its info that of an empty reply. */
		call->err = error ? -(int)r->len : 0;
		msg = NULL;
		WRITE_ONCE(call->state, MP_CALL_DONE);
		call->woken_ns = ktime_get_mono_fast_ns();
		caller = call->caller;
		get_task_struct(caller);
		ret = 0;
	}
	spin_unlock(&mb->lock);

	if (caller) {
		wake_up_process(caller);
		put_task_struct(caller);
	}
	if (msg)
		mp_msg_put(msg);
	if (put)
		mp_call_put(put);
	return ret;
}

/* The caller's side */

/* Has the call ended?  A spinning caller's test, without the lock. */
static bool call_done(const void *arg)
{
	const struct mp_call *call = arg;

	return READ_ONCE(call->state) == MP_CALL_DONE;
}

/*
 * Sleep until the call is DONE or the caller gives up.  Returns 0 when DONE
 * (answered or failed: see call->reply, call->err), else -ETIMEDOUT,
 * -ERESTARTSYS (withdrawn before any receiver saw it: may restart) or
 * -EINTR (given up after a receiver took it).
 */
static int call_wait(struct mp_mailbox *mb, struct mp_call *call,
		     const struct mp_deadline *d)
{
	bool withdrawn = false, spun = false;
	int ret = 0;

	spin_lock(&mb->lock);
	for (;;) {
		if (call->state == MP_CALL_DONE)
			break;
		ret = mp_wait_interrupted(d);
		if (ret)
			break;
		/* The server answering is most likely the last to receive. */
		if (!spun) {
			spun = true;
			if (mp_wait_spin(mb, mb->last_receiver, call_done, call,
					 d->timed ? d->expires : KTIME_MAX))
				continue;
		}
		mp_wait_sleep_locked(mb, d);
		if (call->state == MP_CALL_DONE && call->woken_ns)
			mp_wait_note_wake(mb, call->woken_ns);
	}
	if (ret && call->state == MP_CALL_QUEUED) {
		spin_unlock(&mb->lock);
		withdrawn = mp_queue_withdraw(mb, call);
		spin_lock(&mb->lock);
	}
	if (ret && !withdrawn) {
		if (call->state == MP_CALL_DONE) {
			ret = 0;	/* the answer came first */
		} else {
			/* A receiver has it: its reply gets -ECANCELED. */
			WRITE_ONCE(call->state, MP_CALL_CANCELED);
			if (ret == -ERESTARTSYS)
				ret = -EINTR;
		}
	}
	spin_unlock(&mb->lock);
	return ret;
}

/* The reply to the caller: payload, then metadata; the byte count. */
static long call_deliver(struct mp_call *call, const struct msgport_call *c,
			 struct msgport_call __user *u,
			 struct msgport_relay __user *urelay)
{
	struct mp_msg *reply = call->reply;
	struct msgport_msginfo info;
	u32 n;

	mp_msg_info(reply, &info);
	info.token = call->token;
	n = min(reply->len, call->reply_max);
	if (mp_msg_payload_to_user(reply, u64_to_user_ptr(c->reply_buf), n) ||
	    copy_to_user(&u->info, &info, sizeof(info)))
		return -EFAULT;
	/* A grown call's relay, zeroed ahead (call_outputs()). */
	if (urelay && reply->relay &&
	    copy_to_user(urelay, reply->relay, sizeof(*urelay)))
		return -EFAULT;
	return call->err ? call->err : n;
}

static long rpc_call(struct mp_mailbox *mb, const struct msgport_call *c,
		     const struct msgport_relay *relay,
		     struct msgport_call __user *u,
		     struct msgport_relay __user *urelay)
{
	struct mp_deadline d;
	struct mp_xfer x = { };
	struct mp_call *call;
	long ret;

	call = kzalloc(sizeof(*call), GFP_KERNEL_ACCOUNT);
	if (!call)
		return -ENOMEM;
	mp_objects_call_add(1);
	refcount_set(&call->ref, 1);
	RB_CLEAR_NODE(&call->node);
	call->mb = mb;
	call->caller = current;
	WRITE_ONCE(call->state, MP_CALL_QUEUED);
	call->token = new_token();
	call->reply_max = c->reply_len;
	call->trunc = c->flags & MSGPORT_F_TRUNC;
	call->prio = c->priority;

	x.buf = u64_to_user_ptr(c->buf);
	x.len = c->len;
	x.flags = c->flags & (MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT);
	x.prio = c->priority;
	x.timeout_ns = c->timeout_ns;
	x.utimeout = &u->timeout_ns;
	x.call = call;
	x.relay = relay;
	/* The timeout covers the whole call: from before the send. */
	mp_deadline_init(&d, &x);
	ret = mp_send(mb, &x);
	if (ret) {
		/* Not sent: the message (and its hold on the call) is gone. */
		mp_call_put(call);
		return ret;
	}

	ret = call_wait(mb, call, &d);
	if (!ret)
		ret = call->reply ? call_deliver(call, c, u, urelay) :
				    call->err;
	else
		ret = mp_wait_report_remaining(&d, &u->timeout_ns, ret);
	if (put_user(call->token, &u->token) && ret >= 0)
		ret = -EFAULT;
	mp_call_put(call);
	return ret;
}

/*
 * Copy and check a struct msgport_call; outputs are made writable first.
 * A relayed request's claim (MSGPORT_F_RELAY, which only a call to a
 * mailbox, @relay not NULL, may have) is copied to *@relay.
 */
static int call_args(struct msgport_call __user *u, struct msgport_call *c,
		     struct msgport_relay *relay)
{
	u32 flags = MSGPORT_CALL_FLAGS & ~(relay ? 0 : MSGPORT_F_RELAY);

	if (copy_from_user(c, u, sizeof(*c)))
		return -EFAULT;
	if (c->reserved0 || c->reserved[0])
		return -EINVAL;
	if (c->flags & ~flags)
		return -EINVAL;
	if (!(c->flags & MSGPORT_F_RELAY) && c->relay)
		return -EINVAL;
	if (c->priority > MSGPORT_PRIO_MAX)
		return -EINVAL;
	if (c->flags & MSGPORT_F_RELAY)
		return mp_args_relay(relay, c->relay);
	return 0;
}

static int call_outputs(struct msgport_call __user *u,
			struct msgport_relay __user *urelay)
{
	if (put_user(0, &u->token) || clear_user(&u->info, sizeof(u->info)))
		return -EFAULT;
	if (urelay && clear_user(urelay, sizeof(*urelay)))
		return -EFAULT;
	return 0;
}

/**
 * mp_ioc_call() - MSGPORT_IOC_CALL on a mailbox descriptor
 * @mbf: the descriptor
 * @u: the caller's struct msgport_call
 * @grown: @u is a struct msgport_call_v1: the reply's relay goes to its
 *	relay (zeroed first)
 *
 * Copies and checks *@u (its pid must be 0), zeroes its outputs (token,
 * info) so that a read-only struct fails before anything is sent, sends the
 * request and sleeps until the call is DONE or the caller gives up.  Writes
 * the token back once the request was sent, and the reply's metadata to
 * @u->info; on -ERESTARTSYS with a timeout, the time left to
 * @u->timeout_ns.
 *
 * Context: Process context; sleeps.  Takes mb->lock.
 * Return: the number of reply bytes copied to reply_buf (at most
 * reply_len), or -errno: -EFAULT; -EINVAL for reserved fields, flags,
 * priority or a pid; -EBADF without send access; an error of mp_send()
 * (the request was not sent); the call's error if it failed (-EIDRM,
 * -ECONNRESET); -ETIMEDOUT or -ERESTARTSYS if the caller gave up while the
 * request was queued (it was withdrawn: the call may restart);
 * -ETIMEDOUT or -EINTR if it gave up after a receiver took the request.
 */
long mp_ioc_call(struct mp_file *mbf, struct msgport_call __user *u,
		 bool grown)
{
	struct msgport_relay __user *urelay = NULL;
	struct msgport_relay relay;
	struct msgport_call c;
	int ret;

	/* The grown call's relay follows the struct (args.c). */
	if (grown)
		urelay = (struct msgport_relay __user *)(u + 1);
	ret = call_args(u, &c, &relay);
	if (ret)
		return ret;
	if (c.pid)
		return -EINVAL;
	if (!(mbf->access & MSGPORT_O_SEND))
		return -EBADF;
	/* A topic has no one receiver to answer. */
	if (mp_topic_of(mbf->mb))
		return -EINVAL;
	ret = call_outputs(u, urelay);
	if (ret)
		return ret;
	return rpc_call(mbf->mb, &c,
			(c.flags & MSGPORT_F_RELAY) ? &relay : NULL, u, urelay);
}

/**
 * mp_ioc_call_pid() - MSGPORT_IOC_CALL_PID on /dev/msgport
 * @u: the caller's struct msgport_call; its pid names the process
 *
 * A call to a process's inbox: as mp_ioc_call(), to the inbox of process
 * @u->pid, which the caller holds a reference to while the call lasts.
 *
 * Context: Process context; sleeps.  Takes the inbox's mb->lock.
 * Return: as mp_ioc_call() (but no -EBADF, and any pid is checked by
 * mp_inbox_get()), and -EINVAL for a pid <= 0, -ESRCH (no such process),
 * -ECONNREFUSED (it has no inbox, told only to those who could signal it) or
 * -EACCES (no permission to send to it, or to know whether it has an inbox).
 */
long mp_ioc_call_pid(struct msgport_call __user *u)
{
	struct mp_mailbox *mb;
	struct msgport_call c;
	long ret;

	/* No relaying to a pid (MSGPORT_F_RELAY: -EINVAL). */
	ret = call_args(u, &c, NULL);
	if (ret)
		return ret;
	ret = call_outputs(u, NULL);
	if (ret)
		return ret;
	mb = mp_inbox_get(c.pid);
	if (IS_ERR(mb))
		return PTR_ERR(mb);
	ret = rpc_call(mb, &c, NULL, u, NULL);
	mp_mailbox_put(mb);
	return ret;
}
