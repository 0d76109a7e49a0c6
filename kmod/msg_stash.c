// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: a mailbox's stash of spare small-message buffers.
 *
 * Streaming small messages through a mailbox allocates a buffer per
 * message on the sender's CPU and frees it on the receiver's: a slab
 * allocation, a memcg charge, init_on_alloc's clearing, and a remote free
 * through the slab's slow path, each time.  Instead, every buffer for a
 * message of up to MP_STASH_BUF bytes (header included) is allocated
 * at exactly that size, and a receiver done with one gives it back to the
 * mailbox's stash, where the mailbox's next send finds it.
 *
 * A batch takes the buffers of its messages (mp_stash_take()) and
 * gives them back (mp_stash_give()) in one go.
 *
 * Locking
 *   @free is a lock-less list: givers push (llist_add) without a lock;
 *   takers, who may be several senders at once, pop under @take_lock (the
 *   llist rule: one remover at a time).  @count bounds the stash at @max
 *   buffers: a giver raises it before pushing (and gives up if that passes
 *   @max), a taker lowers it after popping, so it never counts fewer than
 *   the list holds.  Leaf lock: nothing else is taken under it.
 *
 * Lifetimes
 *   A stashed buffer belongs to the mailbox until taken or until the
 *   mailbox is freed (mp_stash_drain()).  It stays charged to the
 *   memory cgroup that first allocated it, as slab caches' objects do.
 *   Its contents are stale: mp_msgs_create() writes every field and the payload.
 */
#include <linux/atomic.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "msgport.h"

/**
 * mp_stash_init() - initialise an empty stash
 * @st: the stash
 * @max: how many buffers it keeps at most; 0 makes it a pass-through (every
 *       buffer given to it is freed)
 *
 * Context: Any context, before @st is used.  Does not sleep; takes no lock.
 */
void mp_stash_init(struct mp_stash *st, unsigned int max)
{
	init_llist_head(&st->free);
	atomic_set(&st->count, 0);
	st->max = max;
	spin_lock_init(&st->take_lock);
}
EXPORT_SYMBOL_NS_GPL(mp_stash_init, MP_TEST_NS);

/**
 * mp_stash_take() - take stashed buffers
 * @st: the stash, or NULL (none)
 * @bufs: where the buffers go
 * @n: how many to take at most
 *
 * Takes up to @n stashed buffers, each of MP_STASH_BUF bytes, into @bufs, in
 * one hold of @st->take_lock.  Their contents are stale.
 *
 * Context: Process context.  Does not sleep.  Takes and releases @st->take_lock
 * (a leaf) unless the stash looks empty.
 *
 * Return: how many buffers were taken, the first ones of @bufs: 0 if @n is 0,
 * @st is NULL or the stash is empty.
 */
unsigned int mp_stash_take(struct mp_stash *st, void **bufs,
			   unsigned int n)
{
	struct llist_node *node;
	unsigned int got = 0;

	if (!n || !st || !atomic_read(&st->count))
		return 0;
	spin_lock(&st->take_lock);
	while (got < n && (node = llist_del_first(&st->free)))
		bufs[got++] = node;
	spin_unlock(&st->take_lock);
	if (got)
		atomic_sub(got, &st->count);
	return got;
}
EXPORT_SYMBOL_NS_GPL(mp_stash_take, MP_TEST_NS);

/**
 * mp_stash_alloc() - allocate a message buffer
 * @st: the stash to take it from, or NULL (no stash)
 * @size: the bytes needed
 * @gfp: the allocation flags
 *
 * A buffer of at least @size bytes: for a size of up to MP_STASH_BUF, one of
 * the stash's (its contents stale) or a fresh one of MP_STASH_BUF bytes from
 * kmalloc(); for a larger size one from kvmalloc().  Free it with
 * mp_stash_free() with the same @size.
 *
 * Context: Process context.  May sleep if @gfp allows.  May take @st->take_lock
 * (a leaf).
 *
 * Return: the buffer, or NULL if out of memory.
 */
void *mp_stash_alloc(struct mp_stash *st, size_t size, gfp_t gfp)
{
	void *buf;

	if (size > MP_STASH_BUF)
		return kvmalloc(size, gfp);
	if (mp_stash_take(st, &buf, 1))
		return buf;
	return kmalloc(MP_STASH_BUF, gfp);
}
EXPORT_SYMBOL_NS_GPL(mp_stash_alloc, MP_TEST_NS);

/**
 * mp_stash_give() - free buffers into a stash
 * @st: the stash, or NULL (none: every buffer is freed)
 * @bufs: the buffers, each of MP_STASH_BUF bytes
 * @n: how many
 *
 * Frees @bufs[0..@n) into @st, in one lock-less push, as many as it has room
 * for (the kept buffers' first bytes become their list links); the others go to
 * kfree().
 *
 * Context: Any context where kfree() may be called.  Does not sleep; takes no
 * lock.
 */
void mp_stash_give(struct mp_stash *st, void **bufs, unsigned int n)
{
	unsigned int keep = 0, i;
	int over;

	if (st && st->max && n) {
		/* Counted before the push: never fewer than the list holds. */
		over = atomic_add_return(n, &st->count) - (int)st->max;
		keep = n - clamp(over, 0, (int)n);
		if (keep < n)
			atomic_sub(n - keep, &st->count);
	}
	if (keep) {
		for (i = 0; i + 1 < keep; i++)
			((struct llist_node *)bufs[i])->next = bufs[i + 1];
		llist_add_batch(bufs[0], bufs[keep - 1], &st->free);
	}
	for (i = keep; i < n; i++)
		kfree(bufs[i]);
}
EXPORT_SYMBOL_NS_GPL(mp_stash_give, MP_TEST_NS);

/**
 * mp_stash_free() - free a buffer from mp_stash_alloc()
 * @st: the stash to keep it in, or NULL (none)
 * @buf: the buffer
 * @size: the size it was allocated for, as given to mp_stash_alloc()
 *
 * A small buffer (@size up to MP_STASH_BUF) goes into @st if it has room, else
 * to kfree() (mp_stash_give()); a larger one goes to kvfree().
 *
 * Context: Process context.  May sleep when it frees a large buffer (kvfree()).
 * Takes no lock.
 */
void mp_stash_free(struct mp_stash *st, void *buf, size_t size)
{
	if (size > MP_STASH_BUF)
		kvfree(buf);
	else
		mp_stash_give(st, &buf, 1);
}
EXPORT_SYMBOL_NS_GPL(mp_stash_free, MP_TEST_NS);

/**
 * mp_stash_drain() - free every buffer a stash holds
 * @st: the stash of a mailbox being freed
 *
 * The mailbox is going: frees what the stash holds and sets its count to 0.
 *
 * Context: Process context (mp_mailbox_free()); nobody else takes from or gives
 * to @st any more.  Does not sleep; takes no lock.
 */
void mp_stash_drain(struct mp_stash *st)
{
	struct llist_node *node, *next;

	llist_for_each_safe(node, next, llist_del_all(&st->free))
		kfree(node);
	atomic_set(&st->count, 0);
}
EXPORT_SYMBOL_NS_GPL(mp_stash_drain, MP_TEST_NS);
