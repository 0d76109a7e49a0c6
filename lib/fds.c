// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmsgport: messages that carry open descriptors (msgport_send_fds(),
 * msgport_recv_fds()), as SCM_RIGHTS does for sockets.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/*
 * msgport_send_fds() and msgport_send_relay(): send m, with relay (NULL:
 * none) as its claimed origin.  buf is a pointer here, never a region
 * offset (msgport_span_send()); the relay flag is this function's to set.
 */
int msgport_sendmsg(struct msgport_mailbox *mb, struct msgport_sendmsg *m,
		    const struct msgport_relay *relay)
{
	struct msgport_send s;
	unsigned int flags;
	int ret;

	if (!mb || !m || m->reserved || (m->nfds && !m->fds) || m->nfds > MSGPORT_FDS_MAX ||
	    (m->flags & (MSGPORT_F_SPAN | MSGPORT_F_RELAY)))
		return -EINVAL;
	if (m->len > UINT32_MAX)
		return -EMSGSIZE;
	memset(&s, 0, sizeof(s));
	flags = m->flags;
	ret = msgport_apply_timeout(&flags, &s.timeout_ns, m->timeout_ns);
	if (ret < 0)
		return ret;
	if (relay) {
		flags |= MSGPORT_F_RELAY;
		s.relay = (__u64)(uintptr_t)relay;
	}
	s.buf = (__u64)(uintptr_t)m->buf;
	s.len = (__u32)m->len;
	s.flags = flags;
	s.priority = m->priority;
	s.nfds = m->nfds;
	s.fds = (__u64)(uintptr_t)m->fds;
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_SEND, &s);
	if (ret < 0)
		return ret;
	m->seq = s.seq;
	return 0;
}

MSGPORT_EXPORT int msgport_send_fds(struct msgport_mailbox *mb, struct msgport_sendmsg *m)
{
	return msgport_sendmsg(mb, m, NULL);
}

MSGPORT_EXPORT ssize_t msgport_recv_fds(struct msgport_mailbox *mb, struct msgport_recvmsg *m)
{
	struct msgport_recv r;
	unsigned int flags;
	int ret;

	if (!mb || !m || m->reserved || !m->fds || !m->nfds ||
	    (m->flags & ~(MSGPORT_F_NONBLOCK | MSGPORT_F_TRUNC | MSGPORT_F_CLOEXEC)))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	flags = m->flags | MSGPORT_F_FDS;
	ret = msgport_apply_timeout(&flags, &r.timeout_ns, m->timeout_ns);
	if (ret < 0)
		return ret;
	r.buf = (__u64)(uintptr_t)m->buf;
	/* As msgport_recv(): ioctl(2) returns an int. */
	r.buf_len = m->len > INT_MAX ? INT_MAX : (__u32)m->len;
	r.flags = flags;
	r.nfds = m->nfds;
	r.fds = (__u64)(uintptr_t)m->fds;
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_RECV, &r);
	if (ret >= 0 || ret == -EMSGSIZE) {
		m->info = r.info;
		m->nfds_received = r.nfds;
	}
	return ret;
}

MSGPORT_EXPORT int msgport_mailbox_from_fd(int fd, struct msgport_mailbox **mbp)
{
	char path[64], link[64];
	struct msgport_mailbox *mb;
	struct msgport_stat st;
	ssize_t len;
	int ret;

	if (!mbp)
		return -EINVAL;
	*mbp = NULL;
	if (fd < 0)
		return -EBADF;
	/*
	 * Ask no ioctl of a file that is not a mailbox's (a peer chose it: a
	 * device could take the number for its own command): its link in
	 * /proc names msgport's anonymous inodes.
	 */
	snprintf(path, sizeof(path), "/proc/thread-self/fd/%d", fd);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return -errno;
	link[len] = '\0';
	if (strncmp(link, "anon_inode:[msgport", strlen("anon_inode:[msgport")))
		return -ENOTTY;
	/* A mailbox descriptor answers stat. */
	ret = msgport_ioctl(fd, MSGPORT_IOC_STAT, &st);
	if (ret < 0)
		return ret == -ENOTTY || ret == -EINVAL ? -ENOTTY : ret;
	mb = malloc(sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	mb->fd = fd;
	*mbp = mb;
	return 0;
}
