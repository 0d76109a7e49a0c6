/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The msgport CLI: subcommands and the helpers they share for messages and
 * exit codes.
 *
 * Exit codes: 0 success; 1 failure ("msgport: <what>: <why>" on stderr);
 * 2 usage error; 75 (EX_TEMPFAIL) when a non-blocking or timed operation
 * found no message or no room.
 */
#ifndef MSGPORT_TOOLS_CLI_H
#define MSGPORT_TOOLS_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <sysexits.h>

#include "libmsgport.h"

#define EXIT_USAGE	2
#define EXIT_TEMPFAIL	EX_TEMPFAIL

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Subcommands: argv[0] is the subcommand's name. */
int cmd_load(int argc, char **argv);		/* cmd_module.c */
int cmd_unload(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_create(int argc, char **argv);		/* cmd_mailbox.c */
int cmd_rm(int argc, char **argv);
int cmd_chmod(int argc, char **argv);
int cmd_ls(int argc, char **argv);		/* cmd_list.c */
int cmd_stat(int argc, char **argv);
int cmd_send(int argc, char **argv);		/* cmd_message.c */
int cmd_recv(int argc, char **argv);
int cmd_subscribe(int argc, char **argv);
int cmd_dump(int argc, char **argv);		/* cmd_region.c */
int cmd_call(int argc, char **argv);		/* cmd_rpc.c */
int cmd_serve(int argc, char **argv);

/* The subcommand being run, for messages ("create", ...); NULL before. */
extern const char *cli_cmd;

/* "msgport: <fmt>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * "msgport: <fmt>: <msgport_strerror(err)>" on stderr; returns the exit
 * code for err: EXIT_TEMPFAIL for -EAGAIN and -ETIMEDOUT, else 1.
 */
int cli_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "msgport: <cmd>: <fmt>" and a hint at --help on stderr; returns 2. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Runs getopt_long() over a subcommand's arguments with the shared
 * conventions: options may follow operands, "--" ends them, unknown options
 * and missing arguments are usage errors.  Returns the option character,
 * -1 at the end, or '?' after having printed the usage error (the caller
 * returns EXIT_USAGE).
 */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* Prints a value-parsing error for option opt ("--capacity") and returns 2. */
int cli_bad_value(const char *opt, const char *value, int err);

/*
 * Options several subcommands share, with one meaning, one letter and one
 * parser each, so that every subcommand reports them alike (cli_bad_value(),
 * exit 2).  A subcommand lists those it takes in its short options and with
 * the CLI_OPT_* entries in its long options; its own switch takes its other
 * options (a letter used otherwise, as recv's -p for --peek, is taken there
 * first) and hands every remaining one to cli_option().
 */
struct cli_opts {
	const char *usage;	/* -h, --help: printed to stdout, exit 0;
				 * -V, --version: the version, exit 0 */
	uint32_t pid;		/* -P, --pid PID: 1..INT32_MAX; 0 if not given */
	uint32_t prio;		/* -p, --priority P: 0..MSGPORT_PRIO_MAX */
	int64_t timeout_ns;	/* -t, --timeout SECONDS; MSGPORT_WAIT_FOREVER */
	uint32_t count;		/* -c, --count N: 1..UINT32_MAX; 0 if not given */
	unsigned int flags;	/* -n, --nonblock: MSGPORT_F_NONBLOCK */
	int verbose;		/* -v, --verbose */
	int inbox;		/* -i, --inbox */
	const char *pid_file;	/* --pid-file FILE */
};

#define CLI_OPTS_INIT(help)	{ .usage = (help), .timeout_ns = MSGPORT_WAIT_FOREVER }

#define CLI_OPT_PID		{ "pid",      required_argument, NULL, 'P' }
#define CLI_OPT_PRIORITY	{ "priority", required_argument, NULL, 'p' }
#define CLI_OPT_TIMEOUT		{ "timeout",  required_argument, NULL, 't' }
#define CLI_OPT_COUNT		{ "count",    required_argument, NULL, 'c' }
#define CLI_OPT_NONBLOCK	{ "nonblock", no_argument,       NULL, 'n' }
#define CLI_OPT_VERBOSE		{ "verbose",  no_argument,       NULL, 'v' }
#define CLI_OPT_INBOX		{ "inbox",    no_argument,       NULL, 'i' }
#define CLI_OPT_PID_FILE	{ "pid-file", required_argument, NULL, 'F' }
#define CLI_OPT_HELP		{ "help",     no_argument,       NULL, 'h' }
#define CLI_OPT_VERSION		{ "version",  no_argument,       NULL, 'V' }
#define CLI_OPT_END		{ NULL, 0, NULL, 0 }

/*
 * Takes option c (from cli_getopt(), value in optarg) into o.  Returns -1
 * when taken, else the exit status to return: 0 after --help or --version, EXIT_USAGE
 * after a bad value or for any other c (cli_getopt() has said why).
 */
int cli_option(int c, struct cli_opts *o);

/*
 * The options of a command whose only options are --help and --version
 * (cli_getopt() with "hV"): -1 to go on, else the exit status to return.
 */
int cli_help_option(int argc, char **argv, const char *usage);

/* A process id as option opt's value ("--from"): 0, or 2 after saying why. */
int cli_pid_value(const char *opt, const char *value, uint32_t *pid);

/*
 * Checks the number of operands after the options (argv[optind..]): fewer
 * than min is the usage error missing ("missing NAME"), more than max is
 * "unexpected argument '<the first extra one>'".  Returns 0 or 2.
 */
int cli_operands(int argc, char **argv, int min, int max, const char *missing);

/*
 * Explains a failure err of operation what ("create", ...) on mailbox name,
 * telling a malformed name from other -EINVAL causes; returns the exit code.
 */
int cli_fail_name(int err, const char *what, const char *name);

/*
 * Writes our pid (and a newline) to path, atomically (a temporary file
 * renamed into place), explaining a failure; returns 0 or 1.
 */
int cli_write_pid_file(const char *path);

/*
 * A hex dump as hexdump -C prints it: for each 16 bytes of base[0..len) the
 * offset (counted from off), the bytes in hex and as text ('.' for the
 * unprintable); '*' for lines equal to the one above; the end offset last.
 */
void cli_hexdump(const unsigned char *base, uint64_t off, uint64_t len);

/* Prints "msgport VERSION (ABI MAJOR.MINOR)" (--version) to stdout. */
void cli_print_version(void);

/*
 * The device msgport_open(NULL) opens: $MSGPORT_DEVICE (ignored by set-uid
 * programs), else MSGPORT_DEVICE_PATH.
 */
const char *cli_device_path(void);

/*
 * Explains an -EPROTO from msgport_open(): the module and the library speak
 * different ABI majors.  Asks the module its versions itself (the library
 * refuses it) and prints one line naming both, and what to do.  Returns 1.
 */
int cli_abi_mismatch(void);

/*
 * Opens the device, explaining a failure (not loaded, no access, an ABI
 * mismatch: cli_abi_mismatch()); returns 0 or an exit code.
 */
int cli_open_device(struct msgport **mpp);

/*
 * Opens mailbox name with oflags (through a descriptor of the device kept
 * only for that), explaining a failure; returns 0 or an exit code.
 */
int cli_open_mailbox(const char *name, unsigned int oflags, struct msgport_mailbox **mbp);

/* Room for a destination's name in messages: "'NAME'", "process PID". */
#define CLI_LABEL_MAX	(MSGPORT_NAME_MAX + 16)

/*
 * The destination of send and call: the inbox of process pid if not 0,
 * else the mailbox NAME (argv[optind], consumed), opened for sending.
 * Opens the device (*mpp) to send to a pid, or the mailbox (*mbp); the
 * other is NULL.  Names the destination in label ("process 42", "'jobs'").
 * Returns 0, or an exit code ("missing NAME (or --pid PID)", ...).
 */
int cli_open_destination(int argc, char **argv, uint32_t pid, struct msgport **mpp,
			 struct msgport_mailbox **mbp, char label[CLI_LABEL_MAX]);

/*
 * Opens this process's inbox (default attributes) and, once it is open,
 * writes our pid to pid_file unless NULL; names it in label ("the inbox of
 * process 42").  Returns 0, or an exit code with the inbox closed.
 */
int cli_open_inbox(const char *pid_file, char label[CLI_LABEL_MAX],
		   struct msgport_mailbox **mbp);

#endif /* MSGPORT_TOOLS_CLI_H */
