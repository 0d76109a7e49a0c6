// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: a mailbox's shared region: its pages, mmap(2) of the mailbox
 * descriptor, span validation, and the copy of a span for a receiver that
 * did not ask for spans by reference.
 *
 * Memory
 *   A region is an array of order-0 pages allocated when the mailbox is
 *   created, with GFP_KERNEL_ACCOUNT in the creator's context, so they are
 *   charged to the creator's memory cgroup; the page-rounded size is also
 *   charged to the creator's euid in user_quota.c (max_user_bytes, -EDQUOT).
 *   Allocating everything up front means a fault never allocates: creation
 *   reports -ENOMEM or -EDQUOT, and a mapping never gets SIGBUS for memory.
 *
 * Mapping
 *   mmap sets VM_MIXEDMAP | VM_DONTEXPAND; the fault handler installs one
 *   page per fault with vmf_insert_page() (a page reference and an rmap count
 *   per PTE, dropped when the PTE is zapped).  These are ordinary struct
 *   pages, not a PFN map, so get_user_pages() (O_DIRECT, vmsplice, a send
 *   from a region pointer) works on a mapping.  A mapping of a descriptor
 *   without MSGPORT_O_SEND loses VM_MAYWRITE, so mprotect() cannot make it
 *   writable (the VFS does the same for a file without FMODE_WRITE; this
 *   keeps the rule ours).  MAP_PRIVATE is refused: copy-on-write of region
 *   pages would silently stop sharing.  fork() copies VMAs: vm_ops->open
 *   counts them, vm_ops->close uncounts them (a VMA with ->close is never
 *   merged, so every VMA passes through both).  Core dumps include the
 *   region (no VM_DONTDUMP), as they include System V and POSIX shared
 *   memory: it is the process's data.
 *
 * Waiting on region words (MSGPORT_IOC_REGION_WAIT/_WAKE)
 *   futex(2) cannot key a shared wait on these pages (they are in no page
 *   cache), so the region has one wait queue of its own: a waiter sleeps
 *   while the word it names holds its value, re-reading the word after
 *   queueing itself (wait_event), and a wake-up after user space changed the
 *   word makes every waiter re-read: no wake-up is lost, an unchanged word
 *   keeps its waiter asleep.  An anonymous mailbox whose last sender goes
 *   (mb->hup) wakes them all for good: nobody is left to change a word, and a
 *   waiter whose word did not change returns -EPIPE.
 *
 * Locking
 *   None of its own but the wait queue's internal lock: the size is fixed
 *   from creation to free, the page array from creation to free or to
 *   mp_region_drop_pages() (taken once, by xchg(), when nothing can use it
 *   any more), and the mapping counts are atomics.  The fault handler runs
 *   under the mm's mmap_lock and reads only that fixed data.
 *
 * Lifetimes
 *   The region belongs to its mailbox (mb->region, set before the mailbox is
 *   published) and is freed with it, by mp_mailbox_free() when the last
 *   kref goes, or earlier, once the mailbox is unlinked and no descriptor
 *   that can receive or send is left (registry.c): only descriptors for
 *   stat, which never touch the region but through mp_region_size() and
 *   mp_region_maps() under mb->lock, may outlive it.  A VMA holds its
 *   vm_file, a mailbox descriptor that can receive, which holds a mailbox
 *   kref and, through fops->owner, the module: so the pages live while the
 *   mailbox exists or any mapping does, and the module
 *   cannot be unloaded while a mapping exists.  vm_ops->close runs before the
 *   VMA drops its file, so the region is still there when its count goes
 *   down.  Pages are released with put_page(): a page someone still holds
 *   (pinned by get_user_pages) stays until that reference is dropped.
 *   An anonymous mailbox gives its pages (and their charge) back earlier,
 *   when its last descriptor that can receive goes (mp_region_drop_pages()):
 *   then no mapping exists or can be made, and no wait or copy to a
 *   receiver can come; the struct, its size and its wait queue stay until
 *   mp_region_free(), for the descriptors that can only send (span checks,
 *   the wake-up of their last close).
 */
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "msgport.h"

struct mp_region {
	struct page **pages;
	unsigned long npages;
	struct mp_quota *quota;	/* charged npages << PAGE_SHIFT bytes */
	atomic_long_t maps;		/* VMAs mapping it */
	wait_queue_head_t wq;		/* MSGPORT_IOC_REGION_WAIT sleepers */
};

