// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "mailbox-basic": mailboxes in normal use: create/open/unlink,
 * message boundaries, priority order, peek, truncate, zero-length messages,
 * kernel-stamped metadata, read(2)/write(2), descriptor flags, ephemeral and
 * persistent mailboxes, stat counters and /proc/msgport.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "msgport_test.h"

#define RW (MSGPORT_O_RECV | MSGPORT_O_SEND)

static void send_str(struct msgport_mailbox *mb, const char *s, unsigned int prio)
{
	int ret = msgport_send(mb, s, strlen(s), prio, 0, MSGPORT_WAIT_FOREVER, NULL);

	if (ret < 0)
		fail_msg("send \"%s\": %s", s, msgport_strerror(ret));
}

/* Receive one message without blocking and compare it with s. */
static void recv_expect(struct msgport_mailbox *mb, const char *s)
{
	char buf[512];
	ssize_t n;

	n = msgport_recv(mb, buf, sizeof(buf) - 1, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, NULL);
	if (n < 0)
		fail_msg("recv, expecting \"%s\": %s", s, msgport_strerror((int)n));
	buf[n] = '\0';
	assert_string_equal(buf, s);
}

static struct msgport_stat stat_of(struct msgport_mailbox *mb)
{
	struct msgport_stat st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	return st;
}

/* Create: the attributes come back in stat; the name opens; unlink removes it. */
static void test_create_open_unlink(void **state)
{
	const char *name = tu_name("cou");
	struct msgport_mailbox *mb, *mb2, *mb3 = NULL;
	struct msgport_attr other = { .capacity = 1, .max_msg_size = 0, .mode = 0666 };
	struct msgport_stat st;

	mb = tu_create(name, 7, 100, 0640, 0);
	st = stat_of(mb);
	assert_string_equal(st.name, name);
	assert_int_equal(st.uid, geteuid());
	assert_int_equal(st.gid, getegid());
	assert_int_equal(st.mode, 0640);
	assert_int_equal(st.capacity, 7);
	assert_int_equal(st.max_msg_size, 100);
	assert_int_equal(st.flags, 0);
	assert_int_equal(st.waiting_senders, 0);
	assert_int_equal(st.waiting_receivers, 0);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.queued_bytes, 0);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.received, 0);
	assert_int_equal(st.dropped, 0);

	/* Exclusive create of an existing name. */
	assert_int_equal(msgport_mailbox_open(tu_mp(), name,
					      MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW, NULL, &mb3),
			 -EEXIST);
	assert_null(mb3);

	/* Non-exclusive create opens the existing one; its attributes stay. */
	assert_int_equal(msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | RW, &other, &mb3),
			 0);
	st = stat_of(mb3);
	assert_int_equal(st.mode, 0640);
	assert_int_equal(st.capacity, 7);
	assert_int_equal(st.max_msg_size, 100);
	msgport_mailbox_close(mb3);

	/* Plain open; both descriptors are the same mailbox. */
	mb2 = tu_open(name, MSGPORT_O_RECV);
	send_str(mb, "one", 0);
	recv_expect(mb2, "one");

	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_int_equal(msgport_mailbox_open(tu_mp(), name, RW, NULL, &mb3), -ENOENT);
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), -ENOENT);
	st = stat_of(mb);
	assert_true(st.flags & MSGPORT_STAT_UNLINKED);

	/* The name is free again: a new, distinct mailbox. */
	mb3 = tu_create(name, 2, 0, 0600, 0);
	assert_int_equal(stat_of(mb3).capacity, 2);
	assert_int_equal(stat_of(mb3).flags & MSGPORT_STAT_UNLINKED, 0);
}

/*
 * The ABI header: "capacity, max_msg_size and mode are used only when the
 * call creates the mailbox (and must then be valid)": O_CREAT of an
 * existing name with attributes that would be invalid for a creation opens
 * it (as mq_open(3) ignores attr for an existing queue).
 */
