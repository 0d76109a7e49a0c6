// SPDX-License-Identifier: GPL-2.0
/*
 * bridge-check: the msgport side of make check-bridge (tests/bridge/): makes
 * and verifies the traffic that msgport-bridge carries, with libmsgport's
 * relay API (LIBMSGPORT_1.3) and no NATS.
 *
 *   produce MAILBOX --sender ID --count N [--sync] [--size BYTES] [--rate PER_S]
 *           [--timeout S]
 *       send messages 1..N of sender ID; each payload carries (ID, number)
 *       and a filler derived from them.  --timeout: each send may block
 *       at most S seconds (default: without limit), so a stuck bridge
 *       fails the sender.  Prints how many sends were accepted; exit 0
 *       only if all N were.
 *   consume MAILBOX --senders ID[,ID...] --count N [--timeout S] [--allow-dup]
 *           [--relayed] [--origin NODE] [--subset --idle S] [--record FILE]
 *           [--drain S]
 *       receive until every sender's N messages arrived (or --timeout);
 *       checks each payload, that first arrivals per sender come in the
 *       sender's order, counts duplicates (a number seen before), and with
 *       --relayed that each message is MSGPORT_MSG_RELAYED with plausible
 *       relay fields (--origin: relay.origin is FNV-1a 64 of NODE, which
 *       msgport-bridge makes "node/mailbox" of the origin's node and mailbox),
 *       that a duplicate carries the first copy's (relay.origin, relay.seq)
 *       and that distinct messages carry distinct ones.  --drain S: after
 *       the N distinct messages, keep receiving for S seconds; anything
 *       more fails (a duplicate is counted as such, allowed by --allow-dup).
 *       --subset (a queue group member): any part of the messages, stops
 *       after --idle seconds without one; prints "total K".  --record FILE
 *       writes "SENDER NUMBER" for each distinct message (a union of the
 *       members' files shows whether the group lost any).  Exit 0 only if
 *       none lost (unless --subset), order held, no corruption, and no
 *       duplicate unless --allow-dup.
 *   serve MAILBOX --name NAME [--calls N]
 *       answer calls with "NAME|<request>" (until N answered, or SIGTERM);
 *       other messages are counted and dropped.
 *   call MAILBOX --expect NAME --count N [--timeout MS] [--ready S] [--origin NODE]
 *       make N calls and check that each reply is "NAME|<request>"; before
 *       the first answer, failures (the far side not up yet) are retried for
 *       up to --ready seconds; after it, any failure fails.
 *   fnv NAME   print FNV-1a 64 of NAME (the bridge's origin id for --node NAME)
 *   as UID GID PROG [ARG...]
 *       run PROG as UID:GID with no supplementary group (busybox's setpriv
 *       cannot change ids): a bridge as an unprivileged user.
 *
 * Exit: 0 verified, 1 failed (what and why on stderr), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmsgport.h>

#define MAGIC		0x4b48434252ULL	/* "RBCHK" */
#define HDR_SIZE	16
#define MAX_SENDERS	64
#define MAX_SIZE	(4u << 20)

static const char *prog = "bridge-check";
static const char *cmd = "";
static volatile sig_atomic_t stop;

