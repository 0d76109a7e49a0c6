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
int cmd_ls(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_chmod(int argc, char **argv);
int cmd_send(int argc, char **argv);		/* cmd_message.c */
int cmd_recv(int argc, char **argv);
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
 * Explains a failure err of operation what ("create", ...) on mailbox name,
 * telling a malformed name from other -EINVAL causes; returns the exit code.
 */
int cli_fail_name(int err, const char *what, const char *name);

/*
 * Writes our pid (and a newline) to path, atomically (a temporary file
 * renamed into place), explaining a failure; returns 0 or 1.
 */
int cli_write_pid_file(const char *path);

/* Opens /dev/msgport, explaining a failure; returns 0 or an exit code. */
int cli_open_device(struct msgport **mpp);

/* Opens mailbox name with oflags, explaining a failure; 0 or an exit code. */
int cli_open_mailbox(struct msgport *mp, const char *name, unsigned int oflags,
		     struct msgport_mailbox **mbp);

#endif /* MSGPORT_TOOLS_CLI_H */
