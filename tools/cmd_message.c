// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport send, recv: messages through a mailbox, or directly to and from
 * a process's inbox (send --pid, recv --inbox [--from]), from the shell.
 *
 * One message is one command-line argument, or one line of standard input
 * (without its newline); a received message is printed followed by a
 * newline.  For bytes that are not lines: send --file FILE or --raw (a
 * file's or standard input's bytes as one message), -0 (standard input
 * split at NUL bytes); recv --raw (the bytes unchanged), -0 (each message
 * followed by a NUL), --hex (hexdump -C).  Timeouts apply to each message.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "parse.h"

static const char send_usage[] =
	"Usage: msgport send NAME [OPTIONS] [MESSAGE...]\n"
	"       msgport send --pid PID [OPTIONS] [MESSAGE...]\n"
	"\n"
	"Send each MESSAGE to the mailbox NAME, or to the inbox of process PID;\n"
	"without MESSAGE, send each line of standard input (without its newline)\n"
	"as one message, or what --file, --raw or -0 say.  Blocks while the mailbox\n"
	"is full; on a rendezvous mailbox (capacity 0) until a receiver takes the\n"
	"message.  Use '--' before a message that starts with '-'.\n"
	"\n"
	"  -f, --file FILE       send the bytes of FILE ('-': standard input) as one\n"
	"                        message, unchanged\n"
	"  -r, --raw             send all of standard input as one message, unchanged\n"
	"  -0, --null            split standard input at NUL bytes (as find -print0\n"
	"                        writes), each piece one message\n"
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
	"messages are not sent); 1 other failures (a message larger than the\n"
	"mailbox's maximum size, unreadable input); 2 usage.\n";

static const char recv_usage[] =
	"Usage: msgport recv NAME [OPTIONS]\n"
	"       msgport recv --inbox [OPTIONS]\n"
	"\n"
	"Receive messages from the mailbox NAME, or from this command's own inbox\n"
	"(other processes send to it with 'msgport send --pid' and its pid), and\n"
	"print each on its own line (or as --raw, -0, --hex say), highest priority\n"
	"first, oldest first within a priority.  Blocks until a message arrives.\n"
	"\n"
	"  -r, --raw             write the message's bytes unchanged, nothing added\n"
	"                        (with --count, the messages one after the other)\n"
	"  -0, --null            write each message followed by a NUL byte\n"
	"  -x, --hex             write each message as a hex dump (hexdump -C)\n"
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
	"                        (and call=TOKEN for the request of a call; and\n"
	"                        relayed: ... for a message msgport-bridge carried:\n"
	"                        the origin it claims, pid..gid being the bridge's);\n"
	"                        with --raw or -0, on standard error, one line each\n"
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
	uint32_t max;		/* the largest message it takes; 0 unknown */
};

#define MODULE_MAX_MSG_SIZE	"/sys/module/msgport/parameters/max_msg_size"

/* The module's max_msg_size parameter; 0 when it cannot be read. */
static uint32_t module_max_msg_size(void)
{
	unsigned long v = 0;
	FILE *f = fopen(MODULE_MAX_MSG_SIZE, "re");

	if (!f)
		return 0;
	if (fscanf(f, "%lu", &v) != 1 || v > UINT32_MAX)
		v = 0;
	fclose(f);
	return (uint32_t)v;
}

/*
 * Says that a message (what: "message of 9000 bytes", "'F' (9000 bytes)",
 * "standard input (more than 8192 bytes)") is larger than the destination
 * takes, naming its limit (max; 0 if unknown) and the module's; returns 1.
 */
static int too_big(const struct sender *s, const char *what, uint32_t max)
{
	uint32_t module_max = module_max_msg_size();
	char lim[64] = "", mod[200] = "";

	if (max)
		snprintf(lim, sizeof(lim), " (%" PRIu32 " bytes)", max);
	if (module_max)
		snprintf(mod, sizeof(mod), "; the module's limit is %" PRIu32 " bytes "
			 "(" MODULE_MAX_MSG_SIZE ")%s", module_max,
			 s->pid ? "" : ", which a mailbox created with a larger --max-size takes");
	cli_error("send to %s: %s: larger than the %s maximum message size%s%s; not sent",
		  s->name, what, s->pid ? "inbox's" : "mailbox's", lim, mod);
	return 1;
}

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
	case -EMSGSIZE: {
		char what[64];

		snprintf(what, sizeof(what), "message of %zu bytes", len);
		if (s->mb && msgport_mailbox_stat(s->mb, &st) == 0 && len > st.max_msg_size)
			return too_big(s, what, st.max_msg_size);
		if (s->pid)
			return too_big(s, what, 0);
		break;
	}
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

