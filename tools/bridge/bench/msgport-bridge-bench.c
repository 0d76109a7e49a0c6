// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport-bridge-bench: msgport-bridge's overhead, measured against plain
 * nats.c clients doing the same thing through the same nats-server, in the
 * same run, at the same sizes.
 *
 * The bridges and the server are started by the caller (scripts/bench-bridge
 * runs bench/bridge-vm.sh in the VM): bridge A exports the mailboxes named
 * by --call, --core and --jetstream (their first names), bridge B imports
 * their subjects into the second names.  Three measurements, each in both
 * paths:
 *   round trip  bridge: msgport_call() on A's mailbox -> bridge A -> NATS ->
 *               bridge B -> a server thread on B's mailbox (msgport_recv,
 *               msgport_reply, the same size back) and back;
 *               plain:  natsConnection_Request() to a responder on its own
 *               connection that publishes the same bytes back.
 *   core        bridge: a sender thread msgport_send()s N messages into A's
 *               exported mailbox, the receiver takes them from B's mailbox;
 *               plain:  natsConnection_Publish() -> a synchronous
 *               subscription (its own connection, no pending limits).
 *   jetstream   bridge: as core, through the bridges' jetstream delivery;
 *               plain:  js_PublishMsg() with a Nats-Msg-Id, waiting for each
 *               PubAck (as the exporter does) into a file-storage stream
 *               with a 2 min duplicate window (as the exporter makes), read
 *               by a durable pull consumer the way the bridge's fanout
 *               import reads: MaxAckPending 1, fetch 1, natsMsg_AckSync.
 * Every run starts with a few untimed messages (the path warm).  A run
 * checks what arrives (length, and index in order: a gap or an error fails
 * it).  Each round runs every size and kind once in both paths, the path
 * that goes first alternating by round; the table gives the medians over
 * rounds, and the ratio bridge/plain (latency: how many times longer;
 * throughput: the fraction of plain's rate).  CPU time: this process
 * (getrusage) plus every --cpu-pid (/proc/PID/stat: the bridges, the
 * server), per message or call, over the timed part of the run.
 *
 * Exit status: 0 every run succeeded; 1 a run failed (the table says so);
 * 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include <libmsgport.h>

#include "parse.h"

#define EXIT_USAGE	2
#define MAX_SIZES	8
#define MAX_ROUNDS	50
#define MAX_PIDS	8
#define WARMUP		5
#define PLAIN_STREAM	"PLAINBENCH"
#define PLAIN_DURABLE	"plain-bench"

static const char *prog = "msgport-bridge-bench";

enum kind { K_RTT, K_CORE, K_JS, NKINDS };
enum path { P_BRIDGE, P_PLAIN, NPATHS };

static const char *const kind_name[NKINDS] = { "rtt", "core", "jetstream" };
static const char *const path_name[NPATHS] = { "bridge", "plain" };

static struct {
	const char *nats;
	uint32_t sizes[MAX_SIZES];
	unsigned int nsizes;
	uint32_t rounds, calls, count, js_count, bytes_cap;
	int64_t timeout_ns;
	const char *mb[NKINDS][2];	/* A's (exported), B's (imported) */
	const char *subj[NKINDS];	/* the plain path's subjects */
	bool on[NKINDS];
	pid_t pids[MAX_PIDS];
	unsigned int npids;
	const char *tsv;
	bool send_asap;
} opt = {
	.nats = "nats://127.0.0.1:4222",
	.rounds = 5, .calls = 100, .count = 500, .js_count = 100,
	.bytes_cap = 8U << 20,
	.timeout_ns = 30LL * 1000000000LL,
	.mb = { { "svc.a", "svc.b" }, { "out", "in" }, { "out.js", "in.js" } },
	.subj = { "plain.bench.rtt", "plain.bench.core", "plain.bench.js" },
	.on = { true, true, true },
};

/* One run's numbers. */
struct result {
	bool ok;
	uint32_t n;
	uint64_t elapsed_ns, p50_ns, p99_ns, cpu_ns;
	char why[160];
};

static struct result results[MAX_ROUNDS][MAX_SIZES][NKINDS][NPATHS];

static struct msgport *mp;
static natsConnection *nc_cli, *nc_srv;	/* plain: client side, server side */
static jsCtx *js_cli;
static natsSubscription *js_sub;
static volatile bool stopping;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

__attribute__((format(printf, 2, 3)))
static void fail_run(struct result *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->ok && r->why[0])
		return;	/* the first reason stands */
	r->ok = false;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

/* ---- CPU time: this process and the --cpu-pid processes ---------------- */

static uint64_t pid_cpu_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After "(comm)": state is field 3, utime 14, stime 15. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return 0;
	return (ut + st) * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));
}

