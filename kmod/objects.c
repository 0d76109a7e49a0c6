// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: counters of live objects, for leak checks.
 *
 * Counters, no lock: mailboxes (allocated, linked or not), messages
 * (allocated) and bytes (their payload), files (open mailbox descriptors),
 * regions (allocated shared regions), region_bytes (their pages) and
 * region_maps (VMAs mapping a region), calls (call records, rpc.c).  Those
 * the message path moves (messages, bytes, calls) are per-CPU (msgport.h).
 * debugfs <debugfs>/msgport/objects prints them; module exit warns if any is
 * not zero.
 */
#include <linux/bug.h>
#include <linux/debugfs.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include "msgport.h"

struct mp_objects mp_objects;
EXPORT_SYMBOL_NS_GPL(mp_objects, MP_TEST_NS);

/* The per-CPU counts, by what they count. */
enum mp_count { MP_COUNT_MESSAGES, MP_COUNT_BYTES, MP_COUNT_CALLS, MP_COUNTS };

static DEFINE_PER_CPU(long[MP_COUNTS], mp_counts);

/**
 * mp_objects_msg_add() - count messages made or freed
 * @messages: the messages to add (negative: freed)
 * @bytes: their payload bytes to add (negative: freed)
 *
 * Adds to the current CPU's counts: a message is counted on the CPU that makes
 * it and uncounted on the one that frees it, so the hot path shares no cache
 * line.
 *
 * Context: Any context.  Lock-free (this_cpu_add()); does not sleep.
 */
void mp_objects_msg_add(long messages, long bytes)
{
	this_cpu_add(mp_counts[MP_COUNT_MESSAGES], messages);
	this_cpu_add(mp_counts[MP_COUNT_BYTES], bytes);
}

/**
 * mp_objects_call_add() - count call records made or freed
 * @calls: the records to add (negative: freed)
 *
 * As mp_objects_msg_add(): on the current CPU's count.
 *
 * Context: Any context.  Lock-free (this_cpu_add()); does not sleep.
 */
void mp_objects_call_add(long calls)
{
	this_cpu_add(mp_counts[MP_COUNT_CALLS], calls);
}

/* The sum of one of the per-CPU counts. */
static long counts_sum(enum mp_count which)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(mp_counts[which], cpu));
	return sum;
}

/**
 * mp_objects_messages() - how many messages exist
 *
 * Sums the per-CPU counts: exact when no message is being made or freed.
 *
 * Context: Any context.  Lock-free; does not sleep.
 *
 * Return: the number of messages allocated and not yet freed.
 */
long mp_objects_messages(void)
{
	return counts_sum(MP_COUNT_MESSAGES);
}
EXPORT_SYMBOL_NS_GPL(mp_objects_messages, MP_TEST_NS);

/**
 * mp_objects_bytes() - how many payload bytes the existing messages hold
 *
 * Sums the per-CPU counts: exact when no message is being made or freed.
 *
 * Context: Any context.  Lock-free; does not sleep.
 *
 * Return: the payload bytes of the messages allocated and not yet freed.
 */
long mp_objects_bytes(void)
{
	return counts_sum(MP_COUNT_BYTES);
}
EXPORT_SYMBOL_NS_GPL(mp_objects_bytes, MP_TEST_NS);

/**
 * mp_objects_calls() - how many call records exist
 *
 * Sums the per-CPU counts: exact when no call is being made or freed.
 *
 * Context: Any context.  Lock-free; does not sleep.
 *
 * Return: the number of call records allocated and not yet freed.
 */
long mp_objects_calls(void)
{
	return counts_sum(MP_COUNT_CALLS);
}

static atomic_long_t mp_hold_max;	/* entries visited in one lock hold */
static atomic_long_t mp_run_max;	/* messages freed between reschedules */

static void note_max(atomic_long_t *max, unsigned long v)
{
	long cur = atomic_long_read(max);

	while ((long)v > cur && !atomic_long_try_cmpxchg(max, &cur, v))
		;
}

