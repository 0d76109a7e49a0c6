// SPDX-License-Identifier: GPL-2.0
/*
 * msgport-hostile: unprivileged neighbours attack while a victim works.
 *
 * Run as root in the VM (make check-debug runs it under KASAN and lockdep).
 * It lowers the per-user limits (max_user_bytes, max_user_mailboxes), then
 * starts, each as its own user:
 *   victim     uid 1001: round trips through two mailboxes of mode 0600
 *              (a client thread sends a sequence number, a server thread
 *              echoes it): first alone (the idle round trip), then during
 *              the attack; every reply must be the number just sent.
 *   attacker A uid 1002, in the victim's namespaces;
 *   attacker B uid 1003, in user, IPC and pid namespaces of its own (its
 *              root there is nobody outside: no capability of the initial
 *              user namespace may let it past a limit; the victim's names
 *              and pid do not exist in its namespaces).
 * Each attacker tries every exhaustion it can: mailboxes until the per-user
 * count stops it, its inbox and an anonymous mailbox past it, a region of half the byte limit and one of
 * more than the other half, an unbounded mailbox filled with zero-byte
 * messages in maximal batches until the byte limit stops it, descriptors
 * held open (dup(2)'s and send-only MSGPORT_IOC_DUP copies), 32 receivers blocked waiting
 * for a sender that never sends and senders blocked on a full mailbox; and
 * intrusions: opening the victim's mailbox (to receive, to send, to stat),
 * sending to the victim's pid, unlinking its mailbox.  Then it churns until
 * the time is up: takes and resends batches, creates and unlinks mailboxes.
 *
 * Meanwhile root samples <debugfs>/msgport/users and holds.  It fails when
 * an attacker's charge passes max_user_bytes or its mailboxes pass
 * max_user_mailboxes, when a hold of a mailbox lock visited more than
 * HOLD_BOUND entries or a teardown freed more than that between reschedules,
 * when an intrusion succeeded, when the victim lost or reordered a reply, or
 * when anyone hung.  It prints what was tried and the figures: attackers'
 * peak charges against their limits, the victim's worst round trip as a
 * ratio to its idle one (a figure, not a verdict: under TCG the attackers
 * share the victim's two CPUs).
 *
 * Options: --seconds N (the attack, default 20), --help.
 * Exit status: 0 ok, 1 a failure, 2 usage or setup.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmsgport.h"

#define PROG		"msgport-hostile"
#define VICTIM_UID	1001
#define A_UID		1002
#define B_UID		1003
#define USER_BYTES	(1UL << 20)	/* max_user_bytes during the run */
#define USER_MAILBOXES	8		/* max_user_mailboxes during the run */
#define HOLD_BOUND	64		/* entries visited under one lock hold */
#define WAITERS		32		/* blocked receivers per attacker */
#define SENDERS		4		/* blocked senders per attacker */
#define DUPS		256		/* extra descriptors held per attacker */
#define IDLE_TRIPS	200
#define PARAMS		"/sys/module/msgport/parameters/"
#define DBG		"/sys/kernel/debug/msgport/"

/* What the children report, in memory shared with root. */
struct report {
	volatile int victim_ready;	/* idle round trips done */
	volatile int attack_on;		/* set by root: attackers may start */
	volatile int stop;		/* set by root: time is up */
	long trips, bad_trips;
	uint64_t idle_ns, worst_ns;	/* round trips: idle median, worst in attack */
	struct attacker {
		int mailboxes, mailbox_err, inbox_err, filled, fill_err;
		int region_err, dups, waiters, senders, churn;
		int anon_err, rdups;	/* anonymous past the count; MSGPORT_IOC_DUP copies */
		int intrusions;		/* successes: each one a failure */
		char why[160];
	} att[2];
};

static struct report *rep;
static const char *req_name = "hostile-victim-req";
static const char *rep_name = "hostile-victim-rep";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

