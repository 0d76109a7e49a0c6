// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memcpy (floor): one process writes the message (payload_fill), copies it
 * once with memcpy(3) and checks the copy (payload_verify): the data work
 * every mechanism does for a message, plus one copy, with no kernel and no
 * second process.  Its round trip is one such message; its stream rate the
 * same repeated.  A zero-copy mechanism can beat it; a copying one cannot.
 */
#include <string.h>

#include "bench.h"

static int memcpy_setup(struct bench_chan *ch)
{
	bench_chan_note(ch, "fill + one memcpy + verify per message, one process");
	return 0;
}

static int memcpy_ping(struct bench_chan *ch, const void *req, void *rep_buf, size_t len,
		       const void **rep)
{
	memcpy(rep_buf, req, len);
	/* Keep the compiler from dropping or merging the copy. */
	__asm__ __volatile__("" : : "r"(rep_buf) : "memory");
	*rep = rep_buf;
	return 0;
}

static void memcpy_teardown(struct bench_chan *ch)
{
}

BENCH_MECH(memcpy) = {
	.name = "memcpy",
	.summary = "floor: write, memcpy and check the message in one process",
	.kind = BENCH_FLOOR,
	.order = 920,
	.flags = BENCH_SOLO | BENCH_ONEPROC,
	.setup = memcpy_setup,
	.ping = memcpy_ping,
	.teardown = memcpy_teardown,
};
