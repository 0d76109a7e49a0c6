// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "trace": the module's tracepoints (kmod/trace.h, TRACE_SYSTEM
 * msgport).  Each test makes a tracefs instance of its own (a buffer and
 * event switches apart from the global ones, so nothing else's tracing is
 * touched), enables the msgport events in it, makes the module do
 * something, reads the instance's buffer and looks for the events with the
 * fields they must have; the teardown disables the events and removes the
 * instance (its buffer with it), and unmounts tracefs if it mounted it.
 * A kernel without tracefs skips the suite (reported as skipped).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msgport_test.h"

#define TRACEFS		"/sys/kernel/tracing"
#define LEN		100
#define TIMEOUT		(30 * 1000000000LL)

static struct {
	bool mounted;		/* this suite mounted tracefs */
	char dir[128];		/* the test's instance, or "" */
	char *buf;		/* the last trace read */
} tr;

static void trace_write(const char *file, const char *text)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", tr.dir, file);
	ret = tu_file_write(path, text);
	if (ret < 0)
		fail_msg("write '%s' to %s: %s", text, path, strerror(-ret));
}

/*
 * Mount tracefs if need be (skip if the kernel has none), make an
 * instance and enable every msgport event in it.
 */
static void trace_begin(void)
{
	char path[256];
	long long record_cmd;
	struct stat st;
	int ret;

	if (stat(TRACEFS "/trace", &st) < 0) {
		if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) < 0) {
			if (errno == ENODEV || errno == ENOENT)
				TU_SKIP("no tracefs in this kernel: mount on %s: %s", TRACEFS,
					strerror(errno));
			fail_msg("mount tracefs on %s: %s", TRACEFS, strerror(errno));
		}
		tr.mounted = true;
	}
	/*
	 * An instance without command-name recording: it would register a
	 * probe on sched_switch, whose static call in __schedule() the kernel
	 * then patches under every CPU (under TCG a vCPU has been seen to run
	 * the patch site's int3 after the patch was done: an oops).  The
	 * option is the top level's only, copied into an instance when it is
	 * made: off for that moment, then as it was.  The tests read the
	 * events' fields, not task names.
	 */
	record_cmd = tu_file_number(TRACEFS "/options/record-cmd");
	if (record_cmd > 0)
		tu_file_write(TRACEFS "/options/record-cmd", "0");
	snprintf(tr.dir, sizeof(tr.dir), "%s/instances/msgport-test-%d", TRACEFS, (int)getpid());
	ret = mkdir(tr.dir, 0700) < 0 ? -errno : 0;
	if (record_cmd > 0)
		tu_file_write(TRACEFS "/options/record-cmd", "1");
	if (ret < 0) {
		tr.dir[0] = '\0';
		fail_msg("mkdir a tracefs instance: %s", strerror(-ret));
	}
	snprintf(path, sizeof(path), "%s/events/msgport/msgport_send", tr.dir);
	if (stat(path, &st) < 0)
		fail_msg("%s: %s: the module has no tracepoints", path, strerror(errno));
	trace_write("buffer_size_kb", "256");
	trace_write("events/msgport/enable", "1");
}

/* The teardown: events off, instance (and its buffer) gone, tracefs as found. */
static int trace_teardown(void **state)
{
	char path[256];

	free(tr.buf);
	tr.buf = NULL;
	if (tr.dir[0]) {
		snprintf(path, sizeof(path), "%s/events/msgport/enable", tr.dir);
		tu_file_write(path, "0");
		if (rmdir(tr.dir) < 0)
			fprintf(stderr, "trace: rmdir %s: %s\n", tr.dir, strerror(errno));
		tr.dir[0] = '\0';
	}
	if (tr.mounted && umount(TRACEFS) < 0)
		fprintf(stderr, "trace: umount %s: %s\n", TRACEFS, strerror(errno));
	tr.mounted = false;
	return tu_teardown(state);
}

