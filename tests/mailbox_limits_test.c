// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "mailbox-limits": the module's limits, set through
 * /sys/module/msgport/parameters and restored by the fixture: max_mailboxes
 * (ENOSPC; CAP_SYS_RESOURCE goes past it), max_msg_size (EINVAL at creation, EMSGSIZE at send),
 * max_user_bytes (EDQUOT), and a bounded mailbox's capacity (EAGAIN).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msgport_test.h"

#define RW (MSGPORT_O_RECV | MSGPORT_O_SEND)

static const char *const params[] = {
	"max_mailboxes", "max_msg_size", "max_user_bytes", "default_msg_size", "spin_ns",
	"max_user_mailboxes",
};

/* Mailboxes in the system: the lines of /proc/msgport after its header. */
static int count_mailboxes(void)
{
	char line[1024];
	int n = -1;
	FILE *f = fopen("/proc/msgport", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strchr(line, '\n'))
			n++;
	fclose(f);
	return n;
}

/* The parameters exist, hold sane values and are writable by root. */
static void test_parameters_present(void **state)
{
	unsigned long long v, def, max;
	char path[128];
	struct stat st;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(params); i++) {
		snprintf(path, sizeof(path), "/sys/module/msgport/parameters/%s", params[i]);
		if (stat(path, &st) < 0)
			fail_msg("%s: %s", path, strerror(errno));
		assert_true(st.st_mode & S_IRUSR);
		assert_true(st.st_mode & S_IWUSR);
		assert_int_equal(tu_param_read(params[i], &v), 0);
		assert_true(v > 0);
	}
	assert_int_equal(tu_param_read("default_msg_size", &def), 0);
	assert_int_equal(tu_param_read("max_msg_size", &max), 0);
	assert_true(def <= max);
}

#define PINGS	200

struct pingpong {
	struct msgport_mailbox *fwd, *back;
};

/* Child: echo PINGS messages from fwd to back, each checked. */
static int child_echo(void *arg)
{
	const struct pingpong *pp = arg;
	unsigned int i, got;
	ssize_t n;

	for (i = 0; i < PINGS; i++) {
		n = msgport_recv(pp->fwd, &got, sizeof(got), 0, 30 * 1000000000LL, NULL);
		CHILD_CHECK(n == sizeof(got) && got == i);
		got = ~i;
		CHILD_CHECK(msgport_send(pp->back, &got, sizeof(got), 0, 0, 30 * 1000000000LL,
					 NULL) == 0);
	}
	return 0;
}

/*
 * spin_ns bounds how long a blocked call spins on a running peer before it
 * sleeps; with 0 it never spins: blocking ping-pong between two processes
 * goes through sleeps and wake-ups only, and with a spin allowed it still
 * delivers every message once and in order.
 */
static void test_spin_ns(void **state)
{
	struct pingpong pp = {
		.fwd = tu_create(tu_name("fwd"), 1, 16, 0600, 0),
		.back = tu_create(tu_name("back"), 1, 16, 0600, 0),
	};
	unsigned long long spins[] = { 0, 1000000000ULL };
	unsigned int i, k, v;
	pid_t pid;

	for (k = 0; k < ARRAY_SIZE(spins); k++) {
		tu_param_set("spin_ns", spins[k]);
		pid = tu_fork(child_echo, &pp);
		for (i = 0; i < PINGS; i++) {
			assert_int_equal(msgport_send(pp.fwd, &i, sizeof(i), 0, 0,
						      MSGPORT_WAIT_FOREVER, NULL), 0);
			assert_int_equal(msgport_recv(pp.back, &v, sizeof(v), 0,
						      MSGPORT_WAIT_FOREVER, NULL), sizeof(v));
			assert_int_equal(v, ~i);
		}
		assert_child_ok(pid);
	}
}

