// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The scaling modes: does msgport's throughput grow with the number of
 * mailboxes in use at once (no lock shared between mailboxes on the message
 * path), and how does one mailbox hold up under many senders?
 *
 *   --pairs N    k sender/receiver process pairs, each pair on its own
 *                mailbox, all streaming at once, for k = 1, 2, 4, ..., N
 *   --fan-in N   k sender processes to one receiver on one mailbox, likewise
 *
 * One run of a row: the orchestrator creates the mailboxes (capacity
 * --depth, max_msg_size the message size), forks the receivers and the
 * senders (each opens /dev/msgport and its mailbox by name, as an unrelated
 * process would), and releases them all at once (they block reading a pipe
 * that it closes).  Senders send without waiting, receivers receive; each
 * counts its messages in its own cache line of a shared block.  After the
 * warm-up the orchestrator reads every counter and /proc/stat, sleeps
 * --time, reads them again: a receiver's (pairs) or sender's (fan-in) rate
 * is its count's difference over that window, the total is all receivers'.
 * Then it tells the senders to stop, and after they exited sends each
 * receiver one last message of its own: the receiver stops at a message from
 * the orchestrator's pid.
 *
 * Every payload is written by its sender and checked by its receiver
 * (payload.c), with a sequence number of the sender's index and count; the
 * receiver tells senders apart by the sender pid msgport reports.
 *
 * Each row runs --rounds times, rows interleaved round by round; the table
 * shows the median over rounds of each column.  "CPUs busy" is the busy
 * time of all CPUs over the window (/proc/stat, in clock ticks: coarse under
 * a second) divided by the window: when one pair already keeps every CPU
 * busy, more pairs cannot add throughput, and what shows a shared lock is
 * then the CPU time per message growing with the pairs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmsgport.h>

#include "bench.h"
#include "results.h"
#include "scale.h"

#define WAIT_NS		30000000000ULL	/* for the children to get ready, stop, exit */

enum scale_kind { SCALE_PAIRS, SCALE_FAN_IN };

static const char *const kind_opt[] = { "--pairs", "--fan-in" };

struct slot {
	_Alignas(64) _Atomic uint64_t count;	/* messages sent or received */
	pid_t pid;
	int failed;
	char what[BENCH_ERR_MAX];
};

struct shm {
	_Atomic unsigned int ready;
	_Atomic int stop;
	struct slot snd[SCALE_MAX], rcv[SCALE_MAX];
};

/* One run of a row. */
struct run_result {
	double total;		/* messages/s received, all receivers */
	double umin, umax;	/* slowest and fastest pair (sender for fan-in) */
	double busy;		/* CPUs busy over the window */
	double cpu_ns;		/* CPU ns per message (all CPUs' busy time) */
};

/* A row: a mode, a size, a k; its runs. */
struct row {
	enum scale_kind kind;
	size_t size;
	unsigned int k;
	unsigned int nrun;
	struct run_result *run;	/* [round] */
	char err[2 * BENCH_ERR_MAX];
};

struct run_ctx {
	enum scale_kind kind;
	unsigned int k, nmb;
	size_t size;
	const struct scale_opts *o;
	char name[SCALE_MAX][MSGPORT_NAME_MAX + 1];
	struct shm *sh;
	int go;			/* the read end of the release pipe */
	pid_t orch;
};

static void slot_fail(struct slot *s, int err, const char *what)
{
	s->failed = 1;
	bench_fmt(s->what, sizeof(s->what), "%s: %s", what, msgport_strerror(err));
}

static int child_open(const struct run_ctx *c, unsigned int mb, unsigned int oflags,
		      struct slot *s, struct msgport **mpp, struct msgport_mailbox **mbp, void **buf)
{
	int ret = msgport_open(NULL, mpp);

	if (ret) {
		slot_fail(s, ret, MSGPORT_DEVICE_PATH);
		return ret;
	}
	ret = msgport_mailbox_open(*mpp, c->name[mb], oflags, NULL, mbp);
	if (ret) {
		slot_fail(s, ret, c->name[mb]);
		return ret;
	}
	if (posix_memalign(buf, 64, c->size)) {
		slot_fail(s, -ENOMEM, "buffer");
		return -ENOMEM;
	}
	memset(*buf, 0, c->size);
	return 0;
}

