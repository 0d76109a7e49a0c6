// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fifo: two named pipes (mkfifo(3) in a private directory under $TMPDIR or
 * /tmp), each process opening them by name as unrelated processes would.
 * Both open "fwd" first, then "back", so the blocking opens pair up.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

struct fifo_chan {
	char dir[PATH_MAX];
	char path[2][PATH_MAX];
	int fd[2];		/* [dir] this process's end */
};

static int fifo_setup(struct bench_chan *ch)
{
	const char *tmp = getenv("TMPDIR");
	struct fifo_chan *f = calloc(1, sizeof(*f));
	int d, err;

	if (!f)
		return -ENOMEM;
	bench_fmt(f->dir, sizeof(f->dir), "%s/msgport-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir)) {
		err = bench_chan_error(ch, -errno, "mkdtemp %s", f->dir);
		free(f);
		return err;
	}
	for (d = 0; d < 2; d++) {
		bench_fmt(f->path[d], sizeof(f->path[d]), "%s/%s", f->dir, d ? "back" : "fwd");
		if (mkfifo(f->path[d], 0600)) {
			err = bench_chan_error(ch, -errno, "mkfifo %s", f->path[d]);
			if (d)
				unlink(f->path[0]);
			rmdir(f->dir);
			free(f);
			return err;
		}
		f->fd[d] = -1;
	}
	ch->priv = f;
	bench_chan_note(ch, "default 64 KiB pipe buffer");
	return 0;
}

static int fifo_attach(struct bench_chan *ch)
{
	struct fifo_chan *f = ch->priv;
	int d, mode;

	for (d = 0; d < 2; d++) {
		/* The client writes fwd and reads back; the server the reverse. */
		mode = (ch->role == BENCH_CLIENT) == (d == BENCH_FWD) ? O_WRONLY : O_RDONLY;
		f->fd[d] = open(f->path[d], mode | O_CLOEXEC);
		if (f->fd[d] < 0)
			return bench_chan_error(ch, -errno, "open %s", f->path[d]);
	}
	return 0;
}

static int fifo_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct fifo_chan *f = ch->priv;

	return fd_write_full(f->fd[dir], buf, len);
}

static int fifo_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		     const void **msg)
{
	struct fifo_chan *f = ch->priv;

	if (msg)
		*msg = buf;
	return fd_read_full(f->fd[dir], buf, len);
}

static void fifo_detach(struct bench_chan *ch)
{
	struct fifo_chan *f = ch->priv;
	int d;

	for (d = 0; d < 2; d++)
		if (f->fd[d] >= 0)
			close(f->fd[d]);
}

static void fifo_teardown(struct bench_chan *ch)
{
	struct fifo_chan *f = ch->priv;

	unlink(f->path[0]);
	unlink(f->path[1]);
	rmdir(f->dir);
	free(f);
}

BENCH_MECH(fifo) = {
	.name = "fifo",
	.summary = "two named pipes (mkfifo), opened by name",
	.kind = BENCH_PEER,
	.order = 20,
	.setup = fifo_setup,
	.attach = fifo_attach,
	.send = fifo_send,
	.recv = fifo_recv,
	.detach = fifo_detach,
	.teardown = fifo_teardown,
};
