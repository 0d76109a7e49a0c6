// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport send, recv: messages through a mailbox from the shell.
 *
 * One message is one command-line argument, or one line of standard input
 * (without its newline); a received message is printed followed by a
 * newline.  Timeouts apply to each message.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "parse.h"

static const char send_usage[] =
	"Usage: msgport send NAME [OPTIONS] [MESSAGE...]\n"
	"\n"
	"Send each MESSAGE to the mailbox NAME; without MESSAGE, send each line of\n"
	"standard input (without its newline) as one message.  Blocks while the\n"
	"mailbox is full; on a rendezvous mailbox (capacity 0) until a receiver\n"
	"takes the message.  Use '--' before a message that starts with '-'.\n"
	"\n"
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
	"\n"
	"Exit status: 0 all sent; 75 no room, or not taken, in time (the remaining\n"
	"messages are not sent); 1 other failures; 2 usage.\n";

static const char recv_usage[] =
	"Usage: msgport recv NAME [OPTIONS]\n"
	"\n"
	"Receive messages from the mailbox NAME and print each on its own line,\n"
	"highest priority first, oldest first within a priority.  Blocks until a\n"
	"message arrives.\n"
	"\n"
	"  -c, --count N         receive N messages (default 1)\n"
	"  -n, --nonblock        do not wait: exit 75 if no message is waiting\n"
	"  -t, --timeout SECONDS wait at most this long per message (fractional, or\n"
	"                        with a unit: 0.5, 250ms, 10us), then exit 75\n"
	"  -p, --peek            print the next message but leave it queued\n"
	"  -v, --verbose         print before each message its metadata, stamped by\n"
	"                        the kernel: [seq=N priority=P pid=PID tid=TID\n"
	"                        uid=UID gid=GID len=BYTES sent=MONOTONIC_SECONDS]\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 all N received; 75 no message in time (those received\n"
	"before are printed); 1 other failures; 2 usage.\n";

/* What send needs for each message. */
struct sender {
	struct msgport_mailbox *mb;
	const char *name;
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
			cli_error("send to '%s': no receiver waiting to take it at once; not sent",
				  s->name);
		else
			cli_error("send to '%s': mailbox full; not sent", s->name);
		return EXIT_TEMPFAIL;
	case -ETIMEDOUT:
		if (taker)
			cli_error("send to '%s': no receiver took the message in time; "
				  "it was withdrawn", s->name);
		else
			cli_error("send to '%s': mailbox still full at the time-out; not sent",
				  s->name);
		return EXIT_TEMPFAIL;
	case -EMSGSIZE:
		if (msgport_mailbox_stat(s->mb, &st) == 0 && len > st.max_msg_size) {
			cli_error("send to '%s': message of %zu bytes is larger than the "
				  "mailbox's maximum message size (%" PRIu32 " bytes)",
				  s->name, len, (uint32_t)st.max_msg_size);
			return 1;
		}
		break;
	}
	return cli_fail(err, "send to '%s'", s->name);
}

/* Sends one message; returns 0 or an exit code after explaining. */
static int send_one(const struct sender *s, const char *buf, size_t len)
{
	uint64_t seq = 0;
	int ret;

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
		cli_error("send to '%s': reading standard input: %s", s->name, strerror(errno));
		ret = 1;
	}
	free(line);
	return ret;
}

