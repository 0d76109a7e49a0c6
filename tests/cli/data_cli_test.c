// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "data-cli": the CLI's binary-safe messages and its tables, as a
 * shell user runs them: `msgport send --file/--raw/-0`, `msgport recv
 * --raw/-0/--hex` (bytes compared exactly, NULs and all), through pipes;
 * their exit 75 and 1 (too big, standard output failing: nothing more is
 * taken); `msgport ls` and `msgport stat` with --json (parsed here: busybox has no
 * JSON tool), -o, --noheadings, --raw, --bytes, user names; --version on
 * every subcommand; usage errors (exit 2) and their messages; recv --verbose
 * of a relayed message (the origin a bridge claims).  Each case is
 * a small sh script run with popen(); the msgport CLI must be on PATH (the
 * VM puts it there).
 */
#include <unistd.h>

#include "msgport_test.h"

#define OUT_MAX	65536

/* ---- a JSON checker: is text one valid JSON value? ---- */

static const char *json_value(const char *p, int depth);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *json_number(const char *p)
{
	const char *s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		s = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == s)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		s = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == s)
			return NULL;
	}
	return p;
}

static const char *json_value(const char *p, int depth)
{
	char close;

	if (depth > 32)
		return NULL;
	p = json_ws(p);
	switch (*p) {
	case '"':
		return json_string(p);
	case '{':
	case '[':
		close = *p == '{' ? '}' : ']';
		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				p = json_string(json_ws(p));
				if (!p)
					return NULL;
				p = json_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = json_value(p, depth + 1);
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return json_number(p);
	}
}

static void assert_json(const char *text)
{
	const char *end = json_value(text, 0);

	if (!end || *json_ws(end))
		fail_msg("not valid JSON (at offset %td):\n%s", end ? end - text : (ptrdiff_t)-1,
			 text);
}

/*
 * The JSON object of mailbox name in ls --json's text (from its '{' to its
 * '}', objects being flat), copied into obj.
 */
static void json_object_of(const char *text, const char *name, char *obj, size_t size)
{
	char key[300];
	const char *at, *start, *end;

	snprintf(key, sizeof(key), "\"name\": \"%s\"", name);
	at = strstr(text, key);
	if (!at)
		fail_msg("no %s in:\n%s", key, text);
	for (start = at; start > text && *start != '{'; start--)
		;
	end = strchr(at, '}');
	assert_non_null(end);
	assert_true((size_t)(end - start + 1) < size);
	memcpy(obj, start, (size_t)(end - start + 1));
	obj[end - start + 1] = '\0';
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("\"%s\" not in:\n%s", part, text);
}

/* ---- messages ---- */

/* Bytes with NULs, a high byte and no final newline, through a file. */
static const char payload[] = { 'a', '\0', '\n', '\377', '\0', 'b', '\0' };
#define PAYLOAD_SH	"printf 'a\\000\\n\\377\\000b\\000'"

static void test_file_and_raw(void **state)
{
	const char *name = tu_name("raw");
	char script[1024];

	tu_create(name, 8, 0, 0600, 0);

	/* --file FILE, recv --raw: the bytes unchanged, nothing added. */
	snprintf(script, sizeof(script),
		 "f=$(mktemp) || exit 9; " PAYLOAD_SH " > $f; "
		 "msgport send %s --file $f || exit 10; rm -f $f; "
		 "msgport recv %s --raw",
		 name, name);
	tu_expect_bytes(script, 0, payload, sizeof(payload));

	/* A pipe in and out: producer | send --raw; recv --raw | consumer. */
	snprintf(script, sizeof(script), SH_KEEP
		 PAYLOAD_SH " | msgport send %s --raw || exit 10; "
		 PAYLOAD_SH " | msgport send %s --file - || exit 11; "
		 "keep msgport recv %s --raw | od -An -tx1; " KEPT(12)
		 "keep msgport recv %s --raw --verbose 2>/dev/null | wc -c; " KEPT(13),
		 name, name, name, name);
	tu_expect_sh(script, 0, " 61 00 0a ff 00 62 00\n7\n");

	/* An empty input is one empty message; --verbose goes to stderr. */
	snprintf(script, sizeof(script), SH_KEEP
		 "msgport send %s --raw < /dev/null || exit 10; "
		 "keep msgport recv %s --raw --verbose 2>&1 >/dev/null | "
		 "sed 's/^\\[seq=[0-9]* /[/; s/pid=.* len=/len=/; s/ sent=.*//'; " KEPT(11)
		 "msgport recv %s --nonblock --raw 2>/dev/null; echo \" $?\"",
		 name, name, name);
	tu_expect_sh(script, 0, "[priority=0 len=0\n 75\n");

	/* --count with --raw: the messages one after another. */
	snprintf(script, sizeof(script),
		 "msgport send %s ab cd && msgport recv %s --raw --count 2", name, name);
	tu_expect_bytes(script, 0, "abcd", 4);
}

