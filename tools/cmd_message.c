// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport send, recv: messages through a mailbox, or directly to and from
 * a process's inbox (send --pid, recv --inbox [--from]), from the shell.
 *
 * One message is one command-line argument, or one line of standard input
 * (without its newline); a received message is printed followed by a
 * newline.  Timeouts apply to each message.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char send_usage[] =
	"Usage: msgport send NAME [OPTIONS] [MESSAGE...]\n"
	"       msgport send --pid PID [OPTIONS] [MESSAGE...]\n"
	"\n"
	"Send each MESSAGE to the mailbox NAME, or to the inbox of process PID;\n"
	"without MESSAGE, send each line of standard input (without its newline)\n"
	"as one message.  Blocks while the mailbox is full; on a rendezvous mailbox\n"
	"(capacity 0) until a receiver takes the message.  Use '--' before a\n"
	"message that starts with '-'.\n"
	"\n"
	"  -P, --pid PID         send to the inbox of process PID (see 'msgport recv\n"
	"                        --inbox'); it must have one open (else exit 1)\n"
	"  -p, --priority P      0..31, higher is received first (default 0)\n"
	"  -n, --nonblock        do not wait: exit 75 if there is no room\n"
	"  -s, --sync            wait until a receiver has taken each message (a\n"
	"                        delivery receipt); a message not taken in time is\n"
	"                        withdrawn, never delivered later\n"
	"  -t, --timeout SECONDS wait at most this long per message (fractional, or\n"
	"                        with a unit: 0.5, 250ms, 10us), then exit 75\n"
	"  -v, --verbose         print each message's sequence number once sent\n"
	"                        ('delivered:' with --sync or on a rendezvous)\n"
	"  -h, --help            show this help\n"
	"  -V, --version         show the version\n"
	"\n"
	"Exit status: 0 all sent; 75 no room, or not taken, in time (the remaining\n"
	"messages are not sent); 1 other failures; 2 usage.\n";

static const char recv_usage[] =
	"Usage: msgport recv NAME [OPTIONS]\n"
	"       msgport recv --inbox [OPTIONS]\n"
	"\n"
	"Receive messages from the mailbox NAME, or from this command's own inbox\n"
	"(other processes send to it with 'msgport send --pid' and its pid), and\n"
	"print each on its own line, highest priority first, oldest first within a\n"
	"priority.  Blocks until a message arrives.\n"
	"\n"
	"  -i, --inbox           open this process's inbox (16 messages) and\n"
	"                        receive from it; it closes when the command exits\n"
	"      --pid-file FILE   with --inbox: once it is open, write our pid to\n"
	"                        FILE (senders can wait for the file to appear)\n"
	"  -f, --from PID        only messages sent by process PID; the others stay\n"
	"                        queued, in order\n"
	"  -c, --count N         receive N messages (default 1)\n"
	"  -n, --nonblock        do not wait: exit 75 if no message is waiting\n"
	"  -t, --timeout SECONDS wait at most this long per message (fractional, or\n"
	"                        with a unit: 0.5, 250ms, 10us), then exit 75\n"
	"  -p, --peek            print the next message but leave it queued\n"
	"  -v, --verbose         print before each message its metadata, stamped by\n"
	"                        the kernel: [seq=N priority=P pid=PID tid=TID\n"
	"                        uid=UID gid=GID len=BYTES sent=MONOTONIC_SECONDS]\n"
	"                        (and call=TOKEN for the request of a call)\n"
	"  -h, --help            show this help\n"
	"  -V, --version         show the version\n"
	"\n"
	"Exit status: 0 all N received; 75 no message in time (those received\n"
	"before are printed); 1 other failures; 2 usage.\n";

/* What send needs for each message. */
struct sender {
	struct msgport_mailbox *mb;	/* a mailbox, or */
	struct msgport *mp;		/* with pid: the device, to send to pid */
	pid_t pid;
	const char *name;		/* for messages: "'jobs'" or "process 42" */
	unsigned int prio;
	unsigned int flags;
	int64_t timeout_ns;
	int verbose;
	int rendezvous;		/* capacity 0: every send waits for a taker */
};

/*
 * Says why a send failed, in the mailbox's terms; returns the exit code.
 * On a rendezvous mailbox and with --sync an untaken message was withdrawn
 * by the module, so it is never delivered later.
 */
