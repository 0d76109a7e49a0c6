// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "fds": messages that carry open descriptors (msgport_send_fds(),
 * msgport_recv_fds()), as SCM_RIGHTS: the receiver gets new descriptors of
 * the same open files, close-on-exec when it asks; one that does not ask
 * gets the payload and MSGPORT_MSG_FDS_DROPPED (the files are closed); too
 * little room is EMSGSIZE (or TRUNC); RLIMIT_NOFILE at receipt; the
 * in-flight limit per user (ETOOMANYREFS) as an unprivileged user; what may
 * not travel (a mailbox's receiving end, an inbox, AF_UNIX, io_uring); a
 * send-only mailbox handle passed to another user; a mailbox's own handle
 * sent into itself is freed with it.
 */
#include <fcntl.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msgport_test.h"

static int send_fds(struct msgport_mailbox *mb, const char *text, const int *fds,
		    unsigned int nfds)
{
	struct msgport_sendmsg m = { .buf = text, .len = strlen(text), .fds = fds,
				     .nfds = nfds, .timeout_ns = 0 };

	return msgport_send_fds(mb, &m);
}

/* Receive (non-blocking) into @fds (room @room): the byte count; *@m has the rest. */
static ssize_t recv_fds(struct msgport_mailbox *mb, int *fds, unsigned int room,
			unsigned int flags, struct msgport_recvmsg *m, char *buf, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->len = len;
	m->fds = fds;
	m->nfds = room;
	m->flags = flags | MSGPORT_F_NONBLOCK;
	m->timeout_ns = 0;
	return msgport_recv_fds(mb, m);
}

static void same_file(int a, int b)
{
	struct stat sa, sb;

	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	assert_true(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

static int memfd_with(const char *text)
{
	int fd = (int)syscall(SYS_memfd_create, "fds-test", 0);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return tu_track_fd(fd);
}

/* Two files travel; the receiver's new descriptors reach the same open files. */
static void test_pass_files(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("fds"), 4, 64, 0600, 0);
	int p[2], mem = memfd_with("in memory"), got[4];
	struct msgport_recvmsg m;
	char buf[64];

	assert_int_equal(pipe(p), 0);
	tu_track_fd(p[0]);
	assert_int_equal(send_fds(mb, "two files", (int[]){ p[1], mem }, 2), 0);
	close(p[1]);		/* the message holds the write end now */
	assert_int_equal(recv_fds(mb, got, 4, 0, &m, buf, sizeof(buf)), 9);
	assert_int_equal(m.nfds_received, 2);
	assert_int_equal(m.info.msg_flags, MSGPORT_MSG_FDS);
	tu_track_fd(got[0]);
	tu_track_fd(got[1]);
	same_file(got[1], mem);
	assert_int_equal(pread(got[1], buf, 9, 0), 9);
	assert_memory_equal(buf, "in memory", 9);
	assert_int_equal(write(got[0], "through", 7), 7);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 7);
	/* Not close-on-exec unless asked. */
	assert_int_equal(fcntl(got[0], F_GETFD) & FD_CLOEXEC, 0);

	assert_int_equal(send_fds(mb, "again", &mem, 1), 0);
	assert_int_equal(recv_fds(mb, got, 1, MSGPORT_F_CLOEXEC, &m, buf, sizeof(buf)), 5);
	tu_track_fd(got[0]);
	assert_true(fcntl(got[0], F_GETFD) & FD_CLOEXEC);
	same_file(got[0], mem);
}

/* A receiver that does not ask gets the payload; the files are closed. */
static void test_dropped_when_not_asked(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("fdsdrop"), 4, 64, 0600, 0);
	struct msgport_batch_msg bm;
	struct msgport_msginfo info;
	int p[2], p2[2];
	char buf[64];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(p2), 0);
	tu_track_fd(p[0]);
	tu_track_fd(p2[0]);
	assert_int_equal(send_fds(mb, "plain", &p[1], 1), 0);
	assert_int_equal(send_fds(mb, "read", &p2[1], 1), 0);
	close(p[1]);
	close(p2[1]);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, &info), 5);
	assert_int_equal(info.msg_flags, MSGPORT_MSG_FDS | MSGPORT_MSG_FDS_DROPPED);
	/* Its only write end was closed with it: the reader sees end of file. */
	assert_int_equal(read(p[0], buf, sizeof(buf)), 0);
	/* read(2) drops them too. */
	assert_int_equal(read(msgport_mailbox_fd(mb), buf, sizeof(buf)), 4);
	assert_int_equal(read(p2[0], buf, sizeof(buf)), 0);

	/* A batch receive as well. */
	assert_int_equal(pipe(p), 0);
	tu_track_fd(p[0]);
	assert_int_equal(send_fds(mb, "batch", &p[1], 1), 0);
	close(p[1]);
	memset(&bm, 0, sizeof(bm));
	bm.buf = buf;
	bm.len = sizeof(buf);
	assert_int_equal(msgport_recv_batch(mb, &bm, 1, MSGPORT_F_NONBLOCK, 0), 1);
	assert_int_equal(bm.info.msg_flags, MSGPORT_MSG_FDS | MSGPORT_MSG_FDS_DROPPED);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 0);
}

