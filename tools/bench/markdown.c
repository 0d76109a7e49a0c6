// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The README's "Numbers" tables, in Markdown: mechanisms by size for
 * round-trip p50, p1 and p99, CPU per round trip, streaming messages/s and
 * MB/s, CPU per streamed message, each followed by one row per msgport
 * mechanism giving its ratio to the best peer of that column (floors and
 * msgport itself excluded): to the best peer that carries the payload
 * through the kernel, and also to the best shared-memory ring when that one
 * is better; the one-process mode's table with msgport ÷ posix-mq; and the
 * project's targets checked against this run.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "results.h"

enum metric { M_P1, M_P50, M_P99, M_CPU_RT, M_MSGS, M_MBS, M_CPU, M_SINGLE };

static const struct {
	const char *title;
	bool higher_better;
} metrics[] = {
	[M_P1] = { "Round-trip latency, 1st percentile: the fast end, which load moves least (µs; lower is better)",
		    false },
	[M_P50] = { "Round-trip latency, median (µs; lower is better)", false },
	[M_P99] = { "Round-trip latency, 99th percentile (µs; lower is better)", false },
	[M_CPU_RT] = { "CPU time per round trip, both processes (µs; lower is better): what a "
		       "spinning wait costs beside what it saves", false },
	[M_MSGS] = { "Streaming, messages per second (higher is better)", true },
	[M_MBS] = { "Streaming, MB/s (10^6 bytes; higher is better)", true },
	[M_CPU] = { "CPU time per streamed message, both processes (µs; lower is better)", false },
	[M_SINGLE] = { "One process sending and receiving in turn on one queue: ns per message "
		       "(send + receive), the best round (lower is better)", false },
};

static double value(const struct bench_results *res, unsigned int m, unsigned int s,
		    enum metric k)
{
	const struct cell_agg *c = res_cell(res, m, s);

	switch (k) {
	case M_P1:
		return res_lat_ns(c, 0.01) / 1e3;
	case M_P50:
		return res_lat_ns(c, 0.5) / 1e3;
	case M_P99:
		return res_lat_ns(c, 0.99) / 1e3;
	case M_CPU_RT:
		return res_lat_cpu_ns(c) / 1e3;
	case M_MSGS:
		return res_st_msgs(c);
	case M_MBS:
		return res_st_mbs(c, res->size[s]);
	case M_CPU:
		return res_st_cpu_ns(c) / 1e3;
	case M_SINGLE:
		return res_sg_best_ns(c);
	}
	return NAN;
}

/* The best peer of a column (with_shm: the rings too): its index, or -1. */
static int best_peer(const struct bench_results *res, unsigned int s, enum metric k,
		     bool with_shm)
{
	double best = NAN, v;
	unsigned int m;
	int bi = -1;

	for (m = 0; m < res->nmech; m++) {
		if (res->mech[m]->kind != BENCH_PEER ||
		    (!with_shm && (res->mech[m]->flags & BENCH_SHM)))
			continue;
		v = value(res, m, s, k);
		if (isnan(v))
			continue;
		if (bi < 0 || (metrics[k].higher_better ? v > best : v < best)) {
			best = v;
			bi = (int)m;
		}
	}
	return bi;
}

static void cell(FILE *f, double v)
{
	if (isnan(v))
		fprintf(f, " – |");
	else if (v < 10)
		fprintf(f, " %.2f |", v);
	else if (v < 1000)
		fprintf(f, " %.1f |", v);
	else
		fprintf(f, " %.0f |", v);
}