static int send_failed(const struct sender *s, size_t len, int err)
{
	int taker = s->rendezvous || (s->flags & MSGPORT_F_SYNC);
	struct msgport_stat st;

	switch (err) {
	case -EAGAIN:
		if (taker)
			cli_error("send to %s: no receiver waiting to take it at once; not sent",
				  s->name);
		else
			cli_error("send to %s: mailbox full; not sent", s->name);
		return EXIT_TEMPFAIL;
	case -ETIMEDOUT:
		if (taker)
			cli_error("send to %s: no receiver took the message in time; "
				  "it was withdrawn", s->name);
		else
			cli_error("send to %s: mailbox still full at the time-out; not sent",
				  s->name);
		return EXIT_TEMPFAIL;
	case -ESRCH:
		cli_error("send to %s: no such process", s->name);
		return 1;
	case -ECONNREFUSED:
		cli_error("send to %s: it has no inbox open (a receiver opens one with "
			  "'msgport recv --inbox'); not sent", s->name);
		return 1;
	case -ECONNRESET:
		cli_error("send to %s: its inbox closed while the message waited; not sent",
			  s->name);
		return 1;
	case -EACCES:
		if (s->pid) {
			cli_error("send to %s: its inbox does not accept messages from this user "
				  "(the owner's mode bits)", s->name);
			return 1;
		}
		break;
	case -EMSGSIZE:
		if (s->mb && msgport_mailbox_stat(s->mb, &st) == 0 && len > st.max_msg_size) {
			cli_error("send to %s: message of %zu bytes is larger than the "
				  "mailbox's maximum message size (%" PRIu32 " bytes)",
				  s->name, len, (uint32_t)st.max_msg_size);
			return 1;
		}
		break;
	}
	return cli_fail(err, "send to %s", s->name);
}

/* Sends one message; returns 0 or an exit code after explaining. */
static int send_one(const struct sender *s, const char *buf, size_t len)
{
	uint64_t seq = 0;
	int ret;

	if (s->pid)
		ret = msgport_send_pid(s->mp, s->pid, buf, len, s->prio, s->flags, s->timeout_ns,
				       &seq);
	else
		ret = msgport_send(s->mb, buf, len, s->prio, s->flags, s->timeout_ns, &seq);
	if (ret < 0)
		return send_failed(s, len, ret);
	if (s->verbose) {
		printf("%s: seq=%" PRIu64 "\n",
		       s->rendezvous || (s->flags & MSGPORT_F_SYNC) ? "delivered" : "sent", seq);
		fflush(stdout);
	}
	return 0;
}

static int send_stdin(const struct sender *s)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		ret = send_one(s, line, (size_t)n);
		if (ret)
			break;
	}
	if (!ret && ferror(stdin)) {
		cli_error("send to %s: reading standard input: %s", s->name, strerror(errno));
		ret = 1;
	}
	free(line);
	return ret;
}

int cmd_send(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_PID,
		CLI_OPT_PRIORITY,
		CLI_OPT_NONBLOCK,
		{ "sync", no_argument, NULL, 's' },
		CLI_OPT_TIMEOUT,
		CLI_OPT_VERBOSE,
		CLI_OPT_HELP,
		CLI_OPT_VERSION,
		CLI_OPT_END,
	};
	struct cli_opts o = CLI_OPTS_INIT(send_usage);
	struct sender s = { 0 };
	struct msgport_stat st;
	char label[CLI_LABEL_MAX];
	unsigned int sync = 0;
	int c, i, ret;

	while ((c = cli_getopt(argc, argv, "P:p:nst:vh", opts)) != -1) {
		if (c == 's') {
			sync = MSGPORT_F_SYNC;
			continue;
		}
		ret = cli_option(c, &o);
		if (ret >= 0)
			return ret;
	}
	/* With --pid every operand is a message; else the first is NAME. */
	ret = cli_open_destination(argc, argv, o.pid, &s.mp, &s.mb, label);
	if (ret)
		return ret;
	/* Only to word the messages; the module decides the behaviour. */
	if (s.mb)
		s.rendezvous = msgport_mailbox_stat(s.mb, &st) == 0 && st.capacity == 0;
	s.pid = (pid_t)o.pid;
	s.name = label;
	s.prio = o.prio;
	s.flags = o.flags | sync;
	s.timeout_ns = o.timeout_ns;
	s.verbose = o.verbose;

	if (optind == argc) {
		ret = send_stdin(&s);
	} else {
		for (i = optind; i < argc && !ret; i++)
			ret = send_one(&s, argv[i], strlen(argv[i]));
	}
	msgport_mailbox_close(s.mb);
	msgport_close(s.mp);
	return ret;
}

static void print_message(const char *buf, size_t len, const struct msgport_msginfo *info,
			  int verbose)
{
	if (verbose)
		printf("[seq=%" PRIu64 " priority=%" PRIu32 " pid=%" PRId32 " tid=%" PRId32
		       " uid=%" PRIu32 " gid=%" PRIu32 " len=%" PRIu32 " sent=%" PRIu64
		       ".%09" PRIu64 "] ",
		       (uint64_t)info->seq, (uint32_t)info->priority, (int32_t)info->pid,
		       (int32_t)info->tid, (uint32_t)info->uid, (uint32_t)info->gid,
		       (uint32_t)info->len, (uint64_t)info->send_time_ns / 1000000000,
		       (uint64_t)info->send_time_ns % 1000000000);
	if (verbose && (info->msg_flags & MSGPORT_MSG_CALL))
		printf("[call=%" PRIu64 "] ", (uint64_t)info->token);
	fwrite(buf, 1, len, stdout);
	putchar('\n');
	/* A reader at the other end of a pipe sees each message as it comes. */
	fflush(stdout);
}

