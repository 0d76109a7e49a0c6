/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scaling modes of msgport-bench (scale.c): --pairs N (N sender/receiver
 * pairs, each on its own mailbox, all at once) and --fan-in N (N senders to
 * one receiver on one mailbox).
 */
#ifndef MSGPORT_BENCH_SCALE_H
#define MSGPORT_BENCH_SCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCALE_MAX	64	/* largest N of --pairs and --fan-in */

struct scale_opts {
	unsigned int pairs;	/* --pairs N, or 0 */
	unsigned int fan_in;	/* --fan-in N, or 0 */
	const size_t *sizes;
	unsigned int nsizes;
	uint64_t time_ns;	/* measured window of each run */
	uint64_t warmup_ns;	/* unmeasured time before it */
	unsigned int rounds;	/* every row this many times, interleaved */
	unsigned int depth;	/* mailbox capacity */
	const char *json;	/* write the numbers here, or NULL */
	bool quiet;
};

/* Runs the modes asked for and prints their tables; an exit status (0 or 1). */
int scale_run(const struct scale_opts *o);

#endif /* MSGPORT_BENCH_SCALE_H */