static void table(FILE *f, const struct bench_results *res, enum metric k)
{
	unsigned int m, s;
	char sz[32];
	int b;

	fprintf(f, "**%s**\n\n| mechanism |", metrics[k].title);
	for (s = 0; s < res->nsize; s++) {
		format_size(sz, sizeof(sz), res->size[s]);
		fprintf(f, " %s |", sz);
	}
	fprintf(f, "\n|---|");
	for (s = 0; s < res->nsize; s++)
		fprintf(f, "--:|");
	fprintf(f, "\n");
	for (m = 0; m < res->nmech; m++) {
		if (res->mech[m]->kind == BENCH_FLOOR && (res->mech[m]->flags & BENCH_NODATA) &&
		    k == M_MBS)
			continue;	/* no data, no bandwidth */
		fprintf(f, "| %s%s%s |", res->mech[m]->kind == BENCH_MSGPORT ? "**" : "",
			res->mech[m]->name, res->mech[m]->kind == BENCH_MSGPORT ? "**" : "");
		for (s = 0; s < res->nsize; s++)
			cell(f, value(res, m, s, k));
		fprintf(f, "\n");
	}
	for (m = 0; m < res->nmech; m++) {
		if (res->mech[m]->kind != BENCH_MSGPORT)
			continue;
		fprintf(f, "| *%s ÷ best peer* |", res->mech[m]->name);
		for (s = 0; s < res->nsize; s++) {
			double v = value(res, m, s, k);
			int bk = best_peer(res, s, k, false);

			b = best_peer(res, s, k, true);
			if (b < 0 || isnan(v)) {
				fprintf(f, " – |");
				continue;
			}
			/* Through the kernel first; then a ring, if it is better. */
			if (bk >= 0 && bk != b)
				fprintf(f, " %.2f× %s, %.2f× %s |",
					v / value(res, (unsigned int)bk, s, k), res->mech[bk]->name,
					v / value(res, (unsigned int)b, s, k), res->mech[b]->name);
			else
				fprintf(f, " %.2f× %s |", v / value(res, (unsigned int)b, s, k),
					res->mech[b]->name);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "\n");
}

/* The one-process mode: its mechanisms and sizes only, then msgport ÷ posix-mq. */
static void single_table(FILE *f, const struct bench_results *res)
{
	unsigned int m, s;
	char sz[32];

	fprintf(f, "**%s**\n\n| mechanism |", metrics[M_SINGLE].title);
	for (s = 0; s < res->nsize; s++) {
		if (res->size[s] > BENCH_SINGLE_MAX_SIZE)
			continue;
		format_size(sz, sizeof(sz), res->size[s]);
		fprintf(f, " %s |", sz);
	}
	fprintf(f, "\n|---|");
	for (s = 0; s < res->nsize; s++)
		if (res->size[s] <= BENCH_SINGLE_MAX_SIZE)
			fprintf(f, "--:|");
	fprintf(f, "\n");
	for (m = 0; m < res->nmech; m++) {
		if (!(res->mech[m]->flags & BENCH_ONEPROC))
			continue;
		fprintf(f, "| %s%s%s |", res->mech[m]->kind == BENCH_MSGPORT ? "**" : "",
			res->mech[m]->name, res->mech[m]->kind == BENCH_MSGPORT ? "**" : "");
		for (s = 0; s < res->nsize; s++)
			if (res->size[s] <= BENCH_SINGLE_MAX_SIZE)
				cell(f, value(res, m, s, M_SINGLE));
		fprintf(f, "\n");
	}
	fprintf(f, "| *msgport ÷ posix-mq* |");
	for (s = 0; s < res->nsize; s++) {
		double v = res_sg_ratio(res, "msgport", "posix-mq", s);

		if (res->size[s] > BENCH_SINGLE_MAX_SIZE)
			continue;
		if (isnan(v))
			fprintf(f, " – |");
		else
			fprintf(f, " %.2f× |", v);
	}
	fprintf(f, "\n\n");
}

int report_markdown(const char *path, const struct bench_results *res)
{
	FILE *f = fopen(path, "we");
	int ret = 0;

	if (!f)
		return -errno;
	if (res->do_latency) {
		table(f, res, M_P50);
		table(f, res, M_P1);
		table(f, res, M_P99);
		table(f, res, M_CPU_RT);
	}
	if (res->do_stream) {
		table(f, res, M_MSGS);
		table(f, res, M_MBS);
		table(f, res, M_CPU);
	}
	if (res_any_single(res))
		single_table(f, res);
	report_targets(f, res, true);
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/* Value of a mechanism at a size, or NAN if either is not in the run. */
static double lookup(const struct bench_results *res, const char *name, size_t size,
		     enum metric k)
{
	int m = res_mech_index(res, name);
	unsigned int s;

	if (m < 0)
		return NAN;
	for (s = 0; s < res->nsize; s++)
		if (res->size[s] == size)
			return value(res, (unsigned int)m, s, k);
	return NAN;
}

static void target(FILE *f, bool md, const char *text, double got, double want, bool at_least,
		   const char *how)
{
	const char *verdict;

	if (isnan(got) || isnan(want))
		verdict = "not measured";
	else if (at_least ? got >= want : got <= want)
		verdict = "MET";
	else
		verdict = "MISSED";
	fprintf(f, md ? "- **%s** %s: %s\n" : "  %-12s %s: %s\n", verdict, text, how);
}

void report_targets(FILE *f, const struct bench_results *res, bool md)
{
	static const char *const rt_peers[] = {
		"pipe", "unix-seqpacket", "posix-mq", "sysv-mq", "eventfd-ring",
	};
	double best = NAN, v, mq, sp, mc, sn;
	const char *best_name = "?", *stream;
	char how[256];
	unsigned int i;

	fprintf(f, md ? "Targets, in this run:\n\n" : "Targets, in this run:\n");

	for (i = 0; i < sizeof(rt_peers) / sizeof(rt_peers[0]); i++) {
		v = lookup(res, rt_peers[i], 64, M_P50);
		if (!isnan(v) && (isnan(best) || v < best)) {
			best = v;
			best_name = rt_peers[i];
		}
	}
	v = lookup(res, "msgport", 64, M_P50);
	bench_fmt(how, sizeof(how), "msgport %.2f µs vs %s %.2f µs = %.2f×", v, best_name, best,
		 v / best);
	target(f, md, "64 B round trip, msgport ≤ 0.8× the best of pipe, Unix seqpacket, "
		 "POSIX mq, SysV mq, eventfd+shm", v, 0.8 * best, false, how);

	/* Streaming: msgport's batched path where it ran (the targets count it). */
	stream = "msgport-batch";
	v = lookup(res, stream, 64, M_MSGS);
	if (isnan(v)) {
		stream = "msgport";
		v = lookup(res, stream, 64, M_MSGS);
	}
	mq = lookup(res, "posix-mq", 64, M_MSGS);
	sp = lookup(res, "unix-seqpacket", 64, M_MSGS);
	bench_fmt(how, sizeof(how), "%s %.0f msg/s = %.2f× posix-mq (%.0f)", stream, v, v / mq,
		  mq);
	target(f, md, "64 B streaming, msgport ≥ 2× POSIX mq", v, 2 * mq, true, how);
	bench_fmt(how, sizeof(how), "%s %.0f msg/s = %.2f× unix-seqpacket (%.0f)", stream, v,
		  v / sp, sp);
	target(f, md, "64 B streaming, msgport ≥ Unix seqpacket", v, sp, true, how);

	sn = lookup(res, "msgport-span", 1 << 20, M_MBS);
	mc = lookup(res, "memcpy", 1 << 20, M_MBS);
	if (res_mech_index(res, "msgport-span") < 0)
		bench_fmt(how, sizeof(how), "no msgport-span mechanism in this run");
	else
		bench_fmt(how, sizeof(how), "msgport-span %.0f MB/s = %.2f× memcpy (%.0f MB/s)", sn,
			 sn / mc, mc);
	target(f, md, "1 MiB through region spans ≥ 0.5× memcpy bandwidth", sn, 0.5 * mc, true, how);
	fprintf(f, "\n");
}
