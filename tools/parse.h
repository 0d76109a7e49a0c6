/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsers for the msgport CLI's option values.  Pure functions (no I/O, no
 * library calls, no global state) so the host unit tests can link
 * tools/parse.c alone.
 *
 * All return 0 and store the value, or return -EINVAL (not of the expected
 * form: empty, sign, stray bytes, unknown suffix) or -ERANGE (well-formed
 * but out of range), leaving *out untouched on failure.  Numbers are
 * decimal unless said otherwise; no leading '+', '-' or whitespace.
 */
#ifndef MSGPORT_TOOLS_PARSE_H
#define MSGPORT_TOOLS_PARSE_H

#include <stdint.h>

/* A decimal integer in [min, max]. */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/*
 * A duration in seconds, possibly fractional ("2", "0.25", ".5", "1.") or
 * with a unit: "s", "ms", "us", "ns" ("100ms", "1.5s").  Digits finer than
 * a nanosecond are dropped.  Range 0..INT64_MAX nanoseconds.
 */
int parse_duration_ns(const char *s, int64_t *out);

/*
 * A size in bytes: a decimal number with an optional binary suffix, any
 * case: "B", "K"/"KiB" (1024), "M"/"MiB" (1024^2), "G"/"GiB" (1024^3).
 * Range 0..UINT32_MAX.
 */
int parse_size(const char *s, uint32_t *out);

/*
 * A mailbox capacity: a message count 0..MSGPORT_CAPACITY_UNBOUNDED-1
 * (0 is a rendezvous) or the word "unbounded", which gives
 * MSGPORT_CAPACITY_UNBOUNDED.  The numeric value of MSGPORT_CAPACITY_UNBOUNDED
 * itself is -ERANGE, so that unbounded is always asked for by name.
 */
int parse_capacity(const char *s, uint32_t *out);

/* Permission bits in octal, "0" .. "0777" (a leading 0 is optional). */
int parse_mode(const char *s, uint32_t *out);

/* A message priority 0..MSGPORT_PRIO_MAX. */
int parse_priority(const char *s, uint32_t *out);

/*
 * A mailbox name as the ABI defines it: 1..MSGPORT_NAME_MAX bytes of
 * printable ASCII (0x21..0x7e) other than '/'.  Returns 0, -EINVAL (empty,
 * or another byte) or -ENAMETOOLONG.  The module is the authority; the CLI
 * uses this only to explain an -EINVAL it got.
 */
int check_mailbox_name(const char *s);

#endif /* MSGPORT_TOOLS_PARSE_H */
