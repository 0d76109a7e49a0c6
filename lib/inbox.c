// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Direct messages: a process's inbox, sending to a process by pid, and
 * receiving from one sender only.
 *
 * An inbox is returned as a struct msgport_mailbox (receive-only), so
 * msgport_recv(), msgport_mailbox_fd(), _stat(), _chmod() and _close() work
 * on it as on a mailbox.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Attributes of an inbox opened with attr == NULL. */
#define MSGPORT_INBOX_DEFAULT_CAPACITY	16
#define MSGPORT_INBOX_DEFAULT_MODE	0600

MSGPORT_EXPORT int msgport_inbox_open(struct msgport *mp, const struct msgport_attr *attr,
				      unsigned int oflags, struct msgport_mailbox **inboxp)
{
	struct msgport_mailbox *mb;
	struct msgport_inbox in;
	int fd;

	if (!mp || !inboxp)
		return -EINVAL;
	*inboxp = NULL;

	memset(&in, 0, sizeof(in));
	/* Unknown bits are passed on: the module answers them with -EINVAL. */
	in.flags = oflags | MSGPORT_O_CLOEXEC;
	if (attr) {
		if (attr->region_size)
			return -EINVAL;	/* an inbox has no region */
		in.capacity = attr->capacity;
		in.max_msg_size = attr->max_msg_size;
		in.mode = attr->mode;
	} else {
		in.capacity = MSGPORT_INBOX_DEFAULT_CAPACITY;
		in.mode = MSGPORT_INBOX_DEFAULT_MODE;
	}

	mb = malloc(sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	fd = msgport_ioctl(mp->fd, MSGPORT_IOC_INBOX, &in);
	if (fd < 0) {
		free(mb);
		return fd;
	}
	mb->fd = fd;
	*inboxp = mb;
	return 0;
}

MSGPORT_EXPORT int msgport_send_pid(struct msgport *mp, pid_t pid, const void *buf, size_t len,
				    unsigned int prio, unsigned int flags, int64_t timeout_ns,
				    uint64_t *seq)
{
	if (!mp)
		return -EINVAL;
	return msgport_send_common(mp->fd, MSGPORT_IOC_SEND_PID, pid, buf, len, prio, flags,
				   timeout_ns, seq);
}

MSGPORT_EXPORT ssize_t msgport_recv_from(struct msgport_mailbox *mb, pid_t from, void *buf,
					 size_t len, unsigned int flags, int64_t timeout_ns,
					 struct msgport_msginfo *info)
{
	if (!mb || from < 0 || (flags & MSGPORT_F_FROM))
		return -EINVAL;
	return msgport_recv_common(mb, from, buf, len, flags, timeout_ns, info);
}