static uint64_t self_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (uint64_t)ru.ru_utime.tv_sec * 1000000000ULL + ru.ru_utime.tv_usec * 1000ULL +
	       (uint64_t)ru.ru_stime.tv_sec * 1000000000ULL + ru.ru_stime.tv_usec * 1000ULL;
}

static uint64_t cpu_now_ns(void)
{
	uint64_t t = self_cpu_ns();
	unsigned int i;

	for (i = 0; i < opt.npids; i++)
		t += pid_cpu_ns(opt.pids[i]);
	return t;
}

/* Each process's CPU time since start: where the time went, for the table. */
static uint64_t cpu_start[MAX_PIDS + 1];
static uint64_t wall_start;

static void cpu_mark(void)
{
	unsigned int i;

	cpu_start[0] = self_cpu_ns();
	for (i = 0; i < opt.npids; i++)
		cpu_start[i + 1] = pid_cpu_ns(opt.pids[i]);
	wall_start = now_ns();
}

static void print_cpu_split(void)
{
	double wall = (double)(now_ns() - wall_start) / 1e9;
	unsigned int i;

	printf("\nCPU time over the whole bench (%.1f s, setup excluded): msgport-bridge-bench %.1f s",
	       wall, (double)(self_cpu_ns() - cpu_start[0]) / 1e9);
	for (i = 0; i < opt.npids; i++) {
		char path[64], comm[64] = "?";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)opt.pids[i]);
		f = fopen(path, "r");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		printf(", %s[%d] %.1f s", comm, (int)opt.pids[i],
		       (double)(pid_cpu_ns(opt.pids[i]) - cpu_start[i + 1]) / 1e9);
	}
	printf("\n");
}

/* ---- payloads: an index in the first 8 bytes, a pattern after ----------- */

static void fill(unsigned char *buf, uint32_t size, uint64_t idx)
{
	memset(buf, (int)(idx & 0xff) ^ 0x5a, size);
	memcpy(buf, &idx, sizeof(idx));
}

