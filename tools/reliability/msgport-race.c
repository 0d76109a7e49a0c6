// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-race: release paths against blocked calls.
 *
 * Each cycle forks a child that opens (creating) a mailbox, maybe ephemeral,
 * of capacity 0 or 1, and starts --threads threads that block in it: blocking
 * receives, sends to a full mailbox or a rendezvous, synchronous sends,
 * peeks, and calls (MSGPORT_IOC_CALL) that nobody answers.  Every other cycle
 * the mailbox also has a shared region (a name of its own, so that one left
 * behind by an exit or kill always has one): the child maps it, one thread
 * keeps writing the mapping and another sleeps in MSGPORT_IOC_REGION_WAIT
 * (with a short timeout: neither unlink nor close ends a region wait).  The
 * child stops the writer and munmaps at a random moment (before or after the
 * action below, or at the end; exit and kill unmap by themselves).  Once the
 * threads are (probably) asleep the child does one of:
 *   unlink    unlink the name: every sleeper must wake with EIDRM
 *   close     close the descriptor the sleepers use, then unlink
 *   exit      _exit() with the threads asleep (exit releases everything)
 *   kill      wait for the parent's SIGKILL
 *   close+exit
 * while the parent, at a random moment, unlinks the same name too (racing
 * with the child's unlink, the last close of an ephemeral mailbox, and the
 * exit).  A thread's send or receive must end with success (a sender and a
 * receiver met), EIDRM, EBADF (the descriptor was closed before the call
 * began) or EINTR; a call with EIDRM, EBADF, EINTR or ECONNRESET (the last
 * receiving descriptor closed, or a receiver thread took the request and
 * left); a region wait with success, ETIMEDOUT, EBADF or EINTR.  A child
 * that hangs for 10 s is a failure.
 *
 * After the cycles every name is unlinked; the caller checks that msgport's
 * object counters are back to zero and that the module unloads.
 * Options: --cycles N (default 1000), --threads N (default 4), --seed N,
 * --help.  Exit status: 0 ok, 1 a failure, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/msgport.h>

#define PROG		"msgport-race"
#define MAX_THREADS	32
#define NNAMES		4	/* per kind: plain names, then region ones */
#define REGION_SIZE	(2 * 4096)
#define NKINDS		5	/* recv, peek, send, sync send, call */
#define KIND_CALL	4

enum action { A_UNLINK, A_CLOSE, A_EXIT, A_KILL, A_CLOSE_EXIT, NACTIONS };
static const char *const action_names[NACTIONS] = {
	"unlink", "close", "exit", "kill", "close+exit"
};

static struct {
	unsigned int cycles;
	unsigned int threads;
	unsigned long seed;
} opt = { .cycles = 1000, .threads = 4, .seed = 1 };

static int ctl = -1;
static char names[2 * NNAMES][64];
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static unsigned int below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int unlink_name(const char *name)
{
	struct msgport_name n;

	memset(&n, 0, sizeof(n));
	n.name = (uintptr_t)name;
	n.name_len = (uint32_t)strlen(name);
	return ioctl(ctl, MSGPORT_IOC_UNLINK, &n);
}

/* The child */

struct worker {
	pthread_t tid;
	int fd;
	unsigned int kind;
	int result;		/* 0 or errno */
};

/* The region's threads: one writes the mapping, one waits on a word of it. */
struct region_user {
	pthread_t writer, waiter;
	int fd;
	volatile uint32_t *map;
	volatile int stop;
	unsigned long writes;
	int wait_result;	/* 0 or errno */
};

static void *region_writer(void *arg)
{
	struct region_user *ru = arg;

	while (!ru->stop) {
		/* Word 0 is waited on and stays 0; touch both pages elsewhere. */
		ru->map[1 + (ru->writes & 7)] = (uint32_t)ru->writes;
		ru->map[4096 / 4 + (ru->writes & 7)] = (uint32_t)ru->writes;
		ru->writes++;
	}
	return NULL;
}