/*
 * Standard input split at delim ('\n': lines; '\0': -0), each piece without
 * its delimiter one message; a last piece without one is sent too.
 */
static int send_stdin(const struct sender *s, int delim)
{
	char *rec = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	while ((n = getdelim(&rec, &cap, delim, stdin)) >= 0) {
		if (n > 0 && rec[n - 1] == (char)delim)
			n--;
		ret = send_one(s, rec, (size_t)n);
		if (ret)
			break;
	}
	if (!ret && ferror(stdin)) {
		cli_error("send to %s: reading standard input: %s", s->name, strerror(errno));
		ret = 1;
	}
	free(rec);
	return ret;
}

/*
 * All of fd (named label in messages) as one message.  Reads no more than
 * one byte past the destination's limit: a larger input is refused before
 * anything is sent, without holding all of it.
 */
static int send_whole(const struct sender *s, int fd, const char *label)
{
	/* To an inbox (whose limit is its owner's): the module's, at least. */
	uint32_t max = s->max ? s->max : module_max_msg_size();
	size_t cap = 65536, len = 0, limit = max ? (size_t)max + 1 : SIZE_MAX;
	char *buf = NULL, *nb, what[4200];
	struct stat sb;
	ssize_t n;
	int ret;

	if (max && !fstat(fd, &sb) && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > max) {
		snprintf(what, sizeof(what), "%s (%" PRIu64 " bytes)", label, (uint64_t)sb.st_size);
		return too_big(s, what, s->max);
	}
	for (;;) {
		if (len == cap || !buf) {
			if (buf)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				cli_error("send to %s: out of memory reading %s", s->name, label);
				return 1;
			}
			buf = nb;
		}
		n = read(fd, buf + len, (cap - len < limit - len ? cap - len : limit - len));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error("send to %s: reading %s: %s", s->name, label, strerror(errno));
			free(buf);
			return 1;
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len == limit) {
			free(buf);
			snprintf(what, sizeof(what), "%s (more than %" PRIu32 " bytes)", label, max);
			return too_big(s, what, s->max);
		}
	}
	ret = send_one(s, buf, len);
	free(buf);
	return ret;
}

static int send_file(const struct sender *s, const char *path)
{
	char label[4200];
	int fd, ret;

	if (!strcmp(path, "-"))
		return send_whole(s, STDIN_FILENO, "standard input");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cli_error("send to %s: %s: %s", s->name, path, strerror(errno));
		return 1;
	}
	snprintf(label, sizeof(label), "'%s'", path);
	ret = send_whole(s, fd, label);
	close(fd);
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
		{ "file", required_argument, NULL, 'f' },
		{ "raw",  no_argument,       NULL, 'r' },
		{ "null", no_argument,       NULL, '0' },
		CLI_OPT_HELP,
		CLI_OPT_VERSION,
		CLI_OPT_END,
	};
	struct cli_opts o = CLI_OPTS_INIT(send_usage);
	struct sender s = { 0 };
	struct msgport_stat st;
	char label[CLI_LABEL_MAX];
	const char *file = NULL, *opt;
	unsigned int sync = 0;
	int c, i, ret, raw = 0, nul = 0;

	while ((c = cli_getopt(argc, argv, "P:p:nst:vf:r0hV", opts)) != -1) {
		switch (c) {
		case 's':
			sync = MSGPORT_F_SYNC;
			break;
		case 'f':
			file = optarg;
			break;
		case 'r':
			raw = 1;
			break;
		case '0':
			nul = 1;
			break;
		default:
			ret = cli_option(c, &o);
			if (ret >= 0)
				return ret;
		}
	}
	if (!!file + raw + nul > 1)
		return cli_usage("--file, --raw and -0 do not go together");
	/* With --pid every operand is a message; else the first is NAME. */
	opt = file ? "--file" : raw ? "--raw" : nul ? "-0" : NULL;
	if (opt && argc - optind > (o.pid ? 0 : 1))
		return cli_usage("%s takes the message%s from %s: unexpected argument '%s'", opt,
				 nul ? "s" : "", file ? "FILE" : "standard input",
				 argv[argc - 1]);
	ret = cli_open_destination(argc, argv, o.pid, &s.mp, &s.mb, label);
	if (ret)
		return ret;
	/* Only to word the messages; the module decides the behaviour. */
	if (s.mb && msgport_mailbox_stat(s.mb, &st) == 0) {
		s.rendezvous = st.capacity == 0;
		s.max = st.max_msg_size;
	}
	s.pid = (pid_t)o.pid;
	s.name = label;
	s.prio = o.prio;
	s.flags = o.flags | sync;
	s.timeout_ns = o.timeout_ns;
	s.verbose = o.verbose;

	if (file) {
		ret = send_file(&s, file);
	} else if (raw) {
		ret = send_whole(&s, STDIN_FILENO, "standard input");
	} else if (nul) {
		ret = send_stdin(&s, '\0');
	} else if (optind == argc) {
		ret = send_stdin(&s, '\n');
	} else {
		for (i = optind; i < argc && !ret; i++)
			ret = send_one(&s, argv[i], strlen(argv[i]));
	}
	msgport_mailbox_close(s.mb);
	msgport_close(s.mp);
	return ret;
}