static uint64_t index_of(const void *buf)
{
	uint64_t idx;

	memcpy(&idx, buf, sizeof(idx));
	return idx;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- servers: B's mailbox (bridge path), a responder (plain path) ------ */

static void *mailbox_server(void *arg)
{
	struct msgport_mailbox *mb = arg;
	void *buf = malloc(opt.sizes[opt.nsizes - 1]);

	while (buf && !stopping) {
		struct msgport_msginfo info;
		ssize_t n = msgport_recv(mb, buf, opt.sizes[opt.nsizes - 1], 0,
					 200 * 1000000LL, &info);
		int ret;

		if (n < 0) {
			if (n == -ETIMEDOUT || n == -EINTR)
				continue;
			fprintf(stderr, "%s: server on %s: %s\n", prog, opt.mb[K_RTT][1],
				msgport_strerror((int)n));
			break;
		}
		if (!(info.msg_flags & MSGPORT_MSG_CALL))
			continue;
		ret = msgport_reply(mb, info.token, buf, (size_t)n);
		if (ret && ret != -ECANCELED)
			fprintf(stderr, "%s: server on %s: reply: %s\n", prog,
				opt.mb[K_RTT][1], msgport_strerror(ret));
	}
	free(buf);
	return NULL;
}

static void plain_responder(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
	(void)sub;
	(void)closure;
	if (natsMsg_GetReply(msg))
		natsConnection_Publish(nc, natsMsg_GetReply(msg), natsMsg_GetData(msg),
				       natsMsg_GetDataLength(msg));
	natsMsg_Destroy(msg);
}

/* ---- round trips ---------------------------------------------------------- */

static int one_call(enum path p, struct msgport_mailbox *mb, const void *req, void *rep,
		    uint32_t size)
{
	if (p == P_BRIDGE) {
		struct msgport_msginfo info;
		ssize_t n = msgport_call(mb, req, size, rep, size, 0, 0, opt.timeout_ns, &info);

		if (n < 0)
			return (int)n;
		return n == (ssize_t)size && !memcmp(req, rep, sizeof(uint64_t)) ? 0 : -EBADMSG;
	} else {
		natsMsg *reply = NULL;
		natsStatus s = natsConnection_Request(&reply, nc_cli, opt.subj[K_RTT], req,
						      (int)size, opt.timeout_ns / 1000000);
		int ret = 0;

		if (s == NATS_TIMEOUT)
			return -ETIMEDOUT;
		if (s == NATS_NO_RESPONDERS)
			return -EHOSTUNREACH;
		if (s != NATS_OK)
			return -EIO;
		if (natsMsg_GetDataLength(reply) != (int)size ||
		    memcmp(natsMsg_GetData(reply), req, sizeof(uint64_t)))
			ret = -EBADMSG;
		natsMsg_Destroy(reply);
		return ret;
	}
}

static void run_rtt(enum path p, struct msgport_mailbox *mb, uint32_t size, struct result *r)
{
	unsigned char *req = malloc(size), *rep = malloc(size);
	uint64_t *lat = calloc(opt.calls, sizeof(*lat));
	uint64_t t0, c0;
	uint32_t i;
	int ret;

	r->ok = true;
	if (!req || !rep || !lat) {
		fail_run(r, "out of memory");
		goto out;
	}
	for (i = 0; i < WARMUP; i++) {
		fill(req, size, i);
		ret = one_call(p, mb, req, rep, size);
		if (ret) {
			fail_run(r, "warm-up call: %s", strerror(-ret));
			goto out;
		}
	}
	c0 = cpu_now_ns();
	t0 = now_ns();
	for (i = 0; i < opt.calls; i++) {
		uint64_t t = now_ns();

		fill(req, size, i);
		ret = one_call(p, mb, req, rep, size);
		if (ret) {
			fail_run(r, "call %u of %u: %s", i + 1, opt.calls, strerror(-ret));
			goto out;
		}
		lat[i] = now_ns() - t;
	}
	r->elapsed_ns = now_ns() - t0;
	r->cpu_ns = cpu_now_ns() - c0;
	r->n = opt.calls;
	qsort(lat, opt.calls, sizeof(*lat), cmp_u64);
	r->p50_ns = lat[opt.calls / 2];
	r->p99_ns = lat[(opt.calls * 99) / 100 < opt.calls ? (opt.calls * 99) / 100 : opt.calls - 1];
out:
	free(req);
	free(rep);
	free(lat);
}

/* ---- streaming ---------------------------------------------------------- */

struct stream {
	enum kind k;
	enum path p;
	struct msgport_mailbox *out, *in;
	natsSubscription *sub;	/* plain core: the subscriber */
	uint32_t size;
	uint64_t first, n;	/* indexes first .. first + n - 1 */
	int send_err;
	uint64_t sent;
};

static int send_one(struct stream *st, unsigned char *buf, uint64_t idx)
{
	fill(buf, st->size, idx);
	if (st->p == P_BRIDGE)
		return msgport_send(st->out, buf, st->size, 0, 0, opt.timeout_ns, NULL);
	if (st->k == K_CORE)
		return natsConnection_Publish(nc_cli, opt.subj[K_CORE], buf, (int)st->size) ==
		       NATS_OK ? 0 : -EIO;
	/* Plain JetStream: as the exporter publishes, with an id, waiting for the ack. */
	{
		natsMsg *msg = NULL;
		jsPubOptions po;
		jsPubAck *ack = NULL;
		jsErrCode jerr = 0;
		char id[64];
		natsStatus s;

		if (natsMsg_Create(&msg, opt.subj[K_JS], NULL, (const char *)buf,
				   (int)st->size) != NATS_OK)
			return -ENOMEM;
		snprintf(id, sizeof(id), "plain.%" PRIu64 ".%" PRIu64, now_ns(), idx);
		natsMsgHeader_Set(msg, "Nats-Msg-Id", id);
		jsPubOptions_Init(&po);
		po.MaxWait = opt.timeout_ns / 1000000;
		s = js_PublishMsg(&ack, js_cli, msg, &po, &jerr);
		if (ack)
			jsPubAck_Destroy(ack);
		natsMsg_Destroy(msg);
		return s == NATS_OK ? 0 : s == NATS_TIMEOUT ? -ETIMEDOUT : -EIO;
	}
}

static void *sender(void *arg)
{
	struct stream *st = arg;
	unsigned char *buf = malloc(st->size);
	uint64_t i;

	if (!buf) {
		st->send_err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < st->n; i++) {
		int ret = send_one(st, buf, st->first + i);

		if (ret) {
			st->send_err = ret;
			break;
		}
		st->sent++;
	}
	if (st->p == P_PLAIN && st->k == K_CORE && !st->send_err)
		natsConnection_Flush(nc_cli);
	free(buf);
	return NULL;
}

/* Take the next message: its length and index, or -errno. */
static int recv_one(struct stream *st, void *buf, uint32_t *len, uint64_t *idx)
{
	int64_t ms = opt.timeout_ns / 1000000;

	if (st->p == P_BRIDGE) {
		struct msgport_msginfo info;
		ssize_t n = msgport_recv(st->in, buf, st->size, 0, opt.timeout_ns, &info);

		if (n < 0)
			return (int)n;
		*len = (uint32_t)n;
		*idx = n >= 8 ? index_of(buf) : UINT64_MAX;
		return 0;
	}
	if (st->k == K_CORE) {
		natsMsg *msg = NULL;
		natsStatus s = natsSubscription_NextMsg(&msg, st->sub, ms);

		if (s != NATS_OK)
			return s == NATS_TIMEOUT ? -ETIMEDOUT : -EIO;
		*len = (uint32_t)natsMsg_GetDataLength(msg);
		*idx = *len >= 8 ? index_of(natsMsg_GetData(msg)) : UINT64_MAX;
		natsMsg_Destroy(msg);
		return 0;
	}
	{
		natsMsgList list = { 0 };
		jsErrCode jerr = 0;
		natsStatus s = natsSubscription_Fetch(&list, js_sub, 1, ms, &jerr);
		int ret = 0;

		if (s != NATS_OK)
			return s == NATS_TIMEOUT ? -ETIMEDOUT : -EIO;
		if (list.Count < 1) {
			natsMsgList_Destroy(&list);
			return -EIO;
		}
		*len = (uint32_t)natsMsg_GetDataLength(list.Msgs[0]);
		*idx = *len >= 8 ? index_of(natsMsg_GetData(list.Msgs[0])) : UINT64_MAX;
		if (natsMsg_AckSync(list.Msgs[0], NULL, &jerr) != NATS_OK)
			ret = -EIO;
		natsMsgList_Destroy(&list);
		return ret;
	}
}

/* Send n messages from index first and take them all: 0, or the run failed. */
static int stream_part(struct stream *st, uint64_t first, uint64_t n, struct result *r)
{
	void *buf = malloc(st->size);
	uint64_t expect = first, got = 0;
	pthread_t t;
	int ret = 0;

	if (!buf) {
		fail_run(r, "out of memory");
		return -ENOMEM;
	}
	st->first = first;
	st->n = n;
	st->send_err = 0;
	st->sent = 0;
	if (pthread_create(&t, NULL, sender, st)) {
		free(buf);
		fail_run(r, "cannot start the sender");
		return -EAGAIN;
	}
	while (got < n) {
		uint32_t len = 0;
		uint64_t idx = 0;

		ret = recv_one(st, buf, &len, &idx);
		if (ret) {
			fail_run(r, "received %" PRIu64 " of %" PRIu64 ": %s", got, n,
				 strerror(-ret));
			break;
		}
		if (len != st->size) {
			fail_run(r, "message of %u bytes, not %u", len, st->size);
			ret = -EBADMSG;
			break;
		}
		if (idx < expect && st->k == K_JS)
			continue;	/* a JetStream redelivery: allowed */
		if (idx != expect) {
			fail_run(r, "message %" PRIu64 " where %" PRIu64 " was due", idx, expect);
			ret = -EBADMSG;
			break;
		}
		expect++;
		got++;
	}
	if (ret)
		stopping = true;	/* the sender may be blocked: the run is lost anyway */
	pthread_join(t, NULL);
	if (!ret && st->send_err) {
		fail_run(r, "send: %s", strerror(-st->send_err));
		ret = st->send_err;
	}
	free(buf);
	return ret;
}

static uint64_t stream_base;	/* indexes never repeat across runs */

static void run_stream(enum kind k, enum path p, struct msgport_mailbox *out,
		       struct msgport_mailbox *in, natsSubscription *core_sub, uint32_t size,
		       struct result *r)
{
	struct stream st = { .k = k, .p = p, .out = out, .in = in, .sub = core_sub, .size = size };
	uint64_t n = k == K_JS ? opt.js_count : opt.count, t0, c0;

	if (n * size > opt.bytes_cap)
		n = opt.bytes_cap / size;
	if (n < 10)
		n = 10;
	r->ok = true;
	if (stream_part(&st, stream_base, WARMUP, r))
		return;
	stream_base += WARMUP;
	c0 = cpu_now_ns();
	t0 = now_ns();
	if (stream_part(&st, stream_base, n, r))
		return;
	r->elapsed_ns = now_ns() - t0;
	r->cpu_ns = cpu_now_ns() - c0;
	r->n = (uint32_t)n;
	stream_base += n;
}

/* ---- setup ---------------------------------------------------------------- */

static int nats_connect(natsConnection **nc, const char *name, bool send_asap)
{
	natsOptions *o = NULL;
	natsStatus s = natsOptions_Create(&o);

	if (s == NATS_OK)
		s = natsOptions_SetURL(o, opt.nats);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, name);
	if (s == NATS_OK && send_asap)
		s = natsOptions_SetSendAsap(o, true);
	if (s == NATS_OK)
		s = natsConnection_Connect(nc, o);
	natsOptions_Destroy(o);
	if (s != NATS_OK) {
		fprintf(stderr, "%s: cannot connect to %s: %s\n", prog, opt.nats,
			nats_GetLastError(NULL) ? nats_GetLastError(NULL) : natsStatus_GetText(s));
		return -1;
	}
	return 0;
}