static void *region_waiter(void *arg)
{
	struct region_user *ru = arg;
	struct msgport_region_wait rw;

	memset(&rw, 0, sizeof(rw));
	rw.offset = 0;
	rw.value = 0;
	rw.flags = MSGPORT_F_TIMEOUT;
	rw.timeout_ns = 20 * 1000 * 1000;
	ru->wait_result = ioctl(ru->fd, MSGPORT_IOC_REGION_WAIT, &rw) < 0 ? errno : 0;
	return NULL;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char buf[64] = "race";
	long ret;

	if (w->kind == KIND_CALL) {
		struct msgport_call c;
		char reply[64];

		memset(&c, 0, sizeof(c));
		c.buf = (uintptr_t)buf;
		c.len = 4;
		c.reply_buf = (uintptr_t)reply;
		c.reply_len = sizeof(reply);
		ret = ioctl(w->fd, MSGPORT_IOC_CALL, &c);
	} else if (w->kind < 2) {
		struct msgport_recv r;

		memset(&r, 0, sizeof(r));
		r.buf = (uintptr_t)buf;
		r.buf_len = sizeof(buf);
		r.flags = w->kind == 1 ? MSGPORT_F_PEEK : 0;
		ret = ioctl(w->fd, MSGPORT_IOC_RECV, &r);
	} else {
		struct msgport_send s;

		memset(&s, 0, sizeof(s));
		s.buf = (uintptr_t)buf;
		s.len = 4;
		s.flags = w->kind == 3 ? MSGPORT_F_SYNC : 0;
		ret = ioctl(w->fd, MSGPORT_IOC_SEND, &s);
	}
	w->result = ret < 0 ? errno : 0;
	return NULL;
}

static bool allowed(unsigned int kind, int result)
{
	switch (result) {
	case 0:
		return kind != KIND_CALL;	/* nobody ever replies */
	case EIDRM: case EBADF: case EINTR:
		return true;
	case ECONNRESET:
		return kind == KIND_CALL;
	default:
		return false;
	}
}

static int region_start(unsigned int cycle, struct region_user *ru, int fd)
{
	void *map;

	memset(ru, 0, sizeof(*ru));
	ru->fd = fd;
	ru->wait_result = -1;
	map = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, PROG ": cycle %u: mmap region: %s\n", cycle, strerror(errno));
		return 1;
	}
	ru->map = map;
	if (pthread_create(&ru->writer, NULL, region_writer, ru) ||
	    pthread_create(&ru->waiter, NULL, region_waiter, ru)) {
		fprintf(stderr, PROG ": pthread_create failed\n");
		return 1;
	}
	return 0;
}

/* Stop the writer (it must not touch an unmapped page) and unmap. */
static int region_unmap(unsigned int cycle, struct region_user *ru)
{
	if (!ru->map)
		return 0;
	ru->stop = 1;
	pthread_join(ru->writer, NULL);
	if (munmap((void *)ru->map, REGION_SIZE)) {
		fprintf(stderr, PROG ": cycle %u: munmap: %s\n", cycle, strerror(errno));
		return 1;
	}
	ru->map = NULL;
	return 0;
}

static int child_main(unsigned int cycle, const char *name, enum action act, bool region)
{
	struct worker w[MAX_THREADS];
	struct region_user ru = { .map = NULL };
	struct msgport_open o;
	unsigned int unmap_when = below(3);	/* 0 before the action, 1 after, 2 at the end */
	int fd, bad = 0;

	memset(&o, 0, sizeof(o));
	o.name = (uintptr_t)name;
	o.name_len = (uint32_t)strlen(name);
	o.flags = MSGPORT_O_CREAT | MSGPORT_O_RECV | MSGPORT_O_SEND | MSGPORT_O_CLOEXEC;
	if (below(3) == 0)
		o.flags |= MSGPORT_O_EPHEMERAL;
	o.mode = 0600;
	o.capacity = below(2);
	o.max_msg_size = 64;
	o.region_size = region ? REGION_SIZE : 0;
	fd = ioctl(ctl, MSGPORT_IOC_OPEN, &o);
	if (fd < 0) {
		/* The parent may have unlinked a dying one: EIDRM-free retry. */
		fprintf(stderr, PROG ": cycle %u: open %s: %s\n", cycle, name, strerror(errno));
		return 1;
	}
	for (unsigned int i = 0; i < opt.threads; i++) {
		w[i].fd = fd;
		w[i].kind = below(NKINDS);
		w[i].result = -1;
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i])) {
			fprintf(stderr, PROG ": pthread_create failed\n");
			return 1;
		}
	}
	if (region && region_start(cycle, &ru, fd))
		return 1;
	sleep_us(below(2000));
	if (region && unmap_when == 0)
		bad |= region_unmap(cycle, &ru);
	switch (act) {
	case A_EXIT:
		_exit(0);
	case A_KILL:
		for (;;)
			pause();
	case A_CLOSE_EXIT:
		close(fd);
		_exit(0);
	case A_CLOSE:
		close(fd);
		/* fall through */
	case A_UNLINK:
		if (unlink_name(name) && errno != ENOENT) {
			fprintf(stderr, PROG ": cycle %u: unlink: %s\n", cycle, strerror(errno));
			bad = 1;
		}
		break;
	default:
		break;
	}
	if (region && unmap_when == 1)
		bad |= region_unmap(cycle, &ru);
	for (unsigned int i = 0; i < opt.threads; i++) {
		pthread_join(w[i].tid, NULL);
		if (!allowed(w[i].kind, w[i].result)) {
			fprintf(stderr, PROG ": cycle %u (%s): thread %u (kind %u): %s\n", cycle,
				action_names[act], i, w[i].kind,
				w[i].result < 0 ? "did not finish" : strerror(w[i].result));
			bad = 1;
		}
	}
	if (region) {
		pthread_join(ru.waiter, NULL);
		switch (ru.wait_result) {
		case 0: case ETIMEDOUT: case EBADF: case EINTR:
			break;
		default:
			fprintf(stderr, PROG ": cycle %u (%s): region wait: %s\n", cycle,
				action_names[act], strerror(ru.wait_result));
			bad = 1;
		}
		/* Unlinked and closed: this munmap may be the one that frees the pages. */
		bad |= region_unmap(cycle, &ru);
	}
	return bad;
}

