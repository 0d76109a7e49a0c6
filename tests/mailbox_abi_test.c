// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "mailbox-abi": every mailbox ioctl against the errnos the ABI header
 * documents for bad input, through raw ioctl(2): EFAULT (NULL, unmapped,
 * read-only), EINVAL (reserved fields, unknown flags, flags of the other
 * call, priority, mode, name bytes, sizes), ENAMETOOLONG, EBADF, EMSGSIZE,
 * ENOTTY on a mailbox descriptor, and structs zeroed on output (info left
 * alone under MSGPORT_F_NOINFO).
 */
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "msgport_test.h"

#define RW (MSGPORT_O_RECV | MSGPORT_O_SEND)

static int open_struct(const struct msgport_open *o)
{
	int ret = tu_ioctl(tu_devfd(), MSGPORT_IOC_OPEN, (void *)o);

	if (ret >= 0)
		tu_track_fd(ret);
	return ret;
}

static struct msgport_open open_args(const char *name, uint32_t flags)
{
	struct msgport_open o;

	memset(&o, 0, sizeof(o));
	o.name = (uintptr_t)name;
	o.name_len = (uint32_t)strlen(name);
	o.flags = flags;
	o.mode = 0600;
	o.capacity = 4;
	return o;
}

static uint64_t queued(int fd)
{
	struct msgport_stat st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_STAT, &st), 0);
	return st.queued_msgs;
}

/* OPEN: bad pointers to the struct and to the name. */
static void test_open_efault(void **state)
{
	const char *name = tu_name("openfault");
	struct msgport_open o = open_args(name, MSGPORT_O_CREAT | RW);
	char *ro;

	assert_errno(open_struct(NULL), EFAULT);
	assert_errno(open_struct(tu_unmapped_page()), EFAULT);
	o.name = 0;
	assert_errno(open_struct(&o), EFAULT);
	o.name = (uintptr_t)tu_unmapped_page();
	assert_errno(open_struct(&o), EFAULT);
	/* A name that runs off the end of its mapping. */
	ro = tu_readonly_copy("abcdefgh", 8);
	assert_non_null(ro);
	o.name = (uintptr_t)(ro + 4096 - 4);
	o.name_len = 8;
	assert_errno(open_struct(&o), EFAULT);
	/* The struct itself read-only is fine: OPEN only reads it. */
	o = open_args(name, MSGPORT_O_CREAT | RW);
	assert_true(open_struct(tu_readonly_copy(&o, sizeof(o))) >= 0);
}

/* OPEN: flags, reserved fields, mode, sizes. */
static void test_open_einval(void **state)
{
	const char *name = tu_name("openinval");
	struct msgport_open o;
	unsigned long long maxsize;
	size_t i;

	for (i = 7; i < 32; i++) {
		if ((1U << i) & MSGPORT_O_ALL)
			continue;
		o = open_args(name, MSGPORT_O_CREAT | RW | (1U << i));
		assert_errno(open_struct(&o), EINVAL);
	}
	/* topic: only a topic's creator or subscriber gives one (suite topic). */
	o = open_args(name, MSGPORT_O_CREAT | RW);
	o.topic = 1;
	assert_errno(open_struct(&o), EINVAL);
	for (i = 0; i < ARRAY_SIZE(o.reserved); i++) {
		o = open_args(name, MSGPORT_O_CREAT | RW);
		o.reserved[i] = 1ULL << 63;
		assert_errno(open_struct(&o), EINVAL);
	}
	o = open_args(name, MSGPORT_O_CREAT | RW);
	o.mode = 01000;
	assert_errno(open_struct(&o), EINVAL);
	o.mode = 0x80000000U;
	assert_errno(open_struct(&o), EINVAL);
	o.mode = 04600;
	assert_errno(open_struct(&o), EINVAL);

	assert_int_equal(tu_param_read("max_msg_size", &maxsize), 0);
	o = open_args(name, MSGPORT_O_CREAT | RW);
	o.max_msg_size = (uint32_t)maxsize + 1;
	assert_errno(open_struct(&o), EINVAL);
	o.max_msg_size = 0xffffffffU;
	assert_errno(open_struct(&o), EINVAL);

	/* None of these created anything; a valid call still works. */
	o = open_args(name, MSGPORT_O_CREAT | RW);
	assert_errno(tu_raw_open(tu_devfd(), name, RW, 0, 0, 0), ENOENT);
	o.max_msg_size = (uint32_t)maxsize;
	assert_true(open_struct(&o) >= 0);
}

