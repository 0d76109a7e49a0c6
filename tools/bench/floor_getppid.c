// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * getppid (floor): one getppid(2) per iteration in one process, no payload:
 * what entering and leaving the kernel costs here.
 */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

static int getppid_setup(struct bench_chan *ch)
{
	bench_chan_note(ch, "one system call per iteration, no payload");
	return 0;
}

static int getppid_ping(struct bench_chan *ch, const void *req, void *rep_buf, size_t len,
			const void **rep)
{
	/* The raw system call: no C library may cache it. */
	return syscall(SYS_getppid) > 0 ? 0 : -ESRCH;
}

static void getppid_teardown(struct bench_chan *ch)
{
}

BENCH_MECH(getppid) = {
	.name = "getppid",
	.summary = "floor: one getppid(2) system call",
	.kind = BENCH_FLOOR,
	.order = 910,
	.flags = BENCH_SOLO | BENCH_NODATA,
	.setup = getppid_setup,
	.ping = getppid_ping,
	.teardown = getppid_teardown,
};
