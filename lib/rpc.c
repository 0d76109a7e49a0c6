// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Remote procedure calls: call a mailbox or a process and wait for the
 * reply; answer a call; answer and wait for the next request in one step.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "internal.h"

/* The shared part of msgport_call() and msgport_call_pid(). */
static ssize_t do_call(int fd, unsigned long request, pid_t pid, const void *req,
		       size_t req_len, void *reply, size_t reply_len, unsigned int prio,
		       unsigned int flags, int64_t timeout_ns, struct msgport_msginfo *info)
{
	struct msgport_call c;
	int ret;

	if (req_len > UINT32_MAX)
		return -EMSGSIZE;
	memset(&c, 0, sizeof(c));
	ret = msgport_apply_timeout(&flags, &c.timeout_ns, timeout_ns);
	if (ret < 0)
		return ret;
	c.buf = (__u64)(uintptr_t)req;
	c.len = (__u32)req_len;
	c.reply_buf = (__u64)(uintptr_t)reply;
	/* As for receive: the count must fit ioctl(2)'s int. */
	c.reply_len = reply_len > INT_MAX ? INT_MAX : (__u32)reply_len;
	c.flags = flags;
	c.priority = prio;
	c.pid = pid;

	ret = msgport_ioctl(fd, request, &c);
	if (info && ret >= 0)
		*info = c.info;
	return ret;
}

MSGPORT_EXPORT ssize_t msgport_call(struct msgport_mailbox *mb, const void *req, size_t req_len,
				    void *reply, size_t reply_len, unsigned int prio,
				    unsigned int flags, int64_t timeout_ns,
				    struct msgport_msginfo *info)
{
	if (!mb)
		return -EINVAL;
	return do_call(mb->fd, MSGPORT_IOC_CALL, 0, req, req_len, reply, reply_len, prio, flags,
		       timeout_ns, info);
}

MSGPORT_EXPORT ssize_t msgport_call_pid(struct msgport *mp, pid_t pid, const void *req,
					size_t req_len, void *reply, size_t reply_len,
					unsigned int prio, unsigned int flags, int64_t timeout_ns,
					struct msgport_msginfo *info)
{
	if (!mp)
		return -EINVAL;
	return do_call(mp->fd, MSGPORT_IOC_CALL_PID, pid, req, req_len, reply, reply_len, prio,
		       flags, timeout_ns, info);
}

static int fill_reply(struct msgport_reply *r, uint64_t token, const void *buf, size_t len)
{
	if (len > UINT32_MAX)
		return -EMSGSIZE;
	memset(r, 0, sizeof(*r));
	r->token = token;
	r->buf = (__u64)(uintptr_t)buf;
	r->len = (__u32)len;
	return 0;
}

MSGPORT_EXPORT int msgport_reply(struct msgport_mailbox *mb, uint64_t token, const void *buf,
				 size_t len)
{
	struct msgport_reply r;
	int ret;

	if (!mb)
		return -EINVAL;
	ret = fill_reply(&r, token, buf, len);
	if (ret < 0)
		return ret;
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_REPLY, &r);
	return ret < 0 ? ret : 0;
}

MSGPORT_EXPORT ssize_t msgport_reply_recv(struct msgport_mailbox *mb, uint64_t token,
					  const void *reply, size_t reply_len, int *reply_result,
					  void *buf, size_t len, unsigned int flags,
					  int64_t timeout_ns, struct msgport_msginfo *info)
{
	struct msgport_reply_recv rr;
	int ret;

	if (reply_result)
		*reply_result = 0;
	/* A server needs the next request's token: info, always. */
	if (!mb || (flags & (MSGPORT_F_FROM | MSGPORT_F_NOINFO)))
		return -EINVAL;
	memset(&rr, 0, sizeof(rr));
	ret = fill_reply(&rr.reply, token, reply, reply_len);
	if (ret < 0)
		return ret;
	ret = msgport_apply_timeout(&flags, &rr.recv.timeout_ns, timeout_ns);
	if (ret < 0)
		return ret;
	rr.recv.buf = (__u64)(uintptr_t)buf;
	rr.recv.buf_len = len > INT_MAX ? INT_MAX : (__u32)len;
	rr.recv.flags = flags;

	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_REPLY_RECV, &rr);
	if (reply_result)
		*reply_result = rr.reply_result;
	if (info && (ret >= 0 || ret == -EMSGSIZE))
		*info = rr.recv.info;
	return ret;
}
