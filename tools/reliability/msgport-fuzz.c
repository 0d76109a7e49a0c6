// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-fuzz: seeded random system calls against msgport.
 *
 * --procs processes (default 4) each run --count/--procs steps of a random
 * sequence drawn from a PRNG seeded with (--seed, process number), so a
 * sequence is reproducible (the interleaving of the processes is not).  A
 * step is one of:
 *   open(2) of /dev/msgport; ioctl(2) of a known command with a mostly valid
 *   struct and 0-3 fields mutated (random and boundary values, reserved
 *   fields, unknown flag bits, bad or read-only or straddling pointers, huge
 *   sizes; a batch gets an array of such structs, each maybe mutated, and
 *   random counts and array pointers), of a known command with an entirely
 *   random struct or a bad argument pointer, or of a random command; read(2)/write(2) of random
 *   sizes and pointers; poll(2); mmap(2)/munmap(2); close(2); dup(2); a
 *   forked child that does a few steps with the inherited descriptors and
 *   exits or is killed.
 * Descriptors: /dev/msgport, mailboxes opened by name from a small shared
 * set of names (so the processes open, send to and unlink the same
 * mailboxes), anonymous mailboxes (MSGPORT_O_ANON, with one end or both)
 * and MSGPORT_IOC_DUP's reduced copies, and stale numbers.  A periodic SIGALRM (no SA_RESTART)
 * interrupts any call that blocks, so nothing hangs.
 *
 * Every failing call must fail with an errno msgport documents (see
 * allowed_errno()); anything else, a crash of a fuzzing process, or a
 * device that no longer works afterwards (a final open/create/send/recv/
 * unlink round trip) fails the run, and the seed is printed.  Kernel reports
 * are judged by whoever runs this (tests/vm/run on the debug kernel).
 *
 * Exit status: 0 survived with only documented errors, 1 failure, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/msgport.h>

#define PROG		"msgport-fuzz"
#define MAX_FDS		24
#define NNAMES		6
#define ARGBUF		512
#define DATABUF		(64 * 1024)

static struct {
	unsigned long seed;
	unsigned long count;
	unsigned int procs;
	bool verbose;
} opt = { .seed = 1, .count = 10000, .procs = 4 };

static uint64_t rng;
static char names[NNAMES][64];
static long page;

/* Memory the calls point into. */
static unsigned char *scratch;		/* DATABUF, read-write */
static unsigned char *rdonly;		/* one page, PROT_READ */
static unsigned char *edge;		/* the last bytes before an unmapped page */
static unsigned char *unmapped;		/* an address with nothing mapped */

enum fd_kind { FD_CTL, FD_MAILBOX, FD_OTHER };

static struct {
	int fd;
	enum fd_kind kind;
} fds[MAX_FDS];
static unsigned int nfds;

static int devnull = -1;
static unsigned int me;			/* process number */
static unsigned long step;
static unsigned long calls, failures_ok;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool one_in(unsigned int n)
{
	return below(n) == 0;
}

static _Noreturn void fail(const char *what, int err)
{
	fprintf(stderr, PROG ": FAIL: process %u step %lu: %s: %s (errno %d)\n", me, step, what,
		strerror(err), err);
	fprintf(stderr, PROG ": reproduce with: " PROG " --seed %lu --count %lu --procs %u\n",
		opt.seed, opt.count, opt.procs);
	_exit(1);
}

/* The errors msgport documents (include/uapi/linux/msgport.h), plus what
 * the VFS itself returns for descriptors and memory. */
static bool allowed_errno(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOTTY: case EBADF: case EINTR:
	case EAGAIN: case ETIMEDOUT: case EMSGSIZE: case EIDRM: case ENOENT:
	case EEXIST: case EACCES: case EPERM: case ENAMETOOLONG: case ENOSPC:
	case EDQUOT: case ENOMEM: case EMFILE: case ENFILE: case ERANGE:
	case ENODEV: case ESRCH: case ECONNRESET: case ECONNREFUSED: case EPIPE:
	case ECANCELED: case EFBIG: case EOVERFLOW: case E2BIG: case ETOOMANYREFS:
	case EPROTOTYPE:
		return true;
	default:
		return false;
	}
}

static void check(long ret, const char *what)
{
	calls++;
	if (ret >= 0)
		return;
	if (!allowed_errno(errno))
		fail(what, errno);
	failures_ok++;
}

/* Values */

static uint64_t interesting(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 7, 8, 31, 32, 33, 63, 64, 127, 128, 255, 256, 4095, 4096, 4097,
		65535, 65536, 1 << 20, (4 << 20) + 1, 0x7fffffff, 0x80000000, 0xfffffffe,
		0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		0xffffffffffffffffULL,
	};

	return v[below(sizeof(v) / sizeof(v[0]))];
}

