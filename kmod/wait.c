// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: waiting on a mailbox: the wake-ups gathered under mb->lock and
 * sent after it, deadlines, sleeping, and adaptive spinning.
 *
 * Wake-ups
 *   Wakers change a waiter's state and unlink it under mb->lock, take a
 *   task reference (struct mp_wake, on the waker's stack) and wake the
 *   task only after unlocking; they never touch the waiter again, since it
 *   lives on the sleeper's stack.  They are gathered MP_WAKE_MAX at a
 *   time: who takes many messages in one hold of the lock sends them out
 *   between rounds.  Poll events and a replaced peer reference (mp_wake_note_peer())
 *   go out with them.
 *
 * Spinning
 *   Before its first sleep a waiter may spin instead, lock dropped, while
 *   its likely peer runs (mp_wait_spin()); it stays a waiter
 *   meanwhile, wakers skip it (@spinning), and it reads its state without
 *   the lock only as a hint: it re-examines it under the lock before it
 *   sleeps or uses it.  A receive batch spins on the queue instead, as no
 *   waiter.  What is read without the lock as such a hint (a waiter's
 *   @state, @nmsgs, @dead, @batch_spinners, @recv_arrivals; a call's state
 *   in rpc.c) is written with WRITE_ONCE() under it and read with
 *   READ_ONCE().  A spinner takes a task reference only while it spins.
 *
 * Locking
 *   The functions here that take a mailbox are called with its lock held
 *   (mp_wait_sleep_locked() and the spins drop it and take it again), but for
 *   mp_wake_flush(), which sends what was gathered after it was dropped.
 *   A mailbox's measured wake-up time (mb->wake_ns) is under its lock, as
 *   its spin scores are.
 */
#include <linux/hrtimer.h>
#include <linux/minmax.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>

#include "msgport.h"

/**
 * mp_wake_add() - gather a waiter's wake-up
 * @wk: the wake-ups gathered, on the waker's stack
 * @w: the waiter, its state changed and unlinked by the caller
 *
 * Takes a reference to @w's task and adds it to @wk, for mp_wake_flush()
 * to wake after mb->lock is dropped, and notes when (@w->woken_ns, a
 * wake-up latency sample for note_latency()).  A spinning waiter
 * needs no wake-up: it watches its state (spin_waiter()), and is
 * skipped.  Callers never queue more than MP_WAKE_MAX; should one, the task
 * is woken at once, with a warning (safe: a waiter's task cannot leave
 * without mb->lock).
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_wake_add(struct mp_wake *wk, struct mp_waiter *w)
{
	/* A spinner watches its state: it needs no wake-up (spin_waiter). */
	if (w->spinning)
		return;
	w->woken_ns = ktime_get_mono_fast_ns();
	/*
	 * Never expected (callers leave room), but safe: a waiter's task
	 * cannot leave without mb->lock, which we hold.
	 */
	if (WARN_ON_ONCE(wk->n >= MP_WAKE_MAX)) {
		wake_up_process(w->task);
		return;
	}
	/* Callers never queue more than MP_WAKE_MAX (see destroy). */
	get_task_struct(w->task);
	wk->task[wk->n++] = w->task;
}

/**
 * mp_wake_flush() - send the wake-ups gathered under mb->lock
 * @mb: the mailbox
 * @wk: the wake-ups gathered
 *
 * Wakes the tasks in @wk and drops their references, signals the poll
 * events gathered (@wk->poll) to @mb's poll waiters if any (and EPOLLOUT to
 * a topic's, @mb->room_wq, if @mb is a BLOCK subscription), and drops the
 * peer reference replaced by mp_wake_note_peer() (@wk->put).  Leaves @wk
 * empty, to be used again.
 *
 * Context: Called after mb->lock is dropped (not held), with what was
 * gathered in that hold of it (or in earlier ones): the poll events need
 * the lock's ordering.  Does not sleep.
 */