struct opts {
	const char *mailbox;
	const char *name;
	const char *origin;
	const char *record;
	unsigned int sender;
	unsigned int senders[MAX_SENDERS];
	unsigned int nsenders;
	unsigned long count;
	unsigned long size;
	double rate;
	double timeout_s;
	double idle_s;
	double ready_s;
	long call_timeout_ms;
	int sync;
	int allow_dup;
	int relayed;
	int subset;
	int count_set;
	int timeout_set;
	double drain_s;
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", prog, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static uint32_t get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned char filler(uint32_t sender, uint32_t num, size_t i)
{
	return (unsigned char)(sender * 31 + num * 7 + i * 13);
}

/* Payload: magic (8 bytes: 5 used), sender, number, then filler to size. */
static void fill(unsigned char *buf, size_t size, uint32_t sender, uint32_t num)
{
	size_t i;

	memset(buf, 0, HDR_SIZE);
	put32(buf, (uint32_t)MAGIC);
	put32(buf + 4, (uint32_t)(MAGIC >> 32));
	put32(buf + 8, sender);
	put32(buf + 12, num);
	for (i = HDR_SIZE; i < size; i++)
		buf[i] = filler(sender, num, i);
}

static int parse_payload(const unsigned char *buf, size_t len, uint32_t *sender, uint32_t *num)
{
	size_t i;

	if (len < HDR_SIZE || get32(buf) != (uint32_t)MAGIC || get32(buf + 4) != (uint32_t)(MAGIC >> 32))
		return -1;
	*sender = get32(buf + 8);
	*num = get32(buf + 12);
	for (i = HDR_SIZE; i < len; i++)
		if (buf[i] != filler(*sender, *num, i))
			return -1;
	return 0;
}

static int open_mailbox(struct msgport **mp, const char *name, unsigned int oflags,
			struct msgport_mailbox **mb)
{
	int err = msgport_open(NULL, mp);

