/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmsgport internals: the opaque handles and the export marker.
 *
 * The library is built with -fvisibility=hidden; only functions marked
 * MSGPORT_EXPORT (and matched by libmsgport.map) are part of the ABI.
 * Nothing here is installed.
 */
#ifndef LIBMSGPORT_INTERNAL_H
#define LIBMSGPORT_INTERNAL_H

#include <errno.h>
#include <sys/ioctl.h>

#include "libmsgport.h"

#define MSGPORT_EXPORT __attribute__((visibility("default")))

/* An open /dev/msgport whose ABI major was checked. */
struct msgport {
	int fd;
};

/* An open mailbox: the anonymous-inode descriptor from MSGPORT_IOC_OPEN. */
struct msgport_mailbox {
	int fd;
};

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

#endif /* LIBMSGPORT_INTERNAL_H */
