// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-smoke: a short end-to-end check of a loaded msgport.ko, for a
 * kernel the cmocka suite does not run on (make check-kernels boots
 * Debian's arm64 kernel in qemu-system-aarch64 with it: tests/vm/smoke-arm64).
 * Built statically against libmsgport, with no other dependency, so that it
 * runs from a bare initramfs of any architecture.
 *
 * With --module KO it first loads that msgport.ko (finit_module(2)), and
 * unloads it at the end (delete_module(2)), once everything it opened is
 * closed.  In between it opens the device (the ABI version handshake), then
 * a mailbox: creates it, sends three messages and receives them in priority
 * order with their kernel-stamped metadata, finds it empty (EAGAIN), maps its
 * shared region twice and sees a write through one mapping in the other,
 * sends to its own inbox by pid, answers a call from a forked child, has a
 * child in a new IPC namespace make a mailbox of the same name (its own) and
 * die, and sees that namespace's mailbox go (debugfs msgport/objects), and
 * unlinks the mailbox.  Each check prints `ok N - what` or `not ok N - what:
 * why`; the last line is `N passed, N failed`.  Exit status 0 only if every
 * check passed, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmsgport.h>

static int passed, failed;

static void check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok %d - %s\n", passed + failed + 1, what);
		passed++;
		return;
	}
	printf("not ok %d - %s: ", passed + failed + 1, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed++;
}

static void check_err(int err, const char *what)
{
	check(err == 0, what, "%s", err < 0 ? msgport_strerror(err) : "unexpected result");
}

static void load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	check(fd >= 0 && syscall(SYS_finit_module, fd, "", 0) == 0, "load the module",
	      "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void unload(void)
{
	check(syscall(SYS_delete_module, "msgport", O_NONBLOCK) == 0,
	      "unload the module, nothing left open", "%s", strerror(errno));
}

/* The child: call the mailbox's server (the parent) once. */
static int caller(struct msgport_mailbox *mb)
{
	char reply[16];
	ssize_t n;

	n = msgport_call(mb, "ping", 4, reply, sizeof(reply), 0, 0, 10000000000LL, NULL);
	return n == 4 && !memcmp(reply, "pong", 4) ? 0 : 1;
}

static void messages(struct msgport *mp, struct msgport_mailbox *mb)
{
	static const struct { const char *text; unsigned int prio; } order[] = {
		{ "high", 7 }, { "first", 1 }, { "second", 1 },
	};
	struct msgport_msginfo info;
	char buf[64];
	unsigned int i;
	ssize_t n;

	check_err(msgport_send(mb, "first", 5, 1, 0, MSGPORT_WAIT_FOREVER, NULL), "send, priority 1");
	check_err(msgport_send(mb, "second", 6, 1, 0, MSGPORT_WAIT_FOREVER, NULL), "send, priority 1");
	check_err(msgport_send(mb, "high", 4, 7, 0, MSGPORT_WAIT_FOREVER, NULL), "send, priority 7");
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		memset(&info, 0, sizeof(info));
		n = msgport_recv(mb, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, &info);
		check(n == (ssize_t)strlen(order[i].text) && !memcmp(buf, order[i].text, (size_t)n) &&
		      info.priority == order[i].prio && info.pid == getpid(),
		      "receive in priority order, FIFO within one, with the sender's pid",
		      "got %zd bytes, priority %u, pid %d", n, info.priority, info.pid);
	}
	n = msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, NULL);
	check(n == -EAGAIN, "non-blocking receive of an empty mailbox: EAGAIN", "%zd", n);
	(void)mp;
}

static void region(struct msgport_mailbox *mb)
{
	struct msgport_region *r1 = NULL, *r2 = NULL;
	int err;

	err = msgport_region_map(mb, &r1);
	check_err(err, "map the region");
	if (!err)
		err = msgport_region_map(mb, &r2);
	check_err(err, "map it again");
	if (!err) {
		strcpy((char *)msgport_region_addr(r1) + 100, "shared");
		check(!strcmp((char *)msgport_region_addr(r2) + 100, "shared"),
		      "a write through one mapping is seen in the other", "not seen");
	}
	if (r2)
		msgport_region_unmap(r2);
	if (r1)
		msgport_region_unmap(r1);
}

