// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-stress: many processes hammering mailboxes at once, then a proof
 * that nothing was lost, duplicated, reordered or corrupted.
 *
 * Processes (forked, each with its own /dev/msgport descriptor):
 *   senders    (procs/2)    send --messages messages each, to a random
 *                           mailbox, random priority and size, with a mix of
 *                           blocking, non-blocking, timed and synchronous
 *                           sends; one in ten goes directly to a receiver's
 *                           inbox by pid (msgport_send_pid), one in ten is a
 *                           call (msgport_call) that a receiver answers, and
 *                           two in ten go to a region mailbox, mostly as a
 *                           span (allocated from the region's span pool,
 *                           written in place, sent by reference; released
 *                           again if the send fails), sometimes as an
 *                           ordinary message; now and then a burst of 16 to
 *                           47 spans to the unbounded region mailbox.  Each
 *                           payload carries a header (sender, per-sender
 *                           sequence number, priority, length) and a
 *                           checksum of the whole payload.
 *   receivers  (the rest)   receive from random mailboxes (blocking, timed,
 *                           non-blocking; sometimes peek, a too-small buffer
 *                           or truncation) until the senders are done and
 *                           the stable mailboxes and their inboxes (the
 *                           first 64 receivers have one) are empty.  They
 *                           check each message (checksum, header, kernel
 *                           metadata), log its receipt, and answer calls
 *                           with (sender, seq).  On a region mailbox they
 *                           mostly take spans by reference (a pointer into
 *                           their own mapping; the kernel's span offset and
 *                           length must be the ones the sender allocated),
 *                           check them in place, poison the header and
 *                           release the span (one in four after their next
 *                           receive, as a consumer at work would); sometimes
 *                           they receive without MSGPORT_F_SPAN (the bytes
 *                           are copied out, maybe truncated): that receiver
 *                           owns the span just the same and releases it.
 *   victims    (--victims)  block in a send or a receive on mailboxes of
 *                           their own (and, with spans, in a span
 *                           allocation from a full pool, i.e. in the
 *                           region wait) and are SIGKILLed there.
 *   the parent              the chaos: SIGUSR1 to random workers (half run
 *                           their handler with SA_RESTART, half without),
 *                           --kills SIGKILLs of senders in mid-run, and
 *                           --unlinks unlinks of the volatile mailbox (it is
 *                           recreated by whoever next opens it; descriptors
 *                           of the old one get EIDRM).
 *
 * Mailboxes: "stable" ones, never unlinked (unbounded, bounded 8,
 * rendezvous, bounded 1, ... by index), and, with --unlinks, one volatile
 * bounded mailbox.  Unless --no-spans, also three stable region mailboxes
 * (span_mailboxes[]: unbounded with 64 KiB of 256-byte chunks, so that only
 * the pool bounds its queue; bounded 8 with 1 MiB of 1 KiB chunks;
 * rendezvous with 16 KiB of 4 KiB chunks, 3 after the pool's header, held
 * by the senders waiting for a receiver), each region formatted as a span
 * pool by the parent and mapped by every worker.  The bursts, the
 * rendezvous and receivers that keep a span one step make the pools run
 * out, so that allocations wait in the kernel (msgport_region_wait).
 *
 * Every send's outcome goes to a log in shared memory before and after the
 * call, every receipt is counted there (atomically), and at the end:
 *   - a send that failed (EAGAIN, ETIMEDOUT, EINTR, EIDRM, EDQUOT) was
 *     received 0 times; any other errno is a violation;
 *   - a send that succeeded was received exactly once, except an
 *     asynchronous send to the volatile mailbox (at most once: an unlink
 *     drops the queue);
 *   - a call that succeeded got its own reply, and its request was
 *     received exactly once; a failed call's request at most once (a
 *     server may have taken it before the caller gave up);
 *   - a send in flight when its sender was killed: at most once;
 *   - per receiver, mailbox, sender and priority, sender sequence numbers
 *     arrive increasing, and for the stable mailboxes the kernel's
 *     per-mailbox sequence numbers increase with the senders' ones;
 *   - payload checksums, lengths, priorities and sender pids match; a
 *     span arrives flagged MSGPORT_MSG_SPAN at the offset its sender got
 *     from the pool, an ordinary message unflagged;
 *   - spans: a failed span send (or allocation) is released by its sender,
 *     a received one by its receiver, so at the end every pool is free
 *     again, except what killed senders held.  Each sender logs its span
 *     (allocating, holding with offset, releasing) in shared memory: the
 *     parent releases the spans of killed senders that nobody received,
 *     and a sender killed inside msgport_span_alloc() may have claimed
 *     chunks nobody knows of, so the pool may miss at most that span's
 *     chunks per such kill.  Senders wait without limit in
 *     msgport_span_alloc() only when a pool is large enough that spans
 *     leaked by killed senders can never leave it without room for the
 *     largest span, m chunks (kills leaked spans split the free chunks in
 *     at most kills + 1 runs: chunks >= (2 * kills + 1) * m - kills);
 *     otherwise they wait at most 1 s.  Receivers never allocate.
 * Counts are printed; the exit status is 0 only if there was no violation.
 *
 * Extending it: enum op_kind names the way a message travels (mailbox
 * send, direct send, call, region span); a new kind gets its own send and
 * receive steps (see send_span() and take_span()), and the same log and
 * checks apply to it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmsgport.h>

#define PROG		"msgport-stress"
#define MAGIC		0x6d707374u	/* "mpst" */
#define MAX_MAILBOXES	16
#define MAX_INBOXES	64	/* receivers with an inbox (direct messages) */
#define MAX_SPAN_MB	3	/* region mailboxes: span_mailboxes[] */
#define SPAN_CHAN0	(MAX_MAILBOXES + MAX_INBOXES)	/* their channel numbers */
#define NCHANNELS	(SPAN_CHAN0 + MAX_SPAN_MB)
#define POISON_MAGIC	0x6d706672u	/* "mpfr": a released span's header */
#define REPLY_MAGIC	0x6d707270u	/* "mprp" */
#define MAX_PRIO	(MSGPORT_PRIO_MAX + 1)
#define MSG_MAX		8192
#define HDR_SIZE	((uint32_t)sizeof(struct msg_hdr))

/* The payload's first bytes; the rest is a pattern of (sender, seq). */
struct msg_hdr {
	uint32_t magic;
	uint32_t sender;
	uint32_t seq;
	uint32_t prio;
	uint32_t len;
	uint32_t mailbox;
	uint32_t sum;		/* of the payload with this field zero */
	uint32_t pad;
};

/* What happened to one message, as its sender saw it. */
enum send_state {
	S_NONE,			/* never attempted */
	S_INFLIGHT,		/* the call was running (sender killed in it?) */
	S_DELIVERED,		/* the send returned 0 */
	S_FAILED,		/* it returned an expected errno */
};

enum op_kind {
	OP_MAILBOX,		/* msgport_send to a named mailbox */
	OP_INBOX,		/* msgport_send_pid to a receiver's inbox */
	OP_CALL,		/* msgport_call on a named mailbox, answered */
	OP_SPAN,		/* msgport_span_send of a span of a mailbox's region */
};

/* A sender's span, logged so that the parent can tell what a kill leaked. */
enum held_state {
	H_NONE,			/* no span */
	H_ALLOCATING,		/* in msgport_span_alloc(): chunks unknown */
	H_HOLDING,		/* allocated (offset, len): in its send */
	H_RELEASING,		/* the send failed: being released */
};

struct held {
	_Atomic uint32_t state;
	uint32_t seq;		/* the slot it is for */
	uint32_t spi;		/* span mailbox index */
	uint32_t len;
	uint64_t offset;
};

/* A call's reply: echoes who asked what. */
struct reply {
	uint32_t magic;
	uint32_t sender;
	uint32_t seq;
};