static uint64_t rand_value(void)
{
	switch (below(4)) {
	case 0: return interesting();
	case 1: return below(64);
	case 2: return rnd();
	default: return 1ULL << below(64);
	}
}

/* A user pointer: mostly good, sometimes very bad. */
static uint64_t rand_ptr(size_t len)
{
	switch (below(12)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 0xffff888000000000ULL;		/* kernel memory */
	case 3: return (uintptr_t)unmapped;
	case 4: return (uintptr_t)rdonly;
	case 5: return (uintptr_t)(edge + page - (len ? below(len) + 1 : 1));
	case 6: return rnd();
	default:
		return (uintptr_t)(scratch + below(DATABUF - (len < DATABUF ? len : 0) + 1));
	}
}

/* Huge, but not beyond what a size_t of this ABI holds. */
static size_t len_cap(void)
{
	return sizeof(size_t) > 4 ? (size_t)(UINT64_C(1) << 40) : (size_t)1 << 30;
}

static const char *rand_name(uint32_t *len)
{
	static char buf[300];
	const char *n = names[below(NNAMES)];

	switch (below(10)) {
	case 0:			/* too long, or the longest */
		memset(buf, 'x', sizeof(buf));
		*len = one_in(2) ? 255 : 256 + (uint32_t)below(40);
		return buf;
	case 1:			/* bad characters */
		snprintf(buf, sizeof(buf), "%s%c", n, "/ \t\x7f\x80\xff"[below(6)]);
		*len = (uint32_t)strlen(buf) + (one_in(4) ? 1 : 0);
		return buf;
	case 2:
		*len = 0;
		return n;
	default:
		*len = (uint32_t)strlen(n);
		return n;
	}
}

/* Descriptors */

static int pick_fd(enum fd_kind want)
{
	unsigned int i;

	if (nfds == 0 || one_in(20))
		return one_in(2) ? -1 : 900 + (int)below(100);	/* never opened */
	for (i = 0; i < 4; i++) {
		unsigned int k = (unsigned int)below(nfds);

		if (fds[k].kind == want)
			return fds[k].fd;
	}
	return fds[below(nfds)].fd;
}

static void add_fd(int fd, enum fd_kind kind)
{
	if (fd < 0)
		return;
	if (nfds == MAX_FDS) {
		unsigned int k = (unsigned int)below(nfds);

		close(fds[k].fd);
		fds[k] = fds[--nfds];
	}
	fds[nfds].fd = fd;
	fds[nfds].kind = kind;
	nfds++;
}

static void forget_fd(int fd)
{
	for (unsigned int i = 0; i < nfds; i++) {
		if (fds[i].fd == fd) {
			fds[i] = fds[--nfds];
			return;
		}
	}
}

/* ioctl arguments: a valid-looking struct, then mutations */

static void mutate(void *arg, size_t size)
{
	unsigned char *p = arg;
	unsigned int n = (unsigned int)below(4);

	for (unsigned int i = 0; i < n && size >= 4; i++) {
		size_t off = below(size / 4) * 4;
		uint64_t v = rand_value();

		if (off + 8 <= size && one_in(2))
			memcpy(p + off, &v, 8);
		else
			memcpy(p + off, &v, 4);
	}
}

static void build_open(struct msgport_open *o)
{
	const char *n = rand_name(&o->name_len);

	memcpy(scratch, n, o->name_len < 300 ? o->name_len : 300);
	o->name = (uintptr_t)scratch;
	if (one_in(10))
		o->name = rand_ptr(o->name_len);
	o->flags = (uint32_t)below(MSGPORT_O_ALL + 1) | MSGPORT_O_CLOEXEC;
	if (one_in(3))
		o->flags |= MSGPORT_O_CREAT;
#ifdef MSGPORT_O_ANON
	/* Anonymous: mostly without a name, as it must be. */
	if (one_in(6))
		o->flags |= MSGPORT_O_ANON;
	if ((o->flags & MSGPORT_O_ANON) && !one_in(4)) {
		o->name = 0;
		o->name_len = 0;
		o->flags &= ~(MSGPORT_O_EXCL | MSGPORT_O_EPHEMERAL);
	}
#endif
	o->mode = one_in(8) ? (uint32_t)rand_value() : 0600;
#ifdef MSGPORT_O_TOPIC
	/* A topic's policies, or a subscription's (one bit), or junk. */
	if (one_in(4))
		o->topic = one_in(4) ? (uint32_t)rand_value() : (uint32_t)below(8);
#endif
	o->capacity = one_in(4) ? (uint32_t)rand_value() : (uint32_t)below(8);
	o->max_msg_size = one_in(4) ? (uint32_t)rand_value() : (uint32_t)below(4096);
}