static void check_bad_name(const char *bytes, size_t len, int err)
{
	struct msgport_open o = open_args("x", MSGPORT_O_CREAT | RW);
	struct msgport_name n;
	int ret;

	o.name = (uintptr_t)bytes;
	o.name_len = (uint32_t)len;
	ret = open_struct(&o);
	if (ret != -err)
		fail_msg("OPEN of name of %zu bytes (first bad byte 0x%02x): got %d, expected %d",
			 len, len ? (unsigned char)bytes[len - 1] : 0, ret, -err);
	memset(&n, 0, sizeof(n));
	n.name = (uintptr_t)bytes;
	n.name_len = (uint32_t)len;
	ret = tu_ioctl(tu_devfd(), MSGPORT_IOC_UNLINK, &n);
	if (ret != -err)
		fail_msg("UNLINK of name of %zu bytes: got %d, expected %d", len, ret, -err);
}

/* Names: printable ASCII but '/', 1..MSGPORT_NAME_MAX bytes. */
static void test_name_rules(void **state)
{
	static const unsigned char bad[] = {
		' ', '/', 0x7f, 0x80, 0xff, '\n', '\t', 0x01, '\0',
	};
	char buf[MSGPORT_NAME_MAX + 2];
	const char *longest;
	size_t i;
	int fd;

	check_bad_name("x", 0, EINVAL);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		size_t len;

		snprintf(buf, sizeof(buf), "mpt-%d-bad-", (int)getpid());
		len = strlen(buf);

		buf[len] = (char)bad[i];	/* in the middle */
		buf[len + 1] = 'z';
		check_bad_name(buf, len + 2, EINVAL);
		check_bad_name(buf, len + 1, EINVAL);	/* at the end */
	}
	memset(buf, 'n', sizeof(buf));
	check_bad_name(buf, MSGPORT_NAME_MAX + 1, ENAMETOOLONG);
	check_bad_name(buf, 0x7fffffff, ENAMETOOLONG);
	check_bad_name(buf, 0xffffffff, ENAMETOOLONG);

	/* The longest name and every printable byte other than '/' are fine. */
	longest = tu_name_sized(MSGPORT_NAME_MAX);
	fd = tu_raw_open(tu_devfd(), longest, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW, 0600, 1, 0);
	assert_true(tu_track_fd(fd) >= 0);
	{
		struct msgport_stat st;

		assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_STAT, &st), 0);
		assert_string_equal(st.name, longest);
	}
	{
		const char *name = tu_name("!\"#$%&'()*+,-.0123456789:;<=>?@AZ[\\]^_`az{|}~");

		fd = tu_raw_open(tu_devfd(), name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | RW, 0600, 1,
				 0);
		assert_true(tu_track_fd(fd) >= 0);
	}
	/* The library passes an overlong name through to the module's error. */
	memset(buf, 'n', sizeof(buf));
	buf[MSGPORT_NAME_MAX + 1] = '\0';
	{
		struct msgport_mailbox *mb = NULL;

		assert_int_equal(msgport_mailbox_open(tu_mp(), buf, RW, NULL, &mb), -ENAMETOOLONG);
		assert_int_equal(msgport_mailbox_unlink(tu_mp(), buf), -ENAMETOOLONG);
	}
}

/* UNLINK: bad pointers, reserved field. */
static void test_unlink_errors(void **state)
{
	const char *name = tu_name("unlinkerr");
	struct msgport_mailbox *mb = tu_create(name, 1, 0, 0600, 0);
	struct msgport_name n;

	assert_errno(tu_ioctl(tu_devfd(), MSGPORT_IOC_UNLINK, NULL), EFAULT);
	assert_errno(tu_ioctl(tu_devfd(), MSGPORT_IOC_UNLINK, tu_unmapped_page()), EFAULT);
	memset(&n, 0, sizeof(n));
	n.name_len = (uint32_t)strlen(name);
	assert_errno(tu_ioctl(tu_devfd(), MSGPORT_IOC_UNLINK, &n), EFAULT);
	n.name = (uintptr_t)tu_unmapped_page();
	assert_errno(tu_ioctl(tu_devfd(), MSGPORT_IOC_UNLINK, &n), EFAULT);
	n.name = (uintptr_t)name;
	n.reserved = 1;
	assert_errno(tu_ioctl(tu_devfd(), MSGPORT_IOC_UNLINK, &n), EINVAL);
	/* Still there. */
	assert_int_equal(tu_proc_count(name), 1);
	n.reserved = 0;
	assert_int_equal(tu_ioctl(tu_devfd(), MSGPORT_IOC_UNLINK, tu_readonly_copy(&n, sizeof(n))),
			 0);
	assert_errno(tu_ioctl(tu_devfd(), MSGPORT_IOC_UNLINK, &n), ENOENT);
	{
		struct msgport_stat st;

		assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
		assert_true(st.flags & MSGPORT_STAT_UNLINKED);
	}
}

