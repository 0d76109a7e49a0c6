// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport-bench: msgport measured beside the other IPC mechanisms of the
 * same kernel, in the same run, at the same message sizes.
 *
 * The run: for each round, for each size, for each mode (round trip, then
 * stream, then one process), every selected mechanism once, starting one
 * further along the list each round, so that drift and noise fall on all of
 * them alike.  The one-process mode (BENCH_SINGLE) runs only the mechanisms
 * that can (BENCH_ONEPROC), at the sizes up to 64 KiB.  Each
 * measurement has its own fresh pair of processes (runner.c).  At the end:
 * the table on stdout, and on request the JSON, TSV and Markdown files.
 *
 * Exit status: 0 every measurement succeeded; 1 a measurement failed (the
 * table says which and why) or a file could not be written; 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmsgport.h>

#include "bench.h"
#include "facts.h"
#include "parse.h"
#include "results.h"
#include "runner.h"
#include "scale.h"

#define EXIT_USAGE	2
#define MAX_SIZES	32
#define MAX_ROUNDS	100
#define MAX_SIZE	(64U << 20)

static const char *prog = "msgport-bench";
static const char *const mode_name[BENCH_NMODES] = {
	[BENCH_LATENCY] = "round trips",
	[BENCH_STREAM] = "streaming",
	[BENCH_SINGLE] = "one process",
};

/* The registered mechanisms: the linker collects BENCH_MECH() pointers. */
extern const struct bench_mech *const __start_bench_mechs[];
extern const struct bench_mech *const __stop_bench_mechs[];

static const struct bench_mech *all_mechs[64];
static unsigned int nall;

static int cmp_mech(const void *a, const void *b)
{
	const struct bench_mech *x = *(const struct bench_mech *const *)a;
	const struct bench_mech *y = *(const struct bench_mech *const *)b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void collect_mechs(void)
{
	const struct bench_mech *const *p;

	for (p = __start_bench_mechs; p < __stop_bench_mechs && nall < 64; p++)
		all_mechs[nall++] = *p;
	qsort(all_mechs, nall, sizeof(all_mechs[0]), cmp_mech);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"\n"
		"Measure msgport beside pipes, FIFOs, Unix sockets, POSIX and System V message\n"
		"queues and shared-memory rings: round-trip latency (p1, p50, p99, max), one-way\n"
		"streaming throughput (messages/s, MB/s) and CPU time per message, at several\n"
		"message sizes, every payload written by the sender and checked by the receiver;\n"
		"and one process sending and receiving in turn on one queue (ns per message,\n"
		"best of the rounds), the kernel's own cost per message with nobody to wake.\n"
		"Each measurement runs in a fresh pair of processes; mechanisms are interleaved\n"
		"round-robin and the whole is repeated --rounds times.  Prints an aligned table.\n"
		"\n"
		"Options:\n"
		"  -m, --mech LIST      mechanisms, comma-separated (default: all that can run\n"
		"                       here); also the groups 'peers', 'msgport-all', 'floors'\n"
		"  -s, --sizes LIST     message sizes, comma-separated, >= 8 bytes, suffixes K, M\n"
		"                       (default: 8,64,1K,16K,64K,1M)\n"
		"  -t, --time SEC       measured time per cell (default 0.25; units s, ms, us)\n"
		"  -w, --warmup SEC     unmeasured warm-up before it (default: a fifth of --time)\n"
		"      --no-prologue    skip the unrecorded pass over every mechanism and size,\n"
		"                       for the warm-up time, that precedes the first round\n"
		"  -n, --iters N        a fixed number of measured iterations per cell instead\n"
		"  -r, --rounds N       repeat everything N times, interleaved (default 5)\n"
		"  -d, --depth N        queue depth of the queueing mechanisms (default 16)\n"
		"      --cpus C,S       pin the client to CPU C and the server to CPU S\n"
		"                       (default: wherever the scheduler puts them)\n"
		"      --mode LIST      what to measure, comma-separated: latency (round trips),\n"
		"                       stream, single (one process, sizes up to 64K); both\n"
		"                       is latency,stream; all (the default) is all three\n"
		"      --pairs N        instead: 1, 2, 4, ... N sender/receiver pairs, a mailbox\n"
		"                       each, all at once: total and per-pair msg/s (scale.c)\n"
		"      --fan-in N       instead: 1, 2, 4, ... N senders to one receiver on one\n"
		"                       mailbox (both modes: --sizes default 64, N <= 64)\n"
		"  -j, --json FILE      write every number, per round too, and the machine facts\n"
		"      --tsv FILE       write the table as tab-separated values (for gnuplot)\n"
		"      --markdown FILE  write Markdown tables with msgport's ratio to the best peer\n"
		"  -l, --list           list the mechanisms and whether they can run here\n"
		"  -q, --quiet          no progress lines on stderr\n"
		"  -h, --help           this help\n"
		"  -V, --version        the version\n"
		"\n"
		"A cell is one mechanism at one size in one mode in one round.  A cell still\n"
		"running after max(60 s, 20 x (time + warm-up)) is killed and reported.\n"
		"\n"
		"Exit status: 0 all measurements succeeded, 1 a measurement failed or a file\n"
		"could not be written, 2 usage error.\n",
		prog);
}

