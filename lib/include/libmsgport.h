/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmsgport: the userspace library of msgport.
 *
 * Every function that can fail returns 0 (or a non-negative count) on
 * success and a negative errno on failure; it never sets errno for you to
 * read.  msgport_strerror() turns such a value into a sentence that says what
 * went wrong and, for msgport's own limits, which limit.
 *
 * Handles are opaque.  A struct msgport is an open /dev/msgport whose ABI
 * was checked; a struct msgport_mailbox is an open mailbox.  A handle may be
 * used from several threads at once; closing it while another thread uses it
 * is the caller's bug, as with close(2).
 */
#ifndef LIBMSGPORT_H
#define LIBMSGPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/msgport.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The library's interface version, as this header describes it: MAJOR is
 * that of the soname (libmsgport.so.1), MINOR that of the newest symbol
 * version (LIBMSGPORT_1.3).  A new minor adds functions and changes none; a
 * program that needs one can test it at compile time, e.g. the batch
 * functions (1.1) with
 *   #if LIBMSGPORT_VERSION_MAJOR == 1 && LIBMSGPORT_VERSION_MINOR >= 1
 * and the dynamic linker refuses to run it against a library without the
 * symbol versions it was linked with.  Not the release: that is
 * msgport_lib_version().
 */
#define LIBMSGPORT_VERSION_MAJOR	1
#define LIBMSGPORT_VERSION_MINOR	3

struct msgport;
struct msgport_mailbox;

/* The library's own version, "MAJOR.MINOR.PATCH" (the release). */
const char *msgport_lib_version(void);

/*
 * Open the control device (path NULL: $MSGPORT_DEVICE, else /dev/msgport)
 * and check that the module speaks our ABI major.
 * -ENOENT: no such device (module not loaded); -EACCES: not allowed to open
 * it; -EPROTO: the module's ABI major differs from the library's.
 */
int msgport_open(const char *path, struct msgport **mpp);
void msgport_close(struct msgport *mp);
/* The descriptor of /dev/msgport, for poll or raw ioctls. */
int msgport_fd(const struct msgport *mp);
/* The module's versions, as answered by MSGPORT_IOC_VERSION. */
int msgport_module_version(struct msgport *mp, struct msgport_version *v);

/* A message or errno: text for a negative (or positive) errno value. */
const char *msgport_strerror(int err);

/* Attributes of a mailbox being created. */
struct msgport_attr {
	uint32_t capacity;	/* messages; 0 rendezvous; MSGPORT_CAPACITY_UNBOUNDED */
	uint32_t max_msg_size;	/* bytes; 0 = module default */
	uint32_t mode;		/* permission bits, e.g. 0600 */
	uint32_t topic;		/* MSGPORT_O_TOPIC: the MSGPORT_TOPIC_* policies allowed; else 0 */
	uint64_t region_size;	/* bytes of shared region (rounded up to pages); 0 none */
};

/*
 * Open a mailbox by name; with MSGPORT_O_CREAT in oflags create it with
 * attr (NULL: capacity 16, default size, mode 0600).  oflags are the
 * MSGPORT_O_* flags of <linux/msgport.h>.
 */
int msgport_mailbox_open(struct msgport *mp, const char *name, unsigned int oflags,
			 const struct msgport_attr *attr, struct msgport_mailbox **mbp);
int msgport_mailbox_unlink(struct msgport *mp, const char *name);
void msgport_mailbox_close(struct msgport_mailbox *mb);
int msgport_mailbox_fd(const struct msgport_mailbox *mb);
int msgport_mailbox_stat(struct msgport_mailbox *mb, struct msgport_stat *st);
int msgport_mailbox_chmod(struct msgport_mailbox *mb, uint32_t mode);

