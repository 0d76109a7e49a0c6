// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: per-process inboxes, and sending to a process by pid.
 *
 * An inbox is an unnamed mailbox (mailbox.c: all of its queueing, blocking,
 * receipts, priorities, metadata, poll and stat) with an owner: the thread
 * group of the process that opened it, held as a struct pid (mb->owner),
 * never as a number.  Senders name a pid in their own pid namespace; it is
 * resolved to the live process's struct pid and looked up by identity, so a
 * process that later reuses the number (a new struct pid) can never see a
 * dead process's inbox or mail; besides, the inbox normally leaves the table
 * at exit, before its owner can even be reaped, and its messages die with it.
 *
 * Locking
 *   mp_inbox_lock (spinlock) protects the inbox table: the hash of
 *   inboxes by owner and each inbox's @inbox_link.  Lookups take a mailbox
 *   reference under it.  It is a leaf lock: never held with another msgport
 *   lock, and mailbox destruction happens after dropping it.
 *   An owner's flush looks at its threads' descriptor tables under RCU
 *   (the thread list), each thread's task_lock() (its ->files) and that
 *   table's file_lock (iterate_fd()), the order /proc/PID/fdinfo takes
 *   them in; no msgport lock is held meanwhile.
 *
 * Lifetimes
 *   The inbox's descriptor holds the mailbox's only long-lived reference
 *   (kref_init's); senders hold one for the duration of a send or call.
 *   The table holds none: an inbox leaves the table, and is destroyed
 *   (mailbox.c: blocked senders and callers wake with -ECONNRESET, queued
 *   messages are dropped and counted, claimed calls fail), when
 *    - its owner closes its last descriptor of it: close(2), exit (the
 *      descriptor table closes at exit) or exec with close-on-exec.  The
 *      descriptor's ->flush runs in the closing task; the inbox closes if
 *      that task belongs to the owner and no thread of the owner still has
 *      a descriptor of the file in its table (dup(2) keeps it open).  Only
 *      the tables the owner's threads hold count: a table being closed
 *      whole (the last thread's exit, unshare(CLONE_FILES)) has been
 *      detached from its task before its files are flushed, on every
 *      kernel, whether or not the kernel cleared the closing descriptor's
 *      slot first (6.12 did at exit, 7.x does not; compat.h).  A table
 *      shared with another process (clone(CLONE_FILES) without a thread)
 *      outlives the owner's exit and is closed by a task that is not the
 *      owner: the inbox closes at the owner's exit all the same, below.  A
 *      table being copied for a new thread (clone without CLONE_FILES,
 *      unshare) is not any thread's yet: a close by another thread
 *      meanwhile may close the inbox although the copy will hold it, a race
 *      only a program racing its own threads meets;
 *    - the owner's process is gone: the inbox waits on the owner's struct
 *      pid (its wait_pidfd, which the kernel wakes when the process has
 *      exited, for pidfd pollers), and a work item closes it; the watch is
 *      taken down at the file's ->release, which waits for that work;
 *    - or the file's last reference goes (->release), wherever that is: a
 *      forked child holding the inherited descriptor keeps the file, and
 *      can receive from it, but does not own the inbox and cannot keep it
 *      open after its owner closed it.
 *   Later sends find no inbox: -ECONNREFUSED.  One inbox per process: while
 *   the owner's inbox is in the table, another MSGPORT_IOC_INBOX gets
 *   -EEXIST.  A forked child is another thread group: it may open its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "msgport.h"

#define MP_INBOX_BITS	8

static DEFINE_SPINLOCK(mp_inbox_lock);
static DEFINE_HASHTABLE(mp_inboxes, MP_INBOX_BITS);

static struct mp_mailbox *inbox_find_locked(const struct pid *owner)
{
	struct mp_mailbox *mb;

	hash_for_each_possible(mp_inboxes, mb, inbox_link,
			       (unsigned long)owner) {
		if (mb->owner == owner)
			return mb;
	}
	return NULL;
}

/**
 * mp_get_tgid() - the thread group of a task, by number
 * @nr: a process or thread id in the caller's pid namespace
 *
 * The thread group of the task @nr names (a thread id names its process).
 *
 * Context: Process context (the current pid namespace).  Does not sleep; takes
 * the RCU read lock.
 *
 * Return: the thread group's struct pid, with a reference (put_pid() drops it),
 * or NULL if no task has that id.
 */
struct pid *mp_get_tgid(pid_t nr)
{
	struct task_struct *task;
	struct pid *tgid = NULL;

	rcu_read_lock();
	task = pid_task(find_vpid(nr), PIDTYPE_PID);
	if (task)
		tgid = get_pid(task_tgid(task));
	rcu_read_unlock();
	return tgid;
}

/*
 * May the current task send to @mb?  The owner's euid always may, as may
 * CAP_IPC_OWNER; others need the group or other write bit of its mode.
 */
static bool may_send(const struct mp_mailbox *mb)
{
	u32 mode = READ_ONCE(mb->mode);

	if (uid_eq(current_euid(), mb->uid))
		return true;
	if (in_group_p(mb->gid) ? (mode & 0020) : (mode & 0002))
		return true;
	return ns_capable(mb->user_ns, CAP_IPC_OWNER);
}

/*
 * May the current task learn whether process @tgid has an inbox?  If it
 * could signal the process (kill(2)'s rule: its uid or euid is the
 * process's uid or saved uid), or with CAP_IPC_OWNER; to others a process
 * without an inbox looks like one they may not send to (-EACCES), so that
 * nobody can probe which processes have inboxes.
 */
static bool may_know(struct pid *tgid)
{
	const struct cred *cred = current_cred(), *tcred;
	struct task_struct *task;
	bool same = false;

	rcu_read_lock();
	task = pid_task(tgid, PIDTYPE_TGID);
	if (task) {
		tcred = __task_cred(task);
		same = uid_eq(cred->euid, tcred->suid) ||
		       uid_eq(cred->euid, tcred->uid) ||
		       uid_eq(cred->uid, tcred->suid) ||
		       uid_eq(cred->uid, tcred->uid);
	}
	rcu_read_unlock();
	return same || capable(CAP_IPC_OWNER);
}

/**
 * mp_inbox_get() - the inbox of a process, for a send
 * @nr: the process, or one of its threads, in the caller's pid namespace
 *
 * Resolves @nr to the live process's struct pid and looks its inbox up by that
 * identity, so a process that later reuses the number never gets a dead
 * process's inbox.  The euid the inbox was created with (its uid) may always
 * send to it, as may CAP_IPC_OWNER; others need the group or other write bit of
 * its mode.
 *
 * Context: Process context, no msgport lock held.  May sleep (dropping the
 * reference on -EACCES may free the inbox).  Takes and releases mp_inbox_lock.
 *
 * Return: the inbox, with a reference (mp_mailbox_put() drops it), if the
 * caller may send to it; else ERR_PTR(-EINVAL) if @nr is not positive, -ESRCH
 * if no task has that id, -ECONNREFUSED if the process has no inbox open and
 * the caller may know it (it could signal the process, or has
 * CAP_IPC_OWNER), or -EACCES (no right to send to the inbox, or to know
 * whether there is one).
 */
struct mp_mailbox *mp_inbox_get(pid_t nr)
{
	struct mp_mailbox *mb;
	struct pid *tgid;

	if (nr <= 0)
		return ERR_PTR(-EINVAL);
	tgid = mp_get_tgid(nr);
	if (!tgid)
		return ERR_PTR(-ESRCH);
	spin_lock(&mp_inbox_lock);
	mb = inbox_find_locked(tgid);
	if (mb)
		kref_get(&mb->ref);
	spin_unlock(&mp_inbox_lock);
	if (!mb) {
		/* Only those who could signal it learn it has no inbox. */
		mb = ERR_PTR(may_know(tgid) ? -ECONNREFUSED : -EACCES);
		put_pid(tgid);
		return mb;
	}
	put_pid(tgid);
	if (!may_send(mb)) {
		mp_mailbox_put(mb);
		return ERR_PTR(-EACCES);
	}
	return mb;
}

/* Take the inbox out of the table, then destroy it; once only. */
static void inbox_close(struct mp_mailbox *mb)
{
	bool linked;

	spin_lock(&mp_inbox_lock);
	linked = !hlist_unhashed(&mb->inbox_link);
	if (linked)
		hash_del(&mb->inbox_link);
	spin_unlock(&mp_inbox_lock);
	if (linked)
		mp_mailbox_destroy(mb);
}

/*
 * Is the owner gone: no task left in its thread group, or only its leader,
 * a zombie?
 */
static bool owner_gone(struct pid *owner)
{
	struct task_struct *task;
	bool gone;

	rcu_read_lock();
	task = pid_task(owner, PIDTYPE_TGID);
	gone = !task || (READ_ONCE(task->exit_state) && thread_group_empty(task));
	rcu_read_unlock();
	return gone;
}

static void owner_exit_work(struct work_struct *work)
{
	struct mp_mailbox *mb = container_of(work, struct mp_mailbox,
					     owner_exit_work);

	if (owner_gone(mb->owner))
		inbox_close(mb);
}

/*
 * The owner's struct pid is woken when its process is gone (do_notify_pidfd(),
 * the wake-up pidfd pollers get, at every kernel msgport builds for); under
 * the wait queue's lock: the closing is left to a work item.  Other wake-ups
 * (a thread's exit on newer kernels) only make the work look and find the
 * owner alive.
 */
static int owner_exit_wake(struct wait_queue_entry *wait, unsigned int mode,
			   int flags, void *key)
{
	struct mp_mailbox *mb = container_of(wait, struct mp_mailbox,
					     owner_exit);

	schedule_work(&mb->owner_exit_work);
	return 0;
}

/**
 * mp_inbox_create() - open the current process's inbox
 * @in: the MSGPORT_IOC_INBOX request, checked by the caller
 *
 * A new inbox of the current process (its thread group, held as a struct pid),
 * with the capacity, maximum message size and mode @in gives and the current
 * euid and egid, entered in the inbox table: its first reference, for its
 * descriptor.  If the descriptor cannot be made, mp_inbox_release() closes it
 * again.
 *
 * Context: Process context, no msgport lock held.  May sleep.  Takes and
 * releases mp_inbox_lock.
 *
 * Return: the inbox, or ERR_PTR(-EEXIST) if the process has one open, or
 * mp_mailbox_alloc()'s ERR_PTR(-ENOMEM) or ERR_PTR(-EDQUOT).
 */
struct mp_mailbox *mp_inbox_create(const struct msgport_inbox *in)
{
	struct mp_mailbox *mb;
	int ret = 0;

	mb = mp_mailbox_alloc();
	if (IS_ERR(mb))
		return mb;
	mb->capacity = in->capacity;
	mb->max_msg_size = in->max_msg_size;
	mb->mode = in->mode;
	mb->uid = current_euid();
	mb->gid = current_egid();
	mb->owner = get_task_pid(current, PIDTYPE_TGID);
	INIT_HLIST_NODE(&mb->inbox_link);

	spin_lock(&mp_inbox_lock);
	if (inbox_find_locked(mb->owner))
		ret = -EEXIST;
	else
		hash_add(mp_inboxes, &mb->inbox_link, (unsigned long)mb->owner);
	spin_unlock(&mp_inbox_lock);
	if (ret) {
		mp_mailbox_put(mb);
		return ERR_PTR(ret);
	}
	/* Its owner's exit closes it, whoever else shares its descriptors. */
	INIT_WORK(&mb->owner_exit_work, owner_exit_work);
	init_waitqueue_func_entry(&mb->owner_exit, owner_exit_wake);
	add_wait_queue(&mb->owner->wait_pidfd, &mb->owner_exit);
	mb->watching = true;
	return mb;
}

/**
 * mp_ioc_send_pid() - MSGPORT_IOC_SEND_PID: send a message to a process's inbox
 * @u: the caller's struct msgport_send_pid
 *
 * Checks the request (reserved fields 0; flags only MSGPORT_F_NONBLOCK,
 * MSGPORT_F_TIMEOUT and MSGPORT_F_SYNC; priority at most MSGPORT_PRIO_MAX),
 * sets u->seq to 0, finds the inbox (mp_inbox_get()) and sends to it
 * (mp_send()).  On success u->seq holds the message's sequence number; a timed
 * send interrupted by a signal writes its remaining time to u->timeout_ns.
 *
 * Context: Process context (ioctl), no lock held.  May sleep (a blocking send
 * waits).  Takes and releases mp_inbox_lock, then (mp_send()) mb->lock.
 *
 * Return: 0; -EFAULT if @u cannot be read or written; -EINVAL for a bad
 * request; mp_inbox_get()'s -EINVAL, -ESRCH, -ECONNREFUSED or -EACCES; or the
 * error of mp_send() (an inbox closed meanwhile: -ECONNREFUSED, or -ECONNRESET
 * if it closes while the send waits).
 */
long mp_ioc_send_pid(struct msgport_send_pid __user *u)
{
	struct mp_xfer x = { };
	struct mp_mailbox *mb;
	struct msgport_send_pid s;
	int ret;

	if (copy_from_user(&s, u, sizeof(s)))
		return -EFAULT;
	if (s.reserved[0] || s.reserved[1])
		return -EINVAL;
	if (s.flags & ~(MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT |
			MSGPORT_F_SYNC))
		return -EINVAL;
	if (s.priority > MSGPORT_PRIO_MAX)
		return -EINVAL;
	if (put_user(0, &u->seq))
		return -EFAULT;

	mb = mp_inbox_get(s.pid);
	if (IS_ERR(mb))
		return PTR_ERR(mb);
	x.buf = u64_to_user_ptr(s.buf);
	x.len = s.len;
	x.flags = s.flags;
	x.prio = s.priority;
	x.timeout_ns = s.timeout_ns;
	x.utimeout = &u->timeout_ns;
	ret = mp_send(mb, &x);
	mp_mailbox_put(mb);
	if (ret)
		return ret;
	if (put_user(x.seq, &u->seq))
		return -EFAULT;
	return 0;
}

static int same_file(const void *p, struct file *file, unsigned int fd)
{
	return p == file;
}

/*
 * Has a thread of the current process a descriptor of @file?  Threads
 * usually share one table: each table is scanned once in a row of them.
 */
static bool owner_holds(struct file *file)
{
	struct files_struct *files, *seen = NULL;
	struct task_struct *t;
	bool held = false;

	rcu_read_lock();
	for_each_thread(current, t) {
		task_lock(t);
		files = t->files;
		if (files && files != seen) {
			held = iterate_fd(files, 0, same_file, file);
			seen = files;
		}
		task_unlock(t);
		if (held)
			break;
	}
	rcu_read_unlock();
	return held;
}

/**
 * mp_inbox_flush() - a descriptor of an inbox is closed by the current task
 * @file: the inbox's file
 * @mb: the inbox
 *
 * A descriptor of the inbox @mb closed by the current task (close(2), exec's
 * close-on-exec, or its table closed at exit): the owner closing its last one
 * closes the inbox: when the current task belongs to the owner and no thread of
 * the owner still has a descriptor of @file in its table (dup(2) keeps it
 * open), the inbox leaves the table and is destroyed (mp_mailbox_destroy()).  A
 * close by another process changes nothing.
 *
 * Context: Process context (the descriptor's ->flush), no msgport lock held.
 * May sleep.  Looks at the owner's threads' descriptor tables under RCU, each
 * thread's task_lock() and the table's file_lock; then takes mp_inbox_lock, and
 * destroys the inbox after releasing it.
 */
void mp_inbox_flush(struct file *file, struct mp_mailbox *mb)
{
	if (task_tgid(current) != mb->owner)
		return;
	if (!owner_holds(file))
		inbox_close(mb);
}

/**
 * mp_inbox_release() - close an inbox whose file goes, and drop its reference
 * @mb: the inbox
 *
 * The inbox's file goes (its ->release), or its descriptor could not be made
 * (main.c): stops watching for its owner's exit (waiting for a work item
 * that saw it), closes the inbox if its owner did not (it leaves the table
 * and is destroyed, once only) and drops the descriptor's reference.
 *
 * Context: Process context, no msgport lock held.  May sleep.  Takes and
 * releases the owner's wait_pidfd lock and mp_inbox_lock; destroys the inbox
 * after releasing it.
 */
void mp_inbox_release(struct mp_mailbox *mb)
{
	/* No wake-up and no work of the owner's exit after this. */
	if (mb->watching) {
		remove_wait_queue(&mb->owner->wait_pidfd, &mb->owner_exit);
		cancel_work_sync(&mb->owner_exit_work);
		mb->watching = false;
	}
	inbox_close(mb);
	mp_mailbox_put(mb);
}