#define MP_REGION_GFP \
	(GFP_KERNEL_ACCOUNT | __GFP_HIGHMEM | __GFP_ZERO | __GFP_RETRY_MAYFAIL | \
	 __GFP_NOWARN)

static u64 region_bytes(const struct mp_region *rg)
{
	return (u64)rg->npages << PAGE_SHIFT;
}

/* Puts the first @n of @pages (@rg's), frees the array, uncharges @rg. */
static void pages_release(struct mp_region *rg, struct page **pages,
			  unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		put_page(pages[i]);
	if (rg->quota)
		mp_quota_uncharge(rg->quota, region_bytes(rg));
	kvfree(pages);
}

/* Releases the first @n pages of @rg, its charge and @rg itself. */
static void region_release(struct mp_region *rg, unsigned long n)
{
	pages_release(rg, rg->pages, n);
	kfree(rg);
}

/* Uncounts @rg's pages in mp_objects and releases them, once (@pages). */
static void region_drop_pages(struct mp_region *rg)
{
	struct page **pages = xchg(&rg->pages, NULL);

	if (!pages)
		return;
	WARN_ON(atomic_long_read(&rg->maps));
	atomic_long_sub(region_bytes(rg), &mp_objects.region_bytes);
	atomic_long_dec(&mp_objects.regions);
	pages_release(rg, pages, rg->npages);
}

/**
 * mp_region_create() - give a new mailbox its shared region
 * @mb: the mailbox, not yet published
 * @size: the size in bytes, rounded up to whole pages; 0 gives none
 *
 * Charges the page-rounded size to the current euid (max_user_bytes) and
 * allocates every page up front, zeroed and charged to the caller's memory
 * cgroup (GFP_KERNEL_ACCOUNT), so that a fault never allocates.  On success
 * sets @mb->region and counts the region in mp_objects; on failure nothing
 * stays allocated or charged.
 *
 * Context: Process context, no lock held.  May sleep.  The charge may take
 * mp_quota_lock (a leaf).
 *
 * Return: 0 (also for @size 0: no region); -EFBIG if @size or its page-rounded
 * size is beyond max_region_size; -EDQUOT beyond the creator's max_user_bytes;
 * -ENOMEM; -EINTR if a fatal signal is pending during the allocation (checked
 * after each page, so that a large allocation can be interrupted).
 */
