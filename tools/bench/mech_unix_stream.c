// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unix-stream: one AF_UNIX SOCK_STREAM socketpair, both directions on it,
 * default buffer sizes; a message is size bytes of the stream.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

struct us_chan {
	int sv[2];		/* [role] */
};

static int us_setup(struct bench_chan *ch)
{
	struct us_chan *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, u->sv)) {
		int err = -errno;

		free(u);
		return bench_chan_error(ch, err, "socketpair");
	}
	ch->priv = u;
	bench_chan_note(ch, "default socket buffers");
	return 0;
}

static int us_attach(struct bench_chan *ch)
{
	struct us_chan *u = ch->priv;

	close(u->sv[!ch->role]);
	return 0;
}

static int us_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct us_chan *u = ch->priv;

	return fd_write_full(u->sv[ch->role], buf, len);
}

static int us_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		   const void **msg)
{
	struct us_chan *u = ch->priv;

	if (msg)
		*msg = buf;
	return fd_read_full(u->sv[ch->role], buf, len);
}

static void us_teardown(struct bench_chan *ch)
{
	struct us_chan *u = ch->priv;

	close(u->sv[0]);
	close(u->sv[1]);
	free(u);
}

BENCH_MECH(unix_stream) = {
	.name = "unix-stream",
	.summary = "AF_UNIX SOCK_STREAM socketpair, read(2)/write(2)",
	.kind = BENCH_PEER,
	.order = 30,
	.setup = us_setup,
	.attach = us_attach,
	.send = us_send,
	.recv = us_recv,
	.teardown = us_teardown,
};