#ifdef MSGPORT_F_RELAY
/* A relayed origin's claim: mostly valid, sometimes reserved0 set or junk. */
static uint64_t rand_relay(void)
{
	static struct msgport_relay relay;

	relay.origin = rand_value();
	relay.seq = rand_value();
	relay.send_time_ns = rand_value();
	relay.pid = (int32_t)rand_value();
	relay.uid = (uint32_t)rand_value();
	relay.gid = (uint32_t)rand_value();
	relay.reserved0 = one_in(8) ? (uint32_t)rand_value() : 0;
	return one_in(8) ? rand_ptr(sizeof(relay)) : (uintptr_t)&relay;
}
#endif

static void build_send(struct msgport_send *s)
{
	s->len = one_in(6) ? (uint32_t)rand_value() : (uint32_t)below(512);
	s->buf = one_in(6) ? rand_ptr(s->len) : (uintptr_t)scratch;
	s->flags = (uint32_t)below(MSGPORT_SEND_FLAGS + 1) & MSGPORT_SEND_FLAGS;
#ifdef MSGPORT_F_RELAY
	if (one_in(4)) {
		s->flags |= MSGPORT_F_RELAY;
		s->relay = rand_relay();
	}
#endif
	s->priority = (uint32_t)below(36);
	s->timeout_ns = below(2000000);
#ifdef MSGPORT_FDS_MAX
	/* Descriptors: this process's own (its mailboxes among them), or junk. */
	if (one_in(5)) {
		static int32_t send_fds[MSGPORT_FDS_MAX + 2];

		s->nfds = one_in(8) ? (uint32_t)rand_value() : 1 + (uint32_t)below(MSGPORT_FDS_MAX + 1);
		for (size_t i = 0; i < sizeof(send_fds) / sizeof(send_fds[0]); i++)
			send_fds[i] = one_in(10) ? (int32_t)rand_value() : (int32_t)below(24);
		s->fds = one_in(8) ? rand_ptr(s->nfds * 4) : (uintptr_t)send_fds;
	}
#endif
}

static void build_recv(struct msgport_recv *r)
{
	r->buf_len = one_in(6) ? (uint32_t)rand_value() : (uint32_t)below(DATABUF);
	r->buf = one_in(6) ? rand_ptr(r->buf_len) : (uintptr_t)scratch;
	r->flags = (uint32_t)below(MSGPORT_RECV_FLAGS + 1) & MSGPORT_RECV_FLAGS;
#ifdef MSGPORT_F_LEASE
	/* Leases: mostly with flags a lease takes. */
	if (one_in(3))
		r->flags = MSGPORT_F_LEASE | (one_in(3) ? r->flags :
					      r->flags & (MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT |
							  MSGPORT_F_TRUNC));
#endif
#ifdef MSGPORT_F_NOINFO
	/* Not half of all receives: refused in batches, spans and leases. */
	if (!one_in(8))
		r->flags &= ~MSGPORT_F_NOINFO;
#endif
	r->timeout_ns = below(2000000);
#ifdef MSGPORT_FDS_MAX
	if (r->flags & MSGPORT_F_FDS) {
		static int32_t recv_fds[MSGPORT_FDS_MAX];

		r->nfds = one_in(8) ? (uint32_t)rand_value() : (uint32_t)below(MSGPORT_FDS_MAX + 1);
		r->fds = one_in(8) ? rand_ptr(r->nfds * 4) : (uintptr_t)recv_fds;
	}
#endif
}

#ifdef MSGPORT_IOC_SEND_BATCH
/*
 * A batch's array lives in the upper half of scratch (the payloads and
 * receive buffers of its entries point into scratch too, so a receive may
 * overwrite entries not yet taken: the kernel must copy each entry once).
 * Counts: mostly a few, sometimes around MSGPORT_BATCH_MAX or any value, so
 * the walk also runs off the array into the read-only and unmapped pages.
 */
static void build_batch(struct msgport_batch *b, bool recv)
{
	size_t esz = recv ? sizeof(struct msgport_recv) : sizeof(struct msgport_send);
	unsigned char *area = scratch + DATABUF / 2;
	size_t room = (DATABUF / 2) / esz, n;

	switch (below(8)) {
	case 0:
		b->count = (uint32_t)rand_value();
		break;
	case 1:
		b->count = MSGPORT_BATCH_MAX - 1 + (uint32_t)below(3);
		break;
	default:
		b->count = 1 + (uint32_t)below(8);
		break;
	}
	n = b->count < room ? b->count : room;
	memset(area, 0, n * esz);
	for (size_t i = 0; i < n; i++) {
		void *e = area + i * esz;

		if (recv)
			build_recv(e);
		else
			build_send(e);
		if (one_in(4))
			mutate(e, esz);
	}
	b->msgs = (uintptr_t)area;
	if (one_in(8))
		b->msgs = rand_ptr(n * esz);
	else if (one_in(10))	/* the array's end in the read-only page */
		b->msgs = (uintptr_t)(scratch + DATABUF - esz * (1 + below(n)) + esz / 2);
}

