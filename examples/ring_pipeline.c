// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A ring of messages in a mailbox's region: several producer processes
 * send small messages to one consumer without a system call per message.
 *
 * The consumer creates an ephemeral mailbox with a region, formats a
 * many-producer ring in it (msgport_ring_init with MSGPORT_RING_MPSC) and
 * starts --producers processes; each opens the mailbox by name, maps the
 * region, attaches to the ring and sends --count messages, each its
 * producer number, its sequence number and a checksummed payload, half with
 * msgport_ring_send() and half written in place (msgport_ring_reserve() and
 * msgport_ring_commit()).  The consumer checks that every message arrives
 * whole and in order per producer.  A side that finds the ring empty (or
 * full) sleeps in msgport_region_wait(); the other side wakes it only when
 * it sleeps.
 *
 * With --kill, one more producer reserves a record, writes half of it and is
 * killed (SIGKILL) before it commits: the consumer skips that record once it
 * finds the producer gone, and says so (msgport_ring_stat()'s skipped).
 *
 *   example-ring-pipeline [--producers N] [--count N] [--kill] [--name NAME]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmsgport.h>

#define MAX_PRODUCERS	16
#define RING_BYTES	(64 * 1024)

struct msg {
	uint32_t producer;
	uint32_t seq;
	uint32_t len;		/* payload bytes */
	uint32_t sum;		/* FNV-1a of the payload */
	unsigned char payload[200];
};

static uint32_t fnv1a(const unsigned char *p, size_t len)
{
	uint32_t h = 2166136261U;

	while (len--)
		h = (h ^ *p++) * 16777619U;
	return h;
}

/* Message seq of producer p: a payload of 0 to 200 bytes. */
static size_t make(struct msg *m, uint32_t p, uint32_t seq)
{
	uint32_t i;

	m->producer = p;
	m->seq = seq;
	m->len = (seq * 7 + p) % 201;
	for (i = 0; i < m->len; i++)
		m->payload[i] = (unsigned char)(seq + i * p);
	m->sum = fnv1a(m->payload, m->len);
	return offsetof(struct msg, payload) + m->len;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "example-ring-pipeline: %s: %s\n", what, msgport_strerror(err));
	return 1;
}

/* A producer: its own device handle, mailbox, mapping and ring handle, by name. */
static int produce(const char *name, uint32_t p, uint32_t count, int die)
{
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_ring *ring;
	struct msgport *mp;
	struct msg m;
	uint32_t seq;
	size_t len;
	void *buf;
	int ret;

	ret = msgport_open(NULL, &mp);
	if (ret < 0)
		return fail("producer: msgport_open", ret);
	/* Both directions: the ring is written by producers and consumer alike. */
	ret = msgport_mailbox_open(mp, name, MSGPORT_O_SEND | MSGPORT_O_RECV, NULL, &mb);
	if (ret < 0)
		return fail("producer: msgport_mailbox_open", ret);
	ret = msgport_region_map(mb, &r);
	if (ret < 0)
		return fail("producer: msgport_region_map", ret);
	ret = msgport_ring_attach(r, 0, &ring);
	if (ret < 0)
		return fail("producer: msgport_ring_attach", ret);
	if (die) {
		/* Reserve, write half, and wait for the SIGKILL. */
		ret = msgport_ring_reserve(ring, sizeof(m), MSGPORT_WAIT_FOREVER, &buf);
		if (ret < 0)
			return fail("producer: msgport_ring_reserve", ret);
		memset(buf, 0xee, sizeof(m) / 2);
		if (write(die, "r", 1) != 1)
			return 1;
		for (;;)
			pause();
	}
	for (seq = 0; seq < count; seq++) {
		len = make(&m, p, seq);
		if (seq % 2) {
			ret = msgport_ring_send(ring, &m, len, MSGPORT_WAIT_FOREVER);
		} else {
			ret = msgport_ring_reserve(ring, len, MSGPORT_WAIT_FOREVER, &buf);
			if (!ret) {
				memcpy(buf, &m, len);	/* a real producer would build it there */
				ret = msgport_ring_commit(ring, buf);
			}
		}
		if (ret < 0)
			return fail("producer: sending", ret);
	}
	msgport_ring_detach(ring);
	msgport_region_unmap(r);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return 0;
}

static pid_t start(const char *name, uint32_t p, uint32_t count, int die)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(produce(name, p, count, die));
	return pid;
}