static void test_open_existing_ignores_attrs(void **state)
{
	const char *name = tu_name("ignattr");
	struct msgport_mailbox *mb = tu_create(name, 3, 64, 0640, 0);
	struct msgport_attr bad = { .capacity = 1, .max_msg_size = 0xffffffffU, .mode = 07777 };
	struct msgport_mailbox *mb2 = NULL;
	int ret;

	ret = msgport_mailbox_open(tu_mp(), name, MSGPORT_O_CREAT | RW, &bad, &mb2);
	if (ret < 0)
		fail_msg("O_CREAT of existing %s with unused invalid attributes: %s", name,
			 msgport_strerror(ret));
	assert_int_equal(stat_of(mb2).mode, 0640);
	assert_int_equal(stat_of(mb2).capacity, 3);
	msgport_mailbox_close(mb2);
	(void)mb;
}

/* Open of a name that does not exist, without O_CREAT. */
static void test_open_missing_enoent(void **state)
{
	struct msgport_mailbox *mb = NULL;

	assert_int_equal(msgport_mailbox_open(tu_mp(), tu_name("missing"), RW, NULL, &mb), -ENOENT);
	assert_null(mb);
}

/* Messages keep their boundaries and bytes. */
static void test_message_boundaries(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("bound"), 16, 4096, 0600, 0);
	static unsigned char big[4096], got[4096];
	struct msgport_msginfo info;
	ssize_t n;

	send_str(mb, "a", 0);
	send_str(mb, "bb", 0);
	send_str(mb, "ccc", 0);
	tu_fill(big, sizeof(big), 1, 2);
	assert_int_equal(msgport_send(mb, big, sizeof(big), 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);

	recv_expect(mb, "a");
	recv_expect(mb, "bb");
	recv_expect(mb, "ccc");
	n = msgport_recv(mb, got, sizeof(got), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, &info);
	assert_int_equal(n, sizeof(big));
	assert_int_equal(info.len, sizeof(big));
	assert_memory_equal(got, big, sizeof(big));
	assert_int_equal(msgport_recv(mb, got, sizeof(got), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), -EAGAIN);
}

/* Highest priority first, FIFO within a priority. */
static void test_priority_order(void **state)
{
	static const struct {
		const char *text;
		unsigned int prio;
	} in[] = {
		{ "3a", 3 }, { "10a", 10 }, { "3b", 3 }, { "31a", 31 }, { "0a", 0 },
		{ "10b", 10 }, { "0b", 0 }, { "31b", 31 }, { "3c", 3 },
	};
	static const char *const out[] = {
		"31a", "31b", "10a", "10b", "3a", "3b", "3c", "0a", "0b",
	};
	struct msgport_mailbox *mb = tu_create(tu_name("prio"), 32, 0, 0600, 0);
	struct msgport_msginfo info;
	char buf[16];
	size_t i;
	ssize_t n;

	for (i = 0; i < ARRAY_SIZE(in); i++)
		send_str(mb, in[i].text, in[i].prio);
	for (i = 0; i < ARRAY_SIZE(out); i++) {
		n = msgport_recv(mb, buf, sizeof(buf) - 1, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
				 &info);
		assert_true(n > 0);
		buf[n] = '\0';
		assert_string_equal(buf, out[i]);
		assert_int_equal(info.priority, strtoul(buf, NULL, 10));
	}
}

