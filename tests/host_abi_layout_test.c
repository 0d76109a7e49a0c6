// SPDX-License-Identifier: GPL-2.0
/*
 * Host suite "abi-layout": the ABI header's structs have the sizes and
 * offsets written here, the same for -m32 and 64-bit builds (no implicit
 * padding, __u64 where it matters), and the ioctl numbers are the literal
 * values a 32-bit and a 64-bit caller both pass.  Checked twice: at compile
 * time (a wrong layout does not build) and at run time (counted tests).
 */
#include <linux/msgport.h>

#include "host_test.h"

struct layout {
	const char *what;
	size_t got, want;
};

#define L(type, member, off) { #type "." #member, offsetof(struct type, member), off }
#define S(type, size) { "sizeof " #type, sizeof(struct type), size }

/* Compile-time: the same table, as static assertions. */
#define SA(type, member, off) \
	_Static_assert(offsetof(struct type, member) == (off), #type "." #member)
#define SZ(type, size) _Static_assert(sizeof(struct type) == (size), "sizeof " #type)

SZ(msgport_version, 56);
SA(msgport_version, abi_minor, 4);
SA(msgport_version, module_version, 8);
SA(msgport_version, reserved, 40);
SZ(msgport_open, 56);
SA(msgport_open, name_len, 8);
SA(msgport_open, flags, 12);
SA(msgport_open, mode, 16);
SA(msgport_open, capacity, 20);
SA(msgport_open, max_msg_size, 24);
SA(msgport_open, topic, 28);
SA(msgport_open, region_size, 32);
SA(msgport_open, reserved, 40);
SZ(msgport_name, 16);
SA(msgport_name, name_len, 8);
SA(msgport_name, reserved, 12);
SZ(msgport_send, 56);
SA(msgport_send, timeout_ns, 8);
SA(msgport_send, seq, 16);
SA(msgport_send, len, 24);
SA(msgport_send, flags, 28);
SA(msgport_send, priority, 32);
SA(msgport_send, nfds, 36);
SA(msgport_send, fds, 40);
SA(msgport_send, relay, 48);
SZ(msgport_msginfo, 64);
SA(msgport_msginfo, send_time_ns, 8);
SA(msgport_msginfo, pid, 16);
SA(msgport_msginfo, tid, 20);
SA(msgport_msginfo, uid, 24);
SA(msgport_msginfo, gid, 28);
SA(msgport_msginfo, priority, 32);
SA(msgport_msginfo, len, 36);
SA(msgport_msginfo, token, 40);
SA(msgport_msginfo, span_offset, 48);
SA(msgport_msginfo, msg_flags, 56);
SA(msgport_msginfo, lost, 60);
SZ(msgport_recv, 104);
SA(msgport_recv, timeout_ns, 8);
SA(msgport_recv, buf_len, 16);
SA(msgport_recv, flags, 20);
SA(msgport_recv, from_pid, 24);
SA(msgport_recv, nfds, 28);
SA(msgport_recv, fds, 32);
SA(msgport_recv, info, 40);
SZ(msgport_stat, 360);
SA(msgport_stat, uid, 256);
SA(msgport_stat, gid, 260);
SA(msgport_stat, mode, 264);
SA(msgport_stat, flags, 268);
SA(msgport_stat, capacity, 272);
SA(msgport_stat, max_msg_size, 276);
SA(msgport_stat, waiting_senders, 280);
SA(msgport_stat, waiting_receivers, 284);
SA(msgport_stat, queued_msgs, 288);
SA(msgport_stat, queued_bytes, 296);
SA(msgport_stat, sent, 304);
SA(msgport_stat, received, 312);
SA(msgport_stat, dropped, 320);
SA(msgport_stat, region_size, 328);
SA(msgport_stat, region_maps, 336);
SA(msgport_stat, calls, 344);
SA(msgport_stat, owner_pid, 352);
SA(msgport_stat, reserved0, 356);
SZ(msgport_region_wait, 32);
SA(msgport_region_wait, timeout_ns, 8);
SA(msgport_region_wait, value, 16);
SA(msgport_region_wait, flags, 20);
SA(msgport_region_wait, reserved, 24);
SZ(msgport_setmode, 8);
SA(msgport_setmode, reserved, 4);
SZ(msgport_inbox, 32);
SA(msgport_inbox, reserved, 16);
SZ(msgport_send_pid, 56);
SA(msgport_send_pid, pid, 36);
SA(msgport_send_pid, reserved, 40);
SZ(msgport_call, 136);
SA(msgport_call, pid, 48);
SA(msgport_call, info, 72);
SZ(msgport_reply, 40);
SA(msgport_reply, relay, 24);
SA(msgport_reply, reserved, 32);
SZ(msgport_reply_recv, 152);
SA(msgport_reply_recv, recv, 48);
SZ(msgport_commit, 24);
SA(msgport_commit, flags, 8);
SA(msgport_commit, error, 12);
SA(msgport_commit, reserved, 16);
SZ(msgport_batch, 32);
SA(msgport_batch, msgs, 0);
SA(msgport_batch, count, 8);
SA(msgport_batch, flags, 12);
SA(msgport_batch, entry_size, 16);
SA(msgport_batch, reserved0, 20);
SA(msgport_batch, reserved, 24);
SZ(msgport_dup, 24);
SA(msgport_dup, access, 0);
SA(msgport_dup, flags, 4);
SA(msgport_dup, reserved, 8);

static void check(const struct layout *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].got != t[i].want)
			fail_msg("%s is %zu, the ABI says %zu", t[i].what, t[i].got, t[i].want);
}

