// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: counters of live objects, for leak checks.
 *
 * Atomic counters, no lock: mailboxes (allocated, linked or not), messages
 * (allocated), bytes (their payload) and files (open mailbox descriptors).
 * debugfs <debugfs>/msgport/objects prints them; module exit warns if any is
 * not zero.
 */
#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "msgport.h"

struct msgport_objects msgport_objects;

static struct dentry *msgport_debugfs_dir;

static int objects_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "mailboxes %ld\nmessages %ld\nbytes %ld\nfiles %ld\n",
		   atomic_long_read(&msgport_objects.mailboxes),
		   atomic_long_read(&msgport_objects.messages),
		   atomic_long_read(&msgport_objects.bytes),
		   atomic_long_read(&msgport_objects.files));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(objects);

void msgport_objects_init(void)
{
	/* debugfs is optional: failures only lose the view. */
	msgport_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("objects", 0444, msgport_debugfs_dir, NULL,
			    &objects_fops);
}

void msgport_objects_exit(void)
{
	debugfs_remove_recursive(msgport_debugfs_dir);
	WARN_ON(atomic_long_read(&msgport_objects.mailboxes));
	WARN_ON(atomic_long_read(&msgport_objects.messages));
	WARN_ON(atomic_long_read(&msgport_objects.bytes));
	WARN_ON(atomic_long_read(&msgport_objects.files));
}
