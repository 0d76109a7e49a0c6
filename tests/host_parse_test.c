// SPDX-License-Identifier: GPL-2.0
/*
 * Host suite "cli-parse": the msgport CLI's option parsers (tools/parse.c),
 * against the contract in tools/parse.h: values, -EINVAL for malformed
 * text, -ERANGE for well-formed values out of range, *out untouched on
 * failure.
 */
#include <errno.h>
#include <string.h>

#include <linux/msgport.h>

#include "parse.h"
#include "host_test.h"

#define UNTOUCHED32 0xdeadbeefU
#define UNTOUCHED64 0x0123456789abcdefLL

static void u32_ok(int (*fn)(const char *, uint32_t *), const char *s, uint32_t want)
{
	uint32_t v = UNTOUCHED32;
	int ret = fn(s, &v);

	if (ret != 0 || v != want)
		fail_msg("\"%s\": %d, value %u; expected 0, %u", s, ret, v, want);
}

static void u32_err(int (*fn)(const char *, uint32_t *), const char *s, int err)
{
	uint32_t v = UNTOUCHED32;
	int ret = fn(s, &v);

	if (ret != err || v != UNTOUCHED32)
		fail_msg("\"%s\": %d (value %u); expected %d, untouched", s, ret, v, err);
}

static int u32_0_100(const char *s, uint32_t *out)
{
	return parse_u32(s, 0, 100, out);
}

static int u32_5_max(const char *s, uint32_t *out)
{
	return parse_u32(s, 5, UINT32_MAX, out);
}

static void test_parse_u32(void **state)
{
	u32_ok(u32_0_100, "0", 0);
	u32_ok(u32_0_100, "42", 42);
	u32_ok(u32_0_100, "100", 100);
	u32_ok(u32_0_100, "007", 7);
	u32_ok(u32_5_max, "4294967295", UINT32_MAX);
	u32_err(u32_0_100, "101", -ERANGE);
	u32_err(u32_5_max, "4", -ERANGE);
	u32_err(u32_5_max, "4294967296", -ERANGE);
	u32_err(u32_5_max, "99999999999999999999999", -ERANGE);
	u32_err(u32_0_100, "", -EINVAL);
	u32_err(u32_0_100, "+1", -EINVAL);
	u32_err(u32_0_100, "-1", -EINVAL);
	u32_err(u32_0_100, " 1", -EINVAL);
	u32_err(u32_0_100, "1 ", -EINVAL);
	u32_err(u32_0_100, "1x", -EINVAL);
	u32_err(u32_0_100, "0x10", -EINVAL);
	u32_err(u32_5_max, "99999999999999999999999x", -EINVAL);
}

static void dur_ok(const char *s, int64_t want)
{
	int64_t v = UNTOUCHED64;
	int ret = parse_duration_ns(s, &v);

	if (ret != 0 || v != want)
		fail_msg("\"%s\": %d, value %lld; expected 0, %lld", s, ret, (long long)v,
			 (long long)want);
}

static void dur_err(const char *s, int err)
{
	int64_t v = UNTOUCHED64;
	int ret = parse_duration_ns(s, &v);

	if (ret != err || v != UNTOUCHED64)
		fail_msg("\"%s\": %d; expected %d, untouched", s, ret, err);
}

static void test_parse_duration(void **state)
{
	dur_ok("0", 0);
	dur_ok("2", 2000000000LL);
	dur_ok("0.25", 250000000LL);
	dur_ok(".5", 500000000LL);
	dur_ok("1.", 1000000000LL);
	dur_ok("1.5s", 1500000000LL);
	dur_ok("100ms", 100000000LL);
	dur_ok("3us", 3000LL);
	dur_ok("7ns", 7LL);
	dur_ok("0.0000000019", 1LL);	/* finer than a nanosecond: dropped */
	dur_ok("9223372036854775807ns", INT64_MAX);
	dur_err("9223372036854775808ns", -ERANGE);
	dur_err("9223372037", -ERANGE);
	dur_err("", -EINVAL);
	dur_err("-1", -EINVAL);
	dur_err("+1", -EINVAL);
	dur_err("1h", -EINVAL);
	dur_err("1 s", -EINVAL);
	dur_err("s", -EINVAL);
	dur_err("1.2.3", -EINVAL);
	dur_err("1e3", -EINVAL);
	dur_err("1s ", -EINVAL);
	dur_err(".", -EINVAL);
	dur_ok("1.5MS", 1500000LL);
	dur_err("9223372036.854775808", -ERANGE);
	dur_ok("9223372036.854775807", INT64_MAX);
}