/*
 * Anonymous mailboxes and reduced rights (LIBMSGPORT_1.2).
 * msgport_mailbox_create_anon() creates a mailbox with no name, reachable
 * only through its descriptors (as pipe2(2)): oflags MSGPORT_O_RECV and/or
 * MSGPORT_O_SEND, optionally MSGPORT_O_NONBLOCK; attr as for
 * msgport_mailbox_open() with MSGPORT_O_CREAT (NULL: the same defaults).
 * Once every handle that can receive is closed, sends fail with -EPIPE;
 * once every handle that can send is closed, a receive that finds nothing
 * fails with -EPIPE.  msgport_mailbox_dup() makes a new handle of mb's
 * mailbox with access (MSGPORT_O_RECV and/or MSGPORT_O_SEND, or 0 for stat
 * only) at most mb's (-EPERM otherwise); flags MSGPORT_O_NONBLOCK.  Both
 * descriptors are close-on-exec.  -EINVAL for an inbox.
 */
int msgport_mailbox_create_anon(struct msgport *mp, unsigned int oflags,
				const struct msgport_attr *attr, struct msgport_mailbox **mbp);
int msgport_mailbox_dup(struct msgport_mailbox *mb, unsigned int access, unsigned int flags,
			struct msgport_mailbox **mbp);

/*
 * Topics: a mailbox created with MSGPORT_O_TOPIC gives each message sent on
 * it (msgport_send() on a descriptor opened with MSGPORT_O_SEND) to every
 * subscription.  msgport_subscribe() opens a subscription: a receive-only
 * descriptor with a queue of its own, of capacity messages (0: the
 * topic's) and overflow policy (one MSGPORT_TOPIC_*, 0: the topic's
 * default); receive from it with msgport_recv().  oflags: MSGPORT_O_SEND
 * (also publish through it), MSGPORT_O_NONBLOCK.
 */
struct msgport_subscription {
	uint32_t capacity;
	uint32_t policy;
	uint32_t oflags;
	uint32_t reserved;	/* zero */
};

int msgport_subscribe(struct msgport *mp, const char *name, const struct msgport_subscription *sub,
		      struct msgport_mailbox **mbp);

/* timeout_ns for send and receive: wait without limit. */
#define MSGPORT_WAIT_FOREVER	(-1LL)

/*
 * Messages that carry open descriptors (LIBMSGPORT_1.2), as SCM_RIGHTS: see
 * msgport_send_fds(3).  msgport_send_fds() sends len bytes at buf with nfds
 * (at most MSGPORT_FDS_MAX) descriptors; the receiver of
 * msgport_recv_fds() gets new descriptors of the same open files in fds
 * (room for nfds of them; nfds_received says how many came), close-on-exec
 * with MSGPORT_F_CLOEXEC.  info.msg_flags: MSGPORT_MSG_FDS (it carried
 * some), MSGPORT_MSG_FDS_DROPPED (some did not come: closed).  A receiver
 * with too little room gets -EMSGSIZE and the message stays (nfds_received:
 * how many it carries), unless MSGPORT_F_TRUNC.  What may travel: not a
 * mailbox handle that can receive (pass msgport_mailbox_dup()'s send-only
 * one), not an inbox, not an AF_UNIX socket nor an io_uring (-EINVAL).
 */
struct msgport_sendmsg {
	const void *buf;
	size_t len;
	const int *fds;
	unsigned int nfds;
	unsigned int priority;
	unsigned int flags;		/* MSGPORT_F_NONBLOCK, MSGPORT_F_SYNC */
	unsigned int reserved;		/* 0 */
	int64_t timeout_ns;		/* MSGPORT_WAIT_FOREVER, or >= 0 */
	uint64_t seq;			/* out */
};

struct msgport_recvmsg {
	void *buf;
	size_t len;
	int *fds;			/* room for nfds descriptors */
	unsigned int nfds;
	unsigned int nfds_received;	/* out */
	unsigned int flags;		/* MSGPORT_F_NONBLOCK, _TRUNC, _CLOEXEC */
	unsigned int reserved;		/* 0 */
	int64_t timeout_ns;
	struct msgport_msginfo info;	/* out */
};

