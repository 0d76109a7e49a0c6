/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * msgport-bench: the mechanism interface and what the parts of the tool
 * share.
 *
 * A mechanism is one way of moving a message from one process to another
 * (a pipe, a POSIX queue, a msgport mailbox, ...), described by a
 * struct bench_mech and registered with BENCH_MECH() in its own file
 * (mech_*.c, floor_*.c).  Nothing else has to change to add one: the
 * registration lands in a linker section that main.c walks, and
 * tools/bench/bench.mk compiles every .c file of this directory.
 *
 * One measurement ("cell": a mechanism, a message size, a mode, a round) runs
 * like this, all in runner.c:
 *
 *   orchestrator:  setup(ch)                  create the channel (named
 *                                             objects, descriptors, rings)
 *                  fork client, fork server   (a solo mechanism: client only)
 *   each child:    attach(ch)                 open by name, drop unused ends
 *                  ... the measured loop ...
 *                  detach(ch)
 *   orchestrator:  teardown(ch)               after both children exited
 *
 * Directions: BENCH_FWD carries messages from the client to the server
 * (requests, the streamed messages), BENCH_BACK from the server to the
 * client (replies).
 *
 * The loops (runner.c), for a message of ch->size bytes:
 *   latency  client: buf = tx_buf(FWD) or its own; fill; ping(); verify the
 *                    reply; repeat.
 *            server: pong(NULL, req) receives the first request; then
 *                    verify req, fill the reply, pong(reply, next req), ...;
 *                    the last reply goes with pong(reply, NULL).
 *   stream   client: fill, send(FWD), repeat without waiting.
 *            server: recv(FWD), verify, rx_done(), repeat.
 *   single   one process (the client only, ch->mode == BENCH_SINGLE): fill,
 *            send(FWD), recv(FWD), verify, rx_done(), repeat; a solo
 *            mechanism's ping() instead.  Only mechanisms flagged
 *            BENCH_ONEPROC; their attach() keeps both ends of FWD open when
 *            ch->mode is BENCH_SINGLE.
 * ping and pong are optional: the default ping is send(FWD) + recv(BACK), the
 * default pong send(BACK) + recv(FWD).  A mechanism with a combined call
 * (call/reply, reply-and-receive) provides its own.
 *
 * Payloads: every message is written by its sender (payload_fill) and checked
 * by its receiver (payload_verify), whatever the mechanism; a mechanism that
 * can let the sender write in place (a region span, a System V msgbuf)
 * provides tx_buf(), and one that can let the receiver read in place sets
 * *msg in recv() and is told by rx_done() when the receiver is done with it.
 *
 * Messages larger than ch->chunk (set by setup when the mechanism cannot
 * carry ch->size in one message, e.g. a System V msgmax) are sent by the
 * runner as several chunks of at most ch->chunk bytes; then tx_buf is not
 * used and recv() is called with msg == NULL (the data must land in buf).
 *
 * Return values: 0 or a negative errno; on failure the hook may describe it
 * with bench_chan_error() (otherwise the runner prints the errno).
 */
#ifndef MSGPORT_BENCH_H
#define MSGPORT_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum bench_dir {
	BENCH_FWD = 0,		/* client -> server */
	BENCH_BACK = 1,		/* server -> client */
};

enum bench_role {
	BENCH_ORCH = -1,	/* the orchestrating process (setup, teardown) */
	BENCH_CLIENT = 0,	/* pings, or streams */
	BENCH_SERVER = 1,	/* pongs, or receives the stream */
};

enum bench_mode {
	BENCH_LATENCY = 0,	/* ping-pong round trips */
	BENCH_STREAM = 1,	/* one-way streaming */
	BENCH_SINGLE = 2,	/* one process sends and receives in turn */
};
#define BENCH_NMODES	3

/* struct bench_mech.kind: what the column of the comparison is. */
enum bench_kind {
	BENCH_PEER,		/* another IPC mechanism */
	BENCH_MSGPORT,		/* a msgport mechanism */
	BENCH_FLOOR,		/* a lower bound, not IPC */
};

/* struct bench_mech.flags */
#define BENCH_SOLO	(1U << 0)	/* one process: only the client runs ping() */
#define BENCH_NODATA	(1U << 1)	/* no payload (a system call floor) */
#define BENCH_NOSTREAM	(1U << 2)	/* round trips only (call/reply) */
#define BENCH_SHM	(1U << 3)	/* a peer whose payload bypasses the kernel */
#define BENCH_NOLATENCY	(1U << 4)	/* streaming only (a batched path) */
#define BENCH_ONEPROC	(1U << 5)	/* runs the one-process mode (BENCH_SINGLE) */

#define BENCH_NOTE_MAX	200
#define BENCH_ERR_MAX	200