static struct msgport_send send_args(const void *buf, uint32_t len)
{
	struct msgport_send s;

	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)buf;
	s.len = len;
	return s;
}

/* SEND: bad pointers. */
static void test_send_efault(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("sendfault"), 4, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_send s;
	void *ro;

	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, NULL), EFAULT);
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, tu_unmapped_page()), EFAULT);
	s = send_args(NULL, 5);
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EFAULT);
	s = send_args(tu_unmapped_page(), 5);
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EFAULT);
	ro = tu_readonly_copy("payload", 7);
	s = send_args((char *)ro + 4096 - 3, 7);
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EFAULT);
	/* No payload fault queued anything. */
	assert_int_equal(queued(fd), 0);

	/* The payload may be read-only; the struct may not (seq is written back). */
	s = send_args(ro, 7);
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), 0);
	assert_int_equal(s.seq, 1);
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, tu_readonly_copy(&s, sizeof(s))), EFAULT);
	/* An error means not sent: a caller that retries must not duplicate it. */
	assert_int_equal(queued(fd), 1);
}

/* SEND: flags, reserved, priority. */
static void test_send_einval(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("sendinval"), 4, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_send s;
	size_t i;

	for (i = 0; i < 32; i++) {
		uint32_t f = 1U << i;

		if (f & MSGPORT_SEND_FLAGS)
			continue;
		s = send_args("x", 1);
		s.flags = f;	/* includes PEEK and TRUNC, the receive's */
		assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EINVAL);
	}
	s = send_args("x", 1);
	s.flags = MSGPORT_F_NONBLOCK | MSGPORT_F_PEEK;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EINVAL);
	s = send_args("x", 1);
	s.priority = MSGPORT_PRIO_MAX + 1;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EINVAL);
	s.priority = 0xffffffffU;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EINVAL);
	assert_int_equal(msgport_send(mb, "x", 1, 32, 0, MSGPORT_WAIT_FOREVER, NULL), -EINVAL);
	/* Descriptors: a pointer without a count, a count over the maximum. */
	s = send_args("x", 1);
	s.fds = (uintptr_t)&fd;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EINVAL);
	s.nfds = MSGPORT_FDS_MAX + 1;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EINVAL);
	/* relay is read only under MSGPORT_F_RELAY. */
	s = send_args("x", 1);
	s.relay = 1;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), EINVAL);
	assert_int_equal(queued(fd), 0);
	/* seq is output only: whatever it holds on input is not an error. */
	s = send_args("x", 1);
	s.seq = 12345;
	s.priority = MSGPORT_PRIO_MAX;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), 0);
	assert_int_equal(s.seq, 1);
}

