// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One measurement: set the mechanism up, fork its pair of processes, run the
 * ping-pong or streaming loop in them, collect what they measured, tear down.
 *
 * The two children and the orchestrator share one anonymous MAP_SHARED
 * block (struct shared).  The client decides when the warm-up ends and which
 * message is the last, by time (or --iters), and publishes both indices
 * before it sends the message they name; the server reads them after each
 * receive.  The message itself carries the index to the server, so the
 * server sees the value once it holds that message.
 *
 * The orchestrator waits for the children with SIGCHLD blocked and
 * sigtimedwait(); if one fails, the other is killed (it may be blocked on its
 * peer forever), and a cell still running after its time-out is killed and
 * reported as a hang.  Children die with the orchestrator (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

#define NONE		UINT64_MAX
#define MIN_WARM	2	/* round trips or messages of warm-up, at least */
#define MIN_MEASURED	5	/* measured round trips or messages, at least */

struct shared {
	_Atomic uint64_t warm;		/* index of the first measured message */
	_Atomic uint64_t total;		/* messages in the run (the last + 1) */
	struct side_result side[2];
	char err[2][BENCH_ERR_MAX];
	struct hist hist;
};

/* Per child. */
struct child {
	struct bench_chan *ch;
	struct shared *sh;
	const struct cell_opts *o;
	enum bench_mode mode;
	void *txbuf, *rxbuf;
	struct rusage ru0;
};

static uint64_t tv_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000ULL;
}

static void window_start(struct child *c, uint64_t now)
{
	c->sh->side[c->ch->role].t_start = now;
	getrusage(RUSAGE_SELF, &c->ru0);
}

static void window_end(struct child *c, uint64_t now)
{
	struct side_result *s = &c->sh->side[c->ch->role];
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	s->t_end = now;
	s->utime_ns = tv_ns(&ru.ru_utime) - tv_ns(&c->ru0.ru_utime);
	s->stime_ns = tv_ns(&ru.ru_stime) - tv_ns(&c->ru0.ru_stime);
	s->vcsw = (uint64_t)(ru.ru_nvcsw - c->ru0.ru_nvcsw);
	s->ivcsw = (uint64_t)(ru.ru_nivcsw - c->ru0.ru_nivcsw);
}

/* Sending and receiving whole messages, in chunks when the mechanism needs. */

static int xfer_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	const char *p = buf;
	size_t piece;
	int ret;

	if (!ch->chunk || ch->chunk >= len)
		return ch->mech->send(ch, dir, buf, len);
	while (len) {
		piece = len < ch->chunk ? len : ch->chunk;
		ret = ch->mech->send(ch, dir, p, piece);
		if (ret)
			return ret;
		p += piece;
		len -= piece;
	}
	return 0;
}

static int xfer_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		     const void **msg)
{
	char *p = buf;
	size_t piece;
	int ret;

	if (!ch->chunk || ch->chunk >= len)
		return ch->mech->recv(ch, dir, buf, len, msg);
	*msg = buf;
	while (len) {
		piece = len < ch->chunk ? len : ch->chunk;
		ret = ch->mech->recv(ch, dir, p, piece, NULL);
		if (ret)
			return ret;
		p += piece;
		len -= piece;
	}
	return 0;
}

static void *tx_buffer(struct child *c, enum bench_dir dir)
{
	struct bench_chan *ch = c->ch;
	void *p = NULL;

	if (ch->mech->tx_buf && (!ch->chunk || ch->chunk >= ch->size))
		p = ch->mech->tx_buf(ch, dir, ch->size);
	return p ? p : c->txbuf;
}

static void rx_release(struct bench_chan *ch, enum bench_dir dir, const void *msg)
{
	if (ch->mech->rx_done && msg)
		ch->mech->rx_done(ch, dir, msg);
}

static int do_ping(struct bench_chan *ch, const void *req, void *rep_buf, const void **rep)
{
	int ret;

	if (ch->mech->ping)
		return ch->mech->ping(ch, req, rep_buf, ch->size, rep);
	ret = xfer_send(ch, BENCH_FWD, req, ch->size);
	if (ret)
		return ret;
	return xfer_recv(ch, BENCH_BACK, rep_buf, ch->size, rep);
}