int msgport_send_fds(struct msgport_mailbox *mb, struct msgport_sendmsg *m);
ssize_t msgport_recv_fds(struct msgport_mailbox *mb, struct msgport_recvmsg *m);
/*
 * A handle for a mailbox descriptor received (or inherited): takes fd over
 * (msgport_mailbox_close() closes it); -ENOTTY if fd is no mailbox's.
 */
int msgport_mailbox_from_fd(int fd, struct msgport_mailbox **mbp);

/*
 * Send len bytes at buf with priority prio.  flags: MSGPORT_F_NONBLOCK,
 * MSGPORT_F_SYNC (MSGPORT_F_SPAN is -EINVAL here: see msgport_span_send).  timeout_ns >= 0 bounds the wait (-ETIMEDOUT after it);
 * MSGPORT_WAIT_FOREVER waits without limit.  seq (may be NULL) receives the
 * message's sequence number.
 */
int msgport_send(struct msgport_mailbox *mb, const void *buf, size_t len, unsigned int prio,
		 unsigned int flags, int64_t timeout_ns, uint64_t *seq);

/*
 * Receive into buf (len bytes).  flags: MSGPORT_F_NONBLOCK, MSGPORT_F_PEEK,
 * MSGPORT_F_TRUNC, MSGPORT_F_SPAN (take a span message by reference: nothing
 * copied, 0 returned, info->span_offset and info->len locate it; without it
 * a span's bytes are copied like a payload).  Returns the bytes copied.
 * info (may be NULL) receives the metadata, also on -EMSGSIZE where
 * info->len is the needed size; with info NULL the module makes none
 * (MSGPORT_F_NOINFO, which the library sets: -EINVAL from a caller), and a
 * call's request so received shows no token.
 */
ssize_t msgport_recv(struct msgport_mailbox *mb, void *buf, size_t len, unsigned int flags,
		     int64_t timeout_ns, struct msgport_msginfo *info);

/*
 * Batches: up to MSGPORT_BATCH_MAX messages on one mailbox in one system
 * call, as sendmmsg(2) and recvmmsg(2): the fast way to stream small
 * messages.  msgport_send_batch() sends msgs[0..n) in order (buf, len,
 * prio; seq is filled in), each as msgport_send() would with flags and
 * timeout_ns; msgport_recv_batch() receives into msgs[0..n) (buf, len = the
 * buffer size; len becomes the bytes received and info the metadata), as
 * msgport_recv() would, but waits (flags, timeout_ns) only for the first
 * message: the others are what is already queued.  Both stop at the first
 * message that fails and return how many were done, or, if none was, that
 * message's -errno (-EMSGSIZE with msgs[0].info filled in, as
 * msgport_recv()).  Not in a receive batch: MSGPORT_F_PEEK, MSGPORT_F_FROM,
 * MSGPORT_F_NOINFO (-EINVAL); MSGPORT_F_SPAN takes spans by reference (len 0).
 */
struct msgport_batch_msg {
	void *buf;			/* send: the payload; receive: the buffer */
	size_t len;			/* send: payload bytes; receive: in size, out bytes */
	unsigned int prio;		/* send: the priority */
	uint64_t seq;			/* send: out, the sequence number */
	struct msgport_msginfo info;	/* receive: out, the metadata */
};

int msgport_send_batch(struct msgport_mailbox *mb, struct msgport_batch_msg *msgs, unsigned int n,
		       unsigned int flags, int64_t timeout_ns);
int msgport_recv_batch(struct msgport_mailbox *mb, struct msgport_batch_msg *msgs, unsigned int n,
		       unsigned int flags, int64_t timeout_ns);