static void test_sizes(void **state)
{
	static const struct layout t[] = {
		S(msgport_version, 56), S(msgport_open, 56), S(msgport_name, 16),
		S(msgport_send, 56), S(msgport_msginfo, 64), S(msgport_recv, 104),
		S(msgport_stat, 360), S(msgport_setmode, 8), S(msgport_region_wait, 32),
		S(msgport_inbox, 32), S(msgport_send_pid, 56), S(msgport_call, 136),
		S(msgport_reply, 40), S(msgport_reply_recv, 152), S(msgport_batch, 32),
	};

	check(t, ARRAY_SIZE(t));
}

static void test_offsets(void **state)
{
	static const struct layout t[] = {
		L(msgport_version, abi_major, 0), L(msgport_version, abi_minor, 4),
		L(msgport_version, module_version, 8), L(msgport_version, reserved, 40),
		L(msgport_open, name, 0), L(msgport_open, name_len, 8),
		L(msgport_open, flags, 12), L(msgport_open, mode, 16),
		L(msgport_open, capacity, 20), L(msgport_open, max_msg_size, 24),
		L(msgport_open, topic, 28), L(msgport_open, region_size, 32),
		L(msgport_open, reserved, 40),
		L(msgport_name, name, 0), L(msgport_name, name_len, 8),
		L(msgport_name, reserved, 12),
		L(msgport_send, buf, 0), L(msgport_send, timeout_ns, 8), L(msgport_send, seq, 16),
		L(msgport_send, len, 24), L(msgport_send, flags, 28), L(msgport_send, priority, 32),
		L(msgport_send, nfds, 36), L(msgport_send, fds, 40), L(msgport_send, relay, 48),
		L(msgport_msginfo, seq, 0), L(msgport_msginfo, send_time_ns, 8),
		L(msgport_msginfo, pid, 16), L(msgport_msginfo, tid, 20),
		L(msgport_msginfo, uid, 24), L(msgport_msginfo, gid, 28),
		L(msgport_msginfo, priority, 32), L(msgport_msginfo, len, 36),
		L(msgport_msginfo, token, 40), L(msgport_msginfo, span_offset, 48),
		L(msgport_msginfo, msg_flags, 56), L(msgport_msginfo, lost, 60),
		L(msgport_recv, buf, 0), L(msgport_recv, timeout_ns, 8),
		L(msgport_recv, buf_len, 16), L(msgport_recv, flags, 20),
		L(msgport_recv, from_pid, 24), L(msgport_recv, nfds, 28), L(msgport_recv, fds, 32),
		L(msgport_recv, info, 40),
		L(msgport_stat, name, 0), L(msgport_stat, uid, 256), L(msgport_stat, gid, 260),
		L(msgport_stat, mode, 264), L(msgport_stat, flags, 268),
		L(msgport_stat, capacity, 272), L(msgport_stat, max_msg_size, 276),
		L(msgport_stat, waiting_senders, 280), L(msgport_stat, waiting_receivers, 284),
		L(msgport_stat, queued_msgs, 288), L(msgport_stat, queued_bytes, 296),
		L(msgport_stat, sent, 304), L(msgport_stat, received, 312),
		L(msgport_stat, dropped, 320), L(msgport_stat, region_size, 328),
		L(msgport_stat, region_maps, 336), L(msgport_stat, calls, 344),
		L(msgport_stat, owner_pid, 352), L(msgport_stat, reserved0, 356),
		L(msgport_setmode, mode, 0), L(msgport_setmode, reserved, 4),
		L(msgport_region_wait, offset, 0), L(msgport_region_wait, timeout_ns, 8),
		L(msgport_region_wait, value, 16), L(msgport_region_wait, flags, 20),
		L(msgport_region_wait, reserved, 24),
		L(msgport_inbox, flags, 0), L(msgport_inbox, mode, 4),
		L(msgport_inbox, capacity, 8), L(msgport_inbox, max_msg_size, 12),
		L(msgport_inbox, reserved, 16),
		L(msgport_send_pid, buf, 0), L(msgport_send_pid, timeout_ns, 8),
		L(msgport_send_pid, seq, 16), L(msgport_send_pid, len, 24),
		L(msgport_send_pid, flags, 28), L(msgport_send_pid, priority, 32),
		L(msgport_send_pid, pid, 36), L(msgport_send_pid, reserved, 40),
		L(msgport_call, buf, 0), L(msgport_call, reply_buf, 8),
		L(msgport_call, timeout_ns, 16), L(msgport_call, token, 24),
		L(msgport_call, len, 32), L(msgport_call, reply_len, 36),
		L(msgport_call, flags, 40), L(msgport_call, priority, 44),
		L(msgport_call, pid, 48), L(msgport_call, reserved0, 52),
		L(msgport_call, relay, 56), L(msgport_call, reserved, 64), L(msgport_call, info, 72),
		L(msgport_reply, token, 0), L(msgport_reply, buf, 8), L(msgport_reply, len, 16),
		L(msgport_reply, flags, 20), L(msgport_reply, relay, 24), L(msgport_reply, reserved, 32),
		L(msgport_reply_recv, reply, 0), L(msgport_reply_recv, reply_result, 40),
		L(msgport_reply_recv, reserved0, 44), L(msgport_reply_recv, recv, 48),
		L(msgport_batch, msgs, 0), L(msgport_batch, count, 8), L(msgport_batch, flags, 12),
		L(msgport_batch, entry_size, 16), L(msgport_batch, reserved0, 20),
		L(msgport_batch, reserved, 24),
	};

	check(t, ARRAY_SIZE(t));
}

