/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport: declarations shared by the module's files.
 *
 * What each file holds (its top comment has the details: its locks and
 * the lifetimes it owns):
 *   params.c        the module parameters
 *   args.c          ioctl arguments at other programs' struct sizes
 *   objects.c       live object counters (debugfs msgport/objects)
 *   user_quota.c    queued messages' and regions' bytes per euid
 *                   (max_user_bytes)
 *   trace.c         the tracepoints (trace.h: TRACE_SYSTEM msgport)
 *   region.c        a mailbox's shared region: pages, mmap, span copies,
 *                   waits on its words
 *   msg.c           a message's life: made, its metadata, copied out, freed
 *   fds.c           the open files a message carries (descriptor passing)
 *   wait.c          wake-ups, deadlines, sleeping, adaptive spinning
 *   queue.c         a mailbox's priority queue and hand-off (mb->lock)
 *   direct.c        a large message written straight into a waiting
 *                   receiver's buffer: one copy
 *   send.c, recv.c  sending and receiving, one message or a batch
 *   lease.c         leases: messages taken under a lease, committed or
 *                   returned (MSGPORT_F_LEASE, MSGPORT_IOC_COMMIT)
 *   mailbox.c       a mailbox as a whole: made, referenced, freed,
 *                   destroyed; its receivers, poll, stat, mode
 *   registry.c      the name table (registry mutex): open, create, unlink,
 *                   last close of an ephemeral mailbox
 *   inbox.c         per-process inboxes (inbox table lock), sending to a pid
 *   topic.c         topics: subscriptions, publishing (topic lock)
 *   rpc.c           calls and replies: call records, tokens, claims
 *   mailbox_file.c  the mailbox descriptor: made, its ioctls, read, write,
 *                   poll, mmap, flush, release
 *   procfs.c        /proc/msgport
 *   main.c          /dev/msgport and its ioctls, module init and exit
 *   compat.h        what differs between the kernels msgport builds for
 *
 * Layers, lowest first.  A file calls functions of its own layer and of the
 * layers below it, never above, but for the hooks listed after the table
 * (make lint checks it: scripts/layers reads this table and the hooks):
 *   0  params.c args.c objects.c user_quota.c trace.c
 *   1  region.c
 *   2  msg.c fds.c
 *   3  wait.c
 *   4  queue.c
 *   5  direct.c send.c recv.c lease.c
 *   6  mailbox.c
 *   7  registry.c inbox.c topic.c
 *   8  rpc.c
 *   9  mailbox_file.c procfs.c
 *   10 main.c
 * A static inline function of this header belongs to the layer of the
 * section it stands in; it can only use what is declared above it, so the
 * order of the sections keeps it to its layer and below (scripts/layers
 * sees only calls between object files).
 * The hooks: a message that is a call's request tells its call record
 * (rpc.c) what becomes of it, from the layers that move messages:
 *   hook  mp_call_bind mp_call_put mp_call_token mp_call_request
 *   hook  mp_call_taken mp_call_requeue mp_call_fail mp_call_claim
 *   hook  mp_calls_destroy
 *
 * Names: everything of the module is mp_ (macros MP_), one prefix per file
 * after it where a file has a concept of its own (mp_msg_, mp_queue_,
 * mp_wait_, mp_direct_, mp_mailbox_, mp_registry_, mp_inbox_, mp_call_, mp_region_,
 * mp_file_, mp_quota_), ioctl handlers mp_ioc_*.  msgport_ is
 * libmsgport's, but for the uapi structs, which are shared by design.
 *
 * What msgport_kunit.ko (msgport_kunit.c, built for kernels with KUnit)
 * tests is exported next to its definition with EXPORT_SYMBOL_NS_GPL(...,
 * MP_TEST_NS), the namespace MSGPORT_KUNIT (compat.h spells it for each
 * kernel); nothing but the test module imports that namespace.
 */
#ifndef _MSGPORT_INTERNAL_H
#define _MSGPORT_INTERNAL_H

#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/rbtree.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/poll.h>

#include <linux/msgport.h>

#include "compat.h"

struct file;
struct mp_call;
struct mp_names;
struct pid;
struct poll_table_struct;
struct seq_file;
struct task_struct;

/* params.c (layer 0): the module parameters; read with READ_ONCE(). */
extern unsigned int mp_max_mailboxes;
extern unsigned int mp_max_user_mailboxes;
extern unsigned int mp_max_msg_size;
extern unsigned int mp_default_msg_size;
extern unsigned long mp_max_user_bytes;
extern unsigned long mp_max_region_size;
extern unsigned long mp_spin_ns;
extern unsigned int mp_max_subscribers;
extern unsigned int mp_max_user_subscriptions;

/*
 * args.c (layer 0): ioctl arguments at other programs' sizes (the uapi
 * header's "Growing the ABI").  A descriptor's commands, each at the
 * module's size with its struct's first published size; tail_out: the
 * bytes a newer program has past the module's struct are output (zeroed),
 * else input (must be zero).
 */
struct mp_args_cmd {
	unsigned int cmd;
	u32 first;
	bool tail_out;
};

int mp_args_tail(void __user *u, size_t usize, size_t ksize, bool output);
int mp_args_relay(struct msgport_relay *relay, u64 uptr);
int mp_args_resize(unsigned int cmd, void __user *argp,
		   const struct mp_args_cmd *cmds, unsigned int n,
		   unsigned int *known);

/* objects.c (layer 0): live object counters */
struct mp_objects {
	atomic_long_t mailboxes;
	atomic_long_t files;
	atomic_long_t regions;		/* allocated regions */
	atomic_long_t region_bytes;	/* their pages' bytes */
	atomic_long_t region_maps;	/* VMAs mapping a region */
};

extern struct mp_objects mp_objects;

/*
 * Messages and their payload bytes: per-CPU counts (a message is counted
 * on the CPU that makes it and uncounted on the one that frees it, so the
 * hot path shares no cache line); the sums are exact when nothing moves.
 */
void mp_objects_msg_add(long messages, long bytes);
long mp_objects_messages(void);
long mp_objects_bytes(void);
/* Call records (rpc.c), counted so too. */
void mp_objects_call_add(long calls);
long mp_objects_calls(void);

