// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "mailbox-perm": permissions.  Open checks the mode bits against the
 * caller's euid/egid (receive needs read, send needs write; EACCES), root's
 * CAP_IPC_OWNER overrides them, only the owner (or CAP_IPC_OWNER) may unlink
 * or chmod (EPERM), and the kernel stamps an unprivileged sender's uid/gid.
 *
 * Unprivileged work happens in a child that keeps the runner's open
 * /dev/msgport and drops to uid/gid 65534 (setgroups(0), setresgid,
 * setresuid) before the call under test.
 */
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "msgport_test.h"

#define RW (MSGPORT_O_RECV | MSGPORT_O_SEND)

struct access_case {
	const char *name;
	uid_t uid;
	gid_t gid;
	int recv;	/* expected result of opening for receiving: 0 or -errno */
	int send;
	int both;
};

static int try_open(const char *name, unsigned int flags)
{
	int fd = tu_raw_open(tu_devfd(), name, flags, 0, 0, 0);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return fd;
}

static int child_access(void *arg)
{
	const struct access_case *c = arg;
	int r;

	CHILD_CHECK(tu_become(c->uid, c->gid) == 0);
	r = try_open(c->name, MSGPORT_O_RECV);
	if (r != c->recv)
		fprintf(stderr, "open %s for recv as %u:%u: %d, expected %d\n", c->name, c->uid,
			c->gid, r, c->recv);
	CHILD_CHECK(r == c->recv);
	r = try_open(c->name, MSGPORT_O_SEND);
	if (r != c->send)
		fprintf(stderr, "open %s for send as %u:%u: %d, expected %d\n", c->name, c->uid,
			c->gid, r, c->send);
	CHILD_CHECK(r == c->send);
	r = try_open(c->name, RW);
	CHILD_CHECK(r == c->both);
	/* O_CREAT of an existing name checks the same permissions. */
	r = tu_raw_open(tu_devfd(), c->name, MSGPORT_O_CREAT | RW, 0666, 1, 0);
	if (r >= 0)
		close(r);
	CHILD_CHECK((r >= 0 ? 0 : r) == c->both);
	return 0;
}

static void check_access(const char *name, uid_t uid, gid_t gid, int recv, int send)
{
	struct access_case c = {
		.name = name, .uid = uid, .gid = gid, .recv = recv, .send = send,
		.both = recv ? recv : send,
	};

	assert_child_ok(tu_fork(child_access, &c));
}

/* The "other" bits for a stranger: read allows receive, write allows send. */
static void test_other_bits_eacces(void **state)
{
	const char *n0 = tu_name("m0600"), *n4 = tu_name("m0604"), *n2 = tu_name("m0602");
	const char *n6 = tu_name("m0606");

	tu_create(n0, 1, 0, 0600, 0);
	tu_create(n4, 1, 0, 0604, 0);
	tu_create(n2, 1, 0, 0602, 0);
	tu_create(n6, 1, 0, 0606, 0);
	check_access(n0, TU_NOBODY, TU_NOBODY, -EACCES, -EACCES);
	check_access(n4, TU_NOBODY, TU_NOBODY, 0, -EACCES);
	check_access(n2, TU_NOBODY, TU_NOBODY, -EACCES, 0);
	check_access(n6, TU_NOBODY, TU_NOBODY, 0, 0);
}

/* Group bits apply to a member of the owning group. */
static void test_group_bits(void **state)
{
	const char *ng = tu_name("group");

	/* Owned by root:root, mode 0040: members of group 0 may only receive. */
	tu_create(ng, 1, 0, 0040, 0);
	check_access(ng, 1000, 0, 0, -EACCES);		/* in group 0 */
	check_access(ng, 1000, 1000, -EACCES, -EACCES);	/* a stranger */
}