/* Read the instance's buffer (not consumed) into tr.buf. */
static void trace_read(void)
{
	size_t len = 0, cap = 1 << 16;
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/trace", tr.dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("open %s: %s", path, strerror(errno));
	free(tr.buf);
	tr.buf = malloc(cap);
	assert_non_null(tr.buf);
	for (;;) {
		if (cap - len < 4096) {
			cap *= 2;
			tr.buf = realloc(tr.buf, cap);
			assert_non_null(tr.buf);
		}
		n = read(fd, tr.buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail_msg("read %s: %s", path, strerror(errno));
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	tr.buf[len] = '\0';
}

/* Whether the words of line (up to its end) include word. */
static bool has_word(const char *line, const char *end, const char *word)
{
	size_t wl = strlen(word);
	const char *p = line;

	while ((p = strstr(p, word)) && p < end) {
		if ((p == line || p[-1] == ' ') && (p + wl == end || p[wl] == ' '))
			return true;
		p += wl;
	}
	return false;
}

/*
 * How many lines of the last trace read are event "event" with every
 * space-separated "key=value" of want (formatted as printf); the value of
 * key (if not NULL) in the last of them goes to *value.
 */
static int __attribute__((format(printf, 2, 5)))
trace_count(const char *event, const char *want, const char *key, long long *value, ...)
{
	char tag[64], words[512], *w, *save = NULL, kw[64];
	const char *line, *end, *p;
	int count = 0;
	va_list ap;
	bool all;

	snprintf(tag, sizeof(tag), " %s: ", event);
	snprintf(kw, sizeof(kw), " %s=", key ? key : "");
	for (line = tr.buf; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		p = strstr(line, tag);
		if (!p || p > end)
			continue;
		p += strlen(tag) - 1;	/* at the space before the fields */
		va_start(ap, value);
		vsnprintf(words, sizeof(words), want, ap);
		va_end(ap);
		all = true;
		for (w = strtok_r(words, " ", &save); w && all; w = strtok_r(NULL, " ", &save))
			all = has_word(p + 1, end, w);
		if (!all)
			continue;
		count++;
		if (key) {
			const char *k = strstr(p, kw);

			assert_true(k && k < end);
			*value = strtoll(k + strlen(kw), NULL, 0);
		}
	}
	return count;
}

/* Fail, showing the trace, unless trace_count() found n lines. */
#define assert_trace(n, event, ...)							\
	do {										\
		int got_ = trace_count(event, __VA_ARGS__);				\
		if (got_ != (n)) {							\
			printf("the trace:\n%s", tr.buf);				\
			fail_msg("%d line(s) of %s with the fields wanted, not %d",	\
				 got_, event, (n));					\
		}									\
	} while (0)

static uint32_t mbox_id(const char *name)
{
	return tu_fnv1a(name, strlen(name));
}

/* Each event's format (what perf and bpftrace read) has the fields documented. */
static void test_formats(void **state)
{
	static const struct {
		const char *event;
		const char *fields[9];
	} ev[] = {
		{ "msgport_send", { "mbox", "inbox", "tgid", "len", "prio", "flags", "seq", "ret" } },
		{ "msgport_recv", { "mbox", "inbox", "tgid", "sender", "len", "prio", "flags", "seq",
				    "ret" } },
		{ "msgport_wake", { "mbox", "inbox", "pid", "why", "spin" } },
		{ "msgport_help", { "mbox", "inbox", "receiver", "sender", "seq", "bytes", "ret" } },
		{ "msgport_drop", { "mbox", "inbox", "sender", "len", "seq", "why" } },
		{ "msgport_quota_refused", { "uid", "asked", "held", "limit" } },
	};
	char path[256], buf[8192], field[64];
	size_t i, j;
	ssize_t n;
	int fd;

	trace_begin();
	for (i = 0; i < ARRAY_SIZE(ev); i++) {
		snprintf(path, sizeof(path), "%s/events/msgport/%s/format", tr.dir, ev[i].event);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail_msg("open %s: %s", path, strerror(errno));
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		assert_true(n > 0);
		buf[n] = '\0';
		for (j = 0; j < ARRAY_SIZE(ev[i].fields) && ev[i].fields[j]; j++) {
			snprintf(field, sizeof(field), " %s;", ev[i].fields[j]);
			if (!strstr(buf, field))
				fail_msg("%s has no field %s:\n%s", path, ev[i].fields[j], buf);
		}
	}
}

/* A send and its receive, and receives that fail: their fields. */
static void test_send_recv(void **state)
{
	const char *name = tu_name("sr");
	struct msgport_mailbox *mb = tu_create(name, 8, 1024, 0600, 0);
	uint32_t id = mbox_id(name);
	struct msgport_msginfo info;
	char buf[LEN] = "trace me", small[8];
	uint64_t seq = 0;
	int me = (int)getpid();

	trace_begin();
	assert_int_equal(msgport_send(mb, buf, LEN, 3, 0, MSGPORT_WAIT_FOREVER, &seq), 0);
	assert_true(seq > 0);
	assert_int_equal(msgport_recv(mb, small, sizeof(small), MSGPORT_F_NONBLOCK, 0, NULL),
			 -EMSGSIZE);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, &info), LEN);
	assert_int_equal(info.seq, seq);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, NULL), -EAGAIN);
	trace_read();

	assert_trace(1, "msgport_send",
		     "mbox=%08x inbox=0 tgid=%d len=%d prio=3 seq=%llu ret=0", NULL, NULL, id, me,
		     LEN, (unsigned long long)seq);
	assert_trace(1, "msgport_recv",
		     "mbox=%08x inbox=0 tgid=%d sender=%d len=%d prio=3 flags=0x0 seq=%llu ret=%d",
		     NULL, NULL, id, me, me, LEN, (unsigned long long)seq, LEN);
	/* Without info asked for, the library asks the module to make none. */
	assert_trace(1, "msgport_recv", "mbox=%08x tgid=%d flags=0x%x seq=0 ret=%d", NULL, NULL,
		     id, me, MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT | MSGPORT_F_NOINFO, -EMSGSIZE);
	assert_trace(1, "msgport_recv", "mbox=%08x tgid=%d flags=0x%x seq=0 ret=%d", NULL, NULL,
		     id, me, MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT | MSGPORT_F_NOINFO, -EAGAIN);
	assert_trace(3, "msgport_recv", "mbox=%08x", NULL, NULL, id);
	/* Nothing dropped, nobody woken. */
	assert_trace(0, "msgport_drop", "mbox=%08x", NULL, NULL, id);
	assert_trace(0, "msgport_wake", "mbox=%08x", NULL, NULL, id);
}

