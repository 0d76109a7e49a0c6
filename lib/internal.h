/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmsgport internals: the opaque handles and the export marker.
 *
 * The library is built with -fvisibility=hidden; only functions marked
 * MSGPORT_EXPORT are part of the ABI, and each must be declared in
 * libmsgport.h and listed by name in libmsgport.map (lib/check-exports
 * fails the build otherwise).
 * Nothing here is installed.
 */
#ifndef LIBMSGPORT_INTERNAL_H
#define LIBMSGPORT_INTERNAL_H

#include <errno.h>
#include <sys/ioctl.h>

#include "libmsgport.h"

#define MSGPORT_EXPORT __attribute__((visibility("default")))

/*
 * The uapi structs the library's functions take or fill for their callers
 * stay at their first published sizes (the uapi header's "Growing the
 * ABI"): a library built with a header in which one grew must not write
 * more of it than an older program has.  When one grows, it reaches
 * programs through new functions, and these lines say where to look.
 */
_Static_assert(sizeof(struct msgport_msginfo) == MSGPORT_MSGINFO_SIZE_VER0,
	       "msgport_msginfo grew: keep the library's functions at its first size");
_Static_assert(sizeof(struct msgport_stat) == MSGPORT_STAT_SIZE_VER0,
	       "msgport_stat grew: keep the library's functions at its first size");
_Static_assert(sizeof(struct msgport_version) == MSGPORT_VERSION_SIZE_VER0,
	       "msgport_version grew: keep the library's functions at its first size");
_Static_assert(sizeof(struct msgport_send) == MSGPORT_SEND_SIZE_VER0 &&
	       sizeof(struct msgport_recv) == MSGPORT_RECV_SIZE_VER0,
	       "a batch entry grew: the library passes entry_size 0 for the first size");

/* An open /dev/msgport whose ABI major was checked. */
struct msgport {
	int fd;
};

/* An open mailbox: the anonymous-inode descriptor from MSGPORT_IOC_OPEN. */
struct msgport_mailbox {
	int fd;
};

/*
 * A mapping of a mailbox's region (region.c) and, once looked up, the
 * geometry of the span pool in it (span.c; copied out of the shared header
 * and checked once, so a peer scribbling on the header cannot make us
 * reach outside the mapping).
 */
struct msgport_span_pool;

struct msgport_region {
	void *addr;
	size_t size;
	int writable;
	int fd;				/* a dup of the mailbox's, for waits */
	struct msgport_span_pool *pool;	/* NULL until first used */
};

/* span.c: drops the cached pool geometry of a region being unmapped. */
void msgport_span_pool_forget(struct msgport_region *r);

/*
 * message.c: the shared part of msgport_send() and msgport_send_pid(), after
 * their own checks: request MSGPORT_IOC_SEND on a mailbox's fd (pid 0) or
 * MSGPORT_IOC_SEND_PID on /dev/msgport's.  0 or -errno.
 */
int msgport_send_common(int fd, unsigned long request, pid_t pid, const void *buf, size_t len,
			unsigned int prio, unsigned int flags, int64_t timeout_ns, uint64_t *seq);

/*
 * message.c: the shared part of msgport_recv() (from 0) and
 * msgport_recv_from(): only messages of process from if it is > 0.
 */
ssize_t msgport_recv_common(struct msgport_mailbox *mb, pid_t from, void *buf, size_t len,
			    unsigned int flags, int64_t timeout_ns, struct msgport_msginfo *info);

/*
 * ioctl(2) returning 0 (or the kernel's non-negative result) or -errno.
 *
 * No EINTR loop on purpose: the blocking ioctls (send, recv) return
 * -ERESTARTSYS from the kernel, so under SA_RESTART the kernel restarts them
 * itself with the remaining time, and without SA_RESTART the caller asked to
 * see -EINTR.  The other ioctls never sleep interruptibly.
 */
static inline int msgport_ioctl(int fd, unsigned long request, void *arg)
{
	int ret = ioctl(fd, request, arg);

	return ret < 0 ? -errno : ret;
}

/*
 * The library owns MSGPORT_F_TIMEOUT: a timeout_ns >= 0 sets it and the
 * kernel's timeout, MSGPORT_WAIT_FOREVER leaves it clear, and a caller
 * passing the bit itself (or another negative timeout) gets -EINVAL.
 */
/* lib/fds.c: the send of msgport_send_fds() and msgport_send_relay(). */
int msgport_sendmsg(struct msgport_mailbox *mb, struct msgport_sendmsg *m,
		    const struct msgport_relay *relay);

static inline int msgport_apply_timeout(unsigned int *flags, __u64 *kernel_timeout,
					int64_t timeout_ns)
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

#endif /* LIBMSGPORT_INTERNAL_H */
