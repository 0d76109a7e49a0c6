// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-faultsweep: fail every allocation and user copy on each msgport
 * call's path, one at a time, and check the call fails cleanly.
 *
 * Needs a kernel with CONFIG_FAULT_INJECTION_DEBUG_FS, FAILSLAB,
 * FAIL_PAGE_ALLOC and FAULT_INJECTION_USERCOPY (the debug kernel), debugfs
 * mounted, and msgport's debugfs object counters (msgport/objects).
 *
 * How (Documentation/fault-injection/fault-injection.rst, "fail-nth"): for
 * each operation and N = 1, 2, 3, ...: set up the state the operation needs,
 * write N to /proc/self/task/<tid>/fail-nth, make the one system call, read
 * fail-nth back.  0 means the N-th fault point of that call was made to fail;
 * the call must then have succeeded anyway or failed with a clean errno
 * (ENOMEM, EFAULT, ENFILE, EMFILE, EDQUOT), and have left no trace: a failed
 * create leaves no mailbox, a failed send queues nothing, a failed receive
 * leaves the message queued (the same message, by sequence number), a failed
 * unlink leaves the name.  After each try everything is torn down and
 * msgport's object counters must be back to where they were.  A non-zero
 * read-back means the call made fewer than N fault points: it must have
 * succeeded, and the sweep of that operation is complete.
 *
 * The fault types are configured for it (and restored at exit): failslab
 * and fail_page_alloc with ignore-gfp-wait=N (fail GFP_KERNEL too), and
 * fail_page_alloc min-order=0; verbose=0 for all three.
 *
 * Prints one line per operation and `N passed, N failed`.
 * Options: --max-faults N (per operation, default 500), --only NAME,
 * --verbose, --help.  Exit status: 0 all passed, 1 a failure, 2 usage.
 *
 * Direct messages (inbox, send by pid) are swept when the ABI header has
 * them.  Regions: create with a region, mmap, span send and receive,
 * REGION_WAIT (returning at once) and REGION_WAKE.  RPC: CALL and CALL_PID
 * against a forked server that answers the one request, REPLY and
 * REPLY_RECV for a request taken from a forked caller; a failed reply must
 * leave the call open (a second reply reaches the caller), a failed
 * REPLY_RECV must leave its message queued.  Anonymous mailboxes and
 * MSGPORT_IOC_DUP (when the header has them): an anonymous create, a
 * send-only dup of a named and of an anonymous mailbox (a failed dup leaves
 * the mailbox untouched, a made one sends), and the last receiver of an
 * anonymous mailbox closing (its queue dropped, the sender gets EPIPE).
 * Relaying and leases (ABI 1.3): a relayed send (small, and large enough to
 * be made of chunks), a grown receive of one, a receive under a lease, a
 * commit, a refusal and a return.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/msgport.h>

#define PROG		"msgport-faultsweep"
#define DEBUGFS		"/sys/kernel/debug"
#define OBJECTS		DEBUGFS "/msgport/objects"
#define MAX_COUNTERS	16
#define REGION_SIZE	8192
#define CALL_TIMEOUT_NS	2000000000ULL	/* a caller's patience */
#define SERVE_TIMEOUT_NS	1000000000ULL	/* how long a server waits for a request */

static struct {
	unsigned int max_faults;
	const char *only;
	bool verbose;
} opt = { .max_faults = 500 };

static int ctl = -1;		/* /dev/msgport */
static int fail_nth = -1;	/* /proc/self/task/<tid>/fail-nth */
static unsigned int serial;	/* for unique names */
static char errbuf[256];	/* why the current try failed */

/* Counters */

struct counters {
	unsigned int n;
	char key[MAX_COUNTERS][32];
	long val[MAX_COUNTERS];
};

static int counters_read(struct counters *c)
{
	FILE *f = fopen(OBJECTS, "re");
	char key[32];
	long v;

	if (!f)
		return -errno;
	c->n = 0;
	while (c->n < MAX_COUNTERS && fscanf(f, "%31s %ld", key, &v) == 2) {
		snprintf(c->key[c->n], sizeof(c->key[0]), "%s", key);
		c->val[c->n++] = v;
	}
	fclose(f);
	return c->n ? 0 : -EINVAL;
}

static bool counters_differ(const struct counters *a, const struct counters *b, char *why,
			    size_t len)
{
	if (a->n != b->n) {
		snprintf(why, len, "object counters changed shape");
		return true;
	}
	for (unsigned int i = 0; i < a->n; i++) {
		if (a->val[i] != b->val[i]) {
			snprintf(why, len, "%s %ld, was %ld", a->key[i], b->val[i], a->val[i]);
			return true;
		}
	}
	return false;
}