/* -0: standard input split at NULs; recv -0 writes each followed by one. */
static void test_nul_separated(void **state)
{
	const char *name = tu_name("nul");
	char script[1024];

	tu_create(name, 8, 0, 0600, 0);
	/* Four messages: "a", "", "b\nc", "d" (no final NUL). */
	snprintf(script, sizeof(script),
		 "printf 'a\\000\\000b\\nc\\000d' | msgport send %s -0 || exit 10; "
		 "[ \"$(msgport stat %s -o MSGS -n)\" = 4 ] || exit 11; "
		 "msgport recv %s -0 --count 4",
		 name, name, name);
	tu_expect_bytes(script, 0, "a\0\0b\nc\0d\0", 9);
	/* find -print0 | send -0 and back, through xargs -0. */
	snprintf(script, sizeof(script), SH_KEEP
		 "printf 'one two\\000three\\000' | msgport send %s --null || exit 10; "
		 "keep msgport recv %s --null --count 2 | xargs -0 -n 1 echo; " KEPT(11),
		 name, name);
	tu_expect_sh(script, 0, "one two\nthree\n");
}

static void test_hex(void **state)
{
	const char *name = tu_name("hex");
	char script[1024];

	tu_create(name, 8, 0, 0600, 0);
	snprintf(script, sizeof(script),
		 "printf 'hello\\nworld\\000\\001' | msgport send %s --raw || exit 10; "
		 "msgport recv %s --hex",
		 name, name);
	tu_expect_sh(script, 0,
		     "00000000  68 65 6c 6c 6f 0a 77 6f  72 6c 64 00 01           |hello.world..|\n"
		     "0000000d\n");
}

/* Larger than the mailbox takes: refused, named, nothing sent. */
static void test_too_big(void **state)
{
	const char *name = tu_name("big");
	char script[1024], out[4096];

	tu_create(name, 8, 16, 0600, 0);
	snprintf(script, sizeof(script),
		 "head -c 17 /dev/zero | msgport send %s --raw 2>&1; echo \"exit $?\"", name);
	tu_capture_sh(script, out, sizeof(out));
	assert_contains(out, "standard input (more than 16 bytes)");
	assert_contains(out, "maximum message size (16 bytes)");
	assert_contains(out, "/sys/module/msgport/parameters/max_msg_size");
	assert_contains(out, "exit 1\n");

	snprintf(script, sizeof(script),
		 "f=$(mktemp); head -c 100 /dev/zero > $f; msgport send %s --file $f 2>&1; "
		 "echo \"exit $?\"; rm -f $f", name);
	tu_capture_sh(script, out, sizeof(out));
	assert_contains(out, "(100 bytes): larger than the mailbox's maximum message size");
	assert_contains(out, "exit 1\n");

	/* Exactly the limit passes; nothing of the refused ones was queued. */
	snprintf(script, sizeof(script),
		 "head -c 16 /dev/zero | msgport send %s --raw || exit 10; "
		 "msgport stat %s -o MSGS,BYTES --noheadings --bytes",
		 name, name);
	tu_expect_sh(script, 0, "1\n16\n");
}

/* -0: a record over the limit stops the send (exit 1); those before it are sent. */
static void test_nul_too_big(void **state)
{
	const char *name = tu_name("nulbig");
	char script[1024], out[4096];

	tu_create(name, 8, 16, 0600, 0);
	snprintf(script, sizeof(script),
		 "{ printf 'ok\\000'; head -c 17 /dev/zero | tr '\\000' x; printf '\\000after'; } | "
		 "msgport send %s -0 2>&1; echo \"exit $?\"; "
		 "msgport stat %s -o MSGS,SENT -n",
		 name, name);
	tu_capture_sh(script, out, sizeof(out));
	assert_contains(out, "message of 17 bytes: larger than the mailbox's maximum message "
			"size (16 bytes)");
	assert_contains(out, "exit 1\n1\n1\n");
	snprintf(script, sizeof(script), "msgport recv %s --raw", name);
	tu_expect_bytes(script, 0, "ok", 2);
}