	if (err) {
		fail("cannot open /dev/msgport: %s", msgport_strerror(err));
		return err;
	}
	err = msgport_mailbox_open(*mp, name, oflags, NULL, mb);
	if (err) {
		fail("cannot open mailbox '%s': %s", name, msgport_strerror(err));
		msgport_close(*mp);
	}
	return err;
}

static int do_produce(const struct opts *o)
{
	struct msgport *mp;
	struct msgport_mailbox *mb;
	unsigned char *buf;
	unsigned long n, accepted = 0;
	double start = now_s();
	int err = 0;

	if (open_mailbox(&mp, o->mailbox, MSGPORT_O_SEND, &mb))
		return 1;
	buf = malloc(o->size);
	if (!buf)
		return 1;
	for (n = 1; n <= o->count && !stop; n++) {
		if (o->rate > 0) {
			double due = start + (double)(n - 1) / o->rate, t = now_s();

			if (due > t)
				usleep((useconds_t)((due - t) * 1e6));
		}
		fill(buf, o->size, o->sender, (uint32_t)n);
		err = msgport_send(mb, buf, o->size, 0, o->sync ? MSGPORT_F_SYNC : 0,
				   o->timeout_set ? (int64_t)(o->timeout_s * 1e9) : MSGPORT_WAIT_FOREVER,
				   NULL);
		if (err) {
			fail("sender %u: send of message %lu failed: %s", o->sender, n,
			     msgport_strerror(err));
			break;
		}
		accepted++;
	}
	printf("%s produce: sender %u: %lu of %lu sends accepted (%s, %lu bytes)\n", prog, o->sender,
	       accepted, o->count, o->sync ? "sync" : "async", o->size);
	free(buf);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return accepted == o->count ? 0 : 1;
}

struct sender_state {
	unsigned int id;
	unsigned char *seen;	/* count + 1 flags */
	uint64_t *rseq;		/* count + 1: relay.seq of the first copy */
	unsigned long distinct, dups, hi, disorder;
};

static int do_consume(const struct opts *o)
{
	struct sender_state st[MAX_SENDERS];
	struct msgport *mp;
	struct msgport_mailbox *mb;
	unsigned char *buf;
	double start = now_s(), last = start;
	uint64_t want_origin = o->origin ? fnv1a64(o->origin) : 0;
	unsigned long corrupt = 0, unrelayed = 0, badrelay = 0, foreign = 0, total = 0;
	unsigned long seqdup = 0, seqdiff = 0, extra = 0;
	double done_at = 0;
	unsigned int i;
	int ok = 1;

	memset(st, 0, sizeof(st));
	for (i = 0; i < o->nsenders; i++) {
		st[i].id = o->senders[i];
		st[i].seen = calloc(o->count + 1, 1);
		st[i].rseq = calloc(o->count + 1, sizeof(*st[i].rseq));
		if (!st[i].seen || !st[i].rseq)
			return 1;
	}
	FILE *rec = NULL;

	if (o->record) {
		rec = fopen(o->record, "w");
		if (!rec) {
			fail("cannot write %s: %s", o->record, strerror(errno));
			return 1;
		}
	}
	if (open_mailbox(&mp, o->mailbox, MSGPORT_O_RECV, &mb))
		return 1;
	buf = malloc(MAX_SIZE);
	if (!buf)
		return 1;
	while (!stop) {
		struct msgport_recvmsg m = { 0 };
		struct msgport_relay relay;
		uint32_t sender, num;
		ssize_t len;
		double t = now_s();
		int done = 1;

		for (i = 0; i < o->nsenders && !o->subset; i++)
			if (st[i].distinct < o->count)
				done = 0;
		if (done && !o->subset) {
			if (!done_at)
				done_at = t;
			if (t - done_at >= o->drain_s)
				break;
		}
		if (t - start > o->timeout_s || (o->subset && t - last > o->idle_s))
			break;
		m.buf = buf;
		m.len = MAX_SIZE;
		m.timeout_ns = 500000000LL;
		len = msgport_recv_relay(mb, &m, &relay);
		if (len == -ETIMEDOUT || len == -EINTR || len == -EAGAIN)
			continue;
		if (len < 0) {
			fail("receive from '%s' failed: %s", o->mailbox, msgport_strerror((int)len));
			ok = 0;
			break;
		}
		last = now_s();
		if (parse_payload(buf, (size_t)len, &sender, &num)) {
			if (corrupt++ < 5)
				fail("message seq %" PRIu64 " (%zd bytes): not a bridge-check payload or corrupted",
				     (uint64_t)m.info.seq, len);
			continue;
		}
		if (o->relayed) {
			if (!(m.info.msg_flags & MSGPORT_MSG_RELAYED)) {
				if (unrelayed++ < 5)
					fail("sender %u message %u: not marked MSGPORT_MSG_RELAYED", sender, num);
			} else if ((want_origin && relay.origin != want_origin) || !relay.seq ||
				   !relay.send_time_ns || relay.pid <= 0) {
				if (badrelay++ < 5)
					fail("sender %u message %u: relay fields origin %#" PRIx64 " (want %#" PRIx64
					     ") seq %" PRIu64 " time %" PRIu64 " pid %d",
					     sender, num, (uint64_t)relay.origin, want_origin,
					     (uint64_t)relay.seq, (uint64_t)relay.send_time_ns, relay.pid);
			}
		}
		for (i = 0; i < o->nsenders; i++)
			if (st[i].id == sender)
				break;
		if (i == o->nsenders || num < 1 || num > o->count) {
			if (foreign++ < 5)
				fail("unexpected message: sender %u number %u", sender, num);
			continue;
		}
		total++;
		if (done_at)
			extra++;
		if (st[i].seen[num]) {
			st[i].dups++;
			if (o->relayed && (m.info.msg_flags & MSGPORT_MSG_RELAYED) &&
			    st[i].rseq[num] && relay.seq != st[i].rseq[num] && seqdiff++ < 5)
				fail("sender %u message %u: a duplicate with relay.seq %" PRIu64
				     ", the first copy had %" PRIu64, sender, num, (uint64_t)relay.seq,
				     st[i].rseq[num]);
			continue;
		}
		st[i].seen[num] = 1;
		if (o->relayed && (m.info.msg_flags & MSGPORT_MSG_RELAYED) && relay.seq) {
			unsigned int j;
			unsigned long k;

			/* Distinct messages, distinct (origin, seq): one origin
			 * per consume (--origin), so relay.seq alone. */
			for (j = 0; j < o->nsenders; j++)
				for (k = 1; k <= o->count; k++)
					if (st[j].rseq[k] == relay.seq && seqdup++ < 5)
						fail("sender %u message %u has relay.seq %" PRIu64
						     " as sender %u message %lu had", sender, num,
						     (uint64_t)relay.seq, st[j].id, k);
			st[i].rseq[num] = relay.seq;
		}
		st[i].distinct++;
		if (rec)
			fprintf(rec, "%u %u\n", sender, num);
		if (num < st[i].hi) {
			if (st[i].disorder++ < 5)
				fail("sender %u: message %u arrived first after %lu: order broken", sender,
				     num, st[i].hi);
		} else {
			st[i].hi = num;
		}
	}
	for (i = 0; i < o->nsenders; i++) {
		unsigned long lost = o->count - st[i].distinct, n, shown = 0;

		printf("%s consume: %s: sender %u: %lu/%lu distinct, %lu duplicate(s), %s\n", prog,
		       o->mailbox, st[i].id, st[i].distinct, o->count, st[i].dups,
		       st[i].disorder ? "ORDER BROKEN" : "order held");
		if (lost && !o->subset) {
			ok = 0;
			fprintf(stderr, "%s consume: sender %u: %lu message(s) lost, e.g.:", prog, st[i].id, lost);
			for (n = 1; n <= o->count && shown < 10; n++)
				if (!st[i].seen[n]) {
					fprintf(stderr, " %lu", n);
					shown++;
				}
			fputc('\n', stderr);
		}
		if (st[i].disorder)
			ok = 0;
		if (st[i].dups && !o->allow_dup) {
			fail("sender %u: %lu duplicate(s) where none is allowed", st[i].id, st[i].dups);
			ok = 0;
		}
		free(st[i].seen);
		free(st[i].rseq);
	}
	if (o->subset) {
		unsigned long distinct = 0;

		for (i = 0; i < o->nsenders; i++)
			distinct += st[i].distinct;
		printf("%s consume: %s: total %lu\n", prog, o->mailbox, distinct);
	}
	if (seqdup || seqdiff) {
		fail("%lu distinct message(s) with a relay.seq seen before, %lu duplicate(s) with another relay.seq",
		     seqdup, seqdiff);
		ok = 0;
	}
	if (extra && !o->allow_dup) {
		fail("%lu message(s) more after the %lu expected (--drain)", extra, o->count);
		ok = 0;
	}
	if (corrupt || unrelayed || badrelay || foreign) {
		fail("%lu corrupted, %lu not relayed, %lu with bad relay fields, %lu unexpected",
		     corrupt, unrelayed, badrelay, foreign);
		ok = 0;
	}
	if (rec && fclose(rec)) {
		fail("cannot write %s: %s", o->record, strerror(errno));
		ok = 0;
	}
	printf("%s consume: %s: %s (%lu received in %.1f s)\n", prog, o->mailbox, ok ? "OK" : "FAILED",
	       total, now_s() - start);
	free(buf);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return ok ? 0 : 1;
}

static int do_serve(const struct opts *o)
{
	struct msgport *mp;
	struct msgport_mailbox *mb;
	unsigned char *buf, *reply;
	size_t nlen = strlen(o->name);
	unsigned long answered = 0, other = 0;
	int ok = 1;

	if (open_mailbox(&mp, o->mailbox, MSGPORT_O_RECV, &mb))
		return 1;
	buf = malloc(MAX_SIZE);
	reply = malloc(MAX_SIZE + nlen + 1);
	if (!buf || !reply)
		return 1;
	printf("%s serve: %s: serving as '%s'\n", prog, o->mailbox, o->name);
	fflush(stdout);
	while (!stop && (!o->count || answered < o->count)) {
		struct msgport_recvmsg m = { 0 };
		struct msgport_relay relay;
		ssize_t len;
		int err;

		m.buf = buf;
		m.len = MAX_SIZE;
		m.timeout_ns = 500000000LL;
		len = msgport_recv_relay(mb, &m, &relay);
		if (len == -ETIMEDOUT || len == -EINTR || len == -EAGAIN)
			continue;
		if (len < 0) {
			fail("receive from '%s' failed: %s", o->mailbox, msgport_strerror((int)len));
			ok = 0;
			break;
		}
		if (!(m.info.msg_flags & MSGPORT_MSG_CALL)) {
			other++;
			continue;
		}
		memcpy(reply, o->name, nlen);
		reply[nlen] = '|';
		memcpy(reply + nlen + 1, buf, (size_t)len);
		err = msgport_reply(mb, m.info.token, reply, nlen + 1 + (size_t)len);
		if (err) {
			fail("reply to call %" PRIu64 " failed: %s", (uint64_t)m.info.token,
			     msgport_strerror(err));
			continue;
		}
		answered++;
	}
	printf("%s serve: %s: %lu call(s) answered, %lu other message(s)\n", prog, o->mailbox,
	       answered, other);
	free(buf);
	free(reply);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return ok ? 0 : 1;
}

static int do_call(const struct opts *o)
{
	struct msgport *mp;
	struct msgport_mailbox *mb;
	char req[128], want[512];
	char *reply;
	uint64_t want_origin = o->origin ? fnv1a64(o->origin) : 0;
	unsigned long n, good = 0;
	double start = now_s(), first = 0;
	int ok = 1, retries = 0;

	if (open_mailbox(&mp, o->mailbox, MSGPORT_O_SEND, &mb))
		return 1;
	reply = malloc(MAX_SIZE);
	if (!reply)
		return 1;
	for (n = 1; n <= o->count && !stop; n++) {
		struct msgport_callmsg c = { 0 };
		ssize_t len;
		int wlen;

		snprintf(req, sizeof(req), "call %lu of %lu from pid %d", n, o->count, (int)getpid());
		wlen = snprintf(want, sizeof(want), "%s|%s", o->name, req);
		c.req = req;
		c.req_len = strlen(req);
		c.reply = reply;
		c.reply_len = MAX_SIZE;
		c.timeout_ns = o->call_timeout_ms * 1000000LL;
		len = msgport_call_relay(mb, &c);
		if (len < 0) {
			if (!good && now_s() - start < o->ready_s) {
				if (retries++ % 10 == 0)
					fprintf(stderr, "%s call: not answered yet (%s): retrying\n", prog,
						msgport_strerror((int)len));
				sleep(1);
				n--;
				continue;
			}
			fail("call %lu failed: %s", n, msgport_strerror((int)len));
			ok = 0;
			break;
		}
		if (!good)
			first = now_s();
		if (len != wlen || memcmp(reply, want, (size_t)wlen)) {
			fail("call %lu: reply '%.*s', expected '%s'", n, (int)(len > 200 ? 200 : len), reply,
			     want);
			ok = 0;
			break;
		}
		if (o->origin) {
			if (!(c.info.msg_flags & MSGPORT_MSG_RELAYED) || c.reply_relay.origin != want_origin) {
				fail("call %lu: reply not relayed from origin %s (%#" PRIx64
				     "): msg_flags %#x origin %#" PRIx64,
				     n, o->origin, want_origin, c.info.msg_flags,
				     (uint64_t)c.reply_relay.origin);
				ok = 0;
				break;
			}
		}
		good++;
	}
	printf("%s call: %s: %lu/%lu answered by '%s' (first after %.1f s, then %.3f s per call)\n",
	       prog, o->mailbox, good, o->count, o->name, first ? first - start : 0,
	       good > 1 ? (now_s() - first) / (double)(good - 1) : 0);
	free(reply);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return ok && good == o->count ? 0 : 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s produce MAILBOX --sender ID --count N [--sync] [--size BYTES] [--rate PER_S]\n"
		"                  [--timeout S]\n"
		"       %s consume MAILBOX --senders ID[,ID...] --count N [--timeout S] [--allow-dup]\n"
		"                  [--relayed] [--origin NODE] [--subset --idle S] [--record FILE]\n"
		"                  [--drain S]\n"
		"       %s serve MAILBOX --name NAME [--count N]\n"
		"       %s call MAILBOX --name NAME --count N [--call-timeout MS] [--ready S] [--origin NODE]\n"
		"       %s fnv NAME\n"
		"       %s as UID GID PROG [ARG...]\n"
		"Exit: 0 verified, 1 failed, 2 usage (see the comment at the top of bridge-check.c).\n",
		prog, prog, prog, prog, prog, prog);
}

