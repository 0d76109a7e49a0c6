// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msgport-rdv: a rendezvous mailbox (capacity 0) per direction.
 * The mailboxes are made and used by msgport_chan.c.
 */
#include "msgport_chan.h"

static int rendezvous_setup(struct bench_chan *ch)
{
	return mp_setup(ch, 0, 0);
}

BENCH_MECH(msgport_rendezvous) = {
	.name = "msgport-rdv",
	.summary = "a rendezvous mailbox (capacity 0) per direction",
	.kind = BENCH_MSGPORT,
	.order = 110,
	.probe = mp_probe,
	.setup = rendezvous_setup,
	.attach = mp_attach,
	.send = mp_send,
	.recv = mp_recv,
	.detach = mp_detach,
	.teardown = mp_teardown,
};
