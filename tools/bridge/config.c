// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-bridge: the configuration (file and command-line mappings) and the
 * authorization it grants.  Pure: no libnats, no libmsgport.
 *
 * File format: lines; '#' at a line's start or after a blank starts a
 * comment; tokens split by blanks.
 *   nats URL[,URL...] | node NAME | tls-ca F | tls-cert F | tls-key F | creds F
 *   tls-name HOST
 *   stream-replicas N | stream-max-age N[s|m|h|d]
 *   export NAME [subject=S] [delivery=core|jetstream] [stream=S]
 *   import SUBJ [mailbox=NAME] [delivery=..] [stream=S] [group=G|fanout]
 *               [create=yes|no] [capacity=N] [max-msg-size=N] [mode=OCTAL]
 *   allow-import SUBJECT-PATTERN MAILBOX-PATTERN [from=NODE[,NODE...]]
 *   allow-export MAILBOX-PATTERN SUBJECT-PATTERN
 *
 * from= compares the Msgport-Node header, which any publisher on the
 * subject can set to anything: it sorts honest bridges' traffic, it does
 * not authenticate.  NATS's subject permissions (who may publish on the
 * imported subjects) are the real authorization; the only identity the
 * kernel stamps is the bridge's own (info.uid of the imported message).
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge.h"

#define CFG_TOKENS_MAX 16

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void cfg_init(struct bridge_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->delivery = CFG_DELIVERY_UNSET;
	cfg->fanout = CFG_UNSET;
	cfg->create = CFG_UNSET;
	cfg->capacity = -1;
	cfg->max_msg_size = -1;
	cfg->mode = -1;
	cfg->call_timeout_ms = CFG_DEFAULT_CALL_TIMEOUT_MS;
	cfg->call_workers = CFG_DEFAULT_CALL_WORKERS;
	cfg->stream_max_age_s = -1;
}