static bool is_batch(unsigned long nr)
{
	return nr == MSGPORT_IOC_SEND_BATCH || nr == MSGPORT_IOC_RECV_BATCH;
}
#endif

struct cmd {
	unsigned long nr;
	const char *name;
	enum fd_kind on;
};

static const struct cmd cmds[] = {
	{ MSGPORT_IOC_VERSION, "VERSION", FD_CTL },
	{ MSGPORT_IOC_OPEN, "OPEN", FD_CTL },
	{ MSGPORT_IOC_UNLINK, "UNLINK", FD_CTL },
	{ MSGPORT_IOC_SEND, "SEND", FD_MAILBOX },
	{ MSGPORT_IOC_RECV, "RECV", FD_MAILBOX },
	{ MSGPORT_IOC_STAT, "STAT", FD_MAILBOX },
	{ MSGPORT_IOC_SET_MODE, "SET_MODE", FD_MAILBOX },
#ifdef MSGPORT_IOC_INBOX
	{ MSGPORT_IOC_INBOX, "INBOX", FD_CTL },
#endif
#ifdef MSGPORT_IOC_SEND_PID
	{ MSGPORT_IOC_SEND_PID, "SEND_PID", FD_CTL },
#endif
#ifdef MSGPORT_IOC_CALL_PID
	{ MSGPORT_IOC_CALL_PID, "CALL_PID", FD_CTL },
#endif
#ifdef MSGPORT_IOC_CALL
	{ MSGPORT_IOC_CALL, "CALL", FD_MAILBOX },
#endif
#ifdef MSGPORT_IOC_REPLY
	{ MSGPORT_IOC_REPLY, "REPLY", FD_MAILBOX },
#endif
#ifdef MSGPORT_IOC_REPLY_RECV
	{ MSGPORT_IOC_REPLY_RECV, "REPLY_RECV", FD_MAILBOX },
#endif
#ifdef MSGPORT_IOC_SEND_BATCH
	{ MSGPORT_IOC_SEND_BATCH, "SEND_BATCH", FD_MAILBOX },
	{ MSGPORT_IOC_RECV_BATCH, "RECV_BATCH", FD_MAILBOX },
#endif
#ifdef MSGPORT_IOC_DUP
	{ MSGPORT_IOC_DUP, "DUP", FD_MAILBOX },
#endif
#ifdef MSGPORT_IOC_COMMIT
	{ MSGPORT_IOC_COMMIT, "COMMIT", FD_MAILBOX },
	{ MSGPORT_IOC_COMMIT, "COMMIT", FD_MAILBOX },
	{ MSGPORT_IOC_RECV_V1, "RECV_V1", FD_MAILBOX },
	{ MSGPORT_IOC_CALL_V1, "CALL_V1", FD_MAILBOX },
	{ MSGPORT_IOC_REPLY_RECV_V1, "REPLY_RECV_V1", FD_MAILBOX },
#endif
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static void do_ioctl(void)
{
	static unsigned char argbuf[ARGBUF] __attribute__((aligned(8)));
	const struct cmd *c = &cmds[below(NCMDS)];
	unsigned long nr = c->nr;
	size_t size = _IOC_SIZE(nr);
	unsigned long arg = (uintptr_t)argbuf;
	char what[64];
	int fd = pick_fd(c->on);
	bool random_nr = false;
	long ret;

	memset(argbuf, 0, sizeof(argbuf));
	switch (below(10)) {
	case 0:			/* a random command number, or a known one at another size */
		if (one_in(3)) {
			size_t grown = size + 8 * below(8);
			size_t cut = one_in(4) ? below(9) : 0;

			nr = _IOC(_IOC_DIR(nr), MSGPORT_IOC_MAGIC, _IOC_NR(nr),
				  grown > cut ? grown - cut : 0);
		} else {
			nr = one_in(2) ? (unsigned long)rnd() :
				_IOC(below(4), MSGPORT_IOC_MAGIC, below(0x40), below(ARGBUF));
			random_nr = true;
		}
		for (size_t i = 0; i < ARGBUF; i += 8) {
			uint64_t v = rand_value();

			memcpy(argbuf + i, &v, 8);
		}
		/* Half the time a newer program's zeroed tail, which is served. */
		if (_IOC_SIZE(nr) > size && _IOC_SIZE(nr) <= ARGBUF && one_in(2))
			memset(argbuf + size, 0, _IOC_SIZE(nr) - size);
		break;
	case 1:			/* a bad argument pointer */
		arg = (unsigned long)rand_ptr(size);
		break;
	case 2:			/* all fields random */
		for (size_t i = 0; i < size; i += 8) {
			uint64_t v = one_in(3) ? (uintptr_t)scratch : rand_value();

			memcpy(argbuf + i, &v, 8);
		}
		break;
	default:		/* valid-looking, then mutated */
		if (nr == MSGPORT_IOC_OPEN)
			build_open((struct msgport_open *)argbuf);
		else if (nr == MSGPORT_IOC_UNLINK) {
			struct msgport_name *n = (struct msgport_name *)argbuf;
			const char *s = rand_name(&n->name_len);

			memcpy(scratch, s, n->name_len < 300 ? n->name_len : 300);
			n->name = (uintptr_t)scratch;
		} else if (nr == MSGPORT_IOC_SEND) {
			build_send((struct msgport_send *)argbuf);
		} else if (nr == MSGPORT_IOC_RECV) {
			build_recv((struct msgport_recv *)argbuf);
#ifdef MSGPORT_IOC_COMMIT
		} else if (nr == MSGPORT_IOC_RECV_V1) {
			build_recv((struct msgport_recv *)argbuf);
		} else if (nr == MSGPORT_IOC_COMMIT) {
			struct msgport_commit *cm = (struct msgport_commit *)argbuf;

			/* The low numbers a mailbox's messages have. */
			cm->seq = below(64);
			cm->flags = (uint32_t)below(2) * MSGPORT_COMMIT_RETURN;
#ifdef MSGPORT_COMMIT_REFUSE
			/* A refusal, mostly with a good errno, now and then a bad one. */
			if (one_in(3)) {
				cm->flags |= MSGPORT_COMMIT_REFUSE;
				cm->error = one_in(8) ? (uint32_t)below(1024) : 1 + (uint32_t)below(133);
			}
#endif
		} else if (nr == MSGPORT_IOC_REPLY) {
			struct msgport_reply *rp = (struct msgport_reply *)argbuf;

			rp->token = below(256);
			rp->buf = (uintptr_t)scratch;
			rp->len = (uint32_t)below(64);
			if (one_in(3)) {
				rp->flags = MSGPORT_REPLY_ERROR;
				rp->buf = 0;
				rp->len = (uint32_t)below(4200);
			} else if (one_in(3)) {
				rp->flags = MSGPORT_F_RELAY;
				rp->relay = rand_relay();
			}
#endif
		} else if (nr == MSGPORT_IOC_SET_MODE) {
			((struct msgport_setmode *)argbuf)->mode = 0600 | (uint32_t)below(0100);
#ifdef MSGPORT_IOC_SEND_BATCH
		} else if (is_batch(nr)) {
			build_batch((struct msgport_batch *)argbuf, nr == MSGPORT_IOC_RECV_BATCH);
#endif
#ifdef MSGPORT_IOC_DUP
		} else if (nr == MSGPORT_IOC_DUP) {
			struct msgport_dup *d = (struct msgport_dup *)argbuf;

			d->access = (uint32_t)below(4);
			d->flags = MSGPORT_O_CLOEXEC | (one_in(2) ? MSGPORT_O_NONBLOCK : 0);
#endif
		} else {
			/* Commands this fuzzer has no builder for: pointers and sizes. */
			for (size_t i = 0; i + 8 <= size; i += 8) {
				uint64_t v = one_in(2) ? (uintptr_t)scratch : below(256);

				memcpy(argbuf + i, &v, 8);
			}
		}
		if (!one_in(3))
			mutate(argbuf, size);
		break;
	}
	snprintf(what, sizeof(what), "ioctl(%s %#lx)", c->name, nr);
	ret = ioctl(fd, nr, arg);
#ifdef MSGPORT_REPLY_ERROR
	/* A call answered with MSGPORT_REPLY_ERROR fails with any errno below 4096. */
	if (ret < 0 && errno > 0 && errno < 4096 && !random_nr &&
	    (_IOC_NR(nr) == _IOC_NR(MSGPORT_IOC_CALL) ||
	     _IOC_NR(nr) == _IOC_NR(MSGPORT_IOC_CALL_PID)))
		errno = EINVAL;
#endif
	/* E2BIG only for a struct larger than the module's (or a batch entry). */
	if (ret < 0 && errno == E2BIG && !random_nr && _IOC_SIZE(nr) <= size
#ifdef MSGPORT_IOC_SEND_BATCH
	    && !is_batch(c->nr)
#endif
	    )
		fail(what, errno);
#ifdef MSGPORT_FDS_MAX
	/* Descriptors received: closed, so the fuzzer's own do not run out. */
	if (ret >= 0 && _IOC_NR(nr) == _IOC_NR(MSGPORT_IOC_RECV) &&
	    (((struct msgport_recv *)argbuf)->flags & MSGPORT_F_FDS)) {
		const struct msgport_recv *r = (const struct msgport_recv *)argbuf;
		const int32_t *got = (const int32_t *)(uintptr_t)r->fds;

		for (uint32_t i = 0; i < r->nfds && i < MSGPORT_FDS_MAX; i++)
			if (got[i] > 2)
				close(got[i]);
	}
#endif
	check(ret, what);
	if (ret >= 0 && (nr == MSGPORT_IOC_OPEN
#ifdef MSGPORT_IOC_INBOX
			 || nr == MSGPORT_IOC_INBOX
#endif
#ifdef MSGPORT_IOC_DUP
			 || nr == MSGPORT_IOC_DUP
#endif
		))
		add_fd((int)ret, FD_MAILBOX);
}

static void do_open(void)
{
	int flags = O_CLOEXEC | (one_in(2) ? O_RDWR : one_in(2) ? O_RDONLY : O_WRONLY);
	int fd;

	if (one_in(2))
		flags |= O_NONBLOCK;
	fd = open(MSGPORT_DEVICE_PATH, flags);
	check(fd, "open(" MSGPORT_DEVICE_PATH ")");
	add_fd(fd, FD_CTL);
}

/* Open (creating) a mailbox with sane attributes: keeps the calls deep. */
static void do_mailbox(void)
{
	struct msgport_open o;
	int ctl = pick_fd(FD_CTL);
	long ret;

	memset(&o, 0, sizeof(o));
	o.name = (uintptr_t)names[below(NNAMES)];
	o.name_len = (uint32_t)strlen((const char *)(uintptr_t)o.name);
	o.flags = MSGPORT_O_CREAT | MSGPORT_O_RECV | MSGPORT_O_SEND | MSGPORT_O_CLOEXEC;
	if (one_in(3))
		o.flags |= MSGPORT_O_NONBLOCK;
	if (one_in(4))
		o.flags |= MSGPORT_O_EPHEMERAL;
#ifdef MSGPORT_O_ANON
	/* An anonymous one, with one end or both. */
	if (one_in(4)) {
		o.name = 0;
		o.name_len = 0;
		o.flags &= ~(MSGPORT_O_CREAT | MSGPORT_O_EPHEMERAL);
		o.flags |= MSGPORT_O_ANON;
		if (one_in(4))
			o.flags &= ~(one_in(2) ? MSGPORT_O_RECV : MSGPORT_O_SEND);
	}
#endif
	o.mode = 0600;
	o.capacity = (uint32_t)below(4);
	ret = ioctl(ctl, MSGPORT_IOC_OPEN, &o);
	check(ret, "ioctl(OPEN, sane)");
	add_fd((int)ret, FD_MAILBOX);
}

static void do_rw(void)
{
	int fd = pick_fd(FD_MAILBOX);
	size_t len = one_in(5) ? (size_t)rand_value() : below(1024);
	void *p = one_in(5) ? (void *)(uintptr_t)rand_ptr(len) : scratch;
	long ret;

	if (len > len_cap())
		len = len_cap();
	if (one_in(2)) {
		ret = read(fd, p, len);
		check(ret, "read");
	} else {
		ret = write(fd, p, len);
		check(ret, "write");
	}
}

static void do_poll(void)
{
	struct pollfd p[4];
	unsigned int n = 1 + (unsigned int)below(4);
	long ret;

	for (unsigned int i = 0; i < n; i++) {
		p[i].fd = pick_fd(FD_MAILBOX);
		p[i].events = (short)(one_in(4) ? rnd() : POLLIN | POLLOUT);
		p[i].revents = 0;
	}
	ret = poll(p, n, (int)below(3));
	check(ret, "poll");
}

static void do_mmap(void)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_NONE };
	int fd = pick_fd(FD_MAILBOX);
	size_t len = one_in(4) ? (size_t)rand_value() : (size_t)(1 + below(8)) * (size_t)page;
	off_t off = one_in(4) ? (off_t)(rand_value() & ~(uint64_t)(page - 1)) : 0;
	void *p;

	if (len > len_cap() || !len)
		len = (size_t)page;
	p = mmap(NULL, len, prots[below(4)], one_in(8) ? MAP_PRIVATE : MAP_SHARED, fd, off);
	calls++;
	if (p == MAP_FAILED) {
		if (!allowed_errno(errno))
			fail("mmap", errno);
		failures_ok++;
		return;
	}
	/*
	 * Touch it through the kernel (a fault there is EFAULT, not a signal
	 * that would kill this process): the first and the last page.
	 */
	if (one_in(2) && devnull >= 0) {
		check(write(devnull, p, 1), "write(/dev/null) from the mapping");
		check(write(devnull, (char *)p + len - 1, 1), "write(/dev/null) from the mapping");
	}
	munmap(p, len);
}

