// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Whole-buffer read(2) and write(2) for the byte-stream mechanisms (pipe,
 * FIFO, Unix stream socket): a message is len bytes, however the kernel
 * splits it.
 */
#include <errno.h>
#include <unistd.h>

#include "bench.h"

int fd_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fd_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