/* Fault injection */

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static const char *const knobs[][2] = {
	{ DEBUGFS "/failslab/ignore-gfp-wait", "N" },
	{ DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N" },
	{ DEBUGFS "/fail_page_alloc/min-order", "0" },
	{ DEBUGFS "/failslab/verbose", "0" },
	{ DEBUGFS "/fail_page_alloc/verbose", "0" },
	{ DEBUGFS "/fail_usercopy/verbose", "0" },
};
#define NKNOBS	(sizeof(knobs) / sizeof(knobs[0]))
static char saved[NKNOBS][32];

static int faults_setup(void)
{
	char path[64];

	for (unsigned int i = 0; i < NKNOBS; i++) {
		int err = read_str(knobs[i][0], saved[i], sizeof(saved[i]));

		if (!err)
			err = write_str(knobs[i][0], knobs[i][1]);
		if (err) {
			fprintf(stderr, PROG ": %s: %s (a kernel with fault injection and debugfs?)\n",
				knobs[i][0], strerror(-err));
			return err;
		}
	}
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth", (long)syscall(SYS_gettid));
	fail_nth = open(path, O_RDWR | O_CLOEXEC);
	if (fail_nth < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static void faults_restore(void)
{
	for (unsigned int i = 0; i < NKNOBS; i++) {
		if (saved[i][0])
			write_str(knobs[i][0], saved[i]);
	}
}

/*
 * fail-nth counts every fault point of this task, the user copies of its own
 * read and write included: while it is still counting down, reading or
 * writing it may be the call that fails (EFAULT), which consumes it.
 */
static void arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	for (int tries = 0; pwrite(fail_nth, buf, (size_t)len, 0) != len; tries++) {
		if (errno != EFAULT || tries > 2) {
			perror(PROG ": write fail-nth");
			exit(1);
		}
	}
}

/* Disarm and say whether the fault was injected (during the call). */
static bool disarm(void)
{
	char buf[16] = "";
	ssize_t n = pread(fail_nth, buf, sizeof(buf) - 1, 0);

	if (n < 0 && errno == EFAULT) {
		/* Still counting (so not injected); this read consumed it. */
		arm(0);
		return false;
	}
	if (n <= 0) {
		perror(PROG ": read fail-nth");
		exit(1);
	}
	buf[n] = '\0';
	arm(0);
	return atoi(buf) == 0;
}

/* msgport helpers (raw ioctls: the faulted call is exactly one syscall) */

static void fresh_name(char *buf, size_t len)
{
	snprintf(buf, len, "sweep.%d.%u", (int)getpid(), serial++);
}

static void fill_open(struct msgport_open *o, const char *name, uint32_t flags)
{
	memset(o, 0, sizeof(*o));
	o->name = (uintptr_t)name;
	o->name_len = (uint32_t)strlen(name);
	o->flags = flags | MSGPORT_O_CLOEXEC;
	o->mode = 0600;
	o->capacity = 8;
	o->max_msg_size = 1024;
}

/* A mailbox taking messages of up to max_msg_size bytes (0: fill_open()'s). */
static int mb_create_max(const char *name, uint32_t max_msg_size)
{
	struct msgport_open o;

	fill_open(&o, name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_RECV | MSGPORT_O_SEND);
	if (max_msg_size)
		o.max_msg_size = max_msg_size;
	return ioctl(ctl, MSGPORT_IOC_OPEN, &o);
}

static int mb_create(const char *name)
{
	return mb_create_max(name, 0);
}

static int mb_exists(const char *name)
{
	struct msgport_open o;
	int fd;

	fill_open(&o, name, MSGPORT_O_RECV);
	fd = ioctl(ctl, MSGPORT_IOC_OPEN, &o);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int mb_unlink(const char *name)
{
	struct msgport_name n;

	memset(&n, 0, sizeof(n));
	n.name = (uintptr_t)name;
	n.name_len = (uint32_t)strlen(name);
	return ioctl(ctl, MSGPORT_IOC_UNLINK, &n);
}

static int mb_stat(int fd, struct msgport_stat *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(fd, MSGPORT_IOC_STAT, st);
}

static int mb_send(int fd, const void *buf, uint32_t len, uint64_t *seq)
{
	struct msgport_send s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)buf;
	s.len = len;
	s.flags = MSGPORT_F_NONBLOCK;
	ret = ioctl(fd, MSGPORT_IOC_SEND, &s);
	if (!ret && seq)
		*seq = s.seq;
	return ret;
}

static long mb_recv(int fd, void *buf, uint32_t len, uint32_t flags, uint64_t *seq)
{
	struct msgport_recv r;
	long ret;

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.buf_len = len;
	r.flags = flags | MSGPORT_F_NONBLOCK;
	ret = ioctl(fd, MSGPORT_IOC_RECV, &r);
	if (ret >= 0 && seq)
		*seq = r.info.seq;
	return ret;
}

static bool clean_errno(int e)
{
	return e == ENOMEM || e == EFAULT || e == ENFILE || e == EMFILE || e == EDQUOT;
}

static bool why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return false;
}

/*
 * An operation: prepare() builds the state (not under fault injection),
 * call() is the one faulted system call, check() judges it (ret and errno
 * of call(); injected says whether a fault fired), cleanup() tears down.
 * Each returns false (with why()) on a finding.
 */
struct state {
	char name[64];
	int fd, fd2;
	uint64_t seq;
	struct msgport_stat before;
	char buf[1024];
	void *map;		/* region mapping, if any */
	pid_t child;		/* caller or server process, if any (0: none) */
	uint64_t token;		/* a call received in prepare() */
	int32_t reply_result;	/* REPLY_RECV's out field */
};

struct op {
	const char *name;
	bool (*prepare)(struct state *s);
	long (*call)(struct state *s);
	bool (*check)(struct state *s, long ret, int err, bool injected);
	void (*cleanup)(struct state *s);
};

static bool prep_name(struct state *s)
{
	fresh_name(s->name, sizeof(s->name));
	return true;
}

static bool prep_mailbox_max(struct state *s, uint32_t max_msg_size)
{
	fresh_name(s->name, sizeof(s->name));
	s->fd = mb_create_max(s->name, max_msg_size);
	if (s->fd < 0)
		return why("setup: create %s: %s", s->name, strerror(errno));
	return mb_stat(s->fd, &s->before) == 0 || why("setup: stat: %s", strerror(errno));
}

static bool prep_mailbox(struct state *s)
{
	return prep_mailbox_max(s, 0);
}

static bool prep_queued(struct state *s)
{
	if (!prep_mailbox(s))
		return false;
	memset(s->buf, 'm', 300);
	if (mb_send(s->fd, s->buf, 300, &s->seq))
		return why("setup: send: %s", strerror(errno));
	return mb_stat(s->fd, &s->before) == 0 || why("setup: stat: %s", strerror(errno));
}

static void cleanup_all(struct state *s)
{
	if (s->map)
		munmap(s->map, REGION_SIZE);
	if (s->child > 0)
		waitpid(s->child, NULL, 0);
	if (s->fd >= 0)
		close(s->fd);
	if (s->fd2 >= 0)
		close(s->fd2);
	if (s->name[0])
		mb_unlink(s->name);	/* ENOENT when already gone */
}

/* VERSION */
static long call_version(struct state *s)
{
	struct msgport_version v;

	return ioctl(ctl, MSGPORT_IOC_VERSION, &v);
}

static bool check_simple(struct state *s, long ret, int err, bool injected)
{
	if (ret < 0 && !clean_errno(err))
		return why("failed with %s", strerror(err));
	return true;
}

/* OPEN with create */
static long call_create(struct state *s)
{
	return s->fd2 = mb_create(s->name);
}

static bool check_create(struct state *s, long ret, int err, bool injected)
{
	int e;

	if (ret >= 0)
		return true;
	if (!clean_errno(err))
		return why("failed with %s", strerror(err));
	e = mb_exists(s->name);
	if (e != 0)
		return why("failed (%s) but the mailbox %s", strerror(err),
			   e > 0 ? "exists" : "cannot be looked up");
	return true;
}

/* OPEN of an existing mailbox */
static long call_open(struct state *s)
{
	struct msgport_open o;

	fill_open(&o, s->name, MSGPORT_O_RECV | MSGPORT_O_SEND);
	return s->fd2 = ioctl(ctl, MSGPORT_IOC_OPEN, &o);
}

/* UNLINK */
static long call_unlink(struct state *s)
{
	return mb_unlink(s->name);
}

static bool check_unlink(struct state *s, long ret, int err, bool injected)
{
	int e = mb_exists(s->name);

	if (ret == 0)
		return e == 0 || why("succeeded but the name is still there");
	if (!clean_errno(err))
		return why("failed with %s", strerror(err));
	return e == 1 || why("failed (%s) but the name is gone", strerror(err));
}

/* SEND */
static long call_send(struct state *s)
{
	memset(s->buf, 's', 200);
	return mb_send(s->fd, s->buf, 200, NULL);
}

static long call_write(struct state *s)
{
	memset(s->buf, 'w', 200);
	return write(s->fd, s->buf, 200);
}

static bool check_send(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (mb_stat(s->fd, &st))
		return why("stat after: %s", strerror(errno));
	if (ret >= 0) {
		if (st.queued_msgs != s->before.queued_msgs + 1)
			return why("succeeded but %llu queued (was %llu)",
				   (unsigned long long)st.queued_msgs,
				   (unsigned long long)s->before.queued_msgs);
		return true;
	}
	if (!clean_errno(err))
		return why("failed with %s", strerror(err));
	if (st.queued_msgs != s->before.queued_msgs || st.sent != s->before.sent ||
	    st.queued_bytes != s->before.queued_bytes)
		return why("failed (%s) but queued %llu msgs %llu bytes, sent %llu (was %llu/%llu/%llu)",
			   strerror(err), (unsigned long long)st.queued_msgs,
			   (unsigned long long)st.queued_bytes, (unsigned long long)st.sent,
			   (unsigned long long)s->before.queued_msgs,
			   (unsigned long long)s->before.queued_bytes,
			   (unsigned long long)s->before.sent);
	return true;
}

/* RECV, PEEK, read() */
static long call_recv(struct state *s)
{
	return mb_recv(s->fd, s->buf, sizeof(s->buf), 0, NULL);
}

static long call_peek(struct state *s)
{
	return mb_recv(s->fd, s->buf, sizeof(s->buf), MSGPORT_F_PEEK, NULL);
}

static long call_read(struct state *s)
{
	return read(s->fd, s->buf, sizeof(s->buf));
}

/* A receive failed with @err: the @what it would have taken is still queued. */
static bool still_queued(const struct state *s, const struct msgport_stat *st, int err,
			 const char *what)
{
	if (st->queued_msgs != s->before.queued_msgs || st->received != s->before.received)
		return why("failed (%s) but the %s is gone (queued %llu, received %llu)",
			   strerror(err), what, (unsigned long long)st->queued_msgs,
			   (unsigned long long)st->received);
	return true;
}

/* ... and the next plain receive gets it: @len bytes, the sequence number sent. */
static bool next_recv_is(struct state *s, int err, long len)
{
	uint64_t seq = 0;
	long n;

	n = mb_recv(s->fd, s->buf, sizeof(s->buf), 0, &seq);
	if (n != len || seq != s->seq)
		return why("failed (%s); the next receive got %ld bytes seq %llu, not %ld seq %llu",
			   strerror(err), n, (unsigned long long)seq, len,
			   (unsigned long long)s->seq);
	return true;
}

static bool check_recv(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (mb_stat(s->fd, &st))
		return why("stat after: %s", strerror(errno));
	if (ret >= 0)
		return ret == 300 || why("returned %ld, not 300", ret);
	if (!clean_errno(err))
		return why("failed with %s", strerror(err));
	return still_queued(s, &st, err, "message") && next_recv_is(s, err, 300);
}

#ifdef MSGPORT_FDS_MAX
/* SEND and RECV carrying descriptors: the control device and stdin, 300 bytes. */
static long send_fds(struct state *s)
{
	int32_t fds[2] = { ctl, 0 };
	struct msgport_send sd;

	memset(&sd, 0, sizeof(sd));
	memset(s->buf, 'f', 300);
	sd.buf = (uintptr_t)s->buf;
	sd.len = 300;
	sd.flags = MSGPORT_F_NONBLOCK;
	sd.nfds = 2;
	sd.fds = (uintptr_t)fds;
	if (ioctl(s->fd, MSGPORT_IOC_SEND, &sd))
		return -1;
	s->seq = sd.seq;
	return 0;
}

static bool prep_fds_queued(struct state *s)
{
	if (!prep_mailbox(s))
		return false;
	if (send_fds(s))
		return why("setup: send with descriptors: %s", strerror(errno));
	return mb_stat(s->fd, &s->before) == 0 || why("setup: stat: %s", strerror(errno));
}

static long call_recv_fds(struct state *s)
{
	struct msgport_recv r;
	int32_t fds[4] = { -1, -1, -1, -1 };
	long ret;
	uint32_t i;

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)s->buf;
	r.buf_len = sizeof(s->buf);
	r.flags = MSGPORT_F_NONBLOCK | MSGPORT_F_FDS;
	r.nfds = 4;
	r.fds = (uintptr_t)fds;
	ret = ioctl(s->fd, MSGPORT_IOC_RECV, &r);
	for (i = 0; ret >= 0 && i < r.nfds && i < 4; i++)
		close(fds[i]);
	return ret;
}
#endif

