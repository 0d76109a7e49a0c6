// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: the control device /dev/msgport and its ioctls (version,
 * open/create (named or anonymous), unlink, inbox, and those of inbox.c and
 * rpc.c), module init
 * and exit.  The ioctls that make a descriptor put together the layers
 * below: the name table (registry.c) or the inbox table (inbox.c) for the
 * mailbox, then the descriptor (mailbox_file.c).
 *
 * /dev/msgport is mode 0666: anyone may open it; permissions are checked per
 * mailbox (registry.c).  Its fops and the mailbox fops name THIS_MODULE as
 * owner, so rmmod is refused while /dev/msgport or any mailbox descriptor is
 * open.  No locks here; see registry.c and mailbox.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "msgport.h"

static long mp_ioc_version(struct msgport_version __user *u)
{
	struct msgport_version v;

	memset(&v, 0, sizeof(v));
	v.abi_major = MSGPORT_ABI_MAJOR;
	v.abi_minor = MSGPORT_ABI_MINOR;
	strscpy(v.module_version, MP_MODULE_VERSION,
		sizeof(v.module_version));
	if (copy_to_user(u, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

/* Copy and check a mailbox name; @buf has MSGPORT_NAME_MAX + 1 bytes. */
static int copy_name(u64 uname, u32 len, char *buf)
{
	if (len > MSGPORT_NAME_MAX)
		return -ENAMETOOLONG;
	if (!len)
		return -EINVAL;
	if (copy_from_user(buf, u64_to_user_ptr(uname), len))
		return -EFAULT;
	buf[len] = '\0';
	return mp_name_check(buf, len);
}

/*
 * The rest of mp_ctl_open() for a topic opened to receive: the descriptor
 * is a new subscription (topic.c), with the open's capacity and policy,
 * unless the open may create the topic (then they are the topic's).
 */
static int open_subscription(struct mp_file_slot *slot,
			     struct mp_mailbox *topic,
			     const struct msgport_open *op, bool created)
{
	u32 access = op->flags & (MSGPORT_O_RECV | MSGPORT_O_SEND);
	bool creat = op->flags & MSGPORT_O_CREAT;
	struct mp_mailbox *sub;
	int fd;

	sub = mp_topic_subscribe(topic, creat ? 0 : op->capacity,
				 creat ? 0 : op->topic);
	if (IS_ERR(sub)) {
		mp_file_abort(slot);
		mp_registry_open_failed(topic, created, access);
		return PTR_ERR(sub);
	}
	fd = mp_file_install(slot, sub, "[msgport-subscription]");
	if (fd < 0)
		mp_registry_open_failed(mp_topic_unsubscribe(sub), created,
					access);
	return fd;
}

/**
 * mp_ctl_open() - a new descriptor of a named mailbox
 * @op: the open request (its flags: the access, and whether to create),
 *      checked by the caller
 * @name: the mailbox's name, NUL-terminated, checked by the caller
 * @create_err: 0, or the error to return if @op's creation attributes are
 *      invalid and this call would create the mailbox (mp_registry_open())
 *
 * Opens the mailbox @op names (@name), created if @op says so, as a new
 * descriptor: reserves the descriptor (mp_file_prepare()), looks up or
 * creates the mailbox (mp_registry_open()), then installs the descriptor
 * (mp_file_install()); if that fails, mp_registry_open_failed() undoes the
 * open.
 *
 * Context: Process context; may sleep.  Takes mp_registry_lock and mb->lock
 * (through the functions it calls); holds neither on return.
 * Return: the descriptor number; or -errno: -ENOMEM or -EMFILE
 * (mp_file_prepare()), -EEXIST, -EACCES, -ENOENT, -ENOSPC, @create_err or
 * -ENOMEM, or mp_region_create()'s -EFBIG, -EDQUOT or -EINTR
 * (mp_registry_open()), -EPROTOTYPE (MSGPORT_O_TOPIC or
 * MSGPORT_O_SUBSCRIBE, and the mailbox is not a topic), an error of
 * mp_topic_subscribe(), or an error of mp_file_install().
 */
int mp_ctl_open(const struct msgport_open *op, const char *name,
		int create_err)
{
	u32 access = op->flags & (MSGPORT_O_RECV | MSGPORT_O_SEND);
	struct mp_file_slot slot;
	struct mp_mailbox *mb;
	bool created;
	int fd;

	fd = mp_file_prepare(&slot, access, mp_file_flags(op->flags));
	if (fd)
		return fd;
	mb = mp_registry_open(op, name, create_err, &created);
	if (IS_ERR(mb)) {
		mp_file_abort(&slot);
		return PTR_ERR(mb);
	}
	/* Asked for a topic (to create or subscribe): never a plain one. */
	if (!mb->is_topic &&
	    (op->flags & (MSGPORT_O_TOPIC | MSGPORT_O_SUBSCRIBE))) {
		mp_file_abort(&slot);
		mp_registry_open_failed(mb, created, access);
		return -EPROTOTYPE;
	}
	if (mb->is_topic && (access & MSGPORT_O_RECV))
		return open_subscription(&slot, mb, op, created);
	if (op->topic && !(op->flags & MSGPORT_O_TOPIC)) {
		/* A subscription's policy, for a mailbox that is no topic. */
		mp_file_abort(&slot);
		mp_registry_open_failed(mb, created, access);
		return -EINVAL;
	}
	fd = mp_file_install(&slot, mb, "[msgport]");
	if (fd < 0)
		mp_registry_open_failed(mb, created, access);
	return fd;
}
EXPORT_SYMBOL_NS_GPL(mp_ctl_open, MP_TEST_NS);

/**
 * mp_ctl_open_anon() - a new anonymous mailbox and its first descriptor
 * @op: the open request, checked by the caller: MSGPORT_O_ANON, no name, an
 *      access, valid creation attributes with max_msg_size resolved
 *
 * Reserves the descriptor (mp_file_prepare()), creates the mailbox
 * (mp_registry_create_anon()), then installs the descriptor
 * (mp_file_install()); if that fails, mp_registry_release() gives back the
 * mailbox, which then goes.
 *
 * Context: Process context; may sleep.  Takes mp_registry_lock and mb->lock
 * (through the functions it calls); holds neither on return.
 * Return: the descriptor number; or -errno: -ENOMEM or -EMFILE
 * (mp_file_prepare()), an error of mp_registry_create_anon() or of
 * mp_file_install().
 */
int mp_ctl_open_anon(const struct msgport_open *op)
{
	u32 access = op->flags & (MSGPORT_O_RECV | MSGPORT_O_SEND);
	struct mp_file_slot slot;
	struct mp_mailbox *mb;
	int fd;

	fd = mp_file_prepare(&slot, access, mp_file_flags(op->flags));
	if (fd)
		return fd;
	mb = mp_registry_create_anon(op);
	if (IS_ERR(mb)) {
		mp_file_abort(&slot);
		return PTR_ERR(mb);
	}
	fd = mp_file_install(&slot, mb, "[msgport-anon]");
	if (fd < 0)
		mp_registry_release(mb, access);
	return fd;
}

/*
 * MSGPORT_O_ANON (see the uapi header): no name, neither O_EXCL nor
 * O_EPHEMERAL, an access; the creation attributes are always used.
 */
static long open_anon(struct msgport_open *op)
{
	u32 max = READ_ONCE(mp_max_msg_size);

	if (op->name || op->name_len)
		return -EINVAL;
	/* No anonymous topic: a subscription needs a name to open. */
	if (op->flags & (MSGPORT_O_EXCL | MSGPORT_O_EPHEMERAL | MSGPORT_O_TOPIC |
			 MSGPORT_O_SUBSCRIBE) || op->topic)
		return -EINVAL;
	if (!(op->flags & (MSGPORT_O_RECV | MSGPORT_O_SEND)))
		return -EINVAL;
	if (!op->max_msg_size)
		op->max_msg_size = min(READ_ONCE(mp_default_msg_size), max);
	if ((op->mode & ~0777U) || op->max_msg_size > max)
		return -EINVAL;
	return mp_ctl_open_anon(op);
}

static long mp_ioc_open(struct msgport_open __user *u)
{
	char name[MSGPORT_NAME_MAX + 1];
	struct msgport_open op;
	int create_err = 0;
	int ret;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.reserved[0] || op.reserved[1])
		return -EINVAL;
	if (op.flags & ~MSGPORT_O_ALL)
		return -EINVAL;
	if (op.flags & MSGPORT_O_ANON)
		return open_anon(&op);
	if (!(op.flags & MSGPORT_O_CREAT) &&
	    (op.flags & (MSGPORT_O_EXCL | MSGPORT_O_EPHEMERAL | MSGPORT_O_TOPIC)))
		return -EINVAL;
	/* Subscribing receives; it creates nothing but a topic. */
	if ((op.flags & MSGPORT_O_SUBSCRIBE) &&
	    (!(op.flags & MSGPORT_O_RECV) ||
	     (op.flags & (MSGPORT_O_CREAT | MSGPORT_O_TOPIC)) ==
	     MSGPORT_O_CREAT))
		return -EINVAL;
	/*
	 * topic: a topic's policies when creating one; a subscription's when
	 * opening a topic to receive, without O_CREAT (mp_ctl_open()).
	 */
	if (op.topic & ~MSGPORT_TOPIC_ALL)
		return -EINVAL;
	if (op.topic && !(op.flags & MSGPORT_O_TOPIC) &&
	    ((op.flags & MSGPORT_O_CREAT) || !(op.flags & MSGPORT_O_RECV)))
		return -EINVAL;
	ret = copy_name(op.name, op.name_len, name);
	if (ret)
		return ret;
	/*
	 * The creation attributes matter (and must be valid) only if this call
	 * creates the mailbox: an existing one opens whatever they hold.
	 */
	if (op.flags & MSGPORT_O_CREAT) {
		u32 max = READ_ONCE(mp_max_msg_size);

		if (!op.max_msg_size)
			op.max_msg_size = min(READ_ONCE(mp_default_msg_size),
					      max);
		if ((op.mode & ~0777U) || op.max_msg_size > max)
			create_err = -EINVAL;
		/*
		 * A topic: no rendezvous, no region (its queues are not its),
		 * bounded (what its subscriptions pin of its publishers').
		 */
		if ((op.flags & MSGPORT_O_TOPIC) &&
		    (!op.capacity || op.region_size ||
		     op.capacity == MSGPORT_CAPACITY_UNBOUNDED))
			create_err = -EINVAL;
	}
	return mp_ctl_open(&op, name, create_err);
}

/* MSGPORT_IOC_INBOX: the current process's inbox, as a new descriptor. */
static long mp_ioc_inbox(struct msgport_inbox __user *u)
{
	u32 max = READ_ONCE(mp_max_msg_size);
	struct mp_file_slot slot;
	struct msgport_inbox in;
	struct mp_mailbox *mb;
	int fd;

	if (copy_from_user(&in, u, sizeof(in)))
		return -EFAULT;
	if (in.reserved[0] || in.reserved[1])
		return -EINVAL;
	if (in.flags & ~(MSGPORT_O_NONBLOCK | MSGPORT_O_CLOEXEC))
		return -EINVAL;
	if (in.mode & ~0777U)
		return -EINVAL;
	if (!in.max_msg_size)
		in.max_msg_size = min(READ_ONCE(mp_default_msg_size), max);
	if (in.max_msg_size > max)
		return -EINVAL;

	fd = mp_file_prepare(&slot, MSGPORT_O_RECV,
			     mp_file_flags(in.flags | MSGPORT_O_RECV));
	if (fd)
		return fd;
	mb = mp_inbox_create(&in);
	if (IS_ERR(mb)) {
		mp_file_abort(&slot);
		return PTR_ERR(mb);
	}
	fd = mp_file_install(&slot, mb, "[msgport-inbox]");
	if (fd < 0)
		mp_inbox_release(mb);
	return fd;
}

static long mp_ioc_unlink(struct msgport_name __user *u)
{
	char name[MSGPORT_NAME_MAX + 1];
	struct msgport_name n;
	int ret;

	if (copy_from_user(&n, u, sizeof(n)))
		return -EFAULT;
	if (n.reserved)
		return -EINVAL;
	ret = copy_name(n.name, n.name_len, name);
	if (ret)
		return ret;
	return mp_registry_unlink(name, n.name_len);
}

/*
 * The control device's commands for mp_args_resize() (as mbfile_cmds in
 * mailbox_file.c).
 */
static const struct mp_args_cmd mp_ctl_cmds[] = {
	{ MSGPORT_IOC_VERSION, MSGPORT_VERSION_SIZE_VER0, true },
	{ MSGPORT_IOC_OPEN, MSGPORT_OPEN_SIZE_VER0, false },
	{ MSGPORT_IOC_UNLINK, MSGPORT_NAME_SIZE_VER0, false },
	{ MSGPORT_IOC_INBOX, MSGPORT_INBOX_SIZE_VER0, false },
	{ MSGPORT_IOC_SEND_PID, MSGPORT_SEND_PID_SIZE_VER0, false },
	{ MSGPORT_IOC_CALL_PID, MSGPORT_CALL_SIZE_VER0, true },
};

static long mp_ctl_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg);

/* As mbfile_ioctl_resized() (mailbox_file.c), for the control device. */
static noinline long mp_ctl_ioctl_resized(struct file *file, unsigned int cmd,
					  unsigned long arg)
{
	unsigned int known;
	int ret;

	ret = mp_args_resize(cmd, (void __user *)arg, mp_ctl_cmds,
			     ARRAY_SIZE(mp_ctl_cmds), &known);
	if (ret)
		return ret;
	if (known == cmd)
		return -ENOTTY;
	return mp_ctl_ioctl(file, known, arg);
}

static long mp_ctl_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MSGPORT_IOC_VERSION:
		return mp_ioc_version(argp);
	case MSGPORT_IOC_OPEN:
		return mp_ioc_open(argp);
	case MSGPORT_IOC_UNLINK:
		return mp_ioc_unlink(argp);
	case MSGPORT_IOC_INBOX:
		return mp_ioc_inbox(argp);
	case MSGPORT_IOC_SEND_PID:
		return mp_ioc_send_pid(argp);
	case MSGPORT_IOC_CALL_PID:
		return mp_ioc_call_pid(argp);
	default:
		return mp_ctl_ioctl_resized(file, cmd, arg);
	}
}

static const struct file_operations mp_ctl_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= mp_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice mp_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= MSGPORT_DEVICE_NAME,
	.fops	= &mp_ctl_fops,
	.mode	= 0666,
};

static int __init mp_init(void)
{
	int ret;

	mp_objects_init();
	ret = mp_msg_cache_init();
	if (ret)
		goto out_objects;
	ret = mp_procfs_init();
	if (ret)
		goto out_cache;
	ret = misc_register(&mp_miscdev);
	if (ret)
		goto out_procfs;
	return 0;

out_procfs:
	mp_procfs_exit();
out_cache:
	mp_msg_cache_exit();
out_objects:
	mp_objects_exit();
	return ret;
}

static void __exit mp_exit(void)
{
	misc_deregister(&mp_miscdev);
	mp_registry_exit();
	mp_procfs_exit();
	mp_msg_cache_exit();
	mp_quota_exit();
	mp_objects_exit();
}

module_init(mp_init);
module_exit(mp_exit);

MODULE_DESCRIPTION("msgport: mailboxes and message passing through /dev/msgport");
MODULE_AUTHOR("msgport developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MP_MODULE_VERSION);
