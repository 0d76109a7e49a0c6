// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * icount-run: the guest's half of bench/icount.  For each mechanism named,
 * one process sends a message and receives it back from the same queue, N
 * times (msgport-bench's one-process mode, without its clock and checks),
 * between two marks that icount-plugin.so sees: icount_mark() is linked at
 * ICOUNT_MARK_ADDR, and the plugin writes what ran since the last mark each
 * time the guest runs it.  What ran before the K-th mark (counting from 0)
 * is labelled in --labels FILE as "K MECH N SIZE"; the intervals between
 * mechanisms (setup, warm-up, teardown) as "K - 0 0".  The labels are
 * written after the last mark, so that no write falls in a measured
 * interval.
 *
 * Static and not position-independent, so that the mark's address is known
 * before the program runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/msg.h>
#include <unistd.h>

#include <libmsgport.h>
#include <linux/msgport.h>

#define ICOUNT_MARK_ADDR 0x10000000UL

/* The plugin counts the block at this address's runs as marks. */
__attribute__((noinline, used, section(".icount_mark"))) void icount_mark(void)
{
	__asm__ volatile("" ::: "memory");
}

struct mech {
	const char *name;
	int (*setup)(size_t size);
	int (*xfer)(char *buf, size_t size);	/* send and receive back */
	void (*teardown)(void);
	unsigned int per_xfer;			/* messages an xfer moves */
};

static struct msgport *mp;
static struct msgport_mailbox *mbox;

static int mp_setup(size_t size)
{
	struct msgport_attr attr = { .capacity = 16, .max_msg_size = (uint32_t)size, .mode = 0600 };
	int ret = msgport_open(NULL, &mp);

	if (ret)
		return ret;
	return msgport_mailbox_open(mp, "icount", MSGPORT_O_CREAT | MSGPORT_O_EXCL |
				    MSGPORT_O_EPHEMERAL | MSGPORT_O_SEND | MSGPORT_O_RECV,
				    &attr, &mbox);
}

/* As msgport-bench's one-process mode: no info asked for. */
static int mp_xfer(char *buf, size_t size)
{
	ssize_t n;
	int ret;

	ret = msgport_send(mbox, buf, size, 0, 0, MSGPORT_WAIT_FOREVER, NULL);
	if (ret)
		return ret;
	n = msgport_recv(mbox, buf, size, 0, MSGPORT_WAIT_FOREVER, NULL);
	return n < 0 ? (int)n : 0;
}

/* BATCH messages sent in one batch, then received back in one. */
#define BATCH 16
static int mp_batch_xfer(char *buf, size_t size)
{
	struct msgport_batch_msg m[BATCH];
	unsigned int i;
	int ret;

	for (i = 0; i < BATCH; i++)
		m[i] = (struct msgport_batch_msg){ .buf = buf, .len = size };
	ret = msgport_send_batch(mbox, m, BATCH, 0, MSGPORT_WAIT_FOREVER);
	if (ret != BATCH)
		return ret < 0 ? ret : -EIO;
	for (i = 0; i < BATCH; i++)
		m[i].len = size;
	ret = msgport_recv_batch(mbox, m, BATCH, 0, MSGPORT_WAIT_FOREVER);
	if (ret != BATCH)
		return ret < 0 ? ret : -EIO;
	return 0;
}

static void mp_teardown(void)
{
	msgport_mailbox_close(mbox);
	msgport_close(mp);
	mbox = NULL;
	mp = NULL;
}

static mqd_t mq = (mqd_t)-1;

static int pmq_setup(size_t size)
{
	struct mq_attr a = { .mq_maxmsg = 10, .mq_msgsize = (long)size };

	mq_unlink("/icount");
	mq = mq_open("/icount", O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	return mq == (mqd_t)-1 ? -errno : 0;
}

static int pmq_xfer(char *buf, size_t size)
{
	if (mq_send(mq, buf, size, 0) || mq_receive(mq, buf, size, NULL) < 0)
		return -errno;
	return 0;
}

static void pmq_teardown(void)
{
	if (mq != (mqd_t)-1)
		mq_close(mq);
	mq = (mqd_t)-1;
	mq_unlink("/icount");
}

static int sysv_id = -1;
static struct {
	long mtype;
	char mtext[1 << 16];
} sysv_msg;

static int sysv_setup(size_t size)
{
	if (size > sizeof(sysv_msg.mtext))
		return -EINVAL;
	sysv_id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	return sysv_id < 0 ? -errno : 0;
}

static int sysv_xfer(char *buf, size_t size)
{
	sysv_msg.mtype = 1;
	memcpy(sysv_msg.mtext, buf, size);
	if (msgsnd(sysv_id, &sysv_msg, size, 0) || msgrcv(sysv_id, &sysv_msg, size, 0, 0) < 0)
		return -errno;
	memcpy(buf, sysv_msg.mtext, size);
	return 0;
}

static void sysv_teardown(void)
{
	if (sysv_id >= 0)
		msgctl(sysv_id, IPC_RMID, NULL);
	sysv_id = -1;
}

static int pipefd[2] = { -1, -1 };

static int pipe_setup(size_t size)
{
	(void)size;
	return pipe(pipefd) ? -errno : 0;
}

static int pipe_xfer(char *buf, size_t size)
{
	if (write(pipefd[1], buf, size) != (ssize_t)size ||
	    read(pipefd[0], buf, size) != (ssize_t)size)
		return -EIO;
	return 0;
}

static void pipe_teardown(void)
{
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	pipefd[0] = pipefd[1] = -1;
}

static int dev_fd = -1;

static int nio_setup(size_t size)
{
	(void)size;
	dev_fd = open(MSGPORT_DEVICE_PATH, O_RDWR);
	return dev_fd < 0 ? -errno : 0;
}

/*
 * Two MSGPORT_IOC_VERSION ioctls: what reaching msgport's handler twice
 * costs (each also copies out its small struct).
 */
static int nio_xfer(char *buf, size_t size)
{
	struct msgport_version v;

	(void)buf;
	(void)size;
	if (ioctl(dev_fd, MSGPORT_IOC_VERSION, &v) || ioctl(dev_fd, MSGPORT_IOC_VERSION, &v))
		return -errno;
	return 0;
}

static void nio_teardown(void)
{
	if (dev_fd >= 0)
		close(dev_fd);
	dev_fd = -1;
}

static int none_setup(size_t size)
{
	(void)size;
	return 0;
}

/* Two getppid(): two system calls that do nothing. */
static int ppid_xfer(char *buf, size_t size)
{
	(void)buf;
	(void)size;
	getppid();
	getppid();
	return 0;
}

static void none_teardown(void)
{
}

static const struct mech mechs[] = {
	{ "msgport", mp_setup, mp_xfer, mp_teardown, 1 },
	{ "msgport-batch", mp_setup, mp_batch_xfer, mp_teardown, BATCH },
	{ "posix-mq", pmq_setup, pmq_xfer, pmq_teardown, 1 },
	{ "sysv-mq", sysv_setup, sysv_xfer, sysv_teardown, 1 },
	{ "pipe", pipe_setup, pipe_xfer, pipe_teardown, 1 },
	{ "null-ioctl", nio_setup, nio_xfer, nio_teardown, 1 },
	{ "getppid", none_setup, ppid_xfer, none_teardown, 1 },
};

/* What ran before each mark, written out after the last one. */
#define MAX_MARKS 64
static struct {
	const char *what;
	unsigned long n;
	size_t size;
} marks[MAX_MARKS];
static unsigned int nmarks;

static void mark(const char *what, unsigned long n, size_t size)
{
	icount_mark();
	marks[nmarks].what = what;
	marks[nmarks].n = n;
	marks[nmarks].size = size;
	nmarks++;
}

static const struct mech *mech_named(const char *name)
{
	size_t k;

	for (k = 0; k < sizeof(mechs) / sizeof(mechs[0]); k++)
		if (!strcmp(mechs[k].name, name))
			return &mechs[k];
	return NULL;
}

/* A whole positive number no larger than @max, or 0. */
static unsigned long number(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > max)
		return 0;
	return v;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: icount-run --labels FILE [-n COUNT] [-s SIZE] MECH...\n"
		   "  one process sends and receives back COUNT (default 10000) messages of SIZE\n"
		   "  (default 64) bytes per MECH, between marks for icount-plugin.so\n"
		   "  (msgport-batch: 16 sent in one batch, then received back in one)\n"
		   "MECH:");
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		fprintf(f, " %s", mechs[i].name);
	fprintf(f, "\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "labels", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *labels_path = NULL;
	unsigned long n = 10000, i;
	size_t size = 64;
	FILE *labels;
	unsigned int k;
	char *buf;
	int c, a;

	while ((c = getopt_long(argc, argv, "l:n:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			labels_path = optarg;
			break;
		case 'n':
			n = number(optarg, 100000000);
			break;
		case 's':
			size = number(optarg, 1 << 16);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!labels_path || optind == argc || !n || !size) {
		usage(stderr);
		return 2;
	}
	/* Every name, and room for every mark, before anything runs. */
	if ((unsigned int)(argc - optind) * 2 + 1 > MAX_MARKS) {
		fprintf(stderr, "icount-run: at most %d mechanisms\n", (MAX_MARKS - 1) / 2);
		return 2;
	}
	for (a = optind; a < argc; a++) {
		const struct mech *m = mech_named(argv[a]);

		if (!m) {
			fprintf(stderr, "icount-run: no mechanism %s\n", argv[a]);
			return 2;
		}
		if (n < m->per_xfer) {
			fprintf(stderr, "icount-run: %s needs a count of at least %u\n", m->name,
				m->per_xfer);
			return 2;
		}
	}
	labels = fopen(labels_path, "w");
	if (!labels) {
		perror(labels_path);
		return 1;
	}
	buf = calloc(1, size);
	if (!buf)
		return 1;
	for (a = optind; a < argc; a++) {
		const struct mech *m = mech_named(argv[a]);
		unsigned long per = m->per_xfer;
		int ret;

		ret = m->setup(size);
		for (i = 0; !ret && i < n / 10 / per + 1; i++)
			ret = m->xfer(buf, size);
		mark("-", 0, 0);
		for (i = 0; !ret && i < n / per; i++)
			ret = m->xfer(buf, size);
		mark(m->name, n / per * per, size);
		m->teardown();
		if (ret) {
			fprintf(stderr, "icount-run: %s: %s\n", m->name, strerror(-ret));
			return 1;
		}
	}
	mark("-", 0, 0);
	for (k = 0; k < nmarks; k++)
		fprintf(labels, "%u %s %lu %zu\n", k, marks[k].what, marks[k].n, marks[k].size);
	if (fclose(labels)) {
		perror(labels_path);
		return 1;
	}
	return 0;
}