/* SEND: EMSGSIZE past the mailbox's max_msg_size; EBADF on a descriptor not for sending. */
static void test_send_emsgsize_ebadf(void **state)
{
	const char *name = tu_name("sendsize");
	struct msgport_mailbox *mb = tu_create(name, 4, 64, 0600, 0);
	static char buf[4096];
	struct msgport_send s;
	int rfd, sfd;

	assert_int_equal(msgport_send(mb, buf, 64, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_send(mb, buf, 65, 0, 0, MSGPORT_WAIT_FOREVER, NULL), -EMSGSIZE);
	s = send_args(buf, 0xffffffffU);
	assert_errno(tu_ioctl(msgport_mailbox_fd(mb), MSGPORT_IOC_SEND, &s), EMSGSIZE);
	assert_int_equal(queued(msgport_mailbox_fd(mb)), 1);

	rfd = tu_track_fd(tu_raw_open(tu_devfd(), name, MSGPORT_O_RECV, 0, 0, 0));
	sfd = tu_track_fd(tu_raw_open(tu_devfd(), name, 0, 0, 0, 0));
	assert_true(rfd >= 0 && sfd >= 0);
	s = send_args("x", 1);
	assert_errno(tu_ioctl(rfd, MSGPORT_IOC_SEND, &s), EBADF);
	assert_errno(tu_ioctl(sfd, MSGPORT_IOC_SEND, &s), EBADF);
	assert_int_equal(write(rfd, "x", 1), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(write(sfd, "x", 1), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(read(sfd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(queued(msgport_mailbox_fd(mb)), 1);
	{
		struct msgport_recv r;

		memset(&r, 0, sizeof(r));
		r.buf = (uintptr_t)buf;
		r.buf_len = sizeof(buf);
		r.flags = MSGPORT_F_NONBLOCK;
		assert_errno(tu_ioctl(sfd, MSGPORT_IOC_RECV, &r), EBADF);
	}
}

static struct msgport_recv recv_args(void *buf, uint32_t len)
{
	struct msgport_recv r;

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.buf_len = len;
	r.flags = MSGPORT_F_NONBLOCK;
	return r;
}

/*
 * RECV: bad pointers.  A receive that faults must not lose the message
 * (the project's rule: no lost message): it stays queued.
 */
static void test_recv_efault(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("recvfault"), 4, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_recv r;
	char buf[64];
	char *ro;

	assert_int_equal(msgport_send(mb, "precious", 8, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);

	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, NULL), EFAULT);
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, tu_unmapped_page()), EFAULT);
	assert_int_equal(queued(fd), 1);

	r = recv_args(NULL, sizeof(buf));
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EFAULT);
	assert_int_equal(queued(fd), 1);
	r = recv_args(tu_unmapped_page(), sizeof(buf));
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EFAULT);
	assert_int_equal(queued(fd), 1);
	ro = tu_readonly_copy(buf, sizeof(buf));
	r = recv_args(ro, sizeof(buf));
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EFAULT);
	assert_int_equal(queued(fd), 1);

	/* The struct read-only: info cannot be written back. */
	r = recv_args(buf, sizeof(buf));
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, tu_readonly_copy(&r, sizeof(r))), EFAULT);
	assert_int_equal(queued(fd), 1);

	/* After all that, the message is intact. */
	r = recv_args(buf, sizeof(buf));
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), 8);
	assert_memory_equal(buf, "precious", 8);
	assert_int_equal(r.info.seq, 1);
	assert_int_equal(queued(fd), 0);
}

/* RECV: flags, reserved; EBADF on a descriptor not for receiving. */
static void test_recv_einval_ebadf(void **state)
{
	const char *name = tu_name("recvinval");
	struct msgport_mailbox *mb = tu_create(name, 4, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_recv r;
	char buf[64];
	size_t i;
	int wfd;

	assert_int_equal(msgport_send(mb, "m", 1, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	for (i = 0; i < 32; i++) {
		uint32_t f = 1U << i;

		if (f & MSGPORT_RECV_FLAGS)
			continue;
		r = recv_args(buf, sizeof(buf));
		r.flags |= f;	/* includes SYNC, the send's */
		assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EINVAL);
	}
	/* Descriptor fields without MSGPORT_F_FDS; the flag without room, or with a peek. */
	r = recv_args(buf, sizeof(buf));
	r.nfds = 1;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EINVAL);
	r = recv_args(buf, sizeof(buf));
	r.fds = (uintptr_t)buf;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EINVAL);
	r = recv_args(buf, sizeof(buf));
	r.flags |= MSGPORT_F_CLOEXEC;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EINVAL);
	r = recv_args(buf, sizeof(buf));
	r.flags |= MSGPORT_F_FDS;
	r.fds = (uintptr_t)buf;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EINVAL);
	r.nfds = 1;
	r.flags |= MSGPORT_F_PEEK;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EINVAL);
	assert_int_equal(queued(fd), 1);

	wfd = tu_track_fd(tu_raw_open(tu_devfd(), name, MSGPORT_O_SEND, 0, 0, 0));
	assert_true(wfd >= 0);
	r = recv_args(buf, sizeof(buf));
	assert_errno(tu_ioctl(wfd, MSGPORT_IOC_RECV, &r), EBADF);
	assert_int_equal(read(wfd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(queued(fd), 1);

	/* info is output only: garbage in it on input is no error. */
	r = recv_args(buf, sizeof(buf));
	memset(&r.info, 0xff, sizeof(r.info));
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), 1);
	assert_int_equal(r.info.len, 1);
	assert_int_equal(r.info.token, 0);
	assert_int_equal(r.info.span_offset, 0);
	assert_int_equal(r.info.msg_flags, 0);
	assert_int_equal(r.info.lost, 0);
}

