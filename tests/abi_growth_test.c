// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "abi-growth": the extension policy of the uapi header ("Growing the
 * ABI").  A program built with a larger struct than the module's (a newer
 * one) is served when the bytes it has past the module's struct are zero,
 * refused with E2BIG when they are not (nothing done), and finds output
 * bytes the module does not fill zeroed; sizes that no version can have
 * (below the first published size, not a multiple of 8, on a command
 * without argument) are not commands (ENOTTY); a batch's entries are read
 * at the caller's entry_size.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "msgport_test.h"

#define TAIL 24		/* bytes a "newer" program has past today's structs */

/* The command @cmd at @size bytes. */
static unsigned long resized(unsigned long cmd, size_t size)
{
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);
}

/* A struct of today's @size followed by TAIL bytes of @fill. */
union big {
	unsigned char bytes[512];
	__u64 align;
};

static void big_init(union big *b, const void *s, size_t size, int fill)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->bytes, s, size);
	memset(b->bytes + size, fill, TAIL);
}

static bool tail_is(const union big *b, size_t size, unsigned char v)
{
	size_t i;

	for (i = size; i < size + TAIL; i++)
		if (b->bytes[i] != v)
			return false;
	return true;
}

static uint64_t queued(int fd)
{
	struct msgport_stat st;

	memset(&st, 0, sizeof(st));
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_STAT, &st), 0);
	return st.queued_msgs;
}

static struct msgport_send send_of(const void *buf, uint32_t len)
{
	struct msgport_send s;

	memset(&s, 0, sizeof(s));
	s.buf = (uintptr_t)buf;
	s.len = len;
	return s;
}

static struct msgport_recv recv_of(void *buf, uint32_t len)
{
	struct msgport_recv r;

	memset(&r, 0, sizeof(r));
	r.buf = (uintptr_t)buf;
	r.buf_len = len;
	r.flags = MSGPORT_F_NONBLOCK;
	return r;
}

