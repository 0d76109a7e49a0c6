// SPDX-License-Identifier: GPL-2.0-or-later
/* The msgport mailbox mechanisms' shared part; see msgport_chan.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgport_chan.h"

int mp_error(struct bench_chan *ch, int err, const char *fmt, ...)
{
	char what[BENCH_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	bench_fmt(ch->err, sizeof(ch->err), "%s: %s", what, msgport_strerror(err));
	return err;
}

int mp_probe_mailbox(struct bench_chan *ch, const struct msgport_attr *attr, const char *what,
		     struct msgport_mailbox **mbp)
{
	char name[MSGPORT_NAME_MAX + 1];
	struct msgport *mp;
	int ret;

	ret = msgport_open(NULL, &mp);
	if (ret)
		return mp_error(ch, ret, "%s", MSGPORT_DEVICE_PATH);
	bench_unique_name(name, sizeof(name), "", "probe");
	ret = msgport_mailbox_open(mp, name, MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_EPHEMERAL |
				   MSGPORT_O_SEND | MSGPORT_O_RECV, attr, mbp);
	msgport_close(mp);
	return ret ? mp_error(ch, ret, "%s", what) : 0;
}

int mp_probe(struct bench_chan *ch)
{
	struct msgport *mp;
	int ret = msgport_open(NULL, &mp);

	if (ret)
		return mp_error(ch, ret, "%s", MSGPORT_DEVICE_PATH);
	msgport_close(mp);
	return 0;
}

static void mp_close_all(struct mp_chan *c)
{
	int d;

	for (d = 0; d < 2; d++) {
		msgport_mailbox_close(c->mb[d]);
		c->mb[d] = NULL;
	}
}

int mp_setup(struct bench_chan *ch, uint32_t capacity, unsigned int send_flags)
{
	struct mp_chan *c = calloc(1, sizeof(*c));
	unsigned long max = 4UL << 20;
	struct msgport_attr attr = { .capacity = capacity, .mode = 0600 };
	int d, ret;

	if (!c)
		return -ENOMEM;
	ret = msgport_open(NULL, &c->mp);
	if (ret) {
		free(c);
		return mp_error(ch, ret, "msgport_open");
	}
	read_ulong_file("/sys/module/msgport/parameters/max_msg_size", &max);
	if (ch->size > max) {
		ch->chunk = max;
		bench_chan_note(ch, "module max_msg_size %lu: messages sent in chunks", max);
	}
	attr.max_msg_size = (uint32_t)(ch->size > max ? max : ch->size);
	c->capacity = capacity;
	c->send_flags = send_flags;
	bench_unique_name(c->name[0], sizeof(c->name[0]), "", "fwd");
	bench_unique_name(c->name[1], sizeof(c->name[1]), "", "back");
	for (d = 0; d < 2; d++) {
		ret = msgport_mailbox_open(c->mp, c->name[d],
					   MSGPORT_O_CREAT | MSGPORT_O_EXCL | MSGPORT_O_EPHEMERAL |
					   MSGPORT_O_SEND | MSGPORT_O_RECV,
					   &attr, &c->mb[d]);
		if (ret) {
			mp_error(ch, ret, "create mailbox %s (capacity %u, max_msg_size %u)",
				 c->name[d], capacity, attr.max_msg_size);
			mp_close_all(c);
			msgport_close(c->mp);
			free(c);
			return ret;
		}
	}
	if (capacity)
		bench_chan_note(ch, "capacity %u, max_msg_size %u%s", capacity, attr.max_msg_size,
				send_flags & MSGPORT_F_SYNC ? ", MSGPORT_F_SYNC sends" : "");
	else
		bench_chan_note(ch, "capacity 0 (rendezvous), max_msg_size %u", attr.max_msg_size);
	ch->priv = c;
	return 0;
}

int mp_attach(struct bench_chan *ch)
{
	struct mp_chan *c = ch->priv;
	unsigned int flags;
	int d, ret;

	/* Open by name, as an unrelated process would. */
	mp_close_all(c);
	for (d = 0; d < 2; d++) {
		flags = (ch->role == BENCH_CLIENT) == (d == BENCH_FWD) ? MSGPORT_O_SEND :
									 MSGPORT_O_RECV;
		if (ch->mode == BENCH_SINGLE)	/* one process sends and receives */
			flags = MSGPORT_O_SEND | MSGPORT_O_RECV;
		ret = msgport_mailbox_open(c->mp, c->name[d], flags, NULL, &c->mb[d]);
		if (ret)
			return mp_error(ch, ret, "open mailbox %s", c->name[d]);
	}
	return 0;
}

int mp_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct mp_chan *c = ch->priv;
	int ret;

	ret = msgport_send(c->mb[dir], buf, len, 0, c->send_flags, MSGPORT_WAIT_FOREVER, NULL);
	if (ret)
		return mp_error(ch, ret, "msgport_send %zu B", len);
	return 0;
}

int mp_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len, const void **msg)
{
	struct mp_chan *c = ch->priv;
	ssize_t n;

	n = msgport_recv(c->mb[dir], buf, len, 0, MSGPORT_WAIT_FOREVER, NULL);
	if (n < 0)
		return mp_error(ch, (int)n, "msgport_recv");
	if ((size_t)n != len)
		return -EBADMSG;
	if (msg)
		*msg = buf;
	return 0;
}

void mp_detach(struct bench_chan *ch)
{
	struct mp_chan *c = ch->priv;

	mp_close_all(c);
	msgport_close(c->mp);
}

void mp_teardown(struct bench_chan *ch)
{
	struct mp_chan *c = ch->priv;
	int d;

	for (d = 0; d < 2; d++)
		msgport_mailbox_unlink(c->mp, c->name[d]);
	mp_close_all(c);
	msgport_close(c->mp);
	free(c);
}
