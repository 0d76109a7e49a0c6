// SPDX-License-Identifier: GPL-2.0
/*
 * The per-test fixture of msgport-test: what a test opened, named, forked or
 * changed, released by tu_teardown() whether the test passed or not.
 *
 * One test runs at a time in the runner's process, so the state is a
 * single static record, reset by tu_setup().
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"

#define TU_MAX_NAMES	64
#define TU_MAX_MBOXES	64
#define TU_MAX_FDS	64
#define TU_MAX_PIDS	64
#define TU_MAX_PARAMS	8
#define TU_MAX_MAPS	16

struct tu_param_saved {
	char param[64];
	unsigned long long value;
};

static struct {
	struct msgport *mp;
	unsigned int serial;
	char *names[TU_MAX_NAMES];
	size_t nnames;
	struct msgport_mailbox *mboxes[TU_MAX_MBOXES];
	size_t nmboxes;
	int fds[TU_MAX_FDS];
	size_t nfds;
	pid_t pids[TU_MAX_PIDS];
	size_t npids;
	struct tu_param_saved params[TU_MAX_PARAMS];
	size_t nparams;
	struct { void *addr; size_t len; } maps[TU_MAX_MAPS];
	size_t nmaps;
	struct msgport_region *regions[TU_MAX_MAPS];
	size_t nregions;
} fx;

static unsigned int name_serial;

int tu_setup(void **state)
{
	int ret;

	memset(&fx, 0, sizeof(fx));
	ret = msgport_open(NULL, &fx.mp);
	if (ret < 0) {
		print_error("cannot open %s: %s\n", MSGPORT_DEVICE_PATH, msgport_strerror(ret));
		return -1;
	}
	return 0;
}

int tu_teardown(void **state)
{
	size_t i;
	int ret = 0;

	/* Children first: they may hold mailboxes open or block in them. */
	for (i = 0; i < fx.npids; i++) {
		if (fx.pids[i] > 0) {
			kill(fx.pids[i], SIGKILL);
			waitpid(fx.pids[i], NULL, 0);
		}
	}
	/* Mappings keep their mailboxes alive: before the descriptors. */
	for (i = 0; i < fx.nmaps; i++)
		munmap(fx.maps[i].addr, fx.maps[i].len);
	for (i = 0; i < fx.nregions; i++)
		msgport_region_unmap(fx.regions[i]);
	for (i = 0; i < fx.nmboxes; i++)
		msgport_mailbox_close(fx.mboxes[i]);
	for (i = 0; i < fx.nfds; i++)
		if (fx.fds[i] >= 0)
			close(fx.fds[i]);
	/* A test that closed the device (module-cycle) still gets its names removed. */
	if (!fx.mp && fx.nnames)
		msgport_open(NULL, &fx.mp);
	for (i = 0; i < fx.nnames; i++) {
		int r = fx.mp ? msgport_mailbox_unlink(fx.mp, fx.names[i]) : 0;

		if (r < 0 && r != -ENOENT) {
			print_error("teardown: unlink %s: %s\n", fx.names[i], msgport_strerror(r));
			ret = -1;
		}
		free(fx.names[i]);
	}
	/* In reverse, so that a parameter set twice gets its first value. */
	for (i = fx.nparams; i-- > 0;) {
		int r = tu_param_write(fx.params[i].param, fx.params[i].value);

		if (r < 0) {
			print_error("teardown: restoring parameter %s=%llu: %s\n", fx.params[i].param,
				    fx.params[i].value, strerror(-r));
			ret = -1;
		}
	}
	msgport_close(fx.mp);
	memset(&fx, 0, sizeof(fx));
	return ret;
}

struct msgport *tu_mp(void)
{
	return fx.mp;
}

int tu_devfd(void)
{
	return msgport_fd(fx.mp);
}

void tu_forget_mp(void)
{
	fx.mp = NULL;
}

const char *tu_name(const char *tag)
{
	char *name;

	assert_true(fx.nnames < TU_MAX_NAMES);
	assert_true(asprintf(&name, "mpt-%d-%u-%s", (int)getpid(), ++name_serial, tag) > 0);
	fx.names[fx.nnames++] = name;
	return name;
}

const char *tu_name_sized(size_t len)
{
	char *name;
	int n;

	assert_true(fx.nnames < TU_MAX_NAMES);
	assert_true(len >= 24);
	name = malloc(len + 1);
	assert_non_null(name);
	n = snprintf(name, len + 1, "mpt-%d-%u-", (int)getpid(), ++name_serial);
	assert_true(n > 0 && (size_t)n < len);
	memset(name + n, 'x', len - (size_t)n);
	name[len] = '\0';
	fx.names[fx.nnames++] = name;
	return name;
}