/* Every struct is a multiple of 8 bytes, so arrays of it align alike everywhere. */
static void test_multiple_of_8(void **state)
{
	assert_int_equal(sizeof(struct msgport_version) % 8, 0);
	assert_int_equal(sizeof(struct msgport_open) % 8, 0);
	assert_int_equal(sizeof(struct msgport_name) % 8, 0);
	assert_int_equal(sizeof(struct msgport_send) % 8, 0);
	assert_int_equal(sizeof(struct msgport_msginfo) % 8, 0);
	assert_int_equal(sizeof(struct msgport_recv) % 8, 0);
	assert_int_equal(sizeof(struct msgport_stat) % 8, 0);
	assert_int_equal(sizeof(struct msgport_setmode) % 8, 0);
	assert_int_equal(sizeof(struct msgport_region_wait) % 8, 0);
	assert_int_equal(sizeof(struct msgport_inbox) % 8, 0);
	assert_int_equal(sizeof(struct msgport_send_pid) % 8, 0);
	assert_int_equal(sizeof(struct msgport_call) % 8, 0);
	assert_int_equal(sizeof(struct msgport_reply) % 8, 0);
	assert_int_equal(sizeof(struct msgport_reply_recv) % 8, 0);
	assert_int_equal(sizeof(struct msgport_batch) % 8, 0);
	assert_int_equal(sizeof(struct msgport_dup) % 8, 0);
}

