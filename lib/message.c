// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Messages: send and receive on a mailbox.
 *
 * The library owns MSGPORT_F_TIMEOUT: a timeout_ns >= 0 sets it, and a
 * caller who passes the bit itself gets -EINVAL (the timeout would be
 * ambiguous).  Other unknown flag bits go to the module, which rejects them.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "internal.h"

/* Sets MSGPORT_F_TIMEOUT and the timeout from timeout_ns, or fails. */
static int apply_timeout(unsigned int *flags, __u64 *kernel_timeout, int64_t timeout_ns)
{
	if (*flags & MSGPORT_F_TIMEOUT)
		return -EINVAL;
	if (timeout_ns >= 0) {
		*flags |= MSGPORT_F_TIMEOUT;
		*kernel_timeout = (__u64)timeout_ns;
	} else if (timeout_ns != MSGPORT_WAIT_FOREVER) {
		return -EINVAL;
	}
	return 0;
}

MSGPORT_EXPORT int msgport_send(struct msgport_mailbox *mb, const void *buf, size_t len,
				unsigned int prio, unsigned int flags, int64_t timeout_ns,
				uint64_t *seq)
{
	struct msgport_send s;
	int ret;

	if (!mb)
		return -EINVAL;
	/* buf is a pointer here, never a region offset: msgport_span_send(). */
	if (flags & MSGPORT_F_SPAN)
		return -EINVAL;
	if (len > UINT32_MAX)
		return -EMSGSIZE;

	memset(&s, 0, sizeof(s));
	ret = apply_timeout(&flags, &s.timeout_ns, timeout_ns);
	if (ret < 0)
		return ret;
	s.buf = (__u64)(uintptr_t)buf;
	s.len = (__u32)len;
	s.flags = flags;
	s.priority = prio;

	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_SEND, &s);
	if (ret < 0)
		return ret;
	if (seq)
		*seq = s.seq;
	return 0;
}

MSGPORT_EXPORT ssize_t msgport_recv(struct msgport_mailbox *mb, void *buf, size_t len,
				    unsigned int flags, int64_t timeout_ns,
				    struct msgport_msginfo *info)
{
	struct msgport_recv r;
	int ret;

	if (!mb)
		return -EINVAL;

	memset(&r, 0, sizeof(r));
	ret = apply_timeout(&flags, &r.timeout_ns, timeout_ns);
	if (ret < 0)
		return ret;
	r.buf = (__u64)(uintptr_t)buf;
	/*
	 * ioctl(2) returns an int, so a larger buffer could not report its
	 * byte count; no message can be that large anyway, so a bigger
	 * buffer is used as INT_MAX bytes rather than refused.
	 */
	r.buf_len = len > INT_MAX ? INT_MAX : (__u32)len;
	r.flags = flags;

	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_RECV, &r);
	if (info && (ret >= 0 || ret == -EMSGSIZE))
		*info = r.info;
	return ret;
}