/* Ready, then blocked until the orchestrator closes the pipe. */
static void child_wait_go(const struct run_ctx *c)
{
	char b;

	atomic_fetch_add(&c->sh->ready, 1);
	while (read(c->go, &b, 1) < 0 && errno == EINTR)
		;
}

static int sender(const struct run_ctx *c, unsigned int i)
{
	struct slot *s = &c->sh->snd[i];
	uint64_t base = (uint64_t)(i + 1) << 32, n;
	struct msgport_mailbox *mb;
	struct msgport *mp;
	void *buf;
	int ret;

	ret = child_open(c, c->kind == SCALE_PAIRS ? i : 0, MSGPORT_O_SEND, s, &mp, &mb, &buf);
	if (ret)
		return ret;
	child_wait_go(c);
	for (n = 0; !atomic_load_explicit(&c->sh->stop, memory_order_relaxed); n++) {
		payload_fill(buf, c->size, base + n);
		ret = msgport_send(mb, buf, c->size, 0, 0, MSGPORT_WAIT_FOREVER, NULL);
		if (ret) {
			slot_fail(s, ret, "msgport_send");
			return ret;
		}
		atomic_store_explicit(&s->count, n + 1, memory_order_relaxed);
	}
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return 0;
}

static int receiver(const struct run_ctx *c, unsigned int j)
{
	struct slot *s = &c->sh->rcv[j];
	uint64_t expect[SCALE_MAX] = { 0 }, n = 0;
	struct msgport_msginfo info;
	struct msgport_mailbox *mb;
	struct msgport *mp;
	unsigned int i;
	ssize_t len;
	void *buf;
	int ret;

	ret = child_open(c, j, MSGPORT_O_RECV, s, &mp, &mb, &buf);
	if (ret)
		return ret;
	child_wait_go(c);
	for (;;) {
		len = msgport_recv(mb, buf, c->size, 0, MSGPORT_WAIT_FOREVER, &info);
		if (len < 0) {
			slot_fail(s, (int)len, "msgport_recv");
			return (int)len;
		}
		if (info.pid == c->orch)
			break;
		/* Which sender: a pair's own, or any of the fan-in's. */
		i = c->kind == SCALE_PAIRS ? j : 0;
		while (i < c->k && c->sh->snd[i].pid != info.pid)
			i++;
		if (i == c->k || (c->kind == SCALE_PAIRS && i != j)) {
			bench_fmt(s->what, sizeof(s->what), "message from pid %d, not a sender of mine",
				  (int)info.pid);
			s->failed = 1;
			return -EBADMSG;
		}
		if ((size_t)len != c->size ||
		    payload_verify(buf, c->size, ((uint64_t)(i + 1) << 32) + expect[i])) {
			bench_fmt(s->what, sizeof(s->what),
				  "message %llu of sender %u: %zd bytes, corrupt or out of order",
				  (unsigned long long)expect[i], i, len);
			s->failed = 1;
			return -EBADMSG;
		}
		expect[i]++;
		atomic_store_explicit(&s->count, ++n, memory_order_relaxed);
	}
	msgport_mailbox_close(mb);
	msgport_close(mp);
	return 0;
}

/* Busy clock ticks of all CPUs, from /proc/stat's "cpu" line (0 if unreadable). */
static void cpu_ticks(uint64_t *busy)
{
	unsigned long long v[8] = { 0 };
	char line[256];

	*busy = 0;
	if (read_line_file("/proc/stat", line, sizeof(line)) ||
	    sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]) < 4)
		return;
	*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL),
			       .tv_nsec = (long)(ns % 1000000000ULL) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Reaps children of pid[0..n) (0: reaped) until those of pid[first..last)
 * have all exited or the deadline passes; any child failing ends the wait at
 * once (its peers may wait for it forever).  0, or -1 and why in err.
 */
