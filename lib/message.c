// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Messages: send and receive on a mailbox, and the parts of them that
 * sending to a process and receiving from one sender (inbox.c) share.
 *
 * The library owns MSGPORT_F_TIMEOUT: a timeout_ns >= 0 sets it, and a
 * caller who passes the bit itself gets -EINVAL (the timeout would be
 * ambiguous).  Other unknown flag bits go to the module, which rejects them.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "internal.h"

/*
 * struct msgport_send_pid is struct msgport_send with the receiving pid in
 * place of nfds: one struct, filled once, serves both ioctls (pid 0, no
 * descriptors, for MSGPORT_IOC_SEND; msgport_send_fds() fills its own).
 */
#define SEND_FIELD_AT(f, g) \
	(offsetof(struct msgport_send, f) == offsetof(struct msgport_send_pid, g))
_Static_assert(sizeof(struct msgport_send) == sizeof(struct msgport_send_pid) &&
	       SEND_FIELD_AT(buf, buf) && SEND_FIELD_AT(timeout_ns, timeout_ns) &&
	       SEND_FIELD_AT(seq, seq) && SEND_FIELD_AT(len, len) &&
	       SEND_FIELD_AT(flags, flags) && SEND_FIELD_AT(priority, priority) &&
	       SEND_FIELD_AT(nfds, pid) && SEND_FIELD_AT(fds, reserved),
	       "struct msgport_send_pid is struct msgport_send plus pid");

int msgport_send_common(int fd, unsigned long request, pid_t pid, const void *buf, size_t len,
			unsigned int prio, unsigned int flags, int64_t timeout_ns, uint64_t *seq)
{
	struct msgport_send_pid s;
	int ret;

	if (len > UINT32_MAX)
		return -EMSGSIZE;

	memset(&s, 0, sizeof(s));
	ret = msgport_apply_timeout(&flags, &s.timeout_ns, timeout_ns);
	if (ret < 0)
		return ret;
	s.buf = (__u64)(uintptr_t)buf;
	s.len = (__u32)len;
	s.flags = flags;
	s.priority = prio;
	s.pid = pid;

	ret = msgport_ioctl(fd, request, &s);
	if (ret < 0)
		return ret;
	if (seq)
		*seq = s.seq;
	return 0;
}

/*
 * A receive whose caller wants no info has the module make none
 * (MSGPORT_F_NOINFO: the library's own flag, as MSGPORT_F_TIMEOUT is; not
 * with a span by reference or a lease, which need info).  A module from
 * before the flag refuses it (-EINVAL, before it does anything): the
 * receive is asked again without it and, once a module has taken that,
 * never with it again in this process.
 */
static int noinfo_refused;

static int recv_ioctl(int fd, struct msgport_recv *r, int want_info)
{
	int ret;

	if (want_info || (r->flags & (MSGPORT_F_SPAN | MSGPORT_F_LEASE)) ||
	    __atomic_load_n(&noinfo_refused, __ATOMIC_RELAXED))
		return msgport_ioctl(fd, MSGPORT_IOC_RECV, r);
	r->flags |= MSGPORT_F_NOINFO;
	ret = msgport_ioctl(fd, MSGPORT_IOC_RECV, r);
	if (ret != -EINVAL)
		return ret;
	r->flags &= ~MSGPORT_F_NOINFO;
	ret = msgport_ioctl(fd, MSGPORT_IOC_RECV, r);
	if (ret != -EINVAL)
		__atomic_store_n(&noinfo_refused, 1, __ATOMIC_RELAXED);
	return ret;
}

ssize_t msgport_recv_common(struct msgport_mailbox *mb, pid_t from, void *buf, size_t len,
			    unsigned int flags, int64_t timeout_ns, struct msgport_msginfo *info)
{
	struct msgport_recv r;
	int ret;

	/* Set from info, below. */
	if (flags & MSGPORT_F_NOINFO)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	ret = msgport_apply_timeout(&flags, &r.timeout_ns, timeout_ns);
	if (ret < 0)
		return ret;
	if (from > 0) {
		flags |= MSGPORT_F_FROM;
		r.from_pid = from;
	}
	r.buf = (__u64)(uintptr_t)buf;
	/*
	 * ioctl(2) returns an int, so a larger buffer could not report its
	 * byte count; no message can be that large anyway, so a bigger
	 * buffer is used as INT_MAX bytes rather than refused.
	 */
	r.buf_len = len > INT_MAX ? INT_MAX : (__u32)len;
	r.flags = flags;

	ret = recv_ioctl(mb->fd, &r, info != NULL);
	if (info && (ret >= 0 || ret == -EMSGSIZE))
		*info = r.info;
	return ret;
}

MSGPORT_EXPORT int msgport_send(struct msgport_mailbox *mb, const void *buf, size_t len,
				unsigned int prio, unsigned int flags, int64_t timeout_ns,
				uint64_t *seq)
{
	if (!mb)
		return -EINVAL;
	/* buf is a pointer here, never a region offset: msgport_span_send(). */
	if (flags & MSGPORT_F_SPAN)
		return -EINVAL;
	return msgport_send_common(mb->fd, MSGPORT_IOC_SEND, 0, buf, len, prio, flags,
				   timeout_ns, seq);
}

MSGPORT_EXPORT ssize_t msgport_recv(struct msgport_mailbox *mb, void *buf, size_t len,
				    unsigned int flags, int64_t timeout_ns,
				    struct msgport_msginfo *info)
{
	if (!mb)
		return -EINVAL;
	return msgport_recv_common(mb, 0, buf, len, flags, timeout_ns, info);
}
