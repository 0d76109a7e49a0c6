// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "mailbox-namespace": kernel-stamped metadata is given in the
 * receiver's namespaces.  A sender's pid/tid are those of the receiver's pid
 * namespace, 0 where the sender is not visible; uid/gid (of senders and of
 * the owner in stat) are those of the receiver's user namespace, the
 * overflow id where unmapped.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"

struct pidns {
	struct msgport_mailbox *in;	/* runner -> inner process */
	struct msgport_mailbox *out;	/* inner process -> runner */
	struct msgport_mailbox *self;	/* inner process -> itself */
	int pipe_wr;			/* the inner process's global pid */
};

/* In a new pid namespace (its pid 1). */
static int inner_pidns(const struct pidns *p)
{
	struct msgport_msginfo info;
	char buf[32];

	CHILD_CHECK(getpid() == 1);
	/* The runner is outside our namespace: not visible. */
	CHILD_CHECK(msgport_recv(p->in, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				 MSGPORT_WAIT_FOREVER, &info) == 9);
	if (info.pid != 0 || info.tid != 0)
		fprintf(stderr, "pidns: outside sender seen as pid %d tid %d\n", info.pid,
			info.tid);
	CHILD_CHECK(info.pid == 0 && info.tid == 0);
	/* Our own message: we are pid 1 here. */
	CHILD_CHECK(msgport_send(p->self, "me", 2, 0, 0, MSGPORT_WAIT_FOREVER, NULL) == 0);
	CHILD_CHECK(msgport_recv(p->self, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				 MSGPORT_WAIT_FOREVER, &info) == 2);
	CHILD_CHECK(info.pid == 1 && info.tid == 1);
	CHILD_CHECK(msgport_send(p->out, "from-inner", 10, 0, 0, MSGPORT_WAIT_FOREVER, NULL) == 0);
	return 0;
}

static int child_pidns(void *arg)
{
	const struct pidns *p = arg;
	int status;
	pid_t pid;

	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	pid = fork();
	CHILD_CHECK(pid >= 0);
	if (pid == 0)
		_exit(inner_pidns(p));
	CHILD_CHECK(write(p->pipe_wr, &pid, sizeof(pid)) == sizeof(pid));
	CHILD_CHECK(waitpid(pid, &status, 0) == pid);
	CHILD_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}

static void test_pid_namespace(void **state)
{
	struct pidns p = {
		.in = tu_create(tu_name("pidns-in"), 4, 0, 0600, 0),
		.out = tu_create(tu_name("pidns-out"), 4, 0, 0600, 0),
		.self = tu_create(tu_name("pidns-self"), 4, 0, 0600, 0),
	};
	struct msgport_msginfo info;
	int pfd[2];
	pid_t inner = 0;
	char buf[32];

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	tu_track_fd(pfd[0]);
	tu_track_fd(pfd[1]);
	p.pipe_wr = pfd[1];
	assert_int_equal(msgport_send(p.in, "from-root", 9, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_child_ok(tu_fork(child_pidns, &p));
	assert_int_equal(read(pfd[0], &inner, sizeof(inner)), sizeof(inner));

	/* From here the inner process is a normal, visible pid. */
	assert_int_equal(msgport_recv(p.out, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, &info), 10);
	assert_int_equal(info.pid, inner);
	assert_int_equal(info.tid, inner);
}

struct userns {
	struct msgport_mailbox *mb;
	unsigned long overflow_uid, overflow_gid;
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* In a new user namespace where root (our kuid 0) is 1000:2000. */
static int child_userns(void *arg)
{
	const struct userns *u = arg;
	struct msgport_msginfo info;
	struct msgport_stat st;
	char buf[32];

	CHILD_CHECK(unshare(CLONE_NEWUSER) == 0);
	CHILD_CHECK(write_file("/proc/self/uid_map", "1000 0 1\n") == 0);
	CHILD_CHECK(write_file("/proc/self/setgroups", "deny\n") == 0);
	CHILD_CHECK(write_file("/proc/self/gid_map", "2000 0 1\n") == 0);
	CHILD_CHECK(geteuid() == 1000 && getegid() == 2000);

	/* The owner, root, as seen from here. */
	CHILD_CHECK(msgport_mailbox_stat(u->mb, &st) == 0);
	if (st.uid != 1000 || st.gid != 2000)
		fprintf(stderr, "userns: owner seen as %u:%u\n", st.uid, st.gid);
	CHILD_CHECK(st.uid == 1000 && st.gid == 2000);

	/* Root's message: mapped. */
	CHILD_CHECK(msgport_recv(u->mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				 MSGPORT_WAIT_FOREVER, &info) == 4);
	CHILD_CHECK(!memcmp(buf, "root", 4));
	if (info.uid != 1000 || info.gid != 2000)
		fprintf(stderr, "userns: root sender seen as %u:%u\n", info.uid, info.gid);
	CHILD_CHECK(info.uid == 1000 && info.gid == 2000);

	/* 1234:1234's message: unmapped here, the overflow ids. */
	CHILD_CHECK(msgport_recv(u->mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				 MSGPORT_WAIT_FOREVER, &info) == 4);
	CHILD_CHECK(!memcmp(buf, "1234", 4));
	if (info.uid != u->overflow_uid || info.gid != u->overflow_gid)
		fprintf(stderr, "userns: unmapped sender seen as %u:%u\n", info.uid, info.gid);
	CHILD_CHECK(info.uid == u->overflow_uid && info.gid == u->overflow_gid);
	return 0;
}

static int child_send_as_1234(void *arg)
{
	const struct userns *u = arg;

	CHILD_CHECK(tu_become(1234, 1234) == 0);
	CHILD_CHECK(msgport_send(u->mb, "1234", 4, 0, 0, MSGPORT_WAIT_FOREVER, NULL) == 0);
	return 0;
}

static unsigned long read_ulong(const char *path)
{
	unsigned long v = 0;
	FILE *f = fopen(path, "re");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu", &v), 1);
	fclose(f);
	return v;
}

static void test_user_namespace(void **state)
{
	struct userns u = { .mb = tu_create(tu_name("userns"), 4, 0, 0666, 0) };

	u.overflow_uid = read_ulong("/proc/sys/kernel/overflowuid");
	u.overflow_gid = read_ulong("/proc/sys/kernel/overflowgid");
	assert_int_equal(msgport_send(u.mb, "root", 4, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_child_ok(tu_fork(child_send_as_1234, &u));
	assert_child_ok(tu_fork(child_userns, &u));
}

static const struct CMUnitTest mailbox_namespace_tests[] = {
	TU_TEST(test_pid_namespace),
	TU_TEST(test_user_namespace),
};

MSGPORT_SUITE(mailbox_namespace_suite, MSGPORT_GROUP_MODULE, 700, "mailbox-namespace",
	      "metadata pid/tid and uid/gid translated into the receiver's namespaces",
	      mailbox_namespace_tests);