static int plain_js_setup(void)
{
	const char *subjects[1] = { opt.subj[K_JS] };
	jsStreamConfig sc;
	jsSubOptions so;
	jsErrCode jerr = 0;
	natsStatus s;

	s = natsConnection_JetStream(&js_cli, nc_cli, NULL);
	if (s != NATS_OK)
		goto fail;
	js_DeleteStream(js_cli, PLAIN_STREAM, NULL, &jerr);
	jsStreamConfig_Init(&sc);
	sc.Name = PLAIN_STREAM;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	sc.Duplicates = 120LL * 1000000000LL;
	s = js_AddStream(NULL, js_cli, &sc, NULL, &jerr);
	if (s != NATS_OK)
		goto fail;
	jsSubOptions_Init(&so);
	so.Stream = PLAIN_STREAM;
	so.Config.AckWait = 10LL * 1000000000LL;
	so.Config.MaxAckPending = 1;
	s = js_PullSubscribe(&js_sub, js_cli, opt.subj[K_JS], PLAIN_DURABLE, NULL, &so, &jerr);
	if (s != NATS_OK)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s: plain JetStream stream %s: %s (%d)\n", prog, PLAIN_STREAM,
		nats_GetLastError(NULL) ? nats_GetLastError(NULL) : natsStatus_GetText(s),
		(int)jerr);
	return -1;
}