void mp_wake_flush(struct mp_mailbox *mb, struct mp_wake *wk)
{
	unsigned int i;

	for (i = 0; i < wk->n; i++) {
		wake_up_process(wk->task[i]);
		put_task_struct(wk->task[i]);
	}
	wk->n = 0;
	/*
	 * No smp_mb() (wq_has_sleeper()): the events were gathered under
	 * mb->lock, and a poller queues itself on poll_wq before it takes
	 * mb->lock to read the state (mp_mailbox_poll()).  So either its
	 * hold of the lock came after ours and it saw the new state, or it
	 * came before, and its queueing is ordered before our lock and seen
	 * here.
	 */
	if (wk->poll && waitqueue_active(&mb->poll_wq))
		wake_up_interruptible_poll(&mb->poll_wq, wk->poll);
	/*
	 * A topic's BLOCK subscription with room again: a publish may not
	 * wait now, its topic's pollers may write (topic.c, "Poll"; the same
	 * ordering: they queue there before they take mb->lock to look).
	 */
	if (wk->poll & EPOLLOUT) {
		wait_queue_head_t *room = READ_ONCE(mb->room_wq);

		/* No smp_mb(): ordered by mb->lock, as above. */
		if (room && waitqueue_active(room))
			wake_up_interruptible_poll(room, EPOLLOUT | EPOLLWRNORM);
	}
	wk->poll = 0;
	put_pid(wk->put);
	wk->put = NULL;
}

/**
 * mp_wake_note_peer() - remember the calling thread as a mailbox's peer
 * @slot: mb->last_sender or mb->last_receiver
 * @wk: the wake-ups gathered, which take the replaced reference
 *
 * Remembers the calling thread as the mailbox's last sender or receiver
 * (@slot, a pid reference: it pins no task): the peer a waiter on the other
 * side spins on.  Nothing changes if it is already there.  The reference it
 * replaces goes to @wk->put, dropped by mp_wake_flush() (a warning if @wk
 * already holds one).
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_wake_note_peer(struct pid **slot, struct mp_wake *wk)
{
	struct pid *me = task_pid(current);

	if (likely(*slot == me))
		return;
	WARN_ON_ONCE(wk->put);
	wk->put = *slot;
	*slot = get_pid(me);
}

/**
 * mp_wait_sleep_locked() - sleep on a mailbox with its lock dropped
 * @mb: the mailbox
 * @d: the wait's deadline
 *
 * Sleeps (TASK_INTERRUPTIBLE, set before the lock is dropped, so a wake-up
 * sent after that is not lost) until woken, a signal comes or @d, if timed,
 * passes (an absolute hrtimer, with the task's timer slack).  The caller
 * re-examines its state on return.
 *
 * Context: Called with mb->lock held; drops it, sleeps, and retakes it.
 */
