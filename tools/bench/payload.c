// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Payloads: the sender writes every byte of every message, the receiver
 * reads every byte back, so that no mechanism is timed without moving and
 * touching its data.
 *
 * A message of len (>= 8) bytes is a body of len - 8 bytes followed by an
 * 8-byte trailer.  The body is a pattern of 64-bit words that depends on the
 * message's sequence number (so a stale or repeated message is caught); the
 * trailer is a Fletcher-style checksum of the body seeded with the sequence
 * number.  Writing computes the checksum in the same pass; verifying reads
 * the body once, recomputes it and compares.  Both cost about what a
 * memcpy of the message costs, and the same for every mechanism.
 */
#include <errno.h>
#include <string.h>

#include "bench.h"

#define GOLDEN	0x9e3779b97f4a7c15ULL

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

struct sum {
	uint64_t a, b;
};

static void sum_init(struct sum *s, uint64_t seq)
{
	s->a = mix(seq + 1);
	s->b = mix(seq + 2);
}

/*
 * A change confined to the top bits of a and of b (a flipped high bit, whose
 * multiple in b wraps) must not cancel out: a is mixed on its own first.
 */
static uint64_t sum_final(const struct sum *s, size_t len)
{
	return mix(mix(s->a ^ len) + s->b * GOLDEN);
}

void payload_fill(void *buf, size_t len, uint64_t seq)
{
	size_t body = len - 8, words = body / 8, i;
	unsigned char *p = buf;
	uint64_t w = mix(seq) | 1, v;
	struct sum s;

	sum_init(&s, seq);
	for (i = 0; i < words; i++) {
		w += GOLDEN;
		memcpy(p + 8 * i, &w, 8);
		s.a += w;
		s.b += s.a;
	}
	for (i = 8 * words; i < body; i++) {
		p[i] = (unsigned char)(seq + i);
		s.a += p[i];
		s.b += s.a;
	}
	v = sum_final(&s, len);
	memcpy(p + body, &v, 8);
}

int payload_verify(const void *buf, size_t len, uint64_t seq)
{
	size_t body = len - 8, words = body / 8, i;
	const unsigned char *p = buf;
	uint64_t w, v;
	struct sum s;

	sum_init(&s, seq);
	for (i = 0; i < words; i++) {
		memcpy(&w, p + 8 * i, 8);
		s.a += w;
		s.b += s.a;
	}
	for (i = 8 * words; i < body; i++) {
		s.a += p[i];
		s.b += s.a;
	}
	memcpy(&v, p + body, 8);
	return v == sum_final(&s, len) ? 0 : -EBADMSG;
}