static int open_mb(const char *name, unsigned int oflags, struct msgport_mailbox **mb)
{
	int ret = msgport_mailbox_open(mp, name, oflags, NULL, mb);

	if (ret)
		fprintf(stderr, "%s: mailbox %s: %s\n", prog, name, msgport_strerror(ret));
	return ret;
}

/* ---- the table -------------------------------------------------------------- */

static double median(double *v, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (!n)
		return 0;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum metric { M_P50, M_P99, M_RATE, M_MBS, M_CPU };

static double metric_of(const struct result *r, enum metric m, uint32_t size)
{
	double s = (double)r->elapsed_ns / 1e9;

	switch (m) {
	case M_P50: return (double)r->p50_ns / 1e3;
	case M_P99: return (double)r->p99_ns / 1e3;
	case M_RATE: return s > 0 ? r->n / s : 0;
	case M_MBS: return s > 0 ? (double)r->n * size / s / 1e6 : 0;
	case M_CPU: return r->n ? (double)r->cpu_ns / r->n / 1e3 : 0;
	}
	return 0;
}

/* The median over the rounds that succeeded; NAN-free: -1 when none did. */
static double med(unsigned int si, enum kind k, enum path p, enum metric m, unsigned int *nok)
{
	double v[MAX_ROUNDS];
	unsigned int n = 0, i;

	for (i = 0; i < opt.rounds; i++)
		if (results[i][si][k][p].ok)
			v[n++] = metric_of(&results[i][si][k][p], m, opt.sizes[si]);
	if (nok)
		*nok = n;
	return n ? median(v, n) : -1;
}

static void ratio(char *out, size_t len, double b, double p)
{
	if (b < 0 || p <= 0)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.2f", b / p);
}

static void size_text(char *out, size_t len, uint32_t size)
{
	if (size >= 1024 && !(size % 1024))
		snprintf(out, len, "%u KiB", size / 1024);
	else
		snprintf(out, len, "%u B", size);
}

static void print_table(void)
{
	unsigned int si, k;
	char sz[32], r1[16], r2[16];

	printf("%s: %s, %u round(s), sizes", prog, opt.nats, opt.rounds);
	for (si = 0; si < opt.nsizes; si++)
		printf(" %u", opt.sizes[si]);
	printf("; per run: %u calls, %u core messages, %u jetstream messages (at most %u MiB)\n",
	       opt.calls, opt.count, opt.js_count, opt.bytes_cap >> 20);
	printf("ratio = bridge / plain, of the medians over rounds; +us = what the bridges add to a\n"
	       "call (p50) or to a message's share of the stream's time; cpu = microseconds of CPU per\n"
	       "call or message, this process plus %u --cpu-pid process(es) (bridges, server)\n",
	       opt.npids);
	if (opt.send_asap)
		printf("the plain responder's connection sends at once (--plain-send-asap)\n");
	if (opt.on[K_RTT]) {
		printf("\n## round trip (us per call): msgport_call through bridges A and B vs "
		       "natsConnection_Request\n");
		printf("%-8s %10s %10s %10s %10s %7s %8s %9s %9s %7s %5s\n", "size", "bridge p50",
		       "bridge p99", "plain p50", "plain p99", "ratio", "+us", "cpu bridge",
		       "cpu plain", "ratio", "ok");
		for (si = 0; si < opt.nsizes; si++) {
			unsigned int nb, np;
			double b50 = med(si, K_RTT, P_BRIDGE, M_P50, &nb);
			double p50 = med(si, K_RTT, P_PLAIN, M_P50, &np);
			double bc = med(si, K_RTT, P_BRIDGE, M_CPU, NULL);
			double pc = med(si, K_RTT, P_PLAIN, M_CPU, NULL);

			size_text(sz, sizeof(sz), opt.sizes[si]);
			ratio(r1, sizeof(r1), b50, p50);
			ratio(r2, sizeof(r2), bc, pc);
			printf("%-8s %10.0f %10.0f %10.0f %10.0f %7s %8.0f %9.0f %9.0f %7s %2u/%u\n",
			       sz, b50, med(si, K_RTT, P_BRIDGE, M_P99, NULL), p50,
			       med(si, K_RTT, P_PLAIN, M_P99, NULL), r1, b50 - p50, bc, pc, r2,
			       nb < np ? nb : np, opt.rounds);
		}
	}
	for (k = K_CORE; k < NKINDS; k++) {
		if (!opt.on[k])
			continue;
		printf("\n## streaming, %s: %s\n", kind_name[k],
		       k == K_CORE ? "mailbox -> bridge A -> core NATS -> bridge B -> mailbox vs "
				     "natsConnection_Publish -> subscriber" :
				     "mailbox -> bridge A -> JetStream -> bridge B -> mailbox vs "
				     "js_PublishMsg (acked) -> pull consumer (AckSync)");
		printf("%-8s %10s %9s %10s %9s %7s %8s %9s %9s %7s %5s\n", "size", "bridge/s", "MB/s",
		       "plain/s", "MB/s", "ratio", "+us/msg", "cpu bridge", "cpu plain", "ratio",
		       "ok");
		for (si = 0; si < opt.nsizes; si++) {
			unsigned int nb, np;
			double br = med(si, (enum kind)k, P_BRIDGE, M_RATE, &nb);
			double pr = med(si, (enum kind)k, P_PLAIN, M_RATE, &np);
			double bc = med(si, (enum kind)k, P_BRIDGE, M_CPU, NULL);
			double pc = med(si, (enum kind)k, P_PLAIN, M_CPU, NULL);

			size_text(sz, sizeof(sz), opt.sizes[si]);
			ratio(r1, sizeof(r1), br, pr);
			ratio(r2, sizeof(r2), bc, pc);
			printf("%-8s %10.0f %9.2f %10.0f %9.2f %7s %8.0f %9.0f %9.0f %7s %2u/%u\n",
			       sz, br, med(si, (enum kind)k, P_BRIDGE, M_MBS, NULL), pr,
			       med(si, (enum kind)k, P_PLAIN, M_MBS, NULL), r1,
			       br > 0 && pr > 0 ? 1e6 / br - 1e6 / pr : 0, bc, pc, r2,
			       nb < np ? nb : np, opt.rounds);
		}
	}
}

static int write_tsv(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned int i, si, k, p;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	fprintf(f, "round\tsize\tkind\tpath\tok\tn\telapsed_ns\tp50_ns\tp99_ns\tcpu_ns\twhy\n");
	for (i = 0; i < opt.rounds; i++)
		for (si = 0; si < opt.nsizes; si++)
			for (k = 0; k < NKINDS; k++)
				for (p = 0; p < NPATHS; p++) {
					const struct result *r = &results[i][si][k][p];

					if (!opt.on[k])
						continue;
					fprintf(f, "%u\t%u\t%s\t%s\t%d\t%u\t%" PRIu64 "\t%" PRIu64
						"\t%" PRIu64 "\t%" PRIu64 "\t%s\n", i + 1,
						opt.sizes[si], kind_name[k], path_name[p], r->ok,
						r->n, r->elapsed_ns, r->p50_ns, r->p99_ns, r->cpu_ns,
						r->why);
				}
	if (fclose(f)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- command line ------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [OPTIONS]\n"
"msgport-bridge's overhead against plain nats.c clients, through one nats-server.\n"
"The bridges must be running: A exports each pair's first mailbox, B imports into\n"
"its second (scripts/bench-bridge sets it all up in the VM).\n"
"\n"
"  -n, --nats URL          the server (default nats://127.0.0.1:4222)\n"
"  -s, --sizes LIST        message sizes, comma-separated (default 64,4K,64K; >= 8)\n"
"  -r, --rounds N          rounds; the table gives medians (default 5)\n"
"  -c, --calls N           round trips per run (default 100)\n"
"  -m, --count N           core messages per streaming run (default 500)\n"
"  -j, --js-count N        jetstream messages per streaming run (default 100)\n"
"  -b, --bytes-cap SIZE    at most this many bytes per streaming run (default 8M)\n"
"  -t, --timeout DURATION  a call, send or receive gives up after it (default 30s)\n"
"      --call A,B          call mailboxes (default svc.a,svc.b)\n"
"      --core A,B          core streaming mailboxes (default out,in)\n"
"      --jetstream A,B     jetstream streaming mailboxes (default out.js,in.js)\n"
"      --only LIST         rtt, core, jetstream (comma-separated; default all)\n"
"  -p, --cpu-pid PID       add PID's CPU time (repeatable: bridges, nats-server)\n"
"  -T, --tsv FILE          every run's numbers as tab-separated values\n"
"      --plain-send-asap   the plain responder's connection sends at once\n"
"                          (natsOptions_SetSendAsap; default: buffered, as the\n"
"                          bridges' connections are)\n"
"  -h, --help              this text\n"
"Exit status: 0 all runs succeeded, 1 a run failed, 2 usage error.\n", prog);
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see --help)\n");
	return EXIT_USAGE;
}

