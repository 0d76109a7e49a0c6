// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport create, rm, ls, stat, chmod: mailboxes as named objects.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parse.h"

#define PROC_MSGPORT	"/proc/msgport"

static const char create_usage[] =
	"Usage: msgport create NAME [OPTIONS]\n"
	"\n"
	"Create the mailbox NAME (1..255 printable bytes, no '/').  Fails if it exists.\n"
	"\n"
	"  -c, --capacity N|unbounded  messages it buffers (default 16); 0 makes a\n"
	"                              rendezvous: a send completes only when taken\n"
	"  -s, --max-size BYTES        largest message (suffixes K, M, G; default: the\n"
	"                              module's default_msg_size parameter)\n"
	"  -m, --mode OCTAL            permission bits (default 0600): read lets\n"
	"                              others receive, write lets them send\n"
	"  -e, --ephemeral             remove it when its last descriptor closes (for\n"
	"                              this command: as soon as it exits)\n"
	"  -r, --region BYTES          give it a shared region of BYTES (rounded up to\n"
	"                              pages; suffixes K, M, G), zero-filled, that\n"
	"                              processes mmap (see 'msgport dump'); with\n"
	"                              --capacity 0 and no messages, a plain shared-\n"
	"                              memory object like shm_open's\n"
	"  -h, --help                  show this help\n";

static const char rm_usage[] =
	"Usage: msgport rm NAME...\n"
	"\n"
	"Remove (unlink) mailboxes.  A removed mailbox lives on until its last\n"
	"descriptor closes, but its blocked senders and receivers wake with an error\n"
	"and its queued messages are dropped.  Only the owner (or root) may do this.\n"
	"\n"
	"  -h, --help   show this help\n";

static const char ls_usage[] =
	"Usage: msgport ls\n"
	"\n"
	"List the mailboxes of the system (the " PROC_MSGPORT " table), aligned.\n"
	"\n"
	"  -h, --help   show this help\n";

static const char stat_usage[] =
	"Usage: msgport stat NAME\n"
	"\n"
	"Show a mailbox's attributes and counters, one 'key: value' per line.\n"
	"\n"
	"  -h, --help   show this help\n";

static const char chmod_usage[] =
	"Usage: msgport chmod OCTAL NAME\n"
	"\n"
	"Change a mailbox's permission bits (0..0777).  Only the owner (or root).\n"
	"\n"
	"  -h, --help   show this help\n";

int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "capacity",  required_argument, NULL, 'c' },
		{ "max-size",  required_argument, NULL, 's' },
		{ "mode",      required_argument, NULL, 'm' },
		{ "ephemeral", no_argument,       NULL, 'e' },
		{ "region",    required_argument, NULL, 'r' },
		CLI_OPT_HELP,
		CLI_OPT_END,
	};
	struct cli_opts o = CLI_OPTS_INIT(create_usage);
	struct msgport_attr attr = { .capacity = 16, .max_msg_size = 0, .mode = 0600 };
	uint32_t region;
	unsigned int oflags = MSGPORT_O_CREAT | MSGPORT_O_EXCL;
	struct msgport_mailbox *mb;
	struct msgport *mp;
	const char *name;
	int c, ret;

	while ((c = cli_getopt(argc, argv, "c:s:m:er:h", opts)) != -1) {
		switch (c) {
		case 'c':
			ret = parse_capacity(optarg, &attr.capacity);
			if (ret)
				return cli_bad_value("--capacity", optarg, ret);
			break;
		case 's':
			ret = parse_size(optarg, &attr.max_msg_size);
			if (ret)
				return cli_bad_value("--max-size", optarg, ret);
			break;
		case 'm':
			ret = parse_mode(optarg, &attr.mode);
			if (ret)
				return cli_bad_value("--mode", optarg, ret);
			break;
		case 'e':
			oflags |= MSGPORT_O_EPHEMERAL;
			break;
		case 'r':
			ret = parse_size(optarg, &region);
			if (ret)
				return cli_bad_value("--region", optarg, ret);
			attr.region_size = region;
			break;
		default:
			ret = cli_option(c, &o);
			if (ret >= 0)
				return ret;
		}
	}
	ret = cli_operands(argc, argv, 1, 1, "missing NAME");
	if (ret)
		return ret;
	name = argv[optind];

	ret = cli_open_device(&mp);
	if (ret)
		return ret;
	ret = msgport_mailbox_open(mp, name, oflags, &attr, &mb);
	msgport_close(mp);
	if (ret == -EEXIST) {
		cli_error("create '%s': a mailbox with that name already exists", name);
		return 1;
	}
	if (ret == -EINVAL && !check_mailbox_name(name) && attr.max_msg_size) {
		cli_error("create '%s': invalid argument: is --max-size above the module's "
			  "limit (/sys/module/msgport/parameters/max_msg_size)?", name);
		return 1;
	}
	if (ret == -EFBIG || ret == -EDQUOT) {
		cli_error("create '%s': a region of %" PRIu64 " bytes: %s", name,
			  (uint64_t)attr.region_size, msgport_strerror(ret));
		return 1;
	}
	if (ret < 0)
		return cli_fail_name(ret, "create", name);
	msgport_mailbox_close(mb);
	return 0;
}

