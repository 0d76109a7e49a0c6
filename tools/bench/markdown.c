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

/* How a target's ratio must compare with its bound. */
enum bound { AT_MOST, AT_LEAST, BELOW };

/* One target line: ratio = got / ref against bound x. */
static void target(FILE *f, bool md, const char *text, double ratio, enum bound b, double x,
		   const char *how)
{
	const char *verdict;

	if (isnan(ratio)) {
		if (md)
			fprintf(f, "- **not measured** %s\n", text);
		else
			fprintf(f, "  %-12s %s\n", "not measured", text);
		return;
	}
	if (b == AT_MOST ? ratio <= x : b == AT_LEAST ? ratio >= x : ratio < x)
		verdict = "MET";
	else
		verdict = "MISSED";
	fprintf(f, md ? "- **%s** %s: %s\n" : "  %-12s %s: %s\n", verdict, text, how);
}

/* The peers that copy the payload through the kernel, which the targets compare with. */
static const char *const kpeers[] = {
	"pipe", "fifo", "unix-stream", "unix-seqpacket", "posix-mq", "sysv-mq",
};

/* The best of kpeers[] at size for metric k (lowest or highest): its value and name. */
static double best_kpeer(const struct bench_results *res, size_t size, enum metric k,
			 const char **name)
{
	double best = NAN, v;
	unsigned int i;

	*name = "no peer";
	for (i = 0; i < sizeof(kpeers) / sizeof(kpeers[0]); i++) {
		v = lookup(res, kpeers[i], size, k);
		if (!isnan(v) && (isnan(best) || (metrics[k].higher_better ? v > best : v < best))) {
			best = v;
			*name = kpeers[i];
		}
	}
	return best;
}

static double single_at(const struct bench_results *res, const char *name, size_t size)
{
	return lookup(res, name, size, M_SINGLE);
}

/*
 * The targets of issue 18, each a ratio within this run: round trips and
 * streaming by medians (the p50 of every round trip; the median round's
 * rate), the one-process mode by its best round (what the mode reports).
 * Then the older ones that still say something (64 B round trip, spans).
 */
void report_targets(FILE *f, const struct bench_results *res, bool md)
{
	static const size_t rt_sizes[] = { 64 << 10, 1 << 20 };
	static const size_t st_sizes[] = { 16 << 10, 64 << 10, 1 << 20 };
	static const char *const rt64_peers[] = {
		"pipe", "unix-seqpacket", "posix-mq", "sysv-mq", "eventfd-ring",
	};
	double best, v, vb, mq, sn, mc;
	const char *bname, *mname;
	char how[256], text[160], sz[32];
	unsigned int i;

	fprintf(f, md ? "Targets, in this run (kernel-copy peers: pipe, fifo, unix-stream, "
		"unix-seqpacket, posix-mq, sysv-mq):\n\n" :
		"Targets, in this run (kernel-copy peers: pipe, fifo, unix-stream, unix-seqpacket,\n"
		"posix-mq, sysv-mq):\n");

	for (i = 0; i < sizeof(rt_sizes) / sizeof(rt_sizes[0]); i++) {
		format_size(sz, sizeof(sz), rt_sizes[i]);
		best = best_kpeer(res, rt_sizes[i], M_P50, &bname);
		v = lookup(res, "msgport", rt_sizes[i], M_P50);
		bench_fmt(text, sizeof(text),
			  "%s round trip (p50), msgport ≤ 0.7× the best kernel-copy peer", sz);
		bench_fmt(how, sizeof(how), "msgport %.1f µs vs %s %.1f µs = %.2f×", v, bname, best,
			  v / best);
		target(f, md, text, v / best, AT_MOST, 0.7, how);
	}

	for (i = 0; i < sizeof(st_sizes) / sizeof(st_sizes[0]); i++) {
		format_size(sz, sizeof(sz), st_sizes[i]);
		best = best_kpeer(res, st_sizes[i], M_MBS, &bname);
		v = lookup(res, "msgport", st_sizes[i], M_MBS);
		vb = lookup(res, "msgport-batch", st_sizes[i], M_MBS);
		mname = "msgport";
		if (!isnan(vb) && (isnan(v) || vb > v)) {
			v = vb;
			mname = "msgport-batch";
		}
		bench_fmt(text, sizeof(text),
			  "%s streaming MB/s, msgport (batched or not) ≥ 1.3× the best kernel-copy peer",
			  sz);
		bench_fmt(how, sizeof(how), "%s %.0f MB/s vs %s %.0f MB/s = %.2f×", mname, v, bname,
			  best, v / best);
		target(f, md, text, v / best, AT_LEAST, 1.3, how);
	}

	mq = lookup(res, "posix-mq", 64, M_MSGS);
	v = lookup(res, "msgport", 64, M_MSGS);
	bench_fmt(how, sizeof(how), "msgport %.0f msg/s vs posix-mq %.0f = %.2f×", v, mq, v / mq);
	target(f, md, "64 B streaming, unbatched msgport ≥ 1.3× POSIX mq", v / mq, AT_LEAST, 1.3,
	       how);
	v = lookup(res, "msgport-batch", 64, M_MSGS);
	bench_fmt(how, sizeof(how), "msgport-batch %.0f msg/s vs posix-mq %.0f = %.2f×", v, mq,
		  v / mq);
	target(f, md, "64 B streaming, batched msgport ≥ 2× POSIX mq", v / mq, AT_LEAST, 2.0, how);

	mq = single_at(res, "posix-mq", 64);
	v = single_at(res, "msgport", 64);
	bench_fmt(how, sizeof(how), "msgport %.0f ns vs posix-mq %.0f ns = %.2f×", v, mq, v / mq);
	target(f, md, "64 B in one process, msgport send + receive < POSIX mq's", v / mq, BELOW,
	       1.0, how);

	/* The older targets that still say something. */
	best = NAN;
	bname = "no peer";
	for (i = 0; i < sizeof(rt64_peers) / sizeof(rt64_peers[0]); i++) {
		vb = lookup(res, rt64_peers[i], 64, M_P50);
		if (!isnan(vb) && (isnan(best) || vb < best)) {
			best = vb;
			bname = rt64_peers[i];
		}
	}
	v = lookup(res, "msgport", 64, M_P50);
	bench_fmt(how, sizeof(how), "msgport %.2f µs vs %s %.2f µs = %.2f×", v, bname, best,
		  v / best);
	target(f, md, "64 B round trip (p50), msgport ≤ 0.8× the best of pipe, Unix seqpacket, "
	       "POSIX mq, SysV mq, eventfd+shm", v / best, AT_MOST, 0.8, how);

	sn = lookup(res, "msgport-span", 1 << 20, M_MBS);
	mc = lookup(res, "memcpy", 1 << 20, M_MBS);
	if (res_mech_index(res, "msgport-span") < 0)
		bench_fmt(how, sizeof(how), "no msgport-span mechanism in this run");
	else
		bench_fmt(how, sizeof(how), "msgport-span %.0f MB/s = %.2f× memcpy (%.0f MB/s)", sn,
			  sn / mc, mc);
	target(f, md, "1 MiB through region spans ≥ 0.5× memcpy bandwidth", sn / mc, AT_LEAST, 0.5,
	       how);
	fprintf(f, "\n");
}
