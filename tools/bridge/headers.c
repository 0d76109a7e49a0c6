// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-bridge: the message format on NATS (spec: issue 20, §3).  The
 * payload is the message's bytes; these headers say what it is:
 *   Msgport-Kind     message | sync | call | reply
 *   Msgport-Node     the sending bridge's node name
 *   Msgport-Origin   the origin id, decimal u64 (FNV-1a 64 of the first node)
 *   Msgport-Mailbox  the exported mailbox
 *   Msgport-Priority, -Seq, -Time (CLOCK_REALTIME ns), -Pid, -Uid, -Gid
 *   Msgport-Error    on a reply: the errno's name, e.g. EHOSTUNREACH
 * Pure: no libnats (nats.c sets and reads them on a natsMsg).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

static const char *const kind_names[] = {
	[HDR_KIND_MESSAGE] = "message",
	[HDR_KIND_SYNC] = "sync",
	[HDR_KIND_CALL] = "call",
	[HDR_KIND_REPLY] = "reply",
};

const char *hdr_kind_name(int kind)
{
	if (kind < HDR_KIND_MESSAGE || kind > HDR_KIND_REPLY)
		return NULL;
	return kind_names[kind];
}

int hdr_kind_parse(const char *s)
{
	int k;

	for (k = HDR_KIND_MESSAGE; s && k <= HDR_KIND_REPLY; k++)
		if (!strcmp(s, kind_names[k]))
			return k;
	return -EINVAL;
}

const char *hdr_errno_name(int err)
{
	if (err <= 0 || err >= 4096)
		return NULL;
	return strerrorname_np(err);
}

int hdr_errno_parse(const char *name)
{
	int e;

	if (!name || name[0] != 'E')
		return 0;
	for (e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, name))
			return e;
	}
	return 0;
}

uint64_t hdr_fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int hdr_msg_id(char *buf, size_t len, const char *node, const char *mailbox, const char *boot_id,
	       uint64_t seq)
{
	int n = snprintf(buf, len, "%s.%s.%s.%" PRIu64, node, mailbox, boot_id, seq);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void put(struct hdr_field *f, int *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(struct hdr_field *f, int *n, const char *key, const char *fmt, ...)
{
	va_list ap;

	f[*n].key = key;
	va_start(ap, fmt);
	vsnprintf(f[*n].value, sizeof(f[*n].value), fmt, ap);
	va_end(ap);
	(*n)++;
}

int hdr_encode(const struct hdr_meta *m, struct hdr_field *out)
{
	const char *kind = hdr_kind_name(m->kind);
	int n = 0;

	put(out, &n, HDR_KIND, "%s", kind ? kind : "message");
	put(out, &n, HDR_NODE, "%s", m->node);
	put(out, &n, HDR_ORIGIN, "%" PRIu64, m->origin);
	if (m->mailbox[0])
		put(out, &n, HDR_MAILBOX, "%s", m->mailbox);
	put(out, &n, HDR_PRIORITY, "%" PRIu32, m->priority);
	put(out, &n, HDR_SEQ, "%" PRIu64, m->seq);
	put(out, &n, HDR_TIME, "%" PRIu64, m->time_ns);
	put(out, &n, HDR_PID, "%" PRId32, m->pid);
	put(out, &n, HDR_UID, "%" PRIu32, m->uid);
	put(out, &n, HDR_GID, "%" PRIu32, m->gid);
	if (m->error) {
		const char *name = hdr_errno_name(m->error);

		if (name)
			put(out, &n, HDR_ERROR, "%s", name);
		else
			put(out, &n, HDR_ERROR, "EIO");
	}
	return n;
}

static int get_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s) {
		*out = 0;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -EBADMSG;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EBADMSG;
	*out = v;
	return 0;
}

static int get_s32(const char *s, int32_t *out)
{
	char *end;
	long v;

	if (!s) {
		*out = 0;
		return 0;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < INT32_MIN || v > INT32_MAX)
		return -EBADMSG;
	*out = (int32_t)v;
	return 0;
}

int hdr_decode(struct hdr_meta *m, const char *(*get)(void *ctx, const char *key), void *ctx)
{
	const char *kind = get(ctx, HDR_KIND), *node = get(ctx, HDR_NODE);
	const char *origin = get(ctx, HDR_ORIGIN), *mailbox = get(ctx, HDR_MAILBOX);
	const char *error = get(ctx, HDR_ERROR);
	uint64_t v;

	memset(m, 0, sizeof(*m));
	m->kind = hdr_kind_parse(kind);
	if (m->kind < 0)
		return -EBADMSG;
	if (m->kind != HDR_KIND_REPLY && (!node || !origin))
		return -EBADMSG;
	if (node) {
		if (!*node || strlen(node) > HDR_NODE_MAX)
			return -EBADMSG;
		strcpy(m->node, node);
	}
	if (mailbox) {
		if (strlen(mailbox) > MSGPORT_NAME_MAX)
			return -EBADMSG;
		strcpy(m->mailbox, mailbox);
	}
	if (get_u64(origin, UINT64_MAX, &m->origin) ||
	    get_u64(get(ctx, HDR_SEQ), UINT64_MAX, &m->seq) ||
	    get_u64(get(ctx, HDR_TIME), UINT64_MAX, &m->time_ns) ||
	    get_s32(get(ctx, HDR_PID), &m->pid))
		return -EBADMSG;
	if (get_u64(get(ctx, HDR_PRIORITY), UINT32_MAX, &v))
		return -EBADMSG;
	m->priority = (uint32_t)v;
	if (get_u64(get(ctx, HDR_UID), UINT32_MAX, &v))
		return -EBADMSG;
	m->uid = (uint32_t)v;
	if (get_u64(get(ctx, HDR_GID), UINT32_MAX, &v))
		return -EBADMSG;
	m->gid = (uint32_t)v;
	if (error) {
		m->error = hdr_errno_parse(error);
		if (!m->error)
			m->error = EIO;	/* a name this system does not know */
	}
	return 0;
}