/* 75, "nothing in time", with the byte-oriented options too. */
static void test_tempfail(void **state)
{
	const char *name = tu_name("tempfail");
	char script[2048];

	tu_create(name, 1, 0, 0600, 0);
	snprintf(script, sizeof(script),
		 "msgport send %s first || exit 10; "
		 "printf raw | msgport send %s --raw --nonblock 2>/dev/null; echo $?; "
		 "printf 'a\\000b' | msgport send %s -0 --nonblock 2>/dev/null; echo $?; "
		 "msgport send %s --file /dev/null --timeout 10ms 2>/dev/null; echo $?; "
		 "msgport recv %s --raw || exit 11; echo; "
		 "msgport recv %s --hex --nonblock 2>/dev/null; echo $?; "
		 "msgport recv %s -0 --timeout 10ms 2>/dev/null; echo $?; "
		 "msgport recv %s --raw --nonblock 2>/dev/null; echo $?; "
		 "msgport stat %s -o MSGS,SENT -n",
		 name, name, name, name, name, name, name, name, name);
	tu_expect_sh(script, 0, "75\n75\n75\nfirst\n75\n75\n75\n0\n1\n");
}

/*
 * Standard output fails: recv stops at once (exit 1, said), the message it
 * could not write is lost, the others stay queued.  A pipe whose reader has
 * gone is seen before the first message is taken: nothing is lost.
 */
static void test_write_error(void **state)
{
	const char *name = tu_name("full");
	char script[2048], out[4096];

	tu_create(name, 8, 0, 0600, 0);
	snprintf(script, sizeof(script),
		 "msgport send %s one two three four five || exit 10; "
		 "msgport recv %s --raw --count 3 2>&1 > /dev/full; echo \"exit $?\"; "
		 "msgport stat %s -o MSGS -n; "
		 "msgport recv %s --count 2 2>&1 > /dev/full; echo \"exit $?\"; "
		 "msgport stat %s -o MSGS -n",
		 name, name, name, name, name);
	tu_capture_sh(script, out, sizeof(out));
	assert_contains(out, "exit 1\n4\n");
	assert_contains(out, "recv: writing standard output: No space left on device; "
			"message 1 (taken) was lost, the others stay queued\n");
	assert_contains(out, "exit 1\n3\n");

	/* The reader of the pipe is gone before recv starts: it takes nothing. */
	snprintf(script, sizeof(script), SH_KEEP
		 "{ sleep 1; keep msgport recv %s 2>/dev/null; } | true; cat $st; "
		 "msgport stat %s -o MSGS -n",
		 name, name);
	tu_expect_sh(script, 0, "1\n3\n");
	snprintf(script, sizeof(script), "msgport recv %s --count 3", name);
	tu_expect_sh(script, 0, "three\nfour\nfive\n");
}

/* ---- tables ---- */

static int create_as_other(void *arg)
{
	struct msgport_mailbox *mb;
	struct msgport *mp;

	CHILD_CHECK(tu_become(43210, 43210) == 0);
	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	CHILD_CHECK(msgport_mailbox_open(mp, arg, MSGPORT_O_CREAT | MSGPORT_O_EXCL, NULL,
					 &mb) == 0);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return 0;
}

