// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: one copy to a waiting receiver.
 *
 * A message goes through kernel memory in two copies (msg.c): copied in
 * from the sender into a buffer allocated for it (and zeroed first, on
 * kernels with init_on_alloc), then out to the receiver.  When a receiver
 * already waits for it, the sender writes it straight into the receiver's
 * buffer instead, as process_vm_writev() writes into another process: one
 * pass over the bytes, no allocation, no charge, no reference on the
 * sender's pids.
 *
 * How
 *   A receiver that may be written to directly (it takes, not peeks; not spans
 *   by reference; a buffer of at least MP_DIRECT_MIN bytes) says where (struct
 *   mp_direct_dest on its stack: its mm, buffer, info, namespaces) while it
 *   waits.  A sender of a message of at least MP_DIRECT_MIN bytes (not a
 *   call's request, not a span) that finds it the receiver the message would
 *   be handed to (mp_queue_waiter_for(), mp_queue_takes()) claims it under
 *   mb->lock (unlinked, MP_W_FILLING), stamps the message (its sequence number
 *   and send time) and, with the lock dropped, writes the payload and then the
 *   info, as the receiver would see it, into the receiver's memory: its pages
 *   pinned MP_DIRECT_PAGES at a time (pin_user_pages_remote()), mapped and
 *   copied into from the sender's memory (a helping receiver, "Two CPUs",
 *   writes its info itself).  Then, under the lock again, it marks the
 *   receiver READY with the bytes written (@filled) and wakes it: the message
 *   was received, as a hand-over is.
 *
 * Never a hang, never a lost message
 *   Nothing on this path waits for anything another task controls but a
 *   helping side's unit of a copy (a receiver's; or a sender's of its own
 *   message, which its receiver waits for, uninterruptibly: "Senders help
 *   receivers"; bounded, faults disabled likewise): the receiver's pages are
 *   pinned only if present and writable (FOLL_NOFAULT, under
 *   mmap_read_trylock()), the sender's bytes are read with page faults disabled
 *   (copy_from_user_nofault()).  A claimed receiver waits for its sender,
 *   without taking signals (its buffer is being written and its mm must outlive
 *   the copy), but only for that copy: bounded work that reschedules between
 *   batches of pages, though a sender starved of CPU (SCHED_IDLE, a cgroup's
 *   cpu.max) makes it last longer.  A receiver that would truncate, or whose
 *   buffer overlaps the sender's in one address space, is served the usual way.
 *   When any step fails (a page not present, a contended mmap_lock, a fault in
 *   the sender's buffer), the receiver looks at the queue again, as a kicked
 *   receiver does (a message queued while it was claimed is its to take; else
 *   it goes back to the head of the waiters), and the sender sends the message
 *   the usual way (made in kernel memory, handed over or queued): what was
 *   written into the receiver's buffer is overwritten by the message it
 *   receives, or, if another message or an error ends its wait, its buffer's
 *   contents are unspecified, as after any failed receive.  A stamp given up
 *   leaves a gap in the sequence numbers, as a withdrawn synchronous send does.
 *
 *   As process_vm_writev(), the write goes through the kernel's mapping of
 *   the receiver's pages (and a helping receiver's read, "Two CPUs", through
 *   that of the sender's): the other side's protection keys (pkeys) and
 *   memory tags do not apply to it, and buffers that alias each other through
 *   shared memory (not the same addresses of one process: those are
 *   checked) get what a forward copy page by page gives.  A helping
 *   receiver's own info is an ordinary write to its own memory: its own keys
 *   and tags apply, and a write they refuse sends the message the usual
 *   way, which meets the same refusal.
 *
 * Two CPUs
 *   A receiver that spins while it waits is on a CPU of its own with nothing to
 *   do: for a copy of MP_DIRECT_SHARE bytes or more, the sender lets it help
 *   (struct mp_direct_job, on the sender's stack, reachable through the
 *   receiver's waiter while the sender holds it out).  Both sides take units
 *   (MP_DIRECT_SHARE bytes, or half of a shorter copy) in turn from a shared
 *   counter, the sender writing into the receiver's pages as above, the
 *   receiver reading the sender's pages (referenced, FOLL_NOFAULT) into
 *   its own buffer with faults disabled (copy_to_user_nofault()): as a stream
 *   socket's two sides copy at once, one copy's wall time halves.  A receiver
 *   that sleeps is woken to help as it is claimed, for a copy of three units
 *   or more: a wake-up earlier than the one it gets anyway at the end, which
 *   pays when it comes before the copy is done.  A receiver that helps
 *   writes its own info first, with copy_to_user_nofault() in its own
 *   memory (the sender's header on its stack, valid while the receiver is
 *   in the job): no pin of the info's page, no mmap_lock of the receiver's
 *   taken by the sender for it.  The sender stops lending the job under
 *   mb->lock and waits until a receiver in it has finished its unit
 *   (bounded: it never waits either), spinning while that receiver runs on
 *   another CPU (mp_wait_spin_task(): a unit's rest costs less than a sleep,
 *   a wake-up and two context switches), else sleeping; a failed unit (or
 *   info) fails the whole copy, as above.
 *
 * A receiver on its way
 *   A stream's receiver is seldom waiting yet when the next message comes: it
 *   is back in user space with the previous one, or still copying it out of
 *   kernel memory.  Made in kernel memory, the message then costs two copies;
 *   waited for, one, shared by two CPUs.  So a sender of a message of
 *   MP_DIRECT_SHARE bytes or more that may wait (not MSGPORT_F_NONBLOCK nor a
 *   zero timeout) and finds nobody waiting for its messages (a receiver that
 *   waits for another process's only, MSGPORT_F_FROM, does not count), nothing
 *   queued and no receive batch spinning for the queue instead spins, lock
 *   dropped, while the mailbox's last receiver runs, until a receiver comes to
 *   wait (mp_wait_spin_receiver()): for no longer than copying the message
 *   would take it (mb->copy_ns_kib, measured on the mailbox's own large sends,
 *   made in kernel memory or written in one copy: what a spin that pays saves,
 *   so that one that does not costs at most as much; not the waiters' few
 *   wake-ups, wait.c, a sender having no sleep to save), and at most spin_ns.
 *   Such spins are scored apart (mb->await), and as paid only when the
 *   receiver that came can be written into: where receivers are seldom back in
 *   time (slower than their sender), or come back as ones that cannot take it
 *   so (a peek, a lease, a short buffer, a receive batch), these spins stop,
 *   but for a probe now and then.  A spin that someone else ends (another
 *   sender's message queued first, or its copy to the receiver that came, or
 *   a receiver for another process's messages only) is not scored:
 *   senders to one receiver do not stop each other's spins.  One that pays
 *   saves the copy into kernel memory, its allocation and charge, and half of
 *   the receiver's copy.  The message is not sent meanwhile (not stamped, not
 *   visible): to everyone else it is as if its sender came a little later; the
 *   time spun comes off its timeout.  A rendezvous (a synchronous send) thus
 *   takes one copy whenever its receiver comes within the spin; one that comes
 *   later gets the message made in kernel memory, as before.  spin_ns=0 turns
 *   these spins off with the others.
 *
 * Senders help receivers
 *   A stream out of step costs two copies a message, and stays so: a sender
 *   too late for one copy makes its message in kernel memory, by which time
 *   its receiver waits and is handed it (or, the slower side, takes it from a
 *   queue that never empties); the receiver then copies it out alone while the
 *   sender fills its next message and comes back, to find the receiver still
 *   copying, spin for it in vain (where that copy takes longer than the spin
 *   may last) and make the next message too.  Meanwhile one CPU copies and the
 *   other waits.  So a receiver that takes or is handed a message of
 *   MP_DIRECT_SHARE bytes or more made in kernel memory lends its copy out
 *   (struct mp_out_job, on its stack, reachable through mb->out_job under
 *   mb->lock while it copies; one receiver's at a time; a receive batch does
 *   not), and the message's own sender, if it sends another such message and
 *   may wait, takes units of it, before it sends and after a send (a sender
 *   waiting for room is admitted by the very take that lends the job): from
 *   kernel memory into the receiver's pages, each unit's pinned at once, as
 *   above (mp_direct_help_out(); not while a receiver waits for its messages:
 *   a copy straight to it goes first; one that waits for another process's
 *   messages only, MSGPORT_F_FROM, does not count).  The receiver is back
 *   sooner, the sender later, in time for it: the stream falls back in step,
 *   one copy a message.  The receiver takes the job back under mb->lock, waits
 *   for a sender still in a unit (bounded, as above), and copies the units a
 *   sender could not do itself (its own faults are its own).  Only threads of
 *   the message's sending process help: a receiver waits for them only, each
 *   only to finish the unit it is in; but, as a claimed receiver, without
 *   taking a signal meanwhile, so a helper starved of CPU holds it longer.
 *   Time a sender spends helping comes off its send's timeout.
 *
 * What it holds
 *   At most MP_DIRECT_PAGES pinned (or, read, referenced) pages of the other
 *   side per task, for the time of one copy, by a task inside its own system
 *   call: a bounded, transient hold, as process_vm_writev()'s, charged to
 *   nobody.  A message written directly never becomes kernel memory, so it
 *   is not charged to its sender's quota (nor counted in /proc/msgport's
 *   queued bytes).
 *
 * Locking and lifetimes
 *   mb->lock (queue.c) covers the claim and the completion, and the lending of
 *   a receiver's copy out (mb->out_job, a job's @helpers: the owner takes a
 *   reference on the last helper to join, under it, only while that helper
 *   is in the job, and spins on it without the lock); the copy runs
 *   without it, and the mailbox's copy rate (mb->copy_ns_kib) is a racy
 *   average, written with WRITE_ONCE() (a lost sample only).  The receiver's
 *   mp_direct_dest and its mm stay valid while it is claimed: it does not
 *   return from its receive until its state leaves MP_W_FILLING, which only its
 *   sender changes, under mb->lock.  The receiver's mmap_lock is taken for
 *   reading, by trylock, around each pin: never with mb->lock held, never with
 *   a page fault possible under it.  A lent copy's message, buffer and mm
 *   stay valid while a sender is in it: its receiver neither returns nor puts
 *   the message back before it took the job back with no sender in it.
 */
#include <linux/cred.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>

#include "msgport.h"
#include "trace.h"

/* Pages of the receiver pinned at a time, as process_vm_writev() does. */
#define MP_DIRECT_PAGES	16

/**
 * mp_direct_dest_init() - where a receive may be written directly
 * @dest: the receiver's mp_direct_dest, on its stack
 * @x: the receive
 *
 * Context: Process context, the receiving task.  Takes no lock.
 */
void mp_direct_dest_init(struct mp_direct_dest *dest,
			 const struct mp_xfer *x)
{
	dest->mm = current->mm;
	dest->buf = x->buf;
	dest->uinfo = x->uinfo;
	dest->pid_ns = task_active_pid_ns(current);
	dest->user_ns = current_user_ns();
}

/*
 * Copy @len bytes between @addr in @mm and the current task: with @write,
 * into @mm from the current task's memory at @local (or from kernel memory
 * at @ksrc if @local is NULL); else out of @mm into the current task's
 * memory at @local.  0, or -EFAULT if not all could be copied without
 * waiting (see "Never a hang" above).
 */
static int direct_copy(struct mm_struct *mm, unsigned long addr,
		       void __user *local, const void *ksrc, size_t len,
		       bool write)
{
	unsigned int flags = FOLL_NOFAULT | (write ? FOLL_WRITE : 0);
	struct page *pages[MP_DIRECT_PAGES];
	int ret = 0;
	long got, i;

	while (len && !ret) {
		size_t off = offset_in_page(addr);
		unsigned long nr = min_t(unsigned long,
					 DIV_ROUND_UP(off + len, PAGE_SIZE),
					 MP_DIRECT_PAGES);

		if (!mmap_read_trylock(mm))
			return -EFAULT;
		/*
		 * Written pages are pinned (FOLL_PIN), as process_vm_writev()
		 * does; read ones are only referenced (FOLL_GET): a read pin
		 * of a copy-on-write shared page (a sender's buffer filled
		 * before it forked) must unshare it first, a fault that
		 * FOLL_NOFAULT refuses.
		 */
		if (write)
			got = mp_pin_user_pages_remote(mm, addr & PAGE_MASK, nr,
						       flags, pages);
		else
			got = mp_get_user_pages_remote(mm, addr & PAGE_MASK, nr,
						       flags, pages);
		mmap_read_unlock(mm);
		if (got <= 0)
			return -EFAULT;
		for (i = 0; i < got && !ret; i++) {
			size_t n = min_t(size_t, PAGE_SIZE - off, len);
			void *kaddr = kmap_local_page(pages[i]);

			if (!write)
				ret = copy_to_user_nofault(local, kaddr + off, n);
			else if (local)
				ret = copy_from_user_nofault(kaddr + off, local, n);
			else
				memcpy(kaddr + off, ksrc, n);
			kunmap_local(kaddr);
			if (write)
				flush_dcache_page(pages[i]);
			if (local)
				local += n;
			else
				ksrc += n;
			addr += n;
			len -= n;
			off = 0;
		}
		if (write) {
			unpin_user_pages_dirty_lock(pages, got, true);
		} else {
			for (i = 0; i < got; i++)
				put_page(pages[i]);
		}
		cond_resched();		/* the other side waits: no lock held */
	}
	return ret ? -EFAULT : 0;
}

/*
 * A large copy shared by its two sides (see "Two CPUs" above): on the
 * sender's stack, reachable by the receiver through its waiter's @job while
 * the sender holds it out (mb->lock).
 */
struct mp_direct_job {
	struct mm_struct *src_mm;	/* the sender's */
	unsigned long src;
	struct mm_struct *dst_mm;	/* the receiver's */
	unsigned long dst;
	u32 len;
	u32 unit;			/* bytes a side takes at a time */
	atomic_t next;			/* the next unit to take */
	int error;			/* a side failed: WRITE_ONCE() */
	struct mp_helpers helpers;	/* receivers in it */
	const struct mp_msg *hdr;	/* the message's metadata (stamped) */
	bool info_done;			/* the receiver wrote its info itself */
};

/*
 * The shortest copy shared by two sides, and the most bytes a side takes at
 * a time of one: a copy of less than two such units is cut in two halves,
 * so that each side takes one.
 */
#define MP_DIRECT_SHARE		(16 * 1024)

static u32 job_unit(u32 len)
{
	return min_t(u32, MP_DIRECT_SHARE, DIV_ROUND_UP(len, 2));
}

/*
 * A job's helpers (struct mp_helpers), for both kinds (struct mp_direct_job,
 * struct mp_out_job): a side joins under mb->lock (helper_join()) and leaves
 * under it too (helper_leave()), its results written before; the job's owner,
 * having taken the job back under mb->lock, waits for those still in it
 * (helpers_wait()): spinning while the one it knows of (the last to join,
 * referenced under mb->lock while it is in the job: helper_to_spin_on()) is
 * on another CPU (its unit is bounded work, a sleep and a wake-up cost more),
 * else sleeping (it may have been woken onto the owner's very CPU, or be
 * preempted in its unit).
 */
static void helper_join(struct mp_helpers *h)
{
	h->n++;
	WRITE_ONCE(h->last, current);
}

static void helper_leave(struct mp_helpers *h)
{
	if (h->last == current)
		WRITE_ONCE(h->last, NULL);	/* it may be gone once out */
	/* Its results before: the owner acquires @n. */
	smp_store_release(&h->n, h->n - 1);
	/*
	 * The store before wake_up_var()'s lockless look at the wait queue (or
	 * an owner just queued there would miss it and sleep for ever).  The
	 * owner may be gone once it saw 0: the address is only a key.
	 */
	smp_mb();
	wake_up_var(&h->n);
}

/*
 * Under mb->lock, the job taken back: the helper still in it to spin on
 * (referenced), or NULL if none is known or spins are off.
 */
static struct task_struct *helper_to_spin_on(struct mp_helpers *h)
{
	return h->n && h->last && READ_ONCE(mp_spin_ns) ?
	       get_task_struct(h->last) : NULL;
}

static bool helpers_gone(const void *arg)
{
	const struct mp_helpers *h = arg;

	/* Pairs with helper_leave()'s release: the helpers' results are seen. */
	return !smp_load_acquire(&h->n);
}

/*
 * Spinning on the one it knows of is over: all are out, or that one is
 * (h->last cleared; none joins a job taken back), and others may sleep.
 */
static bool helper_out(const void *arg)
{
	const struct mp_helpers *h = arg;

	return !READ_ONCE(h->last) || helpers_gone(h);
}

/* No helper left in @h: spinning on @task first, if not NULL (put here). */
static void helpers_wait(struct mp_helpers *h, struct task_struct *task)
{
	if (task) {
		mp_wait_spin_task(task, helper_out, h);
		put_task_struct(task);
	}
	/* At once if none is in: the condition comes first. */
	wait_var_event(&h->n, helpers_gone(h));
}

/* A send that spun or helped waits, if it must, only for what is left. */
static void timeout_left(struct mp_xfer *x, const struct mp_deadline *d)
{
	if (d->timed)
		x->timeout_ns = max_t(s64, 0, ktime_to_ns(ktime_sub(d->expires,
								    ktime_get())));
}

/*
 * Take and copy units of @job until none is left: the sender pushes, the
 * receiver pulls.  The bytes this side copied.
 */
static u32 job_run(struct mp_direct_job *job, bool push)
{
	u32 units = DIV_ROUND_UP(job->len, job->unit);
	u32 k, off, n, own = 0;
	int ret;

	while (!READ_ONCE(job->error) &&
	       (k = atomic_fetch_inc(&job->next)) < units) {
		off = k * job->unit;
		n = min_t(u32, job->unit, job->len - off);
		if (push)
			ret = direct_copy(job->dst_mm, job->dst + off,
					  (void __user *)(job->src + off),
					  NULL, n, true);
		else
			ret = direct_copy(job->src_mm, job->src + off,
					  (void __user *)(job->dst + off),
					  NULL, n, false);
		if (ret)
			WRITE_ONCE(job->error, ret);
		else
			own += n;
	}
	return own;
}

static bool overlap(unsigned long a, size_t alen, unsigned long b, size_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * Can @x be written straight into @rw's buffer?  It must have a destination,
 * take the whole message (a truncating receiver gets the usual path, which
 * reads, and faults on, all of the sender's bytes), and, in one address
 * space, its buffer must not overlap the sender's (a copy page by page would
 * read bytes it wrote).  Nor may the receiver's info overlap its buffer, or
 * in one address space the sender's: written apart from the payload, by
 * either side ("Two CPUs"), it would not land as the usual path's does,
 * after the payload.
 */
static bool direct_ok(const struct mp_waiter *rw, const struct mp_xfer *x)
{
	const struct mp_direct_dest *dest = rw->dest;
	unsigned long src = (unsigned long)x->buf;
	unsigned long dst, info;

	if (!dest || x->len > rw->buf_len)
		return false;
	dst = (unsigned long)dest->buf;
	info = (unsigned long)dest->uinfo;
	if (info && overlap(info, sizeof(*dest->uinfo), dst, x->len))
		return false;
	return dest->mm != current->mm ||
	       (!overlap(src, x->len, dst, x->len) &&
		!(info && overlap(info, sizeof(*dest->uinfo), src, x->len)));
}

/*
 * A sender on @mb copied @len bytes itself in @ns (a one-copy sender's own
 * part, not a helping receiver's nor the wait for it; or a message made in
 * kernel memory, mp_direct_note_made()): a sample of how long copying a KiB
 * takes a side there (@mb->copy_ns_kib, a moving average with 1/8 weight;
 * see "A receiver on its way"), unless it was switched out meanwhile
 * (@switched: the wall time is then not the copy's).  A sample counts for at
 * most four times the average (and 10 us a KiB): no send, however slow,
 * moves the rate every sender's spin there is bounded by much at once.  Each
 * mailbox measures its own (MP_COPY_NS_KIB_FIRST): no other mailbox's senders
 * (another user's, on a slower CPU or memory) shape it.  Racy, without
 * mb->lock: concurrent samples may be lost.
 */
static void note_copy(struct mp_mailbox *mb, u32 len, u64 ns, bool switched)
{
	u32 avg = READ_ONCE(mb->copy_ns_kib);
	u64 sample;

	if (switched || !len)
		return;
	sample = div_u64(ns << 10, len);
	sample = min_t(u64, sample, min_t(u64, 4 * (u64)avg, 10000));
	WRITE_ONCE(mb->copy_ns_kib, avg - avg / 8 + (u32)sample / 8);
}

/* The current task's context switches: a copy timed across one is no sample. */
static unsigned long switches(void)
{
	return current->nvcsw + current->nivcsw;
}

/**
 * mp_direct_clock_start() - start timing the making of a message
 * @c: the clock, on the sender's stack
 *
 * For mp_direct_note_made(), around the making of a message that could
 * have been written straight into a receiver.
 *
 * Context: Process context, the sending task.  Takes no lock.
 */
void mp_direct_clock_start(struct mp_copy_clock *c)
{
	c->csw = switches();
	c->start = ktime_get_mono_fast_ns();
}

/**
 * mp_direct_note_made() - a large message was made in kernel memory
 * @mb: the mailbox it is sent to
 * @len: its length
 * @c: the clock started before it was made (mp_direct_clock_start())
 *
 * A message of MP_DIRECT_SHARE bytes or more that no receiver could take
 * in one copy was made in kernel memory (allocated, copied in): what a
 * sender's spin for a receiver on its way saves when it pays, so a sample
 * of @mb's copy rate, the bound of those spins ("A receiver on its way").
 * A stream whose receiver is not yet back when its messages come learns
 * the rate so from its first message, not only from the one-copy sends it
 * is to have.
 *
 * Context: Process context, the sending task, without mb->lock.
 */
void mp_direct_note_made(struct mp_mailbox *mb, u32 len,
			 const struct mp_copy_clock *c)
{
	if (len < MP_DIRECT_SHARE)
		return;
	note_copy(mb, len, ktime_get_mono_fast_ns() - c->start,
		  switches() != c->csw);
}

/*
 * @w, the first waiting receiver for the sender's messages (or NULL), if
 * @x would be handed to it and may be written into it straight away.
 * Called with mb->lock held.
 */
static struct mp_waiter *direct_taker(struct mp_mailbox *mb,
				      struct mp_waiter *w,
				      const struct mp_xfer *x)
{
	if (mb->dead || !mp_queue_takes(mb, w, x->prio, x->len) ||
	    !direct_ok(w, x))
		return NULL;
	return w;
}

/* What a sender spins for (see "A receiver on its way"). */
struct mp_await {
	struct mp_mailbox *mb;
	const struct mp_xfer *x;
	u32 arrivals;			/* mb->recv_arrivals as the spin began */
	struct mp_waiter **taker;	/* out: what receiver_takes() found */
};

/*
 * A receiver came to wait, or waiting is no use any more (the mailbox is
 * gone, a message was queued before this one, a receive batch spins for the
 * queue): a hint, without the lock.  Receivers that already waited (for
 * another process's messages only, MSGPORT_F_FROM) do not end it.
 */
static bool receiver_waits(const void *arg)
{
	const struct mp_await *a = arg;
	const struct mp_mailbox *mb = a->mb;

	return READ_ONCE(mb->recv_arrivals) != a->arrivals ||
	       READ_ONCE(mb->dead) || READ_ONCE(mb->nmsgs) ||
	       READ_ONCE(mb->batch_spinners);
}

/*
 * Under mb->lock again, once receiver_waits(): the receiver that came, if
 * it can take the message so (paid); else a wasted spin if the stream's
 * receiver came back as one that cannot (a peek, a lease, a short buffer,
 * a receive batch); else the spin was ended by someone else's doing (a
 * message queued first, another sender's claim of the receiver, a receiver
 * for another process's messages only, the mailbox gone), which says
 * nothing of whether such spins pay.
 */
static enum mp_spin_end receiver_takes(const void *arg)
{
	const struct mp_await *a = arg;
	struct mp_waiter *w = mp_queue_waiter_for(a->mb, task_tgid(current));

	*a->taker = direct_taker(a->mb, w, a->x);
	if (*a->taker)
		return MP_SPIN_PAID;
	return w || a->mb->batch_spinners ? MP_SPIN_WASTED : MP_SPIN_MOOT;
}

/*
 * Worth a spin for a receiver on its way (see the top)?  A hint, without
 * the lock.
 */
static bool await_worth(struct mp_mailbox *mb, const struct mp_xfer *x)
{
	return x->len >= MP_DIRECT_SHARE && !READ_ONCE(mb->nmsgs) &&
	       !READ_ONCE(mb->batch_spinners) && !mp_wait_nowait_error(x);
}

/*
 * The receiver to write @x into, claimed by the caller, or NULL: the one
 * that waits for it, if it may be written into; if none waits for the
 * sender's messages, one that comes to wait while the sender spins for it
 * ("A receiver on its way" above: while @mb's last receiver runs, for no
 * longer than copying @x would take; the time spun comes off @x's
 * timeout).  The waiters are walked once for each hold of mb->lock.
 */
static struct mp_waiter *direct_receiver(struct mp_mailbox *mb,
					 struct mp_xfer *x)
	__must_hold(&mb->lock)
{
	struct mp_waiter *w = mp_queue_waiter_for(mb, task_tgid(current));
	struct mp_waiter *taker = NULL;
	struct mp_await a = {
		.mb = mb, .x = x, .arrivals = mb->recv_arrivals, .taker = &taker,
	};
	struct mp_deadline d;
	ktime_t until;

	if (w || mb->dead || !await_worth(mb, x))
		return direct_taker(mb, w, x);
	until = ktime_add_ns(ktime_get(),
			     (u64)(x->len >> 10) * READ_ONCE(mb->copy_ns_kib));
	mp_deadline_init(&d, x);
	if (d.timed && ktime_before(d.expires, until))
		until = d.expires;
	/*
	 * A spin that ends otherwise (out of time, the receiver asleep) finds
	 * none: one that came after its last look is handed the message the
	 * usual way.
	 */
	if (mp_wait_spin_receiver(mb, receiver_waits, receiver_takes, &a,
				  until))
		timeout_left(x, &d);
	return taker;
}

/*
 * The sender is done with its part of @job: no receiver may join it any
 * more; wait for one that did to finish its unit (bounded work: spinning
 * while it is on another CPU, else sleeping, helpers_wait()).  The copy's
 * result.
 */
static int job_done(struct mp_mailbox *mb, struct mp_waiter *rw,
		    struct mp_direct_job *job)
{
	struct task_struct *task;

	spin_lock(&mb->lock);
	rw->job = NULL;
	task = helper_to_spin_on(&job->helpers);
	spin_unlock(&mb->lock);
	helpers_wait(&job->helpers, task);	/* its error is seen */
	return READ_ONCE(job->error);
}

/**
 * mp_direct_send() - write a message straight into a waiting receiver
 * @mb: the mailbox
 * @x: the send, checked against @mb (send.c), of at least MP_DIRECT_MIN
 *	bytes, neither a span nor a call's request; @x->seq gets its sequence
 *	number
 *
 * If the receiver the message would be handed to now waits with a
 * destination (mp_direct_dest), or, for a large one, comes to wait within a
 * spin ("A receiver on its way"), claims it, writes the message and its
 * info into its memory and hands it over (see the top of this file).
 *
 * Context: Process context, the sending task, without mb->lock: takes it
 * twice (and drops it while it spins).  Does not sleep but to take the
 * receiver's mmap_lock for reading (trylock), to unpin its pages and to wait
 * for a helping receiver to finish the unit it copies (job_done()).
 * Return: True if the message was received; false if not (no such
 * receiver, the mailbox destroyed, or a step failed): the caller sends it
 * the usual way, which reports any error.
 */
bool mp_direct_send(struct mp_mailbox *mb, struct mp_xfer *x)
{
	struct mp_msg hdr = { };
	struct msgport_msginfo info;
	struct mp_wake wk __uninitialized;
	struct mp_direct_dest *dest;
	struct mp_direct_job job;
	struct mp_waiter *rw;
	bool shared, switched, wake;
	unsigned long csw;
	u64 start, ns;
	u32 n, own;
	int ret;

	mp_wake_init(&wk);
	/*
	 * A hint: with nobody waiting and nobody to wait for (a busy stream),
	 * not even the lock.
	 */
	if (list_empty_careful(&mb->recv_waiters) && !await_worth(mb, x))
		return false;
	/* The message as the receiver's info shows it (mp_msg_info_in()). */
	hdr.tgid = task_tgid(current);
	hdr.tid = thread_group_leader(current) ? NULL : task_pid(current);
	hdr.euid = current_euid();
	hdr.egid = current_egid();
	hdr.prio = x->prio;
	hdr.len = x->len;
	hdr.sync_send = (x->flags & MSGPORT_F_SYNC) || !mb->capacity;
	spin_lock(&mb->lock);
	/* Its sender first: a receiver that comes spins on it. */
	mp_wake_note_peer(&mb->last_sender, &wk);
	rw = direct_receiver(mb, x);
	if (!rw) {
		spin_unlock(&mb->lock);
		mp_wake_flush(mb, &wk);
		return false;
	}
	list_del_init(&rw->link);
	WRITE_ONCE(rw->state, MP_W_FILLING);
	mp_queue_stamp(mb, &hdr);
	dest = rw->dest;
	n = x->len;
	/*
	 * A receiver on its CPU (spinning) takes its part of a large copy; a
	 * sleeping one too, woken now, for a copy of three units or more
	 * ("Two CPUs").  Else the sender copies alone, with no job.
	 */
	wake = !rw->spinning && n > 2 * job_unit(n) && num_online_cpus() > 1;
	shared = n >= MP_DIRECT_SHARE && (rw->spinning || wake);
	if (shared) {
		job = (struct mp_direct_job) {
			.src_mm = current->mm, .src = (unsigned long)x->buf,
			.dst_mm = dest->mm, .dst = (unsigned long)dest->buf,
			.len = n, .unit = job_unit(n), .next = ATOMIC_INIT(0),
			.hdr = &hdr,
		};
		rw->job = &job;
		if (wake) {
			trace_msgport_wake(mb, rw, MP_TRACE_WAKE_HELP);
			mp_wake_add(&wk, rw);
		}
	}
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);

	csw = switches();
	start = ktime_get_mono_fast_ns();
	if (shared) {
		own = job_run(&job, true);
		ns = ktime_get_mono_fast_ns() - start;
		switched = switches() != csw;
		ret = job_done(mb, rw, &job);
	} else {
		ret = direct_copy(dest->mm, (unsigned long)dest->buf, x->buf,
				  NULL, n, true);
		own = n;
		ns = ktime_get_mono_fast_ns() - start;
		switched = switches() != csw;
	}
	if (!ret)
		note_copy(mb, own, ns, switched);
	/* Unless the receiver, helping, wrote it (job_help()). */
	if (!ret && dest->uinfo && !(shared && job.info_done)) {
		mp_msg_info_in(&hdr, dest->pid_ns, dest->user_ns, &info);
		ret = direct_copy(dest->mm, (unsigned long)dest->uinfo, NULL,
				  &info, sizeof(info), true);
	}

	spin_lock(&mb->lock);
	if (!ret) {
		rw->msg = NULL;
		rw->filled = n;
		WRITE_ONCE(rw->state, MP_W_READY);
		mb->received++;
		x->seq = hdr.seq;
		trace_msgport_send(mb, x, 0);
		trace_msgport_wake(mb, rw, MP_TRACE_WAKE_HANDOFF);
	} else {
		/*
		 * Not received: the stamp is given up, and the receiver looks
		 * at the queue again (RETRY), as a kicked one does: a message
		 * queued while it was claimed is its to take, and it goes back
		 * to the head of the waiters itself if there is none.
		 */
		mb->sent--;
		rw->dest = NULL;	/* not again in this wait */
		WRITE_ONCE(rw->state, mb->dead ? MP_W_IDRM : MP_W_RETRY);
	}
	mp_wake_add(&wk, rw);
	spin_unlock(&mb->lock);
	mp_wake_flush(mb, &wk);
	return !ret;
}

/* Senders help receivers (see the top) */

/* A sender's unit: the receiver's pages it pins, from @base on. */
struct out_push {
	const struct mp_out_job *job;
	struct page **pages;
	unsigned long base;
};

/* A piece of the payload at @off into the pinned pages of @arg. */
static int push_piece(void *arg, u32 off, const void *p, u32 len)
{
	const struct out_push *o = arg;
	unsigned long a = (unsigned long)(o->job->dst + off);

	while (len) {
		struct page *page = o->pages[(a - o->base) >> PAGE_SHIFT];
		size_t in = offset_in_page(a);
		size_t c = min_t(size_t, len, PAGE_SIZE - in);
		void *kaddr = kmap_local_page(page);

		memcpy(kaddr + in, p, c);
		kunmap_local(kaddr);
		flush_dcache_page(page);
		a += c;
		p += c;
		len -= c;
	}
	return 0;
}

/*
 * A sender copies bytes [@off, @off + @n) of @job's payload into the
 * receiver's buffer: its pages pinned once for the unit (present and
 * writable, FOLL_NOFAULT, the mm's lock by trylock, as direct_copy()
 * does), the payload's pieces copied into them.  0, or -EFAULT if the
 * pages cannot all be pinned so.
 */
static int push_unit(const struct mp_out_job *job, u32 off, u32 n)
{
	static_assert(MP_DIRECT_SHARE / PAGE_SIZE + 2 <= MP_DIRECT_PAGES);
	struct page *pages[MP_DIRECT_PAGES];
	unsigned long start = (unsigned long)(job->dst + off);
	struct out_push o = {
		.job = job, .pages = pages, .base = start & PAGE_MASK,
	};
	long nr = DIV_ROUND_UP(offset_in_page(start) + n, PAGE_SIZE), got;

	if (!mmap_read_trylock(job->dst_mm))
		return -EFAULT;
	got = mp_pin_user_pages_remote(job->dst_mm, o.base, nr,
				       FOLL_NOFAULT | FOLL_WRITE, pages);
	mmap_read_unlock(job->dst_mm);
	if (got != nr) {
		if (got > 0)
			unpin_user_pages(pages, got);
		return -EFAULT;
	}
	mp_msg_payload_range(job->msg, off, n, push_piece, &o);
	unpin_user_pages_dirty_lock(pages, nr, true);
	cond_resched();		/* the receiver may wait: no lock held */
	return 0;
}

/* A piece of the payload at @off to the receiver's own buffer. */
static int pull_piece(void *arg, u32 off, const void *p, u32 len)
{
	const struct mp_out_job *job = arg;

	return copy_to_user(job->dst + off, p, len) ? -EFAULT : 0;
}

/* The receiver copies unit @k of @job itself: 0, or -EFAULT. */
static int pull_unit(struct mp_out_job *job, u32 k)
{
	u32 off = k * job->unit;

	return mp_msg_payload_range(job->msg, off,
				    min_t(u32, job->unit, job->len - off),
				    pull_piece, job);
}

/*
 * Take and copy units of @job until none is left: the receiver pulls (its
 * fault stops everyone: @job->error), a sender pushes (a unit it cannot do
 * ends its part: its number goes to *@failed).  0 or the error; the bytes
 * this side copied go to *@own.
 */
static int out_run(struct mp_out_job *job, bool push, u32 *own, u32 *failed)
{
	u32 k, off, n;
	int ret;

	*own = 0;
	while (!READ_ONCE(job->error) &&
	       (k = atomic_fetch_inc(&job->next)) < job->units) {
		off = k * job->unit;
		n = min_t(u32, job->unit, job->len - off);
		if (push) {
			ret = push_unit(job, off, n);
			if (ret) {
				*failed = k;
				return ret;
			}
		} else {
			ret = pull_unit(job, k);
			if (ret) {
				WRITE_ONCE(job->error, ret);
				return ret;
			}
		}
		*own += n;
	}
	return 0;
}

/**
 * mp_direct_out_start() - let the sender help copy a taken message out
 * @mb: the mailbox
 * @job: the receiver's job, on its stack
 * @msg: the message it took out of the queue or was handed, made in kernel
 *	memory
 * @x: the receive
 *
 * If @msg is no span, not relayed, its copy is of MP_DIRECT_SHARE bytes or
 * more, the receiver has an mm, there is a second CPU and no other receiver's
 * copy is lent already, sets @job up and lends it (@mb->out_job): see "Senders
 * help receivers".  A receive batch does not lend.
 *
 * Context: Called with mb->lock held, by the receiving task.
 * Return: True if lent: the receiver must copy the payload with
 * mp_direct_out_copy(), which takes it back, before it returns or lets
 * @msg go.
 */
bool mp_direct_out_start(struct mp_mailbox *mb, struct mp_out_job *job,
			 const struct mp_msg *msg, const struct mp_xfer *x)
	__must_hold(&mb->lock)
{
	u32 n = min(msg->len, x->len);

	/* A relayed message's sender (a bridge) never sends so: no helper. */
	if (mp_msg_is_span(msg) || msg->relay || n < MP_DIRECT_SHARE ||
	    !current->mm || mb->out_job || num_online_cpus() < 2)
		return false;
	*job = (struct mp_out_job) {
		.msg = msg, .sender = msg->tgid, .receiver = current->pid,
		.dst_mm = current->mm, .dst = x->buf, .len = n,
		.unit = job_unit(n), .next = ATOMIC_INIT(0),
	};
	job->units = DIV_ROUND_UP(n, job->unit);
	WRITE_ONCE(mb->out_job, job);
	return true;
}

/**
 * mp_direct_out_copy() - copy a message out with its sender's help
 * @mb: the mailbox
 * @job: the job lent by mp_direct_out_start()
 *
 * Copies the receiver's units of @job to its buffer, takes the job back,
 * waits for a sender still in a unit (bounded: a unit's copy does not block
 * on another task, but the sender may be preempted in it), then copies the
 * units a sender could not do (a page of the buffer not present, the mm's
 * lock contended) itself: faults on its own buffer are its own to take.
 *
 * Context: Process context, the receiving task, without mb->lock: takes it
 * once.  May sleep.
 * Return: 0, or -EFAULT if the receiver's own copy faults.
 */
int mp_direct_out_copy(struct mp_mailbox *mb, struct mp_out_job *job)
{
	struct task_struct *task;
	u32 bytes, i;
	int err;

	err = out_run(job, false, &bytes, NULL);
	spin_lock(&mb->lock);
	WRITE_ONCE(mb->out_job, NULL);
	task = helper_to_spin_on(&job->helpers);
	spin_unlock(&mb->lock);
	helpers_wait(&job->helpers, task);	/* their failed units are seen */
	if (err)
		return -EFAULT;
	if (job->nfailed > MP_OUT_GIVEN_BACK)
		return mp_msg_payload_to_user(job->msg, job->dst, job->len);
	for (i = 0; i < job->nfailed; i++) {
		if (pull_unit(job, job->failed[i]))
			return -EFAULT;
	}
	return 0;
}

/**
 * mp_direct_help_out() - a sender helps a receiver copy its message out
 * @mb: the mailbox
 * @x: the send, of a message the sender might write in one copy
 *
 * A sender of MP_DIRECT_SHARE bytes or more that may wait, while no
 * receiver waits on @mb for its messages, finds a receiver's copy of a
 * message of its own process lent (mp_direct_out_start()) with units left:
 * it takes units of it, from kernel memory into the receiver's pinned pages
 * ("Senders help receivers").  Only the message's own sending process
 * helps: the receiver waits for it, and for nobody else.  The time it
 * helped comes off @x's timeout, if it has one.
 *
 * Context: Process context, the sending task, without mb->lock: takes it
 * once, and again if it helps.  Sleeps only to pin the receiver's pages,
 * to unpin them (their folio locks) and to reschedule between units.
 */
void mp_direct_help_out(struct mp_mailbox *mb, struct mp_xfer *x)
{
	struct mp_out_job *job;
	u32 bytes, failed = 0;
	pid_t receiver, sender = 0;
	struct mp_deadline d;
	u64 seq = 0;
	int ret;

	if (!READ_ONCE(mb->out_job) || x->len < MP_DIRECT_SHARE ||
	    mp_wait_nowait_error(x))
		return;
	spin_lock(&mb->lock);
	job = mb->out_job;
	if (job && (job->sender != task_tgid(current) ||
		    READ_ONCE(job->error) ||
		    atomic_read(&job->next) >= job->units ||
		    mp_queue_waiter_for(mb, job->sender)))
		job = NULL;
	if (job)
		helper_join(&job->helpers);
	spin_unlock(&mb->lock);
	if (!job)
		return;
	mp_deadline_init(&d, x);
	receiver = job->receiver;
	/* For the trace: the message is the job's only while this one is in. */
	if (trace_msgport_help_enabled()) {
		sender = pid_nr(job->sender);
		seq = job->msg->seq;
	}
	ret = out_run(job, true, &bytes, &failed);
	spin_lock(&mb->lock);
	if (ret) {
		/* Given back: the receiver does it (all, past a few). */
		if (job->nfailed < MP_OUT_GIVEN_BACK)
			job->failed[job->nfailed] = failed;
		job->nfailed++;
	}
	helper_leave(&job->helpers);
	spin_unlock(&mb->lock);
	trace_msgport_help(mb, receiver, sender, seq, bytes, ret);
	timeout_left(x, &d);
}

/*
 * A claimed receiver's part of @job: its own info first, in its own memory
 * (a copy that cannot fault fails the job, and the message goes the usual
 * way, whose copy out takes the fault and keeps the message), then units.
 * Its sender, still in the job, keeps @job->hdr valid.  True if it wrote
 * its info: should the job fail after all, a receive that ends in an error
 * clears it (mp_recv()), as it leaves no info of a message it did not get.
 */
static bool job_help(struct mp_direct_job *job,
		     const struct mp_direct_dest *dest)
{
	struct msgport_msginfo info;

	if (READ_ONCE(job->error))
		return false;
	if (dest->uinfo) {
		mp_msg_info_in(job->hdr, dest->pid_ns, dest->user_ns, &info);
		if (copy_to_user_nofault(dest->uinfo, &info, sizeof(info))) {
			WRITE_ONCE(job->error, -EFAULT);
			return false;
		}
		/* Seen by the sender after helper_leave()'s release. */
		job->info_done = true;
	}
	job_run(job, false);
	return job->info_done;
}

static bool filled(const void *arg)
{
	const struct mp_waiter *w = arg;

	return READ_ONCE(w->state) != MP_W_FILLING;
}

/**
 * mp_direct_wait_filled() - a claimed receiver waits for its sender
 * @mb: the mailbox
 * @w: the receiver's waiter, MP_W_FILLING
 * @wk: the wake-ups the receiver gathered, sent first
 *
 * Waits until @w's sender is done writing into its buffer (mp_direct_send()):
 * spins while the sender runs, as a waiter does (mp_wait_spin()), then
 * sleeps, taking no signal meanwhile (the copy it waits for is bounded and
 * never waits itself).  @w is READY, RETRY or IDRM on return.
 *
 * Context: Called with mb->lock held; drops it, may sleep, and retakes it.
 */
void mp_direct_wait_filled(struct mp_mailbox *mb, struct mp_waiter *w,
			   struct mp_wake *wk)
	__must_hold(&mb->lock)
{
	bool spun = false;

	while (w->state == MP_W_FILLING) {
		if (w->job) {
			struct mp_direct_job *job = w->job;

			/* Its part of the copy, once: see "Two CPUs". */
			w->job = NULL;
			helper_join(&job->helpers);
			spin_unlock(&mb->lock);
			if (job_help(job, w->dest))
				w->info_written = true;
			spin_lock(&mb->lock);
			helper_leave(&job->helpers);
			continue;
		}
		if (wk->n || wk->poll) {
			spin_unlock(&mb->lock);
			mp_wake_flush(mb, wk);
			spin_lock(&mb->lock);
			continue;
		}
		if (!spun) {
			spun = true;
			w->spinning = true;
			mp_wait_spin_copy(mb, mb->last_sender, filled, w);
			w->spinning = false;
			continue;
		}
		set_current_state(TASK_UNINTERRUPTIBLE);
		spin_unlock(&mb->lock);
		schedule();
		__set_current_state(TASK_RUNNING);
		spin_lock(&mb->lock);
	}
	w->woken_ns = 0;	/* no wake-up latency sample */
}