/* A channel: one mechanism set up for one measurement. */
struct bench_chan {
	const struct bench_mech *mech;
	size_t size;		/* message size of this measurement */
	size_t chunk;		/* largest piece the mechanism carries; 0: all */
	unsigned int depth;	/* queue depth to use for streaming, in messages */
	enum bench_mode mode;	/* what this measurement is */
	enum bench_role role;	/* who is running the hook */
	void *priv;		/* the mechanism's state (set up before fork) */
	/* How the mechanism was configured (limits raised, chunking...). */
	char note[BENCH_NOTE_MAX];
	/* Set by a failing hook: what failed, in words. */
	char err[BENCH_ERR_MAX];
};

struct bench_mech {
	const char *name;	/* for --mech */
	const char *summary;	/* for --list and the JSON */
	enum bench_kind kind;
	int order;		/* position in tables: smaller first */
	unsigned int flags;	/* BENCH_SOLO, BENCH_NODATA, BENCH_NOSTREAM, BENCH_SHM,
				 * BENCH_NOLATENCY, BENCH_ONEPROC */

	/* Can it run here?  0, or -errno and a reason in ch->err (optional). */
	int (*probe)(struct bench_chan *ch);
	/*
	 * In the orchestrator: create the channel for ch->size (required).
	 * On failure it leaves nothing behind: teardown is not called.
	 */
	int (*setup)(struct bench_chan *ch);
	/* In each child after fork, ch->role set (optional). */
	int (*attach)(struct bench_chan *ch);
	/* A buffer of len bytes to fill in place for dir, or NULL (optional). */
	void *(*tx_buf)(struct bench_chan *ch, enum bench_dir dir, size_t len);
	/* Send len bytes at buf in direction dir; blocks while full. */
	int (*send)(struct bench_chan *ch, enum bench_dir dir, const void *buf,
		    size_t len);
	/*
	 * Receive exactly len bytes in direction dir, into buf; or, when msg
	 * is not NULL, possibly in the mechanism's own memory: *msg says where
	 * the message is (buf or elsewhere).  A message of another length is
	 * an error (-EBADMSG).
	 */
	int (*recv)(struct bench_chan *ch, enum bench_dir dir, void *buf,
		    size_t len, const void **msg);
	/*
	 * Client, stream: send what send() kept back (a batch not yet
	 * full), after the last message (optional).
	 */
	int (*flush)(struct bench_chan *ch, enum bench_dir dir);
	/* The receiver is done with *msg of recv() (optional). */
	void (*rx_done)(struct bench_chan *ch, enum bench_dir dir, const void *msg);
	/* Client: one round trip, req out, reply in (optional, see above). */
	int (*ping)(struct bench_chan *ch, const void *req, void *rep_buf,
		    size_t len, const void **rep);
	/*
	 * Server: send reply (unless NULL), then receive the next request
	 * (unless req_buf is NULL) as recv() does (optional).
	 */
	int (*pong)(struct bench_chan *ch, const void *reply, void *req_buf,
		    size_t len, const void **req);
	/* In each child before it exits (optional). */
	void (*detach)(struct bench_chan *ch);
	/* In the orchestrator after the children exited (required). */
	void (*teardown)(struct bench_chan *ch);
};

/* Registration: BENCH_MECH(pipe) = { .name = "pipe", ... }; */
#define BENCH_MECH(id)							\
	static const struct bench_mech bench_mech_##id;			\
	static const struct bench_mech *const bench_mech_ptr_##id	\
		__attribute__((used, section("bench_mechs"), aligned(sizeof(void *)))) = \
		&bench_mech_##id;					\
	static const struct bench_mech bench_mech_##id

/* snprintf() that may truncate on purpose (messages into fixed buffers). */
void bench_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Say what failed: "<fmt>: <strerror(err)>" into ch->err; returns err. */
int bench_chan_error(struct bench_chan *ch, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append to ch->note ("; " between parts). */
void bench_chan_note(struct bench_chan *ch, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A name unique to this run and channel: "<prefix>msgport-bench.<pid>.<n>.<tag>". */
void bench_unique_name(char *buf, size_t len, const char *prefix, const char *tag);

/* payload.c: every message is written and checked. */
#define BENCH_MIN_SIZE	8
void payload_fill(void *buf, size_t len, uint64_t seq);
/* 0, or -EBADMSG when buf is not message seq intact. */
int payload_verify(const void *buf, size_t len, uint64_t seq);

/* fd_io.c: whole-buffer read(2)/write(2) on stream descriptors. */
int fd_write_full(int fd, const void *buf, size_t len);
int fd_read_full(int fd, void *buf, size_t len);	/* -EPIPE at EOF */

/* sysfs.c: small files of /proc and /sys. */
int read_ulong_file(const char *path, unsigned long *out);
int read_line_file(const char *path, char *buf, size_t len);

/* The clock every measurement uses. */
uint64_t bench_now_ns(void);

#endif /* MSGPORT_BENCH_H */