/* Peek returns the next message and leaves it queued, also with TRUNC. */
static void test_peek(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("peek"), 4, 0, 0600, 0);
	struct msgport_msginfo info, info2;
	uint64_t seq;
	char buf[16];
	ssize_t n;

	assert_int_equal(msgport_send(mb, "hello", 5, 2, 0, MSGPORT_WAIT_FOREVER, &seq), 0);
	send_str(mb, "world", 1);

	memset(&info, 0, sizeof(info));
	n = msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_PEEK | MSGPORT_F_NONBLOCK,
			 MSGPORT_WAIT_FOREVER, &info);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(info.seq, seq);
	assert_int_equal(info.len, 5);
	assert_int_equal(info.priority, 2);
	assert_int_equal(stat_of(mb).queued_msgs, 2);
	assert_int_equal(stat_of(mb).received, 0);

	/* Peek with a short buffer: EMSGSIZE, length reported, still queued. */
	memset(&info2, 0, sizeof(info2));
	assert_int_equal(msgport_recv(mb, buf, 3, MSGPORT_F_PEEK | MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, &info2), -EMSGSIZE);
	assert_int_equal(info2.len, 5);

	/* Peek|trunc: truncated copy, true length, still queued. */
	memset(buf, 0, sizeof(buf));
	n = msgport_recv(mb, buf, 3, MSGPORT_F_PEEK | MSGPORT_F_TRUNC | MSGPORT_F_NONBLOCK,
			 MSGPORT_WAIT_FOREVER, &info2);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "hel", 3);
	assert_int_equal(info2.len, 5);
	assert_int_equal(stat_of(mb).queued_msgs, 2);

	/* The real receive gets the same message. */
	n = msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, &info2);
	assert_int_equal(n, 5);
	assert_int_equal(info2.seq, seq);
	assert_int_equal(info2.send_time_ns, info.send_time_ns);
	recv_expect(mb, "world");
}

/* A short buffer: EMSGSIZE keeps the message, TRUNC takes it and reports the true length. */
static void test_short_buffer_and_truncate(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("trunc"), 4, 0, 0600, 0);
	struct msgport_msginfo info;
	char buf[16];
	ssize_t n;

	send_str(mb, "0123456789", 7);
	send_str(mb, "next", 0);

	memset(&info, 0, sizeof(info));
	assert_int_equal(msgport_recv(mb, buf, 4, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, &info),
			 -EMSGSIZE);
	assert_int_equal(info.len, 10);
	assert_int_equal(info.priority, 7);
	assert_int_equal(stat_of(mb).queued_msgs, 2);

	/* Zero-byte buffer: the same. */
	memset(&info, 0, sizeof(info));
	assert_int_equal(msgport_recv(mb, buf, 0, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, &info),
			 -EMSGSIZE);
	assert_int_equal(info.len, 10);

	memset(buf, 0, sizeof(buf));
	memset(&info, 0, sizeof(info));
	n = msgport_recv(mb, buf, 4, MSGPORT_F_TRUNC | MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER,
			 &info);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "0123", 4);
	assert_int_equal(info.len, 10);
	assert_int_equal(stat_of(mb).queued_msgs, 1);
	/* The rest of the truncated message is gone: the next one follows. */
	recv_expect(mb, "next");
}

/* Zero-length messages are messages. */
static void test_zero_length(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("zero"), 4, 0, 0600, 0);
	struct msgport_send s;
	struct msgport_recv r;
	struct msgport_msginfo info;
	struct msgport_stat st;
	char buf[8];

	assert_int_equal(msgport_send(mb, buf, 0, 5, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	/* Raw, with a NULL buffer: nothing to copy, nothing to fault on. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_SEND, &s), 0);

	st = stat_of(mb);
	assert_int_equal(st.queued_msgs, 2);
	assert_int_equal(st.queued_bytes, 0);

	memset(&info, 0xff, sizeof(info));
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, &info), 0);
	assert_int_equal(info.len, 0);
	assert_int_equal(info.priority, 5);

	/* Raw receive of the second into a NULL, zero-length buffer. */
	memset(&r, 0, sizeof(r));
	r.flags = MSGPORT_F_NONBLOCK;
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_RECV, &r), 0);
	assert_int_equal(r.info.len, 0);
	assert_int_equal(stat_of(mb).queued_msgs, 0);
	assert_int_equal(stat_of(mb).received, 2);
}

struct thread_send {
	struct msgport_mailbox *mb;
	pid_t tid;
	uint64_t seq;
	int ret;
};