/* An inbox is named by its owner's tgid, with mbox 0. */
static void test_inbox(void **state)
{
	struct msgport_mailbox *in = tu_inbox(NULL);
	char buf[LEN] = "to me";
	int me = (int)getpid();
	uint64_t seq = 0;

	trace_begin();
	assert_int_equal(msgport_send_pid(tu_mp(), me, buf, LEN, 0, 0, MSGPORT_WAIT_FOREVER, &seq),
			 0);
	assert_int_equal(msgport_recv(in, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), LEN);
	trace_read();
	assert_trace(1, "msgport_send", "mbox=00000000 inbox=%d tgid=%d seq=%llu ret=0", NULL,
		     NULL, me, me, (unsigned long long)seq);
	assert_trace(1, "msgport_recv", "mbox=00000000 inbox=%d tgid=%d seq=%llu ret=%d", NULL,
		     NULL, me, me, (unsigned long long)seq, LEN);
}

static int child_recv(void *arg)
{
	char buf[LEN];

	CHILD_CHECK(msgport_recv(arg, buf, sizeof(buf), 0, TIMEOUT, NULL) == LEN);
	return 0;
}

static int child_send(void *arg)
{
	char buf[LEN] = "room";

	CHILD_CHECK(msgport_send(arg, buf, LEN, 0, 0, TIMEOUT, NULL) == 0);
	return 0;
}

static int child_send_sync(void *arg)
{
	char buf[LEN] = "receipt";

	CHILD_CHECK(msgport_send(arg, buf, LEN, 0, MSGPORT_F_SYNC, TIMEOUT, NULL) == 0);
	return 0;
}

static int child_send_refused(void *arg)
{
	char buf[LEN] = "refused";

	CHILD_CHECK(msgport_send(arg, buf, LEN, 0, MSGPORT_F_SYNC, TIMEOUT, NULL) == -EACCES);
	return 0;
}

