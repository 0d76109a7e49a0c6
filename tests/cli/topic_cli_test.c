// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "topic-cli": topics from the shell: `msgport create NAME --topic`,
 * `msgport subscribe NAME` (every subscriber prints every message
 * published while it runs, in order), `msgport send NAME` publishing, and
 * the errors a user meets (no such topic, a mailbox that is no topic, a
 * policy the creator did not allow, bad values), with their exit codes.
 */
#include <unistd.h>

#include "msgport_test.h"

/* Wait (5 s at most) until process $1 holds a subscription. */
#define WAIT_SUB							\
	"wait_sub() { i=0; while ! ls -l /proc/$1/fd 2>/dev/null | "	\
	"grep -q msgport-subscription && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; }; "

static void test_publish_subscribe(void **state)
{
	const char *name = tu_name("clitopic");
	char script[2048];

	snprintf(script, sizeof(script), WAIT_SUB
		 "d=$(mktemp -d) || exit 9; "
		 "msgport create %s --topic --capacity 4 || exit 10; "
		 "msgport subscribe %s --count 3 > $d/a & a=$!; "
		 "msgport subscribe %s --count 3 --policy drop-new > $d/b & b=$!; "
		 "wait_sub $a; wait_sub $b; "
		 "msgport send %s one two || exit 11; "
		 "echo three | msgport send %s || exit 12; "
		 "wait $a || exit 13; wait $b || exit 14; "
		 "cmp $d/a $d/b || exit 15; cat $d/a; "
		 "msgport subscribe %s --nonblock; echo \"empty: $?\"; "
		 "msgport rm %s; rm -rf $d",
		 name, name, name, name, name, name, name);
	tu_expect_sh(script, 0, "one\ntwo\nthree\nempty: 75\n");
}

static void test_subscribe_errors(void **state)
{
	const char *topic = tu_name("clitopic2"), *plain = tu_name("cliplain");
	char script[2048], out[4096];

	snprintf(script, sizeof(script),
		 "exec 2>&1; msgport create %s --topic=drop-new || exit 10; "
		 "msgport create %s || exit 11; "
		 "msgport subscribe %s --policy block --nonblock; echo \"block: $?\"; "
		 "msgport subscribe %s --policy sometimes; echo \"bad: $?\"; "
		 "msgport subscribe %s --capacity 99 --nonblock; echo \"capacity: $?\"; "
		 "msgport send %s kept || exit 12; "
		 "msgport subscribe %s --nonblock; echo \"plain: $?\"; "
		 "echo \"still: $(msgport recv %s --nonblock)\"; "
		 "msgport create %s-u --topic --capacity unbounded; echo \"unbounded: $?\"; "
		 "msgport subscribe %s-none; echo \"none: $?\"; "
		 "msgport create %s-x --topic=never; echo \"create: $?\"; "
		 "msgport rm %s %s",
		 topic, plain, topic, topic, topic, plain, plain, plain, topic, topic, topic, topic,
		 plain);
	tu_capture_sh(script, out, sizeof(out));
	if (!strstr(out, "block: 1") || !strstr(out, "does not allow that --policy") ||
	    !strstr(out, "bad: 2") || !strstr(out, "capacity: 1") ||
	    !strstr(out, "plain: 1") || !strstr(out, "not a topic") ||
	    !strstr(out, "still: kept") || !strstr(out, "unbounded: 2") ||
	    !strstr(out, "none: 1") || !strstr(out, "no such topic") ||
	    !strstr(out, "create: 2"))
		fail_msg("unexpected output:\n%s", out);
}

static const struct CMUnitTest topic_cli_tests[] = {
	TU_TEST(test_publish_subscribe),
	TU_TEST(test_subscribe_errors),
};

MSGPORT_SUITE(topic_cli_suite, MSGPORT_GROUP_CLI, 120, "topic-cli",
	      "msgport create --topic, subscribe, send: fan-out and errors from the shell",
	      topic_cli_tests);