/*
 * The longest work under one hold of a mailbox lock, and between two
 * reschedules of a teardown, since the last reset (debugfs msgport/holds):
 * queue entries or waiters visited, messages freed.
 */
void mp_objects_note_hold(unsigned long visited);
void mp_objects_note_run(unsigned long freed);

void mp_objects_init(void);
void mp_objects_exit(void);

#define MP_NR_PRIO		(MSGPORT_PRIO_MAX + 1)

/*
 * Is @name (@len bytes, not NUL-terminated) a valid mailbox name?  0 if so;
 * -ENAMETOOLONG past MSGPORT_NAME_MAX; -EINVAL if empty or not printable
 * ASCII without '/'.  Pure, for unit tests (main.c applies it to every name).
 */
static inline int mp_name_check(const char *name, u32 len)
{
	u32 i;

	if (len > MSGPORT_NAME_MAX)
		return -ENAMETOOLONG;
	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (name[i] < 0x21 || name[i] > 0x7e || name[i] == '/')
			return -EINVAL;
	}
	return 0;
}

/* user_quota.c (layer 0): queued messages' and regions' bytes per euid */
struct mp_quota;

void mp_quota_show(struct seq_file *m);
int mp_quota_charge(size_t len, struct mp_quota **quotap);
int mp_quota_charge_held(size_t len, struct mp_quota *held,
			 struct mp_quota **quotap);
void mp_quota_uncharge(struct mp_quota *quota, size_t len);
int mp_quota_charge_to(struct mp_quota *quota, size_t len);
int mp_quota_charge_mailbox(struct mp_quota **quotap);
void mp_quota_uncharge_mailbox(struct mp_quota *quota);
int mp_quota_charge_files(struct mp_quota *quota, u32 n, unsigned long limit);
void mp_quota_uncharge_files(struct mp_quota *quota, u32 n);
struct mp_quota *mp_quota_hold(void);
void mp_quota_drop(struct mp_quota *quota);
void mp_quota_exit(void);

/*
 * A message (msg.c).  Owned by exactly one of: the sender that made it, a
 * mailbox queue (on mailbox->prio[]), a sender waiting for room (through its
 * waiter), or a receiver (after dequeue or hand-off).  @ref only matters
 * while a peeking receiver copies a queued message outside the lock.  Set
 * when it is made and fixed after, but for the fields marked mb->lock.
 */
struct mp_msg {
	struct list_head link;		/* mailbox->prio[prio]: mb->lock */
	struct list_head qcall;		/* a request: ->queued_calls, mb->lock */
	/* The index by sender (queue.c), while queued: mb->lock. */
	struct rb_node snode;		/* the first of its (sender, prio) group */
	struct list_head sgroup;	/* its group's messages, FIFO, a ring */
	bool sleader;			/* @snode is in mb->senders */
	bool leased;			/* taken under a lease (lease.c): mb->lock */
	bool withdrawn;			/* leased, its sync sender gave up: mb->lock */
	bool sync_send;			/* sent with MSGPORT_F_SYNC (or to a rendezvous) */
	/* 32-bit fields together: no hole, so 72 payload bytes fit inline. */
	kuid_t euid;
	kgid_t egid;
	u32 prio;
	u32 len;			/* payload bytes at @payload */
	u32 span_len;			/* a span's bytes (never 0); else 0 */
	u32 lost;			/* a clone: its subscription's losses before it */
	refcount_t ref;
	struct mp_waiter *sync;		/* sender waiting for a receipt: mb->lock */
	struct mp_quota *quota;		/* charged for @len bytes */
	struct pid *tgid;		/* sender, translated at receive */
	struct pid *tid;		/* NULL: the same as @tgid */
	u64 seq;			/* set when accepted: mb->lock */
	u64 send_time_ns;		/* likewise */
	u64 span_off;			/* a span's offset in the region */
	struct mp_call *call;		/* a call's request (holds a call ref) */
	struct mp_msg *body;		/* a topic's clone: the message it shares */
	struct mp_fds *fds;		/* open files it carries (fds.c), or NULL */
	struct msgport_relay *relay;	/* MSGPORT_F_RELAY's claim, or NULL (a clone: its body's) */
	char *payload;			/* @data, or a buffer of its own (msg.c) */
	void **chunks;			/* or a large payload's page chunks (msg.c) */
	char data[];
};

/* A span of the region, no payload (MSGPORT_F_SPAN): spans are never empty. */
static inline bool mp_msg_is_span(const struct mp_msg *msg)
{
	return msg->span_len;
}

/*
 * A task sleeping on a mailbox (on the sleeper's stack; wait.c, queue.c).
 * Wakers change @state and unlink it under mb->lock, then wake @task only
 * after dropping the lock, through a task reference (never touching the
 * waiter again).  Every field is under mb->lock while the waiter is
 * reachable from the mailbox (on a list, or as msg->sync); a spinner reads
 * @state without it as a hint (READ_ONCE(), written with WRITE_ONCE()).
 */
enum mp_wstate {
	MP_W_WAITING,		/* in mb->recv_waiters or mb->send_waiters */
	MP_W_QUEUED,		/* sync sender: message queued, awaiting receipt */
	MP_W_READY,		/* receiver: @msg handed over; sender: admitted/taken */
	MP_W_RETRY,		/* receiver: look at the queue again */
	MP_W_IDRM,		/* the mailbox was destroyed */
	MP_W_RESET,		/* sync sender of a call: no receiver left */
	MP_W_REFUSED,		/* sync sender: its leased message refused (@error) */
	MP_W_FILLING,		/* receiver: a sender writes into its buffer */
};