static int do_pong(struct bench_chan *ch, const void *reply, void *req_buf, const void **req)
{
	int ret;

	if (ch->mech->pong)
		return ch->mech->pong(ch, reply, req_buf, ch->size, req);
	if (reply) {
		ret = xfer_send(ch, BENCH_BACK, reply, ch->size);
		if (ret)
			return ret;
	}
	if (!req_buf)
		return 0;
	return xfer_recv(ch, BENCH_FWD, req_buf, ch->size, req);
}

static int fail(struct child *c, int err, const char *what, uint64_t i)
{
	struct bench_chan *ch = c->ch;
	char *dst = c->sh->err[ch->role];

	if (ch->err[0])
		bench_fmt(dst, BENCH_ERR_MAX, "%s (message %llu)", ch->err, (unsigned long long)i);
	else if (err == -EBADMSG)
		bench_fmt(dst, BENCH_ERR_MAX, "%s: message %llu arrived corrupted or out of order",
			 what, (unsigned long long)i);
	else
		bench_fmt(dst, BENCH_ERR_MAX, "%s (message %llu): %s", what, (unsigned long long)i,
			 strerror(-err));
	return err;
}

/*
 * The client's decision before message i: does the warm-up end here, is this
 * the last one?  Publishes the index before the message goes out.
 */
static bool client_step(struct child *c, uint64_t i, uint64_t now, uint64_t t_begin,
			uint64_t *warm, bool check_time)
{
	const struct cell_opts *o = c->o;
	uint64_t done;

	if (*warm == NONE) {
		if (!check_time || i < MIN_WARM || now - t_begin < o->warmup_ns)
			return false;
		*warm = i;
		atomic_store(&c->sh->warm, i);
		window_start(c, now);
	}
	done = i - *warm + 1;
	if (o->iters ? done >= o->iters :
	    (done >= MIN_MEASURED && check_time &&
	     now - c->sh->side[BENCH_CLIENT].t_start >= o->time_ns)) {
		atomic_store(&c->sh->total, i + 1);
		return true;
	}
	return false;
}

/* Client, latency: round trips; also the whole loop of a solo mechanism. */
static int client_latency(struct child *c)
{
	struct bench_chan *ch = c->ch;
	bool data = !(ch->mech->flags & BENCH_NODATA);
	bool solo = ch->mech->flags & BENCH_SOLO;
	uint64_t i, warm = NONE, t_begin = bench_now_ns(), t0, t1 = t_begin;
	const void *rep;
	bool last;
	void *req;
	int ret;

	for (i = 0;; i++) {
		t0 = bench_now_ns();
		last = client_step(c, i, t0, t_begin, &warm, true);
		req = tx_buffer(c, BENCH_FWD);
		if (data)
			payload_fill(req, ch->size, 2 * i);
		rep = NULL;
		ret = do_ping(ch, req, c->rxbuf, &rep);
		if (ret)
			return fail(c, ret, "round trip", i);
		if (data) {
			ret = payload_verify(rep ? rep : c->rxbuf, ch->size, solo ? 2 * i : 2 * i + 1);
			if (ret)
				return fail(c, ret, "reply", i);
		}
		rx_release(ch, BENCH_BACK, rep);
		t1 = bench_now_ns();
		if (warm != NONE)
			hist_add(&c->sh->hist, t1 - t0);
		if (last)
			break;
	}
	window_end(c, t1);
	return 0;
}

/* Server, latency: answers each request with a reply of the same size. */
static int server_latency(struct child *c)
{
	struct bench_chan *ch = c->ch;
	const void *req = NULL;
	uint64_t i;
	void *reply;
	bool last;
	int ret;

	ret = do_pong(ch, NULL, c->rxbuf, &req);
	if (ret)
		return fail(c, ret, "first request", 0);
	for (i = 0;; i++) {
		ret = payload_verify(req ? req : c->rxbuf, ch->size, 2 * i);
		if (ret)
			return fail(c, ret, "request", i);
		rx_release(ch, BENCH_FWD, req);
		if (i == atomic_load(&c->sh->warm))
			window_start(c, bench_now_ns());
		last = i + 1 == atomic_load(&c->sh->total);
		reply = tx_buffer(c, BENCH_BACK);
		payload_fill(reply, ch->size, 2 * i + 1);
		req = NULL;
		ret = do_pong(ch, reply, last ? NULL : c->rxbuf, &req);
		if (ret)
			return fail(c, ret, "reply/next request", i);
		if (last)
			break;
	}
	window_end(c, bench_now_ns());
	return 0;
}

