// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "ipc-namespace": mailbox names, their limits and /proc/msgport are
 * per IPC namespace, as POSIX message queues are.  A process in a new IPC
 * namespace sees and opens none of its parent's mailboxes, nor they its; a
 * namespace's mailboxes go (with their messages, regions and charges) when
 * the namespace dies; an unprivileged user's own user and IPC namespaces
 * give it no way past the per-user limits; and direct messages follow pid
 * namespaces (a sender outside the receiver's pid namespace shows as pid 0).
 */
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"

#define RW		(MSGPORT_O_RECV | MSGPORT_O_SEND)
#define DEATH_MS	15000	/* a dead namespace's mailboxes go within this */

struct ns_child {
	const char *name;
	int up;			/* written by the child once set up */
	int go;			/* read by the child before it ends */
};

/* Child: a new IPC namespace, where the parent's name does not exist; its own. */
static int child_isolated(void *arg)
{
	const struct ns_child *c = arg;
	struct msgport_mailbox *mb = NULL;
	struct msgport_stat st;
	char ch;

	CHILD_CHECK(unshare(CLONE_NEWIPC) == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), c->name, RW, NULL, &mb) == -ENOENT);
	CHILD_CHECK(tu_proc_count(c->name) == 0);
	CHILD_CHECK(msgport_mailbox_unlink(tu_mp(), c->name) == -ENOENT);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), c->name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW,
					 &(struct msgport_attr){ .capacity = 5, .mode = 0600 },
					 &mb) == 0);
	CHILD_CHECK(tu_proc_count(c->name) == 1);
	CHILD_CHECK(write(c->up, "u", 1) == 1);
	CHILD_CHECK(read(c->go, &ch, 1) == 1);
	CHILD_CHECK(msgport_mailbox_stat(mb, &st) == 0 && st.capacity == 5);
	return 0;
}

/*
 * A name in a new IPC namespace is another mailbox: the child cannot open,
 * list or unlink its parent's, makes its own of the same name, and each side
 * sees only its own in /proc/msgport.
 */
static void test_names_per_namespace(void **state)
{
	struct ns_child c = { .name = tu_name("ns") };
	struct msgport_mailbox *mb = tu_create(c.name, 3, 0, 0600, 0);
	struct msgport_stat st;
	int up[2], go[2];
	char cap[16], ch;
	pid_t pid;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(go), 0);
	c.up = up[1];
	c.go = go[0];
	pid = tu_fork(child_isolated, &c);
	if (read(up[0], &ch, 1) != 1) {
		assert_child_ok(pid);	/* says why */
		fail_msg("the child did not set up its namespace");
	}
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.capacity, 3);
	assert_int_equal(tu_proc_count(c.name), 1);
	assert_int_equal(tu_proc_field(c.name, "capacity", cap, sizeof(cap)), 0);
	assert_string_equal(cap, "3");
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_child_ok(pid);
	close(up[0]);
	close(up[1]);
	close(go[0]);
	close(go[1]);
}

/* Child: a new IPC namespace with a mailbox, a region and messages; then it ends. */
static int child_dies(void *arg)
{
	const char *name = arg;
	struct msgport_attr attr = { .capacity = 16, .mode = 0600, .region_size = 8 * 4096 };
	struct msgport_mailbox *mb;
	int i;

	CHILD_CHECK(unshare(CLONE_NEWIPC) == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | RW, &attr, &mb) == 0);
	for (i = 0; i < 10; i++)
		CHILD_CHECK(msgport_send(mb, "left", 4, 0, MSGPORT_F_NONBLOCK, 0, NULL) == 0);
	return 0;	/* its namespace dies with it */
}

/*
 * A namespace's mailboxes go when it dies (its last process exits): their
 * messages, regions and charges with them, and msgport keeps nothing of it.
 */
static void test_namespace_death(void **state)
{
	long mailboxes0, mailboxes, charge0, charge;
	uint64_t deadline;

	assert_int_equal(tu_objects_read("mailboxes", &mailboxes0), 0);
	assert_int_equal(tu_user_charge(geteuid(), &charge0), 0);
	assert_child_ok(tu_fork(child_dies, (void *)tu_name("dies")));
	deadline = tu_now_ns() + DEATH_MS * 1000000ULL;
	do {
		usleep(50000);
		assert_int_equal(tu_objects_read("mailboxes", &mailboxes), 0);
		assert_int_equal(tu_user_charge(geteuid(), &charge), 0);
	} while ((mailboxes > mailboxes0 || charge != charge0) && tu_now_ns() < deadline);
	/*
	 * The region and messages (charged to us) say the child's mailbox is
	 * gone; the count may also lose a mailbox of an earlier test's dead
	 * namespace, gone meanwhile.
	 */
	if (mailboxes > mailboxes0 || charge != charge0)
		fail_msg("%d s after its namespace died: mailboxes %ld (before %ld), charge %ld "
			 "(before %ld)", DEATH_MS / 1000, mailboxes, mailboxes0, charge, charge0);
}