struct mp_waiter {
	struct list_head link;
	struct task_struct *task;
	struct mp_msg *msg;		/* sender: its message; receiver: handed */
	enum mp_wstate state;
	u32 buf_len;			/* receiver: buffer size */
	bool take;			/* receiver: not a peek */
	bool lease;			/* receiver: takes under a lease, never handed one */
	bool trunc;			/* receiver: accepts truncation */
	bool span;			/* receiver: takes spans by reference */
	u32 fds_room;			/* receiver: descriptors it takes (U32_MAX: drops) */
	bool sync;			/* sender: wants a receipt */
	bool spinning;			/* spinning (wait.c): no wake-up needed */
	struct pid *from;		/* receiver: only messages of this sender */
	u64 seq;			/* sender: the message's sequence number */
	int error;			/* sync sender: MP_W_REFUSED's errno (> 0) */
	u64 woken_ns;			/* when a waker queued its wake-up, or 0 */
	struct mp_direct_dest *dest;	/* receiver: may be written directly */
	struct mp_direct_job *job;	/* receiver: a copy to help with, mb->lock */
	u32 filled;			/* receiver: bytes written directly */
	bool info_written;		/* receiver: its info, by itself (direct.c) */
};

/*
 * Where a sender may write a message straight into a waiting receiver
 * (direct.c): the receiver's buffer and info, in its address space, and
 * the namespaces its info is seen in.  On the receiver's stack, valid while
 * it waits or is being filled (MP_W_FILLING).
 */
struct mp_direct_dest {
	struct mm_struct *mm;
	void __user *buf;
	struct msgport_msginfo __user *uinfo;
	struct pid_namespace *pid_ns;
	struct user_namespace *user_ns;
};

/*
 * Every message's header is an object of msg.c's slab cache, MP_MSG_OBJ
 * bytes; each takes MP_MSG_SMALL bytes of its slab, the object and the
 * allocator's free pointer after it (the cache has a constructor: msg.c).
 * A message of up to MP_MSG_OBJ bytes, header included, has its payload
 * in the object and is charged MP_MSG_SMALL (mp_msg_charge()): with the
 * 208 bytes a header takes on 64-bit kernels, a payload of up to 72 bytes
 * (msg.c asserts it), not in a buffer of its own.
 */
#define MP_MSG_SMALL	288
#define MP_MSG_OBJ	(MP_MSG_SMALL - sizeof(void *))

/*
 * Whether spins on a mailbox pay (wait.c, spin_pays()): @debt grows with
 * spins that ran out of time and shrinks with spins that ended their wait;
 * @skipped counts the waits that did not spin since.  Under mb->lock.
 */
struct mp_spin_score {
	u8 debt;
	u8 skipped;
};

/*
 * What a new mailbox takes a wake-up (mb->wake_ns, wait.c) and a large
 * send's copy of a KiB (mb->copy_ns_kib, direct.c) to cost until its own
 * waits and copies say: guesses (20 us; 10 GB/s), each mailbox then
 * measuring its own, so that no mailbox's traffic shapes another's spins
 * and the message path writes no cache line shared between mailboxes.
 */
#define MP_WAKE_NS_FIRST	20000
#define MP_COPY_NS_KIB_FIRST	100

/*
 * A mailbox (mailbox.c), named, anonymous or an inbox.  Each block of fields
 * says what protects it; the lock orders are mp_registry_lock -> @lock and,
 * for a topic, its @topic_lock -> a subscription's @lock (topic.c);
 * @topic_lock is never taken under mp_registry_lock.
 */
struct mp_mailbox {
	/* Queue state, all under @lock (queue.c) but @copy_ns_kib (racy). */
	spinlock_t lock;
	unsigned long prio_map;		/* bit p set: prio[p] not empty */
	struct list_head prio[MP_NR_PRIO];
	struct list_head recv_waiters;	/* FIFO of struct mp_waiter */
	struct list_head send_waiters;	/* FIFO: senders waiting for room */
	struct list_head queued_calls;	/* queued requests, by arrival (qcall) */
	struct rb_root senders;		/* queued messages by (sender, prio) */
	u32 nmsgs;
	u32 nleased;			/* taken under a lease, not committed (lease.c) */
	u32 batch_spinners;		/* receive batches spinning on the queue (recv.c) */
	struct list_head lease_files;	/* struct mp_file with leases (lease_link) */
	u32 wsend;			/* senders sleeping (room or receipt) */
	u32 wrecv;			/* receivers sleeping */
	/*
	 * Receivers put on recv_waiters, ever (wraps): a spinning sender's
	 * hint (direct.c), read without the lock.
	 */
	u32 recv_arrivals;
	bool dead;			/* destroyed: -EIDRM from now on */
	u64 bytes;
	u64 next_seq;
	u64 sent;
	u64 received;
	u64 dropped;
	struct rb_root calls;		/* claimed calls by token (rpc.c) */
	u32 ncalls;
	u32 nreceivers;			/* open descriptors that may receive */
	u32 nsenders;			/* open descriptors that may send */
	bool hup;			/* anonymous, no sender left (mailbox.c) */
	struct pid *last_sender;	/* a thread, referenced: a waiter's peer */
	struct pid *last_receiver;
	struct mp_spin_score spin;	/* waiters' spins here (wait.c) */
	struct mp_spin_score await;	/* senders' spins for a receiver (direct.c) */
	struct mp_out_job *out_job;	/* a receiver's copy out to help with (direct.c) */
	u32 wake_ns;			/* a wake-up here takes (wait.c) */
	u32 copy_ns_kib;		/* a large send's KiB takes (direct.c: racy) */
	wait_queue_head_t poll_wq;	/* its own lock, never under @lock */

	/* Registry state, under mp_registry_lock. */
	struct mp_names *table;		/* its IPC namespace's, while linked or counted */
	struct hlist_node hnode;	/* name hash, while linked */
	struct list_head node;		/* creation order, while linked or counted */
	unsigned int nfiles;		/* open descriptors */
	bool linked;

	struct kref ref;		/* name table (while linked), each file, a send */

	/* Fixed at creation, but @mode: written under @lock, read with READ_ONCE(). */
	struct mp_quota *quota;		/* its creator's, counting it until destroyed */
	struct mp_region *region;	/* shared region or NULL (region.c) */
	u32 capacity;
	u32 max_msg_size;
	u32 mode;
	kuid_t uid;
	kgid_t gid;
	struct user_namespace *user_ns;	/* its IPC namespace's owner, referenced */
	bool ephemeral;
	bool anon;			/* MSGPORT_O_ANON: no name (registry.c) */
	u32 name_len;
	char name[MSGPORT_NAME_MAX + 1];