int cmd_rm(int argc, char **argv)
{
	struct msgport *mp;
	int i, ret, status = 0;

	ret = cli_help_option(argc, argv, rm_usage);
	if (ret >= 0)
		return ret;
	ret = cli_operands(argc, argv, 1, INT_MAX, "missing NAME");
	if (ret)
		return ret;

	ret = cli_open_device(&mp);
	if (ret)
		return ret;
	for (i = optind; i < argc; i++) {
		ret = msgport_mailbox_unlink(mp, argv[i]);
		if (ret == -ENOENT) {
			cli_error("rm '%s': no such mailbox", argv[i]);
			status = 1;
		} else if (ret < 0) {
			cli_fail_name(ret, "rm", argv[i]);
			status = 1;
		}
	}
	msgport_close(mp);
	return status;
}

/* A table read from /proc/msgport: rows of whitespace-separated cells. */
struct table {
	char ***rows;
	size_t *ncells;
	size_t nrows;
};

static void table_free(struct table *t)
{
	size_t i, j;

	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->ncells[i]; j++)
			free(t->rows[i][j]);
		free(t->rows[i]);
	}
	free(t->rows);
	free(t->ncells);
}

/* Splits line into t's next row; returns 0 or -ENOMEM. */
static int table_add(struct table *t, char *line)
{
	char **cells = NULL, **nc, ***nr, *tok, *save = NULL;
	size_t n = 0, *nn;

	for (tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		nc = realloc(cells, (n + 1) * sizeof(*cells));
		if (!nc)
			goto nomem;
		cells = nc;
		cells[n] = strdup(tok);
		if (!cells[n])
			goto nomem;
		n++;
	}
	if (!n)
		return 0;
	nr = realloc(t->rows, (t->nrows + 1) * sizeof(*t->rows));
	if (!nr)
		goto nomem;
	t->rows = nr;
	nn = realloc(t->ncells, (t->nrows + 1) * sizeof(*t->ncells));
	if (!nn)
		goto nomem;
	t->ncells = nn;
	t->rows[t->nrows] = cells;
	t->ncells[t->nrows] = n;
	t->nrows++;
	return 0;
nomem:
	while (n)
		free(cells[--n]);
	free(cells);
	return -ENOMEM;
}

/* A number, or "unbounded" in a capacity column: aligned as numbers. */
static int is_number(const char *s)
{
	if (!strcmp(s, "unbounded"))
		return 1;
	if (*s == '-')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/*
 * Prints t aligned: each column as wide as its widest cell, numeric
 * columns (every cell below the header a number) right-aligned.
 */
static int table_print(const struct table *t)
{
	size_t cols = 0, i, j, *width;
	int *numeric;

	for (i = 0; i < t->nrows; i++)
		if (t->ncells[i] > cols)
			cols = t->ncells[i];
	width = calloc(cols + 1, sizeof(*width));
	numeric = calloc(cols + 1, sizeof(*numeric));
	if (!width || !numeric) {
		free(width);
		free(numeric);
		return -ENOMEM;
	}
	for (j = 0; j < cols; j++)
		numeric[j] = t->nrows > 1;
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->ncells[i]; j++) {
			size_t w = strlen(t->rows[i][j]);

			if (w > width[j])
				width[j] = w;
			if (i > 0 && !is_number(t->rows[i][j]))
				numeric[j] = 0;
		}
	}
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; j < t->ncells[i]; j++) {
			int last = j + 1 == t->ncells[i];
			int w = (int)width[j];

			if (numeric[j])
				printf("%*s", w, t->rows[i][j]);
			else
				printf("%-*s", last ? 0 : w, t->rows[i][j]);
			fputs(last ? "\n" : "  ", stdout);
		}
	}
	free(width);
	free(numeric);
	return 0;
}

