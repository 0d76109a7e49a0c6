// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: the mailbox descriptor (an anonymous-inode file).
 *
 * file->private_data is a struct msgport_mbfile, fixed for the file's life:
 * the mailbox (one kref held until release) and the access granted at open.
 * No locks of its own; the mailbox's are in mailbox.c and registry.c.
 *
 * Each ioctl copies its struct once and validates the kernel copy.  Output
 * fields are made writable (zeroed) before the operation starts, so a
 * read-only struct fails with -EFAULT before any message moves.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "msgport.h"

static u32 file_nonblock(const struct file *file)
{
	return (file->f_flags & O_NONBLOCK) ? MSGPORT_F_NONBLOCK : 0;
}

static long ioc_send(struct msgport_mbfile *mbf, struct msgport_send __user *u)
{
	struct msgport_xfer x = { };
	struct msgport_send s;
	int ret;

	if (copy_from_user(&s, u, sizeof(s)))
		return -EFAULT;
	if (s.reserved0 || s.reserved[0] || s.reserved[1])
		return -EINVAL;
	if (s.flags & ~MSGPORT_SEND_FLAGS)
		return -EINVAL;
	if (s.priority > MSGPORT_PRIO_MAX)
		return -EINVAL;
	if (!(mbf->access & MSGPORT_O_SEND))
		return -EBADF;
	if (put_user(0, &u->seq))
		return -EFAULT;

	x.buf = u64_to_user_ptr(s.buf);
	x.len = s.len;
	x.flags = s.flags;
	x.prio = s.priority;
	x.timeout_ns = s.timeout_ns;
	x.utimeout = &u->timeout_ns;
	ret = msgport_send(mbf->mb, &x);
	if (ret)
		return ret;
	if (put_user(x.seq, &u->seq))
		return -EFAULT;
	return 0;
}

static long ioc_recv(struct msgport_mbfile *mbf, struct msgport_recv __user *u)
{
	struct msgport_xfer x = { };
	struct msgport_recv r;

	if (copy_from_user(&r, u, sizeof(r)))
		return -EFAULT;
	if (r.reserved[0] || r.reserved[1])
		return -EINVAL;
	if (r.flags & ~MSGPORT_RECV_FLAGS)
		return -EINVAL;
	if (!(mbf->access & MSGPORT_O_RECV))
		return -EBADF;
	if (clear_user(&u->info, sizeof(u->info)))
		return -EFAULT;

	x.buf = u64_to_user_ptr(r.buf);
	x.len = r.buf_len;
	x.flags = r.flags;
	x.timeout_ns = r.timeout_ns;
	x.utimeout = &u->timeout_ns;
	x.uinfo = &u->info;
	return msgport_recv(mbf->mb, &x);
}

static long ioc_stat(struct msgport_mbfile *mbf, struct msgport_stat __user *u)
{
	struct msgport_stat st;

	msgport_mailbox_stat(mbf->mb, &st);
	if (copy_to_user(u, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

static long ioc_set_mode(struct msgport_mbfile *mbf,
			 struct msgport_setmode __user *u)
{
	struct msgport_setmode sm;

	if (copy_from_user(&sm, u, sizeof(sm)))
		return -EFAULT;
	if (sm.reserved || (sm.mode & ~0777U))
		return -EINVAL;
	if (!msgport_mailbox_is_owner(mbf->mb))
		return -EPERM;
	return msgport_mailbox_set_mode(mbf->mb, sm.mode);
}

static long mbfile_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct msgport_mbfile *mbf = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MSGPORT_IOC_SEND:
		return ioc_send(mbf, argp);
	case MSGPORT_IOC_RECV:
		return ioc_recv(mbf, argp);
	case MSGPORT_IOC_STAT:
		return ioc_stat(mbf, argp);
	case MSGPORT_IOC_SET_MODE:
		return ioc_set_mode(mbf, argp);
	default:
		return -ENOTTY;
	}
}

/* read(2): one whole message per call, -EMSGSIZE if it does not fit. */
static ssize_t mbfile_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct msgport_mbfile *mbf = file->private_data;
	struct msgport_xfer x = { };

	if (!(mbf->access & MSGPORT_O_RECV))
		return -EBADF;
	x.buf = buf;
	x.len = min_t(size_t, count, U32_MAX);
	x.flags = file_nonblock(file);
	return msgport_recv(mbf->mb, &x);
}

/* write(2): one message of priority 0. */
static ssize_t mbfile_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct msgport_mbfile *mbf = file->private_data;
	struct msgport_xfer x = { };
	int ret;

	if (!(mbf->access & MSGPORT_O_SEND))
		return -EBADF;
	if (count > U32_MAX)
		return -EMSGSIZE;
	x.buf = (void __user *)buf;
	x.len = count;
	x.flags = file_nonblock(file);
	ret = msgport_send(mbf->mb, &x);
	return ret ? ret : count;
}

static __poll_t mbfile_poll(struct file *file, struct poll_table_struct *pt)
{
	struct msgport_mbfile *mbf = file->private_data;

	return msgport_mailbox_poll(mbf->mb, file, pt);
}

static int mbfile_release(struct inode *inode, struct file *file)
{
	struct msgport_mbfile *mbf = file->private_data;

	msgport_mailbox_release(mbf->mb);
	kfree(mbf);
	atomic_long_dec(&msgport_objects.files);
	return 0;
}

const struct file_operations msgport_mailbox_fops = {
	.owner		= THIS_MODULE,
	.read		= mbfile_read,
	.write		= mbfile_write,
	.poll		= mbfile_poll,
	.unlocked_ioctl	= mbfile_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= mbfile_release,
	.llseek		= no_llseek,
};
