// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport dump: a hex dump of a mailbox's shared region.
 *
 * The mailbox is opened for receiving only (read permission), so the region
 * maps read-only and nothing is received.  The format is hexdump -C's:
 * offset, 16 bytes in hex, the printable ones in ASCII, and a '*' line for a
 * run of lines equal to the one before.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "parse.h"

static const char dump_usage[] =
	"Usage: msgport dump NAME [OPTIONS]\n"
	"\n"
	"Print the shared region of the mailbox NAME (see 'msgport create --region') as\n"
	"a hex dump: offset, 16 bytes in hex, the same as text; '*' stands for lines\n"
	"equal to the one above.  Needs read permission; receives nothing.\n"
	"\n"
	"  -o, --offset O   start at byte O (default 0; suffixes K, M, G)\n"
	"  -l, --length L   dump L bytes (default: to the end of the region)\n"
	"  -h, --help       show this help\n"
	"  -V, --version    show the version\n"
	"\n"
	"Exit status: 0 dumped; 1 failure (no such mailbox, no region, offset or\n"
	"length beyond the region); 2 usage.\n";

int cmd_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		CLI_OPT_HELP,
		CLI_OPT_VERSION,
		CLI_OPT_END,
	};
	struct cli_opts o = CLI_OPTS_INIT(dump_usage);
	uint32_t offset = 0, length = 0;
	int has_length = 0, c, ret;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	const char *name;
	uint64_t size;

	while ((c = cli_getopt(argc, argv, "o:l:hV", opts)) != -1) {
		switch (c) {
		case 'o':
			ret = parse_size(optarg, &offset);
			if (ret)
				return cli_bad_value("--offset", optarg, ret);
			break;
		case 'l':
			ret = parse_size(optarg, &length);
			if (ret)
				return cli_bad_value("--length", optarg, ret);
			has_length = 1;
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

	ret = cli_open_mailbox(name, MSGPORT_O_RECV, &mb);
	if (ret)
		return ret;
	ret = msgport_region_map(mb, &r);
	msgport_mailbox_close(mb);
	if (ret == -ENODEV) {
		cli_error("dump '%s': the mailbox has no shared region (create one with "
			  "'msgport create %s --region BYTES')", name, name);
		return 1;
	}
	if (ret < 0)
		return cli_fail(ret, "dump '%s': mapping its region", name);

	size = msgport_region_size(r);
	if (offset > size || (has_length && length > size - offset)) {
		cli_error("dump '%s': %s beyond the region's %" PRIu64 " bytes", name,
			  offset > size ? "--offset" : "--offset plus --length", size);
		msgport_region_unmap(r);
		return 1;
	}
	cli_hexdump((const unsigned char *)msgport_region_addr(r) + offset, offset,
		    has_length ? length : size - offset);
	msgport_region_unmap(r);
	return 0;
}