static void test_ls(void **state)
{
	const char *a = tu_name("lsa"), *b = tu_name("lsb"), *c = tu_name("lsc");
	struct msgport_attr attr = {
		.capacity = MSGPORT_CAPACITY_UNBOUNDED, .max_msg_size = 8192, .mode = 0640,
	};
	static char out[OUT_MAX];
	char script[1024], obj[2048];

	tu_create_attr(a, &attr, 0);
	tu_create(b, 0, 1536, 0600, MSGPORT_O_EPHEMERAL);
	assert_child_ok(tu_fork(create_as_other, (void *)c));
	assert_int_equal(msgport_send(tu_open(a, MSGPORT_O_SEND), "xyz", 3, 0, 0, 0, NULL), 0);

	/* --json: valid, numbers as numbers, sizes in bytes, null for none. */
	tu_capture_sh("msgport ls --json", out, sizeof(out));
	assert_json(out);
	assert_true(!strncmp(out, "{\n   \"mailboxes\": [", 19));
	json_object_of(out, a, obj, sizeof(obj));
	assert_contains(obj, "\"user\": \"root\"");
	assert_contains(obj, "\"mode\": \"0640\"");
	assert_contains(obj, "\"capacity\": null");
	assert_contains(obj, "\"maxsize\": 8192,");
	assert_contains(obj, "\"msgs\": 1,");
	assert_contains(obj, "\"bytes\": 3,");
	assert_contains(obj, "\"flags\": null");
	json_object_of(out, b, obj, sizeof(obj));
	assert_contains(obj, "\"capacity\": 0,");
	assert_contains(obj, "\"maxsize\": 1536,");
	assert_contains(obj, "\"flags\": \"ephemeral\"");
	json_object_of(out, c, obj, sizeof(obj));
	assert_contains(obj, "\"user\": \"43210\"");	/* no such user: the number */
	tu_capture_sh("msgport ls --json --output-all", out, sizeof(out));
	assert_json(out);
	json_object_of(out, c, obj, sizeof(obj));
	assert_contains(obj, "\"uid\": 43210,");
	assert_contains(obj, "\"calls\": null");		/* not in /proc/msgport */

	/* -o, --raw, --noheadings, --bytes; readable sizes by default. */
	snprintf(script, sizeof(script), SH_KEEP
		 "keep msgport ls -o NAME,user,CAPACITY,MAXSIZE,PERMS --raw --noheadings | "
		 "grep -e '^%s ' -e '^%s '; " KEPT(10)
		 "keep msgport ls -o NAME,MAXSIZE -r -n -b | grep '^%s '; " KEPT(11),
		 a, b, b);
	tu_capture_sh(script, out, sizeof(out));
	snprintf(obj, sizeof(obj), "%s root unbounded 8K rw-r-----\n%s root 0 1.5K rw-------\n"
		 "%s 1536\n", a, b, b);
	assert_string_equal(out, obj);

	/* Headings, aligned columns; +COLUMNS adds to the defaults. */
	tu_capture_sh(SH_KEEP "keep msgport ls -o NAME,MSGS | sed -n 1p | tr -s ' '; " KEPT(10),
		      out, sizeof(out));
	assert_string_equal(out, "NAME MSGS\n");
	tu_capture_sh(SH_KEEP "keep msgport ls -o +UID,CALLS | sed -n 1p | tr -s ' '; " KEPT(10),
		      out, sizeof(out));
	assert_true(!strncmp(out, "NAME USER ", 10) && strstr(out, " FLAGS UID CALLS\n"));
	tu_capture_sh(SH_KEEP "keep msgport ls | sed -n 1p; " KEPT(10), out, sizeof(out));
	assert_true(strstr(out, "USER") && strstr(out, "GROUP") && !strstr(out, "UID"));
}

static void test_stat(void **state)
{
	const char *name = tu_name("stat");
	static char out[OUT_MAX];
	char script[1024];

	tu_create(name, 4, 4096, 0660, 0);
	snprintf(script, sizeof(script), SH_KEEP
		 "msgport send %s one two || exit 10; "
		 "keep msgport stat %s | grep -e '^queued messages: *2$' -e '^user: *root$' "
		 "-e '^mode: *0660$' -e '^max message size: *4K$' -e '^capacity: *4$' | wc -l; "
		 KEPT(11)
		 "msgport stat %s -o MSGS,MAXSIZE,CAPACITY -n -b; "
		 "msgport stat %s -o NAME,MSGS --raw",
		 name, name, name, name);
	tu_capture_sh(script, out, sizeof(out));
	snprintf(script, sizeof(script), "5\n2\n4096\n4\nNAME MSGS\n%s 2\n", name);
	assert_string_equal(out, script);

	snprintf(script, sizeof(script), "msgport stat %s --json", name);
	tu_capture_sh(script, out, sizeof(out));
	assert_json(out);
	assert_contains(out, "\"msgs\": 2,");
	assert_contains(out, "\"calls\": 0,");
	assert_contains(out, "\"maxsize\": 4096,");

	tu_expect_sh("msgport stat no-such-mailbox-here 2>/dev/null; echo $?", 0, "1\n");
}

/* ---- every subcommand ---- */

static void test_version(void **state)
{
	char version[256];

	tu_capture_sh("msgport --version", version, sizeof(version));
	assert_true(!strncmp(version, "msgport ", 8));
	tu_expect_sh("for c in load unload version create rm ls stat chmod send recv dump call "
		     "serve; do [ \"$(msgport $c --version)\" = \"$(msgport --version)\" ] || "
		     "{ echo $c; exit 1; }; done", 0, "");
	tu_expect_sh("msgport send -V && msgport ls -V", 0, NULL);
	tu_expect_sh(SH_KEEP "keep msgport-bench --version | grep -c '^msgport-bench (msgport) '; "
		     KEPT(10), 0, "1\n");
	/* No tracker wording in the help of anything. */
	tu_expect_sh("for c in load unload version create rm ls stat chmod send recv dump call "
		     "serve; do msgport $c --help > /dev/null || exit 10; done; "
		     "for c in load unload version create rm ls stat chmod send recv dump call "
		     "serve; do msgport $c --help; done | grep -ci issue", 1, "0\n");
}

