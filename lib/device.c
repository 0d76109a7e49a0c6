// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The control device: opening /dev/msgport, the ABI handshake and the
 * version queries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifndef MSGPORT_LIB_VERSION
#error "MSGPORT_LIB_VERSION must be defined by the build (see lib/lib.mk)"
#endif

MSGPORT_EXPORT const char *msgport_lib_version(void)
{
	return MSGPORT_LIB_VERSION;
}

static const char *device_path(const char *path)
{
	const char *env;

	if (path)
		return path;
	/* secure_getenv: a set-uid program must not be redirected. */
	env = secure_getenv("MSGPORT_DEVICE");
	return env && *env ? env : MSGPORT_DEVICE_PATH;
}

MSGPORT_EXPORT int msgport_open(const char *path, struct msgport **mpp)
{
	struct msgport_version v;
	struct msgport *mp;
	int fd, ret;

	if (!mpp)
		return -EINVAL;
	*mpp = NULL;

	fd = open(device_path(path), O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		/*
		 * A stale device node without its driver (no devtmpfs, module
		 * not loaded) opens with ENXIO or ENODEV: for the caller that
		 * is the same situation as a missing node.
		 */
		if (ret == -ENXIO || ret == -ENODEV)
			ret = -ENOENT;
		return ret;
	}

	memset(&v, 0, sizeof(v));
	ret = msgport_ioctl(fd, MSGPORT_IOC_VERSION, &v);
	if (ret < 0)
		goto err_close;
	if (v.abi_major != MSGPORT_ABI_MAJOR) {
		ret = -EPROTO;
		goto err_close;
	}

	mp = malloc(sizeof(*mp));
	if (!mp) {
		ret = -ENOMEM;
		goto err_close;
	}
	mp->fd = fd;
	*mpp = mp;
	return 0;

err_close:
	close(fd);
	return ret;
}

MSGPORT_EXPORT void msgport_close(struct msgport *mp)
{
	if (!mp)
		return;
	/* Linux releases the descriptor even when close() reports EINTR. */
	close(mp->fd);
	free(mp);
}

MSGPORT_EXPORT int msgport_fd(const struct msgport *mp)
{
	return mp ? mp->fd : -EINVAL;
}

MSGPORT_EXPORT int msgport_module_version(struct msgport *mp, struct msgport_version *v)
{
	struct msgport_version tmp;
	int ret;

	if (!mp || !v)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	ret = msgport_ioctl(mp->fd, MSGPORT_IOC_VERSION, &tmp);
	if (ret < 0)
		return ret;
	/* Never hand out an unterminated string, whatever the module sent. */
	tmp.module_version[sizeof(tmp.module_version) - 1] = '\0';
	*v = tmp;
	return 0;
}
