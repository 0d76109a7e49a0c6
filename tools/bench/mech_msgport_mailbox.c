// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport: a msgport mailbox per direction, capacity --depth, blocking send/recv.
 * The mailboxes are made and used by msgport_chan.c.
 */
#include "msgport_chan.h"

static int mailbox_setup(struct bench_chan *ch)
{
	return mp_setup(ch, ch->depth, 0);
}

BENCH_MECH(msgport_mailbox) = {
	.name = "msgport",
	.summary = "a msgport mailbox per direction, capacity --depth, blocking send/recv",
	.kind = BENCH_MSGPORT,
	.order = 100,
	.flags = BENCH_ONEPROC,
	.probe = mp_probe,
	.setup = mailbox_setup,
	.attach = mp_attach,
	.send = mp_send,
	.recv = mp_recv,
	.detach = mp_detach,
	.teardown = mp_teardown,
};