void cfg_free(struct bridge_config *cfg)
{
	size_t i, j;

	for (i = 0; i < cfg->nexports; i++) {
		free(cfg->exports[i].mailbox);
		free(cfg->exports[i].subject);
		free(cfg->exports[i].stream);
	}
	free(cfg->exports);
	for (i = 0; i < cfg->nimports; i++) {
		free(cfg->imports[i].subject);
		free(cfg->imports[i].mailbox);
		free(cfg->imports[i].stream);
		free(cfg->imports[i].group);
	}
	free(cfg->imports);
	for (i = 0; i < cfg->nallow_imports; i++) {
		free(cfg->allow_imports[i].subject_pattern);
		free(cfg->allow_imports[i].mailbox_pattern);
		for (j = 0; j < cfg->allow_imports[i].nfrom; j++)
			free(cfg->allow_imports[i].from[j]);
		free(cfg->allow_imports[i].from);
	}
	free(cfg->allow_imports);
	for (i = 0; i < cfg->nallow_exports; i++) {
		free(cfg->allow_exports[i].mailbox_pattern);
		free(cfg->allow_exports[i].subject_pattern);
	}
	free(cfg->allow_exports);
	free(cfg->nats);
	free(cfg->node);
	free(cfg->tls_ca);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	free(cfg->creds);
	free(cfg->tls_name);
	free(cfg->config_file);
	free(cfg->stream);
	free(cfg->group);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- subjects and names ------------------------------------------------ */

/*
 * A NATS subject: tokens separated by '.', none empty, no blanks; '*' and
 * '>' only as whole tokens, '>' only last.
 */
bool cfg_subject_valid(const char *subject)
{
	const char *p = subject, *tok;

	if (!subject || !*subject)
		return false;
	for (;;) {
		size_t len;

		tok = p;
		while (*p && *p != '.') {
			if (isspace((unsigned char)*p) || !isprint((unsigned char)*p))
				return false;
			p++;
		}
		len = (size_t)(p - tok);
		if (!len)
			return false;
		if ((memchr(tok, '*', len) || memchr(tok, '>', len)) && len != 1)
			return false;
		if (len == 1 && *tok == '>' && *p)
			return false;
		if (!*p)
			return true;
		p++;
	}
}

bool cfg_subject_is_wildcard(const char *subject)
{
	const char *p = subject;

	/* Valid subjects have wildcards only as whole tokens. */
	for (; *p; p++)
		if ((*p == '*' || *p == '>') && (p == subject || p[-1] == '.') &&
		    (p[1] == '\0' || p[1] == '.'))
			return true;
	return false;
}

/*
 * Does pattern cover subject?  subject may itself hold wildcards: then
 * pattern must cover every subject it stands for ('*' covers '*', only '>'
 * covers '>').
 */
bool cfg_subject_match(const char *pattern, const char *subject)
{
	const char *p = pattern, *s = subject;

	for (;;) {
		const char *pe = strchrnul(p, '.'), *se = strchrnul(s, '.');
		size_t pl = (size_t)(pe - p), sl = (size_t)(se - s);

		if (pl == 1 && *p == '>')
			return sl > 0;
		if (sl == 1 && *s == '>')
			return false;
		if (!(pl == 1 && *p == '*')) {
			if (pl != sl || memcmp(p, s, pl))
				return false;
			if (sl == 1 && *s == '*')
				return false;	/* not reached: pl == sl, p is not '*' */
		}
		if (!*pe || !*se)
			return !*pe && !*se;
		p = pe + 1;
		s = se + 1;
	}
}

bool cfg_subjects_overlap(const char *a, const char *b)
{
	for (;;) {
		const char *ae = strchrnul(a, '.'), *be = strchrnul(b, '.');
		size_t al = (size_t)(ae - a), bl = (size_t)(be - b);

		/* '>' stands for one token or more: here is one. */
		if ((al == 1 && *a == '>') || (bl == 1 && *b == '>'))
			return true;
		if (!(al == 1 && *a == '*') && !(bl == 1 && *b == '*') &&
		    (al != bl || memcmp(a, b, al)))
			return false;
		if (!*ae || !*be)
			return !*ae && !*be;
		a = ae + 1;
		b = be + 1;
	}
}

const char *cfg_default_mailbox(const char *subject)
{
	size_t n = strlen(CFG_SUBJECT_PREFIX);

	if (!strncmp(subject, CFG_SUBJECT_PREFIX, n) && subject[n])
		return subject + n;
	return subject;
}

/*
 * One URL of a list, u[0..n), split as nats.c's natsUrl_Create() does: the
 * scheme ("nats://") is optional; the userinfo runs to the LAST '@' (a
 * password may hold '/', '?', '#', '@'); the host runs from there to the
 * last ':' after any IPv6 ']' (the port, then a path).  *after: where the
 * userinfo (or the host) starts; *host: where the host starts; *hostlen.
 */
static void url_split(const char *u, size_t n, size_t *after, size_t *host, size_t *hostlen)
{
	size_t i, from, end = n;

	*after = 0;
	for (i = 0; i + 3 <= n; i++)
		if (!memcmp(u + i, "://", 3)) {
			*after = i + 3;
			break;
		}
	*host = *after;
	for (i = n; i > *after; i--)
		if (u[i - 1] == '@') {
			*host = i;
			break;
		}
	from = *host;
	for (i = n; i > *host; i--)
		if (u[i - 1] == ']') {
			from = i;
			break;
		}
	for (i = n; i > from; i--)
		if (u[i - 1] == ':') {
			end = i - 1;
			break;
		}
	*hostlen = end - *host;
}

void cfg_url_redact(const char *urls, char *out, size_t len)
{
	size_t o = 0;
	const char *p = urls;

	if (!len)
		return;
	while (*p) {
		size_t ulen = strcspn(p, ","), after, host, hostlen;

		url_split(p, ulen, &after, &host, &hostlen);
		/* The scheme, then from the host on: the userinfo never. */
		if (o + after < len) {
			memcpy(out + o, p, after);
			o += after;
		}
		if (o + (ulen - host) < len) {
			memcpy(out + o, p + host, ulen - host);
			o += ulen - host;
		}
		p += ulen;
		if (*p == ',') {
			if (o + 1 < len)
				out[o++] = ',';
			p++;
		}
	}
	out[o < len ? o : len - 1] = '\0';
}

/* The host of u[0..n) into out (no brackets; empty: localhost, as nats.c). */
static int url_host(const char *u, size_t n, char *out, size_t len)
{
	size_t after, host, hl;
	const char *h;

	url_split(u, n, &after, &host, &hl);
	h = u + host;
	if (hl && *h == '[') {
		if (hl < 2 || h[hl - 1] != ']')
			return -EINVAL;
		h++;
		hl -= 2;
	} else if (memchr(h, '[', hl) || memchr(h, ']', hl)) {
		return -EINVAL;
	}
	if (!hl) {
		h = "localhost";
		hl = strlen(h);
	}
	if (hl >= len)
		return -EINVAL;
	memcpy(out, h, hl);
	out[hl] = '\0';
	return 0;
}

int cfg_url_host(const char *urls, char *out, size_t len)
{
	return url_host(urls, strcspn(urls, ","), out, len);
}

int cfg_url_common_host(const char *urls, char *out, size_t len)
{
	char other[1024];
	const char *p = urls;
	int ret = cfg_url_host(urls, out, len);

	if (ret)
		return ret;
	while (*p) {
		size_t ulen = strcspn(p, ",");

		if (ulen) {
			ret = url_host(p, ulen, other, sizeof(other));
			if (ret)
				return ret;
			if (strcasecmp(other, out))
				return -ENOTUNIQ;
		}
		p += ulen;
		if (*p == ',')
			p++;
	}
	return 0;
}

static bool mailbox_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > MSGPORT_NAME_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e || *s == '/')
			return false;
	return true;
}