struct slot {
	_Atomic uint8_t state;
	uint8_t kind;
	uint8_t mailbox;	/* channel: a mailbox, or opt.mailboxes + inbox */
	uint8_t prio;
	uint8_t sync;
	uint8_t alloc_failed;	/* OP_SPAN, S_FAILED: in msgport_span_alloc() */
	uint8_t pad[2];
	int32_t err;		/* S_FAILED: the errno */
	_Atomic uint32_t received;
	uint64_t kseq;		/* the kernel's sequence number, at receipt */
	uint64_t span_off;	/* OP_SPAN: the offset the pool gave */
};

struct shared {
	_Atomic int senders_done;
	_Atomic int violations;
	_Atomic uint64_t received;
	_Atomic uint64_t peeked;
	_Atomic uint64_t truncated;
	_Atomic uint64_t emsgsize;
	_Atomic uint64_t recv_eintr;
	_Atomic uint64_t recv_eidrm;
	_Atomic uint64_t recv_timeouts;
	_Atomic uint64_t reopens;
	_Atomic uint64_t replies;
	_Atomic uint64_t replies_cancelled;
	_Atomic uint64_t spans_by_ref;	/* taken with MSGPORT_F_SPAN */
	_Atomic uint64_t spans_copied;	/* received without it: bytes copied */
	_Atomic uint64_t span_peeks;
	_Atomic uint64_t span_releases;	/* by receivers */
	_Atomic uint64_t span_emsgsize;	/* span receive met an ordinary message */
	_Atomic uint64_t span_pool_full;	/* allocations that had to wait */
	_Atomic uint64_t spans_held;	/* receipts released one step later */
	_Atomic int inboxes_ready;
	pid_t receiver_pid[MAX_INBOXES];
	pid_t sender_pid[];	/* then the slots */
};

static struct {
	unsigned int procs;
	unsigned int messages;
	unsigned int mailboxes;
	unsigned int kills;
	unsigned int unlinks;
	unsigned int victims;
	unsigned int signals;
	unsigned int max_size;
	unsigned long seed;
	bool verbose;
	bool direct;
	bool calls;
	bool spans;
} opt = {
	.procs = 64,
	.messages = 1000,
	.mailboxes = 4,
	.kills = 2,
	.unlinks = 4,
	.victims = 4,
	.signals = 200,
	.max_size = 2048,
	.seed = 1,
	.direct = true,
	.calls = true,
	.spans = true,
};

/* The region mailboxes (channels SPAN_CHAN0 + i). */
static const struct span_mailbox {
	uint32_t capacity;
	uint32_t region_size;
	uint32_t chunk_size;
} span_mailboxes[MAX_SPAN_MB] = {
	/* unbounded: only its pool (255 chunks) bounds the queue */
	{ MSGPORT_CAPACITY_UNBOUNDED, 64U << 10, 256 },
	/* bounded 8, a large region (1023 chunks) */
	{ 8, 1U << 20, 1024 },
	/* rendezvous: each waiting sender holds its span; 3 chunks */
	{ 0, 16U << 10, 4096 },
};

static unsigned int nsenders, nreceivers, ninboxes, nspans;
static struct shared *sh;
static struct held *helds;	/* one per sender */
static struct slot *slots;
static char prefix[64];
static volatile sig_atomic_t got_signals;

static struct slot *slot_of(unsigned int sender, unsigned int seq)
{
	return &slots[(size_t)sender * opt.messages + seq];
}

