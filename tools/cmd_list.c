// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport ls, stat: mailboxes as tables, as lsipc(1) shows System V IPC.
 *
 * Both print the same columns through libsmartcols: ls one row per mailbox
 * of /proc/msgport (every mailbox of the IPC namespace, whether or not we
 * may open it), stat one mailbox asked with MSGPORT_IOC_STAT (which adds
 * what /proc does not show: calls, unlinked).  Columns are chosen with
 * -o/--output; --json, --raw, --noheadings and --bytes work as in lsipc.
 * stat's default is a list of "key: value" lines, as lsipc --id prints.
 *
 * /proc/msgport is read by its header line, so that a column the module
 * adds or leaves out moves nothing: a column whose data the module did not
 * give is empty (null in JSON).
 *
 * A build without libsmartcols (MSGPORT_HAVE_SMARTCOLS undefined, e.g. a
 * 32-bit build on a host without the i386 library) takes the options and
 * then says that ls and stat are not available; other commands work.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stddef.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef MSGPORT_HAVE_SMARTCOLS
#include <libsmartcols.h>
#endif

#include "cli.h"

#define PROC_MSGPORT	"/proc/msgport"

#ifdef MSGPORT_HAVE_SMARTCOLS
static const int have_smartcols = 1;
#else
static const int have_smartcols;
#endif

enum col_id {
	COL_NAME, COL_USER, COL_UID, COL_GROUP, COL_GID, COL_MODE, COL_PERMS,
	COL_CAPACITY, COL_MAXSIZE, COL_FLAGS, COL_MSGS, COL_BYTES, COL_WSEND,
	COL_WRECV, COL_SENT, COL_RECV, COL_DROPPED, COL_CALLS, COL_REGION,
	COL_MAPS, NCOLS
};

enum col_kind {
	K_TEXT,		/* a string */
	K_NUM,		/* a count */
	K_SIZE,		/* bytes: readable unless --bytes; a number in JSON */
};

struct col_info {
	const char *name;	/* for -o and the heading; lower case in JSON */
	const char *key;	/* stat's "key: value" lines */
	enum col_kind kind;
	const char *help;
};

static const struct col_info cols[NCOLS] = {
	[COL_NAME]     = { "NAME", "name", K_TEXT, "mailbox name" },
	[COL_USER]     = { "USER", "user", K_TEXT, "owner's user name (the uid if it has none)" },
	[COL_UID]      = { "UID", "uid", K_NUM, "owner's user id" },
	[COL_GROUP]    = { "GROUP", "group", K_TEXT, "owner's group name (the gid if it has none)" },
	[COL_GID]      = { "GID", "gid", K_NUM, "owner's group id" },
	[COL_MODE]     = { "MODE", "mode", K_TEXT, "permission bits, octal" },
	[COL_PERMS]    = { "PERMS", "permissions", K_TEXT, "permission bits, as ls -l shows them" },
	[COL_CAPACITY] = { "CAPACITY", "capacity", K_NUM,
			   "messages it buffers: 0 rendezvous, or unbounded (null in JSON)" },
	[COL_MAXSIZE]  = { "MAXSIZE", "max message size", K_SIZE, "largest message it accepts" },
	[COL_FLAGS]    = { "FLAGS", "flags", K_TEXT,
			   "ephemeral, unlinked (stat only), or - (null in JSON)" },
	[COL_MSGS]     = { "MSGS", "queued messages", K_NUM, "messages queued" },
	[COL_BYTES]    = { "BYTES", "queued bytes", K_SIZE, "bytes queued" },
	[COL_WSEND]    = { "WSEND", "waiting senders", K_NUM, "senders waiting for room" },
	[COL_WRECV]    = { "WRECV", "waiting receivers", K_NUM, "receivers waiting for a message" },
	[COL_SENT]     = { "SENT", "sent", K_NUM, "messages sent to it" },
	[COL_RECV]     = { "RECV", "received", K_NUM, "messages received from it" },
	[COL_DROPPED]  = { "DROPPED", "dropped", K_NUM,
			   "messages dropped (by unlink or the last close)" },
	[COL_CALLS]    = { "CALLS", "calls", K_NUM,
			   "calls taken and not yet answered (stat only)" },
	[COL_REGION]   = { "REGION", "region", K_SIZE, "size of its shared region (0: none)" },
	[COL_MAPS]     = { "MAPS", "region mappings", K_NUM, "memory mappings of its region" },
};

