// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport: command-line tool for the msgport kernel module.
 *
 *   msgport [--help] [--version] COMMAND [ARGS...]
 *
 * The subcommands live in cmd_module.c (load, unload, version),
 * cmd_mailbox.c (create, rm, chmod), cmd_list.c (ls, stat: tables and
 * JSON through libsmartcols), cmd_message.c (send, recv, also to and from
 * a process's inbox), cmd_region.c (dump) and cmd_rpc.c (call, serve);
 * exit codes are described in cli.h.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{ "load",    cmd_load,    "load the msgport kernel module (libkmod)" },
	{ "unload",  cmd_unload,  "unload the msgport kernel module" },
	{ "version", cmd_version, "print library, ABI and module versions" },
	{ "create",  cmd_create,  "create a mailbox" },
	{ "rm",      cmd_rm,      "remove (unlink) mailboxes" },
	{ "ls",      cmd_ls,      "list mailboxes (table, --json, --output COLUMNS)" },
	{ "stat",    cmd_stat,    "show a mailbox's attributes and counters" },
	{ "chmod",   cmd_chmod,   "change a mailbox's permission bits" },
	{ "send",    cmd_send,    "send messages to a mailbox, or to a process (--pid)" },
	{ "recv",    cmd_recv,    "receive messages from a mailbox, or from an inbox (--inbox)" },
	{ "subscribe", cmd_subscribe, "subscribe to a topic and print what is published" },
	{ "dump",    cmd_dump,    "hex dump of a mailbox's shared region" },
	{ "call",    cmd_call,    "call a server (mailbox or process) and print the reply" },
	{ "serve",   cmd_serve,   "answer calls with a command's output" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct cli_command *c;

	fputs("Usage: msgport [--help] [--version] COMMAND [ARGS...]\n"
	      "\n"
	      "Message passing through the msgport kernel module: named mailboxes with\n"
	      "zero (rendezvous), bounded or unbounded capacity, per-process inboxes\n"
	      "addressed by pid, and calls (RPC) answered by servers.\n"
	      "\n"
	      "Commands:\n", f);
	for (c = commands; c->name; c++)
		fprintf(f, "  %-8s  %s\n", c->name, c->summary);
	fputs("\n"
	      "'msgport COMMAND --help' (or 'msgport help COMMAND') describes a command;\n"
	      "every command also takes --version.\n"
	      "\n"
	      "Exit status: 0 success; 1 failure (message on stderr); 2 usage error;\n"
	      "75 (EX_TEMPFAIL) a non-blocking or timed send/recv found no room/no message,\n"
	      "or a call got no reply in time.\n", f);
}

static const struct cli_command *find_command(const char *name)
{
	const struct cli_command *c;

	for (c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int run_command(const struct cli_command *c, int argc, char **argv)
{
	int ret;

	cli_cmd = c->name;
	optind = 0;	/* glibc: start a fresh scan of the new argv */
	ret = c->run(argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_error("%s: write error on standard output", c->name);
		return 1;
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *c;
	int opt;

	/* '+': stop at the command name; its options are its own. */
	while ((opt = cli_getopt(argc, argv, "+hV", opts)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			cli_print_version();
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	argc -= optind;
	argv += optind;
	if (!strcmp(argv[0], "help")) {
		static char help[] = "--help";
		char *hargv[] = { NULL, help, NULL };

		if (argc < 2) {
			usage(stdout);
			return 0;
		}
		c = find_command(argv[1]);
		if (!c) {
			cli_error("help: unknown command '%s' (see 'msgport --help')", argv[1]);
			return EXIT_USAGE;
		}
		hargv[0] = argv[1];
		return run_command(c, 2, hargv);
	}
	c = find_command(argv[0]);
	if (!c) {
		cli_error("unknown command '%s' (see 'msgport --help')", argv[0]);
		return EXIT_USAGE;
	}
	return run_command(c, argc, argv);
}