static void *thread_sender(void *arg)
{
	struct thread_send *t = arg;

	t->tid = (pid_t)syscall(SYS_gettid);
	t->ret = msgport_send(t->mb, "from-thread", 11, 9, 0, MSGPORT_WAIT_FOREVER, &t->seq);
	return NULL;
}

/* pid, tid, uid, gid, priority, seq and send time are the kernel's. */
static void test_metadata(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("meta"), 8, 0, 0600, 0);
	static struct thread_send t;
	struct msgport_msginfo info;
	uint64_t t0, t1, seq1, seq2;
	pthread_t th;
	char buf[32];

	t0 = tu_now_ns();
	assert_int_equal(msgport_send(mb, "m1", 2, 4, 0, MSGPORT_WAIT_FOREVER, &seq1), 0);
	t1 = tu_now_ns();
	assert_int_equal(seq1, 1);	/* per-mailbox, from 1 */

	memset(&t, 0, sizeof(t));
	t.mb = mb;
	assert_int_equal(pthread_create(&th, NULL, thread_sender, &t), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t.ret, 0);
	assert_true(t.tid != getpid());

	assert_int_equal(msgport_send(mb, "m3", 2, 0, 0, MSGPORT_WAIT_FOREVER, &seq2), 0);
	assert_true(t.seq > seq1);
	assert_true(seq2 > t.seq);

	memset(&info, 0xee, sizeof(info));
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, &info), 11);	/* prio 9 first */
	assert_int_equal(info.pid, getpid());
	assert_int_equal(info.tid, t.tid);
	assert_int_equal(info.seq, t.seq);
	assert_int_equal(info.priority, 9);
	assert_int_equal(info.len, 11);
	assert_int_equal(info.token, 0);
	assert_int_equal(info.span_offset, 0);
	assert_int_equal(info.msg_flags, 0);
	assert_int_equal(info.lost, 0);

	memset(&info, 0xee, sizeof(info));
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, &info), 2);
	assert_memory_equal(buf, "m1", 2);
	assert_int_equal(info.seq, seq1);
	assert_int_equal(info.pid, getpid());
	assert_int_equal(info.tid, getpid());	/* the main thread */
	assert_int_equal(info.uid, geteuid());
	assert_int_equal(info.gid, getegid());
	assert_int_equal(info.priority, 4);
	assert_int_equal(info.len, 2);
	assert_true(info.send_time_ns >= t0);
	assert_true(info.send_time_ns <= t1);

	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, &info), 2);
	assert_int_equal(info.seq, seq2);
}

/* read(2) and write(2): one whole message per call, written at priority 0. */
static void test_read_write(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("rw"), 8, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	char buf[128];

	assert_int_equal(write(fd, "first", 5), 5);
	assert_int_equal(write(fd, "second!", 7), 7);
	send_str(mb, "urgent", 1);
	assert_int_equal(stat_of(mb).queued_msgs, 3);

	assert_int_equal(read(fd, buf, sizeof(buf)), 6);	/* priority 1 beats write()'s 0 */
	assert_memory_equal(buf, "urgent", 6);
	/* A buffer too small for the message: EMSGSIZE, the message stays. */
	assert_int_equal(read(fd, buf, 3), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(stat_of(mb).queued_msgs, 2);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "first", 5);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "second!", 7);

	/* A stream of messages, as a pipe: no position to seek or read at. */
	assert_int_equal(lseek(fd, 0, SEEK_SET), -1);
	assert_int_equal(errno, ESPIPE);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), -1);
	assert_int_equal(errno, ESPIPE);
	assert_int_equal(pwrite(fd, "p", 1, 0), -1);
	assert_int_equal(errno, ESPIPE);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ESPIPE);
	assert_int_equal(stat_of(mb).queued_msgs, 0);

	/* write() beyond the mailbox's max_msg_size. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(write(fd, buf, 65), -1);
	assert_int_equal(errno, EMSGSIZE);

	/* Empty, with O_NONBLOCK set by fcntl: EAGAIN. */
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	/* Full, with O_NONBLOCK: write() EAGAIN. */
	while (write(fd, "f", 1) == 1)
		;
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(stat_of(mb).queued_msgs, 8);
}