static void test_parse_size(void **state)
{
	u32_ok(parse_size, "0", 0);
	u32_ok(parse_size, "10", 10);
	u32_ok(parse_size, "10B", 10);
	u32_ok(parse_size, "1K", 1024);
	u32_ok(parse_size, "1k", 1024);
	u32_ok(parse_size, "1KiB", 1024);
	u32_ok(parse_size, "1kib", 1024);
	u32_ok(parse_size, "2M", 2U << 20);
	u32_ok(parse_size, "3MiB", 3U << 20);
	u32_ok(parse_size, "1G", 1U << 30);
	u32_ok(parse_size, "3G", 3U << 30);
	u32_ok(parse_size, "4294967295", UINT32_MAX);
	u32_err(parse_size, "4G", -ERANGE);
	u32_err(parse_size, "4294967296", -ERANGE);
	u32_err(parse_size, "", -EINVAL);
	u32_err(parse_size, "K", -EINVAL);
	u32_err(parse_size, "1X", -EINVAL);
	u32_err(parse_size, "1T", -EINVAL);
	u32_err(parse_size, "-1", -EINVAL);
	u32_err(parse_size, "1.5K", -EINVAL);
	u32_err(parse_size, "1KB", -EINVAL);
	u32_ok(parse_size, "1gib", 1U << 30);
}

static void test_parse_capacity(void **state)
{
	u32_ok(parse_capacity, "0", 0);
	u32_ok(parse_capacity, "16", 16);
	u32_ok(parse_capacity, "4294967294", MSGPORT_CAPACITY_UNBOUNDED - 1);
	u32_ok(parse_capacity, "unbounded", MSGPORT_CAPACITY_UNBOUNDED);
	u32_ok(parse_capacity, "UNBOUNDED", MSGPORT_CAPACITY_UNBOUNDED);
	u32_err(parse_capacity, "4294967295", -ERANGE);
	u32_err(parse_capacity, "", -EINVAL);
	u32_err(parse_capacity, "-1", -EINVAL);
	u32_err(parse_capacity, "unbound", -EINVAL);
	u32_err(parse_capacity, "many", -EINVAL);
}

static void test_parse_mode(void **state)
{
	u32_ok(parse_mode, "0", 0);
	u32_ok(parse_mode, "0777", 0777);
	u32_ok(parse_mode, "777", 0777);
	u32_ok(parse_mode, "0640", 0640);
	u32_ok(parse_mode, "600", 0600);
	u32_ok(parse_mode, "0000644", 0644);
	u32_err(parse_mode, "1000", -ERANGE);
	u32_err(parse_mode, "01777", -ERANGE);
	u32_err(parse_mode, "8", -EINVAL);
	u32_err(parse_mode, "0689", -EINVAL);
	u32_err(parse_mode, "", -EINVAL);
	u32_err(parse_mode, "rw", -EINVAL);
	u32_err(parse_mode, "-1", -EINVAL);
}

static void test_parse_priority(void **state)
{
	u32_ok(parse_priority, "0", 0);
	u32_ok(parse_priority, "31", MSGPORT_PRIO_MAX);
	u32_err(parse_priority, "32", -ERANGE);
	u32_err(parse_priority, "4294967296", -ERANGE);
	u32_err(parse_priority, "", -EINVAL);
	u32_err(parse_priority, "high", -EINVAL);
	u32_err(parse_priority, "-1", -EINVAL);
}

static void test_check_mailbox_name(void **state)
{
	char name[MSGPORT_NAME_MAX + 2];

	assert_int_equal(check_mailbox_name("jobs"), 0);
	assert_int_equal(check_mailbox_name("!~.-_:@"), 0);
	assert_int_equal(check_mailbox_name(""), -EINVAL);
	assert_int_equal(check_mailbox_name("a/b"), -EINVAL);
	assert_int_equal(check_mailbox_name("a b"), -EINVAL);
	assert_int_equal(check_mailbox_name("tab\there"), -EINVAL);
	assert_int_equal(check_mailbox_name("del\x7f"), -EINVAL);
	assert_int_equal(check_mailbox_name("\xc3\xa9t\xc3\xa9"), -EINVAL);
	memset(name, 'n', sizeof(name));
	name[MSGPORT_NAME_MAX] = '\0';
	assert_int_equal(check_mailbox_name(name), 0);
	name[MSGPORT_NAME_MAX] = 'n';
	name[MSGPORT_NAME_MAX + 1] = '\0';
	assert_int_equal(check_mailbox_name(name), -ENAMETOOLONG);
}

static const struct CMUnitTest host_parse_tests[] = {
	cmocka_unit_test(test_parse_u32),
	cmocka_unit_test(test_parse_duration),
	cmocka_unit_test(test_parse_size),
	cmocka_unit_test(test_parse_capacity),
	cmocka_unit_test(test_parse_mode),
	cmocka_unit_test(test_parse_priority),
	cmocka_unit_test(test_check_mailbox_name),
};

HOST_SUITE(host_parse_suite, "cli-parse", host_parse_tests);
