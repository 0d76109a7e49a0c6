/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The results of a run: every cell's rounds merged, and the numbers the
 * reports print, derived the same way for all of them.
 *
 *   round-trip latency   p50, p99, max of every measured round trip of
 *                        every round (one histogram per mechanism and size)
 *   streaming rate       the median over rounds of each round's rate
 *                        (messages received / receiver's window)
 *   CPU per message      user + system time of both processes over their
 *                        measured windows, summed over rounds, divided by
 *                        the messages (round trips) measured
 *   one process          (BENCH_SINGLE) each round's average time per
 *                        message (one send and one receive): the best
 *                        (lowest) of the rounds, and their median
 */
#ifndef MSGPORT_BENCH_RESULTS_H
#define MSGPORT_BENCH_RESULTS_H

#include <stdbool.h>

#include "bench.h"
#include "facts.h"
#include "hist.h"
#include "runner.h"

struct cell_agg {
	bool failed;
	char err[2 * BENCH_ERR_MAX];
	char note[BENCH_NOTE_MAX];

	struct hist lat;		/* all measured round trips */
	unsigned int lat_rounds;
	uint64_t lat_n, lat_cpu_ns, lat_csw;
	double *lat_p50;		/* [round] */

	unsigned int st_rounds;
	uint64_t st_n, st_cpu_ns, st_csw;
	double *st_rate;		/* [round] messages per second */

	unsigned int sg_rounds;
	uint64_t sg_n, sg_cpu_ns, sg_sys_ns;
	double *sg_ns;			/* [round] ns per message (send + receive) */
};

struct bench_results {
	unsigned int nmech, nsize, rounds;
	const struct bench_mech **mech;
	size_t *size;
	struct cell_agg *cell;		/* [m * nsize + s] */
	bool do_latency, do_stream, do_single;
	struct cell_opts opts;
	struct facts facts;
	double wall_s;			/* the whole run */
	char skipped[1024];		/* mechanisms left out, and why */
};

static inline struct cell_agg *res_cell(const struct bench_results *res, unsigned int m,
					unsigned int s)
{
	return &res->cell[m * res->nsize + s];
}

/* Adds one measurement of mechanism m at size s. */
void res_add(struct bench_results *res, unsigned int m, unsigned int s, enum bench_mode mode,
	     unsigned int round, const struct cell_result *r);

/* Derived numbers; NAN when there is nothing measured. */
double res_lat_ns(const struct cell_agg *c, double q);	/* q = 0.5, 0.99, 1 (max) */
double res_lat_cpu_ns(const struct cell_agg *c);	/* per round trip */
double res_st_msgs(const struct cell_agg *c);		/* messages/s */
double res_st_mbs(const struct cell_agg *c, size_t size);	/* MB/s, 10^6 bytes */
double res_st_cpu_ns(const struct cell_agg *c);		/* per message */
double res_sg_best_ns(const struct cell_agg *c);	/* one process: best round */
double res_sg_median_ns(const struct cell_agg *c);	/* one process: median round */
double res_sg_cpu_ns(const struct cell_agg *c);		/* one process: CPU per message */
double res_sg_sys_ns(const struct cell_agg *c);		/* one process: system time, likewise */
/* The ratio of a's to b's best one-process time at size s, or NAN. */
double res_sg_ratio(const struct bench_results *res, const char *a, const char *b,
		    unsigned int s);

/* The one-process mode runs at the run's sizes up to this. */
#define BENCH_SINGLE_MAX_SIZE	(64U << 10)
/* Does mechanism m run at size s in mode? */
bool res_runs(const struct bench_results *res, unsigned int m, unsigned int s,
	      enum bench_mode mode);

/* The index of a mechanism by name, or -1. */
int res_mech_index(const struct bench_results *res, const char *name);

/* "8 B", "64 KiB", "1 MiB" */
void format_size(char *buf, size_t len, size_t size);

/* Reports. */
void report_table(FILE *f, const struct bench_results *res);
int report_json(const char *path, const struct bench_results *res);
int report_tsv(const char *path, const struct bench_results *res);
int report_markdown(const char *path, const struct bench_results *res);
/* The project's targets, checked against this run, one line each. */
void report_targets(FILE *f, const struct bench_results *res, bool markdown);
/* Does any mechanism of the run have one-process numbers? */
bool res_any_single(const struct bench_results *res);

#endif /* MSGPORT_BENCH_RESULTS_H */