static void inbox(struct msgport *mp)
{
	struct msgport_mailbox *in;
	char buf[16];
	ssize_t n;
	int err;

	err = msgport_inbox_open(mp, NULL, 0, &in);
	check_err(err, "open the process's inbox");
	if (err)
		return;
	check_err(msgport_send_pid(mp, getpid(), "direct", 6, 0, 0, MSGPORT_WAIT_FOREVER, NULL),
		  "send to a process by pid");
	n = msgport_recv(in, buf, sizeof(buf), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, NULL);
	check(n == 6 && !memcmp(buf, "direct", 6), "receive it from the inbox", "%zd", n);
	msgport_mailbox_close(in);
	n = msgport_send_pid(mp, getpid(), "x", 1, 0, MSGPORT_F_NONBLOCK, 0, NULL);
	check(n == -ECONNREFUSED, "the closed inbox refuses: ECONNREFUSED", "%zd", n);
}

static void call(struct msgport_mailbox *mb)
{
	struct msgport_msginfo info;
	char buf[16];
	int status;
	pid_t pid;
	ssize_t n;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(caller(mb));
	check(pid > 0, "fork a caller", "%s", strerror(errno));
	if (pid < 0)
		return;
	n = msgport_recv(mb, buf, sizeof(buf), 0, 10000000000LL, &info);
	check(n == 4 && (info.msg_flags & MSGPORT_MSG_CALL) && info.pid == pid,
	      "receive a call from the child", "%zd, flags %#x, pid %d", n, info.msg_flags, info.pid);
	if (n == 4)
		check_err(msgport_reply(mb, info.token, "pong", 4), "reply to it");
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the caller got the reply", "status %#x", status);
}

/* debugfs msgport/objects' mailbox count, or -1. */
static long mailboxes(void)
{
	FILE *f = fopen("/sys/kernel/debug/msgport/objects", "re");
	char key[32];
	long v, n = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%31s %ld", key, &v) == 2) {
		if (!strcmp(key, "mailboxes")) {
			n = v;
			break;
		}
	}
	fclose(f);
	return n;
}

/* Child: a new IPC namespace, where "smoke" is free, then its own "smoke". */
static int other_namespace(struct msgport *mp)
{
	struct msgport_attr attr = { .capacity = 2, .mode = 0600, .region_size = 4096 };
	struct msgport_mailbox *mb = NULL;

	if (unshare(CLONE_NEWIPC))
		return 1;
	if (msgport_mailbox_open(mp, "smoke", MSGPORT_O_RECV, NULL, &mb) != -ENOENT)
		return 2;
	if (msgport_mailbox_open(mp, "smoke", MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_RECV |
				 MSGPORT_O_SEND, &attr, &mb))
		return 3;
	if (msgport_send(mb, "left", 4, 0, MSGPORT_F_NONBLOCK, 0, NULL))
		return 4;
	return 0;	/* the namespace dies with this process */
}

static void namespaces(struct msgport *mp)
{
	long before, now;
	int status, i;
	pid_t pid;

	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);	/* if not yet */
	before = mailboxes();
	check(before >= 1, "count the mailboxes (debugfs msgport/objects)", "%ld", before);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(other_namespace(mp));
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0,
	      "a child in a new IPC namespace does not see \"smoke\" and makes its own",
	      "status %#x", status);
	for (i = 0, now = mailboxes(); i < 200 && now > before; i++, now = mailboxes())
		usleep(50000);
	check(now == before, "the dead namespace's mailbox goes", "%ld mailboxes, %ld before",
	      now, before);
}

int main(int argc, char **argv)
{
	struct msgport_attr attr = { .capacity = 8, .mode = 0600, .region_size = 4096 };
	struct msgport_mailbox *mb = NULL;
	struct msgport *mp = NULL;
	int err;

	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *module = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			module = optarg;
			break;
		case 'h':
			printf("Usage: %s [--module MSGPORT.KO]\n"
			       "A short check of the msgport module: with --module, loaded first and\n"
			       "unloaded at the end.  One line per check, then N passed, N failed.\n",
			       argv[0]);
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", argv[0], argv[optind]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (module)
		load(module);
	err = msgport_open(NULL, &mp);
	check_err(err, "open /dev/msgport (ABI version handshake)");
	if (!err)
		err = msgport_mailbox_open(mp, "smoke", MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_SEND |
					   MSGPORT_O_RECV, &attr, &mb);
	check_err(err, "create a mailbox with a region");
	if (!err) {
		messages(mp, mb);
		region(mb);
		inbox(mp);
		call(mb);
		namespaces(mp);
		msgport_mailbox_close(mb);
		check_err(msgport_mailbox_unlink(mp, "smoke"), "unlink the mailbox");
	}
	if (mp)
		msgport_close(mp);
	if (module)
		unload();
	printf("%d passed, %d failed\n", passed, failed);
	return failed || !passed;
}