static __attribute__((format(printf, 1, 2))) int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return EXIT_USAGE;
}

static int list_mechs(void)
{
	static const char *const kind[] = { "peer", "msgport", "floor" };
	char why[BENCH_ERR_MAX];
	unsigned int i;

	printf("%-16s %-8s %-10s %s\n", "mechanism", "kind", "here", "what");
	for (i = 0; i < nall; i++) {
		int ret = probe_mech(all_mechs[i], why, sizeof(why));

		printf("%-16s %-8s %-10s %s%s%s\n", all_mechs[i]->name, kind[all_mechs[i]->kind],
		       ret ? "no" : "yes", all_mechs[i]->summary, ret ? " -- " : "",
		       ret ? why : "");
	}
	return 0;
}

static bool in_group(const struct bench_mech *m, const char *g)
{
	return (!strcmp(g, "peers") && m->kind == BENCH_PEER) ||
	       (!strcmp(g, "msgport-all") && m->kind == BENCH_MSGPORT) ||
	       (!strcmp(g, "floors") && m->kind == BENCH_FLOOR) || !strcmp(g, "all");
}

/* --mech: names and groups, in table order, each once. */
/* want[]: how a mechanism was asked for (a group skips what cannot run here). */
enum { WANT_NOT, WANT_GROUP, WANT_NAMED };

static int parse_mechs(char *list, unsigned char *want)
{
	char *save = NULL, *tok;
	bool found;
	unsigned int i;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		found = false;
		for (i = 0; i < nall; i++) {
			if (!strcmp(all_mechs[i]->name, tok)) {
				want[i] = WANT_NAMED;
				found = true;
			} else if (in_group(all_mechs[i], tok)) {
				if (!want[i])
					want[i] = WANT_GROUP;
				found = true;
			}
		}
		if (!found && strcmp(tok, "msgport-all") && strcmp(tok, "peers") &&
		    strcmp(tok, "floors"))
			return usage_error("--mech: no mechanism '%s' (see --list)", tok);
	}
	return 0;
}

static int parse_sizes(char *list, size_t *sizes, unsigned int *n)
{
	char *save = NULL, *tok;
	uint32_t v;

	*n = 0;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (parse_size(tok, &v) || v < BENCH_MIN_SIZE || v > MAX_SIZE)
			return usage_error("--sizes: '%s' is not a size from 8 bytes to 64M", tok);
		if (*n == MAX_SIZES)
			return usage_error("--sizes: more than %d sizes", MAX_SIZES);
		sizes[(*n)++] = v;
	}
	if (!*n)
		return usage_error("--sizes: no size given");
	return 0;
}

/*
 * Before the first round, every mechanism runs once at every size for the
 * warm-up time, unrecorded: the first use of a code path is slow (caches,
 * page tables, slab caches, and under TCG the translation of the code).
 */