/* Child, as nobody: creating c must fail with ENOSPC, with or without O_EXCL. */
static int child_enospc(void *arg)
{
	const char *c = arg;
	struct msgport_mailbox *mb = NULL;

	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), c, MSGPORT_O_CREAT | RW, NULL, &mb) == -ENOSPC);
	CHILD_CHECK(mb == NULL);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), c, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW, NULL,
					 &mb) == -ENOSPC);
	return 0;
}

/*
 * max_mailboxes: creating one more than allowed fails with ENOSPC, but with
 * CAP_SYS_RESOURCE (root here), as mqueue's queues_max.
 */
static void test_max_mailboxes_enospc(void **state)
{
	const char *a = tu_name("cnt-a"), *b = tu_name("cnt-b"), *c = tu_name("cnt-c");
	struct msgport_mailbox *ma, *mb = NULL;
	int existing = count_mailboxes();

	assert_true(existing >= 0);
	tu_param_set("max_mailboxes", (unsigned long long)existing + 2);
	ma = tu_create(a, 1, 0, 0600, 0);
	tu_create(b, 1, 0, 0600, MSGPORT_O_EPHEMERAL);
	assert_child_ok(tu_fork(child_enospc, (void *)c));
	/* Opening an existing one is not creating. */
	mb = tu_open(a, RW);
	tu_close(mb);
	assert_int_equal(count_mailboxes(), existing + 2);

	/* Remove one (name and last descriptor): room again. */
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), a), 0);
	tu_close(ma);
	tu_create(c, 1, 0, 0600, 0);
	/* Full again; CAP_SYS_RESOURCE goes past the limit. */
	tu_create(a, 1, 0, 0600, 0);
	assert_int_equal(count_mailboxes(), existing + 3);
}

/* max_msg_size bounds a mailbox's message size; the mailbox's own bounds a send. */
static void test_max_msg_size(void **state)
{
	const char *name = tu_name("maxsize");
	unsigned long long def;
	struct msgport_mailbox *mb = NULL;
	struct msgport_attr attr = { .capacity = 4, .mode = 0600 };
	static char buf[2048];

	assert_int_equal(tu_param_read("default_msg_size", &def), 0);
	if (def > 1024)
		tu_param_set("default_msg_size", 1024);
	tu_param_set("max_msg_size", 1024);

	attr.max_msg_size = 1025;
	assert_int_equal(msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | RW, &attr, &mb),
			 -EINVAL);
	mb = tu_create(name, 4, 1024, 0600, 0);
	assert_int_equal(msgport_send(mb, buf, 1024, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_send(mb, buf, 1025, 0, 0, MSGPORT_WAIT_FOREVER, NULL), -EMSGSIZE);

	mb = tu_create(tu_name("small"), 4, 10, 0600, 0);
	assert_int_equal(msgport_send(mb, buf, 10, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_send(mb, buf, 11, 0, 0, MSGPORT_WAIT_FOREVER, NULL), -EMSGSIZE);
	assert_int_equal(msgport_send(mb, buf, 11, 0, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), -EMSGSIZE);
	{
		struct msgport_stat st;

		assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
		assert_int_equal(st.queued_msgs, 1);
	}
}

struct quota {
	const char *name;
	const char *name2;
};

#define QUOTA_BYTES	4096ULL
#define QUOTA_MSG	1024

/* Child, as nobody: fill an unbounded mailbox until the per-user limit says EDQUOT. */
static int child_quota(void *arg)
{
	const struct quota *q = arg;
	struct msgport_mailbox *mb, *mb2;
	static char buf[QUOTA_MSG];
	struct msgport_attr attr = {
		.capacity = MSGPORT_CAPACITY_UNBOUNDED, .max_msg_size = QUOTA_MSG, .mode = 0600,
	};
	int i, ret = 0;

	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), q->name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW |
					 MSGPORT_O_EPHEMERAL, &attr, &mb) == 0);
	for (i = 0; i < 64; i++) {
		/* Bounded wait: the limit must be an error, not a block. */
		ret = msgport_send(mb, buf, sizeof(buf), 0, 0, 5000000000LL, NULL);
		if (ret < 0)
			break;
	}
	if (ret != -EDQUOT)
		fprintf(stderr, "quota child: after %d sends: %d (%s), expected EDQUOT\n", i, ret,
			msgport_strerror(ret));
	CHILD_CHECK(ret == -EDQUOT);
	/* 4096 bytes hold at most four 1024-byte messages; at least one fits. */
	CHILD_CHECK(i >= 1 && i <= (int)(QUOTA_BYTES / QUOTA_MSG));
	CHILD_CHECK(msgport_send(mb, buf, sizeof(buf), 0, MSGPORT_F_NONBLOCK,
				 MSGPORT_WAIT_FOREVER, NULL) == -EDQUOT);
	/* Taking one out makes room for one more. */
	CHILD_CHECK(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				 NULL) == QUOTA_MSG);
	CHILD_CHECK(msgport_send(mb, buf, sizeof(buf), 0, 0, 5000000000LL, NULL) == 0);
	CHILD_CHECK(msgport_send(mb, buf, sizeof(buf), 0, 0, 5000000000LL, NULL) == -EDQUOT);
	/* Unlink drops the queued messages and gives their bytes back at once. */
	CHILD_CHECK(msgport_mailbox_unlink(tu_mp(), q->name) == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), q->name2, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW |
					 MSGPORT_O_EPHEMERAL, &attr, &mb2) == 0);
	CHILD_CHECK(msgport_send(mb2, buf, sizeof(buf), 0, 0, 5000000000LL, NULL) == 0);
	msgport_mailbox_close(mb2);
	msgport_mailbox_close(mb);
	return 0;
}