/*
 * A streaming or one-process client's message @i: the window's bookkeeping
 * (client_step(); reading the clock costs too: every 16th message is
 * enough, *@now keeps the last reading), then the payload written into the
 * buffer it returns.  *@last: this is the last message.
 */
static void *client_next(struct child *c, uint64_t i, uint64_t t_begin,
			 uint64_t *now, uint64_t *warm, bool *last)
{
	bool check = c->o->iters ? *warm == NONE : (i & 15) == 0;
	void *buf;

	if (check)
		*now = bench_now_ns();
	*last = client_step(c, i, *now, t_begin, warm, check);
	buf = tx_buffer(c, BENCH_FWD);
	payload_fill(buf, c->ch->size, i);
	return buf;
}

/* Client, stream: sends without waiting for anything but room. */
static int client_stream(struct child *c)
{
	struct bench_chan *ch = c->ch;
	uint64_t i, warm = NONE, t_begin = bench_now_ns(), now = t_begin;
	bool last;
	void *buf;
	int ret;

	for (i = 0;; i++) {
		buf = client_next(c, i, t_begin, &now, &warm, &last);
		ret = xfer_send(ch, BENCH_FWD, buf, ch->size);
		if (ret)
			return fail(c, ret, "send", i);
		if (last)
			break;
	}
	if (ch->mech->flush) {
		ret = ch->mech->flush(ch, BENCH_FWD);
		if (ret)
			return fail(c, ret, "send", i);
	}
	window_end(c, bench_now_ns());
	return 0;
}

/*
 * Message @i on FWD was received, at @msg or (NULL) in c->rxbuf: check its
 * payload, then give its buffer back.  0, or fail()'s result.
 */
static int rx_done(struct child *c, const void *msg, uint64_t i)
{
	int ret = payload_verify(msg ? msg : c->rxbuf, c->ch->size, i);

	if (ret)
		return fail(c, ret, "message", i);
	rx_release(c->ch, BENCH_FWD, msg);
	return 0;
}

/*
 * One process, BENCH_SINGLE: send a message on FWD and receive it back from
 * the same queue, in turn; nobody waits and nobody is woken, so what is left
 * is each call's own cost.  A message sent in chunks goes chunk by chunk,
 * each received before the next is sent (a queue may hold less than the
 * message).  A solo mechanism (a floor) does its ping().  The clock is read
 * every 16th message, as in streaming.
 */
