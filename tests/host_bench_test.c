// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of msgport-bench's pure parts: the payload checksum that every
 * receiver relies on (tools/bench/payload.c), the latency histogram
 * (tools/bench/hist.c) and the shared-memory byte ring of the eventfd and
 * futex peers (tools/bench/ring.c), used here by one process without ever
 * having to wait.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host_test.h"

#include "bench/bench.h"
#include "bench/hist.h"
#include "bench/ring.h"

static const size_t sizes[] = { 8, 9, 15, 16, 17, 64, 1000, 1024, 65536 + 3 };

static void payload_round_trip(void **state)
{
	unsigned char *buf = malloc(65536 + 8);
	size_t i;

	assert_non_null(buf);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		payload_fill(buf, sizes[i], 12345 + i);
		assert_int_equal(payload_verify(buf, sizes[i], 12345 + i), 0);
	}
	free(buf);
}

/* Any one bit flipped, anywhere, is caught; so is another sequence number. */
static void payload_detects_corruption(void **state)
{
	unsigned char *buf = malloc(2048);
	unsigned int bit;
	size_t i, n;

	assert_non_null(buf);
	for (i = 0; i < ARRAY_SIZE(sizes) && sizes[i] <= 2048; i++) {
		payload_fill(buf, sizes[i], 7);
		assert_int_equal(payload_verify(buf, sizes[i], 8), -EBADMSG);
		assert_int_equal(payload_verify(buf, sizes[i], 6), -EBADMSG);
		for (n = 0; n < sizes[i]; n++) {
			for (bit = 0; bit < 8; bit++) {
				buf[n] ^= (unsigned char)(1U << bit);
				assert_int_equal(payload_verify(buf, sizes[i], 7), -EBADMSG);
				buf[n] ^= (unsigned char)(1U << bit);
			}
		}
		assert_int_equal(payload_verify(buf, sizes[i], 7), 0);
	}
	free(buf);
}

/* Two words swapped keep their sum: the second sum must see the order. */
static void payload_detects_reordering(void **state)
{
	unsigned char buf[64], tmp[8];

	payload_fill(buf, sizeof(buf), 99);
	memcpy(tmp, buf, 8);
	memcpy(buf, buf + 8, 8);
	memcpy(buf + 8, tmp, 8);
	assert_int_equal(payload_verify(buf, sizeof(buf), 99), -EBADMSG);
}

/* An all-zero buffer (a mechanism that delivered nothing) is not a message. */
static void payload_rejects_zeroes(void **state)
{
	unsigned char buf[1024] = { 0 };

	assert_int_equal(payload_verify(buf, sizeof(buf), 0), -EBADMSG);
	assert_int_equal(payload_verify(buf, 8, 0), -EBADMSG);
}

static void hist_quantiles(void **state)
{
	struct hist *h = malloc(sizeof(*h));
	uint64_t v, q;

	assert_non_null(h);
	hist_init(h);
	assert_int_equal(hist_quantile(h, 0.5), 0);
	/* 1..100000 ns, uniformly: p50 = 50000, p99 = 99000 within 1.6%. */
	for (v = 1; v <= 100000; v++)
		hist_add(h, v);
	assert_int_equal(h->n, 100000);
	assert_int_equal(h->max, 100000);
	assert_int_equal(h->min, 1);
	q = hist_quantile(h, 0.5);
	assert_in_range(q, 50000 - 800, 50000 + 800);
	q = hist_quantile(h, 0.99);
	assert_in_range(q, 99000 - 1600, 99000 + 1600);
	assert_int_equal(hist_quantile(h, 1.0), 100000);
	/* Exact below 64 ns. */
	hist_init(h);
	hist_add(h, 3);
	hist_add(h, 5);
	hist_add(h, 7);
	assert_int_equal(hist_quantile(h, 0.5), 5);
	free(h);
}

static void hist_extremes_and_merge(void **state)
{
	struct hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));

	assert_non_null(a);
	assert_non_null(b);
	hist_init(a);
	hist_init(b);
	hist_add(a, 0);
	hist_add(a, UINT64_MAX);	/* the last bucket exists */
	hist_add(b, 1000);
	hist_add(b, 1000);
	hist_add(b, 1000);
	hist_merge(a, b);
	assert_int_equal(a->n, 5);
	assert_int_equal(a->min, 0);
	assert_true(a->max == UINT64_MAX);
	assert_in_range(hist_quantile(a, 0.5), 985, 1015);
	free(a);
	free(b);
}

static int never_wait(struct ring_chan *rc, int dir, enum ring_event ev, uint32_t seen)
{
	fail_msg("the ring waited although it had room or data");
	return -EDEADLK;
}

static int count_wake(struct ring_chan *rc, int dir, enum ring_event ev)
{
	fail_msg("a wake-up although nobody waited");
	return 0;
}

static const struct ring_waitops test_ops = { .wait = never_wait, .wake = count_wake };

/* Messages of odd sizes go round the ring many times and come back intact. */
static void ring_wraps_around(void **state)
{
	struct bench_chan ch = { .size = 3000, .depth = 4 };
	unsigned char *in = malloc(3000), *out = malloc(3000);
	struct ring_chan rc;
	uint64_t i;

	assert_non_null(in);
	assert_non_null(out);
	memset(&rc, 0, sizeof(rc));
	assert_int_equal(ring_chan_create(&ch, &rc, &test_ops), 0);
	for (i = 0; i < 200; i++) {
		size_t len = 8 + (size_t)(i * 37 % 2990);

		payload_fill(in, len, i);
		assert_int_equal(ring_send(&rc, BENCH_FWD, in, len), 0);
		memset(out, 0, len);
		assert_int_equal(ring_recv(&rc, BENCH_FWD, out, len), 0);
		assert_int_equal(payload_verify(out, len, i), 0);
	}
	/* Several queued, then drained in order. */
	for (i = 0; i < 3; i++) {
		payload_fill(in, 3000, 1000 + i);
		assert_int_equal(ring_send(&rc, BENCH_BACK, in, 3000), 0);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(ring_recv(&rc, BENCH_BACK, out, 3000), 0);
		assert_int_equal(payload_verify(out, 3000, 1000 + i), 0);
	}
	ring_chan_destroy(&ch, &rc);
	free(in);
	free(out);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(payload_round_trip),
	cmocka_unit_test(payload_detects_corruption),
	cmocka_unit_test(payload_detects_reordering),
	cmocka_unit_test(payload_rejects_zeroes),
	cmocka_unit_test(hist_quantiles),
	cmocka_unit_test(hist_extremes_and_merge),
	cmocka_unit_test(ring_wraps_around),
};

HOST_SUITE(host_bench_suite, "msgport-bench internals", tests);