/* STAT, SET_MODE, poll */
static long call_stat(struct state *s)
{
	struct msgport_stat st;

	return mb_stat(s->fd, &st);
}

static long call_setmode(struct state *s)
{
	struct msgport_setmode m;

	memset(&m, 0, sizeof(m));
	m.mode = 0640;
	return ioctl(s->fd, MSGPORT_IOC_SET_MODE, &m);
}

static bool check_setmode(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (mb_stat(s->fd, &st))
		return why("stat after: %s", strerror(errno));
	if (ret == 0)
		return st.mode == 0640 || why("succeeded but mode is %o", st.mode);
	if (!clean_errno(err))
		return why("failed with %s", strerror(err));
	return st.mode == 0600 || why("failed (%s) but mode is %o", strerror(err), st.mode);
}

static long call_poll(struct state *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN | POLLOUT };

	return poll(&p, 1, 0);
}

/* close of the last descriptor of an ephemeral mailbox: must never fail */
static bool prep_ephemeral(struct state *s)
{
	struct msgport_open o;

	fresh_name(s->name, sizeof(s->name));
	fill_open(&o, s->name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_EPHEMERAL |
		  MSGPORT_O_RECV | MSGPORT_O_SEND);
	s->fd = ioctl(ctl, MSGPORT_IOC_OPEN, &o);
	if (s->fd < 0)
		return why("setup: create: %s", strerror(errno));
	memset(s->buf, 'e', 100);
	return mb_send(s->fd, s->buf, 100, NULL) == 0 || why("setup: send: %s", strerror(errno));
}

static long call_close(struct state *s)
{
	int fd = s->fd;

	s->fd = -1;
	return close(fd);
}

static bool check_close(struct state *s, long ret, int err, bool injected)
{
	if (ret)
		return why("close failed with %s", strerror(err));
	return mb_exists(s->name) == 0 || why("the ephemeral mailbox outlived its last close");
}