bool cfg_import_allowed(const struct bridge_config *cfg, const char *subject, const char *mailbox,
			const char *node)
{
	size_t i, j;

	if (!cfg->config_file)
		return true;
	for (i = 0; i < cfg->nallow_imports; i++) {
		const struct cfg_allow_import *a = &cfg->allow_imports[i];

		if (!cfg_subject_match(a->subject_pattern, subject))
			continue;
		if (mailbox && fnmatch(a->mailbox_pattern, mailbox, 0))
			continue;
		if (!a->from)
			return true;
		for (j = 0; node && j < a->nfrom; j++)
			if (!strcmp(a->from[j], node))
				return true;
	}
	return false;
}

/* At start: a wildcard import (mailbox NULL) needs a line covering its subject. */
static bool import_mapping_allowed(const struct bridge_config *cfg, const char *subject,
				   const char *mailbox)
{
	size_t i;

	for (i = 0; i < cfg->nallow_imports; i++) {
		const struct cfg_allow_import *a = &cfg->allow_imports[i];

		if (cfg_subject_match(a->subject_pattern, subject) &&
		    (!mailbox || !fnmatch(a->mailbox_pattern, mailbox, 0)))
			return true;
	}
	return false;
}

bool cfg_export_allowed(const struct bridge_config *cfg, const char *mailbox, const char *subject)
{
	size_t i;

	if (!cfg->config_file)
		return true;
	for (i = 0; i < cfg->nallow_exports; i++) {
		const struct cfg_allow_export *a = &cfg->allow_exports[i];

		if (!fnmatch(a->mailbox_pattern, mailbox, 0) &&
		    cfg_subject_match(a->subject_pattern, subject))
			return true;
	}
	return false;
}

/* ---- mappings ---------------------------------------------------------- */

static void *grow(void *arr, size_t n, size_t size)
{
	void *p = realloc(arr, (n + 1) * size);

	if (p)
		memset((char *)p + n * size, 0, size);
	return p;
}

static struct cfg_export *new_export(struct bridge_config *cfg)
{
	struct cfg_export *e = grow(cfg->exports, cfg->nexports, sizeof(*e));

	if (!e)
		return NULL;
	cfg->exports = e;
	return &e[cfg->nexports++];
}

static struct cfg_import *new_import(struct bridge_config *cfg)
{
	struct cfg_import *i = grow(cfg->imports, cfg->nimports, sizeof(*i));

