// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-test: the in-VM test runner.  Runs the cmocka suites against the
 * loaded module, prints cmocka's summary of each and one closing line
 * "N passed, N failed" over everything that ran (after a line "N skipped"
 * if tests were skipped: TU_SKIP(), counted in neither); exit 0 iff nothing
 * failed.
 * The suites are those that MSGPORT_SUITE() registered (msgport_test.h), in
 * the order of their group and order key.
 */
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "msgport_test.h"

/* The registered suites: the linker collects MSGPORT_SUITE() pointers. */
extern const struct msgport_suite *const __start_msgport_suites[];
extern const struct msgport_suite *const __stop_msgport_suites[];

/* --list's heading of each group. */
static const char *const group_titles[MSGPORT_NR_GROUPS] = {
	[MSGPORT_GROUP_MODULE] = "the kernel module",
	[MSGPORT_GROUP_CLI] = "the msgport CLI (tests/cli/)",
	[MSGPORT_GROUP_LAST] = "last: unloads and reloads the module",
};

/* Tests skipped so far (TU_SKIP()). */
unsigned long tu_nskipped;

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* All suites in run order, and how many. */
static const struct msgport_suite **suites;
static size_t nsuites;

static int cmp_suite(const void *a, const void *b)
{
	const struct msgport_suite *x = *(const struct msgport_suite *const *)a;
	const struct msgport_suite *y = *(const struct msgport_suite *const *)b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * Fill suites[] from the linker section and sort it by group, then order
 * key.  False, after saying why, if a suite has no known group or two
 * share a name or a (group, order) pair: then the order or a SUITE
 * argument would be ambiguous.
 */
static bool collect_suites(void)
{
	const struct msgport_suite *const *p;
	bool ok = true;
	size_t i, j;

	nsuites = (size_t)(__stop_msgport_suites - __start_msgport_suites);
	suites = calloc(nsuites ? nsuites : 1, sizeof(*suites));
	if (!suites) {
		perror("msgport-test");
		return false;
	}
	for (p = __start_msgport_suites, i = 0; p < __stop_msgport_suites; p++, i++)
		suites[i] = *p;
	qsort(suites, nsuites, sizeof(suites[0]), cmp_suite);

	for (i = 0; i < nsuites; i++) {
		if ((unsigned int)suites[i]->group >= MSGPORT_NR_GROUPS) {
			fprintf(stderr, "msgport-test: suite '%s' has no known group (%d)\n",
				suites[i]->name, (int)suites[i]->group);
			ok = false;
		}
		for (j = 0; j < i; j++) {
			if (!strcmp(suites[i]->name, suites[j]->name)) {
				fprintf(stderr, "msgport-test: two suites named '%s'\n",
					suites[i]->name);
				ok = false;
			} else if (suites[i]->group == suites[j]->group &&
				   suites[i]->order == suites[j]->order) {
				fprintf(stderr, "msgport-test: suites '%s' and '%s' have the same "
					"order key %u\n", suites[j]->name, suites[i]->name,
					suites[i]->order);
				ok = false;
			}
		}
	}
	return ok;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: msgport-test [--list] [SUITE...]\n"
		"Run msgport's tests against the loaded module (as root; the module-cycle\n"
		"suite unloads and reloads it). With no SUITE, run them all, in order.\n"
		"\n"
		"  -l, --list   list the suites and exit\n"
		"  -h, --help   show this help and exit\n"
		"\n"
		"Environment: MSGPORT_KO=PATH the module file for module-cycle;\n"
		"CMOCKA_TEST_ABORT, CMOCKA_MESSAGE_OUTPUT as for any cmocka program.\n"
		"Ends with \"N passed, N failed\" (after \"N skipped\" if any were);\n"
		"exit status 0 iff none failed,\n"
		"1 if some failed, 2 on a usage error.\n");
}

/* The suites in run order, under a "# group" line for each group. */
static void list(void)
{
	size_t i;

	for (i = 0; i < nsuites; i++) {
		if (!i || suites[i]->group != suites[i - 1]->group)
			printf("# %s\n", group_titles[suites[i]->group]);
		printf("%-18s %s\n", suites[i]->name, suites[i]->summary);
	}
}

/*
 * The example programs some suites run (example-span-bulk, ...) are found on
 * PATH: in the VM and the build tree they are there; installed (make
 * install-tests, the msgport-tools package) they are in their own directory,
 * MSGPORT_TEST_EXAMPLES_DIR, added at PATH's end.  Returns 0 or -errno.
 */
static int path_add_examples(void)
{
	const char *path = getenv("PATH");
	char *newpath;
	int ret;

	if (access(MSGPORT_TEST_EXAMPLES_DIR, X_OK) != 0)
		return 0;
	if (path && *path)
		ret = asprintf(&newpath, "%s:%s", path, MSGPORT_TEST_EXAMPLES_DIR);
	else
		ret = asprintf(&newpath, "/usr/bin:/bin:%s", MSGPORT_TEST_EXAMPLES_DIR);
	if (ret < 0)
		return -ENOMEM;
	ret = setenv("PATH", newpath, 1) ? -errno : 0;
	free(newpath);
	return ret;
}

/* The index in suites[] of the suite called name, or -1. */
static long find_suite(const char *name)
{
	size_t i;

	for (i = 0; i < nsuites; i++)
		if (!strcmp(suites[i]->name, name))
			return (long)i;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long passed = 0, failed = 0;
	bool *selected, any = false;
	size_t i;
	int c;

	if (!collect_suites())
		return 1;
	selected = calloc(nsuites ? nsuites : 1, sizeof(*selected));
	if (!selected) {
		perror("msgport-test");
		return 1;
	}

	while ((c = getopt_long(argc, argv, "lh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			list();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	for (; optind < argc; optind++) {
		long k = find_suite(argv[optind]);

		if (k < 0) {
			fprintf(stderr, "msgport-test: no suite named '%s' (see --list)\n",
				argv[optind]);
			return 2;
		}
		selected[k] = true;
		any = true;
	}

	if (path_add_examples() < 0) {
		perror("msgport-test: PATH");
		return 1;
	}

	/* Our children report on stderr; keep the two streams in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (i = 0; i < nsuites; i++) {
		unsigned long skipped_before;
		size_t total = 0;
		int nfailed;

		if (any && !selected[i])
			continue;
		printf("\n==== suite %s: %s\n", suites[i]->name, suites[i]->summary);
		skipped_before = tu_nskipped;
		nfailed = suites[i]->run(&total);
		if (nfailed < 0 || (size_t)nfailed > total)
			nfailed = (int)total;
		failed += (unsigned long)nfailed;
		/* A skipped test (TU_SKIP()) is no pass. */
		passed += total - (size_t)nfailed -
			  min_size(tu_nskipped - skipped_before, total - (size_t)nfailed);
	}
	if (tu_nskipped)
		printf("%lu skipped\n", tu_nskipped);
	printf("%lu passed, %lu failed\n", passed, failed);
	return failed ? 1 : 0;
}