#ifdef MSGPORT_IOC_DUP
/* Anonymous mailboxes (MSGPORT_O_ANON) and MSGPORT_IOC_DUP. */
static int anon_create(void)
{
	struct msgport_open o;

	memset(&o, 0, sizeof(o));
	o.flags = MSGPORT_O_ANON | MSGPORT_O_RECV | MSGPORT_O_SEND | MSGPORT_O_CLOEXEC;
	o.mode = 0600;
	o.capacity = 8;
	o.max_msg_size = 1024;
	return ioctl(ctl, MSGPORT_IOC_OPEN, &o);
}

static long call_open_anon(struct state *s)
{
	return s->fd = anon_create();
}

static bool prep_anon(struct state *s)
{
	s->fd = anon_create();
	if (s->fd < 0)
		return why("setup: create anonymous: %s", strerror(errno));
	return mb_stat(s->fd, &s->before) == 0 || why("setup: stat: %s", strerror(errno));
}

/* A queued message, and a send-only dup in fd2 that sees the end. */
static bool prep_anon_queued(struct state *s)
{
	struct msgport_dup d;

	if (!prep_anon(s))
		return false;
	memset(&d, 0, sizeof(d));
	d.access = MSGPORT_O_SEND;
	d.flags = MSGPORT_O_CLOEXEC;
	s->fd2 = ioctl(s->fd, MSGPORT_IOC_DUP, &d);
	if (s->fd2 < 0)
		return why("setup: dup: %s", strerror(errno));
	memset(s->buf, 'a', 100);
	return mb_send(s->fd2, s->buf, 100, NULL) == 0 || why("setup: send: %s", strerror(errno));
}

static long call_dup(struct state *s)
{
	struct msgport_dup d;

	memset(&d, 0, sizeof(d));
	d.access = MSGPORT_O_SEND;
	d.flags = MSGPORT_O_CLOEXEC;
	return s->fd2 = ioctl(s->fd, MSGPORT_IOC_DUP, &d);
}

/* A failed dup leaves the mailbox as it was; a new one sends into it. */
static bool check_dup(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (ret < 0) {
		if (!clean_errno(err))
			return why("failed with %s", strerror(err));
	} else if (mb_send(s->fd2, "d", 1, NULL)) {
		return why("succeeded but the new descriptor cannot send: %s", strerror(errno));
	}
	if (mb_stat(s->fd, &st))
		return why("stat after: %s", strerror(errno));
	return st.sent == s->before.sent + (ret >= 0) ||
	       why("sent %llu, expected %llu", (unsigned long long)st.sent,
		   (unsigned long long)(s->before.sent + (ret >= 0)));
}

/* The last receiver of an anonymous mailbox closes: never fails, sends get EPIPE. */
static bool check_close_anon(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (ret)
		return why("close failed with %s", strerror(err));
	if (mb_send(s->fd2, "x", 1, NULL) == 0 || errno != EPIPE)
		return why("a send after the last receiver closed: %s", strerror(errno));
	if (mb_stat(s->fd2, &st))
		return why("stat after: %s", strerror(errno));
	return st.dropped == 1 || why("dropped %llu, expected 1",
				      (unsigned long long)st.dropped);
}
#endif

#if defined(MSGPORT_IOC_INBOX) && defined(MSGPORT_IOC_SEND_PID)
/* Direct messages: this process's inbox, and a send to it by pid. */
static int inbox_create(void)
{
	struct msgport_inbox ib;

	memset(&ib, 0, sizeof(ib));
	ib.flags = MSGPORT_O_CLOEXEC;
	ib.mode = 0600;
	ib.capacity = 8;
	return ioctl(ctl, MSGPORT_IOC_INBOX, &ib);
}

static int send_to_self(void)
{
	struct msgport_send_pid sp;

	memset(&sp, 0, sizeof(sp));
	sp.buf = (uintptr_t)"direct";
	sp.len = 6;
	sp.flags = MSGPORT_F_NONBLOCK;
	sp.pid = (int32_t)getpid();
	return ioctl(ctl, MSGPORT_IOC_SEND_PID, &sp);
}

static long call_inbox(struct state *s)
{
	return s->fd = inbox_create();
}

static bool check_inbox(struct state *s, long ret, int err, bool injected)
{
	if (ret >= 0)
		return true;
	if (!clean_errno(err))
		return why("failed with %s", strerror(err));
	if (send_to_self() == 0)
		return why("failed (%s) but this process has an inbox", strerror(err));
	return true;
}

static bool prep_inbox(struct state *s)
{
	s->fd = inbox_create();
	if (s->fd < 0)
		return why("setup: inbox: %s", strerror(errno));
	return mb_stat(s->fd, &s->before) == 0 || why("setup: stat: %s", strerror(errno));
}

static long call_send_pid(struct state *s)
{
	return send_to_self();
}
#endif

/*
 * Regions.  The mailbox gets REGION_SIZE bytes of region; a span is 100
 * bytes at offset 4096.
 */
#ifdef MSGPORT_O_TOPIC
/* Topics: a send-only topic descriptor in fd, a subscription in fd2. */
static int topic_open(const char *name, uint32_t flags)
{
	struct msgport_open o;

	fill_open(&o, name, flags);
	return ioctl(ctl, MSGPORT_IOC_OPEN, &o);
}

static bool prep_topic(struct state *s)
{
	fresh_name(s->name, sizeof(s->name));
	s->fd = topic_open(s->name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_SEND |
			   MSGPORT_O_TOPIC);
	if (s->fd < 0)
		return why("setup: create topic %s: %s", s->name, strerror(errno));
	return true;
}

static long call_subscribe(struct state *s)
{
	return s->fd2 = topic_open(s->name, MSGPORT_O_RECV);
}

static bool prep_topic_sub(struct state *s)
{
	if (!prep_topic(s))
		return false;
	s->fd2 = topic_open(s->name, MSGPORT_O_RECV);
	if (s->fd2 < 0)
		return why("setup: subscribe: %s", strerror(errno));
	return mb_stat(s->fd2, &s->before) == 0 || why("setup: stat: %s", strerror(errno));
}

static long call_publish(struct state *s)
{
	memset(s->buf, 'p', 300);
	return mb_send(s->fd, s->buf, 300, NULL);
}

/* A publish reaches the subscription, or (failed) nobody. */
static bool check_publish(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (mb_stat(s->fd2, &st))
		return why("stat after: %s", strerror(errno));
	if (ret >= 0)
		return st.queued_msgs == s->before.queued_msgs + 1 ||
		       why("published but the subscription holds %llu",
			   (unsigned long long)st.queued_msgs);
	if (!clean_errno(err))
		return why("failed with %s", strerror(err));
	return (st.queued_msgs == s->before.queued_msgs && st.sent == s->before.sent) ||
	       why("failed (%s) but the subscription got it", strerror(err));
}
#endif