/* Too little room: EMSGSIZE and the message stays, or TRUNC takes what fits. */
static void test_room(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("fdsroom"), 4, 64, 0600, 0);
	int mem = memfd_with("x"), got[4];
	struct msgport_recvmsg m;
	struct msgport_stat st;
	char buf[64];

	assert_int_equal(send_fds(mb, "three", (int[]){ mem, mem, mem }, 3), 0);
	assert_errno((int)recv_fds(mb, got, 2, 0, &m, buf, sizeof(buf)), EMSGSIZE);
	assert_int_equal(m.nfds_received, 3);
	/* It stays queued: nothing dropped. */
	assert_int_equal(m.info.msg_flags, MSGPORT_MSG_FDS);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.queued_msgs, 1);
	/* A peek installs nothing and drops nothing. */
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_PEEK | MSGPORT_F_NONBLOCK, 0,
				      &m.info), 5);
	assert_int_equal(m.info.msg_flags, MSGPORT_MSG_FDS);
	assert_int_equal(recv_fds(mb, got, 2, MSGPORT_F_TRUNC, &m, buf, sizeof(buf)), 5);
	assert_int_equal(m.nfds_received, 2);
	assert_int_equal(m.info.msg_flags, MSGPORT_MSG_FDS | MSGPORT_MSG_FDS_DROPPED);
	tu_track_fd(got[0]);
	tu_track_fd(got[1]);
	same_file(got[1], mem);
	/* A message without descriptors: none received. */
	assert_int_equal(msgport_send(mb, "none", 4, 0, 0, 0, NULL), 0);
	got[0] = -7;
	assert_int_equal(recv_fds(mb, got, 2, 0, &m, buf, sizeof(buf)), 4);
	assert_int_equal(m.nfds_received, 0);
	assert_int_equal(m.info.msg_flags, 0);
}

