// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-test: the in-VM test runner.  Runs the cmocka suites against the
 * loaded module, prints cmocka's summary of each and one closing line
 * "N passed, N failed" over everything that ran; exit 0 iff nothing failed.
 */
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "msgport_test.h"

/* In this order; module-cycle unloads and reloads the module: last. */
static const struct msgport_suite *const suites[] = {
	&device_suite,
	&mailbox_basic_suite,
	&mailbox_abi_suite,
	&mailbox_blocking_suite,
	&mailbox_signal_suite,
	&mailbox_perm_suite,
	&mailbox_namespace_suite,
	&mailbox_limits_suite,
	&mailbox_poll_suite,
	&mailbox_stress_suite,
	&region_suite,
	&span_suite,
	&batch_suite,
	&direct_suite,
	&direct_death_suite,
	&rpc_suite,
	&rpc_stress_suite,
	&rpc_cli_suite,
	&module_cycle_suite,
};

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
		"Ends with \"N passed, N failed\"; exit status 0 iff none failed,\n"
		"1 if some failed, 2 on a usage error.\n");
}

static void list(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suites); i++)
		printf("%-18s %s\n", suites[i]->name, suites[i]->summary);
}

static const struct msgport_suite *find_suite(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suites); i++)
		if (!strcmp(suites[i]->name, name))
			return suites[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool selected[ARRAY_SIZE(suites)] = { false };
	unsigned long passed = 0, failed = 0;
	bool any = false;
	size_t i;
	int c;

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
		const struct msgport_suite *s = find_suite(argv[optind]);

		if (!s) {
			fprintf(stderr, "msgport-test: no suite named '%s' (see --list)\n",
				argv[optind]);
			return 2;
		}
		for (i = 0; i < ARRAY_SIZE(suites); i++)
			if (suites[i] == s)
				selected[i] = true;
		any = true;
	}

	/* Our children report on stderr; keep the two streams in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		size_t total = 0;
		int nfailed;

		if (any && !selected[i])
			continue;
		printf("\n==== suite %s: %s\n", suites[i]->name, suites[i]->summary);
		nfailed = suites[i]->run(&total);
		if (nfailed < 0 || (size_t)nfailed > total)
			nfailed = (int)total;
		failed += (unsigned long)nfailed;
		passed += total - (size_t)nfailed;
	}
	printf("%lu passed, %lu failed\n", passed, failed);
	return failed ? 1 : 0;
}