/* The ioctl numbers encode those sizes: identical for 32- and 64-bit callers. */
static void test_ioctl_numbers(void **state)
{
	assert_int_equal(MSGPORT_IOC_VERSION, 0x8038B800UL);
	assert_int_equal(MSGPORT_IOC_OPEN, 0x4038B801UL);
	assert_int_equal(MSGPORT_IOC_UNLINK, 0x4010B802UL);
	assert_int_equal(MSGPORT_IOC_SEND, 0xC038B810UL);
	assert_int_equal(MSGPORT_IOC_RECV, 0xC068B811UL);
	assert_int_equal(MSGPORT_IOC_STAT, 0x8168B812UL);
	assert_int_equal(MSGPORT_IOC_SET_MODE, 0x4008B813UL);
	assert_int_equal(MSGPORT_IOC_REGION_WAIT, 0xC020B820UL);
	assert_int_equal(MSGPORT_IOC_REGION_WAKE, 0x0000B821UL);
	assert_int_equal(MSGPORT_IOC_INBOX, 0x4020B803UL);
	assert_int_equal(MSGPORT_IOC_SEND_PID, 0xC038B804UL);
	assert_int_equal(MSGPORT_IOC_CALL_PID, 0xC088B805UL);
	assert_int_equal(MSGPORT_IOC_CALL, 0xC088B814UL);
	assert_int_equal(MSGPORT_IOC_REPLY, 0x4028B815UL);
	assert_int_equal(MSGPORT_IOC_REPLY_RECV, 0xC098B816UL);
	assert_int_equal(MSGPORT_IOC_SEND_BATCH, 0x4020B817UL);
	assert_int_equal(MSGPORT_IOC_RECV_BATCH, 0x4020B818UL);
	assert_int_equal(MSGPORT_IOC_DUP, 0x4018B819UL);
}

/*
 * Each struct's first published size (the extension policy): fixed for
 * ever, and today's structs are still those sizes (when one grows, its
 * line here keeps the old number and the struct's size check above moves).
 */
static void test_first_sizes(void **state)
{
	static const struct layout t[] = {
		{ "MSGPORT_VERSION_SIZE_VER0", MSGPORT_VERSION_SIZE_VER0, 56 },
		{ "MSGPORT_OPEN_SIZE_VER0", MSGPORT_OPEN_SIZE_VER0, 56 },
		{ "MSGPORT_NAME_SIZE_VER0", MSGPORT_NAME_SIZE_VER0, 16 },
		{ "MSGPORT_INBOX_SIZE_VER0", MSGPORT_INBOX_SIZE_VER0, 32 },
		{ "MSGPORT_SEND_PID_SIZE_VER0", MSGPORT_SEND_PID_SIZE_VER0, 56 },
		{ "MSGPORT_CALL_SIZE_VER0", MSGPORT_CALL_SIZE_VER0, 136 },
		{ "MSGPORT_SEND_SIZE_VER0", MSGPORT_SEND_SIZE_VER0, 56 },
		{ "MSGPORT_RECV_SIZE_VER0", MSGPORT_RECV_SIZE_VER0, 104 },
		{ "MSGPORT_MSGINFO_SIZE_VER0", MSGPORT_MSGINFO_SIZE_VER0, 64 },
		{ "MSGPORT_STAT_SIZE_VER0", MSGPORT_STAT_SIZE_VER0, 360 },
		{ "MSGPORT_SETMODE_SIZE_VER0", MSGPORT_SETMODE_SIZE_VER0, 8 },
		{ "MSGPORT_REPLY_SIZE_VER0", MSGPORT_REPLY_SIZE_VER0, 40 },
		{ "MSGPORT_REPLY_RECV_SIZE_VER0", MSGPORT_REPLY_RECV_SIZE_VER0, 152 },
		{ "MSGPORT_BATCH_SIZE_VER0", MSGPORT_BATCH_SIZE_VER0, 32 },
		{ "MSGPORT_REGION_WAIT_SIZE_VER0", MSGPORT_REGION_WAIT_SIZE_VER0, 32 },
		{ "MSGPORT_DUP_SIZE_VER0", MSGPORT_DUP_SIZE_VER0, 24 },
		/* Growable structs end the ones they are part of. */
		L(msgport_recv, info, MSGPORT_RECV_SIZE_VER0 - MSGPORT_MSGINFO_SIZE_VER0),
		L(msgport_call, info, MSGPORT_CALL_SIZE_VER0 - MSGPORT_MSGINFO_SIZE_VER0),
		L(msgport_reply_recv, recv, MSGPORT_REPLY_RECV_SIZE_VER0 - MSGPORT_RECV_SIZE_VER0),
	};

	check(t, ARRAY_SIZE(t));
}

