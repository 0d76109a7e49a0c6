// SPDX-License-Identifier: GPL-2.0
/*
 * Host suite "completion": tools/completion/msgport, sourced in bash (run
 * from the source tree, as make check-host and scripts/check do), asked for
 * the completions of a few command lines.  The mailbox names come from a
 * /proc/msgport-like file written here: the host has no module loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_test.h"

#define COMPLETION	"tools/completion/msgport"

/*
 * Completes the words of line (the last one being completed; "" for a new
 * word) and returns the sorted completions, space-separated, in out.
 */
static void complete(const char *line, char *out, size_t size)
{
	char script[4096];
	size_t n = 0;
	FILE *f;

	snprintf(script, sizeof(script),
		 "bash --norc --noprofile -c '"
		 "d=$(mktemp -d); trap \"rm -rf $d\" EXIT; "
		 "printf \"name uid gid mode\\nalpha 0 0 0600\\nbeta 0 0 0666\\n\" > $d/proc; "
		 ". " COMPLETION "; "
		 "eval \"$(declare -f _msgport_mailboxes | sed \"s#/proc/msgport#$d/proc#g\")\"; "
		 "COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); "
		 "_msgport; printf \"%%s\\n\" \"${COMPREPLY[@]}\" | sort | tr \"\\n\" \" \"'",
		 line);
	f = popen(script, "r");
	assert_non_null(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
}

static void expect(const char *line, const char *want)
{
	char out[8192];

	complete(line, out, sizeof(out));
	if (strcmp(out, want))
		fail_msg("completing (%s): got \"%s\", expected \"%s\"", line, out, want);
}

static void test_present(void **state)
{
	assert_int_equal(access(COMPLETION, R_OK), 0);
}

static void test_commands_and_options(void **state)
{
	expect("msgport \"\"", "call chmod create dump help load ls recv rm send serve stat "
	       "subscribe unload version ");
	expect("msgport st", "stat ");
	expect("msgport --v", "--version ");
	expect("msgport recv --r", "--raw ");
	expect("msgport send q --n", "--nonblock --null ");
	expect("msgport ls --j", "--json ");
	expect("msgport help s", "send serve stat subscribe ");
	expect("msgport load max_m", "max_mailboxes= max_msg_size= ");
}

static void test_mailbox_names(void **state)
{
	expect("msgport send \"\"", "alpha beta ");
	expect("msgport recv a", "alpha ");
	expect("msgport stat alpha \"\"", " ");		/* one NAME only */
	expect("msgport send --pid 1 \"\"", " ");	/* to a process: no NAME */
	expect("msgport send -p 3 \"\"", "alpha beta ");	/* the value is skipped */
	expect("msgport recv --from \"\"", " ");		/* a pid, not a NAME */
	expect("msgport recv -f \"\"", " ");
	expect("msgport recv --from 1 \"\"", "alpha beta ");
	expect("msgport chmod 0600 b", "beta ");
	expect("msgport rm alpha \"\"", "alpha beta ");
}

static void test_values(void **state)
{
	char out[65536];

	expect("msgport ls -o NAME,M", "NAME,MAPS NAME,MAXSIZE NAME,MODE NAME,MSGS ");
	expect("msgport stat alpha --output +U", "+UID +USER ");
	expect("msgport create q --capacity u", "unbounded ");
	expect("msgport subscribe alpha --policy drop-", "drop-new drop-old ");
	expect("msgport subscribe a", "alpha ");
	complete("msgport serve alpha -- ba", out, sizeof(out));
	if (!strstr(out, "bash "))
		fail_msg("serve NAME -- ba: no bash in \"%s\"", out);
}

static const struct CMUnitTest host_completion_tests[] = {
	cmocka_unit_test(test_present),
	cmocka_unit_test(test_commands_and_options),
	cmocka_unit_test(test_mailbox_names),
	cmocka_unit_test(test_values),
};

HOST_SUITE(host_completion_suite, "completion", host_completion_tests);
