// SPDX-License-Identifier: GPL-2.0-or-later
/* Merging the rounds of each cell and deriving its numbers; see results.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"

void res_add(struct bench_results *res, unsigned int m, unsigned int s, enum bench_mode mode,
	     unsigned int round, const struct cell_result *r)
{
	struct cell_agg *c = res_cell(res, m, s);
	uint64_t cpu, csw;
	int i;

	if (r->note[0])
		bench_fmt(c->note, sizeof(c->note), "%s", r->note);
	if (r->err) {
		if (!c->failed)
			bench_fmt(c->err, sizeof(c->err), "%s, round %u: %s",
				 mode == BENCH_LATENCY ? "round trip" :
				 mode == BENCH_STREAM ? "stream" : "one process", round + 1, r->what);
		c->failed = true;
		return;
	}
	cpu = 0;
	csw = 0;
	for (i = 0; i < 2; i++) {
		cpu += r->side[i].utime_ns + r->side[i].stime_ns;
		csw += r->side[i].vcsw + r->side[i].ivcsw;
	}
	if (mode == BENCH_SINGLE) {
		c->sg_ns[c->sg_rounds++] = r->n ? (double)r->elapsed_ns / (double)r->n : NAN;
		c->sg_n += r->n;
		c->sg_cpu_ns += cpu;
		c->sg_sys_ns += r->side[BENCH_CLIENT].stime_ns;
		return;
	}
	if (mode == BENCH_LATENCY) {
		hist_merge(&c->lat, &r->hist);
		c->lat_p50[c->lat_rounds++] = (double)hist_quantile(&r->hist, 0.5);
		c->lat_n += r->n;
		c->lat_cpu_ns += cpu;
		c->lat_csw += csw;
	}
	/* A solo mechanism (a floor) streams by repeating its one operation. */
	if (mode == BENCH_STREAM || (res->mech[m]->flags & BENCH_SOLO)) {
		c->st_rate[c->st_rounds++] = r->elapsed_ns ?
			(double)r->n * 1e9 / (double)r->elapsed_ns : NAN;
		c->st_n += r->n;
		c->st_cpu_ns += cpu;
		c->st_csw += csw;
	}
}

double res_lat_ns(const struct cell_agg *c, double q)
{
	if (!c->lat.n)
		return NAN;
	return (double)hist_quantile(&c->lat, q);
}

double res_lat_cpu_ns(const struct cell_agg *c)
{
	return c->lat_n ? (double)c->lat_cpu_ns / (double)c->lat_n : NAN;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *rounds, unsigned int nr)
{
	double v[256];
	unsigned int n = nr < 256 ? nr : 256;

	if (!n)
		return NAN;
	memcpy(v, rounds, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double res_st_msgs(const struct cell_agg *c)
{
	return median(c->st_rate, c->st_rounds);
}

double res_st_mbs(const struct cell_agg *c, size_t size)
{
	return res_st_msgs(c) * (double)size / 1e6;
}

double res_st_cpu_ns(const struct cell_agg *c)
{
	return c->st_n ? (double)c->st_cpu_ns / (double)c->st_n : NAN;
}

double res_sg_best_ns(const struct cell_agg *c)
{
	double best = NAN;
	unsigned int r;

	for (r = 0; r < c->sg_rounds; r++)
		if (!isnan(c->sg_ns[r]) && (isnan(best) || c->sg_ns[r] < best))
			best = c->sg_ns[r];
	return best;
}

double res_sg_median_ns(const struct cell_agg *c)
{
	return median(c->sg_ns, c->sg_rounds);
}

double res_sg_cpu_ns(const struct cell_agg *c)
{
	return c->sg_n ? (double)c->sg_cpu_ns / (double)c->sg_n : NAN;
}

double res_sg_sys_ns(const struct cell_agg *c)
{
	return c->sg_n ? (double)c->sg_sys_ns / (double)c->sg_n : NAN;
}

double res_sg_ratio(const struct bench_results *res, const char *a, const char *b,
		    unsigned int s)
{
	int ma = res_mech_index(res, a), mb = res_mech_index(res, b);

	if (ma < 0 || mb < 0)
		return NAN;
	return res_sg_best_ns(res_cell(res, (unsigned int)ma, s)) /
	       res_sg_best_ns(res_cell(res, (unsigned int)mb, s));
}

bool res_any_single(const struct bench_results *res)
{
	unsigned int m, s;

	for (m = 0; m < res->nmech; m++)
		for (s = 0; s < res->nsize; s++)
			if (res_runs(res, m, s, BENCH_SINGLE))
				return true;
	return false;
}

bool res_runs(const struct bench_results *res, unsigned int m, unsigned int s,
	      enum bench_mode mode)
{
	unsigned int fl = res->mech[m]->flags;

	switch (mode) {
	case BENCH_LATENCY:
		return res->do_latency && !(fl & BENCH_NOLATENCY);
	case BENCH_STREAM:
		/* A solo mechanism's round trips are its stream too. */
		return res->do_stream && !(fl & BENCH_NOSTREAM) &&
		       !((fl & BENCH_SOLO) && res->do_latency);
	case BENCH_SINGLE:
		return res->do_single && (fl & BENCH_ONEPROC) &&
		       res->size[s] <= BENCH_SINGLE_MAX_SIZE;
	}
	return false;
}

int res_mech_index(const struct bench_results *res, const char *name)
{
	unsigned int m;

	for (m = 0; m < res->nmech; m++)
		if (!strcmp(res->mech[m]->name, name))
			return (int)m;
	return -1;
}

void format_size(char *buf, size_t len, size_t size)
{
	if (size >= (1U << 20) && size % (1U << 20) == 0)
		bench_fmt(buf, len, "%zu MiB", size >> 20);
	else if (size >= 1024 && size % 1024 == 0)
		bench_fmt(buf, len, "%zu KiB", size >> 10);
	else
		bench_fmt(buf, len, "%zu B", size);
}