/* Flag sets: disjoint where they must be, and the "all" masks cover exactly the flags. */
static void test_flags(void **state)
{
	assert_int_equal(MSGPORT_O_ALL, MSGPORT_O_RECV | MSGPORT_O_SEND | MSGPORT_O_CREAT |
			 MSGPORT_O_EXCL | MSGPORT_O_EPHEMERAL | MSGPORT_O_NONBLOCK |
			 MSGPORT_O_CLOEXEC | MSGPORT_O_ANON | MSGPORT_O_TOPIC |
			 MSGPORT_O_SUBSCRIBE);
	assert_int_equal(MSGPORT_SEND_FLAGS & (MSGPORT_F_PEEK | MSGPORT_F_TRUNC), 0);
	assert_int_equal(MSGPORT_RECV_FLAGS & MSGPORT_F_SYNC, 0);
	/* Spans: a flag of both directions, bit 8; MSGPORT_MSG_SPAN is bit 1. */
	assert_int_equal(MSGPORT_F_SPAN, 1U << 8);
	assert_int_equal(MSGPORT_SEND_FLAGS & MSGPORT_F_SPAN, MSGPORT_F_SPAN);
	assert_int_equal(MSGPORT_RECV_FLAGS & MSGPORT_F_SPAN, MSGPORT_F_SPAN);
	assert_int_equal(MSGPORT_MSG_SPAN, 1U << 1);
	/* Direct and RPC: receive-from is bit 5, a call's request bit 0. */
	assert_int_equal(MSGPORT_F_FROM, 1U << 5);
	assert_int_equal(MSGPORT_RECV_FLAGS & MSGPORT_F_FROM, MSGPORT_F_FROM);
	assert_int_equal(MSGPORT_SEND_FLAGS & MSGPORT_F_FROM, 0);
	assert_int_equal(MSGPORT_CALL_FLAGS, MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT |
			 MSGPORT_F_TRUNC | MSGPORT_F_RELAY);
	/* ABI 1.3: relaying on send and call, leases on receive. */
	assert_int_equal(MSGPORT_SEND_FLAGS & MSGPORT_F_RELAY, MSGPORT_F_RELAY);
	assert_int_equal(MSGPORT_RECV_FLAGS & MSGPORT_F_LEASE, MSGPORT_F_LEASE);
	assert_int_equal(MSGPORT_RECV_FLAGS & MSGPORT_F_RELAY, 0);
	assert_int_equal(MSGPORT_SEND_FLAGS & MSGPORT_F_LEASE, 0);
	/* A receive's info left alone: receive only, clear of a reply's error bit. */
	assert_int_equal(MSGPORT_F_NOINFO, 1U << 14);
	assert_int_equal(MSGPORT_RECV_FLAGS & MSGPORT_F_NOINFO, MSGPORT_F_NOINFO);
	assert_int_equal((MSGPORT_SEND_FLAGS | MSGPORT_CALL_FLAGS) & MSGPORT_F_NOINFO, 0);
	assert_int_equal(MSGPORT_REPLY_ERROR & (MSGPORT_RECV_FLAGS | MSGPORT_SEND_FLAGS), 0);
	assert_int_equal(MSGPORT_COMMIT_RETURN, 1U << 0);
	assert_int_equal(MSGPORT_COMMIT_REFUSE, 1U << 1);
	assert_int_equal(MSGPORT_MSG_CALL, 1U << 0);
	assert_int_equal(MSGPORT_STAT_INBOX, 1U << 2);
	assert_int_equal(MSGPORT_STAT_EPHEMERAL & MSGPORT_STAT_UNLINKED, 0);
	assert_int_equal(MSGPORT_PRIO_MAX, 31);
	assert_int_equal(MSGPORT_NAME_MAX, 255);
	assert_int_equal(MSGPORT_CAPACITY_UNBOUNDED, 0xffffffffU);
	assert_int_equal(MSGPORT_BATCH_MAX, 1024);
}

static const struct CMUnitTest host_abi_layout_tests[] = {
	cmocka_unit_test(test_sizes),
	cmocka_unit_test(test_offsets),
	cmocka_unit_test(test_multiple_of_8),
	cmocka_unit_test(test_ioctl_numbers),
	cmocka_unit_test(test_first_sizes),
	cmocka_unit_test(test_flags),
};

HOST_SUITE(host_abi_layout_suite, "abi-layout", host_abi_layout_tests);