int mp_region_create(struct mp_mailbox *mb, u64 size)
{
	u64 max = READ_ONCE(mp_max_region_size);
	struct mp_region *rg;
	unsigned long i;
	int ret;

	if (!size)
		return 0;
	/* max is an unsigned long: a size within it has npages in range. */
	if (size > max || size > U64_MAX - PAGE_SIZE || PAGE_ALIGN(size) > max)
		return -EFBIG;

	rg = kzalloc(sizeof(*rg), GFP_KERNEL_ACCOUNT);
	if (!rg)
		return -ENOMEM;
	rg->npages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	atomic_long_set(&rg->maps, 0);
	init_waitqueue_head(&rg->wq);
	rg->pages = kvcalloc(rg->npages, sizeof(*rg->pages),
			     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!rg->pages) {
		kfree(rg);
		return -ENOMEM;
	}
	ret = mp_quota_charge(region_bytes(rg), &rg->quota);
	if (ret) {
		rg->quota = NULL;
		region_release(rg, 0);
		return ret;
	}
	for (i = 0; i < rg->npages; i++) {
		rg->pages[i] = alloc_page(MP_REGION_GFP);
		if (!rg->pages[i]) {
			ret = -ENOMEM;
			break;
		}
		if (fatal_signal_pending(current)) {
			i++;
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	if (ret) {
		region_release(rg, i);
		return ret;
	}
	atomic_long_inc(&mp_objects.regions);
	atomic_long_add(region_bytes(rg), &mp_objects.region_bytes);
	mb->region = rg;
	return 0;
}

/**
 * mp_region_free() - free a mailbox's region
 * @mb: the mailbox: being freed, or unlinked with no descriptor left that
 *	could use its region (registry.c)
 *
 * No mapping (nor descriptor that could make one) is left; warns if a
 * mapping is still counted.  Clears @mb->region under mb->lock (a
 * descriptor for stat only may read it meanwhile: mp_region_size()),
 * uncounts the region in mp_objects, puts its pages (a page someone still
 * pins stays until that reference goes) and uncharges its bytes.  Does
 * nothing if @mb has no region (any more).
 *
 * Context: Process context, mb->lock not held.  May sleep.  Takes and
 * releases mb->lock; the uncharge may take mp_quota_lock (a leaf).
 */
void mp_region_free(struct mp_mailbox *mb)
{
	struct mp_region *rg;

	spin_lock(&mb->lock);
	rg = mb->region;
	mb->region = NULL;
	spin_unlock(&mb->lock);
	if (!rg)
		return;
	region_drop_pages(rg);
	kfree(rg);
}

/**
 * mp_region_drop_pages() - give back a region's memory, its mailbox alive
 * @mb: an anonymous mailbox whose last descriptor that can receive was just
 *	released (mp_mailbox_receiver_closed()): none can come, so no mapping
 *	exists (a mapping holds such a descriptor) nor can one be made, and
 *	nothing may use the pages (waits, copies to receivers) any more
 *
 * Uncounts the region in mp_objects, puts its pages and uncharges its bytes
 * (max_user_bytes), once, so that descriptors that can only send do not
 * keep the creator's memory.  The struct stays, with its size and its wait
 * queue, until mp_region_free(): a send's lock-free span check
 * (mp_span_validate()) and mp_mailbox_sender_closed()'s wake-up may still
 * read them.  Nothing if @mb has no region.
 *
 * Context: Process context, mb->lock not held, through the descriptor being
 * released (which keeps @mb->region).  May sleep.  The uncharge may take
 * mp_quota_lock (a leaf).
 */
void mp_region_drop_pages(struct mp_mailbox *mb)
{
	if (mb->region)
		region_drop_pages(mb->region);
}

/**
 * mp_region_size() - the size of a mailbox's region
 * @mb: the mailbox
 *
 * Context: Called with mb->lock held, or through a descriptor that can
 * receive or send (whose mailbox keeps its region; of an anonymous mailbox
 * with no receiver left, only its struct and size).  Does not sleep.
 *
 * Return: the region's size in bytes (whole pages), 0 if @mb has none.
 */
u64 mp_region_size(const struct mp_mailbox *mb)
{
	return mb->region ? region_bytes(mb->region) : 0;
}

/**
 * mp_region_maps() - how many VMAs map a mailbox's region
 * @mb: the mailbox
 *
 * Context: As mp_region_size().  Does not sleep (an atomic read).
 *
 * Return: the number of VMAs mapping the region, 0 if @mb has none.
 */
u64 mp_region_maps(const struct mp_mailbox *mb)
{
	return mb->region ? atomic_long_read(&mb->region->maps) : 0;
}

/* Mapping */

static void region_vm_open(struct vm_area_struct *vma)
{
	struct mp_region *rg = vma->vm_private_data;

	atomic_long_inc(&rg->maps);
	atomic_long_inc(&mp_objects.region_maps);
}

static void region_vm_close(struct vm_area_struct *vma)
{
	struct mp_region *rg = vma->vm_private_data;

	atomic_long_dec(&mp_objects.region_maps);
	atomic_long_dec(&rg->maps);
}

static vm_fault_t region_fault(struct vm_fault *vmf)
{
	struct mp_region *rg = vmf->vma->vm_private_data;

	/* mmap checked the bounds and the VMA cannot grow: defensive only. */
	if (vmf->pgoff >= rg->npages)
		return VM_FAULT_SIGBUS;
	return vmf_insert_page(vmf->vma, vmf->address, rg->pages[vmf->pgoff]);
}

static const struct vm_operations_struct region_vm_ops = {
	.open	= region_vm_open,
	.close	= region_vm_close,
	.fault	= region_fault,
};

/**
 * mp_region_mmap() - mmap(2) of a mailbox descriptor: map the mailbox's region
 * @mb: the descriptor's mailbox
 * @access: the descriptor's access (MSGPORT_O_RECV, MSGPORT_O_SEND)
 * @vma: the new mapping
 *
 * The VFS has already refused a zero length, PROT_WRITE on a MAP_SHARED mapping
 * of a file without FMODE_WRITE and any mapping of a file without FMODE_READ.
 * Sets @vma up to insert the region's pages one per fault (VM_MIXEDMAP |
 * VM_DONTEXPAND) and counts it.  Without MSGPORT_O_SEND the mapping loses
 * VM_MAYWRITE, so that mprotect() cannot make it writable.
 *
 * Context: Process context (the descriptor's ->mmap), with the mm's mmap_lock
 * held for writing.  Does not sleep; takes no lock.
 *
 * Return: 0; -ENODEV if @mb has no region; -EACCES without MSGPORT_O_RECV, or
 * for a writable mapping without MSGPORT_O_SEND; -EINVAL for a private mapping
 * (MAP_PRIVATE: copy-on-write would stop sharing), or if the range (offset and
 * length) is not inside the region.
 */
int mp_region_mmap(struct mp_mailbox *mb, u32 access,
		   struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma);
	struct mp_region *rg;

	/* A stat-only descriptor maps nothing (its region may be gone). */
	if (!(access & MSGPORT_O_RECV))
		return -EACCES;
	rg = mb->region;
	if (!rg)
		return -ENODEV;
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if ((vma->vm_flags & VM_WRITE) && !(access & MSGPORT_O_SEND))
		return -EACCES;
	if (vma->vm_pgoff >= rg->npages || pages > rg->npages - vma->vm_pgoff)
		return -EINVAL;

	if (!(access & MSGPORT_O_SEND))
		vm_flags_clear(vma, VM_MAYWRITE);
	vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND);
	vma->vm_ops = &region_vm_ops;
	vma->vm_private_data = rg;
	region_vm_open(vma);
	return 0;
}

