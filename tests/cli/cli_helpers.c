// SPDX-License-Identifier: GPL-2.0
/*
 * The CLI suites' shell helpers (tests/cli/NAME_test.c): each case runs a
 * small sh script with popen() and asserts on its exit status and standard
 * output.  Cmocka assertions: for the test's own process only.
 */
#include <stdlib.h>
#include <sys/wait.h>

#include "msgport_test.h"

#define SH_OUT_MAX	65536

int tu_run_sh(const char *script, char *out, size_t outlen, size_t *got)
{
	size_t n = 0;
	int status;
	FILE *f;

	fflush(NULL);
	f = popen(script, "r");
	assert_non_null(f);
	while (n + 1 < outlen) {
		size_t r = fread(out + n, 1, outlen - 1 - n, f);

		if (!r)
			break;
		n += r;
	}
	out[n] = '\0';
	status = pclose(f);
	if (got)
		*got = n;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

void tu_expect_sh(const char *script, int status, const char *output)
{
	static char out[SH_OUT_MAX];
	int st = tu_run_sh(script, out, sizeof(out), NULL);

	if (st != status || (output && strcmp(out, output)))
		fail_msg("script\n%s\nexited %d with output \"%s\"; expected %d and \"%s\"", script,
			 st, out, status, output ? output : "(any)");
}

void tu_expect_bytes(const char *script, int status, const void *expect, size_t len)
{
	static char out[SH_OUT_MAX];
	size_t got;
	int st = tu_run_sh(script, out, sizeof(out), &got);

	if (st != status || got != len || memcmp(out, expect, len))
		fail_msg("script\n%s\nexited %d with %zu bytes \"%s\"; expected %d and %zu bytes",
			 script, st, got, out, status, len);
}

void tu_capture_sh(const char *script, char *out, size_t outlen)
{
	int st = tu_run_sh(script, out, outlen, NULL);

	if (st)
		fail_msg("script\n%s\nexited %d with output \"%s\"", script, st, out);
}