/* Child: root without CAP_IPC_OWNER in its effective set. */
static int child_without_ipc_owner(void *arg)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	const char *name = arg;

	CHILD_CHECK(syscall(SYS_capget, &hdr, data) == 0);
	data[0].effective &= ~(1U << CAP_IPC_OWNER);
	CHILD_CHECK(syscall(SYS_capset, &hdr, data) == 0);
	CHILD_CHECK(geteuid() == 0);
	/* Owner bits 0200: the owner may send, not receive. */
	CHILD_CHECK(try_open(name, MSGPORT_O_SEND) == 0);
	CHILD_CHECK(try_open(name, MSGPORT_O_RECV) == -EACCES);
	CHILD_CHECK(try_open(name, RW) == -EACCES);
	return 0;
}

/*
 * Owner bits apply to the owner, root included; it is CAP_IPC_OWNER, not
 * uid 0, that overrides them.
 */
static void test_owner_bits_and_cap_ipc_owner(void **state)
{
	const char *no = tu_name("owner");

	tu_create(no, 1, 0, 0200, 0);
	check_access(no, 0, 0, 0, 0);	/* root with CAP_IPC_OWNER */
	assert_child_ok(tu_fork(child_without_ipc_owner, (void *)no));
}

struct owned {
	const char *name;
	uint32_t mode;
};

/* Child: as nobody, create a mailbox and leave it behind. */
static int child_create_owned(void *arg)
{
	const struct owned *o = arg;
	int fd;

	CHILD_CHECK(tu_drop_privileges() == 0);
	fd = tu_raw_open(tu_devfd(), o->name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW, o->mode, 4,
			 0);
	CHILD_CHECK(fd >= 0);
	close(fd);
	return 0;
}

/* An unprivileged creator owns its mailbox: its uid/gid, its owner bits. */
static void test_unprivileged_owner(void **state)
{
	struct owned o = { .name = tu_name("nobody"), .mode = 0420 };
	struct msgport_mailbox *mb;
	struct msgport_stat st;

	assert_child_ok(tu_fork(child_create_owned, &o));
	mb = tu_open(o.name, 0);	/* root may open anything */
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.uid, TU_NOBODY);
	assert_int_equal(st.gid, TU_NOBODY);
	assert_int_equal(st.mode, 0420);
	/* Owner nobody: read only; group nobody: write only; others: nothing. */
	check_access(o.name, TU_NOBODY, TU_NOBODY, 0, -EACCES);
	check_access(o.name, 1000, TU_NOBODY, -EACCES, 0);
	check_access(o.name, 1000, 1000, -EACCES, -EACCES);
	/* CAP_IPC_OWNER: root opens it both ways despite the bits. */
	check_access(o.name, 0, 0, 0, 0);
}

struct nonowner {
	const char *name;
	int fd;		/* opened by the runner (root), used after dropping */
};

/* Child: as a non-owner, chmod and unlink are refused with EPERM. */
static int child_nonowner(void *arg)
{
	const struct nonowner *n = arg;
	struct msgport_setmode m = { .mode = 0777 };
	struct msgport_name nm;
	int fd;

	CHILD_CHECK(tu_drop_privileges() == 0);
	/* Mode 0666 lets us open it... */
	fd = tu_raw_open(tu_devfd(), n->name, RW, 0, 0, 0);
	CHILD_CHECK(fd >= 0);
	/* ...but not change its mode, through our descriptor or root's. */
	CHILD_CHECK(tu_ioctl(fd, MSGPORT_IOC_SET_MODE, &m) == -EPERM);
	CHILD_CHECK(tu_ioctl(n->fd, MSGPORT_IOC_SET_MODE, &m) == -EPERM);
	memset(&nm, 0, sizeof(nm));
	nm.name = (uintptr_t)n->name;
	nm.name_len = (uint32_t)strlen(n->name);
	CHILD_CHECK(tu_ioctl(tu_devfd(), MSGPORT_IOC_UNLINK, &nm) == -EPERM);
	close(fd);
	return 0;
}