static const enum col_id ls_default[] = {
	COL_NAME, COL_USER, COL_GROUP, COL_MODE, COL_CAPACITY, COL_MAXSIZE, COL_MSGS,
	COL_BYTES, COL_WSEND, COL_WRECV, COL_SENT, COL_RECV, COL_DROPPED, COL_REGION,
	COL_MAPS, COL_FLAGS,
};

static const enum col_id stat_default[] = {
	COL_NAME, COL_USER, COL_UID, COL_GROUP, COL_GID, COL_MODE, COL_CAPACITY,
	COL_MAXSIZE, COL_FLAGS, COL_MSGS, COL_BYTES, COL_WSEND, COL_WRECV, COL_SENT,
	COL_RECV, COL_DROPPED, COL_CALLS, COL_REGION, COL_MAPS,
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* A mailbox to show, and which of its columns have data. */
struct row {
	struct msgport_stat st;
	uint32_t have;		/* 1 << enum col_id */
};

/* What ls and stat were asked. */
struct list_ctl {
	enum col_id col[NCOLS * 4];	/* -o may name a column more than once */
	size_t ncol;
	int json, raw, noheadings, bytes;
	int vertical;		/* stat without --json or --raw */
};

#define COMMON_USAGE \
	"  -o, --output COLUMNS  the columns to print, comma-separated (see below);\n" \
	"                        '+COLUMNS' adds them to the default ones\n" \
	"      --output-all      print every column\n" \
	"  -J, --json            JSON: numbers as numbers, sizes in bytes\n" \
	"  -r, --raw             raw output: no alignment, one space between columns\n" \
	"  -n, --noheadings      no heading line\n" \
	"  -b, --bytes           sizes in bytes (default: readable, as 4K, 1.5M)\n" \
	"  -h, --help            show this help\n" \
	"  -V, --version         show the version\n"

static const char ls_usage[] =
	"Usage: msgport ls [OPTIONS]\n"
	"\n"
	"List the mailboxes of this IPC namespace (those of " PROC_MSGPORT "), a\n"
	"table with a heading line, one row per mailbox.\n"
	"\n"
	COMMON_USAGE;

static const char stat_usage[] =
	"Usage: msgport stat NAME [OPTIONS]\n"
	"\n"
	"Show a mailbox's attributes and counters, one 'key: value' line per column\n"
	"(only the values with --noheadings); with --json or --raw, as ls shows it.\n"
	"Needs no permission on the mailbox.\n"
	"\n"
	COMMON_USAGE;

static void print_columns(void)
{
	size_t i;

	fputs("\nAvailable columns (for --output):\n", stdout);
	for (i = 0; i < NCOLS; i++)
		printf("  %9s  %s\n", cols[i].name, cols[i].help);
}

/* Appends the columns of spec ("NAME,MSGS") to ctl; 0 or 2 after saying why. */
static int parse_columns(const char *spec, struct list_ctl *ctl)
{
	const char *p = spec;

	while (*p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < NCOLS; i++)
			if (n && strlen(cols[i].name) == n && !strncasecmp(cols[i].name, p, n))
				break;
		if (i == NCOLS)
			return cli_usage("--output: unknown column '%.*s'", (int)n, p);
		if (ctl->ncol == ARRAY_SIZE(ctl->col))
			return cli_usage("--output: too many columns");
		ctl->col[ctl->ncol++] = (enum col_id)i;
		p += n;
		if (*p == ',' && p[1])
			p++;
		else if (*p == ',')
			return cli_usage("--output '%s': a column name is missing", spec);
	}
	if (!ctl->ncol)
		return cli_usage("--output: no column named");
	return 0;
}