/* How recv writes a message. */
enum recv_output {
	OUT_LINE,	/* the bytes and a newline */
	OUT_RAW,	/* --raw: the bytes */
	OUT_NUL,	/* -0: the bytes and a NUL */
	OUT_HEX,	/* --hex: hexdump -C */
};

static void print_metadata(FILE *f, const struct msgport_msginfo *info,
			   const struct msgport_relay *relay)
{
	fprintf(f, "[seq=%" PRIu64 " priority=%" PRIu32 " pid=%" PRId32 " tid=%" PRId32
		" uid=%" PRIu32 " gid=%" PRIu32 " len=%" PRIu32 " sent=%" PRIu64
		".%09" PRIu64 "]",
		(uint64_t)info->seq, (uint32_t)info->priority, (int32_t)info->pid,
		(int32_t)info->tid, (uint32_t)info->uid, (uint32_t)info->gid,
		(uint32_t)info->len, (uint64_t)info->send_time_ns / 1000000000,
		(uint64_t)info->send_time_ns % 1000000000);
	if (info->msg_flags & MSGPORT_MSG_CALL)
		fprintf(f, " [call=%" PRIu64 "]", (uint64_t)info->token);
	if (info->lost)
		fprintf(f, " [lost=%" PRIu32 "]", (uint32_t)info->lost);
	/* Carried by a bridge: pid..gid above are the bridge's, these its claim. */
	if ((info->msg_flags & MSGPORT_MSG_RELAYED) && relay)
		fprintf(f, " [relayed: origin=%016" PRIx64 " seq=%" PRIu64 " pid=%" PRId32
			" uid=%" PRIu32 " gid=%" PRIu32 "]", (uint64_t)relay->origin,
			(uint64_t)relay->seq, (int32_t)relay->pid, (uint32_t)relay->uid,
			(uint32_t)relay->gid);
	else if (info->msg_flags & MSGPORT_MSG_RELAYED)
		fputs(" [relayed]", f);
}

/*
 * Writes one message to standard output and flushes it: 0, or -errno when
 * the output failed (the message, already taken from the mailbox, is lost;
 * the caller must take no more).
 */
static int print_message(const char *buf, size_t len, const struct msgport_msginfo *info,
			 const struct msgport_relay *relay, int verbose, enum recv_output out)
{
	if (verbose) {
		/* Raw bytes stay alone on standard output. */
		FILE *f = out == OUT_RAW || out == OUT_NUL ? stderr : stdout;

		print_metadata(f, info, relay);
		fputc(out == OUT_LINE ? ' ' : '\n', f);
	}
	errno = 0;
	if (out == OUT_HEX) {
		cli_hexdump((const unsigned char *)buf, 0, len);
	} else {
		fwrite(buf, 1, len, stdout);
		if (out == OUT_LINE)
			putchar('\n');
		else if (out == OUT_NUL)
			putchar('\0');
	}
	/* A reader at the other end of a pipe sees each message as it comes. */
	if (fflush(stdout) == EOF || ferror(stdout))
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * One receive of recv.  --verbose without --from and --peek receives through
 * msgport_recv_relay(), which also gives a bridge's relayed origin: *relayp
 * is then relay, else NULL (nothing known beyond MSGPORT_MSG_RELAYED).
 */
static ssize_t recv_one(struct msgport_mailbox *mb, pid_t from, void *buf, size_t size,
			unsigned int flags, int64_t timeout_ns, int verbose,
			struct msgport_msginfo *info, struct msgport_relay *relay,
			const struct msgport_relay **relayp)
{
	struct msgport_recvmsg m = {
		.buf = buf, .len = size, .flags = flags, .timeout_ns = timeout_ns,
	};
	ssize_t n;

	*relayp = NULL;
	if (!verbose || from || (flags & ~(MSGPORT_F_NONBLOCK | MSGPORT_F_TRUNC)))
		return msgport_recv_from(mb, from, buf, size, flags, timeout_ns, info);
	n = msgport_recv_relay(mb, &m, relay);
	*info = m.info;
	*relayp = relay;
	return n;
}

/*
 * True when standard output is a pipe whose reader has gone.  Checked before
 * taking each message, the first too: writing it would kill us with SIGPIPE
 * after the kernel handed it over, and the message would be lost.
 */
static int stdout_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLNVAL));
}