/* A newer program's send and receive: served, its unknown output zeroed. */
static void test_larger_send_recv(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("grow"), 4, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	const size_t ss = sizeof(struct msgport_send), rs = sizeof(struct msgport_recv);
	struct msgport_send s = send_of("hello", 5);
	struct msgport_recv r;
	union big b;
	char buf[16];
	char *page;

	big_init(&b, &s, ss, 0);
	b.bytes[ss + TAIL] = 0x5a;	/* past the caller's struct: not touched */
	assert_int_equal(tu_ioctl(fd, resized(MSGPORT_IOC_SEND, ss + TAIL), &b), 0);
	memcpy(&s, b.bytes, ss);
	assert_int_equal(s.seq, 1);
	assert_int_equal(b.bytes[ss + TAIL], 0x5a);

	/* The receive's tail is msginfo's future fields: output, zeroed. */
	r = recv_of(buf, sizeof(buf));
	big_init(&b, &r, rs, 0xa5);
	assert_int_equal(tu_ioctl(fd, resized(MSGPORT_IOC_RECV, rs + TAIL), &b), 5);
	memcpy(&r, b.bytes, rs);
	assert_int_equal(r.info.seq, 1);
	assert_int_equal(r.info.len, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_true(tail_is(&b, rs, 0));
	assert_int_equal(queued(fd), 0);

	/* A tail that cannot be written: EFAULT before the message moves. */
	assert_int_equal(msgport_send(mb, "again", 5, 0, 0, MSGPORT_WAIT_FOREVER, NULL), 0);
	r = recv_of(buf, sizeof(buf));
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(page != MAP_FAILED);
	memcpy(page + 4096 - rs, &r, rs);
	assert_int_equal(mprotect(page + 4096, 4096, PROT_READ), 0);
	assert_errno(tu_ioctl(fd, resized(MSGPORT_IOC_RECV, rs + TAIL), page + 4096 - rs), EFAULT);
	assert_int_equal(queued(fd), 1);
	munmap(page, 8192);
}

/* Every command whose tail is output zeroes it, even when it then fails. */
static void test_output_tails_on_failure(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("growfail"), 4, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	const size_t cs = sizeof(struct msgport_call), rrs = sizeof(struct msgport_reply_recv);
	struct msgport_reply_recv rr;
	struct msgport_call c;
	union big b;
	char buf[8];

	memset(&c, 0, sizeof(c));
	c.buf = (uintptr_t)"q";
	c.len = 1;
	c.reply_buf = (uintptr_t)buf;
	c.reply_len = sizeof(buf);
	c.flags = MSGPORT_F_TIMEOUT;
	c.timeout_ns = 1000000;		/* nobody answers */
	big_init(&b, &c, cs, 0xa5);
	assert_errno(tu_ioctl(fd, resized(MSGPORT_IOC_CALL, cs + TAIL), &b), ETIMEDOUT);
	assert_true(tail_is(&b, cs, 0));

	c.pid = getpid();		/* no inbox here */
	big_init(&b, &c, cs, 0xa5);
	assert_true(tu_ioctl(tu_devfd(), resized(MSGPORT_IOC_CALL_PID, cs + TAIL), &b) < 0);
	assert_true(tail_is(&b, cs, 0));

	memset(&rr, 0, sizeof(rr));
	rr.recv = recv_of(buf, sizeof(buf));	/* non-blocking, nothing queued */
	big_init(&b, &rr, rrs, 0xa5);
	assert_errno(tu_ioctl(fd, resized(MSGPORT_IOC_REPLY_RECV, rrs + TAIL), &b), EAGAIN);
	assert_true(tail_is(&b, rrs, 0));
}

/* Commands whose tail is input refuse what they do not know. */
static void test_input_tails(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("growin"), 4, 64, 0600, 0);
	const size_t ps = sizeof(struct msgport_send_pid), is = sizeof(struct msgport_inbox);
	const size_t ws = sizeof(struct msgport_region_wait);
	struct msgport_region_wait w;
	struct msgport_send_pid sp;
	struct msgport_inbox in;
	union big b;

	memset(&sp, 0, sizeof(sp));
	sp.buf = (uintptr_t)"x";
	sp.len = 1;
	sp.pid = getpid();
	big_init(&b, &sp, ps, 0);
	b.bytes[ps + 8] = 2;
	assert_errno(tu_ioctl(tu_devfd(), resized(MSGPORT_IOC_SEND_PID, ps + TAIL), &b), E2BIG);

	memset(&in, 0, sizeof(in));
	in.mode = 0600;
	big_init(&b, &in, is, 0);
	b.bytes[is + TAIL - 1] = 1;
	assert_errno(tu_ioctl(tu_devfd(), resized(MSGPORT_IOC_INBOX, is + TAIL), &b), E2BIG);

	memset(&w, 0, sizeof(w));
	big_init(&b, &w, ws, 0);
	b.bytes[ws] = 1;
	assert_errno(tu_ioctl(msgport_mailbox_fd(mb), resized(MSGPORT_IOC_REGION_WAIT, ws + TAIL),
			      &b), E2BIG);
	/* With a zero tail it is served: this mailbox has no region. */
	b.bytes[ws] = 0;
	assert_errno(tu_ioctl(msgport_mailbox_fd(mb), resized(MSGPORT_IOC_REGION_WAIT, ws + TAIL),
			      &b), ENODEV);
}