/*
 * True when standard output is a pipe whose reader has gone.  Checked before
 * taking each further message: writing it would kill us with SIGPIPE after
 * the kernel handed it over, and the message would be lost.
 */
static int stdout_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLNVAL));
}

int cmd_recv(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_INBOX,
		CLI_OPT_PID_FILE,
		{ "from", required_argument, NULL, 'f' },
		CLI_OPT_COUNT,
		CLI_OPT_NONBLOCK,
		CLI_OPT_TIMEOUT,
		{ "peek", no_argument, NULL, 'p' },
		CLI_OPT_VERBOSE,
		CLI_OPT_HELP,
		CLI_OPT_VERSION,
		CLI_OPT_END,
	};
	struct cli_opts o = CLI_OPTS_INIT(recv_usage);
	struct msgport_mailbox *mb = NULL;
	struct msgport_msginfo info;
	struct msgport_stat st;
	unsigned int flags;
	uint32_t count, done, from = 0;
	char name[CLI_LABEL_MAX];
	unsigned int peek = 0;
	size_t size;
	int c, ret;
	char *buf;

	while ((c = cli_getopt(argc, argv, "if:c:nt:pvh", opts)) != -1) {
		switch (c) {
		case 'f':
			ret = cli_pid_value("--from", optarg, &from);
			if (ret)
				return ret;
			break;
		case 'p':
			peek = MSGPORT_F_PEEK;
			break;
		default:
			ret = cli_option(c, &o);
			if (ret >= 0)
				return ret;
		}
	}
	if (o.inbox && optind < argc)
		return cli_usage("--inbox receives from this process's inbox: no NAME ('%s')",
				 argv[optind]);
	if (!o.inbox) {
		ret = cli_operands(argc, argv, 1, 1, "missing NAME (or --inbox)");
		if (ret)
			return ret;
	}
	if (o.pid_file && !o.inbox)
		return cli_usage("--pid-file goes with --inbox");
	count = o.count ? o.count : 1;
	if (peek && count != 1)
		return cli_usage("--peek shows the next message only; --count must be 1");
	flags = o.flags | peek;

	if (o.inbox) {
		ret = cli_open_inbox(o.pid_file, name, &mb);
	} else {
		snprintf(name, sizeof(name), "'%s'", argv[optind]);
		ret = cli_open_mailbox(argv[optind], MSGPORT_O_RECV, &mb);
	}
	if (ret)
		return ret;

	/* Room for the largest message the mailbox accepts (never 0 bytes). */
	ret = msgport_mailbox_stat(mb, &st);
	if (ret < 0) {
		msgport_mailbox_close(mb);
		return cli_fail(ret, "stat %s", name);
	}
	size = st.max_msg_size ? st.max_msg_size : 1;
	buf = malloc(size);
	if (!buf) {
		msgport_mailbox_close(mb);
		cli_error("recv: out of memory");
		return 1;
	}

	for (done = 0, ret = 0; done < count; ) {
		ssize_t n;

		if (done && stdout_gone()) {
			cli_error("recv: standard output closed after %" PRIu32 " messages", done);
			ret = 1;
			break;
		}
		n = msgport_recv_from(mb, (pid_t)from, buf, size, flags, o.timeout_ns, &info);

		if (n == -EMSGSIZE && info.len > size) {
			/* Cannot happen unless max_msg_size grew; cope anyway. */
			char *bigger = realloc(buf, info.len);

			if (!bigger) {
				cli_error("recv: out of memory");
				ret = 1;
				break;
			}
			buf = bigger;
			size = info.len;
			continue;
		}
		if (n == -EAGAIN || n == -ETIMEDOUT) {
			cli_error("receive from %s: %s", name, n == -EAGAIN ?
				  "no message waiting" : "timed out: no message came");
			ret = EXIT_TEMPFAIL;
			break;
		}
		if (n == -ESRCH) {
			cli_error("receive from %s: --from %" PRIu32 ": no such process", name, from);
			ret = 1;
			break;
		}
		if (n < 0) {
			ret = cli_fail((int)n, "receive from %s", name);
			break;
		}
		print_message(buf, (size_t)n, &info, o.verbose);
		done++;
	}
	free(buf);
	msgport_mailbox_close(mb);
	return ret;
}