	/*
	 * A topic (topic.c): @topic_lock (a mutex) serializes publishes and
	 * keeps @subs, its subscriptions (linked by @sub_link), @nsubs (read
	 * without it with READ_ONCE()), @next_seq and @topic_closed (no
	 * subscribe or publish any more; @dead stays the mailbox code's, under
	 * @lock); @topic_policies is fixed; @sent is written under @topic_lock
	 * (WRITE_ONCE(): stat reads it under @lock).  A subscription: @sub_of
	 * is its topic (referenced while subscribed); @sub_policy, @sub_euid
	 * and @room_wq fixed; @sub_quota (its subscriber's record, referenced
	 * while it is on @subs: its clones' headers are charged to it) and
	 * @sub_ended under its topic's @topic_lock; @sub_lost under its own
	 * @lock.  @room_wq, for a BLOCK subscription, is its topic's @poll_wq:
	 * mp_wake_flush() wakes it when a take frees room (EPOLLOUT).
	 */
	bool is_topic;
	bool topic_closed;
	u32 topic_policies;		/* MSGPORT_TOPIC_* subscribers may choose */
	struct mutex topic_lock;
	struct list_head subs;
	u32 nsubs;
	struct mp_mailbox *sub_of;
	struct list_head sub_link;
	u32 sub_policy;			/* one MSGPORT_TOPIC_* */
	bool sub_ended;			/* its topic's destruction ended it */
	kuid_t sub_euid;		/* its subscriber's */
	struct mp_quota *sub_quota;
	wait_queue_head_t *room_wq;
	u32 sub_lost;			/* lost since it was last given one */

	/* An inbox (inbox.c): its process, and the inbox table's link. */
	struct pid *owner;		/* NULL for a named mailbox */
	struct hlist_node inbox_link;	/* under mp_inbox_lock */
	struct wait_queue_entry owner_exit;	/* on owner->wait_pidfd */
	struct work_struct owner_exit_work;	/* closes it once the owner is gone */
	bool watching;			/* @owner_exit is queued (inbox.c) */
};

/* One send or receive as the layers above pass it down (send.c, recv.c). */
struct mp_xfer {
	void __user *buf;
	u32 len;			/* send: payload; recv: buffer size */
	u32 flags;			/* MSGPORT_F_* */
	u32 prio;			/* send */
	u64 timeout_ns;			/* with MSGPORT_F_TIMEOUT */
	u64 __user *utimeout;		/* where to write the remaining time */
	u64 seq;			/* send: out */
	struct msgport_msginfo __user *uinfo;	/* recv: metadata, or NULL */
	u32 info_tail;			/* recv: bytes past *uinfo to zero */
	struct mp_fds *fds;		/* send: files to carry; mp_send() takes them */
	s32 __user *ufds;		/* recv with MSGPORT_F_FDS: their numbers */
	u32 __user *unfds;		/* recv with MSGPORT_F_FDS: how many */
	u32 fds_room;			/* recv: descriptors it takes (U32_MAX: drops) */
	u64 span_off;			/* send with MSGPORT_F_SPAN: the span */
	u32 span_len;
	struct pid *from;		/* recv with MSGPORT_F_FROM: the sender */
	struct mp_call *call;		/* send: the message is this call's request */
	struct mp_file *mbf;		/* recv: the descriptor (claims calls) */
	struct mp_quota *quota;		/* send: the descriptor's, or NULL */
	const struct msgport_relay *relay;	/* send: MSGPORT_F_RELAY's, a kernel copy */
	struct msgport_relay __user *urelay;	/* recv: where the relay goes (grown), or NULL */
};

#define MP_SEND_BATCH_CHUNK	8
#define MP_RECV_BATCH_CHUNK	8

/* region.c (layer 1) */
struct vm_area_struct;

/*
 * Is the span [@off, @off + @len) of a region of @region_size bytes valid?
 * 0 if so; -EINVAL for an empty span; -ERANGE if it does not lie inside
 * the region (overflow-safe).  Pure, for unit tests.
 */
static inline int mp_span_check(u64 region_size, u64 off, u64 len)
{
	if (!len)
		return -EINVAL;
	if (off >= region_size || len > region_size - off)
		return -ERANGE;
	return 0;
}

int mp_region_create(struct mp_mailbox *mb, u64 size);
void mp_region_free(struct mp_mailbox *mb);
void mp_region_drop_pages(struct mp_mailbox *mb);
int mp_region_mmap(struct mp_mailbox *mb, u32 access,
		   struct vm_area_struct *vma);
int mp_span_validate(struct mp_mailbox *mb, u64 off, u64 len);
int mp_region_copy_to_user(struct mp_mailbox *mb, void __user *dst,
			   u64 off, u32 len);
u64 mp_region_size(const struct mp_mailbox *mb);
u64 mp_region_maps(const struct mp_mailbox *mb);
int mp_region_wait(struct mp_mailbox *mb,
		   const struct msgport_region_wait *w,
		   u64 __user *utimeout);
int mp_region_wake(struct mp_mailbox *mb);

/* msg.c (layer 2) */
int mp_msg_cache_init(void);
void mp_msg_cache_exit(void);
size_t mp_msg_charge(u32 len);
unsigned int mp_msgs_create(const struct mp_xfer *xs,
			    struct mp_msg **msgs, unsigned int n, int *err);
struct mp_msg *mp_msg_create(const struct mp_xfer *x);
void mp_msgs_free(struct mp_msg **msgs, unsigned int n);
int mp_msg_clones_create(struct mp_msg *body, struct mp_msg **clones,
			 unsigned int n);
/**
 * mp_msg_free() - free one message
 * @msg: the message
 *
 * As mp_msgs_free() for one message, whatever its reference count.
 *
 * Context: As mp_msgs_free(): without mb->lock; may sleep.
 */
static inline void mp_msg_free(struct mp_msg *msg)
{
	mp_msgs_free(&msg, 1);
}

