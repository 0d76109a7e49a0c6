// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pipe: two anonymous pipes (one per direction) with the kernel's default
 * buffer (64 KiB); a message is size bytes of the byte stream, so larger
 * messages simply take several read(2)/write(2) calls.  In the one-process
 * mode a message (at most 64 KiB there) fits the buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"

struct pipe_chan {
	int fd[2][2];		/* [dir][0 read, 1 write] */
};

static int pipe_setup(struct bench_chan *ch)
{
	struct pipe_chan *p = calloc(1, sizeof(*p));
	int d;

	if (!p)
		return -ENOMEM;
	for (d = 0; d < 2; d++) {
		if (pipe2(p->fd[d], O_CLOEXEC)) {
			int err = -errno;

			while (d--) {
				close(p->fd[d][0]);
				close(p->fd[d][1]);
			}
			free(p);
			return bench_chan_error(ch, err, "pipe2");
		}
	}
	ch->priv = p;
	bench_chan_note(ch, "default 64 KiB pipe buffer");
	return 0;
}

/*
 * Each side keeps the read end of what it receives, the write end of what it
 * sends; one process alone (BENCH_SINGLE) keeps them all.
 */
static int pipe_attach(struct bench_chan *ch)
{
	struct pipe_chan *p = ch->priv;
	int in = ch->role == BENCH_CLIENT ? BENCH_BACK : BENCH_FWD;

	if (ch->mode == BENCH_SINGLE)
		return 0;

	close(p->fd[in][1]);
	close(p->fd[!in][0]);
	return 0;
}

static int pipe_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct pipe_chan *p = ch->priv;

	return fd_write_full(p->fd[dir][1], buf, len);
}

static int pipe_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		     const void **msg)
{
	struct pipe_chan *p = ch->priv;

	if (msg)
		*msg = buf;
	return fd_read_full(p->fd[dir][0], buf, len);
}

static void pipe_teardown(struct bench_chan *ch)
{
	struct pipe_chan *p = ch->priv;
	int d;

	for (d = 0; d < 2; d++) {
		close(p->fd[d][0]);
		close(p->fd[d][1]);
	}
	free(p);
}

BENCH_MECH(pipe) = {
	.name = "pipe",
	.summary = "two pipes, read(2)/write(2)",
	.kind = BENCH_PEER,
	.order = 10,
	.flags = BENCH_ONEPROC,
	.setup = pipe_setup,
	.attach = pipe_attach,
	.send = pipe_send,
	.recv = pipe_recv,
	.teardown = pipe_teardown,
};