static void set_columns(struct list_ctl *ctl, const enum col_id *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ctl->col[i] = c[i];
	ctl->ncol = n;
}

/*
 * The options of ls and stat into ctl; dflt are the default columns.
 * Returns -1 to go on, else the exit status.
 */
static int list_options(int argc, char **argv, const char *usage, const enum col_id *dflt,
			size_t ndflt, struct list_ctl *ctl)
{
	static const struct option opts[] = {
		{ "output",     required_argument, NULL, 'o' },
		{ "output-all", no_argument,       NULL, 'A' },
		{ "json",       no_argument,       NULL, 'J' },
		{ "raw",        no_argument,       NULL, 'r' },
		{ "noheadings", no_argument,       NULL, 'n' },
		{ "bytes",      no_argument,       NULL, 'b' },
		CLI_OPT_HELP,
		CLI_OPT_VERSION,
		CLI_OPT_END,
	};
	struct cli_opts o = CLI_OPTS_INIT(usage);
	const char *output = NULL;
	int c, all = 0, ret;
	size_t i;

	memset(ctl, 0, sizeof(*ctl));
	while ((c = cli_getopt(argc, argv, "o:JrnbhV", opts)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'A':
			all = 1;
			break;
		case 'J':
			ctl->json = 1;
			break;
		case 'r':
			ctl->raw = 1;
			break;
		case 'n':
			ctl->noheadings = 1;
			break;
		case 'b':
			ctl->bytes = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			print_columns();
			return 0;
		default:
			ret = cli_option(c, &o);
			if (ret >= 0)
				return ret;
		}
	}
	if (ctl->json && ctl->raw)
		return cli_usage("--json and --raw do not go together");
	if (all && output)
		return cli_usage("--output and --output-all do not go together");
	if (all) {
		for (i = 0; i < NCOLS; i++)
			ctl->col[i] = (enum col_id)i;
		ctl->ncol = NCOLS;
	} else if (output && output[0] != '+') {
		ret = parse_columns(output, ctl);
		if (ret)
			return ret;
	} else {
		set_columns(ctl, dflt, ndflt);
		if (output) {
			ret = parse_columns(output + 1, ctl);
			if (ret)
				return ret;
		}
	}
	return -1;
}

#ifdef MSGPORT_HAVE_SMARTCOLS

/* Readable bytes, as lsipc and lsblk print them: 512B, 4K, 1.5M. */
static void human_size(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "BKMGTPE";
	unsigned int e = 0;
	uint64_t tenths;
	double v = (double)bytes;

	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 "B", bytes);
		return;
	}
	while (v >= 1024 && e < sizeof(units) - 2) {
		v /= 1024;
		e++;
	}
	tenths = (uint64_t)(v * 10 + 0.5);
	if (tenths >= 10240 && e < sizeof(units) - 2) {
		tenths = (tenths + 512) / 1024;
		e++;
	}
	if (tenths % 10)
		snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "%c", tenths / 10, tenths % 10, units[e]);
	else
		snprintf(buf, size, "%" PRIu64 "%c", tenths / 10, units[e]);
}

static void perms_string(uint32_t mode, char *buf)
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	for (i = 0; i < 9; i++)
		buf[i] = mode & (0400U >> i) ? rwx[i] : '-';
	buf[9] = '\0';
}

/*
 * The text of row r's column c into buf (size bytes); "" for no data, which
 * libsmartcols prints as null in JSON.
 */