static int reap(pid_t *pid, unsigned int n, unsigned int first, unsigned int last,
		uint64_t deadline, char *err, size_t errlen)
{
	unsigned int i, left;
	int st;

	for (;;) {
		left = 0;
		for (i = 0; i < n; i++) {
			if (!pid[i])
				continue;
			if (waitpid(pid[i], &st, WNOHANG) != pid[i]) {
				left += i >= first && i < last;
				continue;
			}
			pid[i] = 0;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				bench_fmt(err, errlen, "a child %s %d", WIFSIGNALED(st) ?
					  "was killed by signal" : "exited with status",
					  WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
				return -1;
			}
		}
		if (!left)
			return 0;
		if (bench_now_ns() >= deadline) {
			bench_fmt(err, errlen, "%u process(es) still running after %.0f s (a hang?)",
				  left, WAIT_NS / 1e9);
			return -1;
		}
		sleep_ns(2000000);
	}
}

static void kill_all(pid_t *pid, unsigned int n)
{
	unsigned int i;
	int st;

	for (i = 0; i < n; i++)
		if (pid[i] > 0) {
			kill(pid[i], SIGKILL);
			waitpid(pid[i], &st, 0);
			pid[i] = 0;
		}
}

/* The first child failure the children described, if any. */
static void child_error(const struct run_ctx *c, unsigned int nrcv, char *err, size_t len)
{
	unsigned int i;

	for (i = 0; i < nrcv; i++)
		if (c->sh->rcv[i].failed) {
			bench_fmt(err, len, "receiver %u: %s", i, c->sh->rcv[i].what);
			return;
		}
	for (i = 0; i < c->k; i++)
		if (c->sh->snd[i].failed) {
			bench_fmt(err, len, "sender %u: %s", i, c->sh->snd[i].what);
			return;
		}
}

static int run_one(enum scale_kind kind, unsigned int k, size_t size, const struct scale_opts *o,
		   struct run_result *rr, char *err, size_t errlen)
{
	struct run_ctx c = { .kind = kind, .k = k, .size = size, .o = o, .orch = getpid() };
	struct msgport_attr attr = { .capacity = o->depth, .max_msg_size = (uint32_t)size,
				     .mode = 0600 };
	struct msgport_mailbox *mb[SCALE_MAX] = { NULL };
	uint64_t c0[SCALE_MAX + 1], c1[SCALE_MAX + 1], t0, t1, b0, b1, deadline, msgs = 0;
	unsigned int nrcv = kind == SCALE_PAIRS ? k : 1, n = 0, i;
	pid_t pid[2 * SCALE_MAX] = { 0 };
	struct msgport *mp = NULL;
	int gp[2] = { -1, -1 }, ret;
	double win, rate;
	void *endbuf = NULL;

