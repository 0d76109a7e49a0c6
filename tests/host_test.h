/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport-host-test: host-side tests of pure userspace code (no module).
 * Each tests/host_*_test.c defines one struct host_suite with HOST_SUITE().
 */
#ifndef MSGPORT_HOST_TEST_H
#define MSGPORT_HOST_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct host_suite {
	const char *name;
	int (*run)(size_t *ntests);	/* returns the failed count */
};

#define HOST_SUITE(var, sname, tests)						\
	static int var##_run(size_t *ntests)					\
	{									\
		*ntests = ARRAY_SIZE(tests);					\
		return cmocka_run_group_tests_name(sname, tests, NULL, NULL);	\
	}									\
	const struct host_suite var = { sname, var##_run }

extern const struct host_suite host_abi_layout_suite;
extern const struct host_suite host_strerror_suite;
extern const struct host_suite host_parse_suite;
extern const struct host_suite host_bench_suite;
extern const struct host_suite host_completion_suite;
extern const struct host_suite host_bridge_suite;

#endif /* MSGPORT_HOST_TEST_H */
