/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgport-test: the in-VM test runner's shared declarations.
 *
 * Every suite is one file that registers itself with MSGPORT_SUITE(), and
 * nothing else has to change to add one: tests/tests.mk compiles every
 * tests/NAME_test.c (the kernel module's suites; not the host_ ones) and
 * tests/cli/NAME_test.c (the msgport command-line tool's) into msgport-test,
 * and the runner (msgport_test_main.c) runs the suites it finds, one cmocka
 * group each, in the order of their group and order key.
 *
 * Every test runs between tu_setup() and tu_teardown() (the fixture,
 * fixture.c): setup opens /dev/msgport; teardown closes every mailbox and
 * descriptor the test opened through the tu_* helpers, unlinks every name it
 * made with tu_name(), kills and reaps its child processes and restores the
 * module parameters it changed, also when the test failed half-way.  So the
 * suites are independent of each other and of their order.
 *
 * Child processes must not use cmocka's assertions (a failed assertion would
 * jump back into the parent's copy of the runner): they use CHILD_CHECK(),
 * which prints what failed and returns 1 from the child's function, and the
 * parent asserts on the exit status with assert_child_ok().
 */
#ifndef MSGPORT_TEST_H
#define MSGPORT_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include <linux/msgport.h>
#include "libmsgport.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Timeout for awaiting a state another task will reach (TCG is slow). */
#define TU_AWAIT_MS	20000

/* The user an unprivileged test process becomes. */
#define TU_NOBODY	65534U

/*
 * The groups of suites, in the order they run (and --list lists them).
 * module-cycle has a group of its own: it unloads and reloads the module,
 * so it runs after everything else.
 */
enum msgport_suite_group {
	MSGPORT_GROUP_MODULE,	/* the kernel module: tests/NAME_test.c */
	MSGPORT_GROUP_CLI,	/* the msgport CLI: tests/cli/NAME_test.c */
	MSGPORT_GROUP_LAST,	/* module-cycle */
	MSGPORT_NR_GROUPS
};

/*
 * One suite: a cmocka group.  run() returns the failed count.  Within a
 * group, suites run by ascending order key; no two suites share a name or
 * a (group, order) pair (the runner refuses to start otherwise).  Keys are
 * spaced by 100 so that a new suite fits in between.
 */
struct msgport_suite {
	const char *name;
	const char *summary;
	int (*run)(size_t *ntests);
	enum msgport_suite_group group;
	unsigned int order;
};

/*
 * Registration, in the suite's own file:
 *   MSGPORT_SUITE(batch_suite, MSGPORT_GROUP_MODULE, 1300, "batch",
 *                 "what it tests", batch_tests);
 * defines the suite and puts a pointer to it in the linker section
 * msgport_suites, which the runner walks from __start_msgport_suites to
 * __stop_msgport_suites (link order does not matter: it sorts them).
 */
#define MSGPORT_SUITE(var, sgroup, sorder, sname, ssummary, tests)		\
	static int var##_run(size_t *ntests)					\
	{									\
		*ntests = ARRAY_SIZE(tests);					\
		return cmocka_run_group_tests_name(sname, tests, NULL, NULL);	\
	}									\
	static const struct msgport_suite var = {				\
		.name = sname,							\
		.summary = ssummary,						\
		.run = var##_run,						\
		.group = sgroup,						\
		.order = sorder,						\
	};									\
	static const struct msgport_suite *const var##_ptr			\
		__attribute__((used, section("msgport_suites"), aligned(sizeof(void *)))) = \
		&var

/*
 * Skip the current test, saying why (printf-style), counted apart: the
 * runner reports it as skipped, not passed.  For what the machine lacks
 * (a kernel without tracefs, say), never for a failure.
 */
extern unsigned long tu_nskipped;
#define TU_SKIP(...)								\
	do {									\
		print_message("skipped: " __VA_ARGS__);				\
		print_message("\n");						\
		tu_nskipped++;							\
		skip();								\
	} while (0)

/* A test with the standard fixture. */
#define TU_TEST(f) cmocka_unit_test_setup_teardown(f, tu_setup, tu_teardown)

/* ---- fixture.c: per-test resources, released by tu_teardown() ---- */

int tu_setup(void **state);
int tu_teardown(void **state);

/* The control device opened by tu_setup(). */
struct msgport *tu_mp(void);
int tu_devfd(void);
/* The test closed tu_mp() itself: the teardown must not. */
void tu_forget_mp(void);

/*
 * A mailbox name unique to this process and test, "mpt-PID-N-tag", unlinked
 * (if it still exists) by the teardown.  Valid until the teardown.
 */
const char *tu_name(const char *tag);
/* The same, padded with 'x' to exactly len bytes (len >= 24). */
const char *tu_name_sized(size_t len);

/*
 * Create a mailbox (O_CREAT|O_EXCL|O_RECV|O_SEND|extra) or fail the test;
 * closed by the teardown unless tu_close() closed it first.
 */
struct msgport_mailbox *tu_create(const char *name, uint32_t capacity, uint32_t max_msg_size,
				  uint32_t mode, unsigned int extra_oflags);
/* Open an existing mailbox with oflags or fail the test. */
struct msgport_mailbox *tu_open(const char *name, unsigned int oflags);
/* Close a mailbox from tu_create()/tu_open() now. */
void tu_close(struct msgport_mailbox *mb);
/* Close a mailbox opened by the test itself at the teardown (tu_close() too). */
void tu_track_mailbox(struct msgport_mailbox *mb);
/*
 * What one message of len payload bytes is charged to max_user_bytes, as
 * measured (a send into a scratch mailbox, the sender's charge before and
 * after), or fail the test.
 */
size_t tu_msg_charge(size_t len);
/* Open this process's inbox (attr NULL: the library's defaults) or fail. */
struct msgport_mailbox *tu_inbox(const struct msgport_attr *attr);
/* tu_create() with full attributes (region_size...). */
struct msgport_mailbox *tu_create_attr(const char *name, const struct msgport_attr *attr,
				       unsigned int extra_oflags);

/*
 * mmap(2) (MAP_FAILED and errno on failure), unmapped by the teardown
 * unless tu_munmap() does it first.
 */
void *tu_mmap(int fd, size_t len, int prot, int flags, off_t off);
void tu_munmap(void *addr);
/* msgport_region_map() or fail the test; unmapped by the teardown. */
struct msgport_region *tu_region_map(struct msgport_mailbox *mb);
void tu_region_unmap(struct msgport_region *r);

/* Track a raw descriptor for the teardown to close; returns fd. */
int tu_track_fd(int fd);
/* Close a tracked descriptor now. */
void tu_close_fd(int fd);

/*
 * Fork a child that runs fn(arg) and exits with its return value; killed
 * and reaped by the teardown if the test does not join it.
 */
pid_t tu_fork(int (*fn)(void *arg), void *arg);
/* Wait for a child: its exit status, or 128 + signal. */
int tu_join(pid_t pid);
#define assert_child_ok(pid) assert_int_equal(tu_join(pid), 0)

/*
 * Fork a receiver that waits on @mb for messages of its own process only
 * (MSGPORT_F_FROM), which never come, and wait until it waits: a receiver
 * parked for another process's messages.  tu_unpark() kills and reaps it.
 */
pid_t tu_park_receiver_for_another(struct msgport_mailbox *mb);
void tu_unpark(pid_t pid);

/*
 * Stream @rounds messages of @len bytes (tu_fill(.., seed + i, 0)) into @mb
 * to a child that receives each into a buffer already touched (or, @fresh,
 * whose pages are dropped before each receive, as a fresh buffer's), checks
 * every byte and then sleeps @delay_us: a receiver slower than its sender.
 * Asserts that every message went and came whole; returns the child's pid
 * (joined).
 */
pid_t tu_stream_to_slow_receiver(struct msgport_mailbox *mb, size_t len, unsigned int rounds,
				 unsigned int delay_us, uint32_t seed, bool fresh);

/*
 * Assert that expr (a result or -errno) is -err, saying what it was: the
 * errno tests' one assertion.
 */
#define assert_errno(expr, err)							\
	do {									\
		long r_ = (expr);						\
		if (r_ != -(err))						\
			fail_msg("%s: got %ld (%s), expected -%s", #expr, r_,	\
				 r_ < 0 ? strerror((int)-r_) : "success", #err);\
	} while (0)

/*
 * Set a module parameter (/sys/module/msgport/parameters/NAME) or fail the
 * test; the teardown writes the original value back.
 */
void tu_param_set(const char *param, unsigned long long value);

/* ---- helpers.c: no cmocka assertions, usable from children/threads ---- */

#define CHILD_CHECK(cond)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "child %d: %s:%d: check failed: %s\n",	\
				(int)getpid(), __FILE__, __LINE__, #cond);	\
			return 1;						\
		}								\
	} while (0)

/* ioctl(2) returning its result or -errno. */
int tu_ioctl(int fd, unsigned long cmd, void *arg);

/*
 * MSGPORT_IOC_OPEN on devfd: the new descriptor or -errno.  Not tracked:
 * wrap it in tu_track_fd() in a test.
 */
int tu_raw_open(int devfd, const char *name, uint32_t flags, uint32_t mode, uint32_t capacity,
		uint32_t max_msg_size);

uint64_t tu_now_ns(void);

/* tu_become(65534, 65534). */
int tu_drop_privileges(void);

enum tu_stat_field {
	TU_WAITING_SENDERS,
	TU_WAITING_RECEIVERS,
	TU_QUEUED_MSGS,
};

/* Poll the mailbox's stat until field == value: 0, or -ETIMEDOUT/-errno. */
int tu_await_stat(int mbfd, enum tu_stat_field field, uint64_t value, int timeout_ms);
#define assert_await(mb, field, value)						\
	assert_int_equal(tu_await_stat(msgport_mailbox_fd(mb), field, value,	\
				       TU_AWAIT_MS), 0)

/*
 * Wait until task pid (a process's main thread, or a thread id) sleeps
 * (state S or D in /proc/PID/stat): 0 or -ETIMEDOUT/-errno.
 */
int tu_await_sleeping(pid_t pid, int timeout_ms);
/* Wait (TU_AWAIT_MS) until task pid sleeps in a kernel function whose name contains fn. */
int tu_await_wchan(pid_t pid, const char *fn);

/* Become uid/gid with no supplementary groups: 0 or -errno. */
int tu_become(uid_t uid, gid_t gid);

/* Write text to a file (sysfs, cgroupfs): 0 or -errno. */
int tu_file_write(const char *path, const char *text);
/* A file's number (sysfs, cgroupfs, at most LLONG_MAX): >= 0, or -errno. */
long long tu_file_number(const char *path);

/* Read a module parameter: 0 or -errno. */
int tu_param_read(const char *param, unsigned long long *value);
int tu_param_write(const char *param, unsigned long long value);

/* The number of lines of /proc/msgport that name this mailbox (-errno). */
int tu_proc_count(const char *name);
/*
 * The value in /proc/msgport's column `column` (its header's word) on the
 * line of mailbox `name`, as text: 0 or -ENOENT/-errno.
 */
int tu_proc_field(const char *name, const char *column, char *out, size_t outlen);

/* A counter of debugfs msgport/objects ("regions", ...): 0 or -errno. */
int tu_objects_read(const char *key, long *value);

/*
 * What euid uid has charged to max_user_bytes (debugfs msgport/users; 0 if
 * it has no record): 0 or -errno.
 */
int tu_user_charge(uid_t uid, long *bytes);
/* The mailboxes (named and inboxes) euid uid has (debugfs), or -errno. */
int tu_user_mailboxes(uid_t uid);

/*
 * Bad addresses for EFAULT tests: a page that is not mapped any more, and
 * a read-only page holding a copy of len bytes at src (len <= 4096) and
 * followed by an inaccessible page (never unmapped, since a test may fail
 * holding it; NULL if mmap failed).
 */
void *tu_unmapped_page(void);
void *tu_readonly_copy(const void *src, size_t len);

/* FNV-1a, for payload checksums. */
uint32_t tu_fnv1a(const void *buf, size_t len);
/* Deterministic payload bytes for (a, b, i). */
void tu_fill(void *buf, size_t len, uint32_t a, uint32_t b);

/*
 * ---- cli/cli_helpers.c: the CLI suites' shell scripts (cmocka assertions:
 * the test's own process only) ----
 */

/*
 * Runs script (with sh -c) and returns its exit status (or 128 + signal);
 * its standard output, up to outlen - 1 bytes, goes to out (NUL-terminated
 * after them), their number to *got (got may be NULL).
 */
int tu_run_sh(const char *script, char *out, size_t outlen, size_t *got);
/* Fails the test unless script exits with status and prints output (if not NULL). */
void tu_expect_sh(const char *script, int status, const char *output);
/* Fails the test unless script exits with status and prints exactly len bytes of expect. */
void tu_expect_bytes(const char *script, int status, const void *expect, size_t len);
/* Fails the test unless script exits 0; its output (a string) into out. */
void tu_capture_sh(const char *script, char *out, size_t outlen);

/*
 * A script's prelude for pipelines whose status must not be lost (busybox
 * sh has no pipefail): "keep CMD..." runs CMD and writes its exit status
 * to the file $st; KEPT(N) exits N unless that status was 0.
 */
#define SH_KEEP	"st=$(mktemp) || exit 9; trap 'rm -f $st' EXIT; " \
		"keep() { \"$@\"; echo $? > $st; }; "
#define KEPT(n)	"[ \"$(cat $st)\" = 0 ] || exit " #n "; "

#endif /* MSGPORT_TEST_H */