static void violation(const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&sh->violations, 1) >= 50)
		return;		/* enough said */
	fprintf(stderr, PROG ": VIOLATION: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* xorshift64*: per process, seeded from --seed and the role. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd_below(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static void rnd_seed(uint64_t a, uint64_t b)
{
	rng_state = (a * 0x9e3779b97f4a7c15ULL) ^ (b + 0x632be59bd9b4e019ULL);
	if (!rng_state)
		rng_state = 1;
	for (int i = 0; i < 4; i++)
		rnd();
}

static uint32_t checksum(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void fill(unsigned char *buf, uint32_t len, uint32_t sender, uint32_t seq,
		 uint32_t prio, uint32_t mailbox)
{
	struct msg_hdr h = {
		.magic = MAGIC, .sender = sender, .seq = seq, .prio = prio,
		.len = len, .mailbox = mailbox,
	};
	uint32_t x = sender * 2654435761u ^ seq;

	for (uint32_t i = HDR_SIZE; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	memcpy(buf, &h, sizeof(h));
	h.sum = checksum(buf, len);
	memcpy(buf, &h, sizeof(h));
}

/* Mailboxes */

static bool is_volatile(unsigned int i)
{
	return opt.unlinks && i == opt.mailboxes - 1;
}

static void mailbox_name(unsigned int i, char *buf, size_t n)
{
	snprintf(buf, n, "%s.%u", prefix, i);
}

static struct msgport_attr mailbox_attr(unsigned int i)
{
	static const uint32_t caps[] = { MSGPORT_CAPACITY_UNBOUNDED, 8, 0, 1, 64, 2 };
	struct msgport_attr a = { .max_msg_size = MSG_MAX, .mode = 0600 };

	a.capacity = is_volatile(i) ? 4 : caps[i % (sizeof(caps) / sizeof(caps[0]))];
	return a;
}

static int open_mailbox(struct msgport *mp, unsigned int i, struct msgport_mailbox **mbp)
{
	struct msgport_attr a = mailbox_attr(i);
	char name[96];

	mailbox_name(i, name, sizeof(name));
	return msgport_mailbox_open(mp, name,
				    MSGPORT_O_CREAT | MSGPORT_O_RECV | MSGPORT_O_SEND |
				    MSGPORT_O_CLOEXEC, &a, mbp);
}

static int open_span_mailbox(struct msgport *mp, unsigned int spi, struct msgport_mailbox **mbp)
{
	struct msgport_attr a = {
		.capacity = span_mailboxes[spi].capacity, .max_msg_size = MSG_MAX, .mode = 0600,
		.region_size = span_mailboxes[spi].region_size,
	};
	char name[96];

	snprintf(name, sizeof(name), "%s.span%u", prefix, spi);
	return msgport_mailbox_open(mp, name,
				    MSGPORT_O_CREAT | MSGPORT_O_RECV | MSGPORT_O_SEND |
				    MSGPORT_O_CLOEXEC, &a, mbp);
}

static bool is_span_chan(unsigned int chan)
{
	return chan >= SPAN_CHAN0 && chan < SPAN_CHAN0 + MAX_SPAN_MB;
}

static uint32_t chan_capacity(unsigned int chan)
{
	if (is_span_chan(chan))
		return span_mailboxes[chan - SPAN_CHAN0].capacity;
	if (chan < opt.mailboxes)
		return mailbox_attr(chan).capacity;
	return 16;	/* an inbox */
}

/* Chunks of the largest span a sender allocates from pool spi. */
static size_t span_max_chunks(unsigned int spi)
{
	size_t chunk = span_mailboxes[spi].chunk_size;

	return (opt.max_size + chunk - 1) / chunk;
}

/*
 * Each worker's view: one descriptor per mailbox, reopened after EIDRM,
 * and its own mapping of every region.
 */
struct view {
	struct msgport *mp;
	struct msgport_mailbox *mb[MAX_MAILBOXES];
	struct msgport_mailbox *span_mb[MAX_SPAN_MB];
	struct msgport_region *region[MAX_SPAN_MB];
	bool alloc_forever[MAX_SPAN_MB];	/* see the top of this file */
};

static int view_open(struct view *v)
{
	int err = msgport_open(NULL, &v->mp);

	if (err) {
		fprintf(stderr, PROG ": cannot open /dev/msgport: %s\n", msgport_strerror(err));
		return err;
	}
	for (unsigned int i = 0; i < opt.mailboxes; i++) {
		err = open_mailbox(v->mp, i, &v->mb[i]);
		if (err) {
			fprintf(stderr, PROG ": cannot open mailbox %u: %s\n", i,
				msgport_strerror(err));
			return err;
		}
	}
	for (unsigned int i = 0; i < nspans; i++) {
		size_t nchunks = 0;

		err = open_span_mailbox(v->mp, i, &v->span_mb[i]);
		if (!err)
			err = msgport_region_map(v->span_mb[i], &v->region[i]);
		if (!err)
			err = msgport_span_pool_stat(v->region[i], NULL, &nchunks, NULL);
		if (err) {
			fprintf(stderr, PROG ": span mailbox %u: %s\n", i, msgport_strerror(err));
			return err;
		}
		v->alloc_forever[i] = nchunks + opt.kills >=
				      (2 * (size_t)opt.kills + 1) * span_max_chunks(i);
	}
	return 0;
}

static void view_reopen(struct view *v, unsigned int i)
{
	msgport_mailbox_close(v->mb[i]);
	v->mb[i] = NULL;
	atomic_fetch_add(&sh->reopens, 1);
	for (;;) {
		int err = open_mailbox(v->mp, i, &v->mb[i]);

		if (!err)
			return;
		if (err != -EINTR) {
			violation("reopening mailbox %u: %s", i, msgport_strerror(err));
			_exit(1);
		}
	}
}

static void on_signal(int sig)
{
	(void)sig;
	got_signals++;
}

static void install_handler(bool restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/* Senders */

static bool send_error_expected(int err, bool volatile_mb)
{
	switch (err) {
	case -EAGAIN:
	case -ETIMEDOUT:
	case -EINTR:
	case -EDQUOT:
		return true;
	case -EIDRM:
		return volatile_mb;
	default:
		return false;
	}
}

static const char *kind_name(unsigned int kind)
{
	switch (kind) {
	case OP_INBOX: return "direct send";
	case OP_CALL: return "call";
	case OP_SPAN: return "span send";
	default: return "send";
	}
}

/*
 * OP_SPAN: allocate a span from pool spi, write the message into it, send
 * it by reference.  The span is logged in helds[id] at each step; on a
 * failed send it is released again (the sender still owns it).  0 or the
 * -errno of the allocation (*alloc_failed set) or of the send.
 */
static int send_span(struct view *v, unsigned int id, unsigned int seq, unsigned int spi,
		     struct slot *s, uint32_t len, unsigned int prio, unsigned int flags,
		     int64_t timeout, uint64_t *kseq, bool *alloc_failed)
{
	struct held *hd = &helds[id];
	int64_t alloc_timeout = timeout;
	struct msgport_span sp;
	int err, rerr;

	if (timeout == MSGPORT_WAIT_FOREVER && !v->alloc_forever[spi])
		alloc_timeout = 1000000000;	/* leaks could starve it: 1 s */
	hd->seq = seq;
	hd->spi = spi;
	hd->len = len;
	atomic_store(&hd->state, H_ALLOCATING);
	/* Try first, to count how often the pool was full. */
	err = msgport_span_alloc(v->region[spi], len, MSGPORT_F_NONBLOCK, 0, &sp);
	if (err == -EAGAIN) {
		atomic_fetch_add(&sh->span_pool_full, 1);
		if (!(flags & MSGPORT_F_NONBLOCK))
			err = msgport_span_alloc(v->region[spi], len, 0, alloc_timeout, &sp);
	}
	if (err) {
		atomic_store(&hd->state, H_NONE);
		*alloc_failed = true;
		return err;
	}
	if (!sp.addr || sp.len != len || sp.offset + len > msgport_region_size(v->region[spi]) ||
	    (unsigned char *)sp.addr !=
	    (unsigned char *)msgport_region_addr(v->region[spi]) + sp.offset)
		violation("sender %u seq %u: span_alloc(%u) on pool %u gave offset %" PRIu64
			  " len %zu addr %p", id, seq, len, spi, sp.offset, sp.len, sp.addr);
	hd->offset = sp.offset;
	s->span_off = sp.offset;
	atomic_store(&hd->state, H_HOLDING);
	fill(sp.addr, len, id, seq, prio, SPAN_CHAN0 + spi);
	err = msgport_span_send(v->span_mb[spi], &sp, prio, flags, timeout, kseq);
	if (!err) {
		atomic_store(&hd->state, H_NONE);	/* the receiver's now */
		return 0;
	}
	atomic_store(&hd->state, H_RELEASING);
	rerr = msgport_span_release(v->region[spi], &sp);
	if (rerr)
		violation("sender %u seq %u: releasing its unsent span (pool %u offset %" PRIu64
			  " len %zu): %s", id, seq, spi, sp.offset, sp.len, msgport_strerror(rerr));
	atomic_store(&hd->state, H_NONE);
	return err;
}

static int sender_main(unsigned int id)
{
	unsigned char *buf = malloc(MSG_MAX);
	struct view v = { 0 };

	sh->sender_pid[id] = getpid();	/* before any send: receivers check it */
	rnd_seed(opt.seed, 1000 + id);
	install_handler(id & 1);
	if (!buf || view_open(&v))
		return 1;
	/* Direct messages need the receivers' inboxes open. */
	for (int i = 0; i < 30000 && atomic_load(&sh->inboxes_ready) < (int)ninboxes; i++)
		usleep(1000);
	if (atomic_load(&sh->inboxes_ready) < (int)ninboxes) {
		violation("sender %u: the receivers' inboxes are not open after 30 s", id);
		return 1;
	}
	for (unsigned int seq = 0, burst = 0; seq < opt.messages; seq++) {
		struct slot *s = slot_of(id, seq);
		unsigned int mbi = rnd_below(opt.mailboxes);
		unsigned int pick = rnd_below(10);
		enum op_kind kind = OP_MAILBOX;
		unsigned int chan = mbi, inbox = 0, spi = 0;
		struct msgport_mailbox *mb;
		bool alloc_failed = false;
		unsigned int prio = rnd_below(MAX_PRIO);
		uint32_t len = HDR_SIZE + rnd_below(opt.max_size - HDR_SIZE + 1);
		unsigned int how = rnd_below(16);
		unsigned int flags = 0;
		int64_t timeout = MSGPORT_WAIT_FOREVER;
		uint64_t kseq;
		int err;

		if (how < 3)
			flags |= MSGPORT_F_NONBLOCK;
		else if (how < 7)
			timeout = (int64_t)rnd_below(5000000);	/* < 5 ms */
		if (rnd_below(4) == 0)
			flags |= MSGPORT_F_SYNC;
		if (pick == 0 && ninboxes) {
			kind = OP_INBOX;
			inbox = rnd_below(ninboxes);
			chan = opt.mailboxes + inbox;
		} else if (pick == 1 && opt.calls && !is_volatile(mbi)) {
			kind = OP_CALL;
			flags &= ~MSGPORT_F_SYNC;	/* a call is synchronous anyway */
		} else if ((pick == 2 || pick == 3) && nspans) {
			/* Mostly a span; an ordinary message now and then. */
			spi = rnd_below(nspans);
			chan = SPAN_CHAN0 + spi;
			kind = rnd_below(8) ? OP_SPAN : OP_MAILBOX;
			if (!burst && rnd_below(64) == 0)
				burst = 16 + rnd_below(32);
		}
		if (burst && nspans) {
			/* A stream of spans into the unbounded one: its pool runs out. */
			burst--;
			spi = 0;
			chan = SPAN_CHAN0;
			kind = OP_SPAN;
		}
		mb = is_span_chan(chan) ? v.span_mb[spi] : v.mb[mbi];
		/* A blocking send on a rendezvous waits for a receiver: fine. */
		if (kind != OP_SPAN)
			fill(buf, len, id, seq, prio, chan);
		s->kind = (uint8_t)kind;
		s->mailbox = (uint8_t)chan;
		s->prio = (uint8_t)prio;
		s->sync = (flags & MSGPORT_F_SYNC) ||
			  (kind != OP_INBOX && chan_capacity(chan) == 0);
		atomic_store(&s->state, S_INFLIGHT);
		if (kind == OP_SPAN) {
			err = send_span(&v, id, seq, spi, s, len, prio, flags, timeout, &kseq,
					&alloc_failed);
		} else if (kind == OP_INBOX) {
			err = msgport_send_pid(v.mp, sh->receiver_pid[inbox], buf, len, prio, flags,
					       timeout, &kseq);
		} else if (kind == OP_CALL) {
			struct msgport_msginfo rinfo;
			struct reply r;
			ssize_t n = msgport_call(mb, buf, len, &r, sizeof(r), prio, flags,
						 timeout, &rinfo);

			err = n < 0 ? (int)n : 0;
			if (n >= 0 && (n != (ssize_t)sizeof(r) || r.magic != REPLY_MAGIC ||
				       r.sender != id || r.seq != seq))
				violation("sender %u seq %u: call to mailbox %u: wrong reply (%zd bytes, sender %u seq %u)",
					  id, seq, mbi, n, r.sender, r.seq);
			if (n >= 0)
				s->sync = 1;	/* answered: it was taken */
		} else {
			err = msgport_send(mb, buf, len, prio, flags, timeout, &kseq);
		}
		if (!err) {
			atomic_store(&s->state, S_DELIVERED);
			continue;
		}
		s->err = -err;
		s->alloc_failed = alloc_failed;
		atomic_store(&s->state, S_FAILED);
		if (!send_error_expected(err, kind == OP_MAILBOX && is_volatile(chan)))
			violation("sender %u seq %u: %s%s to channel %u: unexpected %s", id, seq,
				  kind_name(kind), alloc_failed ? " (span_alloc)" : "", chan,
				  msgport_strerror(err));
		if (err == -EIDRM && is_volatile(chan))
			view_reopen(&v, mbi);
	}
	free(buf);
	return 0;
}

/* Receivers */

/* A call's request: echo who asked what; its caller may have given up. */
static void answer(unsigned int rid, struct msgport_mailbox *h, const unsigned char *buf,
		   ssize_t n, const struct msgport_msginfo *info)
{
	struct msg_hdr hd;
	struct reply r = { .magic = REPLY_MAGIC };
	int err;

	if ((size_t)n < HDR_SIZE)
		return;		/* check_message() said so */
	memcpy(&hd, buf, sizeof(hd));
	r.sender = hd.sender;
	r.seq = hd.seq;
	err = msgport_reply(h, info->token, &r, sizeof(r));
	if (err == -ECANCELED) {
		atomic_fetch_add(&sh->replies_cancelled, 1);
		return;
	}
	if (err)
		violation("receiver %u: reply to sender %u seq %u: %s", rid, hd.sender, hd.seq,
			  msgport_strerror(err));
	else
		atomic_fetch_add(&sh->replies, 1);
}

struct order {
	uint32_t next_seq;	/* sender seq + 1 of the last one seen */
	uint64_t kseq;		/* kernel seq of the last one seen */
};

/*
 * Check a received message (buf: its bytes, n of them; for a span taken by
 * reference, the span in the region) and log its receipt: its slot, or NULL
 * if it is too bad to know whose it is.
 */
static struct slot *check_message(unsigned int rid, unsigned int mbi, const unsigned char *buf,
				  ssize_t n, const struct msgport_msginfo *info, bool trunc,
				  struct order *ord)
{
	struct msg_hdr h;
	struct slot *s;
	uint32_t got;

	if ((size_t)n < HDR_SIZE) {
		violation("receiver %u: mailbox %u: %zd-byte message (< header)", rid, mbi, n);
		return NULL;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic != MAGIC || h.sender >= nsenders || h.seq >= opt.messages ||
	    h.prio != info->priority || h.len != info->len || h.mailbox != mbi ||
	    (!trunc && h.len != (uint32_t)n)) {
		violation("receiver %u: mailbox %u: bad message (magic %#x sender %u seq %u prio %u/%u len %u/%u/%zd mailbox %u)",
			  rid, mbi, h.magic, h.sender, h.seq, h.prio, info->priority, h.len,
			  info->len, n, h.mailbox);
		return NULL;
	}
	if (!trunc) {
		got = h.sum;
		h.sum = 0;
		memcpy((unsigned char *)buf, &h, sizeof(h));
		if (checksum(buf, (size_t)n) != got)
			violation("receiver %u: sender %u seq %u: checksum mismatch", rid, h.sender,
				  h.seq);
	}
	if ((pid_t)info->pid != sh->sender_pid[h.sender])
		violation("receiver %u: sender %u seq %u: info.pid %u, sender is %d", rid,
			  h.sender, h.seq, info->pid, (int)sh->sender_pid[h.sender]);
	s = slot_of(h.sender, h.seq);
	if (s->mailbox != mbi || s->prio != h.prio)
		violation("receiver %u: sender %u seq %u: logged as mailbox %u prio %u", rid,
			  h.sender, h.seq, s->mailbox, s->prio);
	if (!(info->msg_flags & MSGPORT_MSG_SPAN) != (s->kind != OP_SPAN) ||
	    ((info->msg_flags & MSGPORT_MSG_SPAN) && info->span_offset != s->span_off))
		violation("receiver %u: sender %u seq %u: sent as %s (offset %" PRIu64
			  "), msg_flags %#x span_offset %" PRIu64, rid, h.sender, h.seq,
			  kind_name(s->kind), s->span_off, info->msg_flags, info->span_offset);
	ord += ((size_t)h.sender * MAX_PRIO + h.prio);
	if (h.seq + 1 <= ord->next_seq)
		violation("receiver %u: mailbox %u sender %u prio %u: seq %u after %u", rid, mbi,
			  h.sender, h.prio, h.seq, ord->next_seq - 1);
	ord->next_seq = h.seq + 1;
	ord->kseq = info->seq;
	s->kseq = info->seq;
	if (atomic_fetch_add(&s->received, 1) != 0)
		violation("sender %u seq %u: received twice", h.sender, h.seq);
	atomic_fetch_add(&sh->received, 1);
	if (trunc)
		atomic_fetch_add(&sh->truncated, 1);
	return s;
}

/*
 * The receiver took a span message (by reference or not): the span is its
 * own now.  Poison its header, so that a second delivery of it could not
 * pass for a message, and give it back to the pool.
 */
static void release_span(unsigned int rid, struct view *v, unsigned int spi, uint64_t offset,
			 uint32_t len)
{
	struct msgport_region *r = v->region[spi];
	struct msgport_span sp = { .offset = offset, .len = len };
	uint32_t poison = POISON_MAGIC;
	int err;

	if (offset >= msgport_region_size(r) || len > msgport_region_size(r) - offset ||
	    len < sizeof(poison)) {
		violation("receiver %u: span pool %u: span (%" PRIu64 ", %u) outside the region",
			  rid, spi, offset, len);
		return;
	}
	memcpy((unsigned char *)msgport_region_addr(r) + offset, &poison, sizeof(poison));
	err = msgport_span_release(r, &sp);
	if (err)
		violation("receiver %u: span pool %u: release (%" PRIu64 ", %u): %s", rid, spi,
			  offset, len, msgport_strerror(err));
	else
		atomic_fetch_add(&sh->span_releases, 1);
}

/* A span taken by reference (msgport_span_recv): check it in place; keep it. */
static void take_span(unsigned int rid, struct view *v, unsigned int spi,
		      const struct msgport_span *sp, const struct msgport_msginfo *info,
		      struct order *ord)
{
	struct msgport_region *r = v->region[spi];
	unsigned char *base = msgport_region_addr(r);
	size_t size = msgport_region_size(r);

	if (!(info->msg_flags & MSGPORT_MSG_SPAN) || sp->offset != info->span_offset ||
	    sp->len != info->len || !sp->len || sp->offset >= size ||
	    sp->len > size - sp->offset || (unsigned char *)sp->addr != base + sp->offset) {
		violation("receiver %u: span mailbox %u: span_recv gave offset %" PRIu64
			  " len %zu addr %p (msg_flags %#x span_offset %" PRIu64 " len %u)",
			  rid, spi, sp->offset, sp->len, sp->addr, info->msg_flags,
			  info->span_offset, info->len);
		return;
	}
	if (info->token)
		violation("receiver %u: span mailbox %u: a span with a call token", rid, spi);
	check_message(rid, SPAN_CHAN0 + spi, sp->addr, (ssize_t)sp->len, info, false, ord);
	atomic_fetch_add(&sh->spans_by_ref, 1);
}

static bool stable_empty(struct view *v, struct msgport_mailbox *inbox)
{
	struct msgport_stat ist;

	if (inbox && msgport_mailbox_stat(inbox, &ist) == 0 && ist.queued_msgs)
		return false;
	for (unsigned int i = 0; i < opt.mailboxes; i++) {
		struct msgport_stat st;

		if (is_volatile(i))
			continue;
		if (msgport_mailbox_stat(v->mb[i], &st) == 0 && st.queued_msgs)
			return false;
	}
	for (unsigned int i = 0; i < nspans; i++) {
		struct msgport_stat st;

		if (msgport_mailbox_stat(v->span_mb[i], &st) == 0 && st.queued_msgs)
			return false;
	}
	return true;
}

static int receiver_main(unsigned int rid)
{
	/* Per channel (mailboxes, span mailboxes, inbox), sender and priority. */
	size_t ord_n = (size_t)(opt.mailboxes + nspans + 1) * nsenders * MAX_PRIO;
	struct msgport_mailbox *inbox = NULL;
	struct order *ord = calloc(ord_n, sizeof(*ord));
	unsigned char *buf = malloc(MSG_MAX);
	struct view v = { 0 };
	unsigned int idle = 0;
	/* A span taken by reference, kept over the next receive. */
	struct msgport_span held = { 0 };
	unsigned int held_spi = 0;
	unsigned long step = 0, held_step = 0;

	rnd_seed(opt.seed, 500000 + rid);
	install_handler(rid & 1);
	if (!ord || !buf || view_open(&v))
		return 1;
	if (rid < ninboxes) {
		struct msgport_attr a = { .capacity = 16, .max_msg_size = MSG_MAX, .mode = 0600 };
		int err = msgport_inbox_open(v.mp, &a, 0, &inbox);

		if (err) {
			violation("receiver %u: inbox: %s", rid, msgport_strerror(err));
			return 1;
		}
		sh->receiver_pid[rid] = getpid();
		atomic_fetch_add(&sh->inboxes_ready, 1);
	}
	for (;;) {
		unsigned int local = rnd_below(opt.mailboxes + nspans + (inbox ? 1 : 0));
		bool is_span = local >= opt.mailboxes && local < opt.mailboxes + nspans;
		unsigned int spi = is_span ? local - opt.mailboxes : 0;
		unsigned int mbi = local < opt.mailboxes ? local :
				   is_span ? SPAN_CHAN0 + spi : opt.mailboxes + rid;
		struct msgport_mailbox *h = local < opt.mailboxes ? v.mb[local] :
					    is_span ? v.span_mb[spi] : inbox;
		struct order *lord = ord + (size_t)local * nsenders * MAX_PRIO;
		unsigned int how = rnd_below(64);
		unsigned int flags = 0;
		size_t len = MSG_MAX;
		int64_t timeout = (int64_t)rnd_below(50000000);	/* < 50 ms */
		struct msgport_msginfo info;
		bool done = atomic_load(&sh->senders_done);
		bool plain = true;
		ssize_t n = 0;

		step++;
		if (held.len && (step - held_step >= 2 || done)) {
			release_span(rid, &v, held_spi, held.offset, (uint32_t)held.len);
			held.len = 0;
		}
		/*
		 * Never MSGPORT_WAIT_FOREVER: a receiver must notice the end
		 * (the senders cover waits without a limit).
		 */
		if (how < 3)	/* rare: 32 receivers polling would spin */
			flags |= MSGPORT_F_NONBLOCK;
		else if (how < 10 && !done)
			timeout = 100000000;	/* 100 ms */
		if (how == 10 || how == 11)
			flags |= MSGPORT_F_PEEK;
		else if (how == 12)
			len = HDR_SIZE + rnd_below(256);	/* maybe too small */
		else if (how == 13) {
			len = HDR_SIZE + rnd_below(256);
			flags |= MSGPORT_F_TRUNC;
		}
		if (done)
			timeout = 2000000;
		/*
		 * A region mailbox: mostly by reference; the peek (10), the
		 * small buffer (12), truncation (13) and 14..29 copy.
		 */
		if (is_span && (how <= 10 || how >= 30)) {
			struct msgport_span sp;
			int e = msgport_span_recv(h, v.region[spi], &sp,
						  flags & (MSGPORT_F_NONBLOCK | MSGPORT_F_PEEK),
						  timeout, &info);

			if (!e) {
				idle = 0;
				if (flags & MSGPORT_F_PEEK) {
					if (!(info.msg_flags & MSGPORT_MSG_SPAN) || !sp.addr)
						violation("receiver %u: span peek on mailbox %u: msg_flags %#x addr %p",
							  rid, mbi, info.msg_flags, sp.addr);
					atomic_fetch_add(&sh->span_peeks, 1);
					continue;
				}
				take_span(rid, &v, spi, &sp, &info, lord);
				if (!held.len && rnd_below(4) == 0 && !done) {
					/* Released after the next receive. */
					held = sp;
					held_spi = spi;
					held_step = step;
					atomic_fetch_add(&sh->spans_held, 1);
				} else {
					release_span(rid, &v, spi, sp.offset, (uint32_t)sp.len);
				}
				continue;
			}
			if (e == -EMSGSIZE) {
				/* An ordinary message is next: take it by copy. */
				if (info.msg_flags & MSGPORT_MSG_SPAN)
					violation("receiver %u: span_recv on mailbox %u: EMSGSIZE for a span",
						  rid, mbi);
				atomic_fetch_add(&sh->span_emsgsize, 1);
				flags = MSGPORT_F_NONBLOCK;
			} else {
				n = e;
				plain = false;
			}
		}
		if (plain)
			n = msgport_recv(h, buf, len, flags, timeout, &info);
		if (n >= 0) {
			idle = 0;
			if (flags & MSGPORT_F_PEEK) {
				atomic_fetch_add(&sh->peeked, 1);
				continue;
			}
			check_message(rid, mbi, buf, n, &info,
				      (flags & MSGPORT_F_TRUNC) && (size_t)info.len > (size_t)n, lord);
			if (info.msg_flags & MSGPORT_MSG_CALL)
				answer(rid, h, buf, n, &info);
			if (info.msg_flags & MSGPORT_MSG_SPAN) {
				/* Copied out, not taken by reference: still ours to release. */
				atomic_fetch_add(&sh->spans_copied, 1);
				if (is_span)
					release_span(rid, &v, spi, info.span_offset, info.len);
				else
					violation("receiver %u: a span from mailbox %u, which has no region",
						  rid, mbi);
			}
			continue;
		}
		switch (n) {
		case -EMSGSIZE:
			if (info.len <= len)
				violation("receiver %u: EMSGSIZE for %u bytes into %zu", rid,
					  info.len, len);
			atomic_fetch_add(&sh->emsgsize, 1);
			continue;
		case -EINTR:
			atomic_fetch_add(&sh->recv_eintr, 1);
			continue;
		case -EIDRM:
			if (!is_volatile(mbi))
				violation("receiver %u: EIDRM on stable mailbox %u", rid, mbi);
			atomic_fetch_add(&sh->recv_eidrm, 1);
			if (is_span)
				continue;
			if (local >= opt.mailboxes) {
				violation("receiver %u: EIDRM on its inbox", rid);
				continue;
			}
			view_reopen(&v, local);
			memset(lord, 0, (size_t)nsenders * MAX_PRIO * sizeof(*ord));
			continue;
		case -EAGAIN:
		case -ETIMEDOUT:
			atomic_fetch_add(&sh->recv_timeouts, 1);
			break;
		default:
			violation("receiver %u: recv from mailbox %u: unexpected %s", rid, mbi,
				  msgport_strerror((int)n));
			continue;
		}
		if (done && ++idle >= 4 * (opt.mailboxes + nspans) && stable_empty(&v, inbox))
			break;
	}
	if (held.len)
		release_span(rid, &v, held_spi, held.offset, (uint32_t)held.len);
	free(buf);
	free(ord);
	return 0;
}

/* Victims: block in the kernel and get killed there. */

/* Fill a small pool, then wait in msgport_span_alloc() for room forever. */
static int region_victim(struct msgport *mp)
{
	struct msgport_attr a = {
		.capacity = 1, .max_msg_size = 64, .mode = 0600, .region_size = 16384,
	};
	struct msgport_mailbox *mb;
	struct msgport_region *r;
	struct msgport_span sp;
	char name[96];
	int err;

	snprintf(name, sizeof(name), "%s.victim-region", prefix);
	err = msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_SEND | MSGPORT_O_RECV,
				   &a, &mb);
	if (!err)
		err = msgport_region_map(mb, &r);
	if (err)
		return 1;
	err = msgport_span_pool_init(r, 4096);	/* 3 chunks; -EEXIST: another did */
	if (err && err != -EEXIST)
		return 1;
	for (;;) {
		err = msgport_span_alloc(r, 4096, MSGPORT_F_NONBLOCK, 0, &sp);
		if (err == -ENOMSG)	/* another victim is formatting it */
			usleep(1000);
		else if (err)
			break;
	}
	for (;;)
		msgport_span_alloc(r, 4096, 0, MSGPORT_WAIT_FOREVER, &sp);
}

static int victim_main(unsigned int id)
{
	struct msgport_attr full = { .capacity = 1, .max_msg_size = 64, .mode = 0600 };
	struct msgport_attr rdv = { .capacity = 0, .max_msg_size = 64, .mode = 0600 };
	struct msgport_mailbox *mb;
	struct msgport *mp;
	char name[96];
	int err;

	if (msgport_open(NULL, &mp))
		return 1;
	if (nspans && id % 3 == 2)
		return region_victim(mp);
	if (id & 1) {
		snprintf(name, sizeof(name), "%s.victim-full", prefix);
		err = msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_SEND |
					   MSGPORT_O_RECV, &full, &mb);
		if (err)
			return 1;
		for (;;)	/* the second send blocks */
			msgport_send(mb, "victim", 6, 0, rnd_below(2) ? MSGPORT_F_SYNC : 0,
				     MSGPORT_WAIT_FOREVER, NULL);
	}
	snprintf(name, sizeof(name), "%s.victim-empty", prefix);
	err = msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_SEND | MSGPORT_O_RECV,
				   &rdv, &mb);
	if (err)
		return 1;
	for (;;) {
		char c;

		msgport_recv(mb, &c, 1, 0, MSGPORT_WAIT_FOREVER, NULL);
	}
}

/* The parent */

static pid_t spawn(int (*fn)(unsigned int), unsigned int id)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror(PROG ": fork");
		exit(1);
	}
	if (pid == 0)
		_exit(fn(id));
	return pid;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [OPTIONS]\n"
		"Stress msgport with many processes, then prove every delivered message was\n"
		"received exactly once, in order per sender and priority, uncorrupted.\n\n"
		"  -p, --procs N       processes: half send, half receive (default %u)\n"
		"  -n, --messages N    messages per sender (default %u)\n"
		"  -m, --mailboxes N   mailboxes, 1..%d (default %u)\n"
		"  -k, --kills N       senders SIGKILLed mid-run (default %u)\n"
		"  -u, --unlinks N     unlinks of the volatile (last) mailbox; 0: none (default %u)\n"
		"  -V, --victims N     extra processes killed while blocked (default %u)\n"
		"  -g, --signals N     SIGUSR1s sent to random workers (default %u)\n"
		"  -z, --max-size N    largest payload in bytes, %u..%d (default %u)\n"
		"  -s, --seed N        random seed (default %lu)\n"
		"      --no-direct     no direct messages to the receivers' inboxes\n"
		"      --no-calls      no calls (requests answered by the receivers)\n"
		"      --no-spans      no region mailboxes, no span messages\n"
		"  -v, --verbose       progress on stderr\n"
		"  -h, --help          this help\n"
		"Exit status: 0 no violation, 1 violation or failure, 2 usage.\n",
		opt.procs, opt.messages, MAX_MAILBOXES, opt.mailboxes, opt.kills, opt.unlinks,
		opt.victims, opt.signals, HDR_SIZE, MSG_MAX, opt.max_size, opt.seed);
}