static void on_signal(int sig)
{
	stop = 1;
}

static int parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

/* as UID GID PROG [ARG...]: exec PROG with those ids and no groups. */
static int run_as(int argc, char **argv)
{
	unsigned long uid, gid;

	if (argc < 3 || parse_ulong(argv[0], &uid) || parse_ulong(argv[1], &gid) ||
	    uid > UINT32_MAX - 1 || gid > UINT32_MAX - 1) {
		usage(stderr);
		return 2;
	}
	if (setgroups(0, NULL) || setgid((gid_t)gid) || setuid((uid_t)uid)) {
		fprintf(stderr, "%s: as %lu:%lu: %s\n", prog, uid, gid, strerror(errno));
		return 1;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "%s: as: %s: %s\n", prog, argv[2], strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "sender", required_argument, NULL, 'S' },
		{ "senders", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 'z' },
		{ "rate", required_argument, NULL, 'r' },
		{ "sync", no_argument, NULL, 'y' },
		{ "timeout", required_argument, NULL, 't' },
		{ "idle", required_argument, NULL, 'i' },
		{ "ready", required_argument, NULL, 'R' },
		{ "call-timeout", required_argument, NULL, 'T' },
		{ "allow-dup", no_argument, NULL, 'd' },
		{ "relayed", no_argument, NULL, 'l' },
		{ "origin", required_argument, NULL, 'o' },
		{ "subset", no_argument, NULL, 'u' },
		{ "record", required_argument, NULL, 'W' },
		{ "drain", required_argument, NULL, 'D' },
		{ "name", required_argument, NULL, 'N' },
		{ "expect", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.count = 100, .size = 64, .timeout_s = 120, .idle_s = 10, .ready_s = 0,
		.call_timeout_ms = 30000,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long v;
	int c;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "fnv")) {
		printf("%" PRIu64 "\n", fnv1a64(argv[2]));
		return 0;
	}
	if (!strcmp(cmd, "as"))
		return run_as(argc - 2, argv + 2);
	o.mailbox = argv[2];
	optind = 3;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			if (parse_ulong(optarg, &v) || v > UINT32_MAX)
				goto bad;
			o.sender = (unsigned int)v;
			break;
		case 's': {
			char *save = NULL, *tok, *list = strdup(optarg);

			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (parse_ulong(tok, &v) || v > UINT32_MAX || o.nsenders == MAX_SENDERS) {
					free(list);
					goto bad;
				}
				o.senders[o.nsenders++] = (unsigned int)v;
			}
			free(list);
			break;
		}
		case 'n':
			if (parse_ulong(optarg, &o.count) || !o.count || o.count > 100000000)
				goto bad;
			o.count_set = 1;
			break;
		case 'z':
			if (parse_ulong(optarg, &o.size) || o.size < HDR_SIZE || o.size > MAX_SIZE)
				goto bad;
			break;
		case 'r': o.rate = atof(optarg); break;
		case 'y': o.sync = 1; break;
		case 't': o.timeout_s = atof(optarg); o.timeout_set = 1; break;
		case 'D': o.drain_s = atof(optarg); break;
		case 'i': o.idle_s = atof(optarg); break;
		case 'R': o.ready_s = atof(optarg); break;
		case 'T': o.call_timeout_ms = atol(optarg); break;
		case 'd': o.allow_dup = 1; break;
		case 'l': o.relayed = 1; break;
		case 'o': o.origin = optarg; break;
		case 'u': o.subset = 1; break;
		case 'W': o.record = optarg; break;
		case 'N': o.name = optarg; break;
		case 'h': usage(stdout); return 0;
		default: goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "produce"))
		return do_produce(&o);
	if (!strcmp(cmd, "consume")) {
		if (!o.nsenders)
			goto bad;
		return do_consume(&o);
	}
	if (!strcmp(cmd, "serve")) {
		if (!o.name)
			goto bad;
		if (!o.count_set)
			o.count = 0;	/* default: until SIGTERM */
		return do_serve(&o);
	}
	if (!strcmp(cmd, "call")) {
		if (!o.name)
			goto bad;
		return do_call(&o);
	}
bad:
	fprintf(stderr, "%s: bad usage of '%s'\n", prog, cmd);
	usage(stderr);
	return 2;
}