	if (!i)
		return NULL;
	cfg->imports = i;
	i = &i[cfg->nimports++];
	i->fanout = CFG_UNSET;
	i->create = CFG_UNSET;
	i->capacity = -1;
	i->max_msg_size = -1;
	i->mode = -1;
	return i;
}

static int set_str(char **dst, const char *s, size_t len)
{
	char *p = strndup(s, len);

	if (!p)
		return -ENOMEM;
	free(*dst);
	*dst = p;
	return 0;
}

int cfg_add_export(struct bridge_config *cfg, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	size_t nlen = eq ? (size_t)(eq - spec) : strlen(spec);
	struct cfg_export *e = new_export(cfg);

	if (!e)
		return -ENOMEM;
	snprintf(e->where, sizeof(e->where), "--export %.80s", spec);
	if (set_str(&e->mailbox, spec, nlen))
		return -ENOMEM;
	if (eq && set_str(&e->subject, eq + 1, strlen(eq + 1)))
		return -ENOMEM;
	if (!mailbox_name_ok(e->mailbox)) {
		seterr(err, errlen, "%s: bad mailbox name \"%s\"", e->where, e->mailbox);
		return -EINVAL;
	}
	return 0;
}

int cfg_add_import(struct bridge_config *cfg, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	size_t slen = eq ? (size_t)(eq - spec) : strlen(spec);
	struct cfg_import *i = new_import(cfg);

	if (!i)
		return -ENOMEM;
	snprintf(i->where, sizeof(i->where), "--import %.80s", spec);
	if (set_str(&i->subject, spec, slen))
		return -ENOMEM;
	if (eq && set_str(&i->mailbox, eq + 1, strlen(eq + 1)))
		return -ENOMEM;
	if (!cfg_subject_valid(i->subject)) {
		seterr(err, errlen, "%s: bad subject \"%s\"", i->where, i->subject);
		return -EINVAL;
	}
	return 0;
}

/* ---- the file ---------------------------------------------------------- */