/* A send to a sleeping receiver: a hand-off wakes it. */
static void test_wake_handoff(void **state)
{
	const char *name = tu_name("handoff");
	struct msgport_mailbox *mb = tu_create(name, 8, 1024, 0600, 0);
	uint32_t id = mbox_id(name);
	char buf[LEN] = "handed";
	uint64_t seq = 0;
	pid_t pid;

	trace_begin();
	pid = tu_fork(child_recv, mb);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(tu_await_sleeping(pid, TU_AWAIT_MS), 0);
	assert_int_equal(msgport_send(mb, buf, LEN, 0, 0, MSGPORT_WAIT_FOREVER, &seq), 0);
	assert_child_ok(pid);
	trace_read();
	assert_trace(1, "msgport_wake", "mbox=%08x inbox=0 pid=%d why=handoff", NULL, NULL, id,
		     (int)pid);
	assert_trace(1, "msgport_recv", "mbox=%08x tgid=%d sender=%d seq=%llu ret=%d", NULL, NULL,
		     id, (int)pid, (int)getpid(), (unsigned long long)seq, LEN);
}

#define HELP_LEN	(1U << 20)

/* Child: one receive of HELP_LEN bytes into a buffer already touched. */
static int child_recv_large(void *arg)
{
	char *buf = malloc(HELP_LEN);

	CHILD_CHECK(buf);
	memset(buf, 0, HELP_LEN);
	CHILD_CHECK(msgport_recv(arg, buf, HELP_LEN, 0, TIMEOUT, NULL) == (ssize_t)HELP_LEN);
	CHILD_CHECK(buf[0] == 'h' && buf[HELP_LEN - 1] == 'p');
	free(buf);
	return 0;
}