static void cell_text(const struct list_ctl *ctl, const struct row *r, enum col_id c,
		      char *buf, size_t size)
{
	const struct msgport_stat *st = &r->st;
	const struct passwd *pw;
	const struct group *gr;
	uint64_t v = 0;

	buf[0] = '\0';
	if (!(r->have & (1U << c)))
		return;
	switch (c) {
	case COL_NAME:
		snprintf(buf, size, "%s", st->name);
		return;
	case COL_USER:
		pw = getpwuid(st->uid);
		if (pw)
			snprintf(buf, size, "%s", pw->pw_name);
		else
			snprintf(buf, size, "%" PRIu32, (uint32_t)st->uid);
		return;
	case COL_GROUP:
		gr = getgrgid(st->gid);
		if (gr)
			snprintf(buf, size, "%s", gr->gr_name);
		else
			snprintf(buf, size, "%" PRIu32, (uint32_t)st->gid);
		return;
	case COL_MODE:
		snprintf(buf, size, "%04" PRIo32, (uint32_t)st->mode);
		return;
	case COL_PERMS:
		if (size > 9)
			perms_string(st->mode, buf);
		return;
	case COL_CAPACITY:
		if (st->capacity == MSGPORT_CAPACITY_UNBOUNDED) {
			if (!ctl->json)
				snprintf(buf, size, "unbounded");
			return;
		}
		v = st->capacity;
		break;
	case COL_FLAGS: {
		static const struct { uint32_t bit; const char *word; } words[] = {
			{ MSGPORT_STAT_EPHEMERAL, "ephemeral" },
			{ MSGPORT_STAT_TOPIC, "topic" },
			{ MSGPORT_STAT_UNLINKED, "unlinked" },
		};
		size_t i, at = 0;

		buf[0] = '\0';
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			if (!(st->flags & words[i].bit) || at >= size)
				continue;
			at += (size_t)snprintf(buf + at, size - at, "%s%s", at ? "," : "",
					       words[i].word);
		}
		if (!at && !ctl->json)
			snprintf(buf, size, "-");
		return;
	}
	case COL_UID:     v = st->uid; break;
	case COL_GID:     v = st->gid; break;
	case COL_MAXSIZE: v = st->max_msg_size; break;
	case COL_MSGS:    v = st->queued_msgs; break;
	case COL_BYTES:   v = st->queued_bytes; break;
	case COL_WSEND:   v = st->waiting_senders; break;
	case COL_WRECV:   v = st->waiting_receivers; break;
	case COL_SENT:    v = st->sent; break;
	case COL_RECV:    v = st->received; break;
	case COL_DROPPED: v = st->dropped; break;
	case COL_CALLS:   v = st->calls; break;
	case COL_REGION:  v = st->region_size; break;
	case COL_MAPS:    v = st->region_maps; break;
	case NCOLS:       return;
	}
	if (cols[c].kind == K_SIZE && !ctl->bytes && !ctl->json)
		human_size(v, buf, size);
	else
		snprintf(buf, size, "%" PRIu64, v);
}

/* The heading of column c: its name, lower case in JSON (as lsipc). */
static void heading(const struct list_ctl *ctl, enum col_id c, char *buf, size_t size)
{
	size_t i;

	snprintf(buf, size, "%s", cols[c].name);
	if (ctl->json)
		for (i = 0; buf[i]; i++)
			if (buf[i] >= 'A' && buf[i] <= 'Z')
				buf[i] = (char)(buf[i] - 'A' + 'a');
}