static int param(const char *name, unsigned long long *old, unsigned long long val)
{
	char path[128], buf[32];
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r+e");
	if (!f)
		return -errno;
	if (old && (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%llu", old) != 1)) {
		fclose(f);
		return -EIO;
	}
	rewind(f);
	fprintf(f, "%llu\n", val);
	return fclose(f) ? -errno : 0;
}

/* The victim */

struct echo {
	struct msgport_mailbox *req, *rep;
};

static void *echo_server(void *arg)
{
	struct echo *e = arg;
	uint64_t v;

	while (msgport_recv(e->req, &v, sizeof(v), 0, MSGPORT_WAIT_FOREVER, NULL) == sizeof(v))
		if (msgport_send(e->rep, &v, sizeof(v), 0, 0, MSGPORT_WAIT_FOREVER, NULL))
			break;
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int victim(struct msgport *mp)
{
	struct msgport_attr attr = { .capacity = 4, .max_msg_size = 8, .mode = 0600 };
	uint64_t seq = 0, v, t, idle[IDLE_TRIPS];
	struct echo e;
	pthread_t th;
	int i;

	if (become(VICTIM_UID) ||
	    msgport_mailbox_open(mp, req_name, MSGPORT_O_CREAT | MSGPORT_O_RECV | MSGPORT_O_SEND,
				 &attr, &e.req) ||
	    msgport_mailbox_open(mp, rep_name, MSGPORT_O_CREAT | MSGPORT_O_RECV | MSGPORT_O_SEND,
				 &attr, &e.rep) ||
	    pthread_create(&th, NULL, echo_server, &e))
		return 2;
	for (i = 0; !rep->stop; i++) {
		seq++;
		t = now_ns();
		if (msgport_send(e.req, &seq, sizeof(seq), 0, 0, 10000000000LL, NULL) ||
		    msgport_recv(e.rep, &v, sizeof(v), 0, 10000000000LL, NULL) != sizeof(v) ||
		    v != seq) {
			rep->bad_trips++;
			break;
		}
		t = now_ns() - t;
		if (i < IDLE_TRIPS) {
			idle[i] = t;
			if (i == IDLE_TRIPS - 1) {
				qsort(idle, IDLE_TRIPS, sizeof(idle[0]), cmp_u64);
				rep->idle_ns = idle[IDLE_TRIPS / 2];
				rep->victim_ready = 1;
			}
		} else if (rep->attack_on && t > rep->worst_ns) {
			rep->worst_ns = t;
		}
		rep->trips++;
	}
	return rep->bad_trips ? 1 : 0;
}

/* An attacker */

struct blocked {
	struct msgport_mailbox *mb;
	pid_t from;		/* > 0: a receive filtered on it; else a send */
};

static void *block(void *arg)
{
	struct blocked *b = arg;
	char c = 'w';

	while (!rep->stop) {
		if (b->from > 0)
			msgport_recv_from(b->mb, b->from, &c, 1, 0, 200000000LL, NULL);
		else
			msgport_send(b->mb, &c, 1, 0, 0, 200000000LL, NULL);
	}
	return NULL;
}

static void intrude(struct msgport *mp, struct attacker *a, pid_t victim_pid)
{
	/* From its own IPC namespace the victim's names do not exist. */
	int denied = victim_pid > 0 ? -EACCES : -ENOENT;
	static const unsigned int how[] = {
		MSGPORT_O_RECV, MSGPORT_O_SEND, 0,
	};
	struct msgport_mailbox *mb = NULL;
	unsigned int i;

	for (i = 0; i < sizeof(how) / sizeof(how[0]); i++) {
		if (msgport_mailbox_open(mp, req_name, how[i], NULL, &mb) != denied) {
			a->intrusions++;
			snprintf(a->why, sizeof(a->why), "opened the victim's mailbox (flags %#x)",
				 how[i]);
			msgport_mailbox_close(mb);
			mb = NULL;
		}
	}
	/* (From another pid namespace the victim has no pid at all.) */
	if (victim_pid > 0 &&
	    msgport_send_pid(mp, victim_pid, "x", 1, 0, MSGPORT_F_NONBLOCK, 0, NULL) != -EACCES) {
		a->intrusions++;
		snprintf(a->why, sizeof(a->why), "learned or used the victim's inbox state");
	}
	if (msgport_mailbox_unlink(mp, req_name) != (victim_pid > 0 ? -EPERM : -ENOENT)) {
		a->intrusions++;
		snprintf(a->why, sizeof(a->why), "unlinked the victim's mailbox");
	}
}

static int attack(struct msgport *mp, struct attacker *a, uid_t uid, pid_t victim_pid)
{
	static struct msgport_batch_msg batch[MSGPORT_BATCH_MAX];
	struct msgport_attr unb = { .capacity = MSGPORT_CAPACITY_UNBOUNDED, .max_msg_size = 64,
				    .mode = 0600 };
	struct msgport_attr one = { .capacity = 1, .max_msg_size = 64, .mode = 0600 };
	struct msgport_attr half = { .capacity = 1, .mode = 0600, .region_size = USER_BYTES / 2 };
	struct msgport_mailbox *mbs[64] = { 0 }, *in = NULL, *extra = NULL, *r1 = NULL;
	struct blocked w[WAITERS + SENDERS];
	pthread_t th[WAITERS + SENDERS];
	pid_t idle;
	char name[64];
	int i, ret, n;

	/* A sender that never sends, for the filtered receivers to wait for. */
	idle = fork();
	if (idle == 0) {
		while (!rep->stop)
			usleep(100000);
		_exit(0);
	}
	if (idle < 0)
		return 1;
	/* Regions: half the byte limit, then more than the other half. */
	snprintf(name, sizeof(name), "hostile-%u-region", (unsigned int)uid);
	ret = msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_RECV, &half, &r1);
	if (ret) {
		snprintf(a->why, sizeof(a->why), "a region of half the limit: %s", strerror(-ret));
		return 1;
	}
	half.region_size += 4096;
	snprintf(name, sizeof(name), "hostile-%u-region2", (unsigned int)uid);
	a->region_err = msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_RECV, &half,
					     &extra);
	msgport_mailbox_close(extra);
	/* Mailboxes until the count stops it (the first unbounded, the second of 1). */
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "hostile-%u-%d", (unsigned int)uid, i);
		ret = msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_RECV |
					   MSGPORT_O_SEND, i == 1 ? &one : &unb, &mbs[i]);
		if (ret) {
			a->mailbox_err = ret;
			break;
		}
		a->mailboxes++;
	}
	if (a->mailboxes < 2)
		return 1;
	a->inbox_err = msgport_inbox_open(mp, NULL, 0, &in);
	/* An anonymous mailbox counts as a named one: no way past the count. */
	a->anon_err = msgport_mailbox_create_anon(mp, MSGPORT_O_RECV | MSGPORT_O_SEND, &unb,
						  &extra);
	if (!a->anon_err) {
		msgport_mailbox_close(extra);
		a->anon_err = 1;
	}
	/* Fill the unbounded one with zero-byte messages until the byte limit. */
	for (;;) {
		ret = msgport_send_batch(mbs[0], batch, MSGPORT_BATCH_MAX, MSGPORT_F_NONBLOCK, 0);
		if (ret <= 0) {
			a->fill_err = ret;
			break;
		}
		a->filled += ret;
	}
	/* Descriptors held open: dup(2)'s, and send-only MSGPORT_IOC_DUP's. */
	for (i = 0; i < DUPS && dup(msgport_mailbox_fd(mbs[0])) >= 0; i++)
		a->dups++;
	for (i = 0; i < DUPS; i++) {
		extra = NULL;
		if (msgport_mailbox_dup(mbs[0], MSGPORT_O_SEND, 0, &extra))
			break;
		a->rdups++;
	}
	/* The mailbox of 1 full, then blocked senders and filtered receivers. */
	msgport_send(mbs[1], "f", 1, 0, MSGPORT_F_NONBLOCK, 0, NULL);
	for (i = 0; i < WAITERS + SENDERS; i++) {
		w[i].mb = i < WAITERS ? mbs[0] : mbs[1];
		w[i].from = i < WAITERS ? idle : 0;
		if (pthread_create(&th[i], NULL, block, &w[i]))
			break;
		if (i < WAITERS)
			a->waiters++;
		else
			a->senders++;
	}
	n = i;
	intrude(mp, a, victim_pid);
	/* Churn until the time is up: take and resend batches; make and unlink. */
	while (!rep->stop) {
		for (i = 0; i < MSGPORT_BATCH_MAX; i++) {
			batch[i].buf = NULL;
			batch[i].len = 0;
		}
		ret = msgport_recv_batch(mbs[0], batch, MSGPORT_BATCH_MAX, MSGPORT_F_NONBLOCK, 0);
		if (ret > 0) {
			for (i = 0; i < ret; i++)
				batch[i].len = 0;
			msgport_send_batch(mbs[0], batch, (unsigned int)ret, MSGPORT_F_NONBLOCK, 0);
		}
		snprintf(name, sizeof(name), "hostile-%u-%d", (unsigned int)uid, a->mailboxes - 1);
		msgport_mailbox_close(mbs[a->mailboxes - 1]);
		mbs[a->mailboxes - 1] = NULL;
		msgport_mailbox_unlink(mp, name);
		if (msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_RECV |
					 MSGPORT_O_SEND, &unb, &mbs[a->mailboxes - 1]))
			break;
		a->churn++;
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	waitpid(idle, NULL, 0);
	msgport_mailbox_close(r1);
	return 0;
}

