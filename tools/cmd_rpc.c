// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport call, serve: remote procedure calls from the shell.
 *
 * call sends one request (an argument, or all of standard input) to a
 * mailbox or a process's inbox and prints the reply.  serve answers each
 * call that reaches a mailbox (or its own inbox) with the standard output
 * of a command run with the request on its standard input: a shell-level
 * RPC server.  It loops on reply-and-receive, one system call per call.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "parse.h"

/* The largest reply call takes: more is truncated (and reported). */
#define CALL_REPLY_MAX	(1U << 20)

static const char call_usage[] =
	"Usage: msgport call NAME [OPTIONS] [MESSAGE]\n"
	"       msgport call --pid PID [OPTIONS] [MESSAGE]\n"
	"\n"
	"Call the server of the mailbox NAME, or of the inbox of process PID: send\n"
	"MESSAGE (without it, all of standard input) as the request, wait for the\n"
	"reply and print it, followed by a newline.  Servers receive the request\n"
	"with a call token and answer it ('msgport serve', msgport_reply()).\n"
	"\n"
	"  -P, --pid PID         call the inbox of process PID\n"
	"  -p, --priority P      the request's priority, 0..31 (default 0)\n"
	"  -t, --timeout SECONDS give up after this long (fractional, or with a\n"
	"                        unit: 0.5, 250ms), then exit 75; a request no\n"
	"                        server took by then is withdrawn\n"
	"  -n, --nonblock        exit 75 at once if the mailbox has no room\n"
	"  -v, --verbose         print the reply's metadata first, stamped by the\n"
	"                        kernel: [token=T pid=PID uid=UID len=BYTES]\n"
	"  -h, --help            show this help\n"
	"  -V, --version         show the version\n"
	"\n"
	"Exit status: 0 reply printed; 75 timed out, or no room (--nonblock);\n"
	"1 no answer (the server exited or closed before answering, the mailbox\n"
	"was removed, no such process or inbox) or other failures; 2 usage.\n";

static const char serve_usage[] =
	"Usage: msgport serve NAME [OPTIONS] -- COMMAND [ARG...]\n"
	"       msgport serve --inbox [OPTIONS] -- COMMAND [ARG...]\n"
	"\n"
	"Answer each call to the mailbox NAME (created if it does not exist), or to\n"
	"this process's inbox, with the output of COMMAND: for each request,\n"
	"COMMAND runs with the request on its standard input, and what it writes\n"
	"to standard output is the reply.  Its environment has MSGPORT_CALLER_PID,\n"
	"MSGPORT_CALLER_UID and MSGPORT_TOKEN.  Plain messages (not calls) are\n"
	"taken and ignored.  Several servers may serve one mailbox.\n"
	"\n"
	"  -c, --count N         exit after answering N calls (default: serve until\n"
	"                        killed; calls taken and not answered then fail\n"
	"                        in their callers)\n"
	"  -m, --mode OCTAL      permission bits of a mailbox this creates (default\n"
	"                        0600); write lets others call it\n"
	"  -i, --inbox           serve on this process's inbox\n"
	"      --pid-file FILE   with --inbox: once it is open, write our pid to FILE\n"
	"  -v, --verbose         log each call on standard error\n"
	"  -h, --help            show this help\n"
	"  -V, --version         show the version\n"
	"\n"
	"Exit status: 0 after --count calls; 1 failure; 2 usage.  A failing\n"
	"COMMAND is reported on standard error; its output is still the reply.\n";

/* Reads all of standard input; 0 or an exit code. */
static int read_stdin(char **bufp, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		goto oom;
	for (;;) {
		if (len == cap) {
			char *bigger;

			if (cap >= UINT32_MAX / 2) {
				free(buf);
				cli_error("call: standard input is too large for a message");
				return 1;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger)
				goto oom;
			buf = bigger;
			cap *= 2;
		}
		n = read(STDIN_FILENO, buf + len, cap - len);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			cli_error("call: reading standard input: %s", strerror(errno));
			free(buf);
			return 1;
		}
		len += (size_t)n;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
oom:
	free(buf);
	cli_error("call: out of memory");
	return 1;
}