/**
 * mp_msg_unref() - drop a reference to a message, not freeing it
 * @msg: the message, not queued, or queued and held by a peeker (the caller)
 *
 * Drops the caller's reference to @msg.  The only one left, it is not
 * dropped with an atomic: nobody can take another (a peeker takes one only
 * under mb->lock, of a queued message, whose queue's reference is then
 * another), and the read barrier orders a peeker's last reads of @msg, made
 * before it dropped its reference, before the caller frees it (as
 * skb_unref() does).
 *
 * Context: Any; takes no lock, does not sleep.
 * Return: True if that was the last reference: the caller frees @msg.
 */
static inline bool mp_msg_unref(struct mp_msg *msg)
{
	if (likely(refcount_read(&msg->ref) == 1)) {
		/* Pairs with a peeker's release in refcount_dec_and_test(). */
		smp_rmb();
		/* A plain store: a second put still warns (underflow). */
		refcount_set(&msg->ref, 0);
		return true;
	}
	return refcount_dec_and_test(&msg->ref);
}

void mp_msg_put(struct mp_msg *msg);
int mp_msg_payload_to_user(const struct mp_msg *msg, void __user *buf, u32 n);
/* A range of a payload in kernel memory, piece by piece (msg.c). */
typedef int (*mp_piece_fn)(void *arg, u32 off, const void *p, u32 len);
int mp_msg_payload_range(const struct mp_msg *msg, u32 off, u32 n,
			 mp_piece_fn fn, void *arg);
void mp_msg_info_in(const struct mp_msg *msg, struct pid_namespace *pid_ns,
		    struct user_namespace *user_ns,
		    struct msgport_msginfo *info);
void mp_msg_info_after(const struct mp_msg *msg,
		       const struct mp_msg *prev,
		       struct msgport_msginfo *info);
/**
 * mp_msg_info() - a message's metadata
 * @msg: the message
 * @info: where the metadata goes
 *
 * @msg's metadata as the current task sees it, as mp_msg_info_after()
 * fills it with no previous message.
 *
 * Context: Any; may be called under mb->lock.  Takes no lock, does not sleep.
 */
static inline void mp_msg_info(const struct mp_msg *msg,
			       struct msgport_msginfo *info)
{
	mp_msg_info_after(msg, NULL, info);
}

/**
 * mp_msg_copy_len() - how many bytes a receiver gets of a message
 * @msg: the message
 * @span_ref: the receiver takes spans by reference (MSGPORT_F_SPAN)
 *
 * Context: Any; takes no lock, does not sleep.
 * Return: The payload's length; for a span, the span's length, or 0 if the
 * receiver takes it by reference.
 */
static inline u32 mp_msg_copy_len(const struct mp_msg *msg, bool span_ref)
{
	if (!mp_msg_is_span(msg))
		return msg->len;
	return span_ref ? 0 : msg->span_len;
}

/**
 * mp_msg_copy_out() - copy a message's bytes to user space
 * @mb: the mailbox, whose region holds a span's bytes
 * @msg: the message
 * @buf: the user buffer
 * @n: how many bytes, at most mp_msg_copy_len()
 *
 * Copies @n bytes of @msg's payload, or of its span (region.c), to @buf.
 *
 * Context: Process context, without mb->lock; may sleep (user memory).
 * Return: 0, or -EFAULT if the copy faults.
 */
static inline int mp_msg_copy_out(struct mp_mailbox *mb,
				  const struct mp_msg *msg, void __user *buf, u32 n)
{
	if (mp_msg_is_span(msg))
		return n ? mp_region_copy_to_user(mb, buf, msg->span_off,
						       n) : 0;
	/* In one piece (all but large payloads): copied here, inline. */
	if (!msg->chunks)
		return copy_to_user(buf, msg->payload, n) ? -EFAULT : 0;
	return mp_msg_payload_to_user(msg, buf, n);
}

/*
 * fds.c (layer 2): the open files a message carries (descriptor passing).
 * A set has one owner at a time (fds.c's top comment).
 */
struct mp_fds {
	struct mp_quota *quota;		/* its sender's: the files count in flight */
	u32 charge;			/* this struct's bytes in its max_user_bytes */
	u32 n;
	struct file *file[];
};

int mp_fds_get(const s32 __user *ufds, u32 n, int (*may_travel)(struct file *),
	       struct mp_fds **out);
u32 mp_fds_count(const struct mp_fds *fds);
void mp_fds_put(struct mp_fds *fds);
bool mp_fds_install(struct mp_fds *fds, s32 __user *ufds, u32 room,
		    u32 o_flags, u32 *installed);

/* wait.c (layer 3) */
#define MP_WAKE_MAX	8

/*
 * Tasks to wake, poll events to signal and a replaced peer reference to drop
 * once mb->lock is dropped (on the waker's stack).  Declared
 * __uninitialized and set by mp_wake_init(): @task[i] is written before it
 * is read, so the kernel's stack zeroing (CONFIG_INIT_STACK_ALL_ZERO, on in
 * Debian's kernels) of the array, on every send and receive, is skipped.
 */
struct mp_wake {
	unsigned int n;
	__poll_t poll;
	struct pid *put;
	struct task_struct *task[MP_WAKE_MAX];
};

static inline void mp_wake_init(struct mp_wake *wk)
{
	wk->n = 0;
	wk->poll = 0;
	wk->put = NULL;
}

static inline bool mp_wake_full(const struct mp_wake *wk)
{
	return wk->n >= MP_WAKE_MAX;
}

/* When a wait ends: never, unless @timed. */
struct mp_deadline {
	bool timed;
	ktime_t expires;
};

void mp_wake_add(struct mp_wake *wk, struct mp_waiter *w);
void mp_wake_flush(struct mp_mailbox *mb, struct mp_wake *wk);
void mp_wake_note_peer(struct pid **slot, struct mp_wake *wk);
/**
 * mp_deadline_init() - the deadline of a transfer's wait
 * @d: the deadline to set
 * @x: the transfer
 *
 * With MSGPORT_F_TIMEOUT, @d expires @x->timeout_ns from now (capped at
 * KTIME_MAX, the sum saturating); without it, @d is untimed and never
 * expires.
 *
 * Context: Any; takes no lock, does not sleep.
 */
