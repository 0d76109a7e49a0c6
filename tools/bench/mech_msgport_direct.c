// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport-direct: direct communication.  Each process opens its inbox
 * (capacity --depth) and sends to the other's pid with msgport_send_pid();
 * it receives from its own inbox with msgport_recv().  The two processes
 * learn each other's pid, and that the inbox is open, through a small
 * shared block, before the first message.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libmsgport.h>

#include "msgport_chan.h"

struct direct_shared {
	_Atomic int pid[2];	/* [role] once its inbox is open */
};

struct direct_chan {
	struct direct_shared *sh;
	struct msgport *mp;
	struct msgport_mailbox *inbox;
	pid_t peer;
	uint32_t max_msg_size;
};

static int direct_probe(struct bench_chan *ch)
{
	struct msgport_mailbox *ib;
	struct msgport *mp;
	int ret;

	ret = msgport_open(NULL, &mp);
	if (ret)
		return mp_error(ch, ret, MSGPORT_DEVICE_PATH);
	ret = msgport_inbox_open(mp, NULL, 0, &ib);
	if (ret) {
		msgport_close(mp);
		return mp_error(ch, ret, "inbox (the module has no direct messages?)");
	}
	msgport_mailbox_close(ib);
	msgport_close(mp);
	return 0;
}

static int direct_setup(struct bench_chan *ch)
{
	struct direct_chan *c = calloc(1, sizeof(*c));
	unsigned long max = 4UL << 20;

	if (!c)
		return -ENOMEM;
	c->sh = mmap(NULL, sizeof(*c->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	if (c->sh == MAP_FAILED) {
		free(c);
		return bench_chan_error(ch, -errno, "mmap");
	}
	read_ulong_file("/sys/module/msgport/parameters/max_msg_size", &max);
	if (ch->size > max) {
		ch->chunk = max;
		bench_chan_note(ch, "module max_msg_size %lu: messages sent in chunks", max);
	}
	c->max_msg_size = (uint32_t)(ch->size > max ? max : ch->size);
	bench_chan_note(ch, "inboxes of capacity %u, max_msg_size %u", ch->depth, c->max_msg_size);
	ch->priv = c;
	return 0;
}

static int direct_attach(struct bench_chan *ch)
{
	struct direct_chan *c = ch->priv;
	struct msgport_attr attr = {
		.capacity = ch->depth, .max_msg_size = c->max_msg_size, .mode = 0600,
	};
	int ret;

	ret = msgport_open(NULL, &c->mp);
	if (ret)
		return mp_error(ch, ret, "msgport_open");
	ret = msgport_inbox_open(c->mp, &attr, 0, &c->inbox);
	if (ret)
		return mp_error(ch, ret, "msgport_inbox_open");
	atomic_store(&c->sh->pid[ch->role], (int)getpid());
	/* The peer's inbox must exist before we send to it. */
	while (!(c->peer = atomic_load(&c->sh->pid[!ch->role])))
		sched_yield();
	return 0;
}

static int direct_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len)
{
	struct direct_chan *c = ch->priv;
	int ret;

	ret = msgport_send_pid(c->mp, c->peer, buf, len, 0, 0, MSGPORT_WAIT_FOREVER, NULL);
	return ret ? mp_error(ch, ret, "msgport_send_pid") : 0;
}

static int direct_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len,
		       const void **msg)
{
	struct direct_chan *c = ch->priv;
	ssize_t n;

	n = msgport_recv(c->inbox, buf, len, 0, MSGPORT_WAIT_FOREVER, NULL);
	if (n < 0)
		return mp_error(ch, (int)n, "msgport_recv (inbox)");
	if ((size_t)n != len)
		return -EBADMSG;
	if (msg)
		*msg = buf;
	return 0;
}

static void direct_detach(struct bench_chan *ch)
{
	struct direct_chan *c = ch->priv;

	msgport_mailbox_close(c->inbox);
	msgport_close(c->mp);
}

static void direct_teardown(struct bench_chan *ch)
{
	struct direct_chan *c = ch->priv;

	munmap(c->sh, sizeof(*c->sh));
	free(c);
}

BENCH_MECH(msgport_direct) = {
	.name = "msgport-direct",
	.summary = "direct: each process's inbox, msgport_send_pid() to the peer",
	.kind = BENCH_MSGPORT,
	.order = 130,
	.probe = direct_probe,
	.setup = direct_setup,
	.attach = direct_attach,
	.send = direct_send,
	.recv = direct_recv,
	.detach = direct_detach,
	.teardown = direct_teardown,
};
