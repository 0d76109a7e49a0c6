/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Latency histograms: log-linear buckets (64 per power of two, so a value is
 * known within 1.6%) from 1 ns to 2^64 ns, exact below 64 ns; the maximum and
 * the sum are kept exactly.  Fixed size and pointer-free, so a child can fill
 * one in shared memory and the orchestrator can merge rounds.
 */
#ifndef MSGPORT_BENCH_HIST_H
#define MSGPORT_BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS	6
#define HIST_SUB	(1U << HIST_SUB_BITS)
#define HIST_BUCKETS	((64 - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t n;
	uint64_t sum;
	uint64_t max;
	uint64_t min;
	uint64_t count[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t v);
void hist_merge(struct hist *into, const struct hist *from);
/* The value at quantile q (0..1]: a bucket's midpoint, or max for q == 1. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif /* MSGPORT_BENCH_HIST_H */