	err[0] = '\0';
	c.nmb = nrcv;
	ret = msgport_open(NULL, &mp);
	if (ret) {
		bench_fmt(err, errlen, "%s: %s", MSGPORT_DEVICE_PATH, msgport_strerror(ret));
		return ret;
	}
	c.sh = mmap(NULL, sizeof(*c.sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	endbuf = calloc(1, size);
	if (c.sh == MAP_FAILED || !endbuf || pipe2(gp, O_CLOEXEC)) {
		ret = -errno;
		bench_fmt(err, errlen, "setting up: %s", strerror(errno));
		if (c.sh == MAP_FAILED)
			c.sh = NULL;
		goto out;
	}
	c.go = gp[0];
	for (i = 0; i < c.nmb; i++) {
		bench_unique_name(c.name[i], sizeof(c.name[i]), "", "scale");
		ret = msgport_mailbox_open(mp, c.name[i], MSGPORT_O_CREAT | MSGPORT_O_EXCL |
					   MSGPORT_O_EPHEMERAL | MSGPORT_O_SEND | MSGPORT_O_RECV,
					   &attr, &mb[i]);
		if (ret) {
			bench_fmt(err, errlen, "create mailbox %s (capacity %u, max_msg_size %zu): %s",
				  c.name[i], o->depth, size, msgport_strerror(ret));
			goto out;
		}
	}
	fflush(NULL);
	/* Receivers first, then senders; each child: pid[n], its slot's pid. */
	for (i = 0; i < nrcv + k; i++) {
		bool rcv = i < nrcv;
		pid_t p = fork();

		if (p < 0) {
			ret = -errno;
			bench_fmt(err, errlen, "fork: %s", strerror(errno));
			goto out;
		}
		if (!p) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(gp[1]);
			for (unsigned int m = 0; m < c.nmb; m++)
				msgport_mailbox_close(mb[m]);
			msgport_close(mp);
			_exit((rcv ? receiver(&c, i) : sender(&c, i - nrcv)) ? 1 : 0);
		}
		pid[n++] = p;
		if (rcv)
			c.sh->rcv[i].pid = p;
		else
			c.sh->snd[i - nrcv].pid = p;
	}
	deadline = bench_now_ns() + WAIT_NS;
	while (atomic_load(&c.sh->ready) < n) {
		/* Nothing to wait for in pid[0..0): only a child failing. */
		if (reap(pid, n, 0, 0, 0, err, errlen) || bench_now_ns() >= deadline) {
			if (!err[0])
				bench_fmt(err, errlen, "the processes were not ready after %.0f s",
					  WAIT_NS / 1e9);
			ret = -ETIMEDOUT;
			goto out;
		}
		sleep_ns(1000000);
	}
	/* Go: every child's read() returns at once. */
	close(gp[1]);
	gp[1] = -1;
	sleep_ns(o->warmup_ns);
	cpu_ticks(&b0);
	t0 = bench_now_ns();
	for (i = 0; i < k; i++)
		c0[i] = atomic_load_explicit(kind == SCALE_PAIRS ? &c.sh->rcv[i].count :
					     &c.sh->snd[i].count, memory_order_relaxed);
	c0[k] = kind == SCALE_PAIRS ? 0 : atomic_load(&c.sh->rcv[0].count);
	sleep_ns(o->time_ns);
	for (i = 0; i < k; i++)
		c1[i] = atomic_load_explicit(kind == SCALE_PAIRS ? &c.sh->rcv[i].count :
					     &c.sh->snd[i].count, memory_order_relaxed);
	c1[k] = kind == SCALE_PAIRS ? 0 : atomic_load(&c.sh->rcv[0].count);
	t1 = bench_now_ns();
	cpu_ticks(&b1);
	atomic_store(&c.sh->stop, 1);

	/* The senders stop after their current message; then one last message each. */
	ret = reap(pid, n, nrcv, n, bench_now_ns() + WAIT_NS, err, errlen);
	for (i = 0; !ret && i < nrcv; i++) {
		ret = msgport_send(mb[i], endbuf, size, 0, 0, (int64_t)WAIT_NS, NULL);
		if (ret)
			bench_fmt(err, errlen, "the last message to receiver %u: %s", i,
				  msgport_strerror(ret));
	}
	if (!ret)
		ret = reap(pid, n, 0, nrcv, bench_now_ns() + WAIT_NS, err, errlen);
	if (ret)
		goto out;

	win = (double)(t1 - t0) / 1e9;
	rr->umin = -1;
	rr->umax = 0;
	for (i = 0; i < k; i++) {
		rate = (double)(c1[i] - c0[i]) / win;
		if (kind == SCALE_PAIRS)
			msgs += c1[i] - c0[i];
		if (rr->umin < 0 || rate < rr->umin)
			rr->umin = rate;
		if (rate > rr->umax)
			rr->umax = rate;
	}
	if (kind == SCALE_FAN_IN)
		msgs = c1[k] - c0[k];
	rr->total = (double)msgs / win;
	{
		long hz = sysconf(_SC_CLK_TCK);
		double busy_s = hz > 0 ? (double)(b1 - b0) / (double)hz : 0;

		rr->busy = busy_s / win;
		rr->cpu_ns = msgs ? busy_s * 1e9 / (double)msgs : 0;
	}
	ret = 0;
out:
	/* A child's own words say more than its exit status. */
	if (ret && c.sh) {
		char first[2 * BENCH_ERR_MAX] = "";

		child_error(&c, nrcv, first, sizeof(first));
		if (first[0])
			bench_fmt(err, errlen, "%s", first);
	}
	kill_all(pid, n);
	if (gp[0] >= 0)
		close(gp[0]);
	if (gp[1] >= 0)
		close(gp[1]);
	for (i = 0; i < c.nmb; i++) {
		if (mb[i])
			msgport_mailbox_unlink(mp, c.name[i]);
		msgport_mailbox_close(mb[i]);
	}
	msgport_close(mp);
	if (c.sh)
		munmap(c.sh, sizeof(*c.sh));
	free(endbuf);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median over a row's runs of the double at offset off of each. */
static double row_median(const struct row *w, size_t off)
{
	double v[128];
	unsigned int i, n = w->nrun < 128 ? w->nrun : 128;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		memcpy(&v[i], (const char *)&w->run[i] + off, sizeof(double));
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MED(w, field)	row_median(w, offsetof(struct run_result, field))

static void print_table(FILE *f, const struct scale_opts *o, const struct row *rows,
			unsigned int nrows, enum scale_kind kind, size_t size)
{
	const char *unit = kind == SCALE_PAIRS ? "pair" : "sender";
	const struct row *base = NULL;
	unsigned int i;
	char sz[32];

	format_size(sz, sizeof(sz), size);
	fprintf(f, "\n%s %u: %s messages, mailbox capacity %u, median of %u round(s) of %.3g s, "
		"%ld CPU(s)\n", kind_opt[kind], kind == SCALE_PAIRS ? o->pairs : o->fan_in, sz,
		o->depth, o->rounds, (double)o->time_ns / 1e9, sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(f, "%-8s %14s %15s %15s %15s %7s %10s %11s\n",
		kind == SCALE_PAIRS ? "pairs" : "senders", "total msg/s",
		kind == SCALE_PAIRS ? "per pair msg/s" : "per sender", "slowest", "fastest",
		"vs 1", "CPUs busy", "CPU ns/msg");
	for (i = 0; i < nrows; i++) {
		const struct row *w = &rows[i];

		if (w->kind != kind || w->size != size)
			continue;
		if (w->err[0]) {
			fprintf(f, "%-8u failed: %s\n", w->k, w->err);
			continue;
		}
		if (w->k == 1)
			base = w;
		fprintf(f, "%-8u %14.0f %15.0f %15.0f %15.0f ", w->k, MED(w, total),
			MED(w, total) / w->k, MED(w, umin), MED(w, umax));
		if (base && MED(base, total) > 0)
			fprintf(f, "%7.2f", MED(w, total) / MED(base, total));
		else
			fprintf(f, "%7s", "-");
		fprintf(f, " %10.2f %11.0f\n", MED(w, busy), MED(w, cpu_ns));
	}
	fprintf(f, "(total: messages received by all receivers per second; per %s: total / %ss; "
		"slowest, fastest: the %s with the lowest and highest rate; vs 1: total over the "
		"total of 1 %s; CPUs busy, CPU ns/msg: all CPUs' busy time from /proc/stat)\n",
		unit, unit, unit, unit);
}

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

static int write_json(const char *path, const struct scale_opts *o, const struct row *rows,
		      unsigned int nrows)
{
	struct utsname u;
	unsigned int i, r;
	FILE *f;
	int ret = 0;

	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (uname(&u))
		strcpy(u.release, "?");
	fprintf(f, "{\n  \"tool\": \"msgport-bench\",\n  \"version\": ");
	jstr(f, MSGPORT_BENCH_VERSION);
	fprintf(f, ",\n  \"kernel\": ");
	jstr(f, u.release);
	fprintf(f, ",\n  \"cpus\": %ld,\n  \"options\": {\"pairs\": %u, \"fan_in\": %u, "
		"\"time_ns\": %llu, \"warmup_ns\": %llu, \"rounds\": %u, \"depth\": %u},\n"
		"  \"scale\": [", sysconf(_SC_NPROCESSORS_ONLN), o->pairs, o->fan_in,
		(unsigned long long)o->time_ns, (unsigned long long)o->warmup_ns, o->rounds,
		o->depth);
	for (i = 0; i < nrows; i++) {
		const struct row *w = &rows[i];

		fprintf(f, "%s\n    {\"mode\": \"%s\", \"size\": %zu, \"n\": %u, ", i ? "," : "",
			w->kind == SCALE_PAIRS ? "pairs" : "fan-in", w->size, w->k);
		if (w->err[0]) {
			fprintf(f, "\"error\": ");
			jstr(f, w->err);
			fprintf(f, "}");
			continue;
		}
		fprintf(f, "\"msgs_per_s\": %.0f, \"per_unit_msgs_per_s\": %.0f, "
			"\"slowest_msgs_per_s\": %.0f, \"fastest_msgs_per_s\": %.0f, "
			"\"cpus_busy\": %.3f, \"cpu_ns_per_msg\": %.0f, \"rounds\": [",
			MED(w, total), MED(w, total) / w->k, MED(w, umin), MED(w, umax),
			MED(w, busy), MED(w, cpu_ns));
		for (r = 0; r < w->nrun; r++)
			fprintf(f, "%s{\"msgs_per_s\": %.0f, \"slowest\": %.0f, \"fastest\": %.0f, "
				"\"cpus_busy\": %.3f}", r ? ", " : "", w->run[r].total, w->run[r].umin,
				w->run[r].umax, w->run[r].busy);
		fprintf(f, "]}");
	}
	fprintf(f, "\n  ]\n}\n");
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/* 1, 2, 4, ... below n, then n. */
static unsigned int ks_upto(unsigned int n, unsigned int *ks)
{
	unsigned int m = 0, k;

	for (k = 1; k < n; k *= 2)
		ks[m++] = k;
	ks[m++] = n;
	return m;
}

int scale_run(const struct scale_opts *o)
{
	unsigned int ks[16], nk, nrows = 0, i, r, s, kind, failures = 0;
	struct row *rows;
	int ret;

	rows = calloc(2 * (size_t)o->nsizes * 16, sizeof(*rows));
	if (!rows)
		return 1;
	for (kind = SCALE_PAIRS; kind <= SCALE_FAN_IN; kind++) {
		unsigned int n = kind == SCALE_PAIRS ? o->pairs : o->fan_in;

		if (!n)
			continue;
		nk = ks_upto(n, ks);
		for (s = 0; s < o->nsizes; s++)
			for (i = 0; i < nk; i++) {
				rows[nrows].kind = kind;
				rows[nrows].size = o->sizes[s];
				rows[nrows].k = ks[i];
				rows[nrows].run = calloc(o->rounds, sizeof(struct run_result));
				if (!rows[nrows].run)
					return 1;
				nrows++;
			}
	}
	for (r = 0; r < o->rounds; r++)
		for (i = 0; i < nrows; i++) {
			struct row *w = &rows[(i + r) % nrows];
			char sz[32], err[2 * BENCH_ERR_MAX];

			if (w->err[0])
				continue;
			format_size(sz, sizeof(sz), w->size);
			if (!o->quiet)
				fprintf(stderr, "msgport-bench: round %u/%u, %s %u, %s\n", r + 1,
					o->rounds, kind_opt[w->kind], w->k, sz);
			if (run_one(w->kind, w->k, w->size, o, &w->run[w->nrun], err, sizeof(err))) {
				bench_fmt(w->err, sizeof(w->err), "%s", err);
				fprintf(stderr, "msgport-bench: %s %u, %s: %s\n", kind_opt[w->kind],
					w->k, sz, err);
				failures++;
				continue;
			}
			w->nrun++;
		}
	for (kind = SCALE_PAIRS; kind <= SCALE_FAN_IN; kind++)
		if (kind == SCALE_PAIRS ? o->pairs : o->fan_in)
			for (s = 0; s < o->nsizes; s++)
				print_table(stdout, o, rows, nrows, kind, o->sizes[s]);
	fflush(stdout);
	ret = failures ? 1 : 0;
	if (o->json && (i = (unsigned int)-write_json(o->json, o, rows, nrows))) {
		fprintf(stderr, "msgport-bench: cannot write %s: %s\n", o->json, strerror((int)i));
		ret = 1;
	}
	for (i = 0; i < nrows; i++)
		free(rows[i].run);
	free(rows);
	if (failures)
		fprintf(stderr, "msgport-bench: %u measurement(s) failed (see the table)\n", failures);
	return ret;
}