/* Spans */

/**
 * mp_span_validate() - check a span against a mailbox's region
 * @mb: the mailbox
 * @off: the span's offset in the region
 * @len: the span's length in bytes
 *
 * May a span message refer to [@off, @off + @len) of @mb's region?  The send
 * checks each span here (mp_span_check()) before it makes the message (send.c).
 *
 * Context: Any context.  Lock-free.
 *
 * Return: 0 if it may; -EINVAL if @mb has no region or @len is 0; -ERANGE if
 * the span does not lie inside the region.
 */
int mp_span_validate(struct mp_mailbox *mb, u64 off, u64 len)
{
	if (!mb->region)
		return -EINVAL;
	return mp_span_check(region_bytes(mb->region), off, len);
}

/**
 * mp_region_copy_to_user() - copy a span of a mailbox's region to user space
 * @mb: the mailbox
 * @dst: the user buffer
 * @off: the span's offset in the region (validated at send)
 * @len: the bytes to copy
 *
 * For a receiver that takes spans by copy: copies page by page.  The region
 * lives as long as the caller's descriptor, and nothing here holds a lock.  A
 * span the send validated lies inside the region; one that does not (with @len
 * 0: an @off outside it) is a bug: it warns once and fails.
 *
 * Context: Process context, no spinlock held.  May sleep (user copies, and it
 * reschedules between pages).  Takes no lock.
 *
 * Return: 0, or -EFAULT if a copy faults or the span is not inside the region.
 */
int mp_region_copy_to_user(struct mp_mailbox *mb, void __user *dst,
			   u64 off, u32 len)
{
	struct mp_region *rg = mb->region;

	if (WARN_ON_ONCE(!rg || mp_span_check(region_bytes(rg), off,
					      len ?: 1)))
		return -EFAULT;
	while (len) {
		size_t in = offset_in_page(off);
		size_t n = min_t(size_t, len, PAGE_SIZE - in);
		unsigned long left;
		void *src;

		src = kmap_local_page(rg->pages[off >> PAGE_SHIFT]);
		left = copy_to_user(dst, src + in, n);
		kunmap_local(src);
		if (left)
			return -EFAULT;
		dst += n;
		off += n;
		len -= n;
		cond_resched();
	}
	return 0;
}

/* Waiting on a word of the region */

static u32 region_word(struct mp_region *rg, u64 off)
{
	u32 *p = kmap_local_page(rg->pages[off >> PAGE_SHIFT]);
	u32 v = READ_ONCE(p[offset_in_page(off) / sizeof(u32)]);

	kunmap_local(p);
	return v;
}