/* Prints rows as a table (or JSON: {"mailboxes": [...]}); 0 or -ENOMEM. */
static int print_table(const struct list_ctl *ctl, const struct row *rows, size_t nrows)
{
	struct libscols_table *tb = scols_new_table();
	char buf[MSGPORT_NAME_MAX + 64];
	size_t i, j;
	int ret = -ENOMEM;

	if (!tb)
		return -ENOMEM;
	scols_table_enable_json(tb, ctl->json);
	scols_table_enable_raw(tb, ctl->raw);
	scols_table_enable_noheadings(tb, ctl->noheadings);
	if (scols_table_set_name(tb, "mailboxes"))
		goto out;
	for (j = 0; j < ctl->ncol; j++) {
		enum col_id c = ctl->col[j];
		struct libscols_column *cl;

		heading(ctl, c, buf, sizeof(buf));
		cl = scols_table_new_column(tb, buf, 0, cols[c].kind == K_TEXT ? 0 : SCOLS_FL_RIGHT);
		if (!cl)
			goto out;
		if (cols[c].kind != K_TEXT)
			scols_column_set_json_type(cl, SCOLS_JSON_NUMBER);
	}
	for (i = 0; i < nrows; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			goto out;
		for (j = 0; j < ctl->ncol; j++) {
			cell_text(ctl, &rows[i], ctl->col[j], buf, sizeof(buf));
			if (scols_line_set_data(ln, j, buf))
				goto out;
		}
	}
	ret = scols_print_table(tb) ? -EIO : 0;
out:
	scols_unref_table(tb);
	return ret;
}

/* stat's "key: value" lines (only values with --noheadings); 0 or -ENOMEM. */
static int print_vertical(const struct list_ctl *ctl, const struct row *r)
{
	struct libscols_table *tb = scols_new_table();
	char buf[MSGPORT_NAME_MAX + 64];
	size_t j;
	int ret = -ENOMEM;

	if (!tb)
		return -ENOMEM;
	scols_table_enable_noheadings(tb, 1);
	if (!ctl->noheadings && !scols_table_new_column(tb, "KEY", 0, 0))
		goto out;
	if (!scols_table_new_column(tb, "VALUE", 0, 0))
		goto out;
	for (j = 0; j < ctl->ncol; j++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		size_t v = 0;

		if (!ln)
			goto out;
		if (!ctl->noheadings) {
			snprintf(buf, sizeof(buf), "%s:", cols[ctl->col[j]].key);
			if (scols_line_set_data(ln, v++, buf))
				goto out;
		}
		cell_text(ctl, r, ctl->col[j], buf, sizeof(buf));
		if (scols_line_set_data(ln, v, buf))
			goto out;
	}
	ret = scols_print_table(tb) ? -EIO : 0;
out:
	scols_unref_table(tb);
	return ret;
}

static int print_rows(const struct list_ctl *ctl, const struct row *rows, size_t nrows)
{
	int ret = ctl->vertical ? print_vertical(ctl, rows) : print_table(ctl, rows, nrows);

	if (ret) {
		cli_error("%s: printing: %s", cli_cmd, strerror(-ret));
		return 1;
	}
	return 0;
}

#else /* !MSGPORT_HAVE_SMARTCOLS */

static int print_rows(const struct list_ctl *ctl, const struct row *rows, size_t nrows)
{
	cli_error("%s: this msgport was built without libsmartcols, which ls and stat "
		  "print with; read %s instead", cli_cmd, PROC_MSGPORT);
	return 1;
}

#endif /* MSGPORT_HAVE_SMARTCOLS */

/* How a /proc/msgport field is read into struct msgport_stat. */
enum proc_kind {
	PROC_NAME,	/* the text, into name[] */
	PROC_FLAGS,	/* words: "ephemeral", "unlinked" */
	PROC_NUMBER,	/* a decimal number */
	PROC_OCTAL,	/* an octal number (mode) */
	PROC_CAPACITY,	/* a decimal number or "unbounded" */
};

#define PROC_COL(h, kind, field, c)						\
	{ h, kind, offsetof(struct msgport_stat, field),			\
	  sizeof(((struct msgport_stat *)NULL)->field), c }