static int single_xfer(struct bench_chan *ch, const void *buf, void *rxbuf, const void **msg)
{
	size_t off, piece;
	int ret;

	if (!ch->chunk || ch->chunk >= ch->size) {
		ret = ch->mech->send(ch, BENCH_FWD, buf, ch->size);
		return ret ? ret : ch->mech->recv(ch, BENCH_FWD, rxbuf, ch->size, msg);
	}
	*msg = rxbuf;
	for (off = 0; off < ch->size; off += piece) {
		piece = ch->size - off < ch->chunk ? ch->size - off : ch->chunk;
		ret = ch->mech->send(ch, BENCH_FWD, (const char *)buf + off, piece);
		if (!ret)
			ret = ch->mech->recv(ch, BENCH_FWD, (char *)rxbuf + off, piece, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

static int client_single(struct child *c)
{
	struct bench_chan *ch = c->ch;
	bool solo = ch->mech->flags & BENCH_SOLO;
	uint64_t i, warm = NONE, t_begin = bench_now_ns(), now = t_begin;
	const void *msg;
	bool last;
	void *buf;
	int ret;

	for (i = 0;; i++) {
		buf = client_next(c, i, t_begin, &now, &warm, &last);
		msg = NULL;
		if (solo) {
			ret = do_ping(ch, buf, c->rxbuf, &msg);
			if (ret)
				return fail(c, ret, "round trip", i);
		} else {
			ret = single_xfer(ch, buf, c->rxbuf, &msg);
			if (ret)
				return fail(c, ret, "send + receive", i);
		}
		ret = rx_done(c, msg, i);
		if (ret)
			return ret;
		if (last)
			break;
	}
	window_end(c, bench_now_ns());
	return 0;
}

/* Server, stream: receives and checks every message. */
static int server_stream(struct child *c)
{
	struct bench_chan *ch = c->ch;
	const void *msg;
	uint64_t i;
	int ret;

	for (i = 0;; i++) {
		msg = NULL;
		ret = xfer_recv(ch, BENCH_FWD, c->rxbuf, ch->size, &msg);
		if (ret)
			return fail(c, ret, "receive", i);
		ret = rx_done(c, msg, i);
		if (ret)
			return ret;
		if (i == atomic_load(&c->sh->warm))
			window_start(c, bench_now_ns());
		if (i + 1 == atomic_load(&c->sh->total))
			break;
	}
	window_end(c, bench_now_ns());
	return 0;
}

static void *alloc_buffer(size_t size)
{
	void *p;

	if (posix_memalign(&p, 4096, size))
		return NULL;
	/* Fault the pages in now, not in the first measured message. */
	memset(p, 0, size);
	return p;
}

static __attribute__((noreturn)) void child_main(struct bench_chan *ch, enum bench_role role,
						 struct shared *sh, const struct cell_opts *o,
						 enum bench_mode mode, pid_t orch,
						 const sigset_t *mask)
{
	struct child c = { .ch = ch, .sh = sh, .o = o, .mode = mode };
	bool solo = ch->mech->flags & BENCH_SOLO;
	int ret = 0;

	sigprocmask(SIG_SETMASK, mask, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != orch)
		_exit(1);
	ch->role = role;
	ch->err[0] = '\0';
	if (o->cpu[role] >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o->cpu[role], &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fail(&c, -errno, "sched_setaffinity", 0);
			_exit(1);
		}
	}
	if (ch->mech->attach) {
		ret = ch->mech->attach(ch);
		if (ret) {
			fail(&c, ret, "attach", 0);
			_exit(1);
		}
	}
	c.txbuf = alloc_buffer(ch->size);
	c.rxbuf = alloc_buffer(ch->size);
	if (!c.txbuf || !c.rxbuf) {
		fail(&c, -ENOMEM, "buffers", 0);
		_exit(1);
	}
	if (mode == BENCH_SINGLE)
		ret = client_single(&c);
	else if (role == BENCH_CLIENT)
		ret = mode == BENCH_LATENCY || solo ? client_latency(&c) : client_stream(&c);
	else
		ret = mode == BENCH_LATENCY ? server_latency(&c) : server_stream(&c);
	if (ch->mech->detach)
		ch->mech->detach(ch);
	_exit(ret ? 1 : 0);
}

/* Waits for the children; kills the rest on a failure or the time-out. */
static int reap(pid_t *pid, int n, uint64_t timeout_ns, const sigset_t *chld, int *status)
{
	uint64_t deadline = bench_now_ns() + timeout_ns, now;
	int left = n, i, st, ret = 0;
	struct timespec ts;
	pid_t p;

	while (left) {
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			for (i = 0; i < n; i++) {
				if (pid[i] != p)
					continue;
				pid[i] = 0;
				status[i] = st;
				left--;
				if (!WIFEXITED(st) || WEXITSTATUS(st)) {
					/* Its peer may wait for it forever. */
					for (int j = 0; j < n; j++)
						if (pid[j] > 0)
							kill(pid[j], SIGKILL);
				}
			}
		}
		if (!left)
			break;
		now = bench_now_ns();
		if (now >= deadline) {
			for (i = 0; i < n; i++)
				if (pid[i] > 0)
					kill(pid[i], SIGKILL);
			ret = -ETIMEDOUT;
			deadline = now + 5000000000ULL;	/* for the reaping */
			continue;
		}
		ts.tv_sec = (time_t)((deadline - now) / 1000000000ULL);
		ts.tv_nsec = (long)((deadline - now) % 1000000000ULL);
		sigtimedwait(chld, NULL, &ts);
	}
	return ret;
}

static void describe_status(char *buf, size_t len, int st)
{
	if (WIFSIGNALED(st))
		bench_fmt(buf, len, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		bench_fmt(buf, len, "exit status %d", WEXITSTATUS(st));
}

int probe_mech(const struct bench_mech *m, char *why, size_t len)
{
	struct bench_chan ch = { .mech = m, .size = BENCH_MIN_SIZE, .role = BENCH_ORCH };
	int ret;

	if (!m->probe)
		return 0;
	ret = m->probe(&ch);
	if (ret)
		bench_fmt(why, len, "%s", ch.err[0] ? ch.err : strerror(-ret));
	return ret;
}

int run_cell(const struct bench_mech *m, size_t size, enum bench_mode mode,
	     const struct cell_opts *o, struct cell_result *r)
{
	static const char *const role_name[2] = { "client", "server" };
	struct bench_chan ch = { .mech = m, .size = size, .depth = o->depth, .mode = mode,
				 .role = BENCH_ORCH };
	bool solo = m->flags & BENCH_SOLO;
	int nchild = solo || mode == BENCH_SINGLE ? 1 : 2, status[2] = { 0, 0 }, ret, i;
	pid_t pid[2] = { 0, 0 }, orch = getpid();
	sigset_t chld, old;
	struct shared *sh;
	char how[64];

	memset(r, 0, sizeof(*r));
	hist_init(&r->hist);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		r->err = -errno;
		bench_fmt(r->what, sizeof(r->what), "mmap of the shared block: %s", strerror(errno));
		return r->err;
	}
	memset(sh, 0, sizeof(*sh));
	atomic_store(&sh->warm, NONE);
	atomic_store(&sh->total, NONE);
	hist_init(&sh->hist);

	ret = m->setup(&ch);
	bench_fmt(r->note, sizeof(r->note), "%s", ch.note);
	if (ret) {
		r->err = ret;
		bench_fmt(r->what, sizeof(r->what), "setup: %s", ch.err[0] ? ch.err : strerror(-ret));
		munmap(sh, sizeof(*sh));
		return ret;
	}

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	fflush(NULL);
	for (i = 0; i < nchild; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			child_main(&ch, (enum bench_role)i, sh, o, mode, orch, &old);
		if (pid[i] < 0) {
			ret = -errno;
			pid[i] = 0;
			if (i)
				kill(pid[0], SIGKILL);
			bench_fmt(r->what, sizeof(r->what), "fork: %s", strerror(-ret));
			nchild = i;
			break;
		}
	}
	{
		int wret = reap(pid, nchild, o->timeout_ns, &chld, status);

		if (!ret && wret) {
			ret = wret;
			bench_fmt(r->what, sizeof(r->what),
				 "timed out after %.0f s and was killed (a hang?)",
				 (double)o->timeout_ns / 1e9);
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	m->teardown(&ch);
	/* Teardown may have more to say (what it found after the run). */
	bench_fmt(r->note, sizeof(r->note), "%s", ch.note);

	for (i = 0; i < nchild && !ret; i++) {
		if (WIFEXITED(status[i]) && !WEXITSTATUS(status[i]))
			continue;
		ret = -EIO;
		if (sh->err[i][0]) {
			bench_fmt(r->what, sizeof(r->what), "%s: %s", role_name[i], sh->err[i]);
		} else {
			describe_status(how, sizeof(how), status[i]);
			bench_fmt(r->what, sizeof(r->what), "%s: %s%s", role_name[i], how,
				 WIFSIGNALED(status[i]) && WTERMSIG(status[i]) == SIGKILL ?
				 " (its peer failed first?)" : "");
		}
	}
	/* The first failure reported by a side is the most telling. */
	if (ret == -EIO && sh->err[0][0] && sh->err[1][0] == '\0')
		bench_fmt(r->what, sizeof(r->what), "client: %s", sh->err[0]);
	else if (ret == -EIO && sh->err[1][0] && sh->err[0][0] == '\0')
		bench_fmt(r->what, sizeof(r->what), "server: %s", sh->err[1]);

	if (!ret) {
		uint64_t warm = atomic_load(&sh->warm), total = atomic_load(&sh->total);

		memcpy(r->side, sh->side, sizeof(r->side));
		if (mode == BENCH_LATENCY || mode == BENCH_SINGLE || solo) {
			r->n = total - warm;
			r->elapsed_ns = sh->side[BENCH_CLIENT].t_end - sh->side[BENCH_CLIENT].t_start;
		} else {
			r->n = total - 1 - warm;
			r->elapsed_ns = sh->side[BENCH_SERVER].t_end - sh->side[BENCH_SERVER].t_start;
		}
		hist_merge(&r->hist, &sh->hist);
	}
	r->err = ret;
	munmap(sh, sizeof(*sh));
	return ret;
}