static unsigned long parse_num(const char *s, const char *what, unsigned long min,
			       unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, PROG ": %s must be a number in %lu..%lu, not '%s'\n", what, min,
			max, s);
		exit(2);
	}
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "procs", required_argument, NULL, 'p' },
		{ "messages", required_argument, NULL, 'n' },
		{ "mailboxes", required_argument, NULL, 'm' },
		{ "kills", required_argument, NULL, 'k' },
		{ "unlinks", required_argument, NULL, 'u' },
		{ "victims", required_argument, NULL, 'V' },
		{ "signals", required_argument, NULL, 'g' },
		{ "max-size", required_argument, NULL, 'z' },
		{ "seed", required_argument, NULL, 's' },
		{ "no-direct", no_argument, NULL, 'D' },
		{ "no-calls", no_argument, NULL, 'C' },
		{ "no-spans", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "p:n:m:k:u:V:g:z:s:vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'p': opt.procs = parse_num(optarg, "--procs", 2, 4096); break;
		case 'n': opt.messages = parse_num(optarg, "--messages", 1, 100000000); break;
		case 'm': opt.mailboxes = parse_num(optarg, "--mailboxes", 1, MAX_MAILBOXES); break;
		case 'k': opt.kills = parse_num(optarg, "--kills", 0, 4096); break;
		case 'u': opt.unlinks = parse_num(optarg, "--unlinks", 0, 1000000); break;
		case 'V': opt.victims = parse_num(optarg, "--victims", 0, 4096); break;
		case 'g': opt.signals = parse_num(optarg, "--signals", 0, 100000000); break;
		case 'z': opt.max_size = parse_num(optarg, "--max-size", HDR_SIZE, MSG_MAX); break;
		case 's': opt.seed = parse_num(optarg, "--seed", 0, ~0UL); break;
		case 'D': opt.direct = false; break;
		case 'C': opt.calls = false; break;
		case 'S': opt.spans = false; break;
		case 'v': opt.verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		exit(2);
	}
	if (opt.unlinks && opt.mailboxes < 2) {
		fprintf(stderr, PROG ": --unlinks needs at least 2 mailboxes\n");
		exit(2);
	}
}

