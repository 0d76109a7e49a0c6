// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport-sync: mailboxes of capacity --depth, MSGPORT_F_SYNC sends (delivery receipt).
 * The mailboxes are made and used by msgport_chan.c.
 */
#include "msgport_chan.h"

static int sync_setup(struct bench_chan *ch)
{
	return mp_setup(ch, ch->depth, MSGPORT_F_SYNC);
}

BENCH_MECH(msgport_sync) = {
	.name = "msgport-sync",
	.summary = "mailboxes of capacity --depth, MSGPORT_F_SYNC sends (delivery receipt)",
	.kind = BENCH_MSGPORT,
	.order = 120,
	.probe = mp_probe,
	.setup = sync_setup,
	.attach = mp_attach,
	.send = mp_send,
	.recv = mp_recv,
	.detach = mp_detach,
	.teardown = mp_teardown,
};
