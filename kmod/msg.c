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
 *   euid (user_quota.c) until freed, its charge holding that record (no
 *   reference of its own: user_quota.c), and holds a reference to its
 *   sender's pids; the messages a batch makes (mp_msgs_create()) or frees
 *   (mp_msgs_free()) together charge and uncharge at once and take and give
 *   back those references at once, one each.  A call's request (msg->call)
 *   holds a reference to its call record (rpc.c), dropped when the message
 *   is freed.
 *
 * What a message costs
 *   A message is charged what it holds of kernel memory, header and buffer
 *   as allocated (mp_msg_charge()), to its sender twice over: to the
 *   sender's euid (max_user_bytes, user_quota.c) and, by the allocation
 *   itself, to the sender's memory cgroup.  A message of up to MP_MSG_OBJ
 *   bytes, header included (a zero-byte one, a span), is an object of
 *   mp_msg_cache, a slab cache of its own ("msgport_msg" in /proc/slabinfo)
 *   with SLAB_ACCOUNT, its payload inside it, charged MP_MSG_SMALL (the
 *   object and the allocator's free pointer after it).  A larger one is
 *   such an object for its header and a payload of its own, charged as
 *   allocated: under a page, a kmalloc() buffer (GFP_KERNEL_ACCOUNT),
 *   charged its bucket (kmalloc_size_roundup()); from a page on, chunks of
 *   a page less a
 *   pointer, objects of mp_chunk_cache ("msgport_chunk", SLAB_ACCOUNT), each
 *   charged the page it takes, their pointers in a kmalloc() array (8 bytes
 *   per chunk, charged its bucket): no large contiguous allocation, however
 *   large the message, and no zeroing of memory about to be overwritten
 *   (below).  A buffer is freed when its message is: none is kept for reuse,
 *   so none ever carries one user's or cgroup's charge into another's
 *   message.
 *
 *   Chunks and headers are not zeroed when allocated, on kernels that zero
 *   every allocation (init_on_alloc, Debian's default), nor when freed
 *   (init_on_free): mp_chunk_cache and mp_msg_cache have a constructor,
 *   which makes the allocator hand their objects out as they were.  What
 *   makes that safe is two rules: every field of a header is set when it is
 *   made (mp_msgs_create(), mp_msg_clones_create()); and no byte of a
 *   payload (in chunks or in the header's object) past its length ever
 *   leaves the kernel (every copy out stops at the length: receive, peek,
 *   batch, truncation, a reply; traces and /proc show integers only), and
 *   every byte up to it is written by the copy in before anyone can read it
 *   (a message whose copy faults is freed unread).  That saves the
 *   allocator's pass over every byte of a large message, as many bytes as
 *   the copy in writes, and over every small message's header and payload,
 *   which its making writes again.
 *
 *   A relayed message (MSGPORT_F_RELAY) holds the relayer's claim, a
 *   struct msgport_relay of its own (msg->relay, kmalloc()), charged with
 *   the message (its bucket, msg_relay_charge()); any other message has a
 *   NULL pointer there, nothing more.  A topic's clone points at its
 *   body's.
 *
 *   A span message (MSGPORT_F_SPAN) has no payload, only an offset and a
 *   length in the mailbox's region (region.c), checked at send; a receiver
 *   that does not take it by reference gets the span's bytes copied out of
 *   the region, as a payload would be (the region lives as long as the
 *   receiver's descriptor).
 *
 * Locking
 *   None of its own: nothing here takes a lock but the quota table's
 *   (user_quota.c).  Making and freeing happen outside mb->lock; filling
 *   in metadata may happen under it.
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

static struct kmem_cache *mp_msg_cache;
static struct kmem_cache *mp_chunk_cache;

/* A message's payload is in chunks from this length on. */
#define MSG_CHUNKED	PAGE_SIZE

/*
 * A chunk's bytes: a page less a pointer.  A cache with a constructor keeps
 * its free pointer after the object (SLUB), so that each object and its
 * free pointer take exactly a page, eight to an order-3 slab, each
 * page-aligned (a chunk of a whole page would take a page and 8 bytes).
 * What is left over past the last whole chunk, the tail (8 bytes a page for
 * a payload of whole pages), is in the header object's own room if it fits
 * (MSG_INLINE), else in a kmalloc() buffer.
 */
#define MSG_CHUNK	(PAGE_SIZE - sizeof(void *))
#define MSG_INLINE	(MP_MSG_OBJ - offsetof(struct mp_msg, data))

/* A 72-byte message takes one allocation, not two: see MP_MSG_OBJ. */
static_assert(MSG_INLINE >= 72);

/* The whole chunks of a payload of @len bytes: 0 if it is not chunked. */
static u32 msg_nchunks(u32 len)
{
	return len < MSG_CHUNKED ? 0 : len / MSG_CHUNK;
}

/**
 * mp_msg_charge() - what a message is charged
 * @len: its payload bytes (0 for a span)
 *
 * The kernel memory a message of @len payload bytes holds: MP_MSG_SMALL
 * (an object of mp_msg_cache, MP_MSG_OBJ bytes, and the free pointer the
 * allocator keeps after it) if its header and payload fit in the object, else
 * that for its header and its payload's buffers: the kmalloc bucket of a
 * payload under a page (kmalloc_size_roundup()); for a larger one, the page
 * each chunk takes, the kmalloc bucket of their pointers' array and that of
 * a tail too large for the header's room.
 *
 * Context: Any; takes no lock, does not sleep.
 * Return: The bytes it is charged to max_user_bytes.
 */
size_t mp_msg_charge(u32 len)
{
	u32 n = msg_nchunks(len), tail = len - n * MSG_CHUNK;
	size_t bytes;

	if (struct_size_t(struct mp_msg, data, len) <= MP_MSG_OBJ)
		return MP_MSG_SMALL;
	if (!n)
		return MP_MSG_SMALL + kmalloc_size_roundup(len);
	bytes = MP_MSG_SMALL + kmalloc_size_roundup(array_size(n, sizeof(void *))) +
		(size_t)n * PAGE_SIZE;
	if (tail > MSG_INLINE)
		bytes += kmalloc_size_roundup(tail);
	return bytes;
}
EXPORT_SYMBOL_NS_GPL(mp_msg_charge, MP_TEST_NS);

/* What a relayed message's claim adds to its charge (0: not relayed). */
static size_t msg_relay_charge(bool relayed)
{
	return relayed ? kmalloc_size_roundup(sizeof(struct msgport_relay)) : 0;
}

/* The charge of @xs[0..@n)'s messages. */
static size_t msgs_charge(const struct mp_xfer *xs, unsigned int n)
{
	size_t bytes = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		bytes += mp_msg_charge(xs[i].len) +
			 msg_relay_charge(xs[i].relay);
	return bytes;
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

static void msg_free_chunks(void **chunks, u32 n)
{
	while (n)
		kmem_cache_free(mp_chunk_cache, chunks[--n]);
	kfree(chunks);
}

/* @n chunks (NULL: out of memory). */
static void **msg_alloc_chunks(u32 n)
{
	void **chunks;
	u32 i;

	chunks = kmalloc_array(n, sizeof(void *), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!chunks)
		return NULL;
	for (i = 0; i < n; i++) {
		chunks[i] = kmem_cache_alloc(mp_chunk_cache,
					     GFP_KERNEL | __GFP_NOWARN);
		if (!chunks[i]) {
			msg_free_chunks(chunks, i);
			return NULL;
		}
	}
	return chunks;
}

/*
 * A message, as mp_msg_charge() charges it (NULL: out of memory): its
 * payload in its own room (@payload is @data), a kmalloc() buffer, or
 * chunks (@chunks) and a tail at @payload.
 */
static struct mp_msg *msg_alloc(u32 len)
{
	u32 n = msg_nchunks(len), tail = len - n * MSG_CHUNK;
	struct mp_msg *msg;

	msg = kmem_cache_alloc(mp_msg_cache, GFP_KERNEL | __GFP_NOWARN);
	if (!msg)
		return NULL;
	msg->payload = msg->data;
	msg->chunks = NULL;
	msg->relay = NULL;
	/* What msg_free_buf() reads, should the making fail before the rest. */
	msg->len = len;
	if (n) {
		msg->chunks = msg_alloc_chunks(n);
		if (!msg->chunks)
			goto fail;
	}
	if (tail > MSG_INLINE) {
		msg->payload = kmalloc(tail, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!msg->payload)
			goto fail;
	}
	return msg;

fail:
	if (msg->chunks)
		msg_free_chunks(msg->chunks, n);
	kmem_cache_free(mp_msg_cache, msg);
	return NULL;
}

static void msg_free_buf(struct mp_msg *msg)
{
	if (msg->chunks)
		msg_free_chunks(msg->chunks, msg_nchunks(msg->len));
	if (msg->payload != msg->data)
		kfree(msg->payload);
	/* Only a relayed message has one: no call for the others. */
	if (unlikely(msg->relay))
		kfree(msg->relay);
	kmem_cache_free(mp_msg_cache, msg);
}

/*
 * The piece @i of @msg's payload, in order: the chunks, then the tail (or
 * the whole payload, not chunked).  Its address goes to *@p; its length.
 */
static u32 msg_piece(const struct mp_msg *msg, u32 i, char **p)
{
	u32 n = msg_nchunks(msg->len);

	if (i < n) {
		*p = msg->chunks[i];
		return MSG_CHUNK;
	}
	*p = msg->payload;
	return msg->len - n * MSG_CHUNK;
}

/* Copy @msg's payload in from @buf: 0, or -EFAULT. */
static int msg_copy_in(struct mp_msg *msg, const void __user *buf)
{
	u32 i, off, c;
	char *p;

	if (!msg->chunks)	/* in one piece: as before chunks existed */
		return copy_from_user(msg->payload, buf, msg->len) ? -EFAULT : 0;
	for (i = 0, off = 0; off < msg->len; i++, off += c) {
		c = msg_piece(msg, i, &p);
		if (copy_from_user(p, buf + off, c))
			return -EFAULT;
	}
	return 0;
}

/**
 * mp_msg_payload_to_user() - copy a message's payload to user space
 * @msg: the message, not a span
 * @buf: the user buffer
 * @n: how many bytes, at most @msg->len
 *
 * Context: Process context, without mb->lock; may sleep (user memory).
 * Return: 0, or -EFAULT if the copy faults.
 */
int mp_msg_payload_to_user(const struct mp_msg *msg, void __user *buf, u32 n)
{
	u32 i, off, c;
	char *p;

	if (!msg->chunks)
		return copy_to_user(buf, msg->payload, n) ? -EFAULT : 0;
	for (i = 0, off = 0; off < n; i++, off += c) {
		c = min(msg_piece(msg, i, &p), n - off);
		if (copy_to_user(buf + off, p, c))
			return -EFAULT;
	}
	return 0;
}

/**
 * mp_msg_payload_range() - walk a range of a message's payload in kernel memory
 * @msg: the message, not a span
 * @off: the range's first byte
 * @n: its length; @off + @n at most @msg->len
 * @fn: called for each contiguous piece of the range, in order: with @arg,
 *	the piece's offset in the payload, its address and its length; a
 *	non-zero return ends the walk
 * @arg: the argument of @fn
 *
 * Context: Any the caller's @fn allows; takes no lock.  @msg's payload must
 * stay (the caller holds @msg).
 * Return: 0, or the first non-zero return of @fn.
 */
int mp_msg_payload_range(const struct mp_msg *msg, u32 off, u32 n,
			 mp_piece_fn fn, void *arg)
{
	u32 i, start, c, skip;
	char *p;
	int ret;

	if (!msg->chunks)
		return n ? fn(arg, off, msg->payload + off, n) : 0;
	i = off / MSG_CHUNK;
	skip = off - i * MSG_CHUNK;
	for (start = off; n; i++, skip = 0) {
		c = min(msg_piece(msg, i, &p) - skip, n);
		ret = fn(arg, start, p + skip, c);
		if (ret)
			return ret;
		start += c;
		n -= c;
	}
	return 0;
}

/**
 * mp_msgs_free() - free messages together
 * @msgs: the messages
 * @n: how many, @msgs[0..@n)
 *
 * Frees @msgs[0..@n): uncharges them (mp_msg_charge() each), puts each
 * one's call reference (msg->call) and frees their buffers.  A run of one
 * sender's messages is uncharged, and gives its references to the pids
 * back, at once (as mp_msgs_create() took them).
 *
 * Context: Called without mb->lock.  May take the quota table's lock and
 * may sleep (kvfree() of a large buffer).
 */
void mp_msgs_free(struct mp_msg **msgs, unsigned int n)
{
	unsigned int i, run;
	size_t bytes, charge;

	for (i = 0; i < n; i += run) {
		const struct mp_msg *m = msgs[i];

		if (m->body) {
			/* A clone: its header's charge; the body keeps the rest. */
			run = 1;
			mp_objects_msg_add(-1, 0);
			mp_quota_uncharge(m->quota, MP_MSG_SMALL);
			continue;
		}
		bytes = m->len;
		charge = mp_msg_charge(m->len) + msg_relay_charge(m->relay);
		for (run = 1; i + run < n && !msgs[i + run]->body &&
		     msgs[i + run]->quota == m->quota &&
		     msg_same_sender(msgs[i + run], m); run++) {
			bytes += msgs[i + run]->len;
			charge += mp_msg_charge(msgs[i + run]->len) +
				  msg_relay_charge(msgs[i + run]->relay);
		}
		mp_objects_msg_add(-(long)run, -(long)bytes);
		mp_quota_uncharge(m->quota, charge);
		put_pid_many(m->tgid, run);
		put_pid_many(m->tid, run);
	}
	for (i = 0; i < n; i++) {
		struct mp_msg *body = msgs[i]->body;

		if (body) {
			kmem_cache_free(mp_msg_cache, msgs[i]);
			mp_msg_put(body);
			continue;
		}
		if (msgs[i]->call)
			mp_call_put(msgs[i]->call);
		/* Files never received are closed. */
		mp_fds_put(msgs[i]->fds);
		msg_free_buf(msgs[i]);
	}
}

/**
 * mp_msg_clones_create() - headers that share a message, for a topic
 * @body: the message (made by mp_msg_create(), its sender's), not queued
 * @clones: where the clones go
 * @n: how many
 *
 * Makes @n clones of @body, for a topic's subscriptions (topic.c): each a
 * header of its own (an object of mp_msg_cache, charged MP_MSG_SMALL to
 * @body's sender as a message is) with @body's sender, priority and payload
 * (its bytes are @body's: a clone holds a reference to @body, dropped when
 * the clone is freed).  Their seq, send time and @lost are the caller's to
 * set; their reference count is 1.
 *
 * Context: Process context (@body's sender), without mb->lock; may sleep.
 * Return: 0; -EDQUOT or -ENOMEM, with nothing made.
 */
int mp_msg_clones_create(struct mp_msg *body, struct mp_msg **clones,
			 unsigned int n)
{
	struct mp_quota *quota;
	unsigned int i;
	int ret;

	if (!n)
		return 0;
	ret = mp_quota_charge_held((size_t)n * MP_MSG_SMALL, body->quota,
				   &quota);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		struct mp_msg *c = kmem_cache_alloc(mp_msg_cache,
						    GFP_KERNEL | __GFP_NOWARN);

		if (!c) {
			while (i--) {
				mp_msg_put(body);
				kmem_cache_free(mp_msg_cache, clones[i]);
			}
			mp_quota_uncharge(quota, (size_t)n * MP_MSG_SMALL);
			return -ENOMEM;
		}
		/* As @body is made (mp_msgs_create()), from its fields. */
		*c = (struct mp_msg) {
			.quota = quota,
			.tgid = body->tgid,
			.tid = body->tid,
			.euid = body->euid,
			.egid = body->egid,
			.prio = body->prio,
			.len = body->len,
			.body = body,
			.payload = body->payload,
			.chunks = body->chunks,
			.relay = body->relay,
		};
		INIT_LIST_HEAD(&c->link);
		INIT_LIST_HEAD(&c->qcall);
		INIT_LIST_HEAD(&c->sgroup);
		RB_CLEAR_NODE(&c->snode);
		refcount_set(&c->ref, 1);
		refcount_inc(&body->ref);
		clones[i] = c;
	}
	mp_objects_msg_add(n, 0);
	return 0;
}

/*
 * Buffers for the messages of @xs[0..@n) into @msgs.  Returns how many
 * were allocated: all of them, or, out of memory, those before the first
 * that could not be.
 */
static unsigned int msgs_alloc(const struct mp_xfer *xs,
			       struct mp_msg **msgs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		msgs[i] = msg_alloc(xs[i].len);
		if (!msgs[i])
			break;
		if (!xs[i].relay)
			continue;
		msgs[i]->relay = kmemdup(xs[i].relay, sizeof(*xs[i].relay),
					 GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!msgs[i]->relay) {
			msg_free_buf(msgs[i]);
			break;
		}
	}
	return i;
}

/*
 * @n references to @pid, the current task's, taken at once.  The pid API
 * takes one at a time (get_pid()); a batch's messages each hold one, so it
 * adds @n at once, and gives them back the same way (put_pid_many()).  No
 * RCU read section, as get_task_pid() takes for any task: the current
 * task's pids stay while it runs this (task_tgid(), task_pid()).
 */
static struct pid *get_current_pid_many(struct pid *pid, unsigned int n)
{
	refcount_add(n, &pid->count);
	return pid;
}

/**
 * mp_msgs_create() - make a batch of messages from user space
 * @xs: the sends, one sender's through one descriptor (@xs[0].quota is its
 *	descriptor's quota record, or NULL)
 * @msgs: where the messages go, @msgs[0..@n)
 * @n: how many, 1 to MP_SEND_BATCH_CHUNK
 * @err: where the error of the first message that could not be made goes
 *
 * Makes the messages for @xs[0..@n) into @msgs, stamped with the current
 * task as their sender (its pids, euid and egid), their payloads copied in
 * from user space.  What they share is done once: their charges
 * (mp_msg_charge()) charged to the sender's quota at once (or, over the
 * limit, those of as many of the first as fit, so that the message that
 * would go over fails, as a single send would), one reference per message
 * taken at once on the pids.  A payload that faults
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
unsigned int mp_msgs_create(const struct mp_xfer *xs,
			    struct mp_msg **msgs, unsigned int n,
			    int *err)
{
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
	bytes = msgs_charge(xs, n);
	ret = mp_quota_charge_held(bytes, xs[0].quota, &quota);
	/* Over the limit: as many as fit, as single sends would go. */
	for (made = n; ret == -EDQUOT && made > 1;) {
		made--;
		/* The charge msgs_charge() counted: a relayed claim's too. */
		bytes -= msgs_charge(&xs[made], 1);
		ret = mp_quota_charge_held(bytes, xs[0].quota, &quota);
	}
	if (ret) {
		*err = ret;
		return 0;
	}
	if (made < n) {
		*err = -EDQUOT;		/* the first that does not fit */
		n = made;
	}
	made = msgs_alloc(xs, msgs, n);
	if (made < n) {
		mp_quota_uncharge(quota, bytes - msgs_charge(xs, made));
		*err = -ENOMEM;
		n = made;
		if (!n)
			return 0;
	}

	tgid = get_current_pid_many(task_tgid(current), n);
	/* A main thread's tid is its tgid: no second reference then. */
	if (!thread_group_leader(current))
		tid = get_current_pid_many(task_pid(current), n);
	euid = current_euid();
	egid = current_egid();
	for (i = 0; i < n; i++) {
		const struct mp_xfer *x = &xs[i];
		struct mp_msg *msg = msgs[i];

		INIT_LIST_HEAD(&msg->link);
		INIT_LIST_HEAD(&msg->qcall);
		INIT_LIST_HEAD(&msg->sgroup);
		RB_CLEAR_NODE(&msg->snode);
		msg->sleader = false;
		msg->leased = false;
		msg->withdrawn = false;
		msg->sync_send = false;
		msg->sync = NULL;
		msg->quota = quota;
		msg->tgid = tgid;
		msg->tid = tid;
		msg->seq = 0;
		msg->send_time_ns = 0;
		msg->euid = euid;
		msg->egid = egid;
		msg->prio = x->prio;
		/* msg->len, ->payload, ->chunks, ->relay: msg_alloc(). */
		/* A span is never empty (send.c checks it): its length says it. */
		if (x->flags & MSGPORT_F_SPAN) {
			msg->span_off = x->span_off;
			msg->span_len = x->span_len;
		} else {
			msg->span_off = 0;
			msg->span_len = 0;
		}
		msg->call = NULL;
		msg->body = NULL;
		msg->fds = NULL;
		msg->lost = 0;
		refcount_set(&msg->ref, 1);
	}
	mp_objects_msg_add(n, msgs_bytes(xs, n));

	/* The payloads; one that faults ends the batch there. */
	for (made = 0; made < n; made++) {
		if (msg_copy_in(msgs[made], xs[made].buf))
			break;
	}
	if (made < n) {
		for (i = made; i < n; i++)
			mp_msg_free(msgs[i]);
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
 * @x: the send
 *
 * The message for @x, as mp_msgs_create() makes it for a batch of one.
 *
 * Context: As mp_msgs_create(): process context, without mb->lock; may sleep.
 * Return: The message, or ERR_PTR() of -EDQUOT, -ENOMEM or -EFAULT (as
 * mp_msgs_create()).
 */
struct mp_msg *mp_msg_create(const struct mp_xfer *x)
{
	struct mp_msg *msg;
	int err;

	if (!mp_msgs_create(x, &msg, 1, &err))
		return ERR_PTR(err);
	return msg;
}

/**
 * mp_msg_put() - drop a reference to a message
 * @msg: the message
 *
 * Drops a reference to @msg (mp_msg_unref()); the last one frees it
 * (mp_msg_free()).
 *
 * Context: Called without mb->lock; may sleep (when it frees the message).
 */
void mp_msg_put(struct mp_msg *msg)
{
	if (mp_msg_unref(msg))
		mp_msg_free(msg);
}

/*
 * A chunk is written before it is read, and so is every field of a header
 * and every payload byte read (see the top of this file): nothing to
 * construct.  Having a constructor is what matters: the allocator then does
 * not zero the objects it hands out (init_on_alloc).
 */
static void unzeroed_ctor(void *obj)
{
}

/**
 * mp_msg_cache_init() - create the slab caches of messages and chunks
 *
 * Context: Module init, process context.  May sleep.
 * Return: 0, or -ENOMEM.
 */
int mp_msg_cache_init(void)
{
	/*
	 * Only the payload is copied to or from user space (hardened
	 * usercopy).  Headers are not zeroed: see the top of this file.
	 */
	mp_msg_cache = kmem_cache_create_usercopy("msgport_msg", MP_MSG_OBJ,
						  0, SLAB_ACCOUNT,
						  offsetof(struct mp_msg, data),
						  MSG_INLINE, unzeroed_ctor);
	if (!mp_msg_cache)
		return -ENOMEM;
	/* The constructor leaves chunks unzeroed: see the top of this file. */
	mp_chunk_cache = kmem_cache_create_usercopy("msgport_chunk", MSG_CHUNK,
						    0, SLAB_ACCOUNT, 0,
						    MSG_CHUNK, unzeroed_ctor);
	if (!mp_chunk_cache) {
		kmem_cache_destroy(mp_msg_cache);
		return -ENOMEM;
	}
	return 0;
}

/**
 * mp_msg_cache_exit() - destroy the slab caches of messages and chunks
 *
 * Every message is freed by then (kmem_cache_destroy() reports one that
 * is not).
 *
 * Context: Module exit, process context.  May sleep.
 */
void mp_msg_cache_exit(void)
{
	kmem_cache_destroy(mp_chunk_cache);
	kmem_cache_destroy(mp_msg_cache);
}

/* Fill @info with @msg's metadata, its sender's ids given as seen. */
static void msg_info_fill(const struct mp_msg *msg, s32 pid, s32 tid,
			  u32 uid, u32 gid, struct msgport_msginfo *info)
{
	memset(info, 0, sizeof(*info));
	info->seq = msg->seq;
	info->send_time_ns = msg->send_time_ns;
	info->pid = pid;
	info->tid = tid;
	info->uid = uid;
	info->gid = gid;
	info->priority = msg->prio;
	info->len = msg->len;
	info->lost = msg->lost;
	if (msg->call) {
		info->token = mp_call_token(msg->call);
		info->msg_flags |= MSGPORT_MSG_CALL;
	}
	if (mp_msg_is_span(msg)) {
		info->len = msg->span_len;
		info->span_offset = msg->span_off;
		info->msg_flags |= MSGPORT_MSG_SPAN;
	}
	/* Dropped unless the receiver installs them (recv.c). */
	if (READ_ONCE(msg->fds))
		info->msg_flags |= MSGPORT_MSG_FDS | MSGPORT_MSG_FDS_DROPPED;
	if (msg->relay)
		info->msg_flags |= MSGPORT_MSG_RELAYED;
	if (msg->sync_send)
		info->msg_flags |= MSGPORT_MSG_SYNC;
	/*
	 * Not MSGPORT_MSG_LEASED: msg->leased is mb->lock's, and a peeker
	 * must not report another's lease; the leasing receive sets it.
	 */
}

/*
 * An id as seen in @ns: from_kuid_munged()'s, without its walk of the
 * initial namespace's map, which maps every valid id to itself.
 */
static u32 uid_seen(struct user_namespace *ns, kuid_t uid)
{
	if (ns == &init_user_ns && uid_valid(uid))
		return __kuid_val(uid);
	return from_kuid_munged(ns, uid);
}

static u32 gid_seen(struct user_namespace *ns, kgid_t gid)
{
	if (ns == &init_user_ns && gid_valid(gid))
		return __kgid_val(gid);
	return from_kgid_munged(ns, gid);
}

/**
 * mp_msg_info_in() - a message's metadata as seen in given namespaces
 * @msg: the message
 * @pid_ns: the pid namespace its sender's pid and tid are seen in
 * @user_ns: the user namespace its sender's euid and egid are seen in
 * @info: where the metadata goes
 *
 * Fills @info as mp_msg_info() does for a task of @pid_ns and @user_ns:
 * what a sender writing straight into a waiting receiver (direct.c) gives
 * it, as the receiver would see it.
 *
 * Context: Any; takes no lock, does not sleep.
 */
void mp_msg_info_in(const struct mp_msg *msg, struct pid_namespace *pid_ns,
		    struct user_namespace *user_ns,
		    struct msgport_msginfo *info)
{
	pid_t pid = pid_nr_ns(msg->tgid, pid_ns);

	/* No tid: the sender was its thread group's leader (mp_msgs_create()). */
	msg_info_fill(msg, pid, msg->tid ? pid_nr_ns(msg->tid, pid_ns) : pid,
		      uid_seen(user_ns, msg->euid), gid_seen(user_ns, msg->egid),
		      info);
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
	if (prev && msg_same_sender(msg, prev))
		msg_info_fill(msg, info->pid, info->tid, info->uid, info->gid,
			      info);
	else
		mp_msg_info_in(msg, task_active_pid_ns(current),
			       current_user_ns(), info);
}