static int parse_num(const char *s, int base, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, base);
	if (errno || *end || v < 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int cfg_parse_duration(const char *s, int64_t *seconds)
{
	static const struct { char unit; int64_t mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	char *end;
	long long v;
	size_t i;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	/* In seconds, and in nanoseconds too (a stream's MaxAge): no overflow. */
	if (errno || v < 0 || v > INT64_MAX / 1000000000LL)
		return -EINVAL;
	if (!*end) {
		*seconds = v;
		return 0;
	}
	if (end[1])
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*end == units[i].unit) {
			if (v > INT64_MAX / 1000000000LL / units[i].mult)
				return -EINVAL;
			*seconds = v * units[i].mult;
			return 0;
		}
	return -EINVAL;
}

static int parse_delivery(const char *s)
{
	if (!strcmp(s, "core"))
		return CFG_DELIVERY_CORE;
	if (!strcmp(s, "jetstream"))
		return CFG_DELIVERY_JETSTREAM;
	return -EINVAL;
}

/* key=value: splits tok at '='; value NULL if none. */
static const char *keyval(char *tok, const char **val)
{
	char *eq = strchr(tok, '=');

	*val = NULL;
	if (eq) {
		*eq = '\0';
		*val = eq + 1;
	}
	return tok;
}

struct lineinfo {
	const char *file;
	unsigned int line;
	char *err;
	size_t errlen;
};

#define LERR(li, ...)								\
	do {									\
		char m_[256];							\
		snprintf(m_, sizeof(m_), __VA_ARGS__);				\
		seterr((li)->err, (li)->errlen, "%s:%u: %s", (li)->file, (li)->line, m_); \
		return -EINVAL;							\
	} while (0)

static int line_export(struct bridge_config *cfg, struct lineinfo *li, char **tok, int n)
{
	struct cfg_export *e;
	int i;

	if (n < 2)
		LERR(li, "export needs a mailbox name");
	e = new_export(cfg);
	if (!e || set_str(&e->mailbox, tok[1], strlen(tok[1])))
		return -ENOMEM;
	snprintf(e->where, sizeof(e->where), "%.70s:%u", li->file, li->line);
	if (!mailbox_name_ok(e->mailbox))
		LERR(li, "bad mailbox name \"%s\"", tok[1]);
	for (i = 2; i < n; i++) {
		const char *val, *key = keyval(tok[i], &val);

		if (!val || !*val)
			LERR(li, "export: \"%s\" needs a value (key=value)", key);
		if (!strcmp(key, "subject")) {
			if (set_str(&e->subject, val, strlen(val)))
				return -ENOMEM;
		} else if (!strcmp(key, "delivery")) {
			e->delivery = parse_delivery(val);
			if (e->delivery < 0)
				LERR(li, "delivery must be core or jetstream, not \"%s\"", val);
		} else if (!strcmp(key, "stream")) {
			if (set_str(&e->stream, val, strlen(val)))
				return -ENOMEM;
		} else {
			LERR(li, "export: unknown key \"%s\"", key);
		}
	}
	return 0;
}

static int line_import(struct bridge_config *cfg, struct lineinfo *li, char **tok, int n)
{
	struct cfg_import *im;
	int i;

	if (n < 2)
		LERR(li, "import needs a subject");
	im = new_import(cfg);
	if (!im || set_str(&im->subject, tok[1], strlen(tok[1])))
		return -ENOMEM;
	snprintf(im->where, sizeof(im->where), "%.70s:%u", li->file, li->line);
	if (!cfg_subject_valid(im->subject))
		LERR(li, "bad subject \"%s\"", tok[1]);
	for (i = 2; i < n; i++) {
		const char *val, *key = keyval(tok[i], &val);

		if (!strcmp(key, "fanout") && !val) {
			if (im->group)
				LERR(li, "import: group= and fanout exclude each other");
			im->fanout = 1;
			continue;
		}
		if (!val || !*val)
			LERR(li, "import: \"%s\" needs a value (key=value)", key);
		if (!strcmp(key, "mailbox")) {
			if (set_str(&im->mailbox, val, strlen(val)))
				return -ENOMEM;
		} else if (!strcmp(key, "delivery")) {
			im->delivery = parse_delivery(val);
			if (im->delivery < 0)
				LERR(li, "delivery must be core or jetstream, not \"%s\"", val);
		} else if (!strcmp(key, "stream")) {
			if (set_str(&im->stream, val, strlen(val)))
				return -ENOMEM;
		} else if (!strcmp(key, "group")) {
			if (im->fanout == 1)
				LERR(li, "import: group= and fanout exclude each other");
			if (set_str(&im->group, val, strlen(val)))
				return -ENOMEM;
			im->fanout = 0;
		} else if (!strcmp(key, "create")) {
			if (!strcmp(val, "yes"))
				im->create = 1;
			else if (!strcmp(val, "no"))
				im->create = 0;
			else
				LERR(li, "create must be yes or no, not \"%s\"", val);
		} else if (!strcmp(key, "capacity")) {
			if (parse_num(val, 10, UINT32_MAX, &im->capacity))
				LERR(li, "bad capacity \"%s\"", val);
		} else if (!strcmp(key, "max-msg-size")) {
			if (parse_num(val, 10, UINT32_MAX, &im->max_msg_size))
				LERR(li, "bad max-msg-size \"%s\"", val);
		} else if (!strcmp(key, "mode")) {
			if (parse_num(val, 8, 0777, &im->mode))
				LERR(li, "bad mode \"%s\" (octal, at most 0777)", val);
		} else {
			LERR(li, "import: unknown key \"%s\"", key);
		}
	}
	if (im->group && im->fanout == 1)
		LERR(li, "import: group= and fanout exclude each other");
	return 0;
}

static int line_allow_import(struct bridge_config *cfg, struct lineinfo *li, char **tok, int n)
{
	struct cfg_allow_import *a;
	int i;

	if (n < 3)
		LERR(li, "allow-import needs SUBJECT-PATTERN MAILBOX-PATTERN");
	if (!cfg_subject_valid(tok[1]))
		LERR(li, "bad subject pattern \"%s\"", tok[1]);
	a = grow(cfg->allow_imports, cfg->nallow_imports, sizeof(*a));
	if (!a)
		return -ENOMEM;
	cfg->allow_imports = a;
	a = &a[cfg->nallow_imports++];
	if (set_str(&a->subject_pattern, tok[1], strlen(tok[1])) ||
	    set_str(&a->mailbox_pattern, tok[2], strlen(tok[2])))
		return -ENOMEM;
	for (i = 3; i < n; i++) {
		const char *val, *key = keyval(tok[i], &val);
		const char *p;

		if (strcmp(key, "from"))
			LERR(li, "allow-import: unknown key \"%s\"", key);
		if (!val || !*val)
			LERR(li, "allow-import: from= needs node names");
		for (p = val; *p;) {
			size_t len = strcspn(p, ",");
			char **f;

			if (!len)
				LERR(li, "allow-import: empty node name in from=");
			f = realloc(a->from, (a->nfrom + 1) * sizeof(*f));
			if (!f)
				return -ENOMEM;
			a->from = f;
			f[a->nfrom] = strndup(p, len);
			if (!f[a->nfrom])
				return -ENOMEM;
			a->nfrom++;
			p += len;
			if (*p)
				p++;
		}
	}
	return 0;
}

static int line_allow_export(struct bridge_config *cfg, struct lineinfo *li, char **tok, int n)
{
	struct cfg_allow_export *a;

	if (n != 3)
		LERR(li, "allow-export takes MAILBOX-PATTERN SUBJECT-PATTERN");
	if (!cfg_subject_valid(tok[2]))
		LERR(li, "bad subject pattern \"%s\"", tok[2]);
	a = grow(cfg->allow_exports, cfg->nallow_exports, sizeof(*a));
	if (!a)
		return -ENOMEM;
	cfg->allow_exports = a;
	a = &a[cfg->nallow_exports++];
	if (set_str(&a->mailbox_pattern, tok[1], strlen(tok[1])) ||
	    set_str(&a->subject_pattern, tok[2], strlen(tok[2])))
		return -ENOMEM;
	return 0;
}

/* Settings given once: the command line wins, so the file sets only unset ones. */
static int line_setting(char **dst, struct lineinfo *li, char **tok, int n)
{
	if (n != 2)
		LERR(li, "%s takes one value", tok[0]);
	if (*dst)
		return 0;
	return set_str(dst, tok[1], strlen(tok[1]));
}

static int parse_line(struct bridge_config *cfg, struct lineinfo *li, char *line)
{
	char *tok[CFG_TOKENS_MAX];
	int n = 0;
	char *p = line, *hash;

	/* A comment: '#' at the line's start or after a blank (a#b is a word). */
	for (hash = line; (hash = strchr(hash, '#')); hash++)
		if (hash == line || hash[-1] == ' ' || hash[-1] == '\t') {
			*hash = '\0';
			break;
		}
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (n == CFG_TOKENS_MAX)
			LERR(li, "too many words");
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (!n)
		return 0;
	if (!strcmp(tok[0], "nats"))
		return line_setting(&cfg->nats, li, tok, n);
	if (!strcmp(tok[0], "node"))
		return line_setting(&cfg->node, li, tok, n);
	if (!strcmp(tok[0], "tls-ca"))
		return line_setting(&cfg->tls_ca, li, tok, n);
	if (!strcmp(tok[0], "tls-cert"))
		return line_setting(&cfg->tls_cert, li, tok, n);
	if (!strcmp(tok[0], "tls-key"))
		return line_setting(&cfg->tls_key, li, tok, n);
	if (!strcmp(tok[0], "creds"))
		return line_setting(&cfg->creds, li, tok, n);
	if (!strcmp(tok[0], "tls-name"))
		return line_setting(&cfg->tls_name, li, tok, n);
	if (!strcmp(tok[0], "stream-replicas")) {
		int64_t v;

		if (n != 2 || parse_num(tok[1], 10, CFG_STREAM_REPLICAS_MAX, &v) || v < 1)
			LERR(li, "stream-replicas takes one number, 1 to %d",
			     CFG_STREAM_REPLICAS_MAX);
		if (!cfg->stream_replicas)
			cfg->stream_replicas = (int)v;
		return 0;
	}
	if (!strcmp(tok[0], "stream-max-age")) {
		int64_t v;

		if (n != 2 || cfg_parse_duration(tok[1], &v))
			LERR(li, "stream-max-age takes one duration: N[s|m|h|d], 0 for none");
		if (cfg->stream_max_age_s < 0)
			cfg->stream_max_age_s = v;
		return 0;
	}
	if (!strcmp(tok[0], "export"))
		return line_export(cfg, li, tok, n);
	if (!strcmp(tok[0], "import"))
		return line_import(cfg, li, tok, n);
	if (!strcmp(tok[0], "allow-import"))
		return line_allow_import(cfg, li, tok, n);
	if (!strcmp(tok[0], "allow-export"))
		return line_allow_export(cfg, li, tok, n);
	LERR(li, "unknown line \"%s\"", tok[0]);
}

int cfg_load_string(struct bridge_config *cfg, const char *name, const char *text, char *err,
		    size_t errlen)
{
	struct lineinfo li = { .file = name, .line = 0, .err = err, .errlen = errlen };
	const char *p = text;
	int ret;

	if (!cfg->config_file && set_str(&cfg->config_file, name, strlen(name)))
		return -ENOMEM;
	while (*p) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len);

		if (!line)
			return -ENOMEM;
		li.line++;
		ret = parse_line(cfg, &li, line);
		free(line);
		if (ret)
			return ret;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

int cfg_load_file(struct bridge_config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (!f) {
		ret = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	{
		char buf[4096];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
			char *t = realloc(text, len + n + 1);

			if (!t) {
				free(text);
				fclose(f);
				return -ENOMEM;
			}
			text = t;
			memcpy(text + len, buf, n);
			len += n;
		}
	}
	if (ferror(f)) {
		ret = -EIO;
		seterr(err, errlen, "%s: read error", path);
		free(text);
		fclose(f);
		return ret;
	}
	fclose(f);
	if (!text)
		text = strdup("");
	if (!text)
		return -ENOMEM;
	text[len] = '\0';
	if (memchr(text, '\0', len)) {
		free(text);
		seterr(err, errlen, "%s: not a text file", path);
		return -EINVAL;
	}
	ret = cfg_load_string(cfg, path, text, err, errlen);
	free(text);
	return ret;
}

/* ---- the whole --------------------------------------------------------- */

int cfg_finish(struct bridge_config *cfg, const char *hostname, char *err, size_t errlen)
{
	size_t i;

	if (!cfg->node && set_str(&cfg->node, hostname, strlen(hostname)))
		return -ENOMEM;
	if (!*cfg->node || strlen(cfg->node) > HDR_NODE_MAX || strpbrk(cfg->node, " \t\r\n.*>")) {
		seterr(err, errlen, "bad node name \"%s\" (no blanks, '.', '*' or '>')", cfg->node);
		return -EINVAL;
	}
	if (!cfg->nats && set_str(&cfg->nats, "nats://127.0.0.1:4222", 21))
		return -ENOMEM;
	if (!cfg->stream && set_str(&cfg->stream, CFG_DEFAULT_STREAM, strlen(CFG_DEFAULT_STREAM)))
		return -ENOMEM;
	if (!cfg->stream_replicas)
		cfg->stream_replicas = 1;
	if (cfg->stream_max_age_s < 0)
		cfg->stream_max_age_s = CFG_DEFAULT_STREAM_MAX_AGE_S;
	if (!!cfg->tls_cert != !!cfg->tls_key) {
		seterr(err, errlen, "a client certificate needs both tls-cert and tls-key");
		return -EINVAL;
	}
	if (!cfg->nexports && !cfg->nimports) {
		seterr(err, errlen, "nothing to do: no export and no import");
		return -EINVAL;
	}
	for (i = 0; i < cfg->nexports; i++) {
		struct cfg_export *e = &cfg->exports[i];
		size_t j;

		if (!e->subject) {
			e->subject = malloc(strlen(CFG_SUBJECT_PREFIX) + strlen(e->mailbox) + 1);
			if (!e->subject)
				return -ENOMEM;
			strcpy(e->subject, CFG_SUBJECT_PREFIX);
			strcat(e->subject, e->mailbox);
		}
		if (!cfg_subject_valid(e->subject) || cfg_subject_is_wildcard(e->subject)) {
			seterr(err, errlen, "%s: export subject \"%s\" must be a subject without "
			       "wildcards", e->where, e->subject);
			return -EINVAL;
		}
		if (!e->delivery)
			e->delivery = cfg->delivery ? cfg->delivery : CFG_DELIVERY_CORE;
		if (!e->stream && set_str(&e->stream, cfg->stream, strlen(cfg->stream)))
			return -ENOMEM;
		for (j = 0; j < i; j++)
			if (!strcmp(cfg->exports[j].mailbox, e->mailbox)) {
				seterr(err, errlen, "%s: mailbox %s is exported twice", e->where,
				       e->mailbox);
				return -EINVAL;
			}
		if (!cfg_export_allowed(cfg, e->mailbox, e->subject)) {
			seterr(err, errlen, "%s: export %s -> %s is not allowed by any allow-export "
			       "line of %s", e->where, e->mailbox, e->subject, cfg->config_file);
			return -EINVAL;
		}
	}
	for (i = 0; i < cfg->nimports; i++) {
		struct cfg_import *im = &cfg->imports[i];
		bool wild = cfg_subject_is_wildcard(im->subject);
		size_t j;

		if (wild && im->mailbox) {
			seterr(err, errlen, "%s: a wildcard subject (%s) takes no mailbox name: each "
			       "message goes to its own subject less \"%s\"", im->where,
			       im->subject, CFG_SUBJECT_PREFIX);
			return -EINVAL;
		}
		if (!wild && !im->mailbox) {
			const char *d = cfg_default_mailbox(im->subject);

			if (set_str(&im->mailbox, d, strlen(d)))
				return -ENOMEM;
		}
		if (im->mailbox && !mailbox_name_ok(im->mailbox)) {
			seterr(err, errlen, "%s: bad mailbox name \"%s\"", im->where, im->mailbox);
			return -EINVAL;
		}
		if (!im->delivery)
			im->delivery = cfg->delivery ? cfg->delivery : CFG_DELIVERY_CORE;
		if (!im->stream && set_str(&im->stream, cfg->stream, strlen(cfg->stream)))
			return -ENOMEM;
		if (im->fanout == CFG_UNSET) {
			if (im->group)
				im->fanout = 0;
			else if (cfg->group)
				im->fanout = 0;
			else
				im->fanout = 1;
		}
		if (!im->fanout && !im->group && cfg->group &&
		    set_str(&im->group, cfg->group, strlen(cfg->group)))
			return -ENOMEM;
		if (im->group && strpbrk(im->group, " \t.*>")) {
			seterr(err, errlen, "%s: bad group name \"%s\" (no '.', '*' or '>')",
			       im->where, im->group);
			return -EINVAL;
		}
		if (im->create == CFG_UNSET)
			im->create = cfg->create == 1;
		if (im->capacity < 0)
			im->capacity = cfg->capacity >= 0 ? cfg->capacity : CFG_DEFAULT_CAPACITY;
		if (im->max_msg_size < 0)
			im->max_msg_size = cfg->max_msg_size >= 0 ? cfg->max_msg_size : 0;
		if (im->mode < 0)
			im->mode = cfg->mode >= 0 ? cfg->mode : CFG_DEFAULT_MODE;
		for (j = 0; j < i; j++)
			if (cfg_subjects_overlap(cfg->imports[j].subject, im->subject)) {
				seterr(err, errlen, "%s: import %s overlaps import %s (%s): a "
				       "message on both would be delivered twice", im->where,
				       im->subject, cfg->imports[j].subject,
				       cfg->imports[j].where);
				return -EINVAL;
			}
		if (cfg->config_file && !import_mapping_allowed(cfg, im->subject, im->mailbox)) {
			seterr(err, errlen, "%s: import %s -> %s is not allowed by any allow-import "
			       "line of %s", im->where, im->subject,
			       im->mailbox ? im->mailbox : "(per subject)", cfg->config_file);
			return -EINVAL;
		}
	}
	return 0;
}