/* The parent */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--cycles N] [--threads N] [--seed N]\n"
		"Race close, munmap, unlink and exit against blocked sends, receives,\n"
		"calls and region waits.\n\n"
		"  -c, --cycles N   cycles (default %u)\n"
		"  -t, --threads N  blocked threads per cycle, 1..%d (default %u)\n"
		"  -s, --seed N     random seed (default %lu)\n"
		"  -h, --help       this help\n"
		"Exit status: 0 ok, 1 a failure, 2 usage.\n",
		opt.cycles, MAX_THREADS, opt.threads, opt.seed);
}

static unsigned long num(const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, PROG ": bad number '%s' (%lu..%lu)\n", s, min, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "cycles", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned int counts[NACTIONS] = { 0 }, failures = 0, parent_unlinks = 0, regions = 0;
	int c;

	while ((c = getopt_long(argc, argv, "c:t:s:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': opt.cycles = (unsigned int)num(optarg, 1, 100000000); break;
		case 't': opt.threads = (unsigned int)num(optarg, 1, MAX_THREADS); break;
		case 's': opt.seed = num(optarg, 0, ~0UL); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	ctl = open(MSGPORT_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		fprintf(stderr, PROG ": " MSGPORT_DEVICE_PATH ": %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < NNAMES; i++) {
		snprintf(names[i], sizeof(names[i]), "race.%d.%d", (int)getpid(), i);
		snprintf(names[NNAMES + i], sizeof(names[i]), "race.%d.r%d", (int)getpid(), i);
	}
	rng = opt.seed * 0x9e3779b97f4a7c15ULL + 1;

	for (unsigned int cycle = 0; cycle < opt.cycles; cycle++) {
		bool region = cycle & 1;
		const char *name = names[(region ? NNAMES : 0) + below(NNAMES)];
		enum action act = (enum action)below(NACTIONS);
		unsigned int waited_ms = 0;
		int status = 0;
		pid_t pid, r;

		counts[act]++;
		regions += region;
		pid = fork();
		if (pid < 0) {
			perror(PROG ": fork");
			return 1;
		}
		if (pid == 0) {
			rng ^= (uint64_t)cycle * 0x5bd1e995ULL;
			_exit(child_main(cycle, name, act, region));
		}
		sleep_us(below(2500));
		if (below(3) == 0 && unlink_name(name) == 0)
			parent_unlinks++;
		if (act == A_KILL)
			kill(pid, SIGKILL);
		while ((r = waitpid(pid, &status, WNOHANG)) == 0) {
			if (waited_ms >= 10000) {
				fprintf(stderr, PROG ": FAIL: cycle %u (%s): child hangs; killing it\n",
					cycle, action_names[act]);
				/* Wake the sleepers so that the child can go. */
				unlink_name(name);
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				failures++;
				break;
			}
			sleep_us(1000);
			waited_ms++;
		}
		if (r == pid && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
				  act == A_KILL) &&
		    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			fprintf(stderr, PROG ": FAIL: cycle %u (%s): child status %#x\n", cycle,
				action_names[act], status);
			failures++;
		}
		/* A kill or exit left a non-ephemeral mailbox behind: fine, reused. */
	}
	for (int i = 0; i < 2 * NNAMES; i++)
		unlink_name(names[i]);
	close(ctl);

	printf(PROG ": %u cycles x %u threads:", opt.cycles, opt.threads);
	for (int i = 0; i < NACTIONS; i++)
		printf(" %s %u%s", action_names[i], counts[i], i + 1 < NACTIONS ? "," : "");
	printf("; %u with a region; %u unlinks by the parent; %u failure(s)\n", regions,
	       parent_unlinks, failures);
	return failures ? 1 : 0;
}