static void track_mbox(struct msgport_mailbox *mb)
{
	assert_true(fx.nmboxes < TU_MAX_MBOXES);
	fx.mboxes[fx.nmboxes++] = mb;
}

struct msgport_mailbox *tu_create(const char *name, uint32_t capacity, uint32_t max_msg_size,
				  uint32_t mode, unsigned int extra_oflags)
{
	struct msgport_attr attr = {
		.capacity = capacity,
		.max_msg_size = max_msg_size,
		.mode = mode,
	};
	struct msgport_mailbox *mb = NULL;
	int ret;

	ret = msgport_mailbox_open(fx.mp, name,
				   MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_RECV |
				   MSGPORT_O_SEND | extra_oflags, &attr, &mb);
	if (ret < 0)
		fail_msg("creating mailbox %s: %s", name, msgport_strerror(ret));
	track_mbox(mb);
	return mb;
}

size_t tu_msg_charge(size_t len)
{
	struct msgport_mailbox *mb = tu_create(tu_name("charge"), MSGPORT_CAPACITY_UNBOUNDED,
					       (uint32_t)(len ? len : 1), 0600, 0);
	static char buf[1 << 20];
	long before, after;

	assert_true(len <= sizeof(buf));
	assert_int_equal(tu_user_charge(geteuid(), &before), 0);
	assert_int_equal(msgport_send(mb, buf, len, 0, MSGPORT_F_NONBLOCK, 0, NULL), 0);
	assert_int_equal(tu_user_charge(geteuid(), &after), 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, NULL),
			 (ssize_t)len);
	tu_close(mb);
	assert_true(after > before);
	return (size_t)(after - before);
}

struct msgport_mailbox *tu_open(const char *name, unsigned int oflags)
{
	struct msgport_mailbox *mb = NULL;
	int ret;

	ret = msgport_mailbox_open(fx.mp, name, oflags, NULL, &mb);
	if (ret < 0)
		fail_msg("opening mailbox %s: %s", name, msgport_strerror(ret));
	track_mbox(mb);
	return mb;
}

struct msgport_mailbox *tu_inbox(const struct msgport_attr *attr)
{
	struct msgport_mailbox *mb = NULL;
	int ret;

	ret = msgport_inbox_open(fx.mp, attr, 0, &mb);
	if (ret < 0)
		fail_msg("opening the inbox: %s", msgport_strerror(ret));
	track_mbox(mb);
	return mb;
}

void tu_track_mailbox(struct msgport_mailbox *mb)
{
	track_mbox(mb);
}

void tu_close(struct msgport_mailbox *mb)
{
	size_t i;

	for (i = 0; i < fx.nmboxes; i++) {
		if (fx.mboxes[i] == mb) {
			fx.mboxes[i] = fx.mboxes[--fx.nmboxes];
			msgport_mailbox_close(mb);
			return;
		}
	}
	fail_msg("tu_close: mailbox not tracked");
}

int tu_track_fd(int fd)
{
	assert_true(fx.nfds < TU_MAX_FDS);
	if (fd >= 0)
		fx.fds[fx.nfds++] = fd;
	return fd;
}

void tu_close_fd(int fd)
{
	size_t i;

	for (i = 0; i < fx.nfds; i++) {
		if (fx.fds[i] == fd) {
			fx.fds[i] = fx.fds[--fx.nfds];
			close(fd);
			return;
		}
	}
	fail_msg("tu_close_fd: descriptor %d not tracked", fd);
}

pid_t tu_fork(int (*fn)(void *arg), void *arg)
{
	pid_t pid;

	assert_true(fx.npids < TU_MAX_PIDS);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ret = fn(arg);

		fflush(NULL);
		_exit(ret & 0xff);
	}
	fx.pids[fx.npids++] = pid;
	return pid;
}

/* Child: waits for a message of its own, which never comes, until killed. */
static int child_recv_from_self(void *arg)
{
	char buf[16];

	msgport_recv_from(arg, getpid(), buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL);
	return 1;
}

pid_t tu_park_receiver_for_another(struct msgport_mailbox *mb)
{
	struct msgport_stat st;
	uint32_t before;
	pid_t pid;

	memset(&st, 0, sizeof(st));
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	before = st.waiting_receivers;
	pid = tu_fork(child_recv_from_self, mb);
	assert_int_equal(tu_await_stat(msgport_mailbox_fd(mb), TU_WAITING_RECEIVERS, before + 1,
				       TU_AWAIT_MS), 0);
	return pid;
}

void tu_unpark(pid_t pid)
{
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(tu_join(pid), 128 + SIGKILL);
}

struct slow_rx {
	struct msgport_mailbox *mb;
	size_t len;
	unsigned int rounds, delay_us;
	uint32_t seed;
	bool fresh;
};