static void do_close(void)
{
	int fd;

	if (!nfds)
		return;
	fd = fds[below(nfds)].fd;
	forget_fd(fd);
	check(close(fd), "close");
}

static void do_dup(void)
{
	unsigned int k;
	int fd;

	if (!nfds)
		return;
	k = (unsigned int)below(nfds);
	fd = fcntl(fds[k].fd, F_DUPFD_CLOEXEC, 0);
	check(fd, "dup");
	add_fd(fd, fds[k].kind);
}

static void one_step(void);

static void start_alarm(void)
{
	struct itimerval it = { { 0, 3000 }, { 0, 3000 } };	/* every 3 ms */

	setitimer(ITIMER_REAL, &it, NULL);
}

static void do_fork(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return;
	if (pid == 0) {
		start_alarm();
		rng ^= 0x5bd1e995ULL * (uint64_t)getpid();
		for (int i = 0; i < 16; i++)
			one_step();
		_exit(one_in(2) ? 0 : (kill(getpid(), SIGKILL), 0));
	}
	if (one_in(2))
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)	/* SIGALRM */
			fail("waitpid", errno);
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
		fprintf(stderr, PROG ": forked child died of signal %d (%s)\n", WTERMSIG(status),
			strsignal(WTERMSIG(status)));
		fail("forked child died of a signal", 0);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		_exit(1);	/* it printed why */
}