/* Says why a call failed; returns the exit code. */
static int call_failed(const char *target, int err)
{
	switch (err) {
	case -ETIMEDOUT:
		cli_error("call %s: no reply in time (a request no server took was withdrawn)",
			  target);
		return EXIT_TEMPFAIL;
	case -EAGAIN:
		cli_error("call %s: no room for the request; not sent", target);
		return EXIT_TEMPFAIL;
	case -ECONNRESET:
		cli_error("call %s: the server closed (or exited) before answering", target);
		return 1;
	case -EIDRM:
		cli_error("call %s: the mailbox was removed before an answer came", target);
		return 1;
	case -ESRCH:
		cli_error("call %s: no such process", target);
		return 1;
	case -ECONNREFUSED:
		cli_error("call %s: it has no inbox open (a server opens one with "
			  "'msgport serve --inbox')", target);
		return 1;
	}
	return cli_fail(err, "call %s", target);
}

int cmd_call(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_PID,
		CLI_OPT_PRIORITY,
		CLI_OPT_TIMEOUT,
		CLI_OPT_NONBLOCK,
		CLI_OPT_VERBOSE,
		CLI_OPT_HELP,
		CLI_OPT_VERSION,
		CLI_OPT_END,
	};
	struct cli_opts o = CLI_OPTS_INIT(call_usage);
	struct msgport_mailbox *mb;
	char target[CLI_LABEL_MAX];
	struct msgport_msginfo info;
	unsigned int flags;
	char *req = NULL, *reply;
	size_t req_len;
	struct msgport *mp;
	int c, ret;
	ssize_t n;

	while ((c = cli_getopt(argc, argv, "P:p:t:nvhV", opts)) != -1) {
		ret = cli_option(c, &o);
		if (ret >= 0)
			return ret;
	}
	flags = o.flags | MSGPORT_F_TRUNC;
	if (argc - optind > (o.pid ? 1 : 2))
		return cli_usage("unexpected argument '%s' (quote a MESSAGE with spaces)",
				 argv[argc - 1]);
	ret = cli_open_destination(argc, argv, o.pid, &mp, &mb, target);
	if (ret)
		return ret;
	if (optind < argc) {
		req = strdup(argv[optind]);
		req_len = req ? strlen(req) : 0;
		ret = req ? 0 : (cli_error("call: out of memory"), 1);
	} else {
		ret = read_stdin(&req, &req_len);
	}
	reply = ret ? NULL : malloc(CALL_REPLY_MAX);
	if (!ret && !reply) {
		cli_error("call: out of memory");
		ret = 1;
	}
	if (!ret) {
		if (o.pid)
			n = msgport_call_pid(mp, (pid_t)o.pid, req, req_len, reply, CALL_REPLY_MAX,
					     o.prio, flags, o.timeout_ns, &info);
		else
			n = msgport_call(mb, req, req_len, reply, CALL_REPLY_MAX, o.prio, flags,
					 o.timeout_ns, &info);
		if (n < 0) {
			ret = call_failed(target, (int)n);
		} else {
			if (o.verbose)
				printf("[token=%" PRIu64 " pid=%" PRId32 " uid=%" PRIu32
				       " len=%" PRIu32 "] ", (uint64_t)info.token,
				       (int32_t)info.pid, (uint32_t)info.uid, (uint32_t)info.len);
			fwrite(reply, 1, (size_t)n, stdout);
			putchar('\n');
			if (info.len > (size_t)n) {
				cli_error("call %s: reply of %" PRIu32 " bytes truncated to %zd",
					  target, (uint32_t)info.len, n);
				ret = 1;
			}
		}
	}
	free(reply);
	free(req);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return ret;
}

/* What serve needs to run the command for one request. */
struct server {
	char **cmd;
	char *out;		/* the reply being built */
	size_t max;		/* its capacity: the mailbox's max_msg_size */
	int verbose;
};

static void set_env_u64(const char *name, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	setenv(name, buf, 1);
}