/**
 * mp_objects_note_hold() - count the work of one hold of a mailbox lock
 * @visited: the queue entries (or waiters) it visited
 *
 * Raises the maximum debugfs msgport/holds shows as hold_visits_max.
 *
 * Context: Any context.  Lock-free; does not sleep.
 */
void mp_objects_note_hold(unsigned long visited)
{
	note_max(&mp_hold_max, visited);
}

/**
 * mp_objects_note_run() - count the work of a teardown between reschedules
 * @freed: the messages it freed before the next cond_resched()
 *
 * Raises the maximum debugfs msgport/holds shows as resched_run_max.
 *
 * Context: Any context.  Lock-free; does not sleep.
 */
void mp_objects_note_run(unsigned long freed)
{
	note_max(&mp_run_max, freed);
}

static struct dentry *mp_debugfs_dir;

static int objects_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "mailboxes %ld\nmessages %ld\nbytes %ld\nfiles %ld\n",
		   atomic_long_read(&mp_objects.mailboxes),
		   mp_objects_messages(), mp_objects_bytes(),
		   atomic_long_read(&mp_objects.files));
	seq_printf(m, "regions %ld\nregion_bytes %ld\nregion_maps %ld\n",
		   atomic_long_read(&mp_objects.regions),
		   atomic_long_read(&mp_objects.region_bytes),
		   atomic_long_read(&mp_objects.region_maps));
	seq_printf(m, "calls %ld\n", mp_objects_calls());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(objects);

static int users_show(struct seq_file *m, void *unused)
{
	mp_quota_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(users);

static int holds_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "hold_visits_max %ld\nresched_run_max %ld\n",
		   atomic_long_read(&mp_hold_max), atomic_long_read(&mp_run_max));
	return 0;
}

static int holds_open(struct inode *inode, struct file *file)
{
	return single_open(file, holds_show, inode->i_private);
}

/* Any write resets both maxima. */
static ssize_t holds_write(struct file *file, const char __user *buf,
			   size_t len, loff_t *ppos)
{
	atomic_long_set(&mp_hold_max, 0);
	atomic_long_set(&mp_run_max, 0);
	return len;
}

static const struct file_operations holds_fops = {
	.owner		= THIS_MODULE,
	.open		= holds_open,
	.read		= seq_read,
	.write		= holds_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/**
 * mp_objects_init() - create <debugfs>/msgport/objects and users
 *
 * objects: the counters of mp_objects; users: each euid's charge to
 * max_user_bytes (mp_quota_show()); holds: the longest work under one hold
 * of a mailbox lock and between two reschedules of a teardown
 * (mp_objects_note_hold(), mp_objects_note_run()), reset by a write.
 * debugfs is optional: a failure only loses the view and is not reported.
 *
 * Context: Process context (module init).  May sleep.  Takes no msgport lock.
 */
void mp_objects_init(void)
{
	/* debugfs is optional: failures only lose the view. */
	mp_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("objects", 0444, mp_debugfs_dir, NULL,
			    &objects_fops);
	debugfs_create_file("users", 0444, mp_debugfs_dir, NULL, &users_fops);
	debugfs_create_file("holds", 0600, mp_debugfs_dir, NULL, &holds_fops);
}

/**
 * mp_objects_exit() - remove the debugfs view and check for leaks
 *
 * Removes <debugfs>/msgport and warns for each counter that is not zero:
 * mailboxes, messages, bytes, files, regions, region_bytes, region_maps and
 * calls.  Also runs when module init fails after mp_objects_init().
 *
 * Context: Process context (module init or exit).  May sleep.  Takes no msgport
 * lock.
 */
void mp_objects_exit(void)
{
	debugfs_remove_recursive(mp_debugfs_dir);
	WARN_ON(atomic_long_read(&mp_objects.mailboxes));
	WARN_ON(mp_objects_messages());
	WARN_ON(mp_objects_bytes());
	WARN_ON(atomic_long_read(&mp_objects.files));
	WARN_ON(atomic_long_read(&mp_objects.regions));
	WARN_ON(atomic_long_read(&mp_objects.region_bytes));
	WARN_ON(atomic_long_read(&mp_objects.region_maps));
	WARN_ON(mp_objects_calls());
}
