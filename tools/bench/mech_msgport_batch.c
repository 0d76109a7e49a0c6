// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport-batch: the msgport mailbox of "msgport" (capacity --depth), streamed
 * through the batched path: the sender fills a batch of messages in place
 * and sends it with one msgport_send_batch(), the receiver takes whatever
 * is queued, up to a batch, with one msgport_recv_batch() and checks the
 * messages where they landed.  Streaming only: a round trip is one message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgport_chan.h"

/* A batch holds at most this many bytes of payload (and at most --depth messages). */
#define BATCH_BYTES	(256U << 10)

struct batch {
	struct msgport_batch_msg msg[MSGPORT_BATCH_MAX];
	char *bufs;		/* n slots of ch->size bytes */
	unsigned int n;		/* slots */
	unsigned int used;	/* sender: filled; receiver: received */
	unsigned int next;	/* receiver: the next one to hand out */
};

static struct batch *batch_of(struct bench_chan *ch)
{
	return (struct batch *)((struct mp_chan *)ch->priv + 1);
}

/*
 * Messages per batch: the receiver asks for up to --depth (it gets what is
 * queued); the sender sends half as many at a time, so that it fills one
 * half of the queue while the receiver empties the other.  At most
 * BATCH_BYTES of payload either way.
 */
static unsigned int batch_len(const struct bench_chan *ch, enum bench_role role)
{
	size_t n = ch->size ? BATCH_BYTES / ch->size : ch->depth;
	size_t want = role == BENCH_SERVER ? ch->depth : ch->depth / 2;

	if (n > want)
		n = want;
	if (n > MSGPORT_BATCH_MAX)
		n = MSGPORT_BATCH_MAX;
	return n ? (unsigned int)n : 1;
}

static int batch_setup(struct bench_chan *ch)
{
	struct mp_chan *c;
	int ret;

	ret = mp_setup(ch, ch->depth, 0);
	if (ret)
		return ret;
	/* Room for the batch right behind the shared channel state. */
	c = realloc(ch->priv, sizeof(*c) + sizeof(struct batch));
	if (!c) {
		mp_teardown(ch);
		return -ENOMEM;
	}
	ch->priv = c;
	memset(batch_of(ch), 0, sizeof(struct batch));
	bench_fmt(ch->note + strlen(ch->note), sizeof(ch->note) - strlen(ch->note),
		  ", sent %u and received up to %u at a time", batch_len(ch, BENCH_CLIENT),
		  batch_len(ch, BENCH_SERVER));
	return 0;
}

static int batch_attach(struct bench_chan *ch)
{
	struct batch *b = batch_of(ch);
	int ret = mp_attach(ch);

	if (ret)
		return ret;
	b->n = batch_len(ch, ch->role);
	b->bufs = malloc((size_t)b->n * (ch->size ? ch->size : 1));
	if (!b->bufs)
		return -ENOMEM;
	/* Fault the pages in now, not while measuring. */
	memset(b->bufs, 0, (size_t)b->n * (ch->size ? ch->size : 1));
	return 0;
}

static void *batch_tx_buf(struct bench_chan *ch, enum bench_dir dir, size_t len)
{
	struct batch *b = batch_of(ch);

	return b->bufs + (size_t)b->used * ch->size;
}

static int batch_flush(struct bench_chan *ch, enum bench_dir dir)
{
	struct mp_chan *c = ch->priv;
	struct batch *b = batch_of(ch);
	unsigned int done = 0;
	int ret;

	while (done < b->used) {
		ret = msgport_send_batch(c->mb[dir], b->msg + done, b->used - done, 0,
					 MSGPORT_WAIT_FOREVER);
		if (ret < 0)
			return bench_chan_error(ch, ret, "msgport_send_batch of %u: %s",
						b->used - done, msgport_strerror(ret));
		done += (unsigned int)ret;
	}
	b->used = 0;
	return 0;
}

static int batch_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct batch *b = batch_of(ch);
	char *slot = b->bufs + (size_t)b->used * ch->size;

	if (len > ch->size)
		return -EMSGSIZE;
	if (buf != slot)
		memcpy(slot, buf, len);
	b->msg[b->used].buf = slot;
	b->msg[b->used].len = len;
	b->msg[b->used].prio = 0;
	if (++b->used < b->n)
		return 0;
	return batch_flush(ch, dir);
}

static int batch_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		      const void **msg)
{
	struct mp_chan *c = ch->priv;
	struct batch *b = batch_of(ch);
	const struct msgport_batch_msg *m;
	unsigned int i;
	int ret;

	if (b->next == b->used) {
		for (i = 0; i < b->n; i++) {
			b->msg[i].buf = b->bufs + (size_t)i * ch->size;
			b->msg[i].len = ch->size;
		}
		ret = msgport_recv_batch(c->mb[dir], b->msg, b->n, 0, MSGPORT_WAIT_FOREVER);
		if (ret < 0)
			return bench_chan_error(ch, ret, "msgport_recv_batch of %u: %s", b->n,
						msgport_strerror(ret));
		b->used = (unsigned int)ret;
		b->next = 0;
	}
	m = &b->msg[b->next++];
	if (m->len != len)
		return -EBADMSG;
	if (msg)
		*msg = m->buf;
	else
		memcpy(buf, m->buf, len);
	return 0;
}

static void batch_detach(struct bench_chan *ch)
{
	struct batch *b = batch_of(ch);

	free(b->bufs);
	b->bufs = NULL;
	mp_detach(ch);
}

BENCH_MECH(msgport_batch) = {
	.name = "msgport-batch",
	.summary = "the msgport mailbox streamed in batches (msgport_send_batch/msgport_recv_batch)",
	.kind = BENCH_MSGPORT,
	.order = 105,
	.flags = BENCH_NOLATENCY,
	.probe = mp_probe,
	.setup = batch_setup,
	.attach = batch_attach,
	.tx_buf = batch_tx_buf,
	.send = batch_send,
	.flush = batch_flush,
	.recv = batch_recv,
	.detach = batch_detach,
	.teardown = mp_teardown,
};
