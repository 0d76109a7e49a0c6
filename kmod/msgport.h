/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport: declarations shared by the module's files.
 *
 * Who owns what (each file's top comment has the details):
 *   main.c          module parameters, /dev/msgport and its ioctls, init/exit
 *   registry.c      the name table (registry mutex), open/create/unlink,
 *                   mailbox lifetime (kref), ephemeral mailboxes
 *   mailbox.c       one mailbox's queue and waiters (mailbox spinlock):
 *                   send, receive, withdrawal, destruction, poll, stat
 *   mailbox_file.c  the mailbox descriptor: ioctls, read, write, poll, release
 *   user_quota.c    queued payload and region bytes per euid (max_user_bytes)
 *   region.c        a mailbox's shared region: pages, mmap, span copies
 *   inbox.c         per-process inboxes (inbox table lock): open, send to
 *                   a pid, owner close/exit
 *   rpc.c           calls and replies: call records, tokens, claims
 *   msg_stash.c     a mailbox's spare small-message buffers
 *   compat.h        what differs between the kernels msgport builds for
 *   procfs.c        /proc/msgport
 *   objects.c       live object counters (debugfs msgport/objects)
 *
 * What msgport_kunit.ko (msgport_kunit.c, built for kernels with KUnit)
 * tests is exported next to its definition with EXPORT_SYMBOL_NS_GPL(...,
 * MSGPORT_TEST_NS), the namespace MSGPORT_KUNIT (compat.h spells it for each
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
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>

#include <linux/msgport.h>

#include "compat.h"

struct file;
struct msgport_rpc;
struct pid;
struct poll_table_struct;
struct seq_file;
struct task_struct;

/* Module parameters (main.c); read with READ_ONCE(). */
extern unsigned int msgport_max_mailboxes;
extern unsigned int msgport_max_msg_size;
extern unsigned int msgport_default_msg_size;
extern unsigned long msgport_max_user_bytes;
extern unsigned long msgport_max_region_size;
extern unsigned long msgport_spin_ns;

#define MSGPORT_NR_PRIO		(MSGPORT_PRIO_MAX + 1)

/*
 * Is @name (@len bytes, not NUL-terminated) a valid mailbox name?  0 if so;
 * -ENAMETOOLONG past MSGPORT_NAME_MAX; -EINVAL if empty or not printable
 * ASCII without '/'.  Pure, for unit tests (main.c applies it to every name).
 */
static inline int msgport_name_check(const char *name, u32 len)
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

/* Per-euid queued payload bytes (user_quota.c). */
struct msgport_quota;

int msgport_quota_charge(size_t len, struct msgport_quota **quotap);
int msgport_quota_charge_held(size_t len, struct msgport_quota *held,
			      struct msgport_quota **quotap);
int msgport_quota_charge_many(size_t len, unsigned int refs,
			      struct msgport_quota *held,
			      struct msgport_quota **quotap);
void msgport_quota_uncharge(struct msgport_quota *quota, size_t len);
void msgport_quota_uncharge_many(struct msgport_quota *quota, size_t len,
				 unsigned int refs);
struct msgport_quota *msgport_quota_hold(void);
void msgport_quota_drop(struct msgport_quota *quota);
void msgport_quota_exit(void);

/*
 * A message.  Owned by exactly one of: the sender that allocated it, a
 * mailbox queue (on mailbox->prio[]), a sender waiting for room (through its
 * waiter), or a receiver (after dequeue or hand-off).  @ref only matters
 * while a peeking receiver copies a queued message outside the lock.
 */
struct msgport_msg {
	struct list_head link;		/* mailbox->prio[prio], under mb->lock */
	struct msgport_waiter *sync;	/* sender waiting for a receipt, or NULL */
	struct msgport_quota *quota;	/* charged for @len bytes */
	struct pid *tgid;		/* sender, translated at receive */
	struct pid *tid;		/* NULL: the same as @tgid */
	u64 seq;
	u64 send_time_ns;
	kuid_t euid;
	kgid_t egid;
	u32 prio;
	u32 len;			/* payload bytes in @data */
	u32 span_len;			/* @span: bytes of the region it refers to */
	bool span;			/* a span of the region, no payload */
	u64 span_off;
	struct msgport_rpc *call;	/* a call's request (holds a call ref) */
	refcount_t ref;
	char data[];
};

/*
 * A task sleeping on a mailbox (on the sleeper's stack).  Wakers change
 * @state and unlink it under mb->lock, then wake @task only after dropping the
 * lock, through a task reference (never touching the waiter again).
 */
enum msgport_wstate {
	MSGPORT_W_WAITING,	/* in mb->recv_waiters or mb->send_waiters */
	MSGPORT_W_QUEUED,	/* sync sender: message queued, awaiting receipt */
	MSGPORT_W_READY,	/* receiver: @msg handed over; sender: admitted/taken */
	MSGPORT_W_RETRY,	/* receiver: look at the queue again */
	MSGPORT_W_IDRM,		/* the mailbox was destroyed */
	MSGPORT_W_RESET,	/* sync sender of a call: no receiver left */
};

struct msgport_waiter {
	struct list_head link;
	struct task_struct *task;
	struct msgport_msg *msg;	/* sender: its message; receiver: handed */
	enum msgport_wstate state;
	u32 buf_len;			/* receiver: buffer size */
	bool take;			/* receiver: not a peek */
	bool trunc;			/* receiver: accepts truncation */
	bool span;			/* receiver: takes spans by reference */
	bool sync;			/* sender: wants a receipt */
	bool spinning;			/* in spin_on_peer(): needs no wake-up */
	struct pid *from;		/* receiver: only messages of this sender */
	u64 seq;			/* sender: the message's sequence number */
	u64 woken_ns;			/* when a waker queued its wake-up, or 0 */
};

/*
 * Spare buffers for small messages (msg_stash.c): messages of up to
 * MSGPORT_STASH_BUF bytes, header included, get buffers of that size, and
 * up to MSGPORT_STASH_MAX of them wait in a mailbox for its next sends.
 * None with KASAN: a stashed buffer is a live object to it, so a use after
 * free of a message would go unseen (the debug lane's KUnit test covers
 * the stash with a stash of its own).
 */
#define MSGPORT_STASH_BUF	256
#define MSGPORT_STASH_MAX	(IS_ENABLED(CONFIG_KASAN) ? 0 : 32)

struct msgport_stash {
	struct llist_head free;
	atomic_t count;			/* >= buffers in @free */
	unsigned int max;
	spinlock_t take_lock;		/* one taker at a time (llist rule) */
};

struct msgport_mailbox {
	/* Queue state, all under @lock. */
	spinlock_t lock;
	unsigned long prio_map;		/* bit p set: prio[p] not empty */
	struct list_head prio[MSGPORT_NR_PRIO];
	struct list_head recv_waiters;	/* FIFO of struct msgport_waiter */
	struct list_head send_waiters;	/* FIFO: senders waiting for room */
	u32 nmsgs;
	u32 wsend;			/* senders sleeping (room or receipt) */
	u32 wrecv;			/* receivers sleeping */
	bool dead;			/* destroyed: -EIDRM from now on */
	u64 bytes;
	u64 next_seq;
	u64 sent;
	u64 received;
	u64 dropped;
	struct rb_root calls;		/* claimed calls by token (rpc.c) */
	u32 ncalls;
	u32 nreceivers;			/* open descriptors that may receive */
	struct pid *last_sender;	/* a thread, referenced: a waiter's peer */
	struct pid *last_receiver;
	wait_queue_head_t poll_wq;

	/* Spare small-message buffers: msg_stash.c's own locking. */
	struct msgport_stash stash;

	/* Registry state, under msgport_registry_lock. */
	struct hlist_node hnode;	/* name hash, while linked */
	struct list_head node;		/* creation order, while linked */
	unsigned int nfiles;		/* open descriptors */
	bool linked;

	struct kref ref;		/* name table (while linked) + each file */

	/* Fixed at creation (mode: WRITE_ONCE under mb->lock). */
	struct msgport_region *region;	/* shared region or NULL (region.c) */
	u32 capacity;
	u32 max_msg_size;
	u32 mode;
	kuid_t uid;
	kgid_t gid;
	bool ephemeral;
	u32 name_len;
	char name[MSGPORT_NAME_MAX + 1];

	/* An inbox (inbox.c): its process, and the inbox table's link. */
	struct pid *owner;		/* NULL for a named mailbox */
	struct hlist_node inbox_link;	/* under msgport_inbox_lock */
};

/* msg_stash.c */
void msgport_stash_init(struct msgport_stash *st, unsigned int max);
void *msgport_stash_alloc(struct msgport_stash *st, size_t size, gfp_t gfp);
unsigned int msgport_stash_take(struct msgport_stash *st, void **bufs,
				unsigned int n);
void msgport_stash_free(struct msgport_stash *st, void *buf, size_t size);
void msgport_stash_give(struct msgport_stash *st, void **bufs, unsigned int n);
void msgport_stash_drain(struct msgport_stash *st);

/* mailbox.c */
struct msgport_mailbox *msgport_mailbox_alloc(void);
void msgport_mailbox_free(struct msgport_mailbox *mb);
void msgport_mailbox_destroy(struct msgport_mailbox *mb);

struct msgport_xfer {
	void __user *buf;
	u32 len;			/* send: payload; recv: buffer size */
	u32 flags;			/* MSGPORT_F_* */
	u32 prio;			/* send */
	u64 timeout_ns;			/* with MSGPORT_F_TIMEOUT */
	u64 __user *utimeout;		/* where to write the remaining time */
	u64 seq;			/* send: out */
	struct msgport_msginfo __user *uinfo;	/* recv: metadata, or NULL */
	u64 span_off;			/* send with MSGPORT_F_SPAN: the span */
	u32 span_len;
	struct pid *from;		/* recv with MSGPORT_F_FROM: the sender */
	struct msgport_rpc *call;	/* send: the message is this call's request */
	struct msgport_mbfile *mbf;	/* recv: the descriptor (claims calls) */
	struct msgport_quota *quota;	/* send: the descriptor's, or NULL */
};

int msgport_send(struct msgport_mailbox *mb, struct msgport_xfer *x);
#define MSGPORT_SEND_BATCH_CHUNK	8
int msgport_send_batch(struct msgport_mailbox *mb, struct msgport_xfer *xs,
		       unsigned int n);
#define MSGPORT_RECV_BATCH_CHUNK	8
long msgport_recv_batch(struct msgport_mailbox *mb, struct msgport_xfer *xs,
			unsigned int n);
long msgport_recv(struct msgport_mailbox *mb, struct msgport_xfer *x);
__poll_t msgport_mailbox_poll(struct msgport_mailbox *mb, struct file *file,
			      struct poll_table_struct *pt);
void msgport_mailbox_stat(struct msgport_mailbox *mb, struct msgport_stat *st);
int msgport_mailbox_set_mode(struct msgport_mailbox *mb, u32 mode);
int msgport_dead_error(const struct msgport_mailbox *mb, bool waited);
bool msgport_spin_on_peer(struct msgport_mailbox *mb, struct pid *peer,
			  bool (*done)(const void *arg), const void *arg,
			  ktime_t until);
void msgport_note_wake(u64 woken_ns);
struct msgport_msg *msgport_msg_new(const struct msgport_xfer *x);
void msgport_msg_put(struct msgport_msg *msg);
void msgport_msg_info(const struct msgport_msg *msg,
		      struct msgport_msginfo *info);
bool msgport_mailbox_withdraw(struct msgport_mailbox *mb,
			      struct msgport_rpc *call);
void msgport_mailbox_receiver_opened(struct msgport_mailbox *mb);
void msgport_mailbox_receiver_closed(struct msgport_mailbox *mb);

/* rpc.c: called by mailbox.c under mb->lock unless said otherwise */
void msgport_call_bind(struct msgport_rpc *call, struct msgport_msg *msg);
void msgport_call_put(struct msgport_rpc *call);
u64 msgport_call_token(const struct msgport_rpc *call);
struct msgport_msg *msgport_call_request(const struct msgport_rpc *call);
void msgport_call_taken(struct msgport_rpc *call);
bool msgport_call_requeue(struct msgport_rpc *call, struct msgport_msg *msg);
void msgport_call_fail(struct msgport_rpc *call, int err);
/* Not under mb->lock: */
void msgport_call_claim(struct msgport_mailbox *mb, struct msgport_rpc *call,
			struct msgport_mbfile *mbf);
void msgport_calls_destroy(struct msgport_mailbox *mb);
void msgport_calls_release(struct msgport_mbfile *mbf);
long msgport_ioc_call(struct msgport_mbfile *mbf,
		      struct msgport_call __user *u);
long msgport_ioc_call_pid(struct msgport_call __user *u);
int msgport_reply(struct msgport_mbfile *mbf, const struct msgport_reply *r);

/* inbox.c */
long msgport_ioc_inbox(struct msgport_inbox __user *u);
long msgport_ioc_send_pid(struct msgport_send_pid __user *u);
struct msgport_mailbox *msgport_inbox_get(pid_t nr);
struct pid *msgport_get_tgid(pid_t nr);
void msgport_inbox_flush(struct file *file, struct msgport_mailbox *mb);
void msgport_inbox_release(struct msgport_mailbox *mb);

/* registry.c */
extern struct mutex msgport_registry_lock;
extern struct list_head msgport_mailboxes;

int msgport_mailbox_open(const struct msgport_open *op, const char *name,
			 int create_err);
int msgport_mailbox_unlink(const char *name, u32 name_len);
void msgport_mailbox_release(struct msgport_mailbox *mb);
void msgport_mailbox_put(struct msgport_mailbox *mb);
bool msgport_mailbox_is_owner(const struct msgport_mailbox *mb);
void msgport_registry_exit(void);

/* region.c */
struct vm_area_struct;

/*
 * Is the span [@off, @off + @len) of a region of @region_size bytes valid?
 * 0 if so; -EINVAL for an empty span; -ERANGE if it does not lie inside
 * the region (overflow-safe).  Pure, for unit tests.
 */
static inline int msgport_span_check(u64 region_size, u64 off, u64 len)
{
	if (!len)
		return -EINVAL;
	if (off >= region_size || len > region_size - off)
		return -ERANGE;
	return 0;
}

int msgport_region_create(struct msgport_mailbox *mb, u64 size);
void msgport_region_free(struct msgport_mailbox *mb);
int msgport_region_mmap(struct msgport_mailbox *mb, u32 access,
			struct vm_area_struct *vma);
int msgport_span_validate(struct msgport_mailbox *mb, u64 off, u64 len);
int msgport_region_copy_to_user(struct msgport_mailbox *mb, void __user *dst,
				u64 off, u32 len);
u64 msgport_region_size(const struct msgport_mailbox *mb);
u64 msgport_region_maps(const struct msgport_mailbox *mb);
int msgport_region_wait(struct msgport_mailbox *mb,
			const struct msgport_region_wait *w,
			u64 __user *utimeout);
int msgport_region_wake(struct msgport_mailbox *mb);

/* mailbox_file.c */
extern const struct file_operations msgport_mailbox_fops;

struct msgport_mbfile {
	struct msgport_mailbox *mb;
	u32 access;			/* MSGPORT_O_RECV | MSGPORT_O_SEND */
	struct msgport_quota *quota;	/* with O_SEND: the opener's record */
};

/* procfs.c */
int msgport_procfs_init(void);
void msgport_procfs_exit(void);

/* objects.c */
struct msgport_objects {
	atomic_long_t mailboxes;
	atomic_long_t files;
	atomic_long_t regions;		/* allocated regions */
	atomic_long_t region_bytes;	/* their pages' bytes */
	atomic_long_t region_maps;	/* VMAs mapping a region */
	atomic_long_t calls;		/* call records (rpc.c) */
};

extern struct msgport_objects msgport_objects;

/*
 * Messages and their payload bytes: per-CPU counts (a message is counted
 * on the CPU that makes it and uncounted on the one that frees it, so the
 * hot path shares no cache line); the sums are exact when nothing moves.
 */
void msgport_objects_msg_add(long messages, long bytes);
long msgport_objects_messages(void);
long msgport_objects_bytes(void);

void msgport_objects_init(void);
void msgport_objects_exit(void);

#endif /* _MSGPORT_INTERNAL_H */
