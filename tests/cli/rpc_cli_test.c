// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "rpc-cli": the CLI's direct and RPC commands, as a shell user runs
 * them: `msgport recv --inbox [--from PID] --pid-file F`, `msgport send
 * --pid PID`, `msgport call NAME|--pid PID MESSAGE` (the reply on stdout),
 * `msgport serve NAME|--inbox -- COMMAND`, and their exit codes (0, 1, 2,
 * 75).  Each case is a small sh script run with popen(); the msgport CLI
 * must be on PATH (the VM puts it there).
 */
#include <unistd.h>

#include "msgport_test.h"

/* A wait for file F to appear (5 s at most), then its content in $pid. */
#define WAIT_PID(F)							\
	"i=0; while [ ! -s " F " ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; " \
	"pid=$(cat " F "); "

/* recv --inbox and send --pid, with --from keeping the others queued. */
static void test_inbox_commands(void **state)
{
	const char *name = tu_name("from");
	char script[2048];

	tu_create(name, 4, 0, 0600, 0);

	snprintf(script, sizeof(script),
		 "d=$(mktemp -d) || exit 9; "
		 "msgport recv --inbox --pid-file $d/pid --count 3 > $d/out & r=$!; "
		 WAIT_PID("$d/pid")
		 "msgport send --pid $pid --priority 3 first || exit 10; "
		 "echo 'from a pipe' | msgport send --pid $pid || exit 11; "
		 "msgport send --pid $pid last || exit 12; "
		 "wait $r || exit 13; cat $d/out; rm -rf $d");
	tu_expect_sh(script, 0, "first\nfrom a pipe\nlast\n");

	/*
	 * --from (here on a mailbox): synchronous senders stay alive, blocked,
	 * until their message is taken, so their pids name them.
	 */
	snprintf(script, sizeof(script), SH_KEEP
		 "msgport send %s --sync from-a & a=$!; "
		 "while [ \"$(msgport stat %s | sed -n 's/^queued messages: *//p')\" != 1 ]; do "
		 "sleep 0.01; done; "
		 "msgport send %s --sync from-b & b=$!; "
		 "msgport recv %s --from $b || exit 10; "
		 "keep msgport recv %s --from $a --verbose | "
		 "sed 's/^\\[.* pid=\\([0-9]*\\) .*\\] /\\1 /' > /tmp/from.$$; " KEPT(13)
		 "wait $a && wait $b || exit 11; "
		 "[ \"$(cat /tmp/from.$$)\" = \"$a from-a\" ] || exit 12; rm -f /tmp/from.$$",
		 name, name, name, name, name);
	tu_expect_sh(script, 0, "from-b\n");
}

/* serve a mailbox with a command; call it with an argument and stdin. */
static void test_serve_and_call(void **state)
{
	const char *name = tu_name("serve");
	char script[2048];

	tu_create(name, 4, 0, 0600, 0);
	snprintf(script, sizeof(script), SH_KEEP
		 "msgport serve %s --count 3 -- tr a-z A-Z & s=$!; "
		 "msgport call %s 'hello, world' || exit 10; "
		 "printf 'from stdin' | msgport call %s || exit 11; "
		 "keep msgport call %s --priority 7 --verbose x | sed 's/token=[0-9]*/token=T/; "
		 "s/pid=[0-9]*/pid=P/'; " KEPT(12)
		 "wait $s || exit 13",
		 name, name, name, name);
	tu_expect_sh(script, 0, "HELLO, WORLD\nFROM STDIN\n[token=T pid=P uid=0 len=1] X\n");

	/* No server: a timed call exits 75, and its request was withdrawn. */
	snprintf(script, sizeof(script),
		 "msgport call %s --timeout 0.2 nobody; echo $?; "
		 "msgport stat %s | sed -n 's/^queued messages: *//p'",
		 name, name);
	tu_expect_sh(script, 0, "75\n0\n");
}

/* serve --inbox, called by pid; the environment the command sees. */
static void test_serve_inbox(void **state)
{
	char script[2048];

	snprintf(script, sizeof(script),
		 "d=$(mktemp -d) || exit 9; "
		 "msgport serve --inbox --pid-file $d/pid --count 1 -- "
		 "sh -c 'echo \"$MSGPORT_CALLER_PID:$(cat)\"' & s=$!; "
		 WAIT_PID("$d/pid")
		 "msgport call --pid $pid ping > $d/out & c=$!; "
		 "wait $c || exit 10; wait $s || exit 11; "
		 "[ \"$(cat $d/out)\" = \"$c:ping\" ] || { cat $d/out; exit 12; }; "
		 "rm -rf $d");
	tu_expect_sh(script, 0, "");
}

/* Exit codes: 1 for errors, 2 for usage, 75 for "nothing in time". */
static void test_exit_codes(void **state)
{
	char script[1024];

	/* No such process; a process without an inbox. */
	tu_expect_sh("msgport send --pid 2147483647 x 2>/dev/null; echo $?", 0, "1\n");
	tu_expect_sh("msgport call --pid 2147483647 x 2>/dev/null; echo $?", 0, "1\n");
	tu_expect_sh("msgport send --pid $$ x 2>/dev/null; echo $?", 0, "1\n");
	tu_expect_sh("msgport call --pid $$ x 2>/dev/null; echo $?", 0, "1\n");
	/* Nothing in the inbox. */
	tu_expect_sh("msgport recv --inbox --nonblock 2>/dev/null; echo $?", 0, "75\n");
	tu_expect_sh("msgport recv --inbox --timeout 10ms 2>/dev/null; echo $?", 0, "75\n");
	/* Usage. */
	tu_expect_sh("msgport recv --inbox somename 2>/dev/null; echo $?", 0, "2\n");
	tu_expect_sh("msgport recv --pid-file /tmp/x some 2>/dev/null; echo $?", 0, "2\n");
	tu_expect_sh("msgport send --pid 0 x 2>/dev/null; echo $?", 0, "2\n");
	tu_expect_sh("msgport send --pid nope x 2>/dev/null; echo $?", 0, "2\n");
	tu_expect_sh("msgport call 2>/dev/null; echo $?", 0, "2\n");
	tu_expect_sh("msgport serve 2>/dev/null; echo $?", 0, "2\n");
	tu_expect_sh("msgport serve somename 2>/dev/null; echo $?", 0, "2\n");
	tu_expect_sh("msgport serve somename tr a b 2>/dev/null; echo $?", 0, "2\n");
	tu_expect_sh("msgport serve -- tr a b 2>/dev/null; echo $?", 0, "2\n");
	/* The help of each. */
	snprintf(script, sizeof(script),
		 "for c in call serve send recv; do msgport $c --help >/dev/null || exit 1; done");
	tu_expect_sh(script, 0, "");
	/* The server exits while holding a call: the caller fails (1). */
	tu_expect_sh("d=$(mktemp -d); "
		     "msgport serve --inbox --pid-file $d/pid -- sh -c 'kill -9 $PPID' & s=$!; "
		     WAIT_PID("$d/pid")
		     "msgport call --pid $pid x 2>/dev/null; echo $?; rm -rf $d", 0, "1\n");
}

static const struct CMUnitTest rpc_cli_tests[] = {
	TU_TEST(test_inbox_commands),
	TU_TEST(test_serve_and_call),
	TU_TEST(test_serve_inbox),
	TU_TEST(test_exit_codes),
};

MSGPORT_SUITE(rpc_cli_suite, MSGPORT_GROUP_CLI, 100, "rpc-cli",
	      "msgport send --pid, recv --inbox, call, serve: output and exit codes",
	      rpc_cli_tests);