/* A newer program asking for what this module does not know: refused, nothing done. */
static void test_nonzero_tail_e2big(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("e2big"), 4, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	const size_t ss = sizeof(struct msgport_send);
	struct msgport_send s = send_of("x", 1);
	struct msgport_setmode m = { .mode = 0644 };
	struct msgport_stat st;
	union big b;
	char *page;
	size_t at;

	for (at = ss; at < ss + TAIL; at += 7) {
		big_init(&b, &s, ss, 0);
		b.bytes[at] = 1;
		assert_errno(tu_ioctl(fd, resized(MSGPORT_IOC_SEND, ss + TAIL), &b), E2BIG);
	}
	assert_int_equal(queued(fd), 0);

	big_init(&b, &m, sizeof(m), 0);
	b.bytes[sizeof(m) + TAIL - 1] = 0x80;
	assert_errno(tu_ioctl(fd, resized(MSGPORT_IOC_SET_MODE, sizeof(m) + TAIL), &b), E2BIG);
	memset(&st, 0, sizeof(st));
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_STAT, &st), 0);
	assert_int_equal(st.mode, 0600);
	/* The same with a zero tail is served. */
	big_init(&b, &m, sizeof(m), 0);
	assert_int_equal(tu_ioctl(fd, resized(MSGPORT_IOC_SET_MODE, sizeof(m) + TAIL), &b), 0);
	assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_STAT, &st), 0);
	assert_int_equal(st.mode, 0644);

	/* A tail that cannot be read is a fault, not a size error. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(page != MAP_FAILED);
	assert_int_equal(mprotect(page + 4096, 4096, PROT_NONE), 0);
	memcpy(page + 4096 - ss, &s, ss);
	assert_errno(tu_ioctl(fd, resized(MSGPORT_IOC_SEND, ss + TAIL), page + 4096 - ss), EFAULT);
	assert_int_equal(queued(fd), 0);
	munmap(page, 8192);
}

/* Output-only structs: the module's part filled, the rest zeroed. */
static void test_larger_outputs(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("growout"), 4, 64, 0600, 0);
	const size_t sts = sizeof(struct msgport_stat), vs = sizeof(struct msgport_version);
	struct msgport_version v;
	struct msgport_stat st;
	union big b;

	memset(&b, 0xa5, sizeof(b));
	assert_int_equal(tu_ioctl(msgport_mailbox_fd(mb), resized(MSGPORT_IOC_STAT, sts + TAIL),
				  &b), 0);
	memcpy(&st, b.bytes, sts);
	assert_int_equal(st.capacity, 4);
	assert_int_equal(st.mode, 0600);
	assert_true(tail_is(&b, sts, 0));
	assert_int_equal(b.bytes[sts + TAIL], 0xa5);	/* not a byte past it */

	memset(&b, 0xa5, sizeof(b));
	assert_int_equal(tu_ioctl(tu_devfd(), resized(MSGPORT_IOC_VERSION, vs + TAIL), &b), 0);
	memcpy(&v, b.bytes, vs);
	assert_int_equal(v.abi_major, MSGPORT_ABI_MAJOR);
	assert_int_equal(v.abi_minor, MSGPORT_ABI_MINOR);
	assert_true(tail_is(&b, vs, 0));
}

/* The control device too: open and unlink at a newer size. */
static void test_larger_control(void **state)
{
	const size_t os = sizeof(struct msgport_open), ns = sizeof(struct msgport_name);
	const char *name = tu_name("growctl");
	struct msgport_open o;
	struct msgport_name n;
	union big b;
	int fd;

	memset(&o, 0, sizeof(o));
	o.name = (uintptr_t)name;
	o.name_len = (uint32_t)strlen(name);
	o.flags = MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_RECV | MSGPORT_O_SEND;
	o.mode = 0600;
	o.capacity = 2;
	big_init(&b, &o, os, 0);
	b.bytes[os + 3] = 9;
	assert_errno(tu_ioctl(tu_devfd(), resized(MSGPORT_IOC_OPEN, os + TAIL), &b), E2BIG);
	big_init(&b, &o, os, 0);
	fd = tu_ioctl(tu_devfd(), resized(MSGPORT_IOC_OPEN, os + TAIL), &b);
	assert_true(fd >= 0);
	tu_track_fd(fd);
	assert_int_equal(write(fd, "ok", 2), 2);
	assert_int_equal(queued(fd), 1);

	memset(&n, 0, sizeof(n));
	n.name = (uintptr_t)name;
	n.name_len = (uint32_t)strlen(name);
	big_init(&b, &n, ns, 0);
	assert_int_equal(tu_ioctl(tu_devfd(), resized(MSGPORT_IOC_UNLINK, ns + TAIL), &b), 0);
	assert_errno(tu_ioctl(tu_devfd(), MSGPORT_IOC_UNLINK, &n), ENOENT);
}

