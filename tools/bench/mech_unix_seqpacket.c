// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unix-seqpacket: one AF_UNIX SOCK_SEQPACKET socketpair, one send(2) and
 * one recv(2) per message.  A datagram must fit the sender's buffer
 * (sk_sndbuf - 32 bytes), so for large messages the send buffer is raised
 * with SO_SNDBUFFORCE (root) or SO_SNDBUF (up to net.core.wmem_max); what
 * still does not fit is sent in chunks, and the note says so.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define SEQ_SLACK	4096	/* below sk_sndbuf - 32, for skb overheads */

struct sp_chan {
	int sv[2];		/* [role]: FWD is sent on sv[0], BACK on sv[1] */
};

static int sp_setup(struct bench_chan *ch)
{
	struct sp_chan *u = calloc(1, sizeof(*u));
	int i, want, got = 0;
	socklen_t sl = sizeof(got);

	if (!u)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, u->sv)) {
		int err = -errno;

		free(u);
		return bench_chan_error(ch, err, "socketpair");
	}
	ch->priv = u;
	getsockopt(u->sv[0], SOL_SOCKET, SO_SNDBUF, &got, &sl);
	if ((size_t)got >= ch->size + SEQ_SLACK) {
		bench_chan_note(ch, "default socket buffers (%d B)", got);
		return 0;
	}
	/* The kernel doubles what it is given. */
	want = (int)(ch->size + SEQ_SLACK) / 2 + 1;
	for (i = 0; i < 2; i++)
		if (setsockopt(u->sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)))
			setsockopt(u->sv[i], SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	sl = sizeof(got);
	getsockopt(u->sv[0], SOL_SOCKET, SO_SNDBUF, &got, &sl);
	if ((size_t)got >= ch->size + SEQ_SLACK) {
		bench_chan_note(ch, "SO_SNDBUF raised to %d B to carry %zu B datagrams", got,
				ch->size);
	} else {
		ch->chunk = ((size_t)got - SEQ_SLACK) & ~(size_t)4095;
		bench_chan_note(ch, "SO_SNDBUF only %d B: messages sent in %zu B datagrams", got,
				ch->chunk);
	}
	return 0;
}

static int sp_attach(struct bench_chan *ch)
{
	struct sp_chan *u = ch->priv;

	if (ch->mode != BENCH_SINGLE)	/* one process alone keeps both */
		close(u->sv[!ch->role]);
	return 0;
}

static int sp_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct sp_chan *u = ch->priv;
	ssize_t n;

	do {
		n = send(u->sv[dir], buf, len, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return bench_chan_error(ch, -errno, "send %zu B", len);
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static int sp_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		   const void **msg)
{
	struct sp_chan *u = ch->priv;
	ssize_t n;

	do {
		n = recv(u->sv[!dir], buf, len, MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return bench_chan_error(ch, -errno, "recv");
	if (n == 0)
		return -EPIPE;
	if ((size_t)n != len)
		return -EBADMSG;
	if (msg)
		*msg = buf;
	return 0;
}

static void sp_teardown(struct bench_chan *ch)
{
	struct sp_chan *u = ch->priv;

	close(u->sv[0]);
	close(u->sv[1]);
	free(u);
}

BENCH_MECH(unix_seqpacket) = {
	.name = "unix-seqpacket",
	.summary = "AF_UNIX SOCK_SEQPACKET socketpair, send(2)/recv(2)",
	.kind = BENCH_PEER,
	.order = 40,
	.flags = BENCH_ONEPROC,
	.setup = sp_setup,
	.attach = sp_attach,
	.send = sp_send,
	.recv = sp_recv,
	.teardown = sp_teardown,
};
