// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: counters of live objects, for leak checks.
 *
 * Counters, no lock: mailboxes (allocated, linked or not), messages
 * (allocated) and bytes (their payload; per-CPU, see msgport.h), files
 * (open mailbox descriptors), regions (allocated shared regions),
 * region_bytes (their pages) and region_maps (VMAs mapping a region),
 * calls (call records, rpc.c).
 * debugfs <debugfs>/msgport/objects prints them; module exit warns if any is
 * not zero.
 */
#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include "msgport.h"

struct msgport_objects msgport_objects;
EXPORT_SYMBOL_NS_GPL(msgport_objects, MSGPORT_TEST_NS);

struct msgport_msg_counts {
	long messages;
	long bytes;
};

static DEFINE_PER_CPU(struct msgport_msg_counts, msgport_msg_counts);

void msgport_objects_msg_add(long messages, long bytes)
{
	this_cpu_add(msgport_msg_counts.messages, messages);
	this_cpu_add(msgport_msg_counts.bytes, bytes);
}

static long msg_counts_sum(bool bytes)
{
	const struct msgport_msg_counts *c;
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(&msgport_msg_counts, cpu);
		sum += bytes ? READ_ONCE(c->bytes) : READ_ONCE(c->messages);
	}
	return sum;
}

long msgport_objects_messages(void)
{
	return msg_counts_sum(false);
}
EXPORT_SYMBOL_NS_GPL(msgport_objects_messages, MSGPORT_TEST_NS);

long msgport_objects_bytes(void)
{
	return msg_counts_sum(true);
}
EXPORT_SYMBOL_NS_GPL(msgport_objects_bytes, MSGPORT_TEST_NS);

static struct dentry *msgport_debugfs_dir;

static int objects_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "mailboxes %ld\nmessages %ld\nbytes %ld\nfiles %ld\n",
		   atomic_long_read(&msgport_objects.mailboxes),
		   msgport_objects_messages(), msgport_objects_bytes(),
		   atomic_long_read(&msgport_objects.files));
	seq_printf(m, "regions %ld\nregion_bytes %ld\nregion_maps %ld\n",
		   atomic_long_read(&msgport_objects.regions),
		   atomic_long_read(&msgport_objects.region_bytes),
		   atomic_long_read(&msgport_objects.region_maps));
	seq_printf(m, "calls %ld\n", atomic_long_read(&msgport_objects.calls));
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
	WARN_ON(msgport_objects_messages());
	WARN_ON(msgport_objects_bytes());
	WARN_ON(atomic_long_read(&msgport_objects.files));
	WARN_ON(atomic_long_read(&msgport_objects.regions));
	WARN_ON(atomic_long_read(&msgport_objects.region_bytes));
	WARN_ON(atomic_long_read(&msgport_objects.region_maps));
	WARN_ON(atomic_long_read(&msgport_objects.calls));
}