/*
 * Runs the command with req on its standard input, collecting its standard
 * output (up to s->max bytes; more is read and dropped) in s->out.
 * Returns the output's length, or -1 if the command could not run.
 */
static ssize_t run_command(struct server *s, const char *req, size_t req_len,
			   const struct msgport_msginfo *info)
{
	int in[2], out[2], status;
	size_t sent = 0, got = 0;
	int dropped = 0;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return -1;
	}
	if (pid == 0) {
		set_env_u64("MSGPORT_CALLER_PID", (uint64_t)(uint32_t)info->pid);
		set_env_u64("MSGPORT_CALLER_UID", info->uid);
		set_env_u64("MSGPORT_TOKEN", info->token);
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execvp(s->cmd[0], s->cmd);
		fprintf(stderr, "msgport: serve: cannot run '%s': %s\n", s->cmd[0],
			strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (!req_len) {
		close(in[1]);
		in[1] = -1;
	}

	/* Feed the request and collect the output at the same time. */
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = out[0], .events = POLLIN },
			{ .fd = in[1], .events = POLLOUT },
		};
		ssize_t n;

		if (poll(p, in[1] >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (in[1] >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			n = write(in[1], req + sent, req_len - sent);
			if (n > 0)
				sent += (size_t)n;
			if (n < 0 || sent == req_len) {
				/* Done, or it does not read its input (EPIPE). */
				close(in[1]);
				in[1] = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char sink[4096];

			if (got < s->max)
				n = read(out[0], s->out + got, s->max - got);
			else
				n = read(out[0], sink, sizeof(sink));
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				break;
			}
			if (got < s->max)
				got += (size_t)n;
			else
				dropped = 1;
		}
	}
	if (in[1] >= 0)
		close(in[1]);
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (dropped)
		cli_error("serve: the output of '%s' is longer than a message (%zu bytes): "
			  "the reply is cut there", s->cmd[0], s->max);
	if (WIFEXITED(status) && WEXITSTATUS(status))
		cli_error("serve: '%s' exited with status %d (its output is the reply)",
			  s->cmd[0], WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		cli_error("serve: '%s' was killed by signal %d (its output is the reply)",
			  s->cmd[0], WTERMSIG(status));
	return (ssize_t)got;
}

/*
 * What became of a reply (reply_result): 0 if the loop goes on, else the
 * exit code.  A caller that went away, or whose buffer is too small for the
 * reply, is reported; the latter gets an empty reply rather than none.
 */
static int reply_outcome(struct msgport_mailbox *mb, const char *target, uint64_t token,
			 int res)
{
	switch (res) {
	case 0:
		return 0;
	case -ECANCELED:
		cli_error("serve %s: call %" PRIu64 ": the caller gave up before the answer",
			  target, token);
		return 0;
	case -ENOENT:
		cli_error("serve %s: call %" PRIu64 ": no longer answerable", target, token);
		return 0;
	case -EMSGSIZE:
		cli_error("serve %s: call %" PRIu64 ": the reply is larger than the caller's "
			  "buffer: answering with an empty reply", target, token);
		res = msgport_reply(mb, token, "", 0);
		return res && res != -ECANCELED ? cli_fail(res, "serve %s: reply", target) : 0;
	}
	return cli_fail(res, "serve %s: reply to call %" PRIu64, target, token);
}

/* One option of serve: -1 when taken, else the exit status to return. */
static int serve_option(int c, struct cli_opts *o, struct msgport_attr *attr)
{
	int ret;

	if (c != 'm')
		return cli_option(c, o);
	ret = parse_mode(optarg, &attr->mode);
	return ret ? cli_bad_value("--mode", optarg, ret) : -1;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_COUNT,
		{ "mode", required_argument, NULL, 'm' },
		CLI_OPT_INBOX,
		CLI_OPT_PID_FILE,
		CLI_OPT_VERBOSE,
		CLI_OPT_HELP,
		CLI_OPT_VERSION,
		CLI_OPT_END,
	};
	struct cli_opts o = CLI_OPTS_INIT(serve_usage);
	struct msgport_attr attr = { .capacity = 16, .mode = 0600 };
	struct msgport_mailbox *mb = NULL;
	struct server s = { 0 };
	char target[CLI_LABEL_MAX];
	const char *name = NULL;
	struct msgport_msginfo info;
	uint32_t served = 0;
	uint64_t token = 0;
	size_t reply_len = 0;
	struct msgport_stat st;
	struct msgport *mp;
	int c, ret, res;
	char *req = NULL;
	ssize_t n;

	while ((c = cli_getopt(argc, argv, "+c:m:ivhV", opts)) != -1) {
		ret = serve_option(c, &o, &attr);
		if (ret >= 0)
			return ret;
	}
	/* Options stop at NAME ('+'); then more options may follow it, then "--". */
	if (!o.inbox) {
		if (optind >= argc || !strcmp(argv[optind - 1], "--"))
			return cli_usage("missing NAME (or --inbox)");
		name = argv[optind++];
		while ((c = cli_getopt(argc, argv, "+c:m:ivhV", opts)) != -1) {
			if (c == 'i' || c == 'F')
				return cli_usage("--inbox and --pid-file do not go with NAME");
			ret = serve_option(c, &o, &attr);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind >= argc || strcmp(argv[optind - 1], "--"))
		return cli_usage("missing '-- COMMAND'");
	if (o.pid_file && !o.inbox)
		return cli_usage("--pid-file goes with --inbox");
	s.verbose = o.verbose;
	s.cmd = argv + optind;
	/* A command that does not read its input must not kill us. */
	signal(SIGPIPE, SIG_IGN);

	if (o.inbox) {
		ret = cli_open_inbox(o.pid_file, target, &mb);
	} else {
		snprintf(target, sizeof(target), "'%s'", name);
		ret = cli_open_device(&mp);
		if (ret)
			return ret;
		ret = msgport_mailbox_open(mp, name, MSGPORT_O_RECV | MSGPORT_O_CREAT, &attr, &mb);
		msgport_close(mp);
		if (ret < 0)
			ret = cli_fail_name(ret, "serve", name);
	}
	if (!ret) {
		ret = msgport_mailbox_stat(mb, &st);
		if (ret < 0)
			ret = cli_fail(ret, "stat %s", target);
	}
	if (!ret) {
		s.max = st.max_msg_size;
		req = malloc(s.max ? s.max : 1);
		s.out = malloc(s.max ? s.max : 1);
		if (!req || !s.out) {
			cli_error("serve: out of memory");
			ret = 1;
		}
	}

	while (!ret) {
		if (o.count && served == o.count) {
			/* The last answer, and no further receive. */
			res = msgport_reply(mb, token, s.out, reply_len);
			ret = reply_outcome(mb, target, token, res);
			break;
		}
		n = msgport_reply_recv(mb, token, s.out, reply_len, &res, req, s.max, 0,
				       MSGPORT_WAIT_FOREVER, &info);
		if (token && res) {
			ret = reply_outcome(mb, target, token, res);
			token = 0;
			if (n == res)	/* the reply failed the call: nothing received */
				continue;
		}
		token = 0;
		if (n < 0) {
			ret = cli_fail((int)n, "serve %s: receive", target);
			break;
		}
		if (!(info.msg_flags & MSGPORT_MSG_CALL)) {
			if (s.verbose)
				cli_error("serve %s: ignoring a plain message from pid %" PRId32,
					  target, (int32_t)info.pid);
			continue;
		}
		if (s.verbose)
			cli_error("serve %s: call %" PRIu64 " from pid %" PRId32 " (%zd bytes)",
				  target, (uint64_t)info.token, (int32_t)info.pid, n);
		n = run_command(&s, req, (size_t)n, &info);
		if (n < 0) {
			cli_error("serve: cannot run '%s': %s", s.cmd[0], strerror(errno));
			n = 0;
		}
		token = info.token;
		reply_len = (size_t)n;
		served++;
	}
	free(req);
	free(s.out);
	msgport_mailbox_close(mb);
	return ret;
}