static inline void mp_deadline_init(struct mp_deadline *d,
				    const struct mp_xfer *x)
{
	d->timed = x->flags & MSGPORT_F_TIMEOUT;
	if (d->timed) {
		u64 ns = min_t(u64, x->timeout_ns, KTIME_MAX);

		d->expires = ktime_add_safe(ktime_get(), ns_to_ktime(ns));
	}
}

/**
 * mp_wait_nowait_error() - the error of a transfer that must not wait
 * @x: the transfer
 *
 * The call must not sleep if it has MSGPORT_F_NONBLOCK or a zero timeout.
 *
 * Context: Any; takes no lock, does not sleep.
 * Return: -EAGAIN with MSGPORT_F_NONBLOCK, else -ETIMEDOUT with
 * MSGPORT_F_TIMEOUT and a zero timeout, else 0 (it may wait).
 */
static inline int mp_wait_nowait_error(const struct mp_xfer *x)
{
	if (x->flags & MSGPORT_F_NONBLOCK)
		return -EAGAIN;
	if ((x->flags & MSGPORT_F_TIMEOUT) && !x->timeout_ns)
		return -ETIMEDOUT;
	return 0;
}

/**
 * mp_wait_interrupted() - whether the current task's wait must end
 * @d: the wait's deadline
 *
 * Context: Called by the waiting task, with mb->lock held by its callers
 * (it takes none itself); does not sleep.
 * Return: -ERESTARTSYS if a signal is pending, else -ETIMEDOUT if @d is
 * timed and has passed, else 0.
 */
static inline int mp_wait_interrupted(const struct mp_deadline *d)
{
	if (signal_pending(current))
		return -ERESTARTSYS;
	if (d->timed && ktime_compare(ktime_get(), d->expires) >= 0)
		return -ETIMEDOUT;
	return 0;
}

void mp_wait_sleep_locked(struct mp_mailbox *mb, const struct mp_deadline *d)
	__must_hold(&mb->lock);
/* What a spinner waits for: true once it happened (read without locks). */
typedef bool (*mp_spin_done_t)(const void *arg);

bool mp_wait_spin(struct mp_mailbox *mb, struct pid *peer,
		  mp_spin_done_t done, const void *arg, ktime_t until)
	__must_hold(&mb->lock);
bool mp_wait_spin_copy(struct mp_mailbox *mb, struct pid *peer_pid,
		       mp_spin_done_t done, const void *arg);
/*
 * What the end of a spin for a receiver was worth (mp_wait_spin_receiver()):
 * the message could be written into the receiver that came; it could not
 * (it came as one that cannot take it so); or the spin was ended by
 * someone else's doing (another sender's message queued first or its claim
 * of the receiver, a receiver for another process's messages only, the
 * mailbox gone), which says nothing of whether such spins pay.
 */
enum mp_spin_end { MP_SPIN_WASTED, MP_SPIN_PAID, MP_SPIN_MOOT };
typedef enum mp_spin_end (*mp_spin_paid_t)(const void *arg);

bool mp_wait_spin_receiver(struct mp_mailbox *mb, mp_spin_done_t done,
			   mp_spin_paid_t paid, const void *arg, ktime_t until)
	__must_hold(&mb->lock);
bool mp_wait_spin_task(struct task_struct *task, mp_spin_done_t done,
		       const void *arg);
void mp_wait_step(struct mp_mailbox *mb, struct mp_waiter *w,
		  struct pid *peer, const struct mp_deadline *d,
		  struct mp_wake *wk, bool *spun)
	__must_hold(&mb->lock);
u32 mp_wait_wake_average(u32 avg, u64 lat);
void mp_wait_note_wake(struct mp_mailbox *mb, u64 woken_ns)
	__must_hold(&mb->lock);
int mp_wait_report_remaining(const struct mp_deadline *d, u64 __user *utimeout,
			     int ret);

/* queue.c (layer 4): all under mb->lock, but mp_queue_withdraw() */
/**
 * mp_queue_has_room() - whether a mailbox's queue has room for a message
 * @mb: the mailbox
 *
 * Context: Called with mb->lock held; does not sleep.
 * Return: True if @mb is unbounded (MSGPORT_CAPACITY_UNBOUNDED) or holds
 * fewer messages, queued or leased, than its capacity; never for a
 * rendezvous (capacity 0).
 */
static inline bool mp_queue_has_room(const struct mp_mailbox *mb)
{
	return mb->capacity == MSGPORT_CAPACITY_UNBOUNDED ||
	       mb->nmsgs + mb->nleased < mb->capacity;
}

/**
 * mp_queue_head() - the first queued message
 * @mb: the mailbox
 *
 * Context: Called with mb->lock held; does not sleep.
 * Return: The first message of the highest priority that has any (it stays
 * queued), or NULL if the queue is empty.
 */
static inline struct mp_msg *mp_queue_head(const struct mp_mailbox *mb)
{
	if (!mb->prio_map)
		return NULL;
	return list_first_entry(&mb->prio[__fls(mb->prio_map)],
				struct mp_msg, link);
}

struct mp_msg *mp_queue_first(const struct mp_mailbox *mb,
			      const struct pid *from);
struct mp_msg *mp_queue_first_call(struct mp_mailbox *mb);
bool mp_queue_rendezvous_ready(const struct mp_mailbox *mb);
void mp_queue_insert(struct mp_mailbox *mb, struct mp_msg *msg,
		     bool head, struct mp_wake *wk);
void mp_queue_unlink(struct mp_mailbox *mb, struct mp_msg *msg);
void mp_queue_remove(struct mp_mailbox *mb, struct mp_msg *msg,
		     struct mp_wake *wk);
/**
 * mp_queue_stamp_at() - accept a message at a given time
 * @mb: the mailbox
 * @msg: the message
 * @now: its send time, in ktime_get_ns() nanoseconds
 *
 * Gives @msg its sequence number (@mb's next) and time stamp @now: it is
 * now accepted, and counted as sent.
 *
 * Context: Called with mb->lock held; does not sleep.
 */