static int parse_pair(const char *arg, const char **pair)
{
	char *s = strdup(arg), *comma;

	if (!s)
		return -1;
	comma = strchr(s, ',');
	if (!comma || comma == s || !comma[1] || strchr(comma + 1, ',')) {
		free(s);
		return -1;
	}
	*comma = '\0';
	pair[0] = s;
	pair[1] = comma + 1;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "nats", required_argument, NULL, 'n' },
		{ "sizes", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "calls", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'm' },
		{ "js-count", required_argument, NULL, 'j' },
		{ "bytes-cap", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "call", required_argument, NULL, 1 },
		{ "core", required_argument, NULL, 2 },
		{ "jetstream", required_argument, NULL, 3 },
		{ "only", required_argument, NULL, 4 },
		{ "cpu-pid", required_argument, NULL, 'p' },
		{ "tsv", required_argument, NULL, 'T' },
		{ "plain-send-asap", no_argument, NULL, 5 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool sizes_given = false;
	int c;

	while ((c = getopt_long(argc, argv, "n:s:r:c:m:j:b:t:p:T:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			opt.nats = optarg;
			break;
		case 's': {
			char *s = strdup(optarg), *tok, *save = NULL;

			opt.nsizes = 0;
			for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (opt.nsizes == MAX_SIZES)
					return usage_error("--sizes: at most 8 sizes, not \"%s\"", optarg);
				if (parse_size(tok, &opt.sizes[opt.nsizes]) ||
				    opt.sizes[opt.nsizes] < 8 || opt.sizes[opt.nsizes] > (1U << 20))
					return usage_error("--sizes: 8 B .. 1 MiB each, not \"%s\"", tok);
				opt.nsizes++;
			}
			if (!opt.nsizes)
				return usage_error("--sizes: no size in \"%s\"", optarg);
			sizes_given = true;
			break;
		}
		case 'r':
			if (parse_u32(optarg, 1, MAX_ROUNDS, &opt.rounds))
				return usage_error("--rounds: 1..50, not \"%s\"", optarg);
			break;
		case 'c':
			if (parse_u32(optarg, 1, 10000000, &opt.calls))
				return usage_error("--calls: 1..10000000, not \"%s\"", optarg);
			break;
		case 'm':
			if (parse_u32(optarg, 1, 100000000, &opt.count))
				return usage_error("--count: 1..100000000, not \"%s\"", optarg);
			break;
		case 'j':
			if (parse_u32(optarg, 1, 100000000, &opt.js_count))
				return usage_error("--js-count: 1..100000000, not \"%s\"", optarg);
			break;
		case 'b':
			if (parse_size(optarg, &opt.bytes_cap) || !opt.bytes_cap)
				return usage_error("--bytes-cap: a size, not \"%s\"", optarg);
			break;
		case 't':
			if (parse_duration_ns(optarg, &opt.timeout_ns) || opt.timeout_ns < 1000000)
				return usage_error("--timeout: a duration of 1ms or more, not \"%s\"",
						   optarg);
			break;
		case 1:
		case 2:
		case 3:
			if (parse_pair(optarg, opt.mb[c - 1]))
				return usage_error("expected two mailbox names A,B, not \"%s\"", optarg);
			break;
		case 4: {
			char *s = strdup(optarg), *tok, *save = NULL;
			unsigned int k;

			memset(opt.on, 0, sizeof(opt.on));
			for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				for (k = 0; k < NKINDS; k++)
					if (!strcmp(tok, kind_name[k]))
						break;
				if (k == NKINDS)
					return usage_error("--only: rtt, core or jetstream, not \"%s\"",
							   tok);
				opt.on[k] = true;
			}
			break;
		}
		case 'p': {
			uint32_t pid;

			if (opt.npids == MAX_PIDS)
				return usage_error("--cpu-pid: at most 8, not \"%s\"", optarg);
			if (parse_u32(optarg, 1, INT32_MAX, &pid))
				return usage_error("--cpu-pid: a process id, not \"%s\"", optarg);
			opt.pids[opt.npids++] = (pid_t)pid;
			break;
		}
		case 'T':
			opt.tsv = optarg;
			break;
		case 5:
			opt.send_asap = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "%s: see --help\n", prog);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if (!sizes_given) {
		opt.sizes[0] = 64;
		opt.sizes[1] = 4096;
		opt.sizes[2] = 65536;
		opt.nsizes = 3;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct msgport_mailbox *mb[NKINDS][2] = { { NULL } };
	natsSubscription *resp_sub = NULL, *core_sub = NULL;
	pthread_t server;
	bool server_started = false;
	unsigned int i, si, k;
	int ret, failed = 0;

	ret = parse_args(argc, argv);
	if (ret)
		return ret;
	ret = msgport_open(NULL, &mp);
	if (ret) {
		fprintf(stderr, "%s: /dev/msgport: %s\n", prog, msgport_strerror(ret));
		return 1;
	}
	for (k = 0; k < NKINDS; k++) {
		if (!opt.on[k])
			continue;
		if (open_mb(opt.mb[k][0], MSGPORT_O_SEND, &mb[k][0]) ||
		    open_mb(opt.mb[k][1], MSGPORT_O_RECV, &mb[k][1]))
			return 1;
	}
	if (nats_connect(&nc_cli, "bench-client", false) ||
	    nats_connect(&nc_srv, "bench-server", opt.send_asap))
		return 1;
	if (opt.on[K_RTT]) {
		if (natsConnection_Subscribe(&resp_sub, nc_srv, opt.subj[K_RTT], plain_responder,
					     NULL) != NATS_OK) {
			fprintf(stderr, "%s: cannot subscribe to %s\n", prog, opt.subj[K_RTT]);
			return 1;
		}
		if (pthread_create(&server, NULL, mailbox_server, mb[K_RTT][1])) {
			fprintf(stderr, "%s: cannot start the server thread\n", prog);
			return 1;
		}
		server_started = true;
	}
	if (opt.on[K_CORE]) {
		if (natsConnection_SubscribeSync(&core_sub, nc_srv, opt.subj[K_CORE]) != NATS_OK ||
		    natsSubscription_SetPendingLimits(core_sub, -1, -1) != NATS_OK) {
			fprintf(stderr, "%s: cannot subscribe to %s\n", prog, opt.subj[K_CORE]);
			return 1;
		}
	}
	natsConnection_Flush(nc_srv);
	if (opt.on[K_JS] && plain_js_setup())
		return 1;
	cpu_mark();

	for (i = 0; i < opt.rounds && !stopping; i++) {
		for (si = 0; si < opt.nsizes && !stopping; si++) {
			for (k = 0; k < NKINDS && !stopping; k++) {
				unsigned int j;

				if (!opt.on[k])
					continue;
				for (j = 0; j < NPATHS && !stopping; j++) {
					enum path p = (enum path)((i + j) % NPATHS);
					struct result *r = &results[i][si][k][p];

					if (k == K_RTT)
						run_rtt(p, mb[K_RTT][0], opt.sizes[si], r);
					else
						run_stream((enum kind)k, p, mb[k][0], mb[k][1], core_sub,
							   opt.sizes[si], r);
					fprintf(stderr, "%s: round %u, %u B, %s, %s: %s%s\n", prog, i + 1,
						opt.sizes[si], kind_name[k], path_name[p],
						r->ok ? "ok" : "FAILED: ", r->why);
					if (!r->ok)
						failed = 1;
				}
			}
		}
	}
	if (stopping)
		fprintf(stderr, "%s: a run failed with a thread blocked: stopped there\n", prog);
	print_table();
	print_cpu_split();
	if (opt.tsv && write_tsv(opt.tsv))
		failed = 1;
	fflush(stdout);
	/* A failed run may have left a thread blocked: leave without joining. */
	if (stopping)
		_exit(1);
	stopping = true;
	if (server_started)
		pthread_join(server, NULL);
	natsSubscription_Destroy(js_sub);
	natsSubscription_Destroy(core_sub);
	natsSubscription_Destroy(resp_sub);
	jsCtx_Destroy(js_cli);
	natsConnection_Destroy(nc_cli);
	natsConnection_Destroy(nc_srv);
	for (k = 0; k < NKINDS; k++) {
		msgport_mailbox_close(mb[k][0]);
		msgport_mailbox_close(mb[k][1]);
	}
	msgport_close(mp);
	nats_Close();
	return failed;
}