/* Child, as nobody: user and IPC namespaces of its own, with all capabilities there. */
static int child_own_namespaces(void *arg)
{
	const char *const *names = arg;
	struct msgport_mailbox *mb = NULL;

	CHILD_CHECK(tu_drop_privileges() == 0);
	if (unshare(CLONE_NEWUSER | CLONE_NEWIPC)) {
		fprintf(stderr, "unshare(CLONE_NEWUSER|CLONE_NEWIPC) as nobody: %s\n",
			strerror(errno));
		return 1;
	}
	/* The host's mailbox is not there; it may not even try to unlink it. */
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), names[0], 0, NULL, &mb) == -ENOENT);
	CHILD_CHECK(msgport_mailbox_unlink(tu_mp(), names[0]) == -ENOENT);
	/* Root of its own namespaces, not of the machine: max_user_mailboxes holds. */
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), names[1], MSGPORT_O_CREAT | RW, NULL, &mb) == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), names[2], MSGPORT_O_CREAT | RW, NULL, &mb) == 0);
	CHILD_CHECK(msgport_mailbox_open(tu_mp(), names[3], MSGPORT_O_CREAT | RW, NULL, &mb) ==
		    -EDQUOT);
	return 0;
}

/*
 * An unprivileged user in user and IPC namespaces of its own sees none of
 * the host's mailboxes, and its capabilities there (CAP_SYS_RESOURCE)
 * do not lift the per-user limits, which are the machine's.
 */
static void test_unprivileged_own_namespaces(void **state)
{
	const char *names[4] = { tu_name("host"), tu_name("own-1"), tu_name("own-2"),
				 tu_name("own-3") };

	uint64_t deadline;

	tu_create(names[0], 1, 0, 0666, 0);
	tu_param_set("max_user_mailboxes", 2);
	assert_child_ok(tu_fork(child_own_namespaces, (void *)names));
	assert_int_equal(tu_proc_count(names[0]), 1);
	/* Its namespaces died with it; its mailboxes go too (the count says). */
	deadline = tu_now_ns() + DEATH_MS * 1000000ULL;
	while (tu_user_mailboxes(TU_NOBODY) > 0 && tu_now_ns() < deadline)
		usleep(50000);
	assert_int_equal(tu_user_mailboxes(TU_NOBODY), 0);
}

struct pid_ns {
	int report;		/* the grandchild's host pid goes here */
};

/* Grandchild, pid 1 of a new pid namespace: one direct message from outside. */
static int grandchild_inbox(void)
{
	struct msgport_mailbox *in;
	struct msgport_msginfo info;
	char buf[16];
	ssize_t n;

	CHILD_CHECK(getpid() == 1);
	CHILD_CHECK(msgport_inbox_open(tu_mp(), NULL, 0, &in) == 0);
	n = msgport_recv(in, buf, sizeof(buf), 0, 20000000000LL, &info);
	CHILD_CHECK(n == 5 && !memcmp(buf, "hello", 5));
	/* The sender is outside this pid namespace: no pid here. */
	CHILD_CHECK(info.pid == 0 && info.tid == 0);
	return 0;
}

/* Child: a new pid namespace, whose first process waits for a message. */
static int child_pid_ns(void *arg)
{
	const struct pid_ns *p = arg;
	pid_t g;
	int st;

	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	g = fork();
	if (g == 0)
		_exit(grandchild_inbox());
	CHILD_CHECK(g > 0);
	CHILD_CHECK(write(p->report, &g, sizeof(g)) == sizeof(g));
	CHILD_CHECK(waitpid(g, &st, 0) == g);
	CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}

/* Direct messages follow pid namespaces: sent by the host pid, seen without one. */
static void test_send_pid_across_pid_namespaces(void **state)
{
	struct pid_ns p;
	uint64_t deadline;
	int fds[2], ret;
	pid_t pid, g;

	assert_int_equal(pipe(fds), 0);
	p.report = fds[1];
	pid = tu_fork(child_pid_ns, &p);
	assert_int_equal(read(fds[0], &g, sizeof(g)), sizeof(g));
	deadline = tu_now_ns() + TU_AWAIT_MS * 1000000ULL;
	do {
		ret = msgport_send_pid(tu_mp(), g, "hello", 5, 0, MSGPORT_F_NONBLOCK, 0, NULL);
		if (ret == -ECONNREFUSED)
			usleep(10000);
	} while (ret == -ECONNREFUSED && tu_now_ns() < deadline);
	assert_int_equal(ret, 0);
	assert_child_ok(pid);
	close(fds[0]);
	close(fds[1]);
}

static const struct CMUnitTest ipc_namespace_tests[] = {
	TU_TEST(test_names_per_namespace),
	TU_TEST(test_namespace_death),
	TU_TEST(test_unprivileged_own_namespaces),
	TU_TEST(test_send_pid_across_pid_namespaces),
};

MSGPORT_SUITE(ipc_namespace_suite, MSGPORT_GROUP_MODULE, 1460, "ipc-namespace",
	      "names, limits and /proc/msgport per IPC namespace; namespace death; pid namespaces",
	      ipc_namespace_tests);