static inline void mp_queue_stamp_at(struct mp_mailbox *mb, struct mp_msg *msg,
				     u64 now)
{
	msg->seq = ++mb->next_seq;
	msg->send_time_ns = now;
	mb->sent++;
}

/**
 * mp_queue_stamp() - accept a message now
 * @mb: the mailbox
 * @msg: the message
 *
 * mp_queue_stamp_at() with the time now (ktime_get_ns()).
 *
 * Context: Called with mb->lock held; does not sleep.
 */
static inline void mp_queue_stamp(struct mp_mailbox *mb, struct mp_msg *msg)
{
	mp_queue_stamp_at(mb, msg, ktime_get_ns());
}

/* What a full DROP_OLD subscription drops (topic.c): the oldest of the lowest priority. */
static inline struct mp_msg *mp_queue_least(const struct mp_mailbox *mb)
{
	if (!mb->prio_map)
		return NULL;
	return list_first_entry(&mb->prio[__ffs(mb->prio_map)],
				struct mp_msg, link);
}

struct mp_waiter *mp_queue_waiter_for(const struct mp_mailbox *mb,
				      const struct pid *tgid)
	__must_hold(&mb->lock);
bool mp_queue_takes(const struct mp_mailbox *mb, const struct mp_waiter *w,
		    u32 prio, u32 len)
	__must_hold(&mb->lock);
struct mp_waiter *mp_queue_taker(struct mp_mailbox *mb,
				 const struct mp_msg *msg);
void mp_queue_handoff(struct mp_mailbox *mb, struct mp_waiter *w,
		      struct mp_msg *msg, struct mp_wake *wk);
void mp_queue_kick(struct mp_mailbox *mb, struct mp_wake *wk);
void mp_queue_deliver(struct mp_mailbox *mb, struct mp_msg *msg, bool head,
		      struct mp_wake *wk);
void mp_queue_take(struct mp_mailbox *mb, struct mp_msg *msg,
		   struct mp_wake *wk);
bool mp_queue_withdraw(struct mp_mailbox *mb,
		       struct mp_call *call);
void mp_queue_lease(struct mp_mailbox *mb, struct mp_msg *msg,
		    struct mp_wake *wk);
void mp_queue_unlease(struct mp_mailbox *mb, struct mp_msg *msg, bool back,
		      struct mp_wake *wk);

/*
 * The error of an operation on a destroyed mailbox: -EPIPE for an anonymous
 * one (its receivers are gone); -EIDRM for an unlinked mailbox; for a
 * closed inbox -ECONNRESET to those it was destroyed under (@waited) and
 * -ECONNREFUSED to later senders.
 */
static inline int mp_queue_dead_error(const struct mp_mailbox *mb,
				      bool waited)
{
	if (mb->anon)
		return -EPIPE;
	if (!mb->owner)
		return -EIDRM;
	return waited ? -ECONNRESET : -ECONNREFUSED;
}

/* direct.c (layer 5): a message written straight into a waiting receiver */

/*
 * The smallest message written straight into a waiting receiver: below a
 * page, a slab buffer and two copies cost less than pinning the receiver's
 * page and taking its mm's mmap_lock.
 */
#define MP_DIRECT_MIN	PAGE_SIZE

void mp_direct_dest_init(struct mp_direct_dest *dest,
			 const struct mp_xfer *x);
bool mp_direct_send(struct mp_mailbox *mb, struct mp_xfer *x);
void mp_direct_wait_filled(struct mp_mailbox *mb, struct mp_waiter *w,
			   struct mp_wake *wk);

/*
 * A receiver's copy of a large message out of kernel memory, which senders
 * may help with (direct.c, "Senders help receivers"): on the receiver's
 * stack, reachable through mb->out_job (mb->lock) while it copies.
 */
#define MP_OUT_GIVEN_BACK	4

/*
 * The tasks that help with a job (direct.c): counted, and the last to join
 * named, under mb->lock; @n dropped with release as one leaves.
 */
struct mp_helpers {
	unsigned int n;
	struct task_struct *last;	/* NULL, or one still in the job */
};

struct mp_out_job {
	const struct mp_msg *msg;
	struct pid *sender;		/* the message's: the one that may help */
	pid_t receiver;			/* its thread's global id (tracing) */
	struct mm_struct *dst_mm;	/* the receiver's */
	void __user *dst;
	u32 len;
	u32 unit;			/* bytes a side takes at a time */
	u32 units;
	atomic_t next;			/* the next unit to take */
	int error;			/* the receiver's copy faulted: WRITE_ONCE() */
	struct mp_helpers helpers;	/* senders in it */
	u32 nfailed;			/* units senders gave back: mb->lock */
	u32 failed[MP_OUT_GIVEN_BACK];	/* the first of them (more: all again) */
};

bool mp_direct_out_start(struct mp_mailbox *mb, struct mp_out_job *job,
			 const struct mp_msg *msg, const struct mp_xfer *x)
	__must_hold(&mb->lock);
int mp_direct_out_copy(struct mp_mailbox *mb, struct mp_out_job *job);
void mp_direct_help_out(struct mp_mailbox *mb, struct mp_xfer *x);

/* The making of a message timed (mp_direct_note_made()). */
struct mp_copy_clock {
	u64 start;
	unsigned long csw;		/* the sender's context switches */
};

void mp_direct_clock_start(struct mp_copy_clock *c);
void mp_direct_note_made(struct mp_mailbox *mb, u32 len,
			 const struct mp_copy_clock *c);

/* send.c (layer 5) */
int mp_send(struct mp_mailbox *mb, struct mp_xfer *x);
int mp_send_batch(struct mp_mailbox *mb, struct mp_xfer *xs,
		  unsigned int n);

/* recv.c (layer 5) */
long mp_recv(struct mp_mailbox *mb, struct mp_xfer *x);
long mp_recv_batch(struct mp_mailbox *mb, struct mp_xfer *xs,
		   unsigned int n);

/* lease.c (layer 5) */
struct mp_file;

