// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libmsgport: relaying, leases and error replies (LIBMSGPORT_1.3), for a
 * program that carries messages between machines (msgport-bridge(8)).  The
 * grown receive structs (struct msgport_recv_v1, ..._call_v1) are used here
 * only: every older function keeps the first sizes (see internal.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

MSGPORT_EXPORT int msgport_send_relay(struct msgport_mailbox *mb, struct msgport_sendmsg *m,
				      const struct msgport_relay *relay)
{
	return msgport_sendmsg(mb, m, relay);
}

MSGPORT_EXPORT ssize_t msgport_recv_relay(struct msgport_mailbox *mb, struct msgport_recvmsg *m,
					  struct msgport_relay *relay)
{
	struct msgport_recv_v1 r;
	unsigned int flags;
	int ret;

	if (!mb || !m || m->reserved || (m->nfds && !m->fds) ||
	    (m->flags & ~(MSGPORT_F_NONBLOCK | MSGPORT_F_TRUNC | MSGPORT_F_CLOEXEC |
			  MSGPORT_F_LEASE)))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	flags = m->flags;
	if (m->nfds)
		flags |= MSGPORT_F_FDS;
	ret = msgport_apply_timeout(&flags, &r.recv.timeout_ns, m->timeout_ns);
	if (ret < 0)
		return ret;
	r.recv.buf = (__u64)(uintptr_t)m->buf;
	/* As msgport_recv(): ioctl(2) returns an int. */
	r.recv.buf_len = m->len > INT_MAX ? INT_MAX : (__u32)m->len;
	r.recv.flags = flags;
	r.recv.nfds = m->nfds;
	r.recv.fds = (__u64)(uintptr_t)m->fds;
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_RECV_V1, &r);
	if (ret >= 0 || ret == -EMSGSIZE) {
		m->info = r.recv.info;
		m->nfds_received = r.recv.nfds;
		if (relay)
			*relay = r.relay;
	}
	return ret;
}

MSGPORT_EXPORT int msgport_commit(struct msgport_mailbox *mb, uint64_t seq, unsigned int flags)
{
	struct msgport_commit c;
	int ret;

	if (!mb)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.seq = seq;
	c.flags = flags;
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_COMMIT, &c);
	return ret < 0 ? ret : 0;
}

MSGPORT_EXPORT int msgport_commit_refuse(struct msgport_mailbox *mb, uint64_t seq, int err)
{
	struct msgport_commit c;
	int ret;

	/* A positive errno below 512, as the kernel wants (else EINVAL). */
	if (!mb || err <= 0 || err >= 512)
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.seq = seq;
	c.flags = MSGPORT_COMMIT_REFUSE;
	c.error = (uint32_t)err;
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_COMMIT, &c);
	return ret < 0 ? ret : 0;
}

MSGPORT_EXPORT ssize_t msgport_call_relay(struct msgport_mailbox *mb, struct msgport_callmsg *cm)
{
	struct msgport_call_v1 c;
	unsigned int flags;
	int ret;

	if (!mb || !cm || (cm->flags & MSGPORT_F_RELAY))
		return -EINVAL;
	if (cm->req_len > UINT32_MAX)
		return -EMSGSIZE;
	memset(&c, 0, sizeof(c));
	flags = cm->flags;
	ret = msgport_apply_timeout(&flags, &c.call.timeout_ns, cm->timeout_ns);
	if (ret < 0)
		return ret;
	if (cm->relay) {
		flags |= MSGPORT_F_RELAY;
		c.call.relay = (__u64)(uintptr_t)cm->relay;
	}
	c.call.buf = (__u64)(uintptr_t)cm->req;
	c.call.len = (__u32)cm->req_len;
	c.call.reply_buf = (__u64)(uintptr_t)cm->reply;
	c.call.reply_len = cm->reply_len > INT_MAX ? INT_MAX : (__u32)cm->reply_len;
	c.call.flags = flags;
	c.call.priority = cm->prio;
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_CALL_V1, &c);
	cm->token = c.call.token;
	/* Also for an error reply (MSGPORT_REPLY_ERROR): its info, of no bytes. */
	cm->info = c.call.info;
	cm->reply_relay = c.relay;
	return ret;
}

MSGPORT_EXPORT int msgport_reply_relay(struct msgport_mailbox *mb, uint64_t token, const void *buf,
				       size_t len, const struct msgport_relay *relay)
{
	struct msgport_reply r;
	int ret;

	if (!mb)
		return -EINVAL;
	if (len > UINT32_MAX)
		return -EMSGSIZE;
	memset(&r, 0, sizeof(r));
	r.token = token;
	r.buf = (__u64)(uintptr_t)buf;
	r.len = (__u32)len;
	if (relay) {
		r.flags = MSGPORT_F_RELAY;
		r.relay = (__u64)(uintptr_t)relay;
	}
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_REPLY, &r);
	return ret < 0 ? ret : 0;
}

MSGPORT_EXPORT int msgport_reply_error(struct msgport_mailbox *mb, uint64_t token, int err)
{
	struct msgport_reply r;
	int ret;

	/* 512 and up are the kernel's own (ERESTARTSYS...): EINVAL there too. */
	if (!mb || err <= 0 || err >= 512)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.token = token;
	r.len = (__u32)err;
	r.flags = MSGPORT_REPLY_ERROR;
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_REPLY, &r);
	return ret < 0 ? ret : 0;
}