/* MSGPORT_O_NONBLOCK and MSGPORT_O_CLOEXEC set the descriptor's flags. */
static void test_descriptor_flags(void **state)
{
	const char *name = tu_name("fdflags");
	struct msgport_mailbox *mb = tu_create(name, 1, 0, 0600, 0);
	char buf[8];
	int fd;

	fd = tu_track_fd(tu_raw_open(tu_devfd(), name, RW | MSGPORT_O_NONBLOCK, 0, 0, 0));
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_false(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	/* O_NONBLOCK is for read/write: a timed receive ioctl still waits. */
	{
		struct msgport_recv r;
		uint64_t t0 = tu_now_ns();

		memset(&r, 0, sizeof(r));
		r.buf = (uintptr_t)buf;
		r.buf_len = sizeof(buf);
		r.flags = MSGPORT_F_TIMEOUT;
		r.timeout_ns = 50000000ULL;
		assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), -ETIMEDOUT);
		assert_true(tu_now_ns() - t0 >= 50000000ULL);
	}
	tu_close_fd(fd);

	fd = tu_track_fd(tu_raw_open(tu_devfd(), name, RW | MSGPORT_O_CLOEXEC, 0, 0, 0));
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
	(void)mb;
}

/* An ephemeral mailbox disappears with its last descriptor. */
static void test_ephemeral_cleanup(void **state)
{
	const char *name = tu_name("eph");
	struct msgport_mailbox *mb, *mb2, *mb3 = NULL;

	mb = tu_create(name, 4, 0, 0600, MSGPORT_O_EPHEMERAL);
	assert_true(stat_of(mb).flags & MSGPORT_STAT_EPHEMERAL);
	assert_int_equal(tu_proc_count(name), 1);
	send_str(mb, "lost with the mailbox", 0);

	mb2 = tu_open(name, MSGPORT_O_RECV);
	tu_close(mb);
	/* One descriptor left: still there, message and all. */
	assert_int_equal(stat_of(mb2).queued_msgs, 1);
	mb3 = tu_open(name, MSGPORT_O_SEND);
	tu_close(mb3);
	tu_close(mb2);

	assert_int_equal(msgport_mailbox_open(tu_mp(), name, RW, NULL, &mb3), -ENOENT);
	assert_int_equal(tu_proc_count(name), 0);
	/* A mailbox of the same name can be created again. */
	mb = tu_create(name, 4, 0, 0600, 0);
	assert_int_equal(stat_of(mb).queued_msgs, 0);
}

/* An ephemeral mailbox whose creator dies (crash) leaves nothing behind. */
static int child_create_ephemeral(void *arg)
{
	struct msgport_mailbox *mb;
	struct msgport *mp;

	CHILD_CHECK(msgport_open(NULL, &mp) == 0);
	CHILD_CHECK(msgport_mailbox_open(mp, arg, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW |
					 MSGPORT_O_EPHEMERAL, NULL, &mb) == 0);
	CHILD_CHECK(msgport_send(mb, "x", 1, 0, 0, MSGPORT_WAIT_FOREVER, NULL) == 0);
	abort();	/* die without closing anything */
}

static void test_ephemeral_crash(void **state)
{
	const char *name = tu_name("ephcrash");
	struct msgport_mailbox *mb = NULL;

	assert_int_equal(tu_join(tu_fork(child_create_ephemeral, (void *)name)), 128 + SIGABRT);
	assert_int_equal(msgport_mailbox_open(tu_mp(), name, RW, NULL, &mb), -ENOENT);
	assert_int_equal(tu_proc_count(name), 0);
}