static int mb_create_region(const char *name)
{
	struct msgport_open o;

	fill_open(&o, name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_RECV | MSGPORT_O_SEND);
	o.region_size = REGION_SIZE;
	return ioctl(ctl, MSGPORT_IOC_OPEN, &o);
}

static int span_send(int fd, uint64_t *seq)
{
	struct msgport_send sd;
	int ret;

	memset(&sd, 0, sizeof(sd));
	sd.buf = 4096;
	sd.len = 100;
	sd.flags = MSGPORT_F_NONBLOCK | MSGPORT_F_SPAN;
	ret = ioctl(fd, MSGPORT_IOC_SEND, &sd);
	if (!ret && seq)
		*seq = sd.seq;
	return ret;
}

static long call_create_region(struct state *s)
{
	return s->fd2 = mb_create_region(s->name);
}

static bool prep_region(struct state *s)
{
	fresh_name(s->name, sizeof(s->name));
	s->fd = mb_create_region(s->name);
	if (s->fd < 0)
		return why("setup: create %s with a region: %s", s->name, strerror(errno));
	return mb_stat(s->fd, &s->before) == 0 || why("setup: stat: %s", strerror(errno));
}

static bool prep_span_queued(struct state *s)
{
	if (!prep_region(s))
		return false;
	if (span_send(s->fd, &s->seq))
		return why("setup: span send: %s", strerror(errno));
	return mb_stat(s->fd, &s->before) == 0 || why("setup: stat: %s", strerror(errno));
}

/* mmap of the region */
static long call_mmap(struct state *s)
{
	void *p = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);

	if (p == MAP_FAILED)
		return -1;
	s->map = p;
	return 0;
}

static bool check_mmap(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (mb_stat(s->fd, &st))
		return why("stat after: %s", strerror(errno));
	if (ret == 0) {
		/* the pages are the region's: a write shows through a second mapping */
		volatile uint32_t *w = s->map;
		void *p2;
		bool same;

		if (st.region_maps != s->before.region_maps + 1)
			return why("mapped but region_maps %llu (was %llu)",
				   (unsigned long long)st.region_maps,
				   (unsigned long long)s->before.region_maps);
		p2 = mmap(NULL, REGION_SIZE, PROT_READ, MAP_SHARED, s->fd, 0);
		if (p2 == MAP_FAILED)
			return why("second mmap: %s", strerror(errno));
		w[1] = 0x5eedf00d;
		same = ((volatile uint32_t *)p2)[1] == 0x5eedf00d;
		munmap(p2, REGION_SIZE);
		return same || why("two mappings of the region do not share pages");
	}
	if (!clean_errno(err) && err != EAGAIN)
		return why("failed with %s", strerror(err));
	if (st.region_maps != s->before.region_maps)
		return why("failed (%s) but region_maps %llu (was %llu)", strerror(err),
			   (unsigned long long)st.region_maps,
			   (unsigned long long)s->before.region_maps);
	return true;
}

/* span send and span receive */
static long call_span_send(struct state *s)
{
	return span_send(s->fd, NULL);
}

static long call_span_recv(struct state *s)
{
	struct msgport_recv r;
	long ret;

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)s->buf;
	r.buf_len = sizeof(s->buf);
	r.flags = MSGPORT_F_NONBLOCK | MSGPORT_F_SPAN;
	ret = ioctl(s->fd, MSGPORT_IOC_RECV, &r);
	if (ret >= 0 && (r.info.seq != s->seq || r.info.span_offset != 4096 ||
			 r.info.len != 100 || !(r.info.msg_flags & MSGPORT_MSG_SPAN))) {
		errno = EPROTO;	/* judged by check_span_recv */
		return -2;
	}
	return ret;
}

static bool check_span_recv(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (ret == -2)
		return why("received a span that is not the one sent (seq, offset, len or flags)");
	if (mb_stat(s->fd, &st))
		return why("stat after: %s", strerror(errno));
	if (ret >= 0)
		return st.queued_msgs == s->before.queued_msgs - 1 ||
		       why("succeeded but %llu still queued", (unsigned long long)st.queued_msgs);
	if (!clean_errno(err))
		return why("failed with %s", strerror(err));
	/* without MSGPORT_F_SPAN the span's bytes are copied */
	return still_queued(s, &st, err, "span") && next_recv_is(s, err, 100);
}

/* REGION_WAIT (the word is 0, so waiting while it is 1 returns at once), REGION_WAKE */
static long call_region_wait(struct state *s)
{
	struct msgport_region_wait w;

	memset(&w, 0, sizeof(w));
	w.offset = 8;
	w.value = 1;
	w.flags = MSGPORT_F_TIMEOUT;
	w.timeout_ns = CALL_TIMEOUT_NS;
	return ioctl(s->fd, MSGPORT_IOC_REGION_WAIT, &w);
}

static long call_region_wake(struct state *s)
{
	return ioctl(s->fd, MSGPORT_IOC_REGION_WAKE);
}

/*
 * RPC.  The other side of a call is a forked process (fail-nth is per task,
 * so it runs without faults); it exits 0 when its half worked.
 */
static int do_call(int fd, int32_t pid, void *reply, uint32_t reply_len)
{
	struct msgport_call c;

	memset(&c, 0, sizeof(c));
	c.buf = (uintptr_t)"request";
	c.len = 7;
	c.reply_buf = (uintptr_t)reply;
	c.reply_len = reply_len;
	c.flags = MSGPORT_F_TIMEOUT;
	c.timeout_ns = CALL_TIMEOUT_NS;
	c.pid = pid;
	return ioctl(fd, pid ? MSGPORT_IOC_CALL_PID : MSGPORT_IOC_CALL, &c);
}

static int do_reply(int fd, uint64_t token)
{
	struct msgport_reply r;

	memset(&r, 0, sizeof(r));
	r.token = token;
	r.buf = (uintptr_t)"reply!";
	r.len = 6;
	return ioctl(fd, MSGPORT_IOC_REPLY, &r);
}

/* Receive one call (waiting up to CALL_TIMEOUT_NS) and return its token, 0 if none. */
static uint64_t take_call(int fd)
{
	struct msgport_recv r;
	char buf[64];

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.buf_len = sizeof(buf);
	r.flags = MSGPORT_F_TIMEOUT;
	r.timeout_ns = SERVE_TIMEOUT_NS;
	if (ioctl(fd, MSGPORT_IOC_RECV, &r) != 7 || !(r.info.msg_flags & MSGPORT_MSG_CALL))
		return 0;
	return r.info.token;
}