static void one_step(void)
{
	unsigned int r = (unsigned int)below(100);

	if (r < 40)
		do_ioctl();
	else if (r < 50)
		do_mailbox();
	else if (r < 62)
		do_rw();
	else if (r < 70)
		do_poll();
	else if (r < 76)
		do_mmap();
	else if (r < 84)
		do_close();
	else if (r < 90)
		do_open();
	else if (r < 95)
		do_dup();
	else if (r < 96)
		do_fork();
	else
		do_ioctl();
}

static void on_alarm(int sig)
{
	(void)sig;
}

static int fuzz_main(unsigned int id, unsigned long steps)
{
	struct sigaction sa;

	me = id;
	rng = (opt.seed + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)id << 32 | 0xdeadbeef);
	for (int i = 0; i < 8; i++)
		rnd();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: blocked calls give EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	start_alarm();
	do_open();
	for (step = 0; step < steps; step++)
		one_step();
	if (opt.verbose)
		fprintf(stderr, PROG ": process %u: %lu calls, %lu failed as documented\n", id,
			calls, failures_ok);
	return 0;
}

/* After the storm: does msgport still work? */
static int sanity(void)
{
	char name[64], buf[16];
	struct msgport_open o;
	struct msgport_send s;
	struct msgport_recv r;
	struct msgport_name n;
	int ctl, mb, ok = 0;

	snprintf(name, sizeof(name), "fuzz.%d.sanity", (int)getpid());
	ctl = open(MSGPORT_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -1;
	memset(&o, 0, sizeof(o));
	o.name = (uintptr_t)name;
	o.name_len = (uint32_t)strlen(name);
	o.flags = MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_RECV | MSGPORT_O_SEND;
	o.mode = 0600;
	o.capacity = 4;
	mb = ioctl(ctl, MSGPORT_IOC_OPEN, &o);
	if (mb >= 0) {
		memset(&s, 0, sizeof(s));
		s.buf = (uintptr_t)"alive";
		s.len = 5;
		memset(&r, 0, sizeof(r));
		r.buf = (uintptr_t)buf;
		r.buf_len = sizeof(buf);
		r.flags = MSGPORT_F_NONBLOCK;
		ok = ioctl(mb, MSGPORT_IOC_SEND, &s) == 0 && ioctl(mb, MSGPORT_IOC_RECV, &r) == 5 &&
		     memcmp(buf, "alive", 5) == 0;
		close(mb);
	}
	memset(&n, 0, sizeof(n));
	n.name = (uintptr_t)name;
	n.name_len = (uint32_t)strlen(name);
	if (ioctl(ctl, MSGPORT_IOC_UNLINK, &n) != 0)
		ok = 0;
	close(ctl);
	return ok ? 0 : -1;
}

/*
 * The names in /proc/msgport (first field of each row), as one string of
 * "\n"-terminated lines; NULL if it cannot be read.
 */
static char *mailbox_names(void)
{
	FILE *f = fopen("/proc/msgport", "re");
	char line[1024], *all = NULL;
	size_t len = 0;
	bool header = true;

	if (!f)
		return NULL;
	all = calloc(1, 1);
	while (all && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, " \n");
		char *more;

		if (header) {
			header = false;
			continue;
		}
		more = realloc(all, len + n + 2);
		if (!more) {
			free(all);
			all = NULL;
			break;
		}
		all = more;
		memcpy(all + len, line, n);
		len += n;
		all[len++] = '\n';
		all[len] = '\0';
	}
	fclose(f);
	return all;
}

