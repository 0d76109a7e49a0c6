// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Parsers for the msgport CLI's option values (see parse.h).  Written
 * digit by digit rather than with strtoul(), which accepts signs, leading
 * blanks and hexadecimal, and wraps "-1" to ULONG_MAX.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include <linux/msgport.h>

#include "parse.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads the leading decimal digits of s into *val (at least one digit,
 * -EINVAL otherwise; -ERANGE past UINT64_MAX) and sets *end past them.
 */
static int parse_digits(const char *s, uint64_t *val, const char **end)
{
	uint64_t v = 0;
	int range = 0;

	if (!s || !is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			range = 1;	/* keep scanning: junk after it is -EINVAL */
		else
			v = v * 10 + d;
	}
	*end = s;
	if (range)
		return -ERANGE;
	*val = v;
	return 0;
}

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	const char *end;
	uint64_t v = 0;
	int ret;

	ret = parse_digits(s, &v, &end);
	if (ret == -EINVAL || *end)
		return -EINVAL;
	if (ret == -ERANGE || v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

struct unit {
	const char *name;
	uint64_t scale;
};

static const struct unit *find_unit(const struct unit *units, const char *name)
{
	for (; units->name; units++)
		if (!strcasecmp(units->name, name))
			return units;
	return NULL;
}

int parse_duration_ns(const char *s, int64_t *out)
{
	static const struct unit units[] = {
		{ "", 1000000000ULL },
		{ "s", 1000000000ULL },
		{ "ms", 1000000ULL },
		{ "us", 1000ULL },
		{ "ns", 1ULL },
		{ NULL, 0 },
	};
	const char *p = s, *frac = NULL, *q;
	const struct unit *u;
	uint64_t whole = 0, part = 0, scale;
	int digits = 0, range = 0;

	if (!s)
		return -EINVAL;
	/* Whole part, with overflow noted but the syntax still checked. */
	for (; is_digit(*p); p++, digits++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (whole > (UINT64_MAX - d) / 10)
			range = 1;
		else
			whole = whole * 10 + d;
	}
	if (*p == '.') {
		frac = ++p;
		while (is_digit(*p))
			p++, digits++;
	}
	if (!digits)
		return -EINVAL;
	u = find_unit(units, p);
	if (!u)
		return -EINVAL;
	if (range || whole > (uint64_t)INT64_MAX / u->scale)
		return -ERANGE;
	whole *= u->scale;

	scale = u->scale;
	for (q = frac; q && is_digit(*q) && scale > 1; q++) {
		scale /= 10;
		part += (uint64_t)(*q - '0') * scale;
	}
	if (whole > (uint64_t)INT64_MAX - part)
		return -ERANGE;
	*out = (int64_t)(whole + part);
	return 0;
}

int parse_size(const char *s, uint32_t *out)
{
	static const struct unit units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1ULL << 10 }, { "kib", 1ULL << 10 },
		{ "m", 1ULL << 20 }, { "mib", 1ULL << 20 },
		{ "g", 1ULL << 30 }, { "gib", 1ULL << 30 },
		{ NULL, 0 },
	};
	const struct unit *u;
	const char *end;
	uint64_t v = 0;
	int ret;

	ret = parse_digits(s, &v, &end);
	if (ret == -EINVAL)
		return ret;
	u = find_unit(units, end);
	if (!u)
		return -EINVAL;
	if (ret == -ERANGE || v > UINT32_MAX / u->scale)
		return -ERANGE;
	*out = (uint32_t)(v * u->scale);
	return 0;
}

int parse_capacity(const char *s, uint32_t *out)
{
	if (s && !strcasecmp(s, "unbounded")) {
		*out = MSGPORT_CAPACITY_UNBOUNDED;
		return 0;
	}
	return parse_u32(s, 0, MSGPORT_CAPACITY_UNBOUNDED - 1, out);
}

int parse_mode(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	for (p = s; *p; p++)
		if (*p < '0' || *p > '7')
			return -EINVAL;
	for (p = s; *p; p++) {
		v = v * 8 + (uint32_t)(*p - '0');
		if (v > 0777)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

int parse_priority(const char *s, uint32_t *out)
{
	return parse_u32(s, 0, MSGPORT_PRIO_MAX, out);
}

int check_mailbox_name(const char *s)
{
	size_t n;

	if (!s || !*s)
		return -EINVAL;
	for (n = 0; s[n]; n++) {
		if (n == MSGPORT_NAME_MAX)
			return -ENAMETOOLONG;
		if (s[n] < 0x21 || s[n] > 0x7e || s[n] == '/')
			return -EINVAL;
	}
	return 0;
}
