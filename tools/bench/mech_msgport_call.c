// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport-call: RPC.  The client's round trip is one msgport_call() on the
 * server's mailbox (request out, reply back, one system call); the server
 * answers with msgport_reply_recv(), which replies and waits for the next
 * request in one system call (msgport_recv() for the first request,
 * msgport_reply() for the last reply).  Round trips only: one-way streaming
 * through the same mailbox is what "msgport" measures.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmsgport.h>

#include "msgport_chan.h"

struct call_chan {
	struct msgport *mp;
	struct msgport_mailbox *mb;
	char name[MSGPORT_NAME_MAX + 1];
	uint64_t token;		/* server: the request being answered */
};

static int call_probe(struct bench_chan *ch)
{
	struct msgport_attr attr = { .capacity = 1, .mode = 0600 };
	struct msgport_mailbox *mb;
	int ret;

	ret = mp_probe_mailbox(ch, &attr, "probe mailbox", &mb);
	if (ret)
		return ret;
	/* A module with RPC says "no such call"; one without, "unknown ioctl". */
	ret = msgport_reply(mb, 1, "", 0);
	msgport_mailbox_close(mb);
	if (ret == -ENOENT)
		return 0;
	return mp_error(ch, ret ? ret : -EPROTO, "msgport_reply (the module has no RPC?)");
}

static int call_setup(struct bench_chan *ch)
{
	struct call_chan *c = calloc(1, sizeof(*c));
	struct msgport_attr attr = { .capacity = ch->depth, .mode = 0600 };
	unsigned long max = 4UL << 20;
	int ret;

	if (!c)
		return -ENOMEM;
	read_ulong_file("/sys/module/msgport/parameters/max_msg_size", &max);
	if (ch->size > max) {
		free(c);
		return bench_chan_error(ch, -EMSGSIZE, "%zu B is beyond the module's max_msg_size",
					ch->size);
	}
	attr.max_msg_size = (uint32_t)ch->size;
	ret = msgport_open(NULL, &c->mp);
	if (ret) {
		free(c);
		return mp_error(ch, ret, "msgport_open");
	}
	bench_unique_name(c->name, sizeof(c->name), "", "svc");
	ret = msgport_mailbox_open(c->mp, c->name, MSGPORT_O_CREAT | MSGPORT_O_EXCL |
				   MSGPORT_O_EPHEMERAL | MSGPORT_O_SEND | MSGPORT_O_RECV,
				   &attr, &c->mb);
	if (ret) {
		msgport_close(c->mp);
		free(c);
		return mp_error(ch, ret, "create the server's mailbox");
	}
	bench_chan_note(ch, "server mailbox capacity %u, max_msg_size %zu; call + reply_recv",
			ch->depth, ch->size);
	ch->priv = c;
	return 0;
}

static int call_attach(struct bench_chan *ch)
{
	struct call_chan *c = ch->priv;
	int ret;

	msgport_mailbox_close(c->mb);
	ret = msgport_mailbox_open(c->mp, c->name,
				   ch->role == BENCH_CLIENT ? MSGPORT_O_SEND : MSGPORT_O_RECV,
				   NULL, &c->mb);
	return ret ? mp_error(ch, ret, "open the server's mailbox") : 0;
}

static int call_ping(struct bench_chan *ch, const void *req, void *rep_buf, size_t len,
		     const void **rep)
{
	struct call_chan *c = ch->priv;
	ssize_t n;

	n = msgport_call(c->mb, req, len, rep_buf, len, 0, 0, MSGPORT_WAIT_FOREVER, NULL);
	if (n < 0)
		return mp_error(ch, (int)n, "msgport_call");
	if ((size_t)n != len)
		return -EBADMSG;
	*rep = rep_buf;
	return 0;
}

static int call_pong(struct bench_chan *ch, const void *reply, void *req_buf, size_t len,
		     const void **req)
{
	struct call_chan *c = ch->priv;
	struct msgport_msginfo info;
	int rr = 0, ret;
	ssize_t n;

	if (reply && !req_buf) {
		ret = msgport_reply(c->mb, c->token, reply, len);
		return ret ? mp_error(ch, ret, "msgport_reply") : 0;
	}
	if (reply)
		n = msgport_reply_recv(c->mb, c->token, reply, len, &rr, req_buf, len, 0,
				       MSGPORT_WAIT_FOREVER, &info);
	else
		n = msgport_recv(c->mb, req_buf, len, 0, MSGPORT_WAIT_FOREVER, &info);
	if (rr)
		return mp_error(ch, rr, "msgport_reply_recv (the reply)");
	if (n < 0)
		return mp_error(ch, (int)n, reply ? "msgport_reply_recv" : "msgport_recv");
	if ((size_t)n != len || !(info.msg_flags & MSGPORT_MSG_CALL))
		return -EBADMSG;
	c->token = info.token;
	*req = req_buf;
	return 0;
}

static void call_detach(struct bench_chan *ch)
{
	struct call_chan *c = ch->priv;

	msgport_mailbox_close(c->mb);
	msgport_close(c->mp);
}

static void call_teardown(struct bench_chan *ch)
{
	struct call_chan *c = ch->priv;

	msgport_mailbox_unlink(c->mp, c->name);
	msgport_mailbox_close(c->mb);
	msgport_close(c->mp);
	free(c);
}

BENCH_MECH(msgport_call) = {
	.name = "msgport-call",
	.summary = "RPC: msgport_call() / msgport_reply_recv() on a mailbox",
	.kind = BENCH_MSGPORT,
	.order = 140,
	.flags = BENCH_NOSTREAM,
	.probe = call_probe,
	.setup = call_setup,
	.attach = call_attach,
	.ping = call_ping,
	.pong = call_pong,
	.detach = call_detach,
	.teardown = call_teardown,
};