/* The /proc/msgport columns, by their heading: where they go, what they fill in. */
static const struct {
	const char *heading;
	enum proc_kind kind;
	size_t off, size;	/* its field in struct msgport_stat */
	uint32_t cols;		/* 1 << enum col_id */
} proc_cols[] = {
	PROC_COL("name",     PROC_NAME,     name,              1U << COL_NAME),
	PROC_COL("uid",      PROC_NUMBER,   uid,               1U << COL_UID | 1U << COL_USER),
	PROC_COL("gid",      PROC_NUMBER,   gid,               1U << COL_GID | 1U << COL_GROUP),
	PROC_COL("mode",     PROC_OCTAL,    mode,              1U << COL_MODE | 1U << COL_PERMS),
	PROC_COL("capacity", PROC_CAPACITY, capacity,          1U << COL_CAPACITY),
	PROC_COL("max_size", PROC_NUMBER,   max_msg_size,      1U << COL_MAXSIZE),
	PROC_COL("msgs",     PROC_NUMBER,   queued_msgs,       1U << COL_MSGS),
	PROC_COL("bytes",    PROC_NUMBER,   queued_bytes,      1U << COL_BYTES),
	PROC_COL("wsend",    PROC_NUMBER,   waiting_senders,   1U << COL_WSEND),
	PROC_COL("wrecv",    PROC_NUMBER,   waiting_receivers, 1U << COL_WRECV),
	PROC_COL("sent",     PROC_NUMBER,   sent,              1U << COL_SENT),
	PROC_COL("recv",     PROC_NUMBER,   received,          1U << COL_RECV),
	PROC_COL("dropped",  PROC_NUMBER,   dropped,           1U << COL_DROPPED),
	PROC_COL("region",   PROC_NUMBER,   region_size,       1U << COL_REGION),
	PROC_COL("maps",     PROC_NUMBER,   region_maps,       1U << COL_MAPS),
	PROC_COL("flags",    PROC_FLAGS,    flags,             1U << COL_FLAGS),
};

#define PROC_MAX_FIELDS	64

/* Which proc_cols[] entry each field of the header line is; -1 unknown. */
static size_t parse_header(char *line, int *field)
{
	char *tok, *save = NULL;
	size_t n = 0, k;

	for (tok = strtok_r(line, " \t\n", &save); tok && n < PROC_MAX_FIELDS;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		field[n] = -1;
		for (k = 0; k < ARRAY_SIZE(proc_cols); k++)
			if (!strcmp(tok, proc_cols[k].heading))
				field[n] = (int)k;
		n++;
	}
	return n;
}

static int parse_u64(const char *s, int base, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, base);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

/*
 * Field tok of /proc/msgport, of the column proc_cols[k], into st: 0, or -1
 * when it does not parse (then shown as no data).
 */
static int parse_field(const char *tok, size_t k, struct msgport_stat *st)
{
	char *field = (char *)st + proc_cols[k].off;
	uint64_t v;
	uint32_t v32;

	switch (proc_cols[k].kind) {
	case PROC_NAME:
		snprintf(st->name, sizeof(st->name), "%s", tok);
		return 0;
	case PROC_FLAGS:
		if (strstr(tok, "ephemeral"))
			st->flags |= MSGPORT_STAT_EPHEMERAL;
		if (strstr(tok, "unlinked"))
			st->flags |= MSGPORT_STAT_UNLINKED;
		if (strstr(tok, "topic"))
			st->flags |= MSGPORT_STAT_TOPIC;
		return 0;
	case PROC_CAPACITY:
	case PROC_NUMBER:
	case PROC_OCTAL:
		if (proc_cols[k].kind == PROC_CAPACITY && !strcmp(tok, "unbounded"))
			v = MSGPORT_CAPACITY_UNBOUNDED;
		else if (parse_u64(tok, proc_cols[k].kind == PROC_OCTAL ? 8 : 10, &v))
			return -1;
		if (proc_cols[k].size == sizeof(v)) {
			memcpy(field, &v, sizeof(v));
			return 0;
		}
		if (proc_cols[k].size != sizeof(v32) || v > UINT32_MAX)
			return -1;
		v32 = (uint32_t)v;
		memcpy(field, &v32, sizeof(v32));
		return 0;
	}
	return -1;
}

