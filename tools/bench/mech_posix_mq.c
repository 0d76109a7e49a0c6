// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * posix-mq: two POSIX message queues (mq_open(3), one per direction), each
 * process opening them by name; mq_send(3)/mq_receive(3), priority 0.
 *
 * Limits: a queue of depth messages of size bytes needs mq_msgsize = size
 * (at most fs.mqueue.msgsize_max, or 16 MiB with CAP_SYS_RESOURCE), mq_maxmsg
 * = depth (fs.mqueue.msg_max likewise) and depth * size bytes of the user's
 * RLIMIT_MSGQUEUE, which is raised when it can be.  Whatever cannot be had
 * is given up in this order: depth (down to 1), then message size (the
 * message is sent in chunks of msgsize_max); the note says what happened.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

struct pmq_chan {
	char name[2][NAME_MAX];
	mqd_t q[2];			/* the orchestrator's, then each child's */
	size_t msgsize;
	void *scratch;			/* a child's buffer of msgsize bytes */
};

static void raise_rlimit(struct bench_chan *ch, size_t bytes)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MSGQUEUE, &rl) || rl.rlim_cur >= bytes)
		return;
	rl.rlim_cur = bytes;
	if (rl.rlim_max < bytes)
		rl.rlim_max = bytes;
	if (!setrlimit(RLIMIT_MSGQUEUE, &rl))
		bench_chan_note(ch, "RLIMIT_MSGQUEUE raised to %zu B", bytes);
}

static int pmq_open_pair(struct pmq_chan *p, long maxmsg, long msgsize)
{
	struct mq_attr a = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };
	int d;

	for (d = 0; d < 2; d++) {
		p->q[d] = mq_open(p->name[d], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &a);
		if (p->q[d] == (mqd_t)-1) {
			int err = -errno;

			if (d) {
				mq_close(p->q[0]);
				mq_unlink(p->name[0]);
			}
			return err;
		}
	}
	return 0;
}

static int pmq_setup(struct bench_chan *ch)
{
	struct pmq_chan *p = calloc(1, sizeof(*p));
	unsigned long sysmax = 8192;
	long depth = ch->depth, msgsize = (long)ch->size;
	int ret;

	if (!p)
		return -ENOMEM;
	bench_unique_name(p->name[0], sizeof(p->name[0]), "/", "fwd");
	bench_unique_name(p->name[1], sizeof(p->name[1]), "/", "back");
	raise_rlimit(ch, 2 * (size_t)depth * ch->size + (1U << 20));
	for (;;) {
		ret = pmq_open_pair(p, depth, msgsize);
		if (!ret)
			break;
		if ((ret == -EMFILE || ret == -EINVAL || ret == -ENOMEM) && depth > 1) {
			depth = depth > 10 ? 10 : depth / 2;
			continue;
		}
		if (ret == -EINVAL && msgsize > 8192) {
			read_ulong_file("/proc/sys/fs/mqueue/msgsize_max", &sysmax);
			msgsize = msgsize > (long)sysmax ? (long)sysmax : 8192;
			depth = ch->depth;
			continue;
		}
		free(p);
		return bench_chan_error(ch, ret, "mq_open (maxmsg %ld, msgsize %ld)", depth,
					msgsize);
	}
	p->msgsize = (size_t)msgsize;
	if (p->msgsize < ch->size) {
		ch->chunk = p->msgsize;
		bench_chan_note(ch, "msgsize %zu B: messages sent in chunks", p->msgsize);
	}
	bench_chan_note(ch, "mq_maxmsg %ld, mq_msgsize %ld", depth, msgsize);
	ch->priv = p;
	return 0;
}

static int pmq_attach(struct bench_chan *ch)
{
	struct pmq_chan *p = ch->priv;
	int d, flags;

	for (d = 0; d < 2; d++) {
		mq_close(p->q[d]);
		flags = (ch->role == BENCH_CLIENT) == (d == BENCH_FWD) ? O_WRONLY : O_RDONLY;
		if (ch->mode == BENCH_SINGLE)	/* one process sends and receives */
			flags = O_RDWR;
		p->q[d] = mq_open(p->name[d], flags | O_CLOEXEC);
		if (p->q[d] == (mqd_t)-1)
			return bench_chan_error(ch, -errno, "mq_open %s", p->name[d]);
	}
	p->scratch = malloc(p->msgsize);
	return p->scratch ? 0 : -ENOMEM;
}

static int pmq_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct pmq_chan *p = ch->priv;
	int ret;

	do {
		ret = mq_send(p->q[dir], buf, len, 0);
	} while (ret && errno == EINTR);
	return ret ? bench_chan_error(ch, -errno, "mq_send %zu B", len) : 0;
}

static int pmq_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		    const void **msg)
{
	struct pmq_chan *p = ch->priv;
	/* mq_receive() wants room for the largest message. */
	char *dst = len < p->msgsize ? p->scratch : buf;
	ssize_t n;

	do {
		n = mq_receive(p->q[dir], dst, p->msgsize > len ? p->msgsize : len, NULL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return bench_chan_error(ch, -errno, "mq_receive");
	if ((size_t)n != len)
		return -EBADMSG;
	if (dst != buf)
		memcpy(buf, dst, len);
	if (msg)
		*msg = buf;
	return 0;
}

static void pmq_teardown(struct bench_chan *ch)
{
	struct pmq_chan *p = ch->priv;
	int d;

	for (d = 0; d < 2; d++) {
		mq_close(p->q[d]);
		mq_unlink(p->name[d]);
	}
	free(p);
}

BENCH_MECH(posix_mq) = {
	.name = "posix-mq",
	.summary = "two POSIX message queues, mq_send/mq_receive",
	.kind = BENCH_PEER,
	.order = 50,
	.flags = BENCH_ONEPROC,
	.setup = pmq_setup,
	.attach = pmq_attach,
	.send = pmq_send,
	.recv = pmq_recv,
	.teardown = pmq_teardown,
};
