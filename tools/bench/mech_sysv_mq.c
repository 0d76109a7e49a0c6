// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysv-mq: two System V message queues (msgget(IPC_PRIVATE), one per
 * direction); msgsnd(2)/msgrcv(2), mtype 1.  The payload is written and read
 * in place in the struct msgbuf's mtext (tx_buf, recv's *msg), so the
 * mtype header costs no extra copy.
 *
 * Limits: a message is at most kernel.msgmax bytes and a queue holds
 * msg_qbytes (kernel.msgmnb) bytes; msg_qbytes is set to depth messages
 * with IPC_SET, like the other queues' depth (beyond msgmnb needs
 * CAP_SYS_RESOURCE; then what msgmnb allows).  A message larger
 * than what fits is sent in chunks, and the note says so.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include "bench.h"

struct sysv_msg {
	long mtype;
	char mtext[];
};

struct svq_chan {
	int id[2];
	size_t piece;			/* largest message sent */
	struct sysv_msg *tx, *rx;	/* a child's buffers */
};

static void svq_teardown(struct bench_chan *ch)
{
	struct svq_chan *q = ch->priv;

	msgctl(q->id[0], IPC_RMID, NULL);
	msgctl(q->id[1], IPC_RMID, NULL);
	free(q);
}

static int svq_setup(struct bench_chan *ch)
{
	struct svq_chan *q = calloc(1, sizeof(*q));
	unsigned long msgmax = 8192;
	struct msqid_ds ds;
	size_t piece, want;
	int d, raised = 1;

	if (!q)
		return -ENOMEM;
	for (d = 0; d < 2; d++) {
		q->id[d] = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (q->id[d] < 0) {
			int err = -errno;

			if (d)
				msgctl(q->id[0], IPC_RMID, NULL);
			free(q);
			return bench_chan_error(ch, err, "msgget");
		}
	}
	ch->priv = q;
	read_ulong_file("/proc/sys/kernel/msgmax", &msgmax);
	piece = ch->size < msgmax ? ch->size : msgmax;
	want = piece * ch->depth;
	for (d = 0; d < 2; d++) {
		if (msgctl(q->id[d], IPC_STAT, &ds)) {
			int err = -errno;

			svq_teardown(ch);
			return bench_chan_error(ch, err, "msgctl IPC_STAT");
		}
		/* Exactly depth messages, as the other queues: lower it too. */
		if (ds.msg_qbytes != want) {
			ds.msg_qbytes = want;
			if (msgctl(q->id[d], IPC_SET, &ds)) {
				raised = 0;
				msgctl(q->id[d], IPC_STAT, &ds);
			}
		}
		if (ds.msg_qbytes < piece)
			piece = ds.msg_qbytes;
	}
	q->piece = piece;
	if (piece < ch->size) {
		ch->chunk = piece;
		bench_chan_note(ch, "msgmax %lu, msg_qbytes %lu: messages sent in %zu B chunks",
				msgmax, (unsigned long)ds.msg_qbytes, piece);
	}
	bench_chan_note(ch, "msg_qbytes %lu%s", (unsigned long)ds.msg_qbytes,
			raised ? "" : " (could not set it to the queue depth)");
	return 0;
}

static int svq_attach(struct bench_chan *ch)
{
	struct svq_chan *q = ch->priv;

	q->tx = malloc(sizeof(*q->tx) + q->piece);
	q->rx = malloc(sizeof(*q->rx) + q->piece);
	if (!q->tx || !q->rx)
		return -ENOMEM;
	memset(q->tx->mtext, 0, q->piece);
	memset(q->rx->mtext, 0, q->piece);
	q->tx->mtype = 1;
	return 0;
}

static void *svq_tx_buf(struct bench_chan *ch, enum bench_dir dir, size_t len)
{
	struct svq_chan *q = ch->priv;

	return len <= q->piece ? q->tx->mtext : NULL;
}

static int svq_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct svq_chan *q = ch->priv;
	int ret;

	if (buf != q->tx->mtext)
		memcpy(q->tx->mtext, buf, len);
	do {
		ret = msgsnd(q->id[dir], q->tx, len, 0);
	} while (ret && errno == EINTR);
	return ret ? bench_chan_error(ch, -errno, "msgsnd %zu B", len) : 0;
}

static int svq_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		    const void **msg)
{
	struct svq_chan *q = ch->priv;
	ssize_t n;

	do {
		n = msgrcv(q->id[dir], q->rx, q->piece, 0, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return bench_chan_error(ch, -errno, "msgrcv");
	if ((size_t)n != len)
		return -EBADMSG;
	if (msg)
		*msg = q->rx->mtext;
	else
		memcpy(buf, q->rx->mtext, len);
	return 0;
}

BENCH_MECH(sysv_mq) = {
	.name = "sysv-mq",
	.summary = "two System V message queues, msgsnd/msgrcv",
	.kind = BENCH_PEER,
	.order = 60,
	.flags = BENCH_ONEPROC,
	.setup = svq_setup,
	.attach = svq_attach,
	.tx_buf = svq_tx_buf,
	.send = svq_send,
	.recv = svq_recv,
	.teardown = svq_teardown,
};