/* Sizes no version of a struct can have are no command at all. */
static void test_impossible_sizes_enotty(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("growtty"), 4, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	const unsigned long on_mailbox[] = {
		resized(MSGPORT_IOC_SEND, MSGPORT_SEND_SIZE_VER0 - 8),	/* below the first */
		resized(MSGPORT_IOC_SEND, MSGPORT_SEND_SIZE_VER0 + 4),	/* not whole words */
		resized(MSGPORT_IOC_RECV, MSGPORT_RECV_SIZE_VER0 - 8),
		resized(MSGPORT_IOC_RECV, 8),
		resized(MSGPORT_IOC_STAT, MSGPORT_STAT_SIZE_VER0 + 1),
		resized(MSGPORT_IOC_SET_MODE, 12),
		resized(MSGPORT_IOC_REGION_WAKE, 8),		/* takes no argument */
		resized(MSGPORT_IOC_RECV_BATCH, MSGPORT_BATCH_SIZE_VER0 - 8),
		resized(MSGPORT_IOC_VERSION, MSGPORT_VERSION_SIZE_VER0 + 8),	/* the device's */
		resized(MSGPORT_IOC_REPLY, MSGPORT_REPLY_SIZE_VER0 + 8),	/* never grows */
		_IOC(_IOC_READ, MSGPORT_IOC_MAGIC, _IOC_NR(MSGPORT_IOC_SEND),
		     MSGPORT_SEND_SIZE_VER0 + 8),			/* other direction */
	};
	const unsigned long on_device[] = {
		resized(MSGPORT_IOC_OPEN, MSGPORT_OPEN_SIZE_VER0 - 8),
		resized(MSGPORT_IOC_VERSION, MSGPORT_VERSION_SIZE_VER0 + 2),
		resized(MSGPORT_IOC_SEND, MSGPORT_SEND_SIZE_VER0 + 8),	/* a mailbox's */
	};
	union big b;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(on_mailbox); i++) {
		memset(&b, 0, sizeof(b));
		if (tu_ioctl(fd, on_mailbox[i], &b) != -ENOTTY)
			fail_msg("ioctl 0x%lx on a mailbox: expected -ENOTTY", on_mailbox[i]);
	}
	for (i = 0; i < ARRAY_SIZE(on_device); i++) {
		memset(&b, 0, sizeof(b));
		if (tu_ioctl(tu_devfd(), on_device[i], &b) != -ENOTTY)
			fail_msg("ioctl 0x%lx on the device: expected -ENOTTY", on_device[i]);
	}
	assert_int_equal(queued(fd), 0);
}

static int batch(int fd, unsigned long cmd, void *msgs, uint32_t count, uint32_t entry_size)
{
	struct msgport_batch b;

	memset(&b, 0, sizeof(b));
	b.msgs = (uintptr_t)msgs;
	b.count = count;
	b.entry_size = entry_size;
	return tu_ioctl(fd, cmd, &b);
}

