// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: the open files a message carries (descriptor passing, the uapi
 * header's "Passing descriptors").
 *
 * A send that carries descriptors takes a reference to each one's open file
 * (mp_fds_get(), which asks its caller whether each may travel) and counts
 * them in flight against the sender's euid (user_quota.c); the message
 * holds the set (msg->fds) until it is freed (mp_fds_put(): the files are
 * closed, the count given back) or received with MSGPORT_F_FDS
 * (mp_fds_install(): each file becomes a new descriptor of the receiver,
 * through receive_fd(), which runs the security module's
 * security_file_receive() and counts against the receiver's RLIMIT_NOFILE).
 *
 * Lifetimes
 *   A struct mp_fds has one owner at a time, as a message has: the sending
 *   ioctl, then the message (set by mp_send(), the pointer handed off), then
 *   the receiver that installs it.  It holds a reference to each file and to
 *   its sender's quota record.  The files that may travel cannot hold other
 *   open files (no AF_UNIX socket, no io_uring) nor a mailbox's receiving
 *   end (mailbox_file.c decides), so no set of messages in flight can keep
 *   itself alive: a queue with no receiver left is dropped (mailbox.c), and
 *   the files in it with it.
 *
 * Locking
 *   None: nothing here runs under a lock (fput() and receive_fd() may
 *   sleep, or queue work).
 */
#include <linux/file.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "msgport.h"

/* Close @fds' files from @from on and free it, its count given back. */
static void fds_free_from(struct mp_fds *fds, u32 from)
{
	u32 i;

	for (i = from; i < fds->n; i++)
		fput(fds->file[i]);
	mp_quota_uncharge_files(fds->quota, fds->n);
	mp_quota_uncharge(fds->quota, fds->charge);
	mp_quota_drop(fds->quota);
	kfree(fds);
}

/**
 * mp_fds_get() - take the open files of descriptors a send carries
 * @ufds: the sender's array of @n descriptors
 * @n: how many, 1..MSGPORT_FDS_MAX
 * @may_travel: says whether an open file may be carried: 0, or its error
 * @out: set to the set, on success
 *
 * Reads the descriptors, takes a reference to each open file, asks
 * @may_travel about each, and counts them in flight for the current euid,
 * against its RLIMIT_NOFILE (mp_quota_charge_files()).
 *
 * Context: Process context (the sender).  May sleep (allocates, charged to
 * the sender's memory cgroup).
 * Return: 0; -EINVAL (@n out of range, or @may_travel's error); -EFAULT;
 * -EBADF (a descriptor not open, or opened with O_PATH); -ETOOMANYREFS;
 * -EDQUOT (the set's own bytes, charged to max_user_bytes); -ENOMEM.  On
 * error nothing is held.
 */
int mp_fds_get(const s32 __user *ufds, u32 n, int (*may_travel)(struct file *),
	       struct mp_fds **out)
{
	size_t size = struct_size_t(struct mp_fds, file, n);
	struct mp_quota *charged;
	struct mp_fds *fds;
	int ret = 0;
	u32 i;

	if (!n || n > MSGPORT_FDS_MAX)
		return -EINVAL;
	fds = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!fds)
		return -ENOMEM;
	fds->quota = mp_quota_hold();
	if (!fds->quota) {
		kfree(fds);
		return -ENOMEM;
	}
	/* What the set holds of kernel memory is the sender's, as a message's. */
	fds->charge = kmalloc_size_roundup(size);
	ret = mp_quota_charge_held(fds->charge, fds->quota, &charged);
	if (ret) {
		mp_quota_drop(fds->quota);
		kfree(fds);
		return ret;
	}
	for (i = 0; i < n && !ret; i++) {
		s32 fd;
		struct file *file;

		if (get_user(fd, &ufds[i])) {
			ret = -EFAULT;
			break;
		}
		file = fget(fd);
		if (!file) {
			ret = -EBADF;
			break;
		}
		fds->file[fds->n++] = file;
		ret = may_travel(file);
	}
	if (!ret)
		ret = mp_quota_charge_files(fds->quota, n,
					    rlimit(RLIMIT_NOFILE));
	if (ret) {
		/* No file counted yet: give them back as they are. */
		for (i = 0; i < fds->n; i++)
			fput(fds->file[i]);
		mp_quota_uncharge(fds->quota, fds->charge);
		mp_quota_drop(fds->quota);
		kfree(fds);
		return ret;
	}
	*out = fds;
	return 0;
}

/**
 * mp_fds_count() - how many open files a set carries
 * @fds: the set, or NULL
 *
 * Context: Any.
 * Return: The count; 0 for NULL.
 */
u32 mp_fds_count(const struct mp_fds *fds)
{
	return fds ? fds->n : 0;
}

/**
 * mp_fds_put() - close the open files a set carries, unreceived
 * @fds: the set, or NULL
 *
 * Drops the reference to each file (closing those nobody else holds),
 * gives back the in-flight count and frees the set.
 *
 * Context: Process context or any context fput() allows; takes no msgport
 * lock.
 */
void mp_fds_put(struct mp_fds *fds)
{
	if (fds)
		fds_free_from(fds, 0);
}

/**
 * mp_fds_install() - make a set's files descriptors of the current process
 * @fds: the set (taken over: freed here)
 * @ufds: where each new descriptor's number goes, room for at least
 *        min(@fds's count, @room)
 * @room: how many descriptors the receiver takes at most
 * @o_flags: O_CLOEXEC or 0
 * @installed: set to how many were made
 *
 * Installs the files in order, each through receive_fd() (the security
 * module's check, RLIMIT_NOFILE, the number written to @ufds), until one
 * fails or @room are made; the files left are closed.
 *
 * Context: Process context (the receiver).  May sleep.
 * Return: True if every file became a descriptor, false if some were
 * dropped (closed).
 */
bool mp_fds_install(struct mp_fds *fds, s32 __user *ufds, u32 room,
		    u32 o_flags, u32 *installed)
{
	u32 i, n = min(fds->n, room);
	bool all;
	int ret;

	for (i = 0; i < n; i++) {
		ret = mp_receive_fd_user(fds->file[i], &ufds[i], o_flags);
		if (ret < 0)
			break;
	}
	*installed = i;
	all = i == fds->n;
	/* receive_fd() took references of its own to those it installed. */
	fds_free_from(fds, 0);
	return all;
}