static int child_slow_rx(void *arg)
{
	const struct slow_rx *r = arg;
	const size_t map_len = r->len + 7;
	unsigned char *map, *buf, *want = malloc(r->len);
	unsigned int i;

	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHILD_CHECK(map != MAP_FAILED && want);
	buf = map + 7;		/* mid-page: units start and end off page boundaries */
	memset(buf, 0, r->len);
	for (i = 0; i < r->rounds; i++) {
		if (r->fresh)
			CHILD_CHECK(madvise(map, map_len, MADV_DONTNEED) == 0);
		CHILD_CHECK(msgport_recv(r->mb, buf, r->len, 0, 30000000000LL, NULL) ==
			    (ssize_t)r->len);
		tu_fill(want, r->len, r->seed + i, 0);
		CHILD_CHECK(!memcmp(buf, want, r->len));
		usleep(r->delay_us);
	}
	munmap(map, map_len);
	free(want);
	return 0;
}

pid_t tu_stream_to_slow_receiver(struct msgport_mailbox *mb, size_t len, unsigned int rounds,
				 unsigned int delay_us, uint32_t seed, bool fresh)
{
	struct slow_rx r = { .mb = mb, .len = len, .rounds = rounds, .delay_us = delay_us,
			     .seed = seed, .fresh = fresh };
	unsigned char *out = malloc(len);
	unsigned int i;
	pid_t pid;

	assert_non_null(out);
	pid = tu_fork(child_slow_rx, &r);
	for (i = 0; i < rounds; i++) {
		tu_fill(out, len, seed + i, 0);
		assert_int_equal(msgport_send(mb, out, len, 0, 0, 30000000000LL, NULL), 0);
	}
	assert_child_ok(pid);
	free(out);
	return pid;
}

int tu_join(pid_t pid)
{
	int status;
	size_t i;
	pid_t r;

	do {
		r = waitpid(pid, &status, 0);
	} while (r < 0 && errno == EINTR);
	for (i = 0; i < fx.npids; i++)
		if (fx.pids[i] == pid)
			fx.pids[i] = 0;
	if (r != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

struct msgport_mailbox *tu_create_attr(const char *name, const struct msgport_attr *attr,
				       unsigned int extra_oflags)
{
	struct msgport_mailbox *mb = NULL;
	int ret;

	ret = msgport_mailbox_open(fx.mp, name,
				   MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_RECV |
				   MSGPORT_O_SEND | extra_oflags, attr, &mb);
	if (ret < 0)
		fail_msg("creating mailbox %s: %s", name, msgport_strerror(ret));
	track_mbox(mb);
	return mb;
}

void *tu_mmap(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p != MAP_FAILED) {
		assert_true(fx.nmaps < TU_MAX_MAPS);
		fx.maps[fx.nmaps].addr = p;
		fx.maps[fx.nmaps].len = len;
		fx.nmaps++;
	}
	return p;
}

void tu_munmap(void *addr)
{
	size_t i;

	for (i = 0; i < fx.nmaps; i++) {
		if (fx.maps[i].addr == addr) {
			assert_int_equal(munmap(addr, fx.maps[i].len), 0);
			fx.maps[i] = fx.maps[--fx.nmaps];
			return;
		}
	}
	fail_msg("tu_munmap: %p not mapped by tu_mmap", addr);
}

struct msgport_region *tu_region_map(struct msgport_mailbox *mb)
{
	struct msgport_region *r = NULL;
	int ret;

	assert_true(fx.nregions < TU_MAX_MAPS);
	ret = msgport_region_map(mb, &r);
	if (ret < 0)
		fail_msg("mapping a region: %s", msgport_strerror(ret));
	fx.regions[fx.nregions++] = r;
	return r;
}

void tu_region_unmap(struct msgport_region *r)
{
	size_t i;

	for (i = 0; i < fx.nregions; i++) {
		if (fx.regions[i] == r) {
			fx.regions[i] = fx.regions[--fx.nregions];
			msgport_region_unmap(r);
			return;
		}
	}
	fail_msg("tu_region_unmap: region not tracked");
}

void tu_param_set(const char *param, unsigned long long value)
{
	unsigned long long old;
	int ret;

	ret = tu_param_read(param, &old);
	if (ret < 0)
		fail_msg("reading parameter %s: %s", param, strerror(-ret));
	assert_true(fx.nparams < TU_MAX_PARAMS);
	snprintf(fx.params[fx.nparams].param, sizeof(fx.params[0].param), "%s", param);
	fx.params[fx.nparams].value = old;
	fx.nparams++;
	ret = tu_param_write(param, value);
	if (ret < 0)
		fail_msg("writing parameter %s=%llu: %s", param, value, strerror(-ret));
}