struct tally {
	uint64_t attempted, delivered, delivered_sync, failed, inflight, lost_volatile;
	uint64_t direct, calls, spans, span_alloc_failed, to_regions;
	uint64_t by_err[4];	/* EAGAIN, ETIMEDOUT, EINTR, other expected */
	uint64_t span_reclaimed;	/* spans of killed senders the parent released */
	uint64_t span_orphans;		/* killed senders in msgport_span_alloc() */
	size_t pool_chunks[MAX_SPAN_MB], pool_free[MAX_SPAN_MB], pool_allowance[MAX_SPAN_MB];
};

static void verify(struct tally *t)
{
	for (unsigned int snd = 0; snd < nsenders; snd++) {
		static uint64_t last_kseq[NCHANNELS][MAX_PRIO];

		memset(last_kseq, 0, sizeof(last_kseq));
		for (unsigned int seq = 0; seq < opt.messages; seq++) {
			struct slot *s = slot_of(snd, seq);
			unsigned int rc = atomic_load(&s->received);
			uint8_t st = atomic_load(&s->state);

			if (st == S_NONE) {
				if (rc)
					violation("sender %u seq %u: never sent, received %u times", snd,
						  seq, rc);
				continue;
			}
			t->attempted++;
			t->direct += s->kind == OP_INBOX;
			t->calls += s->kind == OP_CALL;
			t->spans += s->kind == OP_SPAN;
			t->to_regions += is_span_chan(s->mailbox);
			switch (st) {
			case S_FAILED:
				t->failed++;
				t->span_alloc_failed += s->alloc_failed;
				t->by_err[s->err == EAGAIN ? 0 : s->err == ETIMEDOUT ? 1 :
					  s->err == EINTR ? 2 : 3]++;
				/* A call's request may be taken before it gave up. */
				if (rc && !(s->kind == OP_CALL && rc == 1))
					violation("sender %u seq %u: send failed (%s) but received %u times",
						  snd, seq, strerror(s->err), rc);
				break;
			case S_INFLIGHT:
				t->inflight++;
				if (rc > 1)
					violation("sender %u seq %u: in flight when killed, received %u times",
						  snd, seq, rc);
				break;
			case S_DELIVERED:
				t->delivered++;
				t->delivered_sync += s->sync;
				if (rc == 1)
					break;
				if (rc == 0 && is_volatile(s->mailbox) && !s->sync) {
					t->lost_volatile++;
					break;
				}
				violation("sender %u seq %u: %s send to mailbox %u reported delivered, received %u times",
					  snd, seq, s->sync ? "sync" : "async", s->mailbox, rc);
				break;
			}
			if (rc == 1 && !is_volatile(s->mailbox)) {
				uint64_t *last = &last_kseq[s->mailbox][s->prio];

				if (s->kseq <= *last)
					violation("sender %u seq %u: kernel seq %" PRIu64 " not after %" PRIu64
						  " (mailbox %u prio %u)", snd, seq, s->kseq, *last,
						  s->mailbox, s->prio);
				*last = s->kseq;
			}
		}
	}
}