/* What may not travel, and bad descriptors. */
static void test_refused(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("fdsno"), 4, 64, 0600, 0);
	struct msgport_mailbox *in = tu_inbox(NULL), *tx = NULL, *dup0 = NULL;
	int sv[2], uring, mem = memfd_with("m");
	struct io_uring_params params;
	struct msgport_stat st;

	/* The receiving end of a mailbox (this one, even), an inbox. */
	assert_errno(send_fds(mb, "self", (int[]){ msgport_mailbox_fd(mb) }, 1), EINVAL);
	assert_errno(send_fds(mb, "inbox", (int[]){ msgport_mailbox_fd(in) }, 1), EINVAL);
	/* A send-only handle (and a stat-only one) may. */
	assert_int_equal(msgport_mailbox_dup(mb, MSGPORT_O_SEND, 0, &tx), 0);
	tu_track_mailbox(tx);
	assert_int_equal(msgport_mailbox_dup(mb, 0, 0, &dup0), 0);
	tu_track_mailbox(dup0);
	assert_int_equal(send_fds(mb, "caps", (int[]){ msgport_mailbox_fd(tx),
						       msgport_mailbox_fd(dup0) }, 2), 0);
	/* An ephemeral named mailbox's: it lives while descriptors do. */
	{
		struct msgport_mailbox *eph = tu_create(tu_name("fdseph"), 4, 64, 0600,
							MSGPORT_O_EPHEMERAL);
		struct msgport_mailbox *etx = NULL;

		assert_int_equal(msgport_mailbox_dup(eph, MSGPORT_O_SEND, 0, &etx), 0);
		tu_track_mailbox(etx);
		assert_errno(send_fds(mb, "eph", (int[]){ msgport_mailbox_fd(etx) }, 1), EINVAL);
	}
	/* What pins a namespace: its /proc file, an inotify instance. */
	{
		int ns = tu_track_fd(open("/proc/self/ns/ipc", O_RDONLY | O_CLOEXEC));
		int ino = tu_track_fd(inotify_init1(IN_CLOEXEC));
		int opath = tu_track_fd(open("/", O_PATH | O_CLOEXEC));

		assert_true(ns >= 0 && ino >= 0 && opath >= 0);
		assert_errno(send_fds(mb, "ns", &ns, 1), EINVAL);
		assert_errno(send_fds(mb, "inotify", &ino, 1), EINVAL);
		/* A filesystem context (an mqueue one holds the IPC namespace). */
		{
			int fsc = (int)syscall(__NR_fsopen, "mqueue", 1 /* FSOPEN_CLOEXEC */);

			if (fsc >= 0) {
				tu_track_fd(fsc);
				assert_errno(send_fds(mb, "fscontext", &fsc, 1), EINVAL);
			} else {
				print_message("note: fsopen: %s; its refusal is not checked here\n",
					      strerror(errno));
			}
		}
		/* O_PATH: no open file to pass. */
		assert_errno(send_fds(mb, "path", &opath, 1), EBADF);
	}
	/* AF_UNIX sockets (they carry descriptors of their own). */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	tu_track_fd(sv[0]);
	tu_track_fd(sv[1]);
	assert_errno(send_fds(mb, "unix", &sv[0], 1), EINVAL);
	/* io_uring, if this kernel lets us make one. */
	memset(&params, 0, sizeof(params));
	uring = (int)syscall(__NR_io_uring_setup, 4, &params);
	if (uring >= 0) {
		tu_track_fd(uring);
		assert_errno(send_fds(mb, "uring", &uring, 1), EINVAL);
	} else {
		print_message("note: io_uring_setup: %s; its refusal is not checked here\n",
			      strerror(errno));
	}
	/* A descriptor that is not open; one bad among good ones. */
	assert_errno(send_fds(mb, "bad", (int[]){ 1000000 }, 1), EBADF);
	assert_errno(send_fds(mb, "bad", (int[]){ mem, -1 }, 2), EBADF);
	assert_errno(send_fds(mb, "many", (int[MSGPORT_FDS_MAX + 1]){ 0 },
			      MSGPORT_FDS_MAX + 1), EINVAL);
	/* Nothing of those was queued; the good one is. */
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.queued_msgs, 1);
}

struct waiting_recv {
	struct msgport_mailbox *mb;
	unsigned int room;
	ssize_t ret;
	struct msgport_recvmsg m;
	int got[4];
	char buf[32];
};

static void *recv_blocking(void *arg)
{
	struct waiting_recv *w = arg;

	memset(&w->m, 0, sizeof(w->m));
	w->m.buf = w->buf;
	w->m.len = sizeof(w->buf);
	w->m.fds = w->got;
	w->m.nfds = w->room;
	w->m.timeout_ns = 5000000000LL;
	w->ret = msgport_recv_fds(w->mb, &w->m);
	return NULL;
}

/*
 * A receiver already waiting: one with room takes a message straight from
 * its sender, on a rendezvous too; one with too little room is not handed
 * the message but told (EMSGSIZE), and the message stays.
 */
static void test_waiting_receiver(void **state)
{
	struct msgport_mailbox *rv = tu_create(tu_name("fdsrv"), 0, 64, 0600, 0);
	struct msgport_mailbox *mb = tu_create(tu_name("fdswait"), 4, 64, 0600, 0);
	struct waiting_recv w = { .mb = rv, .room = 4 };
	int mem = memfd_with("w");
	struct msgport_stat st;
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, recv_blocking, &w), 0);
	assert_await(rv, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(send_fds(rv, "handed", (int[]){ mem, mem }, 2), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.ret, 6);
	assert_int_equal(w.m.nfds_received, 2);
	tu_track_fd(w.got[0]);
	tu_track_fd(w.got[1]);
	same_file(w.got[1], mem);

	w.mb = mb;
	w.room = 1;
	assert_int_equal(pthread_create(&th, NULL, recv_blocking, &w), 0);
	assert_await(mb, TU_WAITING_RECEIVERS, 1);
	assert_int_equal(send_fds(mb, "too many", (int[]){ mem, mem }, 2), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w.ret, -EMSGSIZE);
	assert_int_equal(w.m.nfds_received, 2);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.queued_msgs, 1);
}