/* A normal mailbox outlives its descriptors, with its messages. */
static void test_persistent(void **state)
{
	const char *name = tu_name("persist");
	struct msgport_mailbox *mb;

	mb = tu_create(name, 4, 0, 0600, 0);
	send_str(mb, "kept", 3);
	assert_false(stat_of(mb).flags & MSGPORT_STAT_EPHEMERAL);
	tu_close(mb);

	assert_int_equal(tu_proc_count(name), 1);
	mb = tu_open(name, MSGPORT_O_RECV);
	recv_expect(mb, "kept");
}

/* Unbounded capacity: many more messages than any default. */
static void test_unbounded(void **state)
{
	struct msgport_mailbox *mb;
	struct msgport_stat st;
	uint32_t i, v;

	mb = tu_create(tu_name("unb"), MSGPORT_CAPACITY_UNBOUNDED, 0, 0600, 0);
	assert_int_equal(stat_of(mb).capacity, MSGPORT_CAPACITY_UNBOUNDED);
	for (i = 0; i < 2000; i++)
		assert_int_equal(msgport_send(mb, &i, sizeof(i), 0, MSGPORT_F_NONBLOCK,
					      MSGPORT_WAIT_FOREVER, NULL), 0);
	st = stat_of(mb);
	assert_int_equal(st.queued_msgs, 2000);
	assert_int_equal(st.queued_bytes, 2000 * sizeof(i));
	for (i = 0; i < 2000; i++) {
		assert_int_equal(msgport_recv(mb, &v, sizeof(v), MSGPORT_F_NONBLOCK,
					      MSGPORT_WAIT_FOREVER, NULL), sizeof(v));
		assert_int_equal(v, i);
	}
}

/* Large messages, up to the module's max_msg_size, arrive intact. */
static void test_large_messages(void **state)
{
	static const uint32_t sizes[] = { 4095, 4096, 4097, 65536 + 3, 1 << 20 };
	unsigned long long max;
	struct msgport_mailbox *mb;
	struct msgport_msginfo info;
	unsigned char *out, *in;
	uint32_t big;
	size_t i;

	assert_int_equal(tu_param_read("max_msg_size", &max), 0);
	big = max > (4U << 20) ? (4U << 20) : (uint32_t)max;
	mb = tu_create(tu_name("large"), 2, big, 0600, 0);
	out = malloc(big);
	in = malloc(big);
	assert_non_null(out);
	assert_non_null(in);
	for (i = 0; i <= ARRAY_SIZE(sizes); i++) {
		uint32_t len = i < ARRAY_SIZE(sizes) ? sizes[i] : big;
		ssize_t n;

		if (len > big)
			continue;
		tu_fill(out, len, len, 7);
		assert_int_equal(msgport_send(mb, out, len, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
		assert_int_equal(stat_of(mb).queued_bytes, len);
		memset(in, 0, len);
		n = msgport_recv(mb, in, big, MSGPORT_F_NONBLOCK, MSGPORT_WAIT_FOREVER, &info);
		assert_int_equal(n, len);
		assert_int_equal(info.len, len);
		if (memcmp(in, out, len)) {
			free(in);
			free(out);
			fail_msg("a %u-byte message came back different", len);
		}
	}
	free(in);
	free(out);
}

/* max_msg_size 0 takes the module's default_msg_size. */
static void test_default_msg_size(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("defsize"), 1, 0, 0600, 0);
	unsigned long long def;

	assert_int_equal(tu_param_read("default_msg_size", &def), 0);
	assert_true(def > 0);
	assert_int_equal(stat_of(mb).max_msg_size, def);
}

/* The stat counters follow sends, receives and drops. */
static void test_stat_counters(void **state)
{
	const char *name = tu_name("counters");
	struct msgport_mailbox *mb = tu_create(name, 8, 0, 0600, 0);
	struct msgport_mailbox *other;
	struct msgport_stat st;
	char buf[16];

	send_str(mb, "abc", 0);
	send_str(mb, "defgh", 0);
	send_str(mb, "ij", 0);
	st = stat_of(mb);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.received, 0);
	assert_int_equal(st.queued_msgs, 3);
	assert_int_equal(st.queued_bytes, 10);

	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NONBLOCK,
				      MSGPORT_WAIT_FOREVER, NULL), 3);
	st = stat_of(mb);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.received, 1);
	assert_int_equal(st.queued_msgs, 2);
	assert_int_equal(st.queued_bytes, 7);
	assert_int_equal(st.dropped, 0);

	/* A stat-only descriptor (neither RECV nor SEND) sees the same. */
	other = tu_open(name, 0);
	st = stat_of(other);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.received, 1);

	/* Unlink drops what is queued. */
	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	st = stat_of(mb);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.queued_msgs, 0);
	assert_int_equal(st.queued_bytes, 0);
	assert_true(st.flags & MSGPORT_STAT_UNLINKED);
}