int cmd_ls(int argc, char **argv)
{
	struct table t = { NULL, NULL, 0 };
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ret;

	ret = cli_help_option(argc, argv, ls_usage);
	if (ret >= 0)
		return ret;
	ret = cli_operands(argc, argv, 0, 0, NULL);
	if (ret)
		return ret;

	f = fopen(PROC_MSGPORT, "re");
	if (!f) {
		if (errno == ENOENT) {
			cli_error("ls: %s missing: is the msgport module loaded?", PROC_MSGPORT);
			return 1;
		}
		cli_error("ls: %s: %s", PROC_MSGPORT, strerror(errno));
		return 1;
	}
	ret = 0;
	while (getline(&line, &cap, f) >= 0) {
		ret = table_add(&t, line);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	free(line);
	fclose(f);
	if (!ret)
		ret = table_print(&t);
	table_free(&t);
	if (ret) {
		cli_error("ls: %s: %s", PROC_MSGPORT, strerror(-ret));
		return 1;
	}
	return 0;
}

static void print_capacity(uint32_t capacity)
{
	if (capacity == MSGPORT_CAPACITY_UNBOUNDED)
		puts("unbounded");
	else if (capacity == 0)
		puts("0 (rendezvous)");
	else
		printf("%" PRIu32 "\n", capacity);
}

static const char *stat_flags(uint32_t flags)
{
	switch (flags & (MSGPORT_STAT_EPHEMERAL | MSGPORT_STAT_UNLINKED)) {
	case MSGPORT_STAT_EPHEMERAL | MSGPORT_STAT_UNLINKED:
		return "ephemeral,unlinked";
	case MSGPORT_STAT_EPHEMERAL:
		return "ephemeral";
	case MSGPORT_STAT_UNLINKED:
		return "unlinked";
	default:
		return "-";
	}
}

int cmd_stat(int argc, char **argv)
{
	struct msgport_mailbox *mb;
	struct msgport_stat st;
	const char *name;
	int ret;

	ret = cli_help_option(argc, argv, stat_usage);
	if (ret >= 0)
		return ret;
	ret = cli_operands(argc, argv, 1, 1, "missing NAME");
	if (ret)
		return ret;
	name = argv[optind];

	/* Neither O_RECV nor O_SEND: a descriptor that may only stat. */
	ret = cli_open_mailbox(name, 0, &mb);
	if (ret)
		return ret;
	ret = msgport_mailbox_stat(mb, &st);
	msgport_mailbox_close(mb);
	if (ret < 0)
		return cli_fail(ret, "stat '%s'", name);

	printf("name:              %s\n", st.name);
	printf("owner:             uid %" PRIu32 ", gid %" PRIu32 "\n",
	       (uint32_t)st.uid, (uint32_t)st.gid);
	printf("mode:              %04" PRIo32 "\n", (uint32_t)st.mode);
	fputs("capacity:          ", stdout);
	print_capacity(st.capacity);
	printf("max message size:  %" PRIu32 " bytes\n", (uint32_t)st.max_msg_size);
	printf("flags:             %s\n", stat_flags(st.flags));
	printf("queued messages:   %" PRIu64 "\n", (uint64_t)st.queued_msgs);
	printf("queued bytes:      %" PRIu64 "\n", (uint64_t)st.queued_bytes);
	printf("waiting senders:   %" PRIu32 "\n", (uint32_t)st.waiting_senders);
	printf("waiting receivers: %" PRIu32 "\n", (uint32_t)st.waiting_receivers);
	printf("sent:              %" PRIu64 "\n", (uint64_t)st.sent);
	printf("received:          %" PRIu64 "\n", (uint64_t)st.received);
	printf("dropped:           %" PRIu64 "\n", (uint64_t)st.dropped);
	printf("region:            %" PRIu64 " bytes\n", (uint64_t)st.region_size);
	printf("region mappings:   %" PRIu64 "\n", (uint64_t)st.region_maps);
	return 0;
}

int cmd_chmod(int argc, char **argv)
{
	struct msgport_mailbox *mb;
	const char *name;
	uint32_t mode;
	int ret;

	ret = cli_help_option(argc, argv, chmod_usage);
	if (ret >= 0)
		return ret;
	ret = cli_operands(argc, argv, 2, 2, "expected OCTAL NAME");
	if (ret)
		return ret;
	ret = parse_mode(argv[optind], &mode);
	if (ret)
		return cli_bad_value("mode", argv[optind], ret);
	name = argv[optind + 1];

	ret = cli_open_mailbox(name, 0, &mb);
	if (ret)
		return ret;
	ret = msgport_mailbox_chmod(mb, mode);
	msgport_mailbox_close(mb);
	if (ret < 0)
		return cli_fail(ret, "chmod '%s'", name);
	return 0;
}
