// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * null-ioctl (floor): one MSGPORT_IOC_VERSION ioctl(2) on /dev/msgport per
 * iteration, no payload: the cost of reaching msgport's ioctl handler and
 * copying a small struct back, below which no msgport operation can go.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/msgport.h>

#include "bench.h"

struct nio_chan {
	int fd;
	struct msgport_version v;
};

static int nio_probe(struct bench_chan *ch)
{
	int fd = open(MSGPORT_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return bench_chan_error(ch, -errno, "open %s", MSGPORT_DEVICE_PATH);
	close(fd);
	return 0;
}

static int nio_setup(struct bench_chan *ch)
{
	struct nio_chan *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->fd = open(MSGPORT_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (n->fd < 0) {
		int err = -errno;

		free(n);
		return bench_chan_error(ch, err, "open %s", MSGPORT_DEVICE_PATH);
	}
	ch->priv = n;
	bench_chan_note(ch, "one ioctl per iteration, no payload");
	return 0;
}

static int nio_ping(struct bench_chan *ch, const void *req, void *rep_buf, size_t len,
		    const void **rep)
{
	struct nio_chan *n = ch->priv;

	if (ioctl(n->fd, MSGPORT_IOC_VERSION, &n->v))
		return bench_chan_error(ch, -errno, "MSGPORT_IOC_VERSION");
	return 0;
}

static void nio_teardown(struct bench_chan *ch)
{
	struct nio_chan *n = ch->priv;

	close(n->fd);
	free(n);
}

BENCH_MECH(null_ioctl) = {
	.name = "null-ioctl",
	.summary = "floor: one MSGPORT_IOC_VERSION ioctl on /dev/msgport",
	.kind = BENCH_FLOOR,
	.order = 900,
	.flags = BENCH_SOLO | BENCH_NODATA,
	.probe = nio_probe,
	.setup = nio_setup,
	.ping = nio_ping,
	.teardown = nio_teardown,
};
