// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport create, rm, chmod: mailboxes as named objects (ls and stat are in
 * cmd_list.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parse.h"

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
	"  -T, --topic[=POLICIES]      make it a topic: every message sent to it goes\n"
	"                              to every subscriber ('msgport subscribe'), each\n"
	"                              with a queue of --capacity messages; POLICIES,\n"
	"                              comma-separated, are what subscribers may do\n"
	"                              when theirs is full: drop-old, drop-new, block\n"
	"                              (makes publishers wait); default drop-old,drop-new\n"
	"  -h, --help                  show this help\n"
	"  -V, --version               show the version\n";

static const char rm_usage[] =
	"Usage: msgport rm NAME...\n"
	"\n"
	"Remove (unlink) mailboxes.  A removed mailbox lives on until its last\n"
	"descriptor closes, but its blocked senders and receivers wake with an error\n"
	"and its queued messages are dropped.  Only the owner (or root) may do this.\n"
	"\n"
	"  -h, --help      show this help\n"
	"  -V, --version   show the version\n";

static const char chmod_usage[] =
	"Usage: msgport chmod OCTAL NAME\n"
	"\n"
	"Change a mailbox's permission bits (0..0777).  Only the owner (or root).\n"
	"\n"
	"  -h, --help      show this help\n"
	"  -V, --version   show the version\n";

/* --topic's POLICIES: a comma-separated list, into MSGPORT_TOPIC_* bits. */
static int parse_policies(const char *s, uint32_t *out)
{
	static const struct { const char *name; uint32_t bit; } known[] = {
		{ "drop-old", MSGPORT_TOPIC_DROP_OLD },
		{ "drop-new", MSGPORT_TOPIC_DROP_NEW },
		{ "block", MSGPORT_TOPIC_BLOCK },
	};
	uint32_t bits = 0;

	while (*s) {
		size_t len = strcspn(s, ","), i;

		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i].name) == len && !strncmp(s, known[i].name, len))
				break;
		if (i == sizeof(known) / sizeof(known[0]))
			return -EINVAL;
		bits |= known[i].bit;
		s += len + (s[len] == ',');
	}
	if (!bits)
		return -EINVAL;
	*out = bits;
	return 0;
}

int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "capacity",  required_argument, NULL, 'c' },
		{ "max-size",  required_argument, NULL, 's' },
		{ "mode",      required_argument, NULL, 'm' },
		{ "ephemeral", no_argument,       NULL, 'e' },
		{ "region",    required_argument, NULL, 'r' },
		{ "topic",     optional_argument, NULL, 'T' },
		CLI_OPT_HELP,
		CLI_OPT_VERSION,
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

	while ((c = cli_getopt(argc, argv, "c:s:m:er:T::hV", opts)) != -1) {
		switch (c) {
		case 'T':
			oflags |= MSGPORT_O_TOPIC;
			ret = optarg ? parse_policies(optarg, &attr.topic) : 0;
			if (ret)
				return cli_bad_value("--topic", optarg, ret);
			break;
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
	if ((oflags & MSGPORT_O_TOPIC) &&
	    (!attr.capacity || attr.capacity == MSGPORT_CAPACITY_UNBOUNDED)) {
		cli_error("create '%s': a topic's --capacity is a number of at least 1", name);
		return 2;
	}

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
