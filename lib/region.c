// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Shared regions: mapping a mailbox's region into this process, and waiting
 * on words of it.
 *
 * The region's size comes from the mailbox's stat; the mapping is always
 * the whole region, MAP_SHARED, read-only unless the descriptor was opened
 * for sending as well (the kernel allows PROT_WRITE only then, and a
 * descriptor opened for receiving only is O_RDONLY at the VFS level).  The
 * handle keeps a duplicate of the mailbox descriptor for the wait and wake
 * ioctls, so it outlives msgport_mailbox_close() (as the mapping does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

MSGPORT_EXPORT int msgport_region_map(struct msgport_mailbox *mb, struct msgport_region **rp)
{
	struct msgport_region *r;
	struct msgport_stat st;
	int fl, prot, ret;
	void *addr;

	if (!mb || !rp)
		return -EINVAL;
	*rp = NULL;
	memset(&st, 0, sizeof(st));
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_STAT, &st);
	if (ret < 0)
		return ret;
	if (!st.region_size)
		return -ENODEV;
	if (st.region_size > SIZE_MAX)
		return -ENOMEM;	/* cannot be mapped by a 32-bit process */
	fl = fcntl(mb->fd, F_GETFL);
	if (fl < 0)
		return -errno;
	prot = PROT_READ;
	if ((fl & O_ACCMODE) == O_RDWR)
		prot |= PROT_WRITE;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = fcntl(mb->fd, F_DUPFD_CLOEXEC, 0);
	if (r->fd < 0) {
		ret = -errno;
		free(r);
		return ret;
	}
	addr = mmap(NULL, (size_t)st.region_size, prot, MAP_SHARED, mb->fd, 0);
	if (addr == MAP_FAILED) {
		ret = -errno;
		close(r->fd);
		free(r);
		return ret;
	}
	r->addr = addr;
	r->size = (size_t)st.region_size;
	r->writable = !!(prot & PROT_WRITE);
	*rp = r;
	return 0;
}

MSGPORT_EXPORT void msgport_region_unmap(struct msgport_region *r)
{
	if (!r)
		return;
	munmap(r->addr, r->size);
	close(r->fd);
	msgport_span_pool_forget(r);
	free(r);
}

MSGPORT_EXPORT void *msgport_region_addr(const struct msgport_region *r)
{
	return r ? r->addr : NULL;
}

MSGPORT_EXPORT size_t msgport_region_size(const struct msgport_region *r)
{
	return r ? r->size : 0;
}

MSGPORT_EXPORT int msgport_region_writable(const struct msgport_region *r)
{
	return r ? r->writable : -EINVAL;
}

MSGPORT_EXPORT int msgport_region_wait(struct msgport_region *r, uint64_t offset, uint32_t value,
				       int64_t timeout_ns)
{
	struct msgport_region_wait w;

	if (!r)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	w.offset = offset;
	w.value = value;
	if (timeout_ns >= 0) {
		w.flags = MSGPORT_F_TIMEOUT;
		w.timeout_ns = (__u64)timeout_ns;
	} else if (timeout_ns != MSGPORT_WAIT_FOREVER) {
		return -EINVAL;
	}
	return msgport_ioctl(r->fd, MSGPORT_IOC_REGION_WAIT, &w);
}

MSGPORT_EXPORT int msgport_region_wake(struct msgport_region *r)
{
	if (!r)
		return -EINVAL;
	return msgport_ioctl(r->fd, MSGPORT_IOC_REGION_WAKE, NULL);
}