/*
 * Shared regions.  A mailbox created with attr->region_size > 0 carries a
 * region of shared memory; msgport_region_map() maps all of it
 * (MAP_SHARED), readable, and writable when the mailbox was opened with
 * MSGPORT_O_SEND as well as MSGPORT_O_RECV.  Mapping needs MSGPORT_O_RECV
 * (-EACCES otherwise); a mailbox without a region gives -ENODEV.  The
 * mapping stays valid after msgport_mailbox_close() (it keeps the mailbox
 * alive) until msgport_region_unmap(), and is inherited by fork(2).
 */
struct msgport_region;

int msgport_region_map(struct msgport_mailbox *mb, struct msgport_region **rp);
void msgport_region_unmap(struct msgport_region *r);
void *msgport_region_addr(const struct msgport_region *r);
size_t msgport_region_size(const struct msgport_region *r);
/* 1 if the mapping is writable, 0 if read-only, -EINVAL for NULL. */
int msgport_region_writable(const struct msgport_region *r);
/*
 * A futex for the region (futex(2) cannot wait across processes on region
 * memory): msgport_region_wait() sleeps until the 32-bit word at offset
 * (4-byte aligned) no longer holds value, at most timeout_ns (-ETIMEDOUT;
 * MSGPORT_WAIT_FOREVER: no limit; a signal: -EINTR, or a restart under
 * SA_RESTART).  After changing a word, call msgport_region_wake(): every
 * sleeper on the region looks at its word again.  -ERANGE for an offset
 * outside the region, -EINVAL if misaligned.
 */
int msgport_region_wait(struct msgport_region *r, uint64_t offset, uint32_t value,
			int64_t timeout_ns);
int msgport_region_wake(struct msgport_region *r);

/*
 * Spans: zero-copy messages that refer to bytes of the region.
 *
 * A span is (offset, len) in the region; addr is where it is in this
 * process's mapping (NULL without one).  The kernel checks only that a sent
 * span lies inside the region; the library's span pool, an allocator that
 * lives in the region itself (a header and a bitmap in its first bytes,
 * updated with atomic operations, no lock), gives out spans that do not
 * overlap, so producers and consumers in any number of processes can stream
 * buffers without copying them.  Ownership:
 *  - msgport_span_alloc() gives the caller a span: it alone may write it;
 *  - msgport_span_send() passes it on: after it returns 0 the sender must
 *    not touch the span; if it fails, the sender still owns it (to retry
 *    or release);
 *  - the receiver that takes the message (msgport_span_recv(), or
 *    msgport_recv() with MSGPORT_F_SPAN) owns it until it calls
 *    msgport_span_release(), after which the pool may give it out again;
 *    a peek takes nothing;
 *  - a span message nobody takes by reference (dropped by unlink, or
 *    copied to a receiver that did not ask for spans) stays allocated
 *    unless someone releases its (offset, len).
 * Allocating and releasing write the pool, so both need a writable mapping
 * (the mailbox opened with MSGPORT_O_SEND | MSGPORT_O_RECV): -EBADF on a
 * read-only one.  Sending a span needs no mapping.
 */
struct msgport_span {
	void *addr;		/* in this process's mapping, or NULL */
	uint64_t offset;	/* in the region */
	size_t len;
};

/*
 * Format the region as a span pool of chunk_size-byte chunks (a power of
 * two, 64 bytes to 1 GiB; 0 picks up to 64 KiB, so that there are at least
 * 16 chunks).  Done once, by one process, usually the mailbox's creator,
 * before spans are used.  -EEXIST if the region already holds a pool,
 * -EINVAL for a bad chunk_size or a region too small for the pool's header
 * and one chunk, -EBADF for a read-only mapping.
 */
int msgport_span_pool_init(struct msgport_region *r, size_t chunk_size);
/*
 * The pool's chunk size and number of chunks, and how many are free now
 * (any pointer may be NULL).  -ENOMSG if the region holds no pool.
 */
