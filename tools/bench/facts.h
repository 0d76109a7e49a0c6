/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Facts about the machine, the kernel and its IPC limits, recorded with the
 * results: where the numbers came from.
 */
#ifndef MSGPORT_BENCH_FACTS_H
#define MSGPORT_BENCH_FACTS_H

#include <stdbool.h>
#include <stdio.h>

#define FACTS_MAX	48

struct fact {
	char key[40];
	char val[200];
	bool number;		/* val is a JSON number */
};

struct facts {
	unsigned int n;
	struct fact f[FACTS_MAX];
};

/* Gathers everything (takes a few milliseconds: it times the clock). */
void facts_gather(struct facts *fs);
/* Adds or replaces one. */
void facts_set(struct facts *fs, const char *key, bool number, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
const char *facts_get(const struct facts *fs, const char *key);

#endif /* MSGPORT_BENCH_FACTS_H */