static void usage(FILE *f)
{
	fputs("Usage: example-ring-pipeline [--producers N] [--count N] [--kill] [--name NAME]\n"
	      "\n"
	      "N producer processes send messages to this one through a ring in a msgport\n"
	      "mailbox's region; every message is checked, in order per producer.\n"
	      "\n"
	      "  -p, --producers N  producer processes, 1 to 16 (default 4)\n"
	      "  -c, --count N      messages per producer (default 100000)\n"
	      "  -k, --kill         also a producer killed between reserve and commit\n"
	      "  -n, --name NAME    mailbox name (default ring-pipeline-PID; ephemeral)\n"
	      "  -h, --help         this help\n"
	      "\n"
	      "Exit status: 0 every message arrived in order; 1 failure; 2 usage.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "producers", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' },
		{ "kill", no_argument, NULL, 'k' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct msgport_attr attr = { .capacity = 0, .mode = 0600, .region_size = RING_BYTES };
	struct msgport_ring_attr ra = { .offset = 0, .size = RING_BYTES, .flags = MSGPORT_RING_MPSC };
	uint32_t producers = 4, count = 100000, next[MAX_PRODUCERS] = { 0 }, i;
	pid_t pids[MAX_PRODUCERS], victim = 0;
	struct msgport_ring_stat st;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_ring *ring;
	int c, ret, status, kill_one = 0, ok = 1, ready[2];
	struct timespec t0, t1;
	struct msgport *mp;
	char name[64] = "";
	uint64_t total;
	struct msg m;
	ssize_t n;
	double s;
	char *end;

	while ((c = getopt_long(argc, argv, "p:c:kn:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case 'c':
			errno = 0;
			i = (uint32_t)strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || *optarg == '-' || !i ||
			    (c == 'p' && i > MAX_PRODUCERS)) {
				fprintf(stderr, "example-ring-pipeline: bad number '%s'\n", optarg);
				return 2;
			}
			*(c == 'p' ? &producers : &count) = i;
			break;
		case 'k':
			kill_one = 1;
			break;
		case 'n':
			snprintf(name, sizeof(name), "%s", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (!name[0])
		snprintf(name, sizeof(name), "ring-pipeline-%d", (int)getpid());

	ret = msgport_open(NULL, &mp);
	if (ret < 0)
		return fail("msgport_open", ret);
	/* Ephemeral: nothing is left behind, whatever happens. */
	ret = msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_EPHEMERAL |
				   MSGPORT_O_SEND | MSGPORT_O_RECV, &attr, &mb);
	if (ret < 0)
		return fail("creating the mailbox", ret);
	ret = msgport_region_map(mb, &r);
	if (ret < 0)
		return fail("msgport_region_map", ret);
	ret = msgport_ring_init(r, &ra);
	if (ret < 0)
		return fail("msgport_ring_init", ret);
	ret = msgport_ring_attach(r, 0, &ring);
	if (ret < 0)
		return fail("msgport_ring_attach", ret);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (kill_one) {
		/* First, so that its record is among the first the consumer meets. */
		char ch;

		if (pipe(ready) < 0) {
			perror("pipe");
			return 1;
		}
		victim = start(name, MAX_PRODUCERS, 0, ready[1]);
		if (victim < 0 || read(ready[0], &ch, 1) != 1) {
			fprintf(stderr, "example-ring-pipeline: the producer to kill did not start\n");
			return 1;
		}
		kill(victim, SIGKILL);
		waitpid(victim, NULL, 0);
		printf("killed producer %d between reserve and commit\n", (int)victim);
	}
	for (i = 0; i < producers; i++) {
		pids[i] = start(name, i, count, 0);
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
	}
	total = (uint64_t)producers * count;
	for (; total; total--) {
		n = msgport_ring_recv(ring, &m, sizeof(m), 30LL * 1000000000LL);
		if (n < 0) {
			fail("msgport_ring_recv", (int)n);
			ok = 0;
			break;
		}
		if ((size_t)n < offsetof(struct msg, payload) || m.producer >= producers ||
		    (size_t)n != offsetof(struct msg, payload) + m.len || m.len > sizeof(m.payload) ||
		    fnv1a(m.payload, m.len) != m.sum || m.seq != next[m.producer]) {
			fprintf(stderr, "example-ring-pipeline: a message out of order or corrupt\n");
			ok = 0;
			break;
		}
		next[m.producer]++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < producers; i++)
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			ok = 0;
	if (!ok) {
		fprintf(stderr, "example-ring-pipeline: failed\n");
		return 1;
	}
	ret = msgport_ring_stat(ring, &st);
	if (ret < 0)
		return fail("msgport_ring_stat", ret);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("received %" PRIu64 " messages from %u producers, each in order, in %.2f s "
	       "(%.0f messages/s)\n", (uint64_t)producers * count, producers, s,
	       s > 0 ? (double)producers * count / s : 0.0);
	printf("skipped %" PRIu64 " record(s) of dead producers\n", st.skipped);
	if (st.skipped != (uint64_t)kill_one)
		return 1;
	msgport_ring_detach(ring);
	msgport_region_unmap(r);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return 0;
}