int msgport_span_pool_stat(struct msgport_region *r, size_t *chunk_size, size_t *nchunks,
			   size_t *free_chunks);

/*
 * Allocate a span of len bytes (rounded up to whole chunks, contiguous).
 * Waits for releases while the pool has no room, at most timeout_ns
 * (-ETIMEDOUT; MSGPORT_WAIT_FOREVER: no limit; a signal: -EINTR); flags
 * MSGPORT_F_NONBLOCK: -EAGAIN at once.  -EMSGSIZE if len is 0 or larger than
 * the whole pool, -ENOMSG if the region holds no pool, -EBADF if the mapping
 * is read-only.  The wait sleeps in the kernel (msgport_region_wait() on the
 * pool's release counter) and a release wakes it.
 */
int msgport_span_alloc(struct msgport_region *r, size_t len, unsigned int flags,
		       int64_t timeout_ns, struct msgport_span *sp);
/*
 * Give a span back to the pool.  -EINVAL if (offset, len) is not a span
 * of this pool that is allocated (a double release is caught only when
 * nobody allocated the chunks again in between), -ENOMSG, -EBADF as above.
 */
int msgport_span_release(struct msgport_region *r, const struct msgport_span *sp);

/*
 * Send sp (its offset and len; addr is not used) as a span message, with
 * prio, flags (MSGPORT_F_NONBLOCK, MSGPORT_F_SYNC), timeout_ns and seq as
 * for msgport_send().  The kernel refuses a span outside the region
 * (-ERANGE), an empty one or a mailbox without a region (-EINVAL).
 */
int msgport_span_send(struct msgport_mailbox *mb, const struct msgport_span *sp, unsigned int prio,
		      unsigned int flags, int64_t timeout_ns, uint64_t *seq);
/*
 * Receive the next message as a span, by reference: fills sp, with addr in
 * r's mapping (r may be NULL: addr NULL).  A message that is not a span is
 * received only if it is empty (sp->len 0, addr NULL: an end-of-stream mark,
 * say); one with a payload stays queued and gives -EMSGSIZE (info->len is
 * its length: take it with msgport_recv()).  flags: MSGPORT_F_NONBLOCK,
 * MSGPORT_F_PEEK; info (may be NULL) as for msgport_recv().
 */
int msgport_span_recv(struct msgport_mailbox *mb, struct msgport_region *r,
		      struct msgport_span *sp, unsigned int flags, int64_t timeout_ns,
		      struct msgport_msginfo *info);

/*
 * Rings (LIBMSGPORT_1.2): a queue of variable-length messages in a
 * mailbox's region, with no system call while neither side has to wait.
 * One consumer; one producer, or many with MSGPORT_RING_MPSC (in any
 * threads and processes that map the region writable, i.e. opened the
 * mailbox with MSGPORT_O_SEND | MSGPORT_O_RECV; all in one pid namespace).
 * A side that must wait sleeps in msgport_region_wait() on a word of the
 * ring's header and is woken only when it sleeps.  Messages arrive in the
 * order their space was reserved.  The ring's memory is shared with other
 * processes and treated as hostile: a corrupt header or record gives
 * -EBADMSG, never an access outside the ring or an endless loop.  A
 * producer that dies between msgport_ring_reserve() and
 * msgport_ring_commit() leaves a record that the consumer skips once it
 * finds that thread gone (after about 20 ms; a thread is known by its id
 * and start time, so a reused id does not keep it waiting), counted in
 * msgport_ring_stat()'s skipped.  Not async-signal-safe.  See
 * msgport_ring_init(3).
 *
 * timeout_ns everywhere: 0 does not wait (-EAGAIN), > 0 waits at most that
 * long (-ETIMEDOUT), MSGPORT_WAIT_FOREVER without limit; a signal: -EINTR.
 */
#define MSGPORT_RING_MPSC	0x1U	/* attr.flags: many producers */

struct msgport_ring;