/* RLIMIT_NOFILE at receipt: what does not fit is dropped, and said. */
static int child_low_rlimit(void *arg)
{
	struct msgport_mailbox *mb = arg;
	struct rlimit rl;
	struct msgport_recvmsg m;
	int got[4], fd;
	char buf[64];

	/* Room for one more descriptor than this process has open now. */
	fd = dup(0);
	CHILD_CHECK(fd >= 0);
	close(fd);
	rl.rlim_cur = rl.rlim_max = (rlim_t)fd + 1;
	CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHILD_CHECK(recv_fds(mb, got, 4, 0, &m, buf, sizeof(buf)) == 3);
	CHILD_CHECK(m.nfds_received == 1);
	CHILD_CHECK(m.info.msg_flags == (MSGPORT_MSG_FDS | MSGPORT_MSG_FDS_DROPPED));
	CHILD_CHECK(got[0] == fd);
	return 0;
}

static void test_rlimit_at_receipt(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("fdsrlim"), 4, 64, 0600, 0);
	int mem = memfd_with("r");

	assert_int_equal(send_fds(mb, "fit", (int[]){ mem, mem, mem }, 3), 0);
	assert_child_ok(tu_fork(child_low_rlimit, mb));
}

/* In flight per user: at most its RLIMIT_NOFILE, then ETOOMANYREFS. */
static int child_inflight(void *arg)
{
	const char *name = arg;
	struct msgport_mailbox *mb;
	struct msgport *mp;
	struct msgport_msginfo info;
	struct rlimit rl = { .rlim_cur = 64, .rlim_max = 64 };
	int fds[MSGPORT_FDS_MAX], i, ret;
	char buf[16];

	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	CHILD_CHECK(msgport_mailbox_open(mp, name, MSGPORT_O_RECV | MSGPORT_O_SEND, NULL,
					 &mb) == 0);
	for (i = 0; i < MSGPORT_FDS_MAX; i++)
		fds[i] = 0;	/* standard input, 16 times: 16 files in flight a message */
	for (i = 0; i < 4; i++)
		CHILD_CHECK(send_fds(mb, "x", fds, MSGPORT_FDS_MAX) == 0);
	/* 64 in flight: the limit. */
	ret = send_fds(mb, "x", fds, 1);
	CHILD_CHECK(ret == -ETOOMANYREFS);
	/* A received message gives its back (they are closed: not asked). */
	CHILD_CHECK(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, &info) == 1);
	CHILD_CHECK(info.msg_flags & MSGPORT_MSG_FDS_DROPPED);
	CHILD_CHECK(send_fds(mb, "x", fds, MSGPORT_FDS_MAX) == 0);
	CHILD_CHECK(send_fds(mb, "x", fds, 1) == -ETOOMANYREFS);
	return 0;
}

static void test_inflight_limit(void **state)
{
	const char *name = tu_name("fdsinflight");

	tu_create(name, 8, 64, 0666, 0);
	assert_child_ok(tu_fork(child_inflight, (void *)name));
}

/* A send-only capability to a private mailbox, handed to another user. */
static int child_server(void *arg)
{
	const char *name = arg;
	struct msgport_mailbox *mb, *reply;
	struct msgport_recvmsg m;
	struct msgport *mp;
	int got[1];
	char buf[64];

	CHILD_CHECK(tu_drop_privileges() == 0);
	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	CHILD_CHECK(msgport_mailbox_open(mp, name, MSGPORT_O_RECV, NULL, &mb) == 0);
	memset(&m, 0, sizeof(m));
	m.buf = buf;
	m.len = sizeof(buf);
	m.fds = got;
	m.nfds = 1;
	m.timeout_ns = MSGPORT_WAIT_FOREVER;
	CHILD_CHECK(msgport_recv_fds(mb, &m) == 5);
	CHILD_CHECK(m.nfds_received == 1);
	/* The descriptor is a send-only handle of the client's mailbox. */
	reply = NULL;
	CHILD_CHECK(msgport_mailbox_from_fd(got[0], &reply) == 0);
	CHILD_CHECK(msgport_send(reply, "pong", 4, 0, 0, 0, NULL) == 0);
	CHILD_CHECK(msgport_recv(reply, buf, sizeof(buf), MSGPORT_F_NONBLOCK, 0, NULL) == -EBADF);
	return 0;
}