static void assert_proc(const char *name, const char *column, unsigned long long expect)
{
	char text[64];
	int ret;

	ret = tu_proc_field(name, column, text, sizeof(text));
	if (ret < 0)
		fail_msg("/proc/msgport: no column \"%s\" for %s: %s", column, name, strerror(-ret));
	if (strtoull(text, NULL, 0) != expect && strtoull(text, NULL, 8) != expect)
		fail_msg("/proc/msgport: %s of %s is \"%s\", expected %llu", column, name, text,
			 expect);
}

/* /proc/msgport has one line per mailbox with its attributes and counters. */
static void test_proc_msgport(void **state)
{
	const char *name = tu_name("proc");
	struct msgport_mailbox *mb = tu_create(name, 5, 333, 0604, 0);
	char text[64];

	send_str(mb, "1234", 0);
	send_str(mb, "56", 0);
	recv_expect(mb, "1234");

	assert_int_equal(tu_proc_count(name), 1);
	assert_proc(name, "uid", geteuid());
	assert_proc(name, "gid", getegid());
	assert_int_equal(tu_proc_field(name, "mode", text, sizeof(text)), 0);
	assert_int_equal(strtoul(text, NULL, 8), 0604);
	assert_proc(name, "capacity", 5);
	assert_proc(name, "max_size", 333);
	assert_proc(name, "msgs", 1);
	assert_proc(name, "bytes", 2);
	assert_proc(name, "sent", 2);
	assert_proc(name, "recv", 1);
	assert_proc(name, "dropped", 0);
	assert_proc(name, "wsend", 0);
	assert_proc(name, "wrecv", 0);
	assert_int_equal(tu_proc_field(name, "flags", text, sizeof(text)), 0);
	assert_string_equal(text, "-");

	assert_int_equal(msgport_mailbox_unlink(tu_mp(), name), 0);
	assert_int_equal(tu_proc_count(name), 0);
}

static const struct CMUnitTest mailbox_basic_tests[] = {
	TU_TEST(test_create_open_unlink),
	TU_TEST(test_open_existing_ignores_attrs),
	TU_TEST(test_open_missing_enoent),
	TU_TEST(test_message_boundaries),
	TU_TEST(test_priority_order),
	TU_TEST(test_peek),
	TU_TEST(test_short_buffer_and_truncate),
	TU_TEST(test_zero_length),
	TU_TEST(test_metadata),
	TU_TEST(test_read_write),
	TU_TEST(test_descriptor_flags),
	TU_TEST(test_ephemeral_cleanup),
	TU_TEST(test_ephemeral_crash),
	TU_TEST(test_persistent),
	TU_TEST(test_unbounded),
	TU_TEST(test_large_messages),
	TU_TEST(test_default_msg_size),
	TU_TEST(test_stat_counters),
	TU_TEST(test_proc_msgport),
};

MSGPORT_SUITE(mailbox_basic_suite, MSGPORT_GROUP_MODULE, 200, "mailbox-basic",
	      "create/open/unlink, boundaries, priority, peek, truncate, metadata, "
	      "read/write, ephemeral, stat, /proc/msgport", mailbox_basic_tests);