struct msgport_ring_attr {
	uint64_t offset;	/* of the ring in the region, a multiple of 64 */
	uint64_t size;		/* bytes from offset the ring may use (>= 448) */
	uint32_t flags;		/* MSGPORT_RING_MPSC */
	uint32_t max_msg;	/* largest message; 0: the most the ring takes */
	uint64_t reserved[4];	/* zero */
};

struct msgport_ring_stat {
	uint64_t offset;	/* in the region */
	uint64_t size;		/* bytes the ring uses, header included */
	uint64_t data_size;	/* bytes for records */
	uint32_t flags;
	uint32_t max_msg;
	uint64_t used;		/* bytes of records not yet consumed */
	uint64_t skipped;	/* records of dead producers skipped */
	uint64_t reserved[4];
};

/*
 * Format a ring at attr->offset: once, by one process, before anyone
 * attaches.  The records take the largest power of two that fits in
 * attr->size - 192, at most 2 GiB.  -EEXIST if the first 4 bytes at
 * attr->offset are not zero (a ring is there, or anything else), -EINVAL
 * for a bad attr, -EMSGSIZE for a max_msg above what the ring can take (a
 * record is at most half of it), -EBADF for a read-only mapping.
 */
int msgport_ring_init(struct msgport_region *r, const struct msgport_ring_attr *attr);
/*
 * A handle on the ring at offset, its geometry checked and copied:
 * -ENOMSG if no ring is there, -EBADMSG if its header is corrupt, -EBADF
 * for a read-only mapping, -EXDEV if the caller is in another pid namespace
 * than the ring's creator.  The handle must not outlive the mapping.
 */
int msgport_ring_attach(struct msgport_region *r, uint64_t offset, struct msgport_ring **ringp);
void msgport_ring_detach(struct msgport_ring *ring);
int msgport_ring_stat(struct msgport_ring *ring, struct msgport_ring_stat *st);

/* Send len bytes (0 to max_msg: -EMSGSIZE otherwise), waiting for room. */
int msgport_ring_send(struct msgport_ring *ring, const void *buf, size_t len, int64_t timeout_ns);
/*
 * Receive the next message into buf: its length; -EMSGSIZE (it stays
 * queued) if longer than len.  Consumer only, one at a time.
 */
ssize_t msgport_ring_recv(struct msgport_ring *ring, void *buf, size_t len, int64_t timeout_ns);
/*
 * Zero copy.  msgport_ring_reserve() gives *bufp, len bytes in the ring to
 * write, and msgport_ring_commit(buf), from the thread that reserved,
 * publishes them (-ESTALE: not this thread's reservation, or too late: the
 * consumer took the thread for dead and skipped the record).
 * msgport_ring_peek() gives the next message in place (*bufp, its length
 * returned; the producer could still scribble on it: check what you use),
 * and msgport_ring_release() consumes it (-ENOENT without a peek); between
 * the two, recv and peek give -EBUSY.
 */
int msgport_ring_reserve(struct msgport_ring *ring, size_t len, int64_t timeout_ns, void **bufp);
int msgport_ring_commit(struct msgport_ring *ring, void *buf);
ssize_t msgport_ring_peek(struct msgport_ring *ring, const void **bufp, int64_t timeout_ns);
int msgport_ring_release(struct msgport_ring *ring);

/*
 * Direct messages.  Each process may open one inbox: an unnamed mailbox
 * that other processes address by its pid.  msgport_inbox_open() returns it
 * as a receive-only mailbox handle (msgport_recv(), _fd(), _stat(), _chmod()
 * and _close() work on it); attr (NULL: capacity 16, default size, mode
 * 0600) as for a mailbox, where mode's group and other write bits say who
 * besides the owner's euid (and CAP_IPC_OWNER) may send; region_size must
 * be 0.  oflags: MSGPORT_O_NONBLOCK.  -EEXIST if the process has an inbox
 * open already.  The inbox closes when the process closes its last
 * descriptor of it or exits: blocked senders and callers then get
 * -ECONNRESET, queued messages are dropped, later sends -ECONNREFUSED.  A
 * forked child inherits the descriptor (and may receive from it) but not the
 * inbox: it can open its own.
 */