int cmd_send(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "priority", required_argument, NULL, 'p' },
		{ "nonblock", no_argument,       NULL, 'n' },
		{ "sync",     no_argument,       NULL, 's' },
		{ "timeout",  required_argument, NULL, 't' },
		{ "verbose",  no_argument,       NULL, 'v' },
		{ "help",     no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sender s = { .timeout_ns = MSGPORT_WAIT_FOREVER };
	struct msgport_stat st;
	struct msgport *mp;
	uint32_t prio = 0;
	int c, i, ret;

	while ((c = cli_getopt(argc, argv, "p:nst:vh", opts)) != -1) {
		switch (c) {
		case 'p':
			ret = parse_priority(optarg, &prio);
			if (ret)
				return cli_bad_value("--priority", optarg, ret);
			break;
		case 'n':
			s.flags |= MSGPORT_F_NONBLOCK;
			break;
		case 's':
			s.flags |= MSGPORT_F_SYNC;
			break;
		case 't':
			ret = parse_duration_ns(optarg, &s.timeout_ns);
			if (ret)
				return cli_bad_value("--timeout", optarg, ret);
			break;
		case 'v':
			s.verbose = 1;
			break;
		case 'h':
			fputs(send_usage, stdout);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage("missing NAME");
	s.name = argv[optind++];
	s.prio = prio;

	ret = cli_open_device(&mp);
	if (ret)
		return ret;
	ret = cli_open_mailbox(mp, s.name, MSGPORT_O_SEND, &s.mb);
	msgport_close(mp);
	if (ret)
		return ret;
	/* Only to word the messages; the module decides the behaviour. */
	s.rendezvous = msgport_mailbox_stat(s.mb, &st) == 0 && st.capacity == 0;

	if (optind == argc) {
		ret = send_stdin(&s);
	} else {
		for (i = optind; i < argc && !ret; i++)
			ret = send_one(&s, argv[i], strlen(argv[i]));
	}
	msgport_mailbox_close(s.mb);
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
		{ "count",    required_argument, NULL, 'c' },
		{ "nonblock", no_argument,       NULL, 'n' },
		{ "timeout",  required_argument, NULL, 't' },
		{ "peek",     no_argument,       NULL, 'p' },
		{ "verbose",  no_argument,       NULL, 'v' },
		{ "help",     no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t timeout_ns = MSGPORT_WAIT_FOREVER;
	struct msgport_mailbox *mb;
	struct msgport_msginfo info;
	struct msgport_stat st;
	unsigned int flags = 0;
	struct msgport *mp;
	uint32_t count = 1, done;
	const char *name;
	size_t size;
	int c, ret, verbose = 0;
	char *buf;

	while ((c = cli_getopt(argc, argv, "c:nt:pvh", opts)) != -1) {
		switch (c) {
		case 'c':
			ret = parse_u32(optarg, 1, UINT32_MAX, &count);
			if (ret)
				return cli_bad_value("--count", optarg, ret);
			break;
		case 'n':
			flags |= MSGPORT_F_NONBLOCK;
			break;
		case 't':
			ret = parse_duration_ns(optarg, &timeout_ns);
			if (ret)
				return cli_bad_value("--timeout", optarg, ret);
			break;
		case 'p':
			flags |= MSGPORT_F_PEEK;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			fputs(recv_usage, stdout);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage("missing NAME");
	if (optind + 1 < argc)
		return cli_usage("unexpected argument '%s'", argv[optind + 1]);
	if ((flags & MSGPORT_F_PEEK) && count != 1)
		return cli_usage("--peek shows the next message only; --count must be 1");
	name = argv[optind];

	ret = cli_open_device(&mp);
	if (ret)
		return ret;
	ret = cli_open_mailbox(mp, name, MSGPORT_O_RECV, &mb);
	msgport_close(mp);
	if (ret)
		return ret;

	/* Room for the largest message the mailbox accepts (never 0 bytes). */
	ret = msgport_mailbox_stat(mb, &st);
	if (ret < 0) {
		msgport_mailbox_close(mb);
		return cli_fail(ret, "stat '%s'", name);
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
		n = msgport_recv(mb, buf, size, flags, timeout_ns, &info);

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
			cli_error("receive from '%s': %s", name, n == -EAGAIN ?
				  "no message waiting" : "timed out: no message came");
			ret = EXIT_TEMPFAIL;
			break;
		}
		if (n < 0) {
			ret = cli_fail((int)n, "receive from '%s'", name);
			break;
		}
		print_message(buf, (size_t)n, &info, verbose);
		done++;
	}
	free(buf);
	msgport_mailbox_close(mb);
	return ret;
}