static void test_usage_errors(void **state)
{
	const char *name = tu_name("usage");
	char script[1024], out[4096];
	const char *const bad[] = {
		"send $n --raw extra",
		"send $n --raw -0",
		"send $n --file",
		"send $n --file /dev/null -0",
		"recv $n --raw --hex",
		"recv $n -0 --raw",
		"ls --bogus",
		"ls -o NOPE",
		"ls -o NAME,",
		"ls extra",
		"ls --json --raw",
		"stat",
		"stat $n --output",
		"stat $n extra",
	};
	size_t i;

	tu_create(name, 4, 0, 0600, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(script, sizeof(script), "n=%s; msgport %s 2>&1; echo \"exit $?\"", name,
			 bad[i]);
		tu_capture_sh(script, out, sizeof(out));
		if (!strstr(out, "exit 2\n") || !strstr(out, "Try 'msgport "))
			fail_msg("msgport %s: %s", bad[i], out);
	}
	tu_capture_sh("msgport ls -o NOPE 2>&1; true", out, sizeof(out));
	assert_contains(out, "unknown column 'NOPE'");
	snprintf(script, sizeof(script), "msgport send %s --raw x 2>&1; true", name);
	tu_capture_sh(script, out, sizeof(out));
	assert_contains(out, "unexpected argument 'x'");
	/* Nothing was sent by any of them. */
	snprintf(script, sizeof(script), "msgport stat %s -o SENT -n", name);
	tu_expect_sh(script, 0, "0\n");
	/* A file that cannot be read: 1, named. */
	snprintf(script, sizeof(script), "msgport send %s --file /no/such 2>&1; echo \"exit $?\"",
		 name);
	tu_capture_sh(script, out, sizeof(out));
	assert_contains(out, "/no/such: No such file or directory");
	assert_contains(out, "exit 1\n");
}

/*
 * recv --verbose of a message a bridge carried: the kernel-stamped fields
 * (the sender's: here this test's) and then the origin it claims; a plain
 * message shows no claim, and --peek (no relay receive) only the flag.
 */
static void test_verbose_relayed(void **state)
{
	const char *name = tu_name("relayed");
	struct msgport_relay relay = {
		.origin = 0x1234, .seq = 7, .pid = 4242, .uid = 1001, .gid = 1002,
	};
	struct msgport_sendmsg m = { .buf = "hi", .len = 2, .timeout_ns = 0 };
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, 0);
	char script[1024], expect[256];

	assert_int_equal(msgport_send_relay(mb, &m, &relay), 0);
	m.buf = "plain";
	m.len = 5;
	assert_int_equal(msgport_send_relay(mb, &m, NULL), 0);
	m.buf = "hi";
	m.len = 2;
	assert_int_equal(msgport_send_relay(mb, &m, &relay), 0);
	snprintf(script, sizeof(script), SH_KEEP
		 "keep msgport recv %s --count 2 --verbose | "
		 "sed 's/^\\[seq=[0-9]* .* pid=\\([0-9]*\\) .*sent=[0-9.]*\\] /<\\1> /'; " KEPT(10)
		 "keep msgport recv %s --peek --verbose | sed 's/^\\[seq=.*\\] \\[relayed\\]/R/'; "
		 KEPT(11),
		 name, name);
	snprintf(expect, sizeof(expect),
		 "<%d> [relayed: origin=0000000000001234 seq=7 pid=4242 uid=1001 gid=1002] hi\n"
		 "<%d> plain\nR hi\n", (int)getpid(), (int)getpid());
	tu_expect_sh(script, 0, expect);
}

static const struct CMUnitTest data_cli_tests[] = {
	TU_TEST(test_file_and_raw),
	TU_TEST(test_nul_separated),
	TU_TEST(test_hex),
	TU_TEST(test_too_big),
	TU_TEST(test_nul_too_big),
	TU_TEST(test_tempfail),
	TU_TEST(test_write_error),
	TU_TEST(test_ls),
	TU_TEST(test_stat),
	TU_TEST(test_version),
	TU_TEST(test_usage_errors),
	TU_TEST(test_verbose_relayed),
};

MSGPORT_SUITE(data_cli_suite, MSGPORT_GROUP_CLI, 110, "data-cli",
	      "msgport send/recv of bytes (--file, --raw, -0, --hex), ls/stat tables and JSON, "
	      "--version, usage errors", data_cli_tests);
