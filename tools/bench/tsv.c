// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TSV file that bench/plot.gp draws: one line per mechanism and size,
 * columns mech, kind, size (bytes), p50, p99, max (µs), msg/s, MB/s,
 * CPU µs per round trip, CPU µs per streamed message, and the one-process
 * mode's best ns per message (send + receive); "NaN" where nothing was
 * measured (gnuplot skips it).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "results.h"

static void col(FILE *f, double v)
{
	if (isnan(v))
		fprintf(f, "\tNaN");
	else
		fprintf(f, "\t%.6g", v);
}

int report_tsv(const char *path, const struct bench_results *res)
{
	static const char *const kind[] = { "peer", "msgport", "floor" };
	unsigned int m, s;
	FILE *f;
	int ret = 0;

	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "# mech\tkind\tsize\tp50_us\tp99_us\tmax_us\tmsgs_per_s\tmb_per_s\t"
		"cpu_us_per_rt\tcpu_us_per_msg\tsingle_ns_per_msg\n");
	for (m = 0; m < res->nmech; m++)
		for (s = 0; s < res->nsize; s++) {
			const struct cell_agg *c = res_cell(res, m, s);

			fprintf(f, "%s\t%s\t%zu", res->mech[m]->name, kind[res->mech[m]->kind],
				res->size[s]);
			col(f, res_lat_ns(c, 0.5) / 1e3);
			col(f, res_lat_ns(c, 0.99) / 1e3);
			col(f, res_lat_ns(c, 1.0) / 1e3);
			col(f, res_st_msgs(c));
			col(f, (res->mech[m]->flags & BENCH_NODATA) ? NAN :
			    res_st_mbs(c, res->size[s]));
			col(f, res_lat_cpu_ns(c) / 1e3);
			col(f, res_st_cpu_ns(c) / 1e3);
			col(f, res_sg_best_ns(c));
			fprintf(f, "\n");
		}
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}
