/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running one measurement (a cell): a mechanism, a message size, a mode;
 * see bench.h for the sequence of hooks and the loops.
 */
#ifndef MSGPORT_BENCH_RUNNER_H
#define MSGPORT_BENCH_RUNNER_H

#include "bench.h"
#include "hist.h"

struct cell_opts {
	uint64_t time_ns;	/* measured time per cell (when iters is 0) */
	uint64_t warmup_ns;	/* unmeasured time before it */
	uint64_t iters;		/* fixed measured iterations instead, or 0 */
	uint64_t timeout_ns;	/* a cell still running after this is killed */
	unsigned int depth;	/* queue depth for the queueing mechanisms */
	int cpu[2];		/* [role]: pin the client/server to this CPU, or -1 */
};

/* What one side (client or server) measured over its measured window. */
struct side_result {
	uint64_t t_start, t_end;	/* CLOCK_MONOTONIC ns */
	uint64_t utime_ns, stime_ns;	/* getrusage(RUSAGE_SELF) deltas */
	uint64_t vcsw, ivcsw;		/* context switches, likewise */
};

struct cell_result {
	int err;		/* 0, or the failure (-errno) */
	char what[2 * BENCH_ERR_MAX];	/* on failure: which side, what failed */
	char note[BENCH_NOTE_MAX];	/* the mechanism's configuration notes */
	uint64_t n;		/* measured round trips, or messages received */
	uint64_t elapsed_ns;	/* latency: client's window; stream: receiver's */
	struct side_result side[2];	/* [BENCH_CLIENT], [BENCH_SERVER] */
	struct hist hist;	/* latency: one sample per round trip */
};

/* Runs the cell; 0 or -errno (and r->what). */
int run_cell(const struct bench_mech *m, size_t size, enum bench_mode mode,
	     const struct cell_opts *o, struct cell_result *r);

/* 0 if the mechanism can run here, else -errno and why in why[]. */
int probe_mech(const struct bench_mech *m, char *why, size_t len);

#endif /* MSGPORT_BENCH_RUNNER_H */