static const char subscribe_usage[] =
	"Usage: msgport subscribe NAME [OPTIONS]\n"
	"\n"
	"Subscribe to the topic NAME (see 'msgport create --topic') and print each\n"
	"message published from now on as 'msgport recv' does, while the command\n"
	"runs.  The subscription has a queue of its own; when it is full, what\n"
	"happens is its policy's.\n"
	"\n"
	"      --policy POLICY   drop-old (drop the oldest queued of the lowest\n"
	"                        priority), drop-new (lose the new message), block\n"
	"                        (publishers wait): one the topic's creator allowed;\n"
	"                        default drop-old if allowed, else drop-new, else block\n"
	"      --capacity N      messages the subscription holds (default and most:\n"
	"                        the topic's capacity)\n"
	"  -c, --count N         receive N messages (default: until interrupted)\n"
	"  -n, --nonblock        do not wait: exit 75 if no message is waiting\n"
	"  -t, --timeout SECONDS wait at most this long per message, then exit 75\n"
	"  -v, --verbose         print each message's metadata first, as recv does,\n"
	"                        with lost=N when messages were lost before it\n"
	"  -r, --raw, -0, --null, -x, --hex   as for recv\n"
	"  -h, --help            show this help\n"
	"  -V, --version         show the version\n";

/* msgport subscribe's choices, or NULL for msgport recv (recv_main()). */
struct subscribe_opts {
	struct msgport_subscription sub;
};

static int recv_main(int argc, char **argv, struct subscribe_opts *so);

int cmd_recv(int argc, char **argv)
{
	return recv_main(argc, argv, NULL);
}

int cmd_subscribe(int argc, char **argv)
{
	struct subscribe_opts so = { .sub = { .capacity = 0 } };

	return recv_main(argc, argv, &so);
}

/* A --policy value: 0, or -EINVAL. */
static int parse_policy(const char *s, uint32_t *policy)
{
	if (!strcmp(s, "drop-old"))
		*policy = MSGPORT_TOPIC_DROP_OLD;
	else if (!strcmp(s, "drop-new"))
		*policy = MSGPORT_TOPIC_DROP_NEW;
	else if (!strcmp(s, "block"))
		*policy = MSGPORT_TOPIC_BLOCK;
	else
		return -EINVAL;
	return 0;
}

/* Open the subscription msgport subscribe asks for (cli_open_mailbox()'s way). */
static int open_subscription(const char *name, const struct subscribe_opts *so,
			     struct msgport_mailbox **mbp)
{
	struct msgport *mp;
	int ret = cli_open_device(&mp);

	if (ret)
		return ret;
	ret = msgport_subscribe(mp, name, &so->sub, mbp);
	msgport_close(mp);
	if (ret == -ENOENT) {
		cli_error("topic '%s': no such topic (create it with 'msgport create %s --topic')",
			  name, name);
		return 1;
	}
	if (ret == -EPERM) {
		cli_error("subscribe to '%s': the topic's creator does not allow that --policy",
			  name);
		return 1;
	}
	if (ret == -EPROTOTYPE) {
		/* The kernel refused it (MSGPORT_O_SUBSCRIBE): nothing was opened. */
		cli_error("subscribe to '%s': it is a mailbox, not a topic (receive from it "
			  "with 'msgport recv %s')", name, name);
		return 1;
	}
	if (ret == -EINVAL && so->sub.capacity) {
		cli_error("subscribe to '%s': --capacity %" PRIu32 " is more than the topic's",
			  name, so->sub.capacity);
		return 1;
	}
	if (ret == -EDQUOT) {
		cli_error("subscribe to '%s': you have as many subscriptions (or mailboxes) "
			  "as you may", name);
		return 1;
	}
	if (ret < 0)
		return cli_fail_name(ret, "subscribe to", name);
	return 0;
}