void mp_lease_hold(struct mp_mailbox *mb, struct mp_file *mbf,
		   struct mp_msg *msg);
void mp_lease_putback(struct mp_mailbox *mb, struct mp_msg *msg);
int mp_lease_commit(struct mp_file *mbf, u64 seq, u32 flags, u32 error);
void mp_lease_release(struct mp_file *mbf);
void mp_leases_drop(struct mp_mailbox *mb);

/* mailbox.c (layer 6) */
struct mp_mailbox *mp_mailbox_alloc(void);
void mp_mailbox_free(struct mp_mailbox *mb);
void mp_mailbox_destroy(struct mp_mailbox *mb);
__poll_t mp_mailbox_poll(struct mp_mailbox *mb, struct file *file,
			 struct poll_table_struct *pt);
void mp_mailbox_stat(struct mp_mailbox *mb, struct msgport_stat *st);
int mp_mailbox_set_mode(struct mp_mailbox *mb, u32 mode);
void mp_mailbox_receiver_opened(struct mp_mailbox *mb);
void mp_mailbox_receiver_closed(struct mp_mailbox *mb);
void mp_mailbox_sender_opened(struct mp_mailbox *mb);
void mp_mailbox_sender_closed(struct mp_mailbox *mb);
void mp_mailbox_put(struct mp_mailbox *mb);
bool mp_mailbox_is_owner(const struct mp_mailbox *mb);

/* registry.c (layer 7) */
extern struct mutex mp_registry_lock;

struct list_head *mp_registry_list_locked(void);
void mp_registry_counts(unsigned int *all, unsigned int *anon);
struct mp_mailbox *mp_registry_open(const struct msgport_open *op,
				    const char *name, int create_err,
				    bool *created);
void mp_registry_open_failed(struct mp_mailbox *mb, bool created, u32 access);
struct mp_mailbox *mp_registry_create_anon(const struct msgport_open *op);
void mp_registry_dup(struct mp_mailbox *mb, u32 access);
int mp_registry_unlink(const char *name, u32 name_len);
void mp_registry_release(struct mp_mailbox *mb, u32 access);
void mp_registry_exit(void);

/* inbox.c (layer 7) */
struct mp_mailbox *mp_inbox_create(const struct msgport_inbox *in);
long mp_ioc_send_pid(struct msgport_send_pid __user *u);
struct mp_mailbox *mp_inbox_get(pid_t nr);
struct pid *mp_get_tgid(pid_t nr);
void mp_inbox_flush(struct file *file, struct mp_mailbox *mb);
void mp_inbox_release(struct mp_mailbox *mb);

/* topic.c (layer 7) */
struct mp_mailbox *mp_topic_subscribe(struct mp_mailbox *topic, u32 capacity,
				      u32 policy);
struct mp_mailbox *mp_topic_unsubscribe(struct mp_mailbox *sub);
void mp_topic_destroy(struct mp_mailbox *topic);
int mp_topic_publish(struct mp_mailbox *mb, struct mp_xfer *x);
__poll_t mp_topic_poll(struct mp_mailbox *mb, struct file *file,
		       struct poll_table_struct *pt);
/* Whether a send on @mb publishes (a topic, or a subscription of one). */
static inline bool mp_topic_of(const struct mp_mailbox *mb)
{
	return mb->is_topic || mb->sub_of;
}

/*
 * rpc.c (layer 8).  The hooks (see the top), called by the message layers:
 * a request's message made (bind), freed (put), described (token), and,
 * under mb->lock, found queued, taken, put back or failed; then, without
 * the lock, claimed by its receiver and failed with its mailbox.
 */
void mp_call_bind(struct mp_call *call, struct mp_msg *msg);
void mp_call_put(struct mp_call *call);
u64 mp_call_token(const struct mp_call *call);
/* Under mb->lock: */
struct mp_msg *mp_call_request(const struct mp_call *call);
void mp_call_taken(struct mp_call *call);
bool mp_call_requeue(struct mp_call *call, struct mp_msg *msg);
void mp_call_fail(struct mp_call *call, int err);
/* Not under mb->lock: */
void mp_call_claim(struct mp_mailbox *mb, struct mp_call *call,
		   struct mp_file *mbf);
void mp_calls_destroy(struct mp_mailbox *mb);
void mp_calls_release(struct mp_file *mbf);
long mp_ioc_call(struct mp_file *mbf,
		 struct msgport_call __user *u, bool grown);
long mp_ioc_call_pid(struct msgport_call __user *u);
int mp_call_reply(struct mp_file *mbf, const struct msgport_reply *r);

/* mailbox_file.c (layer 9) */
extern const struct file_operations mp_file_fops;

/* A mailbox descriptor's private data: fixed for the file's life. */
struct mp_file {
	struct mp_mailbox *mb;		/* one reference, until release */
	u32 access;			/* MSGPORT_O_RECV | MSGPORT_O_SEND */
	bool publish;			/* a topic's, or a subscription: sends publish */
	struct mp_quota *quota;		/* with O_SEND: the opener's record */
	/*
	 * Its leases (lease.c), under mb->lock: by seq (msg->snode), newest
	 * first (msg->link); on mb->lease_files while it has any.
	 */
	struct rb_root leases;
	struct list_head lease_list;
	struct list_head lease_link;
};

/* A descriptor being made: mp_file_prepare(), then _install() or _abort(). */
struct mp_file_slot {
	int fd;
	int fflags;
	struct mp_file *mbf;
};

int mp_file_flags(u32 flags);
int mp_file_prepare(struct mp_file_slot *slot, u32 access, int fflags);
int mp_file_install(struct mp_file_slot *slot, struct mp_mailbox *mb,
		    const char *name);
void mp_file_abort(struct mp_file_slot *slot);

/* procfs.c (layer 9) */
int mp_procfs_init(void);
void mp_procfs_exit(void);

/* main.c (layer 10) */
int mp_ctl_open(const struct msgport_open *op, const char *name,
		int create_err);
int mp_ctl_open_anon(const struct msgport_open *op);

#endif /* _MSGPORT_INTERNAL_H */