/* One send of HELP_LEN bytes to a receiver that sleeps: were help and handoff traced? */
static bool help_traced(const char *name, struct msgport_mailbox *mb, const char *buf)
{
	uint32_t id = mbox_id(name);
	pid_t pid;

	/* The buffer keeps earlier tries: each has a receiver of its own. */
	pid = tu_fork(child_recv_large, mb);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(tu_await_sleeping(pid, TU_AWAIT_MS), 0);
	assert_int_equal(msgport_send(mb, buf, HELP_LEN, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_child_ok(pid);
	trace_read();
	return trace_count("msgport_wake", "mbox=%08x inbox=0 pid=%d why=help", NULL, NULL, id,
			   (int)pid) == 1 &&
	       trace_count("msgport_wake", "mbox=%08x inbox=0 pid=%d why=handoff", NULL, NULL,
			   id, (int)pid) == 1;
}

/*
 * A large message written straight into a receiver that sleeps: the
 * receiver is woken to copy part of it (help), then handed it (handoff).  A copy can fall back to the usual
 * way (its receiver's address space busy a moment, say): three tries.
 */
static void test_wake_help(void **state)
{
	const char *name = tu_name("help");
	struct msgport_mailbox *mb = tu_create(name, 8, HELP_LEN, 0600, 0);
	static char buf[HELP_LEN];
	int tries = 0;

	memset(buf, 'e', HELP_LEN);
	buf[0] = 'h';
	buf[HELP_LEN - 1] = 'p';
	tu_param_set("spin_ns", 0);	/* the receiver sleeps, the sender does not spin */
	trace_begin();
	while (!help_traced(name, mb, buf)) {
		if (++tries == 3) {
			printf("the trace:\n%s", tr.buf);
			fail_msg("no help and handoff traced in 3 sends");
		}
	}
}

/*
 * Streams of 20 messages to a receiver slower than its sender, until one
 * help of its sender is traced: with bytes copied and no error (@fail
 * false), or given back to the receiver for its pages not present (@fail:
 * a fresh buffer for each receive, every byte still checked).  With
 * @parked, a receiver waits on the mailbox throughout for another
 * process's messages only.  Three tries.
 */
static void help_streams(bool fail, bool parked)
{
	const char *name = tu_name(fail ? "helpfail" : "helpout");
	struct msgport_mailbox *mb = tu_create(name, 2, HELP_LEN, 0600, 0);
	pid_t pid, other = parked ? tu_park_receiver_for_another(mb) : 0;
	uint32_t id = mbox_id(name);
	int tries, good, empty;

	tu_param_set("max_user_bytes", 64ULL << 20);
	trace_begin();
	for (tries = 0; tries < 3; tries++) {
		pid = tu_stream_to_slow_receiver(mb, 256 * 1024, 20, 1000, 500, fail);
		trace_read();
		if (fail && trace_count("msgport_help", "mbox=%08x inbox=0 receiver=%d ret=-14",
					NULL, NULL, id, (int)pid))
			break;
		/* A sender may come when every unit is taken: it copies none. */
		good = trace_count("msgport_help", "mbox=%08x inbox=0 receiver=%d ret=0", NULL,
				   NULL, id, (int)pid);
		empty = trace_count("msgport_help", "mbox=%08x inbox=0 receiver=%d bytes=0 ret=0",
				    NULL, NULL, id, (int)pid);
		if (!fail && good > empty)
			break;
	}
	if (tries == 3) {
		printf("the trace:\n%s", tr.buf);
		fail_msg("no %s help traced in 3 streams", fail ? "given back" : "good");
	}
	if (other)
		tu_unpark(other);
}

/* A sender helps its slow receiver copy its message out. */
static void test_help(void **state)
{
	help_streams(false, false);
}

/* A part a sender cannot do (the buffer's pages not present) is given back. */
static void test_help_given_back(void **state)
{
	help_streams(true, false);
}

/*
 * A receiver that waits for another process's messages only (MSGPORT_F_FROM)
 * waits for none of the stream's: the stream's sender still helps.
 */
static void test_help_past_receiver_for_another(void **state)
{
	help_streams(false, true);
}

/*
 * The msgport_help lines of mailbox @id in the last trace read: how many
 * were given by a task other than the message's sender (the line's
 * "comm-pid", a thread id, against its sender=, a process id: the senders
 * here send from their main threads, whose ids are their processes'),
 * shown on stderr; good[k] counts those of sender @pids[k] that copied
 * bytes without error.
 */
static int helps_by_others(uint32_t id, const pid_t pids[2], int good[2])
{
	const char *line, *end, *p;
	char mbox[32];
	int others = 0, k;
	long task;

	snprintf(mbox, sizeof(mbox), "mbox=%08x", id);
	good[0] = good[1] = 0;
	for (line = tr.buf; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		p = strstr(line, " msgport_help: ");
		if (!p || p > end || !has_word(p + 1, end, mbox))
			continue;
		while (*line == ' ')
			line++;
		/* "<comm>-<pid> [cpu] ...": the number after the first word's last '-'. */
		for (p = line; *p != ' ' && p < end; p++)
			;
		while (p > line && p[-1] != '-')
			p--;
		task = strtol(p, NULL, 10);
		p = strstr(line, " sender=");
		assert_true(p && p < end);
		if (task != strtol(p + strlen(" sender="), NULL, 10)) {
			fprintf(stderr, "helped by another: %.*s\n", (int)(end - line), line);
			others++;
		} else if (has_word(line, end, "ret=0") && !has_word(line, end, "bytes=0")) {
			for (k = 0; k < 2; k++)
				good[k] += task == pids[k];
		}
	}
	return others;
}

#define SHARED_LEN	(256U * 1024)
#define SHARED_ROUNDS	20

struct shared_rx {
	struct msgport_mailbox *mb;
	pid_t senders[2];	/* the two senders, as the receiver sees them */
};

/*
 * Child: SHARED_ROUNDS messages of each of two senders, slowly (1 ms
 * after each); each sender's in its order, every byte checked: sender k's
 * i-th message is tu_fill(.., 1000 * (k + 1) + i).
 */
static int child_shared_rx(void *arg)
{
	const struct shared_rx *r = arg;
	unsigned char *buf = malloc(SHARED_LEN), *want = malloc(SHARED_LEN);
	unsigned int i, k, next[2] = { 0, 0 };
	struct msgport_msginfo info;

	CHILD_CHECK(buf && want);
	memset(buf, 0, SHARED_LEN);
	for (i = 0; i < 2 * SHARED_ROUNDS; i++) {
		CHILD_CHECK(msgport_recv(r->mb, buf, SHARED_LEN, 0, TIMEOUT, &info) ==
			    (ssize_t)SHARED_LEN);
		k = info.pid == r->senders[1];
		CHILD_CHECK(info.pid == r->senders[k] && next[k] < SHARED_ROUNDS);
		tu_fill(want, SHARED_LEN, 1000 * (k + 1) + next[k]++, 0);
		CHILD_CHECK(!memcmp(buf, want, SHARED_LEN));
		usleep(1000);
	}
	free(buf);
	free(want);
	return 0;
}

/* SHARED_ROUNDS messages of sender k (its i-th: tu_fill(.., 1000 * (k + 1) + i)). */
static int send_rounds(struct msgport_mailbox *mb, unsigned int k)
{
	unsigned char *out = malloc(SHARED_LEN);
	unsigned int i;
	int ret = 0;

	if (!out)
		return -ENOMEM;
	for (i = 0; i < SHARED_ROUNDS && !ret; i++) {
		tu_fill(out, SHARED_LEN, 1000 * (k + 1) + i, 0);
		ret = msgport_send(mb, out, SHARED_LEN, 0, 0, TIMEOUT, NULL);
	}
	free(out);
	return ret;
}

/* Child: the other sender, another user, opening the mailbox by name. */
static int child_other_sender(void *arg)
{
	struct msgport_mailbox *mb = NULL;
	int ret;

	CHILD_CHECK(tu_become(1000, 1000) == 0);
	ret = msgport_mailbox_open(tu_mp(), arg, MSGPORT_O_SEND, NULL, &mb);
	if (!ret)
		ret = send_rounds(mb, 1);
	if (ret)
		fprintf(stderr, "other sender: %s\n", msgport_strerror(ret));
	CHILD_CHECK(ret == 0);
	msgport_mailbox_close(mb);
	return 0;
}

/*
 * Only a message's own sending process helps its receiver copy it out
 * (direct.c, "Senders help receivers"): a slow receiver takes the messages
 * of two senders, this process and an unprivileged process of another
 * user, each of whose sends may come while the receiver copies the other's
 * message out.  Every help traced is by the message's own sender (the other
 * user's process never writes into the receiver's pages for this one's
 * message, nor this one for the other's), and each is seen to help with
 * its own (the streams did interleave).  Three streams: one may meet the
 * other's copies seldom.
 */
static void test_help_only_by_sending_process(void **state)
{
	const char *name = tu_name("helpown");
	struct msgport_mailbox *mb = tu_create(name, 2, SHARED_LEN, 0666, 0);
	struct shared_rx r = { .mb = mb, .senders = { getpid() } };
	uint32_t id = mbox_id(name);
	int tries, good[2] = { 0, 0 }, others_good = 0;
	pid_t rx;

	(void)state;
	tu_param_set("max_user_bytes", 64ULL << 20);
	trace_begin();
	for (tries = 0; tries < 3; tries++) {
		/* The other sender first: the receiver must know its pid. */
		r.senders[1] = tu_fork(child_other_sender, (void *)name);
		rx = tu_fork(child_shared_rx, &r);
		assert_int_equal(send_rounds(mb, 0), 0);
		assert_child_ok(r.senders[1]);
		assert_child_ok(rx);
		trace_read();
		/*
		 * The trace keeps the earlier streams': good[0] counts them
		 * all, good[1] this one's (a new process each time).
		 */
		if (helps_by_others(id, r.senders, good)) {
			printf("the trace:\n%s", tr.buf);
			fail_msg("a message's copy out was helped by another process than its sender");
		}
		others_good += good[1];
	}
	if (!good[0] || !others_good) {
		printf("the trace:\n%s", tr.buf);
		fail_msg("in 3 streams, this process helped %d times, the other user's %d",
			 good[0], others_good);
	}
}

/* A receive from a full mailbox admits a waiting sender: room. */
static void test_wake_room(void **state)
{
	const char *name = tu_name("room");
	struct msgport_mailbox *mb = tu_create(name, 1, 1024, 0600, 0);
	uint32_t id = mbox_id(name);
	char buf[LEN] = "first";
	pid_t pid;

	trace_begin();
	assert_int_equal(msgport_send(mb, buf, LEN, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	pid = tu_fork(child_send, mb);
	assert_await(mb, TU_WAITING_SENDERS, 1);
	assert_int_equal(tu_await_sleeping(pid, TU_AWAIT_MS), 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), LEN);
	assert_child_ok(pid);
	trace_read();
	assert_trace(1, "msgport_wake", "mbox=%08x pid=%d why=room", NULL, NULL, id, (int)pid);
	assert_trace(1, "msgport_send", "mbox=%08x tgid=%d seq=2 ret=0", NULL, NULL, id, (int)pid);
}

/* A synchronous sender wakes when its message is taken: a receipt. */
static void test_wake_receipt(void **state)
{
	const char *name = tu_name("receipt");
	struct msgport_mailbox *mb = tu_create(name, 8, 1024, 0600, 0);
	uint32_t id = mbox_id(name);
	char buf[LEN];
	pid_t pid;

	trace_begin();
	pid = tu_fork(child_send_sync, mb);
	assert_await(mb, TU_WAITING_SENDERS, 1);
	assert_int_equal(tu_await_sleeping(pid, TU_AWAIT_MS), 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), LEN);
	assert_child_ok(pid);
	trace_read();
	assert_trace(1, "msgport_wake", "mbox=%08x pid=%d why=receipt", NULL, NULL, id, (int)pid);
	assert_trace(1, "msgport_send", "mbox=%08x tgid=%d flags=0x%x seq=1 ret=0", NULL, NULL,
		     id, (int)pid, MSGPORT_F_SYNC | MSGPORT_F_TIMEOUT);
}

/*
 * Queued messages of an unlinked mailbox are dropped (destroyed); a sync
 * send that times out takes its message back (withdrawn).
 */
static void test_drop(void **state)
{
	const char *name = tu_name("drop"), *name2 = tu_name("withdraw");
	struct msgport_mailbox *mb = tu_create(name, 8, 1024, 0600, 0);
	struct msgport_mailbox *mb2 = tu_create(name2, 8, 1024, 0600, 0);
	char buf[LEN] = "dropped";
	int me = (int)getpid();

	trace_begin();
	assert_int_equal(msgport_send(mb, buf, LEN, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_send(mb, buf, LEN / 2, 5, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_int_equal(msgport_send(mb2, buf, LEN, 0, MSGPORT_F_SYNC, 10 * 1000000LL, NULL),
			 -ETIMEDOUT);
	trace_read();
	assert_trace(1, "msgport_drop", "mbox=%08x inbox=0 sender=%d len=%d seq=1 why=destroyed",
		     NULL, NULL, mbox_id(name), me, LEN);
	assert_trace(1, "msgport_drop", "mbox=%08x sender=%d len=%d seq=2 why=destroyed", NULL,
		     NULL, mbox_id(name), me, LEN / 2);
	assert_trace(1, "msgport_drop", "mbox=%08x sender=%d len=%d seq=1 why=withdrawn", NULL,
		     NULL, mbox_id(name2), me, LEN);
	assert_trace(1, "msgport_send", "mbox=%08x tgid=%d seq=0 ret=%d", NULL, NULL,
		     mbox_id(name2), me, -ETIMEDOUT);
}

/*
 * A leased message refused by its holder (MSGPORT_COMMIT_REFUSE): dropped
 * (rejected), its sync sender woken with the holder's errno (rejected).
 */
static void test_drop_rejected(void **state)
{
	const char *name = tu_name("reject");
	struct msgport_mailbox *mb = tu_create(name, 8, 1024, 0600, 0);
	uint32_t id = mbox_id(name);
	struct msgport_recvmsg m;
	char buf[LEN];
	pid_t pid;

	trace_begin();
	pid = tu_fork(child_send_refused, mb);
	assert_await(mb, TU_QUEUED_MSGS, 1);
	memset(&m, 0, sizeof(m));
	m.buf = buf;
	m.len = sizeof(buf);
	m.flags = MSGPORT_F_LEASE;
	m.timeout_ns = TIMEOUT;
	assert_int_equal(msgport_recv_relay(mb, &m, NULL), LEN);
	assert_int_equal(tu_await_sleeping(pid, TU_AWAIT_MS), 0);
	assert_int_equal(msgport_commit_refuse(mb, m.info.seq, EACCES), 0);
	assert_child_ok(pid);
	trace_read();
	assert_trace(1, "msgport_wake", "mbox=%08x pid=%d why=rejected", NULL, NULL, id, (int)pid);
	assert_trace(1, "msgport_drop", "mbox=%08x sender=%d len=%d seq=1 why=rejected", NULL,
		     NULL, id, (int)pid, LEN);
	assert_trace(1, "msgport_send", "mbox=%08x tgid=%d seq=0 ret=%d", NULL, NULL, id,
		     (int)pid, -EACCES);
}

/* A send over max_user_bytes: the refusal, with what was asked and held. */
static void test_quota_refused(void **state)
{
	const char *name = tu_name("quota");
	struct msgport_mailbox *mb;
	size_t charge = tu_msg_charge(LEN);
	unsigned long long limit = 3 * charge + charge / 2;
	long long held = -1, asked = -1;
	char buf[LEN] = "quota";
	int i, ret = 0;

	mb = tu_create(name, MSGPORT_CAPACITY_UNBOUNDED, 1024, 0600, 0);
	trace_begin();
	tu_param_set("max_user_bytes", limit);
	for (i = 0; i < 16; i++) {
		ret = msgport_send(mb, buf, LEN, 0, MSGPORT_F_NONBLOCK, 0, NULL);
		if (ret < 0)
			break;
	}
	assert_int_equal(ret, -EDQUOT);
	trace_read();
	/* The sends that went, then the one refused. */
	assert_trace(i, "msgport_send", "mbox=%08x ret=0", NULL, NULL, mbox_id(name));
	assert_trace(1, "msgport_send", "mbox=%08x seq=0 ret=%d", NULL, NULL, mbox_id(name),
		     -EDQUOT);
	assert_trace(1, "msgport_quota_refused", "uid=0 asked=%zu limit=%llu", "held", &held,
		     charge, limit);
	assert_trace(1, "msgport_quota_refused", "uid=0", "asked", &asked);
	assert_int_equal(asked, charge);
	assert_true(held >= (long long)(i * charge));
	assert_true((unsigned long long)held <= limit);
	assert_true((unsigned long long)held + charge > limit);
}

/*
 * Events disabled record nothing; one event enabled records only itself.
 */
static void test_disabled(void **state)
{
	const char *name = tu_name("off");
	struct msgport_mailbox *mb = tu_create(name, 8, 1024, 0600, 0);
	uint32_t id = mbox_id(name);
	char buf[LEN] = "unseen";

	trace_begin();
	trace_write("events/msgport/enable", "0");
	assert_int_equal(msgport_send(mb, buf, LEN, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), LEN);
	trace_read();
	assert_trace(0, "msgport_send", "mbox=%08x", NULL, NULL, id);
	assert_trace(0, "msgport_recv", "mbox=%08x", NULL, NULL, id);

	trace_write("events/msgport/msgport_send/enable", "1");
	assert_int_equal(msgport_send(mb, buf, LEN, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), LEN);
	trace_read();
	assert_trace(1, "msgport_send", "mbox=%08x seq=2 ret=0", NULL, NULL, id);
	assert_trace(0, "msgport_recv", "mbox=%08x", NULL, NULL, id);
}

#define TRACE_TEST(f) cmocka_unit_test_setup_teardown(f, tu_setup, trace_teardown)

static const struct CMUnitTest trace_tests[] = {
	TRACE_TEST(test_formats),
	TRACE_TEST(test_send_recv),
	TRACE_TEST(test_inbox),
	TRACE_TEST(test_wake_handoff),
	TRACE_TEST(test_wake_room),
	TRACE_TEST(test_wake_receipt),
	TRACE_TEST(test_wake_help),
	TRACE_TEST(test_help),
	TRACE_TEST(test_help_given_back),
	TRACE_TEST(test_help_past_receiver_for_another),
	TRACE_TEST(test_help_only_by_sending_process),
	TRACE_TEST(test_drop),
	TRACE_TEST(test_drop_rejected),
	TRACE_TEST(test_quota_refused),
	TRACE_TEST(test_disabled),
};

MSGPORT_SUITE(trace_suite, MSGPORT_GROUP_MODULE, 1470, "trace",
	      "tracepoints: send, receive, wake-up, drop, quota refusal (tracefs)", trace_tests);
