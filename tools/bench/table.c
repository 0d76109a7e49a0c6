// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The aligned table on stdout: one row per mechanism and size, then the
 * one-process mode's table with msgport's ratio to POSIX mq, the mechanisms'
 * configuration notes, and the project's targets.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "results.h"

/* A number in a field of width w: "-" when NAN, few digits when large. */
static void num(FILE *f, int w, double v)
{
	if (isnan(v))
		fprintf(f, " %*s", w, "-");
	else if (v < 10)
		fprintf(f, " %*.2f", w, v);
	else if (v < 1000)
		fprintf(f, " %*.1f", w, v);
	else
		fprintf(f, " %*.0f", w, v);
}

static void header(FILE *f, const struct bench_results *res)
{
	const char *k = facts_get(&res->facts, "kernel"), *cpu = facts_get(&res->facts, "cpu_model");
	const char *cs = facts_get(&res->facts, "clocksource");
	const char *ncpu = facts_get(&res->facts, "cpus_online");
	const char *la0 = facts_get(&res->facts, "loadavg_start");
	const char *la1 = facts_get(&res->facts, "loadavg_end");
	const char *mp = facts_get(&res->facts, "msgport_module");

	fprintf(f, "msgport-bench: %s, %s CPUs (%s), clocksource %s\n", k ? k : "?",
		ncpu ? ncpu : "?", cpu ? cpu : "?", cs ? cs : "?");
	fprintf(f, "msgport module: %s\n", mp ? mp : "?");
	if (res->opts.iters)
		fprintf(f, "%u round(s), %llu iterations per cell after %.2f s warm-up", res->rounds,
			(unsigned long long)res->opts.iters, (double)res->opts.warmup_ns / 1e9);
	else
		fprintf(f, "%u round(s), %.2f s per cell after %.2f s warm-up", res->rounds,
			(double)res->opts.time_ns / 1e9, (double)res->opts.warmup_ns / 1e9);
	fprintf(f, ", queue depth %u, %.0f s in all\n", res->opts.depth, res->wall_s);
	if (res->opts.cpu[0] >= 0)
		fprintf(f, "client pinned to CPU %d, server to CPU %d\n", res->opts.cpu[0],
			res->opts.cpu[1]);
	fprintf(f, "load average at start: %s; at end: %s\n", la0 ? la0 : "?", la1 ? la1 : "?");
	if (res->skipped[0])
		fprintf(f, "skipped: %s\n", res->skipped);
	fprintf(f, "\n");
}

/* The one-process mode: the mechanisms that ran it, then msgport ÷ posix-mq. */
static void report_single_table(FILE *f, const struct bench_results *res)
{
	unsigned int m, s;
	bool any;
	char sz[32];

	fprintf(f, "\nOne process sending and receiving in turn on one queue, nobody to wake\n"
		"(ns per message, send + receive: the best of the %u round(s)' averages, and\n"
		"their median; CPU time per message, all of it and the system part):\n", res->rounds);
	fprintf(f, "%-18s %8s | %9s %9s %9s %9s\n", "mechanism", "size", "best", "median",
		"CPU/msg", "sys/msg");
	for (m = 0; m < res->nmech; m++) {
		for (s = 0; s < res->nsize; s++) {
			const struct cell_agg *c = res_cell(res, m, s);

			if (!res_runs(res, m, s, BENCH_SINGLE))
				continue;
			format_size(sz, sizeof(sz), res->size[s]);
			fprintf(f, "%-18s %8s |", res->mech[m]->name, sz);
			num(f, 9, res_sg_best_ns(c));
			num(f, 9, res_sg_median_ns(c));
			num(f, 9, res_sg_cpu_ns(c));
			num(f, 9, res_sg_sys_ns(c));
			if (c->failed)
				fprintf(f, "  FAILED: %s", c->err);
			fprintf(f, "\n");
		}
	}
	fprintf(f, "msgport ÷ posix-mq (best, lower is better):");
	any = false;
	for (s = 0; s < res->nsize; s++) {
		double v = res_sg_ratio(res, "msgport", "posix-mq", s);

		if (isnan(v))
			continue;
		format_size(sz, sizeof(sz), res->size[s]);
		fprintf(f, "%s %s %.2f×", any ? "," : "", sz, v);
		any = true;
	}
	fprintf(f, "%s\n", any ? "" : " not measured");
}

void report_table(FILE *f, const struct bench_results *res)
{
	unsigned int m, s;
	char sz[32];

	header(f, res);
	fprintf(f, "%-18s %8s | %-49s | %s\n", "", "",
		"round trip: latency, CPU (us)", "one-way stream: rate, CPU (us)");
	fprintf(f, "%-18s %8s | %9s %9s %9s %9s %9s | %10s %9s %9s\n", "mechanism", "size",
		"p1", "p50", "p99", "max", "CPU/rt", "msg/s", "MB/s", "CPU/msg");
	for (m = 0; m < res->nmech; m++) {
		for (s = 0; s < res->nsize; s++) {
			const struct cell_agg *c = res_cell(res, m, s);

			format_size(sz, sizeof(sz), res->size[s]);
			fprintf(f, "%-18s %8s |", res->mech[m]->name, sz);
			num(f, 9, res_lat_ns(c, 0.01) / 1e3);
			num(f, 9, res_lat_ns(c, 0.5) / 1e3);
			num(f, 9, res_lat_ns(c, 0.99) / 1e3);
			num(f, 9, res_lat_ns(c, 1.0) / 1e3);
			num(f, 9, res_lat_cpu_ns(c) / 1e3);
			fprintf(f, " |");
			num(f, 10, res_st_msgs(c));
			num(f, 9, (res->mech[m]->flags & BENCH_NODATA) ? NAN :
			    res_st_mbs(c, res->size[s]));
			num(f, 9, res_st_cpu_ns(c) / 1e3);
			if (c->failed)
				fprintf(f, "  FAILED: %s", c->err);
			fprintf(f, "\n");
		}
	}
	if (res_any_single(res))
		report_single_table(f, res);
	fprintf(f, "\nNotes on the mechanisms' configuration:\n");
	for (m = 0; m < res->nmech; m++) {
		const char *note = "";

		/* The note of the largest size says the most (chunking). */
		for (s = 0; s < res->nsize; s++)
			if (res_cell(res, m, s)->note[0])
				note = res_cell(res, m, s)->note;
		fprintf(f, "  %-18s %s%s%s\n", res->mech[m]->name, res->mech[m]->summary,
			note[0] ? ": " : "", note);
	}
	fprintf(f, "\n");
	report_targets(f, res, false);
}