/*
 * After everyone is gone: the spans killed senders held go back to the
 * pools (unless received: then their receiver released them), and every
 * pool must then be free but for what killed allocations may have claimed.
 */
static void check_span_pools(struct msgport_region **regions, const bool *killed,
			     struct tally *t)
{
	size_t *allowance = t->pool_allowance;

	for (unsigned int snd = 0; snd < nsenders; snd++) {
		struct held *hd = &helds[snd];
		uint32_t st = atomic_load(&hd->state);
		struct msgport_span sp = { .offset = hd->offset, .len = hd->len };
		size_t chunk;
		int err;

		if (st == H_NONE)
			continue;
		if (!killed[snd] || hd->spi >= nspans) {
			violation("sender %u ended holding a span (state %u, pool %u, seq %u)", snd,
				  st, hd->spi, hd->seq);
			continue;
		}
		if (st == H_ALLOCATING) {
			chunk = span_mailboxes[hd->spi].chunk_size;
			allowance[hd->spi] += (hd->len + chunk - 1) / chunk;
			t->span_orphans++;
			continue;
		}
		if (atomic_load(&slot_of(snd, hd->seq)->received))
			continue;
		err = msgport_span_release(regions[hd->spi], &sp);
		if (!err)
			t->span_reclaimed++;
		else if (!(err == -EINVAL && st == H_RELEASING))
			violation("killed sender %u's span (pool %u offset %" PRIu64 " len %u, %s): release: %s",
				  snd, hd->spi, hd->offset, hd->len,
				  st == H_HOLDING ? "holding" : "releasing", msgport_strerror(err));
	}
	for (unsigned int i = 0; i < nspans; i++) {
		size_t nchunks = 0, free_chunks = 0;
		int err = msgport_span_pool_stat(regions[i], NULL, &nchunks, &free_chunks);

		if (err) {
			violation("span pool %u: stat: %s", i, msgport_strerror(err));
			continue;
		}
		t->pool_chunks[i] = nchunks;
		t->pool_free[i] = free_chunks;
		if (nchunks - free_chunks > allowance[i])
			violation("span pool %u: %zu chunks still allocated (leaked), killed senders account for at most %zu",
				  i, nchunks - free_chunks, allowance[i]);
	}
}

