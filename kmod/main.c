// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: module parameters, the control device /dev/msgport and its
 * ioctls (version, open/create, unlink), module init and exit.
 *
 * /dev/msgport is mode 0666: anyone may open it; permissions are checked per
 * mailbox (registry.c).  Its fops and the mailbox fops name THIS_MODULE as
 * owner, so rmmod is refused while /dev/msgport or any mailbox descriptor is
 * open.  No locks here; see registry.c and mailbox.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "msgport.h"

unsigned int mp_max_mailboxes = 1024;
EXPORT_SYMBOL_NS_GPL(mp_max_mailboxes, MP_TEST_NS);
module_param_named(max_mailboxes, mp_max_mailboxes, uint, 0644);
MODULE_PARM_DESC(max_mailboxes,
		 "Maximum number of mailboxes in the system; creating more fails with ENOSPC (default 1024)");

unsigned int mp_max_msg_size = 4 << 20;
module_param_named(max_msg_size, mp_max_msg_size, uint, 0644);
MODULE_PARM_DESC(max_msg_size,
		 "Largest max_msg_size a mailbox may be created with, in bytes; asking more fails with EINVAL (default 4 MiB)");

unsigned int mp_default_msg_size = 8192;
module_param_named(default_msg_size, mp_default_msg_size, uint, 0644);
MODULE_PARM_DESC(default_msg_size,
		 "max_msg_size of a mailbox created with max_msg_size 0, in bytes, capped by max_msg_size (default 8192)");

unsigned long mp_max_user_bytes = 64UL << 20;
EXPORT_SYMBOL_NS_GPL(mp_max_user_bytes, MP_TEST_NS);
module_param_named(max_user_bytes, mp_max_user_bytes, ulong, 0644);
MODULE_PARM_DESC(max_user_bytes,
		 "Queued payload bytes plus region bytes allowed per euid, root included; a send or region creation beyond it fails with EDQUOT (default 64 MiB)");

unsigned long mp_max_region_size = 256UL << 20;
module_param_named(max_region_size, mp_max_region_size, ulong, 0644);
MODULE_PARM_DESC(max_region_size,
		 "Largest shared region a mailbox may be created with, in bytes after rounding up to pages; asking more fails with EFBIG (default 256 MiB)");

unsigned long mp_spin_ns = 1000000;
module_param_named(spin_ns, mp_spin_ns, ulong, 0644);
MODULE_PARM_DESC(spin_ns,
		 "Longest a blocking send or receive spins, in nanoseconds, while the peer that will likely end its wait runs on another CPU, before it sleeps (it spins at most as long as a wake-up is measured to take); 0 never spins (default 1000000)");

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

static long mp_ioc_open(struct msgport_open __user *u)
{
	char name[MSGPORT_NAME_MAX + 1];
	struct msgport_open op;
	int create_err = 0;
	int ret;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.reserved0 || op.reserved[0] || op.reserved[1])
		return -EINVAL;
	if (op.flags & ~MSGPORT_O_ALL)
		return -EINVAL;
	if (!(op.flags & MSGPORT_O_CREAT) &&
	    (op.flags & (MSGPORT_O_EXCL | MSGPORT_O_EPHEMERAL)))
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
	}
	return mp_registry_open(&op, name, create_err);
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
		return -ENOTTY;
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
	ret = mp_procfs_init();
	if (ret)
		goto out_objects;
	ret = misc_register(&mp_miscdev);
	if (ret)
		goto out_procfs;
	return 0;

out_procfs:
	mp_procfs_exit();
out_objects:
	mp_objects_exit();
	return ret;
}

static void __exit mp_exit(void)
{
	misc_deregister(&mp_miscdev);
	mp_registry_exit();
	mp_procfs_exit();
	mp_quota_exit();
	mp_objects_exit();
}

module_init(mp_init);
module_exit(mp_exit);

MODULE_DESCRIPTION("msgport: mailboxes and message passing through /dev/msgport");
MODULE_AUTHOR("msgport developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MP_MODULE_VERSION);
