// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Helpers the mechanisms use on their channel: error and configuration
 * notes, unique names for named objects, the clock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

void bench_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

int bench_chan_error(struct bench_chan *ch, int err, const char *fmt, ...)
{
	char what[BENCH_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	bench_fmt(ch->err, sizeof(ch->err), "%s: %s", what, strerror(err < 0 ? -err : err));
	return err;
}

void bench_chan_note(struct bench_chan *ch, const char *fmt, ...)
{
	size_t n = strlen(ch->note);
	va_list ap;

	if (n && n + 2 < sizeof(ch->note)) {
		memcpy(ch->note + n, "; ", 3);
		n += 2;
	}
	if (n + 1 >= sizeof(ch->note))
		return;
	va_start(ap, fmt);
	vsnprintf(ch->note + n, sizeof(ch->note) - n, fmt, ap);
	va_end(ap);
}

void bench_unique_name(char *buf, size_t len, const char *prefix, const char *tag)
{
	static unsigned int counter;

	snprintf(buf, len, "%smsgport-bench.%ld.%u.%s", prefix, (long)getpid(), counter++, tag);
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