/* Attacker B: user, IPC and pid namespaces of its own, then the same attack. */
static int attack_in_namespaces(struct msgport *mp, struct attacker *a, pid_t victim_pid)
{
	pid_t pid;
	int st;

	if (become(B_UID))
		return 2;
	if (unshare(CLONE_NEWUSER | CLONE_NEWIPC | CLONE_NEWPID)) {
		snprintf(a->why, sizeof(a->why),
			 "unshare(CLONE_NEWUSER|CLONE_NEWIPC|CLONE_NEWPID): %s", strerror(errno));
		return 2;
	}
	pid = fork();		/* the first process of the new pid namespace */
	if (pid == 0)
		_exit(attack(mp, a, B_UID, 0));
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 2;
	(void)victim_pid;	/* not in B's pid namespace: sends to pid 0 fail */
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* Root's side */

struct user_use {
	long bytes;
	int mailboxes;
};

static void users_read(struct user_use *a, struct user_use *b)
{
	char line[128];
	unsigned int uid;
	long bytes;
	int n;
	FILE *f = fopen(DBG "users", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %ld %d", &uid, &bytes, &n) != 3)
			continue;
		if (uid == A_UID || uid == B_UID) {
			struct user_use *u = uid == A_UID ? a : b;

			if (bytes > u->bytes)
				u->bytes = bytes;
			if (n > u->mailboxes)
				u->mailboxes = n;
		}
	}
	fclose(f);
}

static int holds_read(long *visits, long *run)
{
	FILE *f = fopen(DBG "holds", "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "hold_visits_max %ld resched_run_max %ld", visits, run) == 2;
	fclose(f);
	return ok ? 0 : -EIO;
}

static int holds_reset(void)
{
	FILE *f = fopen(DBG "holds", "we");

	if (!f)
		return -errno;
	fputs("0\n", f);
	return fclose(f) ? -errno : 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: %s [--seconds N]\n"
		"Unprivileged users attack msgport (exhaustion, intrusion, churn) while a\n"
		"victim does round trips; fails if a limit, a lock-hold bound or the victim's\n"
		"messages give. Run as root with msgport loaded and debugfs mounted.\n\n"
		"  -s, --seconds N  how long the attack lasts (default 20)\n"
		"  -h, --help       show this help and exit\n"
		"Exit status: 0 ok, 1 a failure, 2 usage or setup.\n", PROG);
}

static pid_t spawn(int (*fn)(struct msgport *, struct attacker *, pid_t), struct msgport *mp,
		   struct attacker *a, pid_t victim_pid)
{
	pid_t pid = fork();

	if (pid == 0) {
		while (!rep->attack_on)
			usleep(10000);
		_exit(fn(mp, a, victim_pid));
	}
	return pid;
}

static int attack_a(struct msgport *mp, struct attacker *a, pid_t victim_pid)
{
	return become(A_UID) ? 2 : attack(mp, a, A_UID, victim_pid);
}

static int wait_child(pid_t pid, const char *who, int *failures)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("%s: %s\n", PROG, who);
		printf("  exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		++*failures;
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long old_bytes, old_mailboxes;
	struct user_use ua = { 0 }, ub = { 0 };
	long visits = 0, run = 0, v, r;
	int seconds = 20, c, failures = 0, i;
	pid_t vp, ap, bp;
	struct msgport *mp;
	uint64_t end;
	char name[64];

	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seconds = atoi(optarg);
			if (seconds < 1)
				return usage(stderr), 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || geteuid() != 0) {
		fprintf(stderr, "%s: run as root, with no operands\n", PROG);
		return 2;
	}
	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED || msgport_open(NULL, &mp) ||
	    param("max_user_bytes", &old_bytes, USER_BYTES) ||
	    param("max_user_mailboxes", &old_mailboxes, USER_MAILBOXES) || holds_reset()) {
		fprintf(stderr, "%s: setup failed (msgport loaded? debugfs mounted?)\n", PROG);
		return 2;
	}
	memset(rep, 0, sizeof(*rep));
	vp = fork();
	if (vp == 0)
		_exit(victim(mp));
	for (i = 0; i < 6000 && !rep->victim_ready; i++)
		usleep(10000);
	if (!rep->victim_ready) {
		printf("%s: the victim did not get going\n", PROG);
		failures++;
	}
	ap = spawn(attack_a, mp, &rep->att[0], vp);
	bp = spawn(attack_in_namespaces, mp, &rep->att[1], vp);
	rep->attack_on = 1;
	end = now_ns() + (uint64_t)seconds * 1000000000ULL;
	while (now_ns() < end) {
		users_read(&ua, &ub);
		if (!holds_read(&v, &r)) {
			visits = v;
			run = r;
		}
		usleep(100000);
	}
	rep->stop = 1;
	wait_child(ap, "attacker A (uid 1002) failed", &failures);
	wait_child(bp, "attacker B (uid 1003, own user, IPC and pid namespaces) failed",
		   &failures);
	users_read(&ua, &ub);
	wait_child(vp, "the victim (uid 1001) lost, reordered or waited for a reply", &failures);
	msgport_mailbox_unlink(mp, req_name);
	msgport_mailbox_unlink(mp, rep_name);
	holds_read(&visits, &run);
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "hostile-%u-%d", A_UID, i);
		msgport_mailbox_unlink(mp, name);
		snprintf(name, sizeof(name), "hostile-%u-%d", B_UID, i);
		msgport_mailbox_unlink(mp, name);
	}
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "hostile-%u-region", i ? B_UID : A_UID);
		msgport_mailbox_unlink(mp, name);
	}
	/* B's mailboxes are in its dead IPC namespace: they go with it. */
	for (i = 0; i < 200; i++) {
		struct user_use left_a = { 0 }, left_b = { 0 };

		users_read(&left_a, &left_b);
		if (!left_a.mailboxes && !left_b.mailboxes && !left_a.bytes && !left_b.bytes)
			break;
		usleep(50000);
	}
	if (i == 200) {
		printf("%s: 10 s after the attack, the attackers still hold mailboxes or bytes "
		       "(a dead IPC namespace's mailboxes did not go)\n", PROG);
		failures++;
	}
	param("max_user_bytes", NULL, old_bytes);
	param("max_user_mailboxes", NULL, old_mailboxes);

	for (i = 0; i < 2; i++) {
		struct attacker *a = &rep->att[i];
		struct user_use *u = i ? &ub : &ua;

		printf("attacker %c: a region of half the byte limit, then one of more than the "
		       "other half: %s; %d more mailboxes then %s; inbox %s; %d zero-byte "
		       "messages then %s; %d descriptors, %d send-only copies; %d filtered receivers and "
		       "%d senders blocked; %d churn rounds; peak charge %ld of %lu bytes, %d of %d "
		       "mailboxes; anonymous mailbox %s; intrusions %d%s%s\n", 'A' + i,
		       a->region_err ? strerror(-a->region_err) : "made", a->mailboxes,
		       strerror(-a->mailbox_err), a->inbox_err ? strerror(-a->inbox_err) : "opened",
		       a->filled, a->fill_err ? strerror(-a->fill_err) : "-", a->dups, a->rdups,
		       a->waiters,
		       a->senders, a->churn, u->bytes, USER_BYTES, u->mailboxes, USER_MAILBOXES,
		       a->anon_err < 0 ? strerror(-a->anon_err) : "made", a->intrusions,
		       a->why[0] ? ": " : "", a->why);
		if (u->bytes > (long)USER_BYTES || u->mailboxes > USER_MAILBOXES) {
			printf("%s: attacker %c held more than its limits\n", PROG, 'A' + i);
			failures++;
		}
		if (a->mailbox_err != -EDQUOT || a->fill_err != -EDQUOT ||
		    a->region_err != -EDQUOT || a->inbox_err != -EDQUOT ||
		    a->anon_err != -EDQUOT || a->intrusions) {
			printf("%s: attacker %c was not stopped as it should be\n", PROG, 'A' + i);
			failures++;
		}
	}
	printf("victim: %ld round trips, idle median %llu ns, worst under attack %llu ns "
	       "(%.1fx idle)\n", rep->trips, (unsigned long long)rep->idle_ns,
	       (unsigned long long)rep->worst_ns,
	       rep->idle_ns ? (double)rep->worst_ns / (double)rep->idle_ns : 0.0);
	printf("lock holds: at most %ld entries visited under one hold, %ld messages freed "
	       "between reschedules (bound %d)\n", visits, run, HOLD_BOUND);
	if (visits > HOLD_BOUND || run > HOLD_BOUND) {
		printf("%s: a lock hold passed its bound\n", PROG);
		failures++;
	}
	printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
	return failures ? 1 : 0;
}