static void run_prologue(const struct bench_results *res, const struct cell_opts *o, bool quiet)
{
	struct cell_opts po = *o;
	struct cell_result *cr = malloc(sizeof(*cr));
	unsigned int m, s;

	if (!cr)
		return;
	po.time_ns = o->warmup_ns ? o->warmup_ns : o->time_ns / 5;
	po.warmup_ns = 0;
	po.iters = 0;
	if (!quiet)
		fprintf(stderr, "%s: warming up every mechanism at every size (not recorded)\n",
			prog);
	for (s = 0; s < res->nsize; s++)
		for (m = 0; m < res->nmech; m++)
			for (int mode = BENCH_LATENCY; mode < BENCH_NMODES; mode++)
				if (res_runs(res, m, s, (enum bench_mode)mode))
					run_cell(res->mech[m], res->size[s], (enum bench_mode)mode,
						 &po, cr);
	free(cr);
}

/* --mode LIST */
static int parse_modes(char *list, struct bench_results *res)
{
	char *save = NULL, *tok;

	res->do_latency = res->do_stream = res->do_single = false;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "latency"))
			res->do_latency = true;
		else if (!strcmp(tok, "stream"))
			res->do_stream = true;
		else if (!strcmp(tok, "single"))
			res->do_single = true;
		else if (!strcmp(tok, "both"))
			res->do_latency = res->do_stream = true;
		else if (!strcmp(tok, "all"))
			res->do_latency = res->do_stream = res->do_single = true;
		else
			return usage_error("--mode: '%s' is not latency, stream, single, both or all",
					   tok);
	}
	if (!res->do_latency && !res->do_stream && !res->do_single)
		return usage_error("--mode: nothing to measure");
	return 0;
}

/* --cpus C,S */
static int parse_cpus(const char *arg, int *cpu)
{
	char a[16], *comma;
	uint32_t c, s;

	if (strlen(arg) >= sizeof(a))
		return -EINVAL;
	strcpy(a, arg);
	comma = strchr(a, ',');
	if (!comma)
		return -EINVAL;
	*comma = '\0';
	if (parse_u32(a, 0, CPU_SETSIZE - 1, &c) || parse_u32(comma + 1, 0, CPU_SETSIZE - 1, &s))
		return -EINVAL;
	cpu[0] = (int)c;
	cpu[1] = (int)s;
	return 0;
}