/* The child's exit status: true when it exited 0. */
static bool child_ok(struct state *s, const char *what)
{
	int status;
	pid_t pid = s->child;

	s->child = 0;
	if (waitpid(pid, &status, 0) != pid)
		return why("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return why("%s (status 0x%x)", what, status);
	return true;
}

/* CALL: a server process answers the one request, if one comes. */
static bool prep_call_server(struct state *s)
{
	if (!prep_mailbox(s))
		return false;
	s->child = fork();
	if (s->child < 0)
		return why("setup: fork: %s", strerror(errno));
	if (s->child == 0) {
		uint64_t token = take_call(s->fd);

		_exit(token && do_reply(s->fd, token) ? 1 : 0);
	}
	return true;
}

static long call_call(struct state *s)
{
	return do_call(s->fd, 0, s->buf, sizeof(s->buf));
}

static bool check_call(struct state *s, long ret, int err, bool injected)
{
	if (ret >= 0) {
		if (ret != 6 || memcmp(s->buf, "reply!", 6))
			return why("returned %ld, not the 6-byte reply", ret);
		return child_ok(s, "the call succeeded but the server's reply failed");
	}
	/*
	 * The request was never sent, withdrawn, or taken and then given up
	 * (the server's reply then gets ECANCELED): cleanup reaps the server.
	 */
	if (!clean_errno(err))
		return why("failed with %s", strerror(err));
	return true;
}

#if defined(MSGPORT_IOC_INBOX) && defined(MSGPORT_IOC_CALL_PID)
/* CALL_PID: the server is a process with an inbox. */
static bool prep_call_pid_server(struct state *s)
{
	int p[2];
	char c = 0;

	if (pipe(p))
		return why("setup: pipe: %s", strerror(errno));
	s->child = fork();
	if (s->child < 0)
		return why("setup: fork: %s", strerror(errno));
	if (s->child == 0) {
		int fd = inbox_create();
		uint64_t token;

		close(p[0]);
		c = fd >= 0;
		if (write(p[1], &c, 1) != 1 || fd < 0)
			_exit(1);
		token = take_call(fd);
		_exit(token && do_reply(fd, token) ? 1 : 0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1 || !c) {
		close(p[0]);
		return why("setup: the server could not open its inbox");
	}
	close(p[0]);
	return true;
}

static long call_call_pid(struct state *s)
{
	return do_call(ctl, (int32_t)s->child, s->buf, sizeof(s->buf));
}
#endif

/* REPLY and REPLY_RECV: a caller process waits; this process took its request. */
static bool prep_caller(struct state *s, bool queue_one)
{
	if (!prep_mailbox(s))
		return false;
	s->child = fork();
	if (s->child < 0)
		return why("setup: fork: %s", strerror(errno));
	if (s->child == 0) {
		char reply[64];

		_exit(do_call(s->fd, 0, reply, sizeof(reply)) == 6 &&
		      !memcmp(reply, "reply!", 6) ? 0 : 1);
	}
	s->token = take_call(s->fd);
	if (!s->token)
		return why("setup: no call arrived");
	if (queue_one) {
		memset(s->buf, 'm', 300);
		if (mb_send(s->fd, s->buf, 300, &s->seq))
			return why("setup: send: %s", strerror(errno));
	}
	return mb_stat(s->fd, &s->before) == 0 || why("setup: stat: %s", strerror(errno));
}

static bool prep_reply(struct state *s)
{
	return prep_caller(s, false);
}

static bool prep_reply_recv(struct state *s)
{
	return prep_caller(s, true);
}

static long call_reply(struct state *s)
{
	return do_reply(s->fd, s->token);
}

static bool check_reply(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (ret < 0) {
		if (!clean_errno(err))
			return why("failed with %s", strerror(err));
		if (mb_stat(s->fd, &st))
			return why("stat after: %s", strerror(errno));
		if (st.calls != s->before.calls)
			return why("failed (%s) but calls %llu (was %llu)", strerror(err),
				   (unsigned long long)st.calls,
				   (unsigned long long)s->before.calls);
		/* the call is still open: answering it again must work */
		if (do_reply(s->fd, s->token))
			return why("failed (%s) and the retry failed too: %s", strerror(err),
				   strerror(errno));
	}
	return child_ok(s, "the caller did not get the reply");
}

static long call_reply_recv(struct state *s)
{
	struct msgport_reply_recv rr;
	long ret;

	memset(&rr, 0, sizeof(rr));
	rr.reply.token = s->token;
	rr.reply.buf = (uintptr_t)"reply!";
	rr.reply.len = 6;
	rr.recv.buf = (uintptr_t)s->buf;
	rr.recv.buf_len = sizeof(s->buf);
	rr.recv.flags = MSGPORT_F_NONBLOCK;
	ret = ioctl(s->fd, MSGPORT_IOC_REPLY_RECV, &rr);
	s->reply_result = rr.reply_result;
	return ret;
}

static bool check_reply_recv(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (ret >= 0) {
		if (ret != 300 || s->reply_result)
			return why("returned %ld reply_result %d, not 300 and 0", ret,
				   s->reply_result);
		return child_ok(s, "the caller did not get the reply");
	}
	if (!clean_errno(err))
		return why("failed with %s", strerror(err));
	if (mb_stat(s->fd, &st))
		return why("stat after: %s", strerror(errno));
	if (st.received != s->before.received)
		return why("failed (%s) but a message was taken (received %llu, was %llu)",
			   strerror(err), (unsigned long long)st.received,
			   (unsigned long long)s->before.received);
	/* the reply went out or the call is still open: a second reply says which */
	if (do_reply(s->fd, s->token) && errno != ENOENT)
		return why("failed (%s); a second reply failed with %s", strerror(err),
			   strerror(errno));
	if (!next_recv_is(s, err, 300))
		return false;
	return child_ok(s, "the caller did not get the reply");
}

#ifdef MSGPORT_IOC_COMMIT
/*
 * Relaying and leases (ABI 1.3): a relayed send (its claim copied and
 * charged with it), a grown receive of one, a receive under a lease (a
 * failed one leaves the message queued; a made one leaves it counted, and
 * its commit takes it), and commits, refusals and returns (a failed one
 * leaves the lease: a second commit succeeds).
 */
static const struct msgport_relay sweep_relay = {
	.origin = 1, .seq = 2, .send_time_ns = 3, .pid = 4, .uid = 5, .gid = 6,
};

static int send_relayed(int fd, uint32_t len, uint64_t *seq, char *buf)
{
	struct msgport_send sd;
	int ret;

	memset(&sd, 0, sizeof(sd));
	sd.buf = (uintptr_t)buf;
	sd.len = len;
	sd.flags = MSGPORT_F_NONBLOCK | MSGPORT_F_RELAY;
	sd.relay = (uintptr_t)&sweep_relay;
	ret = ioctl(fd, MSGPORT_IOC_SEND, &sd);
	if (!ret && seq)
		*seq = sd.seq;
	return ret;
}

static long call_send_relay(struct state *s)
{
	memset(s->buf, 'r', 200);
	return send_relayed(s->fd, 200, NULL, s->buf);
}

/*
 * A relayed send large enough to be made of chunks: its claim is allocated
 * after them, so a failure there frees a message whose chunks exist.
 */
#define LARGE_RELAYED	(3 * 4096 + 100)
static char large_payload[LARGE_RELAYED];

static bool prep_mailbox_large(struct state *s)
{
	return prep_mailbox_max(s, LARGE_RELAYED);
}

static long call_send_relay_large(struct state *s)
{
	memset(large_payload, 'R', sizeof(large_payload));
	return send_relayed(s->fd, sizeof(large_payload), NULL, large_payload);
}

static bool prep_relay_queued(struct state *s)
{
	if (!prep_mailbox(s))
		return false;
	memset(s->buf, 'm', 300);
	if (send_relayed(s->fd, 300, &s->seq, s->buf))
		return why("setup: relayed send: %s", strerror(errno));
	return mb_stat(s->fd, &s->before) == 0 || why("setup: stat: %s", strerror(errno));
}

static long call_recv_v1(struct state *s)
{
	struct msgport_recv_v1 r;
	long ret;

	memset(&r, 0, sizeof(r));
	r.recv.buf = (uintptr_t)s->buf;
	r.recv.buf_len = sizeof(s->buf);
	r.recv.flags = MSGPORT_F_NONBLOCK;
	ret = ioctl(s->fd, MSGPORT_IOC_RECV_V1, &r);
	if (ret >= 0 && (!(r.recv.info.msg_flags & MSGPORT_MSG_RELAYED) ||
			 memcmp(&r.relay, &sweep_relay, sizeof(r.relay)))) {
		errno = EPROTO;
		return -1;
	}
	return ret;
}

static long call_recv_lease(struct state *s)
{
	return mb_recv(s->fd, s->buf, sizeof(s->buf), MSGPORT_F_LEASE, NULL);
}

static int commit(int fd, uint64_t seq, uint32_t flags)
{
	struct msgport_commit c;

	memset(&c, 0, sizeof(c));
	c.seq = seq;
	c.flags = flags;
#ifdef MSGPORT_COMMIT_REFUSE
	if (flags & MSGPORT_COMMIT_REFUSE)
		c.error = EACCES;
#endif
	return ioctl(fd, MSGPORT_IOC_COMMIT, &c);
}

static bool check_recv_lease(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (mb_stat(s->fd, &st))
		return why("stat after: %s", strerror(errno));
	if (ret >= 0) {
		if (ret != 300)
			return why("returned %ld, not 300", ret);
		if (st.queued_msgs != s->before.queued_msgs)
			return why("leased but no longer counted");
		if (commit(s->fd, s->seq, 0))
			return why("leased, but its commit failed: %s", strerror(errno));
		if (mb_stat(s->fd, &st) || st.queued_msgs != s->before.queued_msgs - 1)
			return why("committed but still counted");
		return true;
	}
	if (!clean_errno(err))
		return why("failed with %s", strerror(err));
	return still_queued(s, &st, err, "message") && next_recv_is(s, err, 300);
}

static bool prep_leased(struct state *s)
{
	if (!prep_queued(s))
		return false;
	if (mb_recv(s->fd, s->buf, sizeof(s->buf), MSGPORT_F_LEASE, NULL) != 300)
		return why("setup: leased receive: %s", strerror(errno));
	return mb_stat(s->fd, &s->before) == 0 || why("setup: stat: %s", strerror(errno));
}

static long call_commit(struct state *s)
{
	return commit(s->fd, s->seq, 0);
}

static long call_commit_return(struct state *s)
{
	return commit(s->fd, s->seq, MSGPORT_COMMIT_RETURN);
}

static bool check_commit(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (ret < 0) {
		if (!clean_errno(err))
			return why("failed with %s", strerror(err));
		/* The lease is still there. */
		if (commit(s->fd, s->seq, 0))
			return why("failed (%s), then a commit failed: %s", strerror(err),
				   strerror(errno));
	}
	if (mb_stat(s->fd, &st))
		return why("stat after: %s", strerror(errno));
	return st.queued_msgs == s->before.queued_msgs - 1 ||
	       why("committed but %llu queued", (unsigned long long)st.queued_msgs);
}

#ifdef MSGPORT_COMMIT_REFUSE
static long call_commit_refuse(struct state *s)
{
	return commit(s->fd, s->seq, MSGPORT_COMMIT_REFUSE);
}

/* Refused: gone as a commit, but counted as dropped. */
static bool check_commit_refuse(struct state *s, long ret, int err, bool injected)
{
	struct msgport_stat st;

	if (ret < 0) {
		if (!clean_errno(err))
			return why("failed with %s", strerror(err));
		if (commit(s->fd, s->seq, MSGPORT_COMMIT_REFUSE))
			return why("failed (%s), then a refusal failed: %s", strerror(err),
				   strerror(errno));
	}
	if (mb_stat(s->fd, &st))
		return why("stat after: %s", strerror(errno));
	if (st.queued_msgs != s->before.queued_msgs - 1)
		return why("refused but %llu queued", (unsigned long long)st.queued_msgs);
	return st.dropped == s->before.dropped + 1 ||
	       why("refused but %llu dropped", (unsigned long long)st.dropped);
}
#endif

static bool check_commit_return(struct state *s, long ret, int err, bool injected)
{
	if (ret < 0) {
		if (!clean_errno(err))
			return why("failed with %s", strerror(err));
		if (commit(s->fd, s->seq, MSGPORT_COMMIT_RETURN))
			return why("failed (%s), then a return failed: %s", strerror(err),
				   strerror(errno));
	}
	return next_recv_is(s, 0, 300);
}
#endif

static const struct op ops[] = {
	{ "version", NULL, call_version, check_simple, cleanup_all },
	{ "open-create", prep_name, call_create, check_create, cleanup_all },
	{ "open-existing", prep_mailbox, call_open, check_simple, cleanup_all },
	{ "unlink", prep_mailbox, call_unlink, check_unlink, cleanup_all },
	{ "send", prep_mailbox, call_send, check_send, cleanup_all },
	{ "send-queued", prep_queued, call_send, check_send, cleanup_all },
	{ "write", prep_mailbox, call_write, check_send, cleanup_all },
	{ "recv", prep_queued, call_recv, check_recv, cleanup_all },
	{ "recv-peek", prep_queued, call_peek, check_recv, cleanup_all },
#ifdef MSGPORT_FDS_MAX
	{ "send-fds", prep_mailbox, send_fds, check_send, cleanup_all },
	{ "recv-fds", prep_fds_queued, call_recv_fds, check_recv, cleanup_all },
#endif
	{ "read", prep_queued, call_read, check_recv, cleanup_all },
	{ "stat", prep_mailbox, call_stat, check_simple, cleanup_all },
	{ "set-mode", prep_mailbox, call_setmode, check_setmode, cleanup_all },
	{ "poll", prep_mailbox, call_poll, check_simple, cleanup_all },
	{ "close-ephemeral", prep_ephemeral, call_close, check_close, cleanup_all },
#ifdef MSGPORT_IOC_DUP
	{ "open-anon", NULL, call_open_anon, check_simple, cleanup_all },
	{ "dup", prep_mailbox, call_dup, check_dup, cleanup_all },
	{ "dup-anon", prep_anon, call_dup, check_dup, cleanup_all },
	{ "close-anon-receiver", prep_anon_queued, call_close, check_close_anon, cleanup_all },
#endif
#ifdef MSGPORT_O_TOPIC
	{ "subscribe", prep_topic, call_subscribe, check_simple, cleanup_all },
	{ "publish", prep_topic_sub, call_publish, check_publish, cleanup_all },
#endif
#if defined(MSGPORT_IOC_INBOX) && defined(MSGPORT_IOC_SEND_PID)
	{ "inbox", NULL, call_inbox, check_inbox, cleanup_all },
	{ "send-pid", prep_inbox, call_send_pid, check_send, cleanup_all },
#endif
	{ "open-region", prep_name, call_create_region, check_create, cleanup_all },
	{ "mmap-region", prep_region, call_mmap, check_mmap, cleanup_all },
	{ "span-send", prep_region, call_span_send, check_send, cleanup_all },
	{ "span-recv", prep_span_queued, call_span_recv, check_span_recv, cleanup_all },
	{ "region-wait", prep_region, call_region_wait, check_simple, cleanup_all },
	{ "region-wake", prep_region, call_region_wake, check_simple, cleanup_all },
	{ "call", prep_call_server, call_call, check_call, cleanup_all },
#if defined(MSGPORT_IOC_INBOX) && defined(MSGPORT_IOC_CALL_PID)
	{ "call-pid", prep_call_pid_server, call_call_pid, check_call, cleanup_all },
#endif
	{ "reply", prep_reply, call_reply, check_reply, cleanup_all },
	{ "reply-recv", prep_reply_recv, call_reply_recv, check_reply_recv, cleanup_all },
#ifdef MSGPORT_IOC_COMMIT
	{ "send-relay", prep_mailbox, call_send_relay, check_send, cleanup_all },
	{ "send-relay-large", prep_mailbox_large, call_send_relay_large, check_send, cleanup_all },
	{ "recv-v1-relayed", prep_relay_queued, call_recv_v1, check_recv, cleanup_all },
	{ "recv-lease", prep_queued, call_recv_lease, check_recv_lease, cleanup_all },
	{ "commit", prep_leased, call_commit, check_commit, cleanup_all },
	{ "commit-return", prep_leased, call_commit_return, check_commit_return, cleanup_all },
#ifdef MSGPORT_COMMIT_REFUSE
	{ "commit-refuse", prep_leased, call_commit_refuse, check_commit_refuse, cleanup_all },
#endif
#endif
};

static bool sweep(const struct op *op, unsigned int *points)
{
	struct counters base, after;
	unsigned int n;

	if (counters_read(&base)) {
		fprintf(stderr, PROG ": cannot read " OBJECTS ": is msgport (with debugfs) loaded?\n");
		return false;
	}
	for (n = 1; n <= opt.max_faults; n++) {
		struct state s = { .fd = -1, .fd2 = -1 };
		bool injected, ok;
		long ret;
		int err;

		errbuf[0] = '\0';
		if (op->prepare && !op->prepare(&s)) {
			op->cleanup(&s);
			fprintf(stderr, PROG ": %s: fault %u: %s\n", op->name, n, errbuf);
			return false;
		}
		arm(n);
		ret = op->call(&s);
		err = errno;
		injected = disarm();
		ok = op->check(&s, ret, err, injected);
		if (ok && !injected && ret < 0)
			ok = why("failed (%s) with no fault injected", strerror(err));
		op->cleanup(&s);
		if (ok && counters_read(&after) == 0 && counters_differ(&base, &after, errbuf,
									sizeof(errbuf)))
			ok = false;
		if (opt.verbose)
			fprintf(stderr, PROG ": %s: fault %u %s: ret %ld%s%s\n", op->name, n,
				injected ? "injected" : "not reached", ret,
				ret < 0 ? " errno " : "", ret < 0 ? strerror(err) : "");
		if (!ok) {
			fprintf(stderr, PROG ": FAIL: %s with fault %u %s: %s\n", op->name, n,
				injected ? "injected" : "not reached", errbuf);
			return false;
		}
		if (!injected) {
			*points = n - 1;
			return true;
		}
	}
	fprintf(stderr, PROG ": FAIL: %s: still injecting after %u faults\n", op->name,
		opt.max_faults);
	return false;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--max-faults N] [--only OP] [--verbose]\n"
		"Fail each allocation and user copy of each msgport call in turn (fail-nth)\n"
		"and check that the call fails cleanly and leaks nothing.\n\n"
		"  -m, --max-faults N  give up on an operation after N faults (default %u)\n"
		"  -o, --only OP       sweep only OP\n"
		"  -l, --list          list the operations\n"
		"  -v, --verbose       every try\n"
		"  -h, --help          this help\n"
		"Needs the debug kernel (fault injection, debugfs) and msgport loaded.\n"
		"Exit status: 0 all passed, 1 a failure, 2 usage.\n", opt.max_faults);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "max-faults", required_argument, NULL, 'm' },
		{ "only", required_argument, NULL, 'o' },
		{ "list", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned int passed = 0, failed = 0, ran = 0;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "m:o:lvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			opt.max_faults = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !opt.max_faults) {
				fprintf(stderr, PROG ": --max-faults needs a positive number\n");
				return 2;
			}
			break;
		case 'o': opt.only = optarg; break;
		case 'l':
			for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
				printf("%s\n", ops[i].name);
			return 0;
		case 'v': opt.verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	ctl = open(MSGPORT_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		fprintf(stderr, PROG ": " MSGPORT_DEVICE_PATH ": %s\n", strerror(errno));
		return 1;
	}
	if (faults_setup()) {
		faults_restore();
		return 1;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		unsigned int points = 0;

		if (opt.only && strcmp(opt.only, ops[i].name))
			continue;
		ran++;
		if (sweep(&ops[i], &points)) {
			printf("ok   %-16s %u fault points, each failed cleanly\n", ops[i].name,
			       points);
			passed++;
		} else {
			printf("FAIL %s\n", ops[i].name);
			failed++;
		}
		fflush(stdout);
	}
	faults_restore();
	if (!ran) {
		fprintf(stderr, PROG ": no operation named '%s' (see --list)\n", opt.only);
		return 2;
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