static void test_reply_capability(void **state)
{
	const char *name = tu_name("fdsserver");
	struct msgport_mailbox *srv = tu_create(name, 4, 64, 0666, 0);
	struct msgport_mailbox *priv = NULL, *tx = NULL;
	struct msgport_attr attr = { .capacity = 4, .mode = 0600 };
	char buf[64];
	pid_t pid;

	assert_int_equal(msgport_mailbox_create_anon(tu_mp(), MSGPORT_O_RECV | MSGPORT_O_SEND,
						     &attr, &priv), 0);
	tu_track_mailbox(priv);
	assert_int_equal(msgport_mailbox_dup(priv, MSGPORT_O_SEND, 0, &tx), 0);
	pid = tu_fork(child_server, (void *)name);
	assert_int_equal(send_fds(srv, "ping!", (int[]){ msgport_mailbox_fd(tx) }, 1), 0);
	msgport_mailbox_close(tx);
	assert_child_ok(pid);
	assert_int_equal(msgport_recv(priv, buf, sizeof(buf), 0, MSGPORT_WAIT_FOREVER, NULL), 4);
	assert_memory_equal(buf, "pong", 4);
}

/* A mailbox's own send-only handle sent into it dies with it: nothing leaks. */
static void test_self_reference_freed(void **state)
{
	struct msgport_attr attr = { .capacity = 4, .mode = 0600 };
	struct msgport_mailbox *mb = NULL, *tx = NULL;
	long before, after;
	int i;

	assert_int_equal(tu_objects_read("mailboxes", &before), 0);
	assert_int_equal(msgport_mailbox_create_anon(tu_mp(), MSGPORT_O_RECV | MSGPORT_O_SEND,
						     &attr, &mb), 0);
	assert_int_equal(msgport_mailbox_dup(mb, MSGPORT_O_SEND, 0, &tx), 0);
	assert_int_equal(send_fds(mb, "me", (int[]){ msgport_mailbox_fd(tx) }, 1), 0);
	msgport_mailbox_close(tx);
	msgport_mailbox_close(mb);
	/* The last file may be closed asynchronously (fput's work): wait a moment. */
	for (i = 0; i < 200; i++) {
		assert_int_equal(tu_objects_read("mailboxes", &after), 0);
		if (after == before)
			break;
		usleep(10000);
	}
	assert_int_equal(after, before);
}

/* Topics carry no descriptors. */
static void test_topic_refuses(void **state)
{
	struct msgport_attr attr = { .capacity = 4, .mode = 0600 };
	struct msgport_mailbox *t = NULL;
	int mem = memfd_with("t");

	assert_int_equal(msgport_mailbox_open(tu_mp(), tu_name("fdstopic"), MSGPORT_O_CREAT |
					      MSGPORT_O_SEND | MSGPORT_O_TOPIC, &attr, &t), 0);
	tu_track_mailbox(t);
	assert_errno(send_fds(t, "t", &mem, 1), EINVAL);
}

/* The example: each client answered in its own mailbox (examples/fd_reply.c). */
static void test_example(void **state)
{
	char out[8192];

	tu_capture_sh("example-fd-reply 4 2>&1", out, sizeof(out));
	if (!strstr(out, "4 clients, each answered in its own mailbox") ||
	    !strstr(out, "client 3 (pid") || !strstr(out, "answer to \"client 3\""))
		fail_msg("example-fd-reply said:\n%s", out);
}

static const struct CMUnitTest fds_tests[] = {
	TU_TEST(test_pass_files),
	TU_TEST(test_dropped_when_not_asked),
	TU_TEST(test_room),
	TU_TEST(test_refused),
	TU_TEST(test_waiting_receiver),
	TU_TEST(test_rlimit_at_receipt),
	TU_TEST(test_inflight_limit),
	TU_TEST(test_reply_capability),
	TU_TEST(test_self_reference_freed),
	TU_TEST(test_topic_refuses),
	TU_TEST(test_example),
};

MSGPORT_SUITE(fds_suite, MSGPORT_GROUP_MODULE, 1490, "fds",
	      "descriptor passing: files travel, dropped, room, rlimits, what may not travel",
	      fds_tests);