int msgport_inbox_open(struct msgport *mp, const struct msgport_attr *attr, unsigned int oflags,
		       struct msgport_mailbox **inboxp);

/*
 * Send to the inbox of process pid (in the caller's pid namespace); the rest
 * as msgport_send().  -ESRCH: no such process; -ECONNREFUSED: it has no
 * inbox; -EACCES: its mode does not let us; -ECONNRESET: it closed while we
 * waited for room or for a receipt (MSGPORT_F_SYNC).
 */
int msgport_send_pid(struct msgport *mp, pid_t pid, const void *buf, size_t len, unsigned int prio,
		     unsigned int flags, int64_t timeout_ns, uint64_t *seq);

/*
 * Receive only a message sent by process from (from 0: any, as
 * msgport_recv()); the other messages stay queued in their order.  The
 * sender is matched by identity, not by number: -ESRCH if from names no
 * live process.  Works on mailboxes and inboxes; the rest as msgport_recv().
 */
ssize_t msgport_recv_from(struct msgport_mailbox *mb, pid_t from, void *buf, size_t len,
			  unsigned int flags, int64_t timeout_ns, struct msgport_msginfo *info);

/*
 * Remote procedure calls.  msgport_call() sends the request req (req_len
 * bytes, priority prio) to a mailbox opened with MSGPORT_O_SEND, and
 * msgport_call_pid() to the inbox of process pid; both then wait for the
 * reply and return its length as copied into reply (reply_len bytes).  The
 * request reaches the server with MSGPORT_MSG_CALL in info.msg_flags and a
 * token in info.token; the server answers it with msgport_reply() (or
 * msgport_reply_recv()) through the handle it received it from, and only
 * that caller gets the reply.  flags: MSGPORT_F_NONBLOCK (do not wait for
 * room for the request), MSGPORT_F_TRUNC (accept a reply longer than
 * reply_len, truncated; without it such a reply is refused to the server
 * with -EMSGSIZE).  timeout_ns bounds the whole call.  info (may be NULL)
 * describes the reply: the server's pid and credentials, the token, the
 * reply's full length.
 *
 * A call that times out or is interrupted before a server took the request
 * withdraws it (no server ever sees it; under SA_RESTART it restarts).
 * After that it fails with -ETIMEDOUT or -EINTR, and the server's reply
 * gets -ECANCELED.  -ECONNRESET: the server closed the handle it received
 * the request through (it exited, say) before answering, or the target inbox
 * closed, or the request was still queued when the last handle that could
 * receive it closed; -EIDRM: the mailbox was unlinked before the answer.
 */
ssize_t msgport_call(struct msgport_mailbox *mb, const void *req, size_t req_len, void *reply,
		     size_t reply_len, unsigned int prio, unsigned int flags, int64_t timeout_ns,
		     struct msgport_msginfo *info);
ssize_t msgport_call_pid(struct msgport *mp, pid_t pid, const void *req, size_t req_len,
			 void *reply, size_t reply_len, unsigned int prio, unsigned int flags,
			 int64_t timeout_ns, struct msgport_msginfo *info);

/*
 * Answer call token (from a received request's info.token) with len bytes.
 * -ENOENT: no such call was received through mb, or it was answered
 * already; -ECANCELED: its caller gave up (timed out, interrupted, exited);
 * -EMSGSIZE: longer than the caller's reply buffer (the call stays open:
 * answer again, shorter) or than the mailbox's maximum.
 */
int msgport_reply(struct msgport_mailbox *mb, uint64_t token, const void *buf, size_t len);

