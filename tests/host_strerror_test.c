// SPDX-License-Identifier: GPL-2.0
/*
 * Host suite "strerror": msgport_strerror() gives msgport's own text for
 * the errnos the ABI gives a meaning, names the module parameter behind
 * each limit, accepts an errno of either sign, and never returns NULL.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "libmsgport.h"
#include "host_test.h"

/* The errnos the ABI header documents with a msgport-specific meaning. */
static const int ours[] = {
	ENOENT, EPROTO, ENOSPC, EDQUOT, EMSGSIZE, EIDRM, EAGAIN, ETIMEDOUT, EBADF,
	ENAMETOOLONG, EEXIST, EACCES, EPERM, EINVAL, EINTR, ENOTTY,
	ESRCH, ECONNREFUSED, ECONNRESET, ECANCELED,
	EFBIG, ERANGE, ENODEV, ENOMSG, EPIPE, EPROTOTYPE,
};

static void test_both_signs(void **state)
{
	size_t i;
	int e;

	for (i = 0; i < ARRAY_SIZE(ours); i++)
		assert_ptr_equal(msgport_strerror(ours[i]), msgport_strerror(-ours[i]));
	for (e = 1; e < 200; e++) {
		assert_non_null(msgport_strerror(e));
		assert_string_equal(msgport_strerror(e), msgport_strerror(-e));
	}
}

/* Our errnos get our text, not the C library's generic one. */
static void test_specific_text(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ours); i++) {
		const char *s = msgport_strerror(-ours[i]);

		assert_non_null(s);
		assert_true(strlen(s) > 0);
		if (!strcmp(s, strerror(ours[i])))
			fail_msg("errno %d: generic text \"%s\"", ours[i], s);
	}
	/* Distinct errnos, distinct texts. */
	for (i = 0; i < ARRAY_SIZE(ours); i++) {
		size_t j;

		for (j = i + 1; j < ARRAY_SIZE(ours); j++)
			assert_string_not_equal(msgport_strerror(ours[i]),
						msgport_strerror(ours[j]));
	}
}

/* Each limit's text names the module parameter that sets it. */
static void test_limits_named(void **state)
{
	assert_non_null(strstr(msgport_strerror(-ENOSPC), "max_mailboxes"));
	assert_non_null(strstr(msgport_strerror(-EDQUOT), "max_user_bytes"));
	assert_non_null(strstr(msgport_strerror(-EDQUOT), "max_user_mailboxes"));
	assert_non_null(strstr(msgport_strerror(-EFBIG), "max_region_size"));
	assert_non_null(strstr(msgport_strerror(-EMSGSIZE), "max_msg_size"));
	assert_non_null(strstr(msgport_strerror(-ENAMETOOLONG), "255"));
}

/* Anything else still gets a string. */
static void test_never_null(void **state)
{
	static const int odd[] = { 0, 4095, -4095, 100000, INT_MAX, INT_MIN, INT_MIN + 1 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(odd); i++) {
		assert_non_null(msgport_strerror(odd[i]));
		assert_true(strlen(msgport_strerror(odd[i])) > 0);
	}
	/* Not msgport's: the C library's text. */
	assert_string_equal(msgport_strerror(-ENOMEM), strerror(ENOMEM));
	assert_string_equal(msgport_strerror(EIO), "Input/output error");
	assert_string_equal(msgport_strerror(0), "success");
	assert_string_equal(msgport_strerror(INT_MIN), "unknown error");
	assert_string_equal(msgport_strerror(100000), "unknown error");
}

static const struct CMUnitTest host_strerror_tests[] = {
	cmocka_unit_test(test_both_signs),
	cmocka_unit_test(test_specific_text),
	cmocka_unit_test(test_limits_named),
	cmocka_unit_test(test_never_null),
};

HOST_SUITE(host_strerror_suite, "strerror", host_strerror_tests);