static const struct option long_opts[] = {
	{ "mech", required_argument, NULL, 'm' },
	{ "sizes", required_argument, NULL, 's' },
	{ "time", required_argument, NULL, 't' },
	{ "warmup", required_argument, NULL, 'w' },
	{ "iters", required_argument, NULL, 'n' },
	{ "rounds", required_argument, NULL, 'r' },
	{ "depth", required_argument, NULL, 'd' },
	{ "mode", required_argument, NULL, 'M' },
	{ "json", required_argument, NULL, 'j' },
	{ "tsv", required_argument, NULL, 'T' },
	{ "markdown", required_argument, NULL, 'D' },
	{ "list", no_argument, NULL, 'l' },
	{ "no-prologue", no_argument, NULL, 'P' },
	{ "cpus", required_argument, NULL, 'C' },
	{ "pairs", required_argument, NULL, 'R' },
	{ "fan-in", required_argument, NULL, 'F' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	static const size_t default_sizes[] = { 8, 64, 1024, 16384, 65536, 1048576 };
	const char *json = NULL, *tsv = NULL, *md = NULL;
	struct bench_results res = { .rounds = 5, .do_latency = true, .do_stream = true,
				     .do_single = true };
	struct cell_opts o = { .time_ns = 250000000ULL, .depth = 16, .cpu = { -1, -1 } };
	unsigned char want[64] = { WANT_NOT };
	bool any_want = false, quiet = false, warm_set = false, do_list = false;
	bool prologue = true;
	struct scale_opts so = { 0 };
	size_t sizes[MAX_SIZES];
	unsigned int nsizes = 0, i, m, s, r, k, failures = 0;
	uint64_t t_start;
	int c, ret;
	int64_t ns;
	uint32_t u;

	collect_mechs();
	while ((c = getopt_long(argc, argv, "m:s:t:w:n:r:d:j:lqhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			ret = parse_mechs(optarg, want);
			if (ret)
				return ret;
			any_want = true;
			break;
		case 's':
			ret = parse_sizes(optarg, sizes, &nsizes);
			if (ret)
				return ret;
			break;
		case 't':
			if (parse_duration_ns(optarg, &ns) || ns <= 0 || ns > 3600LL * 1000000000LL)
				return usage_error("--time: '%s' is not a duration up to an hour", optarg);
			o.time_ns = (uint64_t)ns;
			break;
		case 'w':
			if (parse_duration_ns(optarg, &ns) || ns > 3600LL * 1000000000LL)
				return usage_error("--warmup: '%s' is not a duration up to an hour", optarg);
			o.warmup_ns = (uint64_t)ns;
			warm_set = true;
			break;
		case 'n':
			if (parse_u32(optarg, 1, 1000000000U, &u))
				return usage_error("--iters: '%s' is not a count from 1", optarg);
			o.iters = u;
			break;
		case 'r':
			if (parse_u32(optarg, 1, MAX_ROUNDS, &u))
				return usage_error("--rounds: '%s' is not a count from 1 to 100", optarg);
			res.rounds = u;
			break;
		case 'd':
			if (parse_u32(optarg, 1, 1024, &u))
				return usage_error("--depth: '%s' is not a count from 1 to 1024", optarg);
			o.depth = u;
			break;
		case 'M':
			ret = parse_modes(optarg, &res);
			if (ret)
				return ret;
			break;
		case 'j':
			json = optarg;
			break;
		case 'T':
			tsv = optarg;
			break;
		case 'D':
			md = optarg;
			break;
		case 'l':
			do_list = true;
			break;
		case 'P':
			prologue = false;
			break;
		case 'C':
			if (parse_cpus(optarg, o.cpu))
				return usage_error("--cpus: '%s' is not CLIENT,SERVER (CPU numbers)", optarg);
			break;
		case 'R':
		case 'F':
			if (parse_u32(optarg, 1, SCALE_MAX, &u))
				return usage_error("--%s: '%s' is not a count from 1 to %d",
						   c == 'R' ? "pairs" : "fan-in", optarg, SCALE_MAX);
			*(c == 'R' ? &so.pairs : &so.fan_in) = u;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s (msgport) %s\n", prog, msgport_lib_version());
			return 0;
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (do_list)
		return list_mechs();
	if (so.pairs || so.fan_in) {
		if (any_want || o.iters || tsv || md || o.cpu[0] >= 0 || !res.do_latency ||
		    !res.do_stream || !res.do_single)
			return usage_error("--pairs, --fan-in: msgport mailboxes streaming for --time; "
					   "no --mech, --iters, --mode, --cpus, --tsv, --markdown");
		so.sizes = nsizes ? sizes : (const size_t[]){ 64 };
		so.nsizes = nsizes ? nsizes : 1;
		so.time_ns = o.time_ns;
		so.warmup_ns = warm_set ? o.warmup_ns : o.time_ns / 5;
		so.rounds = res.rounds;
		so.depth = o.depth;
		so.json = json;
		so.quiet = quiet;
		return scale_run(&so);
	}
	if (!nsizes) {
		nsizes = sizeof(default_sizes) / sizeof(default_sizes[0]);
		memcpy(sizes, default_sizes, sizeof(default_sizes));
	}
	if (!warm_set)
		o.warmup_ns = o.time_ns / 5;
	o.timeout_ns = 20 * (o.time_ns + o.warmup_ns);
	if (o.timeout_ns < 60000000000ULL || o.iters)
		o.timeout_ns = o.iters ? 600000000000ULL : 60000000000ULL;

	/* Which mechanisms: those asked for must run; by default, those that can. */
	res.mech = calloc(nall, sizeof(*res.mech));
	if (!res.mech)
		return 1;
	for (i = 0; i < nall; i++) {
		char why[BENCH_ERR_MAX];

		if (any_want && !want[i])
			continue;
		if (probe_mech(all_mechs[i], why, sizeof(why))) {
			if (want[i] == WANT_NAMED) {
				fprintf(stderr, "%s: %s cannot run here: %s\n", prog, all_mechs[i]->name,
					why);
				return 1;
			}
			fprintf(stderr, "%s: skipping %s: %s\n", prog, all_mechs[i]->name, why);
			k = (unsigned int)strlen(res.skipped);
			bench_fmt(res.skipped + k, sizeof(res.skipped) - k, "%s%s (%s)", k ? "; " : "",
				 all_mechs[i]->name, why);
			continue;
		}
		res.mech[res.nmech++] = all_mechs[i];
	}
	if (!res.nmech) {
		fprintf(stderr, "%s: no mechanism can run here\n", prog);
		return 1;
	}
	res.nsize = nsizes;
	res.size = sizes;
	res.opts = o;
	res.cell = calloc((size_t)res.nmech * nsizes, sizeof(*res.cell));
	if (!res.cell)
		return 1;
	for (i = 0; i < res.nmech * nsizes; i++) {
		hist_init(&res.cell[i].lat);
		res.cell[i].lat_p50 = calloc(res.rounds, sizeof(double));
		res.cell[i].st_rate = calloc(res.rounds, sizeof(double));
		res.cell[i].sg_ns = calloc(res.rounds, sizeof(double));
		if (!res.cell[i].lat_p50 || !res.cell[i].st_rate || !res.cell[i].sg_ns)
			return 1;
	}

	facts_gather(&res.facts);
	t_start = bench_now_ns();
	if (prologue)
		run_prologue(&res, &o, quiet);
	for (r = 0; r < res.rounds; r++) {
		for (s = 0; s < nsizes; s++) {
			for (int mode = BENCH_LATENCY; mode < BENCH_NMODES; mode++) {
				char sz[32];

				for (m = 0; m < res.nmech; m++)
					if (res_runs(&res, m, s, (enum bench_mode)mode))
						break;
				if (m == res.nmech)
					continue;
				format_size(sz, sizeof(sz), sizes[s]);
				if (!quiet)
					fprintf(stderr, "%s: round %u/%u, %s, %s\n", prog, r + 1,
						res.rounds, sz, mode_name[mode]);
				for (k = 0; k < res.nmech; k++) {
					struct cell_result *cr;

					m = (k + r) % res.nmech;
					if (!res_runs(&res, m, s, (enum bench_mode)mode))
						continue;
					cr = malloc(sizeof(*cr));
					if (!cr)
						return 1;
					run_cell(res.mech[m], sizes[s], (enum bench_mode)mode, &o, cr);
					if (cr->err) {
						failures++;
						fprintf(stderr, "%s: %s, %s, %s: %s\n", prog,
							res.mech[m]->name, sz, mode_name[mode],
							cr->what);
					}
					res_add(&res, m, s, (enum bench_mode)mode, r, cr);
					free(cr);
				}
			}
		}
	}
	res.wall_s = (double)(bench_now_ns() - t_start) / 1e9;
	{
		char la[200];

		if (!read_line_file("/proc/loadavg", la, sizeof(la)))
			facts_set(&res.facts, "loadavg_end", false, "%s", la);
	}

	report_table(stdout, &res);
	fflush(stdout);
	ret = failures ? 1 : 0;
	if (json && (c = report_json(json, &res))) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, json, strerror(-c));
		ret = 1;
	}
	if (tsv && (c = report_tsv(tsv, &res))) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, tsv, strerror(-c));
		ret = 1;
	}
	if (md && (c = report_markdown(md, &res))) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, md, strerror(-c));
		ret = 1;
	}
	if (failures)
		fprintf(stderr, "%s: %u measurement(s) failed (see the table)\n", prog, failures);
	return ret;
}
