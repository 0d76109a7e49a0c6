// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: /proc/msgport, one line per mailbox (as /proc/sysvipc/msg).
 *
 * Columns, separated by white space:
 *   name uid gid mode capacity max_size msgs bytes wsend wrecv sent recv
 *   dropped region maps flags
 * mode is octal, capacity a number or "unbounded", region the shared
 * region's bytes (0 if none), maps its memory mappings, flags "ephemeral"
 * or "-".
 * The walk holds mp_registry_lock (registry.c) from start to stop, and
 * each mailbox's lock briefly for its counters.  Only linked mailboxes show,
 * and only those of the reader's IPC namespace; uids and gids are mapped
 * into the reader's user namespace.
 *
 * /proc/msgport_summary: what /proc/msgport cannot list, for the reader's
 * IPC namespace, as "key value" lines: "mailboxes" (those its max_mailboxes
 * counts: named and anonymous) and "anonymous" (of those, the anonymous
 * ones, MSGPORT_O_ANON, which have no name to list).  Keys may be added;
 * /proc/msgport keeps its format (the CLI parses it).  One hold of
 * mp_registry_lock (mp_registry_counts()).
 */
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "msgport.h"

/* The walk's list (the reader's IPC namespace's) is kept in m->private. */
static void *proc_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&mp_registry_lock);
	m->private = mp_registry_list_locked();
	return seq_list_start_head(m->private, *pos);
}

static void *proc_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, m->private, pos);
}

static void proc_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&mp_registry_lock);
}

static int proc_show(struct seq_file *m, void *v)
{
	struct mp_mailbox *mb;
	struct msgport_stat st;

	if (v == m->private) {
		seq_puts(m, "name uid gid mode capacity max_size msgs bytes wsend wrecv sent recv dropped region maps flags\n");
		return 0;
	}
	mb = list_entry(v, struct mp_mailbox, node);
	mp_mailbox_stat(mb, &st);
	seq_printf(m, "%s %u %u %04o ", st.name, st.uid, st.gid, st.mode);
	if (st.capacity == MSGPORT_CAPACITY_UNBOUNDED)
		seq_puts(m, "unbounded");
	else
		seq_printf(m, "%u", st.capacity);
	seq_printf(m, " %u %llu %llu %u %u %llu %llu %llu %llu %llu %s\n",
		   st.max_msg_size, st.queued_msgs, st.queued_bytes,
		   st.waiting_senders, st.waiting_receivers, st.sent,
		   st.received, st.dropped, st.region_size, st.region_maps,
		   (st.flags & MSGPORT_STAT_EPHEMERAL) ?
		   ((st.flags & MSGPORT_STAT_TOPIC) ? "ephemeral,topic" : "ephemeral") :
		   ((st.flags & MSGPORT_STAT_TOPIC) ? "topic" : "-"));
	return 0;
}

static int summary_show(struct seq_file *m, void *v)
{
	unsigned int all, anon;

	mp_registry_counts(&all, &anon);
	seq_printf(m, "mailboxes %u\nanonymous %u\n", all, anon);
	return 0;
}

static const struct seq_operations mp_proc_ops = {
	.start	= proc_start,
	.next	= proc_next,
	.stop	= proc_stop,
	.show	= proc_show,
};

/**
 * mp_procfs_init() - create /proc/msgport and /proc/msgport_summary
 *
 * Both mode 0444: one line per linked mailbox, and the namespace's counts
 * (see the top).
 *
 * Context: Module init; may sleep.  Takes no lock.
 * Return: 0, or -ENOMEM if an entry cannot be created (none is left then).
 */
int mp_procfs_init(void)
{
	if (!proc_create_seq(KBUILD_MODNAME, 0444, NULL, &mp_proc_ops))
		return -ENOMEM;
	if (!proc_create_single(KBUILD_MODNAME "_summary", 0444, NULL,
				summary_show)) {
		remove_proc_entry(KBUILD_MODNAME, NULL);
		return -ENOMEM;
	}
	return 0;
}

/**
 * mp_procfs_exit() - remove /proc/msgport and /proc/msgport_summary
 *
 * Context: Module init's error path and module exit; may sleep:
 * remove_proc_entry() waits for the readers in progress, whose walk holds
 * mp_registry_lock.  Takes no lock itself.
 */
void mp_procfs_exit(void)
{
	remove_proc_entry(KBUILD_MODNAME "_summary", NULL);
	remove_proc_entry(KBUILD_MODNAME, NULL);
}
