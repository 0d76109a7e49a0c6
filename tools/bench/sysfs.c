// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading the small files of /proc and /sys that hold limits and facts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int read_line_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -ENODATA;
	}
	fclose(f);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int read_ulong_file(const char *path, unsigned long *out)
{
	char line[64], *end;
	unsigned long v;
	int ret;

	ret = read_line_file(path, line, sizeof(line));
	if (ret)
		return ret;
	errno = 0;
	v = strtoul(line, &end, 10);
	if (errno || end == line)
		return -EINVAL;
	*out = v;
	return 0;
}