/* Batches at the caller's entry size: its entries read and written where they are. */
static void test_batch_entry_size(void **state)
{
	struct msgport_mailbox *mb = tu_create(tu_name("growbatch"), 8, 64, 0600, 0);
	int fd = msgport_mailbox_fd(mb);
	const size_t ss = sizeof(struct msgport_send), rs = sizeof(struct msgport_recv);
	const size_t sstride = ss + TAIL, rstride = rs + TAIL;
	static union { unsigned char bytes[4 * 256]; __u64 align; } arr;
	char bufs[3][8];
	struct msgport_send s;
	struct msgport_recv r;
	unsigned int i;

	/* Sizes the policy cannot have. */
	assert_errno(batch(fd, MSGPORT_IOC_SEND_BATCH, arr.bytes, 1, ss - 8), EINVAL);
	assert_errno(batch(fd, MSGPORT_IOC_SEND_BATCH, arr.bytes, 1, ss + 4), EINVAL);
	assert_errno(batch(fd, MSGPORT_IOC_RECV_BATCH, arr.bytes, 1, rs - 8), EINVAL);
	assert_errno(batch(fd, MSGPORT_IOC_RECV_BATCH, arr.bytes, 1, 16384), EINVAL);

	/* Three sends, entries sstride apart with zero tails. */
	memset(&arr, 0, sizeof(arr));
	for (i = 0; i < 3; i++) {
		s = send_of("abc" + i, 1);
		memcpy(arr.bytes + i * sstride, &s, ss);
	}
	assert_int_equal(batch(fd, MSGPORT_IOC_SEND_BATCH, arr.bytes, 3, sstride), 3);
	for (i = 0; i < 3; i++) {
		memcpy(&s, arr.bytes + i * sstride, ss);
		assert_int_equal(s.seq, i + 1);
	}
	/* A second entry asking for more than the module knows ends the batch there. */
	arr.bytes[sstride + ss + 5] = 1;
	assert_int_equal(batch(fd, MSGPORT_IOC_SEND_BATCH, arr.bytes, 3, sstride), 1);
	assert_int_equal(queued(fd), 4);
	/* ...and as the first entry, it is the batch's error. */
	assert_errno(batch(fd, MSGPORT_IOC_SEND_BATCH, arr.bytes + sstride, 1, sstride), E2BIG);
	assert_int_equal(queued(fd), 4);

	/* Receives rstride apart: every entry's unknown info zeroed. */
	memset(&arr, 0xa5, sizeof(arr));
	for (i = 0; i < 3; i++) {
		r = recv_of(bufs[i], sizeof(bufs[i]));
		memcpy(arr.bytes + i * rstride, &r, rs);
	}
	assert_int_equal(batch(fd, MSGPORT_IOC_RECV_BATCH, arr.bytes, 3, rstride), 3);
	for (i = 0; i < 3; i++) {
		unsigned char *tail = arr.bytes + i * rstride + rs;

		memcpy(&r, arr.bytes + i * rstride, rs);
		assert_int_equal(r.info.seq, i + 1);
		assert_int_equal(bufs[i][0], "abc"[i]);
		for (size_t k = 0; k < TAIL; k++)
			assert_int_equal(tail[k], 0);
	}
	/* More entries than messages: those not done are left as they were. */
	for (i = 0; i < 2; i++) {
		s = send_of("de" + i, 1);
		assert_int_equal(tu_ioctl(fd, MSGPORT_IOC_SEND, &s), 0);
	}
	memset(&arr, 0xa5, sizeof(arr));
	for (i = 0; i < 4; i++) {
		r = recv_of(bufs[i % 3], sizeof(bufs[0]));
		memcpy(arr.bytes + i * rstride, &r, rs);
	}
	assert_int_equal(batch(fd, MSGPORT_IOC_RECV_BATCH, arr.bytes, 4, rstride), 3);
	for (i = 0; i < 4; i++) {
		const unsigned char *tail = arr.bytes + i * rstride + rs;

		memcpy(&r, arr.bytes + i * rstride, rs);
		if (i < 3) {
			assert_int_equal(r.info.seq, 4 + i);
			assert_int_equal(tail[0], 0);
			assert_int_equal(tail[TAIL - 1], 0);
		} else {
			assert_int_equal(r.info.seq, 0);	/* as recv_of() left it */
			assert_int_equal(tail[0], 0xa5);
			assert_int_equal(tail[TAIL - 1], 0xa5);
		}
	}
	assert_int_equal(queued(fd), 0);

	/* entry_size 0 and the first published size are today's layout. */
	s = send_of("z", 1);
	assert_int_equal(batch(fd, MSGPORT_IOC_SEND_BATCH, &s, 1, MSGPORT_SEND_SIZE_VER0), 1);
	r = recv_of(bufs[0], sizeof(bufs[0]));
	assert_int_equal(batch(fd, MSGPORT_IOC_RECV_BATCH, &r, 1, 0), 1);
	assert_int_equal(queued(fd), 0);
}

static const struct CMUnitTest abi_growth_tests[] = {
	TU_TEST(test_larger_send_recv),
	TU_TEST(test_nonzero_tail_e2big),
	TU_TEST(test_output_tails_on_failure),
	TU_TEST(test_input_tails),
	TU_TEST(test_larger_outputs),
	TU_TEST(test_larger_control),
	TU_TEST(test_impossible_sizes_enotty),
	TU_TEST(test_batch_entry_size),
};

MSGPORT_SUITE(abi_growth_suite, MSGPORT_GROUP_MODULE, 310, "abi-growth",
	      "struct sizes by the command: newer programs served, E2BIG, ENOTTY, entry_size",
	      abi_growth_tests);
