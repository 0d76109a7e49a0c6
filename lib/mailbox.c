// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mailboxes: open/create, unlink, close, stat and chmod.
 *
 * Names are validated by the module (printable ASCII without '/', at most
 * MSGPORT_NAME_MAX bytes); the library only measures them, without reading
 * past MSGPORT_NAME_MAX + 1 bytes, so that the error for an overlong name is
 * the module's -ENAMETOOLONG whatever the string's length.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Capacity of a mailbox created with attr == NULL. */
#define MSGPORT_DEFAULT_CAPACITY	16
#define MSGPORT_DEFAULT_MODE		0600

static int name_length(const char *name, __u32 *len)
{
	size_t n;

	if (!name)
		return -EINVAL;
	n = strnlen(name, MSGPORT_NAME_MAX + 1);
	if (n > MSGPORT_NAME_MAX)
		return -ENAMETOOLONG;
	*len = (__u32)n;
	return 0;
}

/* A handle for descriptor @fd; closes @fd if it cannot be made. */
static int mailbox_handle(int fd, struct msgport_mailbox **mbp)
{
	struct msgport_mailbox *mb;

	if (fd < 0)
		return fd;
	mb = malloc(sizeof(*mb));
	if (!mb) {
		close(fd);
		return -ENOMEM;
	}
	mb->fd = fd;
	*mbp = mb;
	return 0;
}

MSGPORT_EXPORT int msgport_mailbox_open(struct msgport *mp, const char *name, unsigned int oflags,
					const struct msgport_attr *attr,
					struct msgport_mailbox **mbp)
{
	struct msgport_open o;
	int ret;

	if (!mp || !mbp)
		return -EINVAL;
	*mbp = NULL;

	memset(&o, 0, sizeof(o));
	ret = name_length(name, &o.name_len);
	if (ret < 0)
		return ret;
	o.name = (__u64)(uintptr_t)name;
	/* Unknown bits are passed on: the module answers them with -EINVAL. */
	o.flags = oflags | MSGPORT_O_CLOEXEC;
	if (oflags & MSGPORT_O_CREAT) {
		if (attr) {
			o.capacity = attr->capacity;
			o.max_msg_size = attr->max_msg_size;
			o.mode = attr->mode;
			o.region_size = attr->region_size;
			o.topic = attr->topic;
		} else {
			o.capacity = MSGPORT_DEFAULT_CAPACITY;
			o.max_msg_size = 0;
			o.mode = MSGPORT_DEFAULT_MODE;
		}
	}
	return mailbox_handle(msgport_ioctl(mp->fd, MSGPORT_IOC_OPEN, &o), mbp);
}

MSGPORT_EXPORT int msgport_subscribe(struct msgport *mp, const char *name,
				     const struct msgport_subscription *sub,
				     struct msgport_mailbox **mbp)
{
	struct msgport_open o;
	int ret;

	if (!mp || !mbp)
		return -EINVAL;
	*mbp = NULL;
	if (sub && (sub->reserved || (sub->oflags & ~(MSGPORT_O_SEND | MSGPORT_O_NONBLOCK))))
		return -EINVAL;

	memset(&o, 0, sizeof(o));
	ret = name_length(name, &o.name_len);
	if (ret < 0)
		return ret;
	o.name = (__u64)(uintptr_t)name;
	/* O_SUBSCRIBE: a mailbox that is no topic is refused (EPROTOTYPE). */
	o.flags = MSGPORT_O_RECV | MSGPORT_O_SUBSCRIBE | MSGPORT_O_CLOEXEC |
		  (sub ? sub->oflags : 0);
	if (sub) {
		o.capacity = sub->capacity;
		o.topic = sub->policy;
	}
	return mailbox_handle(msgport_ioctl(mp->fd, MSGPORT_IOC_OPEN, &o), mbp);
}

MSGPORT_EXPORT int msgport_mailbox_unlink(struct msgport *mp, const char *name)
{
	struct msgport_name n;
	int ret;

	if (!mp)
		return -EINVAL;
	memset(&n, 0, sizeof(n));
	ret = name_length(name, &n.name_len);
	if (ret < 0)
		return ret;
	n.name = (__u64)(uintptr_t)name;
	ret = msgport_ioctl(mp->fd, MSGPORT_IOC_UNLINK, &n);
	return ret < 0 ? ret : 0;
}

MSGPORT_EXPORT void msgport_mailbox_close(struct msgport_mailbox *mb)
{
	if (!mb)
		return;
	close(mb->fd);
	free(mb);
}

MSGPORT_EXPORT int msgport_mailbox_fd(const struct msgport_mailbox *mb)
{
	return mb ? mb->fd : -EINVAL;
}

MSGPORT_EXPORT int msgport_mailbox_stat(struct msgport_mailbox *mb, struct msgport_stat *st)
{
	struct msgport_stat tmp;
	int ret;

	if (!mb || !st)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_STAT, &tmp);
	if (ret < 0)
		return ret;
	tmp.name[sizeof(tmp.name) - 1] = '\0';
	*st = tmp;
	return 0;
}

MSGPORT_EXPORT int msgport_mailbox_chmod(struct msgport_mailbox *mb, uint32_t mode)
{
	struct msgport_setmode m;
	int ret;

	if (!mb)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	m.mode = mode;
	ret = msgport_ioctl(mb->fd, MSGPORT_IOC_SET_MODE, &m);
	return ret < 0 ? ret : 0;
}

MSGPORT_EXPORT int msgport_mailbox_create_anon(struct msgport *mp, unsigned int oflags,
					       const struct msgport_attr *attr,
					       struct msgport_mailbox **mbp)
{
	struct msgport_open o;

	if (!mp || !mbp)
		return -EINVAL;
	*mbp = NULL;

	memset(&o, 0, sizeof(o));
	/* Unknown (and forbidden) bits are passed on: the module answers them. */
	o.flags = oflags | MSGPORT_O_ANON | MSGPORT_O_CLOEXEC;
	if (attr) {
		o.capacity = attr->capacity;
		o.max_msg_size = attr->max_msg_size;
		o.mode = attr->mode;
		o.region_size = attr->region_size;
	} else {
		o.capacity = MSGPORT_DEFAULT_CAPACITY;
		o.mode = MSGPORT_DEFAULT_MODE;
	}
	return mailbox_handle(msgport_ioctl(mp->fd, MSGPORT_IOC_OPEN, &o), mbp);
}

MSGPORT_EXPORT int msgport_mailbox_dup(struct msgport_mailbox *mb, unsigned int access,
				       unsigned int flags, struct msgport_mailbox **mbp)
{
	struct msgport_dup d;

	if (!mb || !mbp)
		return -EINVAL;
	*mbp = NULL;

	memset(&d, 0, sizeof(d));
	d.access = access;
	d.flags = flags | MSGPORT_O_CLOEXEC;
	return mailbox_handle(msgport_ioctl(mb->fd, MSGPORT_IOC_DUP, &d), mbp);
}
