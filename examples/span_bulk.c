// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bulk transfer through spans: a producer streams --bytes (default 256 MiB)
 * to a consumer in another process through a mailbox's region (default
 * 16 MiB), one span message per buffer (default 1 MiB), without copying a
 * byte through the kernel.  Both compute a checksum of what they wrote and
 * read; the program fails unless the two match.
 *
 * How (see "Spans" in libmsgport.h):
 *   producer: msgport_span_alloc()   a free buffer in the region's pool
 *             ...fill it...
 *             msgport_span_send()    the kernel queues (offset, length)
 *   consumer: msgport_span_recv()    (offset, length), a pointer into its
 *                                    own mapping of the same pages
 *             ...read it...
 *             msgport_span_release() the buffer goes back to the pool
 * An empty ordinary message ends the stream.  When the consumer falls
 * behind, the pool runs out and the producer waits in msgport_span_alloc();
 * when the producer falls behind, the consumer waits in msgport_span_recv().
 *
 *   example-span-bulk [--bytes N] [--region N] [--span N] [--name NAME]
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

#define MIB		(1024.0 * 1024.0)

struct options {
	uint64_t bytes;
	uint64_t region;
	uint64_t span;
	char name[64];
};

/* splitmix64: the stream's 64-bit word number i. */
static uint64_t stream_word(uint64_t i)
{
	uint64_t z = i + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* FNV-1a over 64-bit words; a tail of fewer than 8 bytes is zero-padded. */
static uint64_t checksum(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t w;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, len);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	return h;
}

#define CHECKSUM_INIT	0xcbf29ce484222325ULL

/* Fills buf with the stream's bytes from stream offset pos (a multiple of 8). */
static void fill(void *buf, size_t len, uint64_t pos)
{
	unsigned char *p = buf;
	uint64_t i = pos / 8, w;

	for (; len >= 8; len -= 8, p += 8, i++) {
		w = stream_word(i);
		memcpy(p, &w, 8);
	}
	if (len) {
		w = stream_word(i);
		memcpy(p, &w, len);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "example-span-bulk: %s: %s\n", what, msgport_strerror(err));
	return 1;
}

/* The consumer: its own device handle, mailbox and mapping, by name. */
static int consume(const struct options *o, int result_fd)
{
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_span sp;
	uint64_t sum = CHECKSUM_INIT, bytes = 0, spans = 0;
	struct msgport *mp;
	int ret;

	ret = msgport_open(NULL, &mp);
	if (ret < 0)
		return fail("consumer: msgport_open", ret);
	/* Receiving, and sending too: releasing a span writes the pool. */
	ret = msgport_mailbox_open(mp, o->name, MSGPORT_O_RECV | MSGPORT_O_SEND, NULL, &mb);
	if (ret < 0)
		return fail("consumer: msgport_mailbox_open", ret);
	ret = msgport_region_map(mb, &r);
	if (ret < 0)
		return fail("consumer: msgport_region_map", ret);
	for (;;) {
		ret = msgport_span_recv(mb, r, &sp, 0, MSGPORT_WAIT_FOREVER, NULL);
		if (ret < 0)
			return fail("consumer: msgport_span_recv", ret);
		if (!sp.len)
			break;		/* end of stream */
		sum = checksum(sum, sp.addr, sp.len);
		bytes += sp.len;
		spans++;
		ret = msgport_span_release(r, &sp);
		if (ret < 0)
			return fail("consumer: msgport_span_release", ret);
	}
	printf("consumer: received %" PRIu64 " bytes in %" PRIu64 " spans, checksum %016" PRIx64
	       "\n", bytes, spans, sum);
	fflush(stdout);
	if (write(result_fd, &sum, sizeof(sum)) != sizeof(sum) ||
	    write(result_fd, &bytes, sizeof(bytes)) != sizeof(bytes))
		return 1;
	msgport_region_unmap(r);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return 0;
}

static int produce(const struct options *o, struct msgport_mailbox *mb, struct msgport_region *r,
		   uint64_t *sump)
{
	uint64_t pos = 0, sum = CHECKSUM_INIT;
	struct msgport_span sp;
	int ret;

	while (pos < o->bytes) {
		size_t len = (size_t)(o->bytes - pos < o->span ? o->bytes - pos : o->span);

		ret = msgport_span_alloc(r, len, 0, MSGPORT_WAIT_FOREVER, &sp);
		if (ret < 0)
			return fail("producer: msgport_span_alloc", ret);
		fill(sp.addr, len, pos);
		sum = checksum(sum, sp.addr, len);
		/* From here on the span is the consumer's: no more writes. */
		ret = msgport_span_send(mb, &sp, 0, 0, MSGPORT_WAIT_FOREVER, NULL);
		if (ret < 0)
			return fail("producer: msgport_span_send", ret);
		pos += len;
	}
	ret = msgport_send(mb, "", 0, 0, 0, MSGPORT_WAIT_FOREVER, NULL);
	if (ret < 0)
		return fail("producer: end-of-stream message", ret);
	*sump = sum;
	return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'G': case 'g':
		v <<= 10;
		/* fallthrough */
	case 'M': case 'm':
		v <<= 10;
		/* fallthrough */
	case 'K': case 'k':
		v <<= 10;
		end++;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (*end || !v)
		return -1;
	*out = v;
	return 0;
}

