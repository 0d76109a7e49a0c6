// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON file: options, facts, mechanisms (with their configuration
 * notes), and per mechanism and size the merged numbers plus each round's,
 * so a reader can judge the spread ("single": the one-process mode, where it
 * ran).  Times are in nanoseconds, rates per
 * second, sizes in bytes; a number that was not measured is null.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "results.h"

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void jnum(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.6g", v);
}

static const char *kind_name(enum bench_kind k)
{
	switch (k) {
	case BENCH_PEER:
		return "peer";
	case BENCH_MSGPORT:
		return "msgport";
	case BENCH_FLOOR:
		return "floor";
	}
	return "?";
}

static void cell_json(FILE *f, const struct bench_results *res, unsigned int m, unsigned int s)
{
	const struct cell_agg *c = res_cell(res, m, s);
	unsigned int r;

	fprintf(f, "    {\"mech\": ");
	jstr(f, res->mech[m]->name);
	fprintf(f, ", \"size\": %zu", res->size[s]);
	if (c->failed) {
		fprintf(f, ", \"error\": ");
		jstr(f, c->err);
	}
	if (res->do_latency) {
		fprintf(f, ",\n     \"latency\": {\"n\": %llu, \"p50_ns\": ",
			(unsigned long long)c->lat.n);
		jnum(f, res_lat_ns(c, 0.5));
		fprintf(f, ", \"p1_ns\": ");
		jnum(f, res_lat_ns(c, 0.01));
		fprintf(f, ", \"p99_ns\": ");
		jnum(f, res_lat_ns(c, 0.99));
		fprintf(f, ", \"max_ns\": ");
		jnum(f, res_lat_ns(c, 1.0));
		fprintf(f, ", \"min_ns\": ");
		jnum(f, c->lat.n ? (double)c->lat.min : NAN);
		fprintf(f, ", \"mean_ns\": ");
		jnum(f, c->lat.n ? (double)c->lat.sum / (double)c->lat.n : NAN);
		fprintf(f, ", \"cpu_ns_per_rt\": ");
		jnum(f, res_lat_cpu_ns(c));
		fprintf(f, ", \"ctxsw_per_rt\": ");
		jnum(f, c->lat_n ? (double)c->lat_csw / (double)c->lat_n : NAN);
		fprintf(f, ", \"round_p50_ns\": [");
		for (r = 0; r < c->lat_rounds; r++) {
			if (r)
				fputs(", ", f);
			jnum(f, c->lat_p50[r]);
		}
		fprintf(f, "]}");
	}
	if (res->do_stream) {
		fprintf(f, ",\n     \"stream\": {\"n\": %llu, \"msgs_per_s\": ",
			(unsigned long long)c->st_n);
		jnum(f, res_st_msgs(c));
		fprintf(f, ", \"mb_per_s\": ");
		jnum(f, res_st_mbs(c, res->size[s]));
		fprintf(f, ", \"cpu_ns_per_msg\": ");
		jnum(f, res_st_cpu_ns(c));
		fprintf(f, ", \"ctxsw_per_msg\": ");
		jnum(f, c->st_n ? (double)c->st_csw / (double)c->st_n : NAN);
		fprintf(f, ", \"round_msgs_per_s\": [");
		for (r = 0; r < c->st_rounds; r++) {
			if (r)
				fputs(", ", f);
			jnum(f, c->st_rate[r]);
		}
		fprintf(f, "]}");
	}
	if (res_runs(res, m, s, BENCH_SINGLE)) {
		fprintf(f, ",\n     \"single\": {\"n\": %llu, \"best_ns_per_msg\": ",
			(unsigned long long)c->sg_n);
		jnum(f, res_sg_best_ns(c));
		fprintf(f, ", \"median_ns_per_msg\": ");
		jnum(f, res_sg_median_ns(c));
		fprintf(f, ", \"cpu_ns_per_msg\": ");
		jnum(f, res_sg_cpu_ns(c));
		fprintf(f, ", \"sys_ns_per_msg\": ");
		jnum(f, res_sg_sys_ns(c));
		fprintf(f, ", \"round_ns_per_msg\": [");
		for (r = 0; r < c->sg_rounds; r++) {
			if (r)
				fputs(", ", f);
			jnum(f, c->sg_ns[r]);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "}");
}

int report_json(const char *path, const struct bench_results *res)
{
	unsigned int i, m, s;
	FILE *f;
	int ret = 0;

	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "{\n  \"tool\": \"msgport-bench\",\n  \"version\": ");
	jstr(f, MSGPORT_BENCH_VERSION);
	fprintf(f, ",\n  \"wall_s\": ");
	jnum(f, res->wall_s);
	fprintf(f, ",\n  \"options\": {\"time_ns\": %llu, \"warmup_ns\": %llu, \"iters\": %llu, "
		"\"rounds\": %u, \"depth\": %u, \"cell_timeout_ns\": %llu, \"sizes\": [",
		(unsigned long long)res->opts.time_ns, (unsigned long long)res->opts.warmup_ns,
		(unsigned long long)res->opts.iters, res->rounds, res->opts.depth,
		(unsigned long long)res->opts.timeout_ns);
	for (s = 0; s < res->nsize; s++)
		fprintf(f, "%s%zu", s ? ", " : "", res->size[s]);
	fprintf(f, "], \"cpus\": ");
	if (res->opts.cpu[0] >= 0)
		fprintf(f, "[%d, %d]", res->opts.cpu[0], res->opts.cpu[1]);
	else
		fputs("null", f);
	fprintf(f, ", \"modes\": [%s%s%s%s%s]},\n  \"facts\": {",
		res->do_latency ? "\"latency\"" : "", res->do_latency && res->do_stream ? ", " : "",
		res->do_stream ? "\"stream\"" : "",
		(res->do_latency || res->do_stream) && res->do_single ? ", " : "",
		res->do_single ? "\"single\"" : "");
	for (i = 0; i < res->facts.n; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		jstr(f, res->facts.f[i].key);
		fprintf(f, ": ");
		if (res->facts.f[i].number)
			fputs(res->facts.f[i].val, f);
		else
			jstr(f, res->facts.f[i].val);
	}
	fprintf(f, "\n  },\n  \"skipped\": ");
	jstr(f, res->skipped);
	fprintf(f, ",\n  \"mechanisms\": [");
	for (m = 0; m < res->nmech; m++) {
		const char *note = "";

		for (s = 0; s < res->nsize; s++)
			if (res_cell(res, m, s)->note[0])
				note = res_cell(res, m, s)->note;
		fprintf(f, "%s\n    {\"name\": ", m ? "," : "");
		jstr(f, res->mech[m]->name);
		fprintf(f, ", \"kind\": ");
		jstr(f, kind_name(res->mech[m]->kind));
		fprintf(f, ", \"summary\": ");
		jstr(f, res->mech[m]->summary);
		fprintf(f, ", \"config\": ");
		jstr(f, note);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n  \"results\": [\n");
	for (m = 0; m < res->nmech; m++)
		for (s = 0; s < res->nsize; s++) {
			cell_json(f, res, m, s);
			fprintf(f, "%s\n", m + 1 == res->nmech && s + 1 == res->nsize ? "" : ",");
		}
	fprintf(f, "  ]\n}\n");
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}