/* One mailbox line of /proc/msgport into r. */
static void parse_row(char *line, const int *field, size_t nfields, struct row *r)
{
	char *tok, *save = NULL;
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	for (tok = strtok_r(line, " \t\n", &save); tok && n < nfields;
	     tok = strtok_r(NULL, " \t\n", &save), n++) {
		int k = field[n];

		if (k >= 0 && !parse_field(tok, (size_t)k, &r->st))
			r->have |= proc_cols[k].cols;
	}
}

/* Reads /proc/msgport into *rowsp (*nrowsp rows); 0 or an exit code. */
static int read_proc(struct row **rowsp, size_t *nrowsp)
{
	int field[PROC_MAX_FIELDS];
	struct row *rows = NULL, *nr;
	size_t nrows = 0, nfields = 0, cap = 0;
	char *line = NULL;
	int err = 0;
	FILE *f;

	f = fopen(PROC_MSGPORT, "re");
	if (!f) {
		if (errno == ENOENT)
			cli_error("ls: %s missing: is the msgport module loaded? (try 'msgport load')",
				  PROC_MSGPORT);
		else
			cli_error("ls: %s: %s", PROC_MSGPORT, strerror(errno));
		return 1;
	}
	while (getline(&line, &cap, f) >= 0) {
		if (!nfields) {
			nfields = parse_header(line, field);
			continue;
		}
		nr = realloc(rows, (nrows + 1) * sizeof(*rows));
		if (!nr) {
			err = ENOMEM;
			break;
		}
		rows = nr;
		parse_row(line, field, nfields, &rows[nrows]);
		if (rows[nrows].have)
			nrows++;
	}
	if (!err && ferror(f))
		err = errno ? errno : EIO;
	free(line);
	fclose(f);
	if (err) {
		free(rows);
		cli_error("ls: %s: %s", PROC_MSGPORT, strerror(err));
		return 1;
	}
	*rowsp = rows;
	*nrowsp = nrows;
	return 0;
}

int cmd_ls(int argc, char **argv)
{
	struct list_ctl ctl;
	struct row *rows = NULL;
	size_t nrows = 0;
	int ret;

	ret = list_options(argc, argv, ls_usage, ls_default, ARRAY_SIZE(ls_default), &ctl);
	if (ret >= 0)
		return ret;
	ret = cli_operands(argc, argv, 0, 0, NULL);
	if (ret)
		return ret;
	if (!have_smartcols)
		return print_rows(&ctl, NULL, 0);	/* says why not */
	ret = read_proc(&rows, &nrows);
	if (ret)
		return ret;
	ret = print_rows(&ctl, rows, nrows);
	free(rows);
	return ret;
}

int cmd_stat(int argc, char **argv)
{
	struct msgport_mailbox *mb;
	struct list_ctl ctl;
	struct row r;
	const char *name;
	int ret;

	ret = list_options(argc, argv, stat_usage, stat_default, ARRAY_SIZE(stat_default), &ctl);
	if (ret >= 0)
		return ret;
	ret = cli_operands(argc, argv, 1, 1, "missing NAME");
	if (ret)
		return ret;
	name = argv[optind];
	ctl.vertical = !ctl.json && !ctl.raw;
	if (!have_smartcols)
		return print_rows(&ctl, NULL, 0);	/* says why not */

	/* Neither O_RECV nor O_SEND: a descriptor that may only stat. */
	ret = cli_open_mailbox(name, 0, &mb);
	if (ret)
		return ret;
	memset(&r, 0, sizeof(r));
	ret = msgport_mailbox_stat(mb, &r.st);
	msgport_mailbox_close(mb);
	if (ret < 0)
		return cli_fail(ret, "stat '%s'", name);
	r.have = (1U << NCOLS) - 1;
	return print_rows(&ctl, &r, 1);
}