static void test_eperm_non_owner(void **state)
{
	const char *name = tu_name("eperm");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0666, 0);
	struct nonowner n = { .name = name, .fd = msgport_mailbox_fd(mb) };
	struct msgport_stat st;

	assert_child_ok(tu_fork(child_nonowner, &n));
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.mode, 0666);
	assert_false(st.flags & MSGPORT_STAT_UNLINKED);
	assert_int_equal(tu_proc_count(name), 1);
	/* The owner may. */
	assert_int_equal(msgport_mailbox_chmod(mb, 0600), 0);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
}

/* Root (CAP_IPC_OWNER) may chmod and unlink a mailbox it does not own. */
static void test_cap_ipc_owner_unlink_chmod(void **state)
{
	struct owned o = { .name = tu_name("rootover"), .mode = 0600 };
	struct msgport_mailbox *mb;
	struct msgport_stat st;

	assert_child_ok(tu_fork(child_create_owned, &o));
	mb = tu_open(o.name, RW);
	assert_int_equal(msgport_mailbox_chmod(mb, 0644), 0);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.mode, 0644);
	assert_int_equal(st.uid, TU_NOBODY);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), o.name), 0);
}

/* A new mode applies to later opens. */
static void test_chmod_applies(void **state)
{
	const char *name = tu_name("chmod");
	struct msgport_mailbox *mb = tu_create(name, 4, 0, 0600, 0);

	check_access(name, TU_NOBODY, TU_NOBODY, -EACCES, -EACCES);
	assert_int_equal(msgport_mailbox_chmod(mb, 0606), 0);
	check_access(name, TU_NOBODY, TU_NOBODY, 0, 0);
	assert_int_equal(msgport_mailbox_chmod(mb, 0602), 0);
	check_access(name, TU_NOBODY, TU_NOBODY, -EACCES, 0);
}

struct sender {
	const char *name;
};

static int child_unprivileged_send(void *arg)
{
	const struct sender *s = arg;
	struct msgport_send a;
	int fd;

	CHILD_CHECK(tu_drop_privileges() == 0);
	fd = tu_raw_open(tu_devfd(), s->name, MSGPORT_O_SEND, 0, 0, 0);
	CHILD_CHECK(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.buf = (uintptr_t)"from nobody";
	a.len = 11;
	a.priority = 3;
	CHILD_CHECK(tu_ioctl(fd, MSGPORT_IOC_SEND, &a) == 0);
	close(fd);
	return 0;
}

/* The kernel stamps the unprivileged sender's pid, uid and gid. */
static void test_metadata_unprivileged_sender(void **state)
{
	struct sender s = { .name = tu_name("meta") };
	struct msgport_mailbox *mb = tu_create(s.name, 4, 0, 0622, 0);
	struct msgport_msginfo info;
	char buf[32];
	uint64_t t0 = tu_now_ns();
	pid_t pid;

	pid = tu_fork(child_unprivileged_send, &s);
	assert_child_ok(pid);
	memset(&info, 0xee, sizeof(info));
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, &info), 11);
	assert_memory_equal(buf, "from nobody", 11);
	assert_int_equal(info.uid, TU_NOBODY);
	assert_int_equal(info.gid, TU_NOBODY);
	assert_int_equal(info.pid, pid);
	assert_int_equal(info.tid, pid);
	assert_int_equal(info.priority, 3);
	assert_int_equal(info.seq, 1);
	assert_true(info.send_time_ns >= t0 && info.send_time_ns <= tu_now_ns());
}

static const struct CMUnitTest mailbox_perm_tests[] = {
	TU_TEST(test_other_bits_eacces),
	TU_TEST(test_group_bits),
	TU_TEST(test_owner_bits_and_cap_ipc_owner),
	TU_TEST(test_unprivileged_owner),
	TU_TEST(test_eperm_non_owner),
	TU_TEST(test_cap_ipc_owner_unlink_chmod),
	TU_TEST(test_chmod_applies),
	TU_TEST(test_metadata_unprivileged_sender),
};

MSGPORT_SUITE(mailbox_perm_suite, MSGPORT_GROUP_MODULE, 600, "mailbox-perm",
	      "mode bits vs euid/egid (EACCES), CAP_IPC_OWNER, EPERM, unprivileged metadata",
	      mailbox_perm_tests);