/*
 * RECV with MSGPORT_F_NOINFO: the bytes, and not a byte of info written,
 * also on EMSGSIZE (the message stays); refused (EINVAL) with a span by
 * reference, a lease, in a grown receive or in a batch, where info is how
 * the message is used; and the library's own flag, refused from a caller.
 */
static void test_recv_noinfo(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("recvnoinfo"), 4, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_msginfo canary;
	struct msgport_recv_v1 v1;
	struct msgport_batch b;
	struct msgport_recv r;
	char buf[64];

	memset(&canary, 0xa5, sizeof(canary));
	assert_int_equal(msgport_send(mb, "0123456789", 10, 2, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	r = recv_args(buf, 4);
	r.flags |= MSGPORT_F_NOINFO;
	r.info = canary;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EMSGSIZE);
	assert_memory_equal(&r.info, &canary, sizeof(canary));
	assert_int_equal(queued(fd), 1);

	r = recv_args(buf, sizeof(buf));
	r.flags |= MSGPORT_F_NOINFO | MSGPORT_F_PEEK;
	r.info = canary;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), 10);
	assert_memory_equal(&r.info, &canary, sizeof(canary));
	assert_int_equal(queued(fd), 1);

	r.flags &= ~MSGPORT_F_NOINFO;
	r.flags |= MSGPORT_F_SPAN;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), 10);
	r.flags |= MSGPORT_F_NOINFO;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EINVAL);
	r = recv_args(buf, sizeof(buf));
	r.flags |= MSGPORT_F_NOINFO | MSGPORT_F_LEASE;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EINVAL);
	memset(&v1, 0, sizeof(v1));
	v1.recv = recv_args(buf, sizeof(buf));
	v1.recv.flags |= MSGPORT_F_NOINFO;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV_V1, &v1), EINVAL);
	r = recv_args(buf, sizeof(buf));
	r.flags |= MSGPORT_F_NOINFO;
	memset(&b, 0, sizeof(b));
	b.msgs = (uintptr_t)&r;
	b.count = 1;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV_BATCH, &b), EINVAL);
	assert_int_equal(queued(fd), 1);

	memset(buf, 0, sizeof(buf));
	r.info = canary;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), 10);
	assert_memory_equal(buf, "0123456789", 10);
	assert_memory_equal(&r.info, &canary, sizeof(canary));
	assert_int_equal(queued(fd), 0);
	/* Nothing queued: the error, and info still as it was. */
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_RECV, &r), EAGAIN);
	assert_memory_equal(&r.info, &canary, sizeof(canary));

	/* The library asks for none when info is NULL: the bytes all the same. */
	assert_int_equal(msgport_send(mb, "abc", 3, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), MSGPORT_F_NOINFO, 0, NULL), -EINVAL);
	assert_int_equal(msgport_recv_from(mb, getpid(), buf, sizeof(buf), MSGPORT_F_NOINFO, 0, NULL),
			 -EINVAL);
	/* A server needs the next request's token. */
	assert_int_equal(msgport_reply_recv(mb, 1, "r", 1, NULL, buf, sizeof(buf), MSGPORT_F_NOINFO,
					    0, NULL), -EINVAL);
	assert_int_equal(msgport_recv(mb, buf, sizeof(buf), 0, 0, NULL), 3);
	assert_memory_equal(buf, "abc", 3);
}

/* STAT: bad pointers; output zeroed (reserved, the name's tail). */
static void test_stat_errors_and_zeroing(void **state)
{
	const char *name = tu_name("stat");
	struct msgport_mailbox *mb = tu_create(name, 4, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_stat st;
	size_t i;

	assert_errno(tu_ioctl(fd, MSGPORT_IOC_STAT, NULL), EFAULT);
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_STAT, tu_unmapped_page()), EFAULT);
	memset(&st, 0, sizeof(st));
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_STAT, tu_readonly_copy(&st, sizeof(st))), EFAULT);

	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_STAT, &st), 0);
	assert_string_equal(st.name, name);
	for (i = strlen(name); i < sizeof(st.name); i++)
		assert_int_equal(st.name[i], 0);
	/* No region, no calls, not an inbox: all zero. */
	assert_int_equal(st.region_size, 0);
	assert_int_equal(st.region_maps, 0);
	assert_int_equal(st.calls, 0);
	assert_int_equal(st.owner_pid, 0);
	assert_int_equal(st.reserved0, 0);
	assert_int_equal(st.flags & ~(MSGPORT_STAT_EPHEMERAL | MSGPORT_STAT_UNLINKED), 0);
}