/*
 * A server loop's step in one system call: answer token (0: nothing to
 * answer) with reply, then receive the next message into buf as
 * msgport_recv() does, and return its result.  *reply_result (may be NULL)
 * says what became of the reply: 0, or -ENOENT/-ECANCELED (its caller is
 * gone: the receive went on anyway), or another error, which is then also
 * the return value and nothing was received.  Not MSGPORT_F_NOINFO
 * (-EINVAL): a server needs the next request's token.
 */
ssize_t msgport_reply_recv(struct msgport_mailbox *mb, uint64_t token, const void *reply,
			   size_t reply_len, int *reply_result, void *buf, size_t len,
			   unsigned int flags, int64_t timeout_ns, struct msgport_msginfo *info);

/*
 * Relaying, leases and error replies (LIBMSGPORT_1.3; they need a module of
 * ABI 1.3, else -EINVAL or -ENOTTY): for a program that carries messages
 * between machines, as msgport-bridge(8) does.  See "Relaying" and
 * "Leases" in <linux/msgport.h>.
 *
 * msgport_send_relay() sends as msgport_send_fds() does (m->nfds may be 0)
 * with relay (NULL: none) as the message's claimed origin.
 *
 * msgport_recv_relay() receives as msgport_recv_fds() does (m->nfds may be
 * 0); relay (may be NULL) receives the message's relayed origin (zeroes if
 * m->info.msg_flags lacks MSGPORT_MSG_RELAYED).  m->flags may hold
 * MSGPORT_F_LEASE (not with MSGPORT_F_PEEK, _SPAN or nfds): the message
 * stays the mailbox's until msgport_commit(mb, m->info.seq, 0) forgets it
 * or msgport_commit(..., MSGPORT_COMMIT_RETURN) puts it back; closing the
 * last handle of the open mailbox puts back all it holds.
 * msgport_commit_refuse(mb, seq, err) ends the lease of a message that can
 * never be delivered: dropped, its synchronous sender's send fails with
 * -err (err a positive errno below 512: EACCES, EMSGSIZE, ENOENT...).
 *
 * msgport_call_relay() calls as msgport_call() does, with c->relay (NULL:
 * none) as the request's origin; c->info and c->reply_relay describe the
 * reply.  msgport_reply_relay() answers as msgport_reply() does, with relay
 * as the reply's origin.  msgport_reply_error() answers with a failure: the
 * caller's call returns -err (err a positive errno below 512).
 */
int msgport_send_relay(struct msgport_mailbox *mb, struct msgport_sendmsg *m,
		       const struct msgport_relay *relay);
ssize_t msgport_recv_relay(struct msgport_mailbox *mb, struct msgport_recvmsg *m,
			   struct msgport_relay *relay);
int msgport_commit(struct msgport_mailbox *mb, uint64_t seq, unsigned int flags);
int msgport_commit_refuse(struct msgport_mailbox *mb, uint64_t seq, int err);

struct msgport_callmsg {
	const void *req;
	size_t req_len;
	void *reply;
	size_t reply_len;
	unsigned int prio;
	unsigned int flags;		/* MSGPORT_F_NONBLOCK, MSGPORT_F_TRUNC */
	int64_t timeout_ns;		/* MSGPORT_WAIT_FOREVER, or >= 0 */
	const struct msgport_relay *relay;	/* the request's origin, or NULL */
	uint64_t token;			/* out: the call's token */
	struct msgport_msginfo info;	/* out: the reply's metadata */
	struct msgport_relay reply_relay;	/* out: the reply's origin, if relayed */
};

ssize_t msgport_call_relay(struct msgport_mailbox *mb, struct msgport_callmsg *c);
int msgport_reply_relay(struct msgport_mailbox *mb, uint64_t token, const void *buf, size_t len,
			const struct msgport_relay *relay);
int msgport_reply_error(struct msgport_mailbox *mb, uint64_t token, int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBMSGPORT_H */