static void usage(FILE *f)
{
	fputs("Usage: example-span-bulk [--bytes N] [--region N] [--span N] [--name NAME]\n"
	      "\n"
	      "Stream N bytes from a producer to a consumer process through spans of a\n"
	      "msgport mailbox's region, and compare their checksums.  Sizes take K, M, G.\n"
	      "\n"
	      "  -b, --bytes N    bytes to stream (default 256M)\n"
	      "  -r, --region N   region size (default 16M)\n"
	      "  -s, --span N     bytes per span message, a multiple of 8 (default 1M)\n"
	      "  -n, --name NAME  mailbox name (default span-bulk-PID; ephemeral)\n"
	      "  -h, --help       this help\n"
	      "\n"
	      "Exit status: 0 the checksums match; 1 failure or mismatch; 2 usage.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bytes", required_argument, NULL, 'b' },
		{ "region", required_argument, NULL, 'r' },
		{ "span", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { 256ULL << 20, 16ULL << 20, 1ULL << 20, "" };
	struct msgport_attr attr = { .capacity = 64, .mode = 0600 };
	uint64_t sum = 0, their_sum = 0, their_bytes = 0;
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport *mp;
	int c, ret, pipefd[2], status;
	double t0, t;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "b:r:s:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
		case 'r':
		case 's':
			if (parse_size(optarg, c == 'b' ? &o.bytes : c == 'r' ? &o.region : &o.span)) {
				fprintf(stderr, "example-span-bulk: bad size '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n':
			snprintf(o.name, sizeof(o.name), "%s", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || o.span % 8 || o.span > o.region / 2) {
		fprintf(stderr, "example-span-bulk: --span must be a multiple of 8 and at most half "
			"the region\n");
		return 2;
	}
	if (!o.name[0])
		snprintf(o.name, sizeof(o.name), "span-bulk-%d", (int)getpid());

	ret = msgport_open(NULL, &mp);
	if (ret < 0)
		return fail("msgport_open", ret);
	/* Ephemeral: nothing is left behind, whatever happens. */
	attr.region_size = o.region;
	ret = msgport_mailbox_open(mp, o.name, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
				   MSGPORT_O_EPHEMERAL | MSGPORT_O_SEND | MSGPORT_O_RECV, &attr, &mb);
	if (ret < 0)
		return fail("creating the mailbox", ret);
	ret = msgport_region_map(mb, &r);
	if (ret < 0)
		return fail("msgport_region_map", ret);
	ret = msgport_span_pool_init(r, 0);	/* chunks of up to 64 KiB */
	if (ret < 0)
		return fail("msgport_span_pool_init", ret);

	if (pipe(pipefd) < 0) {
		perror("pipe");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		/* A process of its own: nothing inherited is used. */
		msgport_region_unmap(r);
		msgport_mailbox_close(mb);
		msgport_close(mp);
		_exit(consume(&o, pipefd[1]));
	}
	close(pipefd[1]);

	t0 = now_s();
	ret = produce(&o, mb, r, &sum);
	if (ret)
		kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		ret = 1;
	t = now_s() - t0;
	if (!ret && (read(pipefd[0], &their_sum, sizeof(their_sum)) != sizeof(their_sum) ||
		     read(pipefd[0], &their_bytes, sizeof(their_bytes)) != sizeof(their_bytes)))
		ret = 1;
	if (ret) {
		fprintf(stderr, "example-span-bulk: the transfer failed\n");
		return 1;
	}
	printf("producer: sent %" PRIu64 " bytes in spans of %" PRIu64 " bytes, checksum %016"
	       PRIx64 "\n", o.bytes, o.span, sum);
	printf("%.0f MiB through a %.0f MiB region in %.2f s (%.0f MiB/s): ", (double)o.bytes / MIB,
	       (double)o.region / MIB, t, t > 0 ? (double)o.bytes / MIB / t : 0.0);
	if (their_sum != sum || their_bytes != o.bytes) {
		printf("CHECKSUMS DIFFER\n");
		return 1;
	}
	printf("checksums match\n");
	msgport_region_unmap(r);
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return 0;
}