void mp_wait_sleep_locked(struct mp_mailbox *mb,
			  const struct mp_deadline *d)
	__must_hold(&mb->lock)
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
 * Spin for up to this many measured wake-ups: 4 took the median 1 KiB
 * round trip under TCG from 135 to 35 us (1 was too short to cover the
 * peer's turn), while 64 B stayed at 12 us and streaming did not move.
 */
#define MP_SPIN_WAKES	4

/**
 * mp_wait_wake_average() - a wake-up time average with a new sample
 * @avg: the average so far
 * @lat: the new sample
 *
 * A moving average with 1/8 weight to each sample.  A sample over a second
 * is ignored, and one counts for at most four times the average (and a
 * microsecond): one waiter held off its CPU for long (by its cgroup's
 * cpu.max, SCHED_IDLE) does not lengthen the spins of every waiter on its
 * mailbox at once; a lasting change moves the average within a few
 * samples.
 *
 * Context: Any.  Pure.
 * Return: The new average.
 */
u32 mp_wait_wake_average(u32 avg, u64 lat)
{
	if (lat > NSEC_PER_SEC)
		return avg;
	lat = min_t(u64, lat, 4 * (u64)avg + NSEC_PER_USEC);
	return avg - avg / 8 + (u32)lat / 8;
}
EXPORT_SYMBOL_NS_GPL(mp_wait_wake_average, MP_TEST_NS);

/**
 * mp_wait_note_wake() - record a wake-up's latency on a mailbox
 * @mb: the mailbox the sleeper waited on
 * @woken_ns: when the sleeper was woken (ktime_get_mono_fast_ns())
 *
 * A sleeper woken at @woken_ns runs again: the time since then is a new
 * sample of how long a wake-up takes to get a sleeper on @mb running
 * again (@mb->wake_ns, a moving average with 1/8 weight to each sample;
 * spinning longer than that costs more than sleeping would: wait_spin()).
 * Each mailbox measures its own (MP_WAKE_NS_FIRST), as
 * mp_wait_wake_average() says.
 *
 * Context: Called with mb->lock held; does not sleep.
 */
void mp_wait_note_wake(struct mp_mailbox *mb, u64 woken_ns)
	__must_hold(&mb->lock)
{
	mb->wake_ns = mp_wait_wake_average(mb->wake_ns,
					   ktime_get_mono_fast_ns() - woken_ns);
}
EXPORT_SYMBOL_NS_GPL(mp_wait_note_wake, MP_TEST_NS);

/**
 * note_latency() - record a waiter's wake-up latency
 * @mb: the mailbox it waits on
 * @w: the waiter, back from mp_wait_sleep_locked()
 *
 * If a waker noted when it queued @w's wake-up (@w->woken_ns, from
 * mp_wake_add()), records the latency since then (mp_wait_note_wake()) and
 * clears it, so that it counts once.
 *
 * Context: Called with mb->lock held; does not sleep.
 */
static void note_latency(struct mp_mailbox *mb, struct mp_waiter *w)
	__must_hold(&mb->lock)
{
	if (!w->woken_ns)
		return;
	mp_wait_note_wake(mb, w->woken_ns);
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

/*
 * Whether spinning pays on a mailbox: a spin that runs out of time costs its
 * whole budget and the sleep and wake-up it was to save, so where spins keep
 * running out (a stream whose sender takes longer per message than a few
 * wake-ups: the receiver would burn a CPU for nothing, and on an SMT core slow
 * its sibling), waiters stop spinning, but for one wait in MP_SPIN_PROBE,
 * whose spin tells whether things changed.  A score's debt (struct
 * mp_spin_score: a mailbox's waiters', mb->spin, and its senders', mb->await)
 * starts at 0, grows by 4 for a spin that ran out of time, shrinks by 2 for
 * one that ended its wait (a spin that stopped because its peer slept, or for
 * a signal or the scheduler, says nothing); over MP_SPIN_DEBT_MAX, spinning
 * stops: three spins out of time in a row stop it, two in three that pay keep
 * it.  Under mb->lock.
 */
#define MP_SPIN_DEBT_MAX	8
#define MP_SPIN_PROBE		8

static bool spin_pays(struct mp_mailbox *mb, struct mp_spin_score *score)
	__must_hold(&mb->lock)
{
	if (score->debt <= MP_SPIN_DEBT_MAX)
		return true;
	if (++score->skipped < MP_SPIN_PROBE)
		return false;
	score->skipped = 0;
	return true;
}

static void spin_scored(struct mp_mailbox *mb, struct mp_spin_score *score,
			bool ended_wait, bool out_of_time)
	__must_hold(&mb->lock)
{
	if (ended_wait)
		score->debt = score->debt > 2 ? score->debt - 2 : 0;
	else if (out_of_time)
		score->debt = min(score->debt + 4, 2 * MP_SPIN_DEBT_MAX);
}

/*
 * A spin of at most @budget ns, scored in @score (the waiters' or the
 * senders'; NULL: unscored): as paid if it ended its wait and, with @paid,
 * if @paid(@arg) (under the lock) says the end was of use; an end of no use
 * counts as time run out, one by someone else's doing (MP_SPIN_MOOT) as
 * nothing.
 */
static bool spin_for(struct mp_mailbox *mb, struct pid *peer_pid,
		     mp_spin_done_t done, mp_spin_paid_t paid,
		     const void *arg, ktime_t until, u64 budget,
		     struct mp_spin_score *score)
	__must_hold(&mb->lock)
{
	struct task_struct *peer;
	bool ok, out_of_time;
	u64 end, now;

	if (!budget || (score && !spin_pays(mb, score)))
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
	/* spin_ns may be huge ("no limit"): no wrap. */
	end = min_t(u64, ktime_get_mono_fast_ns() + min_t(u64, budget, KTIME_MAX),
		    ktime_to_ns(until));
	for (;;) {
		ok = done(arg);
		now = ktime_get_mono_fast_ns();
		out_of_time = now >= end;
		if (ok || out_of_time || !peer_busy(peer) || need_resched() ||
		    signal_pending(current))
			break;
		cpu_relax();
	}
	put_task_struct(peer);
	spin_lock(&mb->lock);
	if (score && !ok) {
		spin_scored(mb, score, false, out_of_time);
	} else if (score) {
		enum mp_spin_end end_was = paid ? paid(arg) : MP_SPIN_PAID;

		if (end_was != MP_SPIN_MOOT)
			spin_scored(mb, score, end_was == MP_SPIN_PAID,
				    end_was == MP_SPIN_WASTED);
	}
	return true;
}

/* A waiter's spin: for at most about as long as a sleep and wake-up cost. */
static bool wait_spin(struct mp_mailbox *mb, struct pid *peer_pid,
		      mp_spin_done_t done, const void *arg, ktime_t until,
		      struct mp_spin_score *score)
	__must_hold(&mb->lock)
{
	return spin_for(mb, peer_pid, done, NULL, arg, until,
			min_t(u64, READ_ONCE(mp_spin_ns),
			      MP_SPIN_WAKES * (u64)mb->wake_ns), score);
}

/**
 * mp_wait_spin() - spin, lock dropped, while a wait's likely peer runs
 * @mb: the mailbox
 * @peer_pid: the peer: the mailbox's last sender, for a receiver; its last
 *	receiver, for a sender or a caller
 * @done: true once the wait is over; called without the lock, as a hint
 * @arg: the argument of @done
 * @until: the wait's deadline (KTIME_MAX: none)
 *
 * Adaptive spinning, as a mutex spins on a running owner: rather than sleep
 * at once, a waiter whose wait the peer will most likely end soon spins,
 * with mb->lock dropped, while that peer runs (or was woken to run) on
 * another CPU, for at most about as long as a sleep and wake-up costs here
 * (the rule that keeps spinning within twice the cost of the best choice
 * made in hindsight): MP_SPIN_WAKES times @mb->wake_ns, the measured part of
 * that cost, which leaves out the switch away from the sleeper and the
 * waker's side; and at most spin_ns, and not past @until.  It spins until
 * @done(@arg) is true (for a waiter: someone changed its state; it stays on
 * its waiter list throughout, so hand-offs and wake-ups work as for a
 * sleeper, and waking a running task costs nothing), the peer stops
 * running, it is needed elsewhere or a signal comes.  A ping-pong between processes on two CPUs
 * then never sleeps nor waits for a wake-up.  It does not spin if the
 * budget is 0, or the peer is gone, is the caller itself, or neither runs
 * nor is woken to run on another CPU, or spins on @mb do not pay
 * (spin_pays()); it holds a reference to the peer's task only while it
 * spins.
 *
 * Context: Called with mb->lock held; drops and retakes it if it spins (it
 * is held on return either way).  Does not sleep.
 * Return: True if it spun (the caller re-examines its state, with the lock
 * held again), false if it should sleep now.
 */
bool mp_wait_spin(struct mp_mailbox *mb, struct pid *peer_pid,
		  mp_spin_done_t done, const void *arg, ktime_t until)
	__must_hold(&mb->lock)
{
	return wait_spin(mb, peer_pid, done, arg, until, &mb->spin);
}

/**
 * mp_wait_spin_copy() - spin while a peer copies for the caller
 * @mb: the mailbox
 * @peer_pid: the peer that copies (a sender writing into the caller's buffer)
 * @done: true once the copy is over; called without the lock, as a hint
 * @arg: the argument of @done
 *
 * mp_wait_spin() without a deadline, and outside the adaptive rule
 * (spin_pays()): a copy's length says nothing of whether waits for
 * messages on @mb end within a spin, so it neither depends on nor moves
 * @mb's spin score.
 *
 * Context: As mp_wait_spin().
 * Return: As mp_wait_spin().
 */
bool mp_wait_spin_copy(struct mp_mailbox *mb, struct pid *peer_pid,
		       mp_spin_done_t done, const void *arg)
	__must_hold(&mb->lock)
{
	return wait_spin(mb, peer_pid, done, arg, KTIME_MAX, NULL);
}

/**
 * mp_wait_spin_receiver() - a sender spins for a receiver on its way
 * @mb: the mailbox
 * @done: true once a receiver waits; called without the lock, as a hint
 * @paid: called with the lock held again after a spin that @done ended:
 *	what the end was worth (enum mp_spin_end: paid if the receiver that
 *	came can be written into)
 * @arg: the argument of @done and @paid
 * @until: when the spin must end (the send's deadline, or sooner)
 *
 * mp_wait_spin() on @mb's last receiver, for a sender of a large message
 * that finds no receiver waiting (direct.c, "A receiver on its way"), but
 * bounded by @until and spin_ns only: what it may save is a copy, whose
 * cost the caller puts in @until, not a sleep and a wake-up.  Scored apart
 * from the waiters' spins (@mb->await), and as paid only if
 * @paid says so: a stream whose receiver is seldom back in time, or comes
 * back as one that cannot take the message so (a peek, a lease, a short
 * buffer, a receive batch), stops these spins, not the waiters'; a spin
 * ended by someone else's doing (MP_SPIN_MOOT: another sender's message
 * queued first or its claim of the receiver, a receiver for another
 * process's messages) is not scored, so that senders to one receiver do
 * not stop each other's spins.
 *
 * Context: As mp_wait_spin().
 * Return: As mp_wait_spin().
 */
bool mp_wait_spin_receiver(struct mp_mailbox *mb, mp_spin_done_t done,
			   mp_spin_paid_t paid, const void *arg, ktime_t until)
	__must_hold(&mb->lock)
{
	return spin_for(mb, mb->last_receiver, done, paid, arg, until,
			READ_ONCE(mp_spin_ns), &mb->await);
}
EXPORT_SYMBOL_NS_GPL(mp_wait_spin_receiver, MP_TEST_NS);

/**
 * mp_wait_spin_task() - spin while a task finishes bounded work for the caller
 * @task: the task (the caller keeps it valid)
 * @done: true once the work is over, or spinning on @task is no use any
 *	more; called without locks
 * @arg: the argument of @done
 *
 * A copy's owner waiting for a helper to finish its unit (direct.c): bounded
 * work on another CPU, a few microseconds on hardware, where a sleep costs a
 * context switch each way and the helper's wake-up of this CPU (an IPI, an
 * idle CPU's exit).  Spins, as a mutex spins on its owner, only while @task
 * is on a CPU (not while it is preempted or throttled, or its vCPU is: it
 * is in its unit, so not running means kept from running), nothing else
 * needs this CPU, and no longer than spin_ns; not at all with spin_ns=0.
 * Unscored: the work's end is certain, only not its time.
 *
 * Context: Process context, no lock held.  Does not sleep.
 * Return: @done(@arg) at the end: false if the caller must sleep for it.
 */
bool mp_wait_spin_task(struct task_struct *task, mp_spin_done_t done,
		       const void *arg)
{
	u64 budget = READ_ONCE(mp_spin_ns), end;

	if (!budget)
		return done(arg);
	/* spin_ns may be huge ("no limit"): no wrap. */
	end = ktime_get_mono_fast_ns() + min_t(u64, budget, KTIME_MAX);
	while (!done(arg)) {
		if (!owner_on_cpu(task) || need_resched() ||
		    ktime_get_mono_fast_ns() >= end)
			return false;
		cpu_relax();
	}
	return true;
}

static bool waiter_moved(const void *arg)
{
	const struct mp_waiter *w = arg;
	enum mp_wstate state = READ_ONCE(w->state);

	return state != MP_W_WAITING && state != MP_W_QUEUED;
}

/**
 * spin_waiter() - a mailbox waiter's spin
 * @mb: the mailbox
 * @w: the waiter, on its waiter list
 * @peer: the peer it spins on (mb->last_sender or mb->last_receiver)
 * @d: the waiter's deadline: the spin does not go past it
 *
 * mp_wait_spin() until @w's state is no longer WAITING nor QUEUED.  @w is
 * marked spinning meanwhile, so that wakers skip it (mp_wake_add()): it
 * sees its new state while spinning, or under the lock once it stops,
 * before sleeping.
 *
 * Context: Called with mb->lock held; drops it while it spins and retakes
 * it.  Does not sleep.
 * Return: As mp_wait_spin(): true if it spun, false if it should sleep now.
 */
static bool spin_waiter(struct mp_mailbox *mb, struct mp_waiter *w,
			struct pid *peer, const struct mp_deadline *d)
	__must_hold(&mb->lock)
{
	bool spun;

	/*
	 * Wakers skip a spinning waiter (mp_wake_add()): it sees its new state
	 * while spinning, or under the lock once it stops, before sleeping.
	 */
	w->spinning = true;
	spun = mp_wait_spin(mb, peer, waiter_moved, w,
			    d->timed ? d->expires : KTIME_MAX);
	w->spinning = false;
	return spun;
}

/**
 * mp_wait_step() - a mailbox waiter's turn of waiting
 * @mb: the mailbox
 * @w: the waiter, on its waiter list
 * @peer: the peer that will most likely end the wait (mb->last_sender for a
 *        receiver, mb->last_receiver for a sender)
 * @d: the waiter's deadline
 * @wk: the wake-ups the waiter gathered
 * @spun: whether the waiter spun already in this wait; set when it does
 *
 * One of, in this order: sends the wake-ups gathered so far (they must not
 * wait for the waiter's sleep); spins on @peer (spin_waiter()), once per
 * wait; sleeps until woken or @d (mp_wait_sleep_locked()) and records the
 * wake-up's latency.  The caller then looks at @w's state again.
 *
 * Context: Called with mb->lock held; drops it and retakes it.  May sleep.
 */
void mp_wait_step(struct mp_mailbox *mb, struct mp_waiter *w,
		  struct pid *peer, const struct mp_deadline *d,
		  struct mp_wake *wk, bool *spun)
	__must_hold(&mb->lock)
{
	if (wk->n || wk->poll) {
		spin_unlock(&mb->lock);
		mp_wake_flush(mb, wk);
		spin_lock(&mb->lock);
		return;
	}
	if (!*spun) {
		*spun = true;
		if (spin_waiter(mb, w, peer, d))
			return;
	}
	mp_wait_sleep_locked(mb, d);
	note_latency(mb, w);
}

/**
 * mp_wait_report_remaining() - tell user space the time left of a wait
 * @d: the wait's deadline
 * @utimeout: where user space takes the time left, in ns (NULL: nowhere)
 * @ret: the wait's result
 *
 * An interrupted timed wait (-ERESTARTSYS) that will restart: tells user
 * space, at @utimeout, how much of its time is left (0 if none).  Any other
 * result, an untimed wait or a NULL @utimeout writes nothing.
 *
 * Context: Process context, without mb->lock; may sleep (user memory).
 * Return: @ret, or -EFAULT if the time left cannot be written.
 */
int mp_wait_report_remaining(const struct mp_deadline *d, u64 __user *utimeout,
			     int ret)
{
	ktime_t left;

	if (ret != -ERESTARTSYS || !d->timed || !utimeout)
		return ret;
	left = ktime_sub(d->expires, ktime_get());
	if (ktime_before(left, 0))
		left = 0;
	if (put_user((u64)ktime_to_ns(left), utimeout))
		return -EFAULT;
	return ret;
}