int main(int argc, char **argv)
{
	struct msgport_region *regions[MAX_SPAN_MB] = { NULL };
	struct msgport *mp;
	pid_t *workers, *victims;
	bool *killed;
	unsigned int nworkers, i, kills_done = 0, unlinks_done = 0, signals_done = 0;
	struct tally t = { 0 };
	size_t shsize, heldsize;
	double start;
	int err, status, failed_children = 0;

	parse_args(argc, argv);
	nsenders = opt.procs / 2;
	nreceivers = opt.procs - nsenders;
	ninboxes = opt.direct ? (nreceivers < MAX_INBOXES ? nreceivers : MAX_INBOXES) : 0;
	nspans = opt.spans ? MAX_SPAN_MB : 0;
	if (opt.kills > nsenders / 2)
		opt.kills = nsenders / 2;
	snprintf(prefix, sizeof(prefix), "stress.%d", (int)getpid());

	shsize = sizeof(*sh) + nsenders * sizeof(pid_t);
	shsize = (shsize + 63) & ~(size_t)63;
	heldsize = (nsenders * sizeof(struct held) + 63) & ~(size_t)63;
	sh = mmap(NULL, shsize + heldsize + (size_t)nsenders * opt.messages * sizeof(struct slot),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror(PROG ": mmap");
		return 1;
	}
	helds = (struct held *)((char *)sh + shsize);
	slots = (struct slot *)((char *)sh + shsize + heldsize);

	err = msgport_open(NULL, &mp);
	if (err) {
		fprintf(stderr, PROG ": cannot open /dev/msgport: %s\n", msgport_strerror(err));
		return 1;
	}
	/* Create them all before anyone runs (the workers open them too). */
	for (i = 0; i < opt.mailboxes; i++) {
		struct msgport_mailbox *mb;

		err = open_mailbox(mp, i, &mb);
		if (err) {
			fprintf(stderr, PROG ": cannot create mailbox %u: %s\n", i,
				msgport_strerror(err));
			return 1;
		}
		msgport_mailbox_close(mb);
	}
	/* The region mailboxes, with their pools; the parent keeps a mapping. */
	for (i = 0; i < nspans; i++) {
		struct msgport_mailbox *mb;

		err = open_span_mailbox(mp, i, &mb);
		if (!err)
			err = msgport_region_map(mb, &regions[i]);
		if (!err)
			err = msgport_span_pool_init(regions[i], span_mailboxes[i].chunk_size);
		if (err) {
			fprintf(stderr, PROG ": cannot create span mailbox %u: %s\n", i,
				msgport_strerror(err));
			return 1;
		}
		msgport_mailbox_close(mb);
	}
	signal(SIGUSR1, SIG_IGN);
	rnd_seed(opt.seed, 0);
	start = now_s();
	nworkers = nsenders + nreceivers;
	workers = calloc(nworkers, sizeof(*workers));
	victims = calloc(opt.victims + 1, sizeof(*victims));
	killed = calloc(nsenders + 1, sizeof(*killed));
	if (!workers || !victims || !killed)
		return 1;
	for (i = 0; i < nreceivers; i++)
		workers[nsenders + i] = spawn(receiver_main, i);
	for (i = 0; i < nsenders; i++)
		workers[i] = spawn(sender_main, i);
	for (i = 0; i < opt.victims; i++)
		victims[i] = spawn(victim_main, i);

	/* Chaos until the senders are done. */
	for (unsigned int alive = nsenders; alive;) {
		pid_t pid;

		sleep_ms(2 + rnd_below(8));
		if (signals_done < opt.signals) {
			for (unsigned int j = 0; j < 4 && signals_done < opt.signals; j++) {
				pid_t w = workers[rnd_below(nworkers)];

				/* 0 is a reaped sender: never kill(0, ...). */
				if (w > 0 && kill(w, SIGUSR1) == 0)
					signals_done++;
			}
		}
		if (unlinks_done < opt.unlinks && rnd_below(8) == 0) {
			char name[96];

			mailbox_name(opt.mailboxes - 1, name, sizeof(name));
			err = msgport_mailbox_unlink(mp, name);
			if (err && err != -ENOENT)
				violation("unlink %s: %s", name, msgport_strerror(err));
			unlinks_done++;
		}
		if (kills_done < opt.kills && rnd_below(16) == 0) {
			/* Only senders: a receiver's receipts are the proof. */
			pid_t victim = workers[rnd_below(nsenders)];

			if (victim > 0 && kill(victim, SIGKILL) == 0)
				kills_done++;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < nsenders; i++) {
				if (workers[i] != pid)
					continue;
				alive--;
				killed[i] = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
				if (!killed[i] &&
				    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
					fprintf(stderr, PROG ": sender %u failed (status %#x)\n", i,
						status);
					failed_children++;
				}
				workers[i] = 0;
			}
			for (i = nsenders; i < nworkers; i++) {
				if (workers[i] == pid) {
					fprintf(stderr, PROG ": receiver %u ended early (status %#x)\n",
						i - nsenders, status);
					failed_children++;
					workers[i] = 0;
				}
			}
		}
		if (opt.verbose && rnd_below(64) == 0)
			fprintf(stderr, PROG ": %.1fs: %u senders left, %" PRIu64 " received\n",
				now_s() - start, alive, atomic_load(&sh->received));
	}
	for (i = 0; i < opt.victims; i++) {
		if (victims[i] > 0)
			kill(victims[i], SIGKILL);
	}
	atomic_store(&sh->senders_done, 1);
	for (i = nsenders; i < nworkers; i++) {
		if (!workers[i])
			continue;
		if (waitpid(workers[i], &status, 0) == workers[i] &&
		    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			fprintf(stderr, PROG ": receiver %u failed (status %#x)\n", i - nsenders,
				status);
			failed_children++;
		}
	}
	while (waitpid(-1, &status, 0) > 0)
		;

	verify(&t);
	check_span_pools(regions, killed, &t);
	for (i = 0; i < opt.mailboxes; i++) {
		char name[96];

		mailbox_name(i, name, sizeof(name));
		msgport_mailbox_unlink(mp, name);
	}
	for (i = 0; i < nspans; i++) {
		char name[96];

		msgport_region_unmap(regions[i]);
		snprintf(name, sizeof(name), "%s.span%u", prefix, i);
		msgport_mailbox_unlink(mp, name);
	}
	{
		char name[96];

		snprintf(name, sizeof(name), "%s.victim-full", prefix);
		msgport_mailbox_unlink(mp, name);
		snprintf(name, sizeof(name), "%s.victim-empty", prefix);
		msgport_mailbox_unlink(mp, name);
		snprintf(name, sizeof(name), "%s.victim-region", prefix);
		msgport_mailbox_unlink(mp, name);
	}
	msgport_close(mp);

	printf("msgport-stress: %u senders x %u messages, %u receivers, %u mailboxes, seed %lu, %.1f s\n",
	       nsenders, opt.messages, nreceivers, opt.mailboxes, opt.seed, now_s() - start);
	printf("  sends: %" PRIu64 " attempted, %" PRIu64 " delivered (%" PRIu64 " sync), %" PRIu64
	       " failed (EAGAIN %" PRIu64 ", ETIMEDOUT %" PRIu64 ", EINTR %" PRIu64 ", other %" PRIu64
	       "), %" PRIu64 " in flight at a kill\n",
	       t.attempted, t.delivered, t.delivered_sync, t.failed, t.by_err[0], t.by_err[1],
	       t.by_err[2], t.by_err[3], t.inflight);
	printf("  direct sends to %u inboxes: %" PRIu64 "; calls: %" PRIu64 ", %" PRIu64
	       " answered, %" PRIu64 " answers found the caller gone\n",
	       ninboxes, t.direct, t.calls, atomic_load(&sh->replies),
	       atomic_load(&sh->replies_cancelled));
	if (nspans) {
		printf("  to %u region mailboxes: %" PRIu64 " sends, %" PRIu64 " of them spans (%" PRIu64
		       " failed in span_alloc); receipts: %" PRIu64 " spans by reference, %" PRIu64
		       " copied, %" PRIu64 " released (%" PRIu64 " a step later), %" PRIu64
		       " span peeks, %" PRIu64 " ordinary messages met by span_recv; %" PRIu64
		       " allocations found the pool full\n",
		       nspans, t.to_regions, t.spans, t.span_alloc_failed,
		       atomic_load(&sh->spans_by_ref), atomic_load(&sh->spans_copied),
		       atomic_load(&sh->span_releases), atomic_load(&sh->spans_held),
		       atomic_load(&sh->span_peeks), atomic_load(&sh->span_emsgsize),
		       atomic_load(&sh->span_pool_full));
		printf("  span pools at the end:");
		for (i = 0; i < nspans; i++)
			printf(" %zu/%zu", t.pool_free[i], t.pool_chunks[i]);
		printf(" chunks free; killed senders: %" PRIu64 " spans released by the parent, %"
		       PRIu64 " killed in span_alloc\n", t.span_reclaimed, t.span_orphans);
	}
	printf("  receives: %" PRIu64 " messages, %" PRIu64 " truncated, %" PRIu64 " peeks, %" PRIu64
	       " EMSGSIZE, %" PRIu64 " EINTR, %" PRIu64 " EIDRM, %" PRIu64 " empty/timeouts\n",
	       atomic_load(&sh->received), atomic_load(&sh->truncated), atomic_load(&sh->peeked),
	       atomic_load(&sh->emsgsize), atomic_load(&sh->recv_eintr),
	       atomic_load(&sh->recv_eidrm), atomic_load(&sh->recv_timeouts));
	printf("  chaos: %u signals, %u sender kills, %u unlinks (%" PRIu64
	       " async messages dropped with the volatile mailbox), %u victims, %" PRIu64
	       " reopens\n",
	       signals_done, kills_done, unlinks_done, t.lost_volatile, opt.victims,
	       atomic_load(&sh->reopens));
	if (failed_children)
		violation("%d worker process(es) failed", failed_children);
	printf("msgport-stress: %d violation(s)\n", atomic_load(&sh->violations));
	return atomic_load(&sh->violations) ? 1 : 0;
}