/* max_user_bytes: queued bytes per user are limited (EDQUOT), and freed on receive. */
static void test_max_user_bytes_edquot(void **state)
{
	struct quota q = { .name = tu_name("quota"), .name2 = tu_name("quota-b") };

	tu_param_set("max_user_bytes", QUOTA_BYTES);
	assert_child_ok(tu_fork(child_quota, &q));
	/* The ephemeral mailbox went with the child; its bytes with it. */
	assert_int_equal(tu_proc_count(q.name), 0);
	/* And the user's allowance is whole again. */
	q.name = tu_name("quota2");
	q.name2 = tu_name("quota2-b");
	assert_child_ok(tu_fork(child_quota, &q));
}

/* A bounded mailbox holds exactly its capacity. */
static void test_capacity(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("cap"), 5, 0, 0600, 0);
	char buf[8];
	int i;

	for (i = 0; i < 5; i++)
		assert_int_equal(msgport_send(mb, "m", 1, (unsigned int)i, MSGPORT_F_NONBLOCK,
					      MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_send(mb, "m", 1, 31, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), -EAGAIN);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), 1);
	assert_int_equal(msgport_send(mb, "m", 1, 0, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), 0);
	assert_int_equal(msgport_send(mb, "m", 1, 0, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				      NULL), -EAGAIN);
}

/* The library's error strings name the limit behind each errno. */
static void test_limit_error_strings(void **state)
{
	assert_non_null(strstr(msgport_strerror(-ENOSPC), "max_mailboxes"));
	assert_non_null(strstr(msgport_strerror(-EDQUOT), "max_user_bytes"));
}

static const struct CMUnitTest mailbox_limits_tests[] = {
	TU_TEST(test_parameters_present),
	TU_TEST(test_spin_ns),
	TU_TEST(test_max_mailboxes_enospc),
	TU_TEST(test_max_msg_size),
	TU_TEST(test_max_user_bytes_edquot),
	TU_TEST(test_capacity),
	TU_TEST(test_limit_error_strings),
};

MSGPORT_SUITE(mailbox_limits_suite, MSGPORT_GROUP_MODULE, 800, "mailbox-limits",
	      "max_mailboxes ENOSPC, max_msg_size, max_user_bytes EDQUOT, capacity",
	      mailbox_limits_tests);
