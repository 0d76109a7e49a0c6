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
 *   user_quota.c    queued payload bytes per sending euid (max_user_bytes)
 *   procfs.c        /proc/msgport
 *   objects.c       live object counters (debugfs msgport/objects)
 */
#ifndef _MSGPORT_INTERNAL_H
#define _MSGPORT_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>

#include <linux/msgport.h>

struct file;
struct pid;
struct poll_table_struct;
struct seq_file;
struct task_struct;

/* Module parameters (main.c); read with READ_ONCE(). */
extern unsigned int msgport_max_mailboxes;
extern unsigned int msgport_max_msg_size;
extern unsigned int msgport_default_msg_size;
extern unsigned long msgport_max_user_bytes;

#define MSGPORT_NR_PRIO		(MSGPORT_PRIO_MAX + 1)

/* Per-euid queued payload bytes (user_quota.c). */
struct msgport_quota;

int msgport_quota_charge(size_t len, struct msgport_quota **quotap);
void msgport_quota_uncharge(struct msgport_quota *quota, size_t len);
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
	struct pid *tid;
	u64 seq;
	u64 send_time_ns;
	kuid_t euid;
	kgid_t egid;
	u32 prio;
	u32 len;
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
};

struct msgport_waiter {
	struct list_head link;
	struct task_struct *task;
	struct msgport_msg *msg;	/* sender: its message; receiver: handed */
	enum msgport_wstate state;
	u32 buf_len;			/* receiver: buffer size */
	bool take;			/* receiver: not a peek */
	bool trunc;			/* receiver: accepts truncation */
	bool sync;			/* sender: wants a receipt */
	u64 seq;			/* sender: the message's sequence number */
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
	wait_queue_head_t poll_wq;

	/* Registry state, under msgport_registry_lock. */
	struct hlist_node hnode;	/* name hash, while linked */
	struct list_head node;		/* creation order, while linked */
	unsigned int nfiles;		/* open descriptors */
	bool linked;

	struct kref ref;		/* name table (while linked) + each file */

	/* Fixed at creation (mode: WRITE_ONCE under mb->lock). */
	u32 capacity;
	u32 max_msg_size;
	u32 mode;
	kuid_t uid;
	kgid_t gid;
	bool ephemeral;
	u32 name_len;
	char name[MSGPORT_NAME_MAX + 1];
};

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
};

int msgport_send(struct msgport_mailbox *mb, struct msgport_xfer *x);
long msgport_recv(struct msgport_mailbox *mb, struct msgport_xfer *x);
__poll_t msgport_mailbox_poll(struct msgport_mailbox *mb, struct file *file,
			      struct poll_table_struct *pt);
void msgport_mailbox_stat(struct msgport_mailbox *mb, struct msgport_stat *st);
int msgport_mailbox_set_mode(struct msgport_mailbox *mb, u32 mode);

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

/* mailbox_file.c */
extern const struct file_operations msgport_mailbox_fops;

struct msgport_mbfile {
	struct msgport_mailbox *mb;
	u32 access;			/* MSGPORT_O_RECV | MSGPORT_O_SEND */
};

/* procfs.c */
int msgport_procfs_init(void);
void msgport_procfs_exit(void);

/* objects.c */
struct msgport_objects {
	atomic_long_t mailboxes;
	atomic_long_t messages;
	atomic_long_t bytes;
	atomic_long_t files;
};

extern struct msgport_objects msgport_objects;

void msgport_objects_init(void);
void msgport_objects_exit(void);

#endif /* _MSGPORT_INTERNAL_H */
