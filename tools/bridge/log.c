// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-bridge: log lines on stderr, one per event, whole lines written at
 * once (threads do not interleave): "msgport-bridge: LEVEL: WHAT".  Levels:
 * error, warning, info; debug only with --verbose.  Tests grep these lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"

static bool log_verbose;

void log_set_verbose(bool verbose)
{
	log_verbose = verbose;
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "msgport-bridge: %s: ", level);

	if (n < 0)
		return;
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	/* One write(2): lines from several threads stay whole. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

#define LOG_FN(name, level, cond)				\
	void name(const char *fmt, ...)				\
	{							\
		va_list ap;					\
								\
		if (!(cond))					\
			return;					\
		va_start(ap, fmt);				\
		log_line(level, fmt, ap);			\
		va_end(ap);					\
	}

LOG_FN(log_error, "error", 1)
LOG_FN(log_warning, "warning", 1)
LOG_FN(log_info, "info", 1)
LOG_FN(log_debug, "debug", log_verbose)