static bool has_line(const char *all, const char *name, size_t n)
{
	for (const char *p = all; p && *p; p = strchr(p, '\n') + 1) {
		if (strncmp(p, name, n) == 0 && p[n] == '\n')
			return true;
	}
	return false;
}

/*
 * Unlink what the run created: its own names, and any mailbox that did not
 * exist before it (mutated names can be anything printable).
 */
static void cleanup_names(const char *before)
{
	int ctl = open(MSGPORT_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	char *after;

	if (ctl < 0)
		return;
	for (int i = 0; i < NNAMES; i++) {
		struct msgport_name n = { .name = (uintptr_t)names[i],
					  .name_len = (uint32_t)strlen(names[i]) };

		ioctl(ctl, MSGPORT_IOC_UNLINK, &n);
	}
	after = mailbox_names();
	for (const char *p = after; before && p && *p; p = strchr(p, '\n') + 1) {
		size_t n = strcspn(p, "\n");
		struct msgport_name nm = { .name = (uintptr_t)p, .name_len = (uint32_t)n };

		if (!has_line(before, p, n) && ioctl(ctl, MSGPORT_IOC_UNLINK, &nm) && opt.verbose)
			fprintf(stderr, PROG ": cleanup: unlink %.*s: %s\n", (int)n, p,
				strerror(errno));
	}
	free(after);
	close(ctl);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--seed S] [--count N] [--procs P] [--verbose]\n"
		"Seeded random open/ioctl/read/write/poll/mmap/close sequences on /dev/msgport\n"
		"and mailbox descriptors from several processes.\n\n"
		"  -s, --seed S     PRNG seed (default %lu); a failure prints it\n"
		"  -n, --count N    system-call steps in all (default %lu)\n"
		"  -p, --procs P    fuzzing processes (default %u)\n"
		"  -v, --verbose    per-process counts\n"
		"  -h, --help       this help\n"
		"Exit status: 0 survived with only documented errors, 1 failure, 2 usage.\n",
		opt.seed, opt.count, opt.procs);
}

