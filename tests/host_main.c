// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-host-test: runs the host-side suites, prints cmocka's summary of
 * each and one closing line "N passed, N failed"; exit 0 iff none failed.
 */
#include <stdio.h>
#include <string.h>

#include "host_test.h"

static const struct host_suite *const suites[] = {
	&host_abi_layout_suite,
	&host_strerror_suite,
	&host_parse_suite,
	&host_bench_suite,
	&host_completion_suite,
	&host_bridge_suite,
};

int main(int argc, char **argv)
{
	unsigned long passed = 0, failed = 0;
	size_t i;

	if (argc > 1) {
		fprintf(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
			"Usage: msgport-host-test\n"
			"Run msgport's host-side unit tests (ABI layout, error strings, CLI\n"
			"parsers, msgport-bench internals). Ends with \"N passed, N failed\";\n"
			"exit 0 iff none failed.\n");
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		size_t total = 0;
		int nfailed = suites[i]->run(&total);

		if (nfailed < 0 || (size_t)nfailed > total)
			nfailed = (int)total;
		failed += (unsigned long)nfailed;
		passed += total - (size_t)nfailed;
	}
	printf("%lu passed, %lu failed\n", passed, failed);
	return failed ? 1 : 0;
}
