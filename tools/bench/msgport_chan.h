/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the msgport mailbox mechanisms share: two mailboxes (one per
 * direction) created by the orchestrator with a given capacity, opened by
 * name in each child (the client sends on "fwd" and receives on "back", the
 * server the reverse), send and receive through libmsgport.
 */
#ifndef MSGPORT_BENCH_MSGPORT_CHAN_H
#define MSGPORT_BENCH_MSGPORT_CHAN_H

#include <libmsgport.h>

#include "bench.h"

struct mp_chan {
	struct msgport *mp;
	struct msgport_mailbox *mb[2];	/* [bench_dir] */
	char name[2][MSGPORT_NAME_MAX + 1];
	uint32_t capacity;
	unsigned int send_flags;	/* MSGPORT_F_SYNC for the synchronous send */
};

/* "<what>: <msgport_strerror(err)>" into ch->err; returns err. */
__attribute__((format(printf, 3, 4))) int mp_error(struct bench_chan *ch, int err,
						   const char *fmt, ...);
/*
 * Create an ephemeral mailbox with @attr to see what the module can do;
 * on failure "@what: <error>" in ch->err.
 */
int mp_probe_mailbox(struct bench_chan *ch, const struct msgport_attr *attr, const char *what,
		     struct msgport_mailbox **mbp);
/* Is /dev/msgport there and speaking our ABI? */
int mp_probe(struct bench_chan *ch);
/* Creates the two mailboxes; capacity 0 is a rendezvous. */
int mp_setup(struct bench_chan *ch, uint32_t capacity, unsigned int send_flags);
int mp_attach(struct bench_chan *ch);
int mp_send(struct bench_chan *ch, enum bench_dir dir, const void *buf, size_t len);
int mp_recv(struct bench_chan *ch, enum bench_dir dir, void *buf, size_t len, const void **msg);
void mp_detach(struct bench_chan *ch);
void mp_teardown(struct bench_chan *ch);

#endif /* MSGPORT_BENCH_MSGPORT_CHAN_H */