static int recv_main(int argc, char **argv, struct subscribe_opts *so)
{
	static const struct option sub_opts[] = {
		{ "policy", required_argument, NULL, 'o' },
		{ "capacity", required_argument, NULL, 'k' },
		CLI_OPT_COUNT,
		CLI_OPT_NONBLOCK,
		CLI_OPT_TIMEOUT,
		CLI_OPT_VERBOSE,
		{ "raw",  no_argument, NULL, 'r' },
		{ "null", no_argument, NULL, '0' },
		{ "hex",  no_argument, NULL, 'x' },
		CLI_OPT_HELP,
		CLI_OPT_VERSION,
		CLI_OPT_END,
	};
	static const struct option opts[] = {
		CLI_OPT_INBOX,
		CLI_OPT_PID_FILE,
		{ "from", required_argument, NULL, 'f' },
		CLI_OPT_COUNT,
		CLI_OPT_NONBLOCK,
		CLI_OPT_TIMEOUT,
		{ "peek", no_argument, NULL, 'p' },
		CLI_OPT_VERBOSE,
		{ "raw",  no_argument, NULL, 'r' },
		{ "null", no_argument, NULL, '0' },
		{ "hex",  no_argument, NULL, 'x' },
		CLI_OPT_HELP,
		CLI_OPT_VERSION,
		CLI_OPT_END,
	};
	enum recv_output out = OUT_LINE;
	int outputs = 0;
	struct cli_opts o = CLI_OPTS_INIT(so ? subscribe_usage : recv_usage);
	struct msgport_mailbox *mb = NULL;
	struct msgport_msginfo info;
	struct msgport_relay relay;
	const struct msgport_relay *shown;
	struct msgport_stat st;
	unsigned int flags;
	uint32_t count, done, from = 0;
	char name[CLI_LABEL_MAX];
	unsigned int peek = 0;
	size_t size;
	int c, ret;
	char *buf;

	while ((c = so ? cli_getopt(argc, argv, "c:nt:vr0xhV", sub_opts) :
		    cli_getopt(argc, argv, "if:c:nt:pvr0xhV", opts)) != -1) {
		switch (c) {
		case 'o':
			if (parse_policy(optarg, &so->sub.policy))
				return cli_bad_value("--policy", optarg, -EINVAL);
			break;
		case 'k':
			ret = parse_capacity(optarg, &so->sub.capacity);
			if (ret)
				return cli_bad_value("--capacity", optarg, ret);
			break;
		case 'r':
		case '0':
		case 'x':
			out = c == 'r' ? OUT_RAW : c == '0' ? OUT_NUL : OUT_HEX;
			outputs++;
			break;
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
	if (outputs > 1)
		return cli_usage("--raw, -0 and --hex do not go together");
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
	/* A subscription receives until interrupted, unless counted. */
	count = o.count ? o.count : so ? UINT32_MAX : 1;
	if (peek && count != 1)
		return cli_usage("--peek shows the next message only; --count must be 1");
	flags = o.flags | peek;

	if (so) {
		snprintf(name, sizeof(name), "'%s'", argv[optind]);
		ret = open_subscription(argv[optind], so, &mb);
	} else if (o.inbox) {
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

		if (stdout_gone()) {
			cli_error("recv: standard output closed after %" PRIu32 " messages; "
				  "the others stay queued", done);
			ret = 1;
			break;
		}
		n = recv_one(mb, (pid_t)from, buf, size, flags, o.timeout_ns, o.verbose, &info,
			     &relay, &shown);

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
		ret = print_message(buf, (size_t)n, &info, shown, o.verbose, out);
		if (ret) {
			if (peek)
				cli_error("recv: writing standard output: %s; the message "
					  "stays queued", strerror(-ret));
			else
				cli_error("recv: writing standard output: %s; message %" PRIu32
					  " (taken) was lost, the others stay queued",
					  strerror(-ret), done + 1);
			/* Said here: the stream's error is not reported again at exit. */
			clearerr(stdout);
			ret = 1;
			break;
		}
		done++;
	}
	free(buf);
	msgport_mailbox_close(mb);
	return ret;
}