/* SET_MODE: bad pointer, mode bits, reserved; a good one shows in stat. */
static void test_set_mode(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("setmode"), 4, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	struct msgport_setmode m;
	struct msgport_stat st;

	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SET_MODE, NULL), EFAULT);
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SET_MODE, tu_unmapped_page()), EFAULT);
	memset(&m, 0, sizeof(m));
	m.mode = 01000;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SET_MODE, &m), EINVAL);
	m.mode = 0xffffffffU;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SET_MODE, &m), EINVAL);
	m.mode = 0640;
	m.reserved = 1;
	assert_errno(tu_ioctl(fd, MSGPORT_IOC_SET_MODE, &m), EINVAL);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.mode, 0600);

	m.reserved = 0;
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_SET_MODE, tu_readonly_copy(&m, sizeof(m))), 0);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.mode, 0640);
	assert_int_equal(msgport_mailbox_chmod(mb, 0), 0);
	assert_int_equal(msgport_mailbox_stat(mb, &st), 0);
	assert_int_equal(st.mode, 0);
	assert_int_equal(msgport_mailbox_chmod(mb, 02777), -EINVAL);
}

struct u64_wrap {
	__u64 x;
};

/* Commands a mailbox descriptor does not know. */
static void test_mailbox_unknown_ioctl_enotty(void **state)
{
	const unsigned long cmds[] = {
		MSGPORT_IOC_VERSION,			/* the control device's */
		MSGPORT_IOC_OPEN,
		MSGPORT_IOC_UNLINK,
		_IOWR(MSGPORT_IOC_MAGIC, 0x10, struct u64_wrap),	/* SEND, wrong size */
		_IOW(MSGPORT_IOC_MAGIC, 0x10, struct msgport_send),	/* SEND, wrong dir */
		_IOWR(MSGPORT_IOC_MAGIC, 0x11, struct msgport_send),	/* RECV, wrong size */
		_IOR(MSGPORT_IOC_MAGIC, 0x12, struct u64_wrap),		/* STAT, wrong size */
		_IOC(_IOC_WRITE, MSGPORT_IOC_MAGIC, 0x13, 12),		/* SET_MODE, not 8-byte words */
		_IOWR(MSGPORT_IOC_MAGIC, 0x13, struct msgport_setmode),	/* SET_MODE, wrong dir */
		_IOWR(MSGPORT_IOC_MAGIC, 0x14, struct msgport_send),	/* unknown nr */
		_IO(MSGPORT_IOC_MAGIC, 0x7f),
		_IOWR('m', 0x10, struct msgport_send),			/* wrong magic */
		TCGETS,
	};
	struct msgport_mailbox *mb = tu_create(tu_name("enotty"), 4, 64, 0600, 0);
	union {
		char bytes[4096];
		__u64 align;
	} buf;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(&buf, 0, sizeof(buf));
		ret = tu_ioctl(msgport_mailbox_fd(mb), cmds[i], &buf);
		if (ret != -ENOTTY)
			fail_msg("ioctl 0x%lx on a mailbox: got %d, expected -ENOTTY", cmds[i], ret);
	}
	assert_int_equal(queued(msgport_mailbox_fd(mb)), 0);
}

static const struct CMUnitTest mailbox_abi_tests[] = {
	TU_TEST(test_open_efault),
	TU_TEST(test_open_einval),
	TU_TEST(test_name_rules),
	TU_TEST(test_unlink_errors),
	TU_TEST(test_send_efault),
	TU_TEST(test_send_einval),
	TU_TEST(test_send_emsgsize_ebadf),
	TU_TEST(test_recv_efault),
	TU_TEST(test_recv_einval_ebadf),
	TU_TEST(test_recv_noinfo),
	TU_TEST(test_stat_errors_and_zeroing),
	TU_TEST(test_set_mode),
	TU_TEST(test_mailbox_unknown_ioctl_enotty),
};

MSGPORT_SUITE(mailbox_abi_suite, MSGPORT_GROUP_MODULE, 300, "mailbox-abi",
	      "every mailbox ioctl x EFAULT/EINVAL/ENAMETOOLONG/EBADF/EMSGSIZE/ENOTTY",
	      mailbox_abi_tests);