static bool word_changed(struct mp_region *rg,
			 const struct msgport_region_wait *w)
{
	return region_word(rg, w->offset) != w->value;
}

/*
 * The wait ends: the word changed, or @mb is anonymous and its last sender
 * is gone (@hup, set before mp_mailbox_sender_closed() wakes the region's
 * queue: nobody that could write the word is left).
 */
static bool wait_done(struct mp_mailbox *mb, struct mp_region *rg,
		      const struct msgport_region_wait *w)
{
	return word_changed(rg, w) || READ_ONCE(mb->hup);
}

/* After a wait that ended: 0 if the word changed, else -EPIPE (@hup). */
static int wait_result(struct mp_region *rg,
		       const struct msgport_region_wait *w)
{
	return word_changed(rg, w) ? 0 : -EPIPE;
}

/**
 * mp_region_wait() - sleep while a word of a mailbox's region holds a value
 * @mb: the mailbox
 * @w: the MSGPORT_IOC_REGION_WAIT request: the word's offset, its value and,
 *     with MSGPORT_F_TIMEOUT, the timeout in ns
 * @utimeout: where a timed wait interrupted by a signal writes its remaining
 *            time (ns)
 *
 * Sleeps until the u32 at w->offset no longer holds w->value.  It re-reads the
 * word after queueing itself, so a wake-up (mp_region_wake()) after the word
 * changed is never lost.  An anonymous mailbox whose last sender is gone
 * (@mb->hup: no descriptor that could write the word is left, nor can one
 * come) ends the wait too: mp_mailbox_sender_closed() sets @hup, then wakes
 * the region's queue (mp_region_wake()).  The caller checked flags,
 * reserved and access.
 *
 * Context: Process context, no lock held.  Sleeps (interruptibly).  Takes only
 * the region's wait queue lock.
 *
 * Return: 0 once the word differs from w->value; -EPIPE if it does not and
 * @mb is anonymous with no sender left (also at once); -ENODEV if @mb has no
 * region; -EINVAL if w->offset is not a multiple of 4; -ERANGE if the word is
 * not inside the region; -ETIMEDOUT; -ERESTARTSYS if a signal interrupts the wait
 * (a timed wait's remaining time then goes to @utimeout, or -EFAULT if it
 * cannot be written).
 */
int mp_region_wait(struct mp_mailbox *mb,
		   const struct msgport_region_wait *w,
		   u64 __user *utimeout)
{
	struct mp_region *rg = mb->region;
	ktime_t timeout, expires, left;
	long ret;

	if (!rg)
		return -ENODEV;
	if (w->offset % sizeof(u32))
		return -EINVAL;
	if (mp_span_check(region_bytes(rg), w->offset, sizeof(u32)))
		return -ERANGE;
	if (!(w->flags & MSGPORT_F_TIMEOUT)) {
		ret = wait_event_interruptible(rg->wq, wait_done(mb, rg, w));
		return ret ?: wait_result(rg, w);
	}

	timeout = ns_to_ktime(min_t(u64, w->timeout_ns, KTIME_MAX));
	expires = ktime_add_safe(ktime_get(), timeout);
	ret = wait_event_interruptible_hrtimeout(rg->wq, wait_done(mb, rg, w),
						 timeout);
	if (!ret)
		return wait_result(rg, w);
	if (ret == -ETIME)
		return -ETIMEDOUT;
	if (ret == -ERESTARTSYS) {
		left = ktime_sub(expires, ktime_get());
		if (ktime_before(left, 0))
			left = 0;
		if (put_user((u64)ktime_to_ns(left), utimeout))
			return -EFAULT;
	}
	return ret;
}

/**
 * mp_region_wake() - make every sleeper on a mailbox's region re-read its word
 * @mb: the mailbox
 *
 * Wakes every task in mp_region_wait() on @mb's region; each sleeps again if
 * its word still holds its value, unless @mb is anonymous with no sender
 * left (@hup): mp_mailbox_sender_closed() calls it to end those waits.
 *
 * Context: Process context.  Does not sleep; takes the region's wait queue
 * lock.
 *
 * Return: 0, or -ENODEV if @mb has no region.
 */
int mp_region_wake(struct mp_mailbox *mb)
{
	if (!mb->region)
		return -ENODEV;
	wake_up_all(&mb->region->wq);
	return 0;
}