static unsigned long parse_num(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, PROG ": %s must be a number up to %lu, not '%s'\n", what, max, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "procs", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *before;
	pid_t *pids;
	int c, status, failed = 0;

	while ((c = getopt_long(argc, argv, "s:n:p:vh", lopts, NULL)) != -1) {
		switch (c) {
		case 's': opt.seed = parse_num(optarg, "--seed", ~0UL); break;
		case 'n': opt.count = parse_num(optarg, "--count", ~0UL); break;
		case 'p': opt.procs = (unsigned int)parse_num(optarg, "--procs", 256); break;
		case 'v': opt.verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || opt.procs == 0) {
		usage(stderr);
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	for (int i = 0; i < NNAMES; i++)
		snprintf(names[i], sizeof(names[i]), "fuzz.%d.%d", (int)getpid(), i);
	scratch = mmap(NULL, DATABUF + 4 * (size_t)page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED) {
		perror(PROG ": mmap");
		return 1;
	}
	/* [scratch: DATABUF][rdonly][edge][unmapped] */
	rdonly = scratch + DATABUF;
	edge = rdonly + page;
	unmapped = edge + page;
	mprotect(rdonly, (size_t)page, PROT_READ);
	munmap(unmapped, 2 * (size_t)page);
	for (size_t i = 0; i < DATABUF; i++)
		scratch[i] = (unsigned char)i;
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (access(MSGPORT_DEVICE_PATH, R_OK | W_OK)) {
		fprintf(stderr, PROG ": " MSGPORT_DEVICE_PATH ": %s (is msgport loaded?)\n",
			strerror(errno));
		return 1;
	}

	before = mailbox_names();
	pids = calloc(opt.procs, sizeof(*pids));
	if (!pids)
		return 1;
	for (unsigned int i = 0; i < opt.procs; i++) {
		unsigned long steps = opt.count / opt.procs + (i < opt.count % opt.procs);

		pids[i] = fork();
		if (pids[i] < 0) {
			perror(PROG ": fork");
			return 1;
		}
		if (pids[i] == 0)
			_exit(fuzz_main(i, steps));
	}
	for (unsigned int i = 0; i < opt.procs; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i])
			continue;
		if (WIFSIGNALED(status)) {
			fprintf(stderr, PROG ": FAIL: process %u died of signal %d (seed %lu)\n", i,
				WTERMSIG(status), opt.seed);
			failed = 1;
		} else if (WEXITSTATUS(status)) {
			failed = 1;
		}
	}
	cleanup_names(before);
	free(before);
	if (sanity()) {
		fprintf(stderr, PROG ": FAIL: msgport no longer works after fuzzing (seed %lu)\n",
			opt.seed);
		failed = 1;
	}
	printf(PROG ": seed %lu, %lu steps in %u processes: %s\n", opt.seed, opt.count, opt.procs,
	       failed ? "FAILED" : "survived, only documented errors");
	return failed;
}
