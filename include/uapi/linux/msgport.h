/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * msgport: message passing and shared memory through /dev/msgport.
 *
 * This is the one ABI header: the kernel module, libmsgport, the tools and
 * the tests all include it.  Rules (Documentation/driver-api/ioctl.rst):
 *
 *  - every field is fixed-width; user pointers travel as __u64;
 *  - every struct is a multiple of 8 bytes with no implicit padding, so its
 *    layout is identical for 32-bit (i386) and 64-bit callers and the module
 *    uses compat_ptr_ioctl();
 *  - "reserved" fields must be zero on input (-EINVAL otherwise) and are
 *    zero on output;
 *  - unknown flag bits are rejected with -EINVAL, unknown commands with
 *    -ENOTTY;
 *  - timeouts are relative nanoseconds on CLOCK_MONOTONIC.
 *
 * Growing the ABI (the extension policy; as openat2(2) and clone3(2), with
 * the size carried by the ioctl command number instead of an argument):
 *
 *  - A struct grows only at its end, by whole 8-byte words, with fields
 *    whose zero means what the struct meant before (or that are read only
 *    under a new flag bit).  Fields are never moved, retyped or reused;
 *    a reserved field becomes a field under the same rule.  A struct that
 *    can grow is embedded in another only as its last member
 *    (msgport_msginfo ends msgport_recv and msgport_call, msgport_recv
 *    ends msgport_reply_recv), so the outer one grows at its end too:
 *    their growth is msginfo's (output), and their inputs grow only into
 *    their reserved words, under a flag.  msgport_reply, the first member
 *    of msgport_reply_recv, never grows (a new reply is a new command).
 *  - A command's number holds its struct's size (_IOC_SIZE), so the size
 *    a program was compiled with reaches the module with every call.  The
 *    module takes a command at every size, in whole 8-byte words, from the
 *    struct's first published one (MSGPORT_*_SIZE_VER0 below) on (ABI 1.2
 *    on; a module of ABI 1.1 takes the first sizes only); smaller sizes,
 *    other directions or another type are not that command (-ENOTTY).
 *  - An older program's shorter struct reads as if extended with zeros.
 *    A newer program's longer struct: its bytes past what the module
 *    knows must be zero (-E2BIG otherwise; copy_struct_from_user()'s
 *    rule), so a request the module cannot honour is refused, never
 *    half-done; but where those bytes are output (stat's, version's, and
 *    msginfo's at the end of recv, call and reply_recv) the module zeroes
 *    them, before it does anything else, so also when the call then fails.
 *    A program that needs a new field learns whether the module has it
 *    from the ABI minor version (MSGPORT_IOC_VERSION), or from -E2BIG or
 *    an unknown flag's -EINVAL.
 *  - A struct's name keeps its first size: libmsgport's own structs embed
 *    them.  A grown shape is a new struct, NAME_vN, whose first member is
 *    the old one and whose new words follow (struct msgport_recv_v1): the
 *    same command at a larger size, with its own MSGPORT_IOC_*_VN number.
 *  - libmsgport's functions take and fill these structs at their first
 *    sizes, so a library rebuilt with a grown header never writes past an
 *    older program's struct: a grown struct reaches programs through new
 *    functions, in a new version node.
 *  - An array of structs (a batch) carries its entry size (entry_size):
 *    0 is the entry's first published size, else the same rules apply to
 *    each entry (an entry's output tail is zeroed when its info is
 *    written: entries not done are left as they were).
 *  - The minor ABI version grows with every addition; the major only when
 *    an existing command changes incompatibly (never, by these rules).
 *
 * Objects:
 *  /dev/msgport        the control device: version, open/create/unlink
 *                      mailboxes by name.
 *  mailbox descriptor  an anonymous-inode file returned by
 *                      MSGPORT_IOC_OPEN: send, receive, stat, chmod,
 *                      read(2)/write(2) (one whole message per call, priority
 *                      0), poll(2) (EPOLLIN when a message waits, EPOLLOUT
 *                      when a send would not block), mmap(2) of the
 *                      mailbox's shared region (see "Regions" below); call,
 *                      reply; batches of sends or receives.
 *  inbox descriptor    a process's own unnamed mailbox, from
 *                      MSGPORT_IOC_INBOX: others send to it by pid
 *                      (MSGPORT_IOC_SEND_PID, MSGPORT_IOC_CALL_PID); it
 *                      receives, replies, stats, polls and chmods like a
 *                      mailbox descriptor opened with MSGPORT_O_RECV.
 */
#ifndef _UAPI_LINUX_MSGPORT_H
#define _UAPI_LINUX_MSGPORT_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MSGPORT_DEVICE_NAME	"msgport"
#define MSGPORT_DEVICE_PATH	"/dev/msgport"

/*
 * ABI version.  The major number changes when an existing ioctl changes
 * incompatibly; the library refuses to work with a module of another major.
 * The minor number grows when ioctls or flags are added.
 */
#define MSGPORT_ABI_MAJOR	1
/*
 * 1: batches.  2: struct sizes read from the command number and batch
 * entry_size; anonymous mailboxes and MSGPORT_IOC_DUP; topics.  3: relaying
 * (MSGPORT_F_RELAY, the _v1 receives), leases (MSGPORT_F_LEASE,
 * MSGPORT_IOC_COMMIT, MSGPORT_COMMIT_REFUSE), MSGPORT_MSG_SYNC,
 * MSGPORT_REPLY_ERROR, MSGPORT_F_NOINFO (3 is not released yet: REFUSE and
 * NOINFO joined it).
 */
#define MSGPORT_ABI_MINOR	3

/*
 * Mailbox names: 1..MSGPORT_NAME_MAX bytes of printable ASCII (0x21..0x7e)
 * other than '/'.  Longer names get -ENAMETOOLONG, empty or other bytes
 * -EINVAL.  Names are unique in the system.
 */
#define MSGPORT_NAME_MAX	255

/* Message priorities: 0 (lowest) .. MSGPORT_PRIO_MAX (highest). */
#define MSGPORT_PRIO_MAX	31

/* Mailbox capacity in messages: 0 is a rendezvous, this is unbounded. */
#define MSGPORT_CAPACITY_UNBOUNDED	0xffffffffU

#define MSGPORT_MODULE_VERSION_LEN	32

/* MSGPORT_IOC_VERSION: fills in the versions; takes no input. */
struct msgport_version {
	__u32 abi_major;
	__u32 abi_minor;
	char module_version[MSGPORT_MODULE_VERSION_LEN];	/* NUL-terminated */
	__u64 reserved[2];
};

/* msgport_open.flags */
#define MSGPORT_O_RECV		(1U << 0)	/* may receive: needs read permission */
#define MSGPORT_O_SEND		(1U << 1)	/* may send: needs write permission */
#define MSGPORT_O_CREAT		(1U << 2)	/* create if it does not exist */
#define MSGPORT_O_EXCL		(1U << 3)	/* with O_CREAT: -EEXIST if it exists */
#define MSGPORT_O_EPHEMERAL	(1U << 4)	/* created mailbox dies with its last descriptor */
#define MSGPORT_O_NONBLOCK	(1U << 5)	/* descriptor is O_NONBLOCK for read/write */
#define MSGPORT_O_CLOEXEC	(1U << 6)	/* descriptor is close-on-exec */
#define MSGPORT_O_ANON		(1U << 7)	/* a new mailbox with no name: see below */
#define MSGPORT_O_TOPIC		(1U << 8)	/* with O_CREAT: create a topic (below) */
#define MSGPORT_O_SUBSCRIBE	(1U << 9)	/* with O_RECV: subscribe to a topic (below) */
#define MSGPORT_O_ALL		((1U << 10) - 1)

/*
 * Topics (publish/subscribe).  A mailbox created with MSGPORT_O_TOPIC queues
 * nothing itself: every descriptor opened on it with MSGPORT_O_RECV is a
 * subscription, with a queue of its own, and a message sent on any of its
 * descriptors that may send (a publish) goes to every subscription there
 * is at that moment, in the same order for all (publishes are serialized).
 * The message is stored once, shared by the subscriptions, and charged to
 * its publisher's max_user_bytes until the last subscription has let go of
 * it; each subscription's copy of the header (256 bytes) is charged to its
 * subscriber (a subscriber over its max_user_bytes loses the message,
 * counted as lost, and the publish goes on for the others).  Subscribing
 * needs read permission, publishing write.  Priorities, metadata (seq: the
 * topic's), MSGPORT_F_FROM, MSGPORT_F_PEEK, MSGPORT_F_TRUNC, poll, read(2)
 * and batches work on a subscription as on a mailbox; calls, spans,
 * MSGPORT_F_SYNC and regions do not (EINVAL).
 *
 * Open with MSGPORT_O_RECV | MSGPORT_O_SUBSCRIBE to subscribe: the open then
 * fails with EPROTOTYPE if the mailbox is not a topic (without
 * MSGPORT_O_SUBSCRIBE, an open with MSGPORT_O_RECV of a topic subscribes
 * all the same, and of any other mailbox opens it to receive).
 * MSGPORT_O_SUBSCRIBE without MSGPORT_O_RECV, or with MSGPORT_O_CREAT but
 * not MSGPORT_O_TOPIC, is EINVAL.  MSGPORT_O_CREAT | MSGPORT_O_TOPIC on a
 * name that exists and is not a topic fails with EPROTOTYPE too (it never
 * opens a plain mailbox as if it were the topic asked for).
 *
 * A subscription's capacity is the open's capacity (0: the topic's; more
 * than the topic's capacity is EINVAL), and its overflow policy the open's
 * topic field, one of the policies the topic's creator allowed (EPERM
 * otherwise; 0: DROP_OLD if allowed, else DROP_NEW, else BLOCK).  With
 * MSGPORT_O_TOPIC, topic is instead a creation attribute: the policies
 * subscribers may choose (0: both drops), and a subscription made by that
 * open takes the default.  Any other open has topic 0 (EINVAL otherwise).
 *  - DROP_NEW: a full subscription does not get the new message;
 *  - DROP_OLD: a full subscription drops its oldest message of the lowest
 *    priority queued, and gets the new one;
 *  - BLOCK: the publish waits until every BLOCK subscription has room
 *    (timeouts, MSGPORT_F_NONBLOCK's EAGAIN and signals as for a full
 *    mailbox), then gives the message to all at once: a publish that fails
 *    reached nobody.  (A receive that fails to copy a message out puts it
 *    back even over capacity, so a BLOCK subscription may briefly hold one
 *    more than its capacity; it loses nothing for that.)
 * poll(2) on a topic's descriptor (not a subscription) reports POLLOUT
 * when no BLOCK subscription is full (a publish would not wait), POLLERR |
 * POLLHUP once it is unlinked.  A creator that allows only the drop policies (the
 * default) lets no subscriber slow its publishers.  What a subscription
 * lost counts in its stat.dropped, and the next message given to it after
 * the losses (in publish order; a peek shows it too) says how many were
 * lost just before it (info.lost).
 *
 * Limits.  A topic's capacity is at least 1 and bounded (a rendezvous or
 * MSGPORT_CAPACITY_UNBOUNDED topic is EINVAL).  A topic has at most the
 * module's max_subscribers subscriptions (ENOSPC), at most
 * max_user_subscriptions of them by one euid (EDQUOT; CAP_SYS_RESOURCE goes
 * past it), and each counts against its subscriber's max_user_mailboxes
 * (EDQUOT).  So what one user's subscriptions can keep charged to a
 * topic's publishers is at most max_user_subscriptions * capacity messages
 * of the topic (one more per subscription while a failed receive puts one
 * back), and never more than the publisher's max_user_bytes.
 * Unlinking a topic (or its last descriptor closing, if ephemeral) ends
 * every subscription: receives get EIDRM.  A topic has a name: MSGPORT_O_ANON
 * with MSGPORT_O_TOPIC is EINVAL.
 */
#define MSGPORT_TOPIC_DROP_NEW	(1U << 0)
#define MSGPORT_TOPIC_DROP_OLD	(1U << 1)
#define MSGPORT_TOPIC_BLOCK	(1U << 2)
#define MSGPORT_TOPIC_ALL	((1U << 3) - 1)

/*
 * MSGPORT_IOC_OPEN: open (and with MSGPORT_O_CREAT, create) a mailbox.
 * Returns a new file descriptor.  Names are per IPC namespace.  A
 * descriptor opened with neither MSGPORT_O_RECV nor MSGPORT_O_SEND can only
 * stat (and its owner set the mode); opening one still needs a mode bit of
 * the caller's class, ownership or CAP_IPC_OWNER, and it keeps nothing alive
 * (not an ephemeral mailbox, its name or its region).  capacity, max_msg_size,
 * mode and region_size are used only when the call creates the mailbox (and
 * must then be valid); max_msg_size 0 means the module's default_msg_size
 * parameter.  region_size > 0 gives the mailbox a shared region of that many
 * bytes rounded up to whole pages (see "Regions" below); 0 gives none.
 *
 * Errors: EFAULT, EINVAL (flags, reserved, name bytes, mode bits beyond 0777,
 * max_msg_size beyond the module's max_msg_size), EFBIG (region_size beyond
 * the module's max_region_size), ENAMETOOLONG, ENOENT (no such mailbox and no
 * O_CREAT), EEXIST (O_CREAT|O_EXCL and it exists), EACCES (mode bits deny the
 * requested access, or any access for a stranger), ENOSPC (the IPC
 * namespace's max_mailboxes reached), EDQUOT (the region would pass the
 * creator's max_user_bytes, or the creator has max_user_mailboxes), EINVAL
 * also for O_EPHEMERAL with neither O_RECV nor O_SEND, ENOMEM, EMFILE/ENFILE.
 *
 * Anonymous mailboxes (MSGPORT_O_ANON), as pipe2(2): the call creates a new
 * mailbox that has no name and is in no name table, reachable only through
 * its descriptors (this one, those MSGPORT_IOC_DUP makes from it, dup(2),
 * fork(2), SCM_RIGHTS).  name must be 0 and name_len 0; MSGPORT_O_CREAT may
 * be given or not; MSGPORT_O_EXCL and MSGPORT_O_EPHEMERAL are EINVAL, and so
 * is neither MSGPORT_O_RECV nor MSGPORT_O_SEND.  capacity, max_msg_size,
 * mode and region_size are the creation attributes, checked as for
 * MSGPORT_O_CREAT; region_size > 0 without MSGPORT_O_RECV is EINVAL (no
 * descriptor of it could ever map the region).  It counts against its creator's max_user_mailboxes
 * (EDQUOT) and its IPC namespace's max_mailboxes (ENOSPC) as a named one
 * does, and is owned by its creator (uid, gid, mode); since nothing can
 * open it by name, its mode is only reported by stat (and changed by
 * MSGPORT_IOC_SET_MODE): each descriptor's rights are those it was made
 * with, and its region's mmap rules follow them.  It is always ephemeral:
 * it dies with its last descriptor that can receive or send (or its last
 * mapping of its region).  MSGPORT_IOC_STAT shows an empty name and
 * MSGPORT_STAT_ANON | MSGPORT_STAT_EPHEMERAL; /proc/msgport does not list
 * it (as it lists no inbox), and MSGPORT_IOC_UNLINK cannot name it;
 * /proc/msgport_summary counts the namespace's anonymous mailboxes.
 *
 * What it holds: it counts against its creator's max_user_mailboxes and
 * its namespace's max_mailboxes, and its region is charged to the creator
 * (max_user_bytes), until its last descriptor that can receive is closed
 * (its last mapping of the region unmapped).  Then its region's
 * memory is freed and the counts are given back: descriptors that can only
 * send, which may be in other users' processes, keep nothing of the
 * creator's but the dead mailbox itself (their sends fail with EPIPE; stat
 * still shows region_size).  A mailbox created without MSGPORT_O_RECV is
 * counted nowhere once created.
 *
 * End of the peers, as a pipe's, since no descriptor can ever gain a right
 * the existing ones lack:
 *  - once every descriptor that can receive is closed, the mailbox is
 *    dead: its queued messages are dropped (counted in stat.dropped, and
 *    stat shows MSGPORT_STAT_UNLINKED), blocked senders (waiting for room
 *    or for a receipt) and callers wake with EPIPE, and every later send or
 *    call fails with EPIPE (no SIGPIPE is sent); poll gives EPOLLERR |
 *    EPOLLHUP;
 *  - once every descriptor that can send is closed, receivers take what is
 *    queued, and then a receive that finds no message it could take fails
 *    with EPIPE, blocked or not (with MSGPORT_F_NONBLOCK too: EPIPE, not
 *    EAGAIN, as a pipe's read gives end of file, not EAGAIN); blocked
 *    receivers are woken; read(2) gives EPIPE as well (not 0: a message may
 *    be empty); poll adds EPOLLHUP.
 * A memory mapping of the region holds the descriptor it was made from, and
 * so that descriptor's rights, until it is unmapped.  A mailbox created with
 * only one of the rights starts with that end already gone.  Named
 * mailboxes keep their rules: a name can always be opened again.
 */
struct msgport_open {
	__u64 name;		/* user pointer to the name, not NUL-terminated */
	__u32 name_len;		/* bytes at name */
	__u32 flags;		/* MSGPORT_O_* */
	__u32 mode;		/* permission bits (0777 mask) when creating */
	__u32 capacity;		/* messages when creating; 0 = rendezvous */
	__u32 max_msg_size;	/* bytes when creating; 0 = default */
	__u32 topic;		/* MSGPORT_TOPIC_*: see "Topics" above */
	__u64 region_size;	/* bytes of shared region when creating; 0 = none */
	__u64 reserved[2];
};

/*
 * MSGPORT_IOC_UNLINK: remove a name.  The mailbox lives on until its last
 * descriptor closes, but blocked senders and receivers wake with -EIDRM and
 * later sends and receives fail with -EIDRM; queued messages are dropped.
 * Only the owner or CAP_IPC_OWNER may unlink (-EPERM).
 */
struct msgport_name {
	__u64 name;
	__u32 name_len;
	__u32 reserved;
};

/* Flags of send and receive. */
#define MSGPORT_F_NONBLOCK	(1U << 0)	/* -EAGAIN instead of blocking */
#define MSGPORT_F_TIMEOUT	(1U << 1)	/* block at most timeout_ns, then -ETIMEDOUT */
#define MSGPORT_F_SYNC		(1U << 2)	/* send: return once a receiver took it */
#define MSGPORT_F_PEEK		(1U << 3)	/* recv: copy the next message, leave it queued */
#define MSGPORT_F_TRUNC		(1U << 4)	/* recv: truncate to buf_len instead of -EMSGSIZE */
#define MSGPORT_F_FROM		(1U << 5)	/* recv: only messages sent by process from_pid */
#define MSGPORT_F_SPAN		(1U << 8)	/* send: a region span; recv: spans by reference */
#define MSGPORT_F_FDS		(1U << 9)	/* recv: take the message's descriptors (fds) */
#define MSGPORT_F_CLOEXEC	(1U << 10)	/* recv with MSGPORT_F_FDS: close-on-exec */
#define MSGPORT_F_LEASE		(1U << 11)	/* recv: take under a lease: see "Leases" */
#define MSGPORT_F_RELAY		(1U << 12)	/* send, call, reply: relayed origin at relay */
#define MSGPORT_F_NOINFO	(1U << 14)	/* recv: info neither made nor written */

/* The flags a send, a receive may have (RELAY, LEASE, NOINFO: ABI 1.3). */
#define MSGPORT_SEND_FLAGS	(MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT | MSGPORT_F_SYNC | \
				 MSGPORT_F_SPAN | MSGPORT_F_RELAY)
#define MSGPORT_RECV_FLAGS	(MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT | \
				 MSGPORT_F_PEEK | MSGPORT_F_TRUNC | MSGPORT_F_SPAN | \
				 MSGPORT_F_FROM | MSGPORT_F_FDS | MSGPORT_F_CLOEXEC | \
				 MSGPORT_F_LEASE | MSGPORT_F_NOINFO)

/*
 * Passing descriptors (as SCM_RIGHTS).  A send may carry up to
 * MSGPORT_FDS_MAX open descriptors (msgport_send.fds, nfds): the message
 * holds their open files until it is received, and a receiver that asks
 * (MSGPORT_F_FDS, with room for nfds in msgport_recv.fds) gets new
 * descriptors of the same open files in the same order (MSGPORT_F_CLOEXEC:
 * close-on-exec), as the security module allows (security_file_receive())
 * and counted against its RLIMIT_NOFILE; recv.nfds says how many it got.
 * info.msg_flags has MSGPORT_MSG_FDS for a message that carried some, and
 * MSGPORT_MSG_FDS_DROPPED when the receiver did not get them all: it did not
 * ask (read(2), a batch), or a descriptor could not be made (its limit, the
 * security module, a fault writing its number): those are closed.  A
 * receiver whose fds room is smaller than the message's count gets -EMSGSIZE
 * and the message stays queued (recv.nfds: the count), unless
 * MSGPORT_F_TRUNC: then it gets what fits and the rest are dropped.  A peek
 * gets none.
 *
 * What may travel: any open file but those that could, from inside a queue,
 * keep alive a mailbox or the IPC namespace that frees it, so descriptors
 * in flight can never keep each other alive in a cycle (EINVAL): a mailbox
 * descriptor that may receive (pass a send-only one: MSGPORT_IOC_DUP), an
 * inbox's, an ephemeral named mailbox's (it lives while any descriptor
 * does); files that hold other open files (AF_UNIX sockets, io_uring);
 * files that pin a namespace (/proc/PID/ns files, inotify and fanotify
 * instances, fsopen(2) contexts).  O_PATH descriptors are not open files
 * (EBADF).  A mailbox whose descriptors that may receive are all closed
 * drops its queue (an anonymous one; a named one at unlink), and the
 * descriptors in its messages with it, so a mailbox's send-only descriptor
 * sent into itself dies with it.
 * Descriptors in flight count against their sender's euid, at most its
 * RLIMIT_NOFILE of them (ETOOMANYREFS, as AF_UNIX), but with
 * CAP_SYS_RESOURCE; the set's own kernel memory (its allocation) is
 * charged to its max_user_bytes (EDQUOT).  Only MSGPORT_IOC_SEND carries descriptors (not
 * batches, calls, replies, sends by pid, spans or topics: EINVAL).
 */
#define MSGPORT_FDS_MAX		16
/*
 * Flags of a call: NONBLOCK and TIMEOUT as for send, TRUNC for the reply,
 * RELAY (ABI 1.3) for a call to a mailbox (not by pid).
 */
#define MSGPORT_CALL_FLAGS	(MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT | MSGPORT_F_TRUNC | \
				 MSGPORT_F_RELAY)

/*
 * MSGPORT_IOC_SEND on a mailbox descriptor opened with MSGPORT_O_SEND.
 * Returns 0.  On return seq holds the message's per-mailbox sequence number.
 * If a timed wait is interrupted by a signal whose handler has SA_RESTART,
 * the call restarts with the remaining time, written back to timeout_ns.
 * With MSGPORT_F_SYNC (and always on a rendezvous mailbox) the call returns
 * 0 only after a receiver took the message; on -ETIMEDOUT, -EINTR or -EAGAIN
 * the message was withdrawn and nobody received it.
 *
 * With MSGPORT_F_SPAN the message is a span of the mailbox's region: buf
 * is not a pointer but the span's byte offset in the region and len its
 * length (1 byte at least; max_msg_size does not apply).  Nothing is
 * copied: the receiver finds the bytes in its own mapping of the region.
 *
 * Errors: EFAULT, EINVAL, EBADF (not opened for sending), EMSGSIZE (len >
 * the mailbox's max_msg_size), EAGAIN (non-blocking and full, or rendezvous
 * with no receiver waiting), ETIMEDOUT, EINTR, EIDRM (unlinked), EPIPE (an
 * anonymous mailbox whose every descriptor that can receive is closed, also
 * for a send blocked when that happens), EDQUOT (the
 * per-user max_user_bytes limit: each message is charged its header and
 * buffer, at least 256 bytes), ENOMEM; with MSGPORT_F_SPAN also EINVAL
 * (the mailbox has no region, or len is 0) and ERANGE (the span does not lie
 * inside the region); with nfds (see "Passing descriptors") also EBADF (a
 * descriptor that is not open), EINVAL (more than MSGPORT_FDS_MAX, fds
 * without nfds, with a span, or a file that may not travel), ETOOMANYREFS
 * (the sender's in-flight limit).
 */
struct msgport_send {
	__u64 buf;		/* user pointer to the payload */
	__u64 timeout_ns;	/* with MSGPORT_F_TIMEOUT; in/out */
	__u64 seq;		/* out: sequence number given to the message */
	__u32 len;		/* payload bytes; 0 is a valid message */
	__u32 flags;		/* MSGPORT_F_NONBLOCK|TIMEOUT|SYNC */
	__u32 priority;		/* 0..MSGPORT_PRIO_MAX */
	__u32 nfds;		/* descriptors at fds, 0..MSGPORT_FDS_MAX */
	__u64 fds;		/* user pointer to nfds __s32 descriptors */
	__u64 relay;		/* with MSGPORT_F_RELAY: a struct msgport_relay *; else 0 */
};

/*
 * msgport_msginfo.msg_flags.  MSGPORT_MSG_CALL: the message is the request
 * of a call (MSGPORT_IOC_CALL, MSGPORT_IOC_CALL_PID); its caller waits until
 * the receiver answers token with MSGPORT_IOC_REPLY (or _REPLY_RECV) on the
 * descriptor it received the request from.  In a reply's metadata (the
 * caller's msgport_call.info) token is the call's and msg_flags is 0.
 */
#define MSGPORT_MSG_CALL	(1U << 0)	/* a call's request: answer info.token */
#define MSGPORT_MSG_SPAN	(1U << 1)	/* a span of the region: see span_offset */
#define MSGPORT_MSG_FDS		(1U << 2)	/* it carried descriptors */
#define MSGPORT_MSG_FDS_DROPPED	(1U << 3)	/* some were not received: closed */
#define MSGPORT_MSG_LEASED	(1U << 4)	/* taken under a lease: commit or return it */
#define MSGPORT_MSG_RELAYED	(1U << 5)	/* sent with MSGPORT_F_RELAY: see "Relaying" */
#define MSGPORT_MSG_SYNC	(1U << 6)	/* its sender waits for its receipt (F_SYNC) */

/* Kernel-stamped facts about a received message; senders cannot forge them. */
struct msgport_msginfo {
	__u64 seq;		/* per-mailbox sequence number, from 1 */
	__u64 send_time_ns;	/* CLOCK_MONOTONIC when it was sent */
	__s32 pid;		/* sender tgid in the receiver's pid ns, 0 if not visible */
	__s32 tid;		/* sender thread id, likewise */
	__u32 uid;		/* sender euid in the receiver's user ns */
	__u32 gid;		/* sender egid in the receiver's user ns */
	__u32 priority;
	__u32 len;		/* the message's full length (a span's length) */
	__u64 token;		/* MSGPORT_MSG_CALL: the call to answer; else 0 */
	__u64 span_offset;	/* MSGPORT_MSG_SPAN: the span's offset in the region */
	__u32 msg_flags;	/* MSGPORT_MSG_* */
	__u32 lost;		/* a subscription: messages lost before this one (topic order) */
};

/*
 * MSGPORT_IOC_RECV on a mailbox descriptor opened with MSGPORT_O_RECV.
 * Takes the oldest message of the highest priority and returns the number
 * of bytes copied to buf.  info is filled in whenever a message was found
 * (unless MSGPORT_F_NOINFO, below), also on -EMSGSIZE (buffer smaller than
 * the message, which stays queued; info.len is its length).  timeout_ns as
 * for send.
 *
 * A span message (MSGPORT_MSG_SPAN in info.msg_flags) is taken by
 * reference with MSGPORT_F_SPAN: nothing is copied, the call returns 0 and
 * info.span_offset and info.len locate the bytes in the region.  Without
 * MSGPORT_F_SPAN its bytes are copied from the region into buf like a
 * payload (buf_len must hold info.len of them, or MSGPORT_F_TRUNC).
 *
 * With MSGPORT_F_FROM only messages sent by the process from_pid (in the
 * caller's pid namespace) are considered, highest priority first and oldest
 * first within a priority; the others stay queued in their order.  The
 * sender is matched by identity (struct pid), not by number: a process that
 * reuses a dead sender's pid number does not match its messages, and a
 * from_pid that names no live process gives -ESRCH.  Without the flag
 * from_pid must be 0.  Works on mailboxes and inboxes alike.
 *
 * With MSGPORT_F_FDS the descriptors a message carries come with it (see
 * "Passing descriptors"): nfds says how many fit at fds (at least 1; no
 * peek); on return, how many came (on -EMSGSIZE, how many it carries).
 * Without the flag nfds and fds must be 0 and a message's descriptors are
 * closed (info.msg_flags: MSGPORT_MSG_FDS_DROPPED).
 *
 * With MSGPORT_F_NOINFO (ABI 1.3) the module neither makes nor writes info,
 * which keeps what it held, also on -EMSGSIZE: a receive for a program that
 * reads only the bytes saves the metadata's lookups and its copy out.  As
 * with read(2), nothing of the message's metadata reaches the receiver: a
 * call's request shows no token (its caller waits until its time-out or
 * until the descriptor closes: a server that may be called does not use
 * the flag, nor does MSGPORT_IOC_REPLY_RECV's receive, which takes it all
 * the same), and with MSGPORT_F_FDS nfds says how many descriptors came but
 * nothing says that some were dropped.  Refused (EINVAL) where info is how
 * the message is used: in a batch (how many bytes came), with
 * MSGPORT_F_SPAN (where the span is), MSGPORT_F_LEASE (the seq to commit)
 * and in a grown receive (whether its relay holds a claim).
 *
 * Errors: EFAULT, EINVAL, EBADF (not opened for receiving), EMSGSIZE (also:
 * more descriptors than nfds, without MSGPORT_F_TRUNC), EAGAIN (non-blocking
 * and empty), ETIMEDOUT, EINTR, EIDRM, ESRCH (MSGPORT_F_FROM), ECONNRESET
 * (an inbox closed by its owner), EPIPE (an anonymous mailbox whose every
 * descriptor that can send is closed, and no message this receive could
 * take is queued; also for a receive blocked when that happens, and with
 * MSGPORT_F_NONBLOCK or MSGPORT_F_FROM).
 */
struct msgport_recv {
	__u64 buf;		/* user pointer to the buffer */
	__u64 timeout_ns;	/* with MSGPORT_F_TIMEOUT; in/out */
	__u32 buf_len;		/* bytes at buf */
	__u32 flags;		/* MSGPORT_RECV_FLAGS */
	__s32 from_pid;		/* with MSGPORT_F_FROM: the sender */
	__u32 nfds;		/* with MSGPORT_F_FDS: room at fds; out: received */
	__u64 fds;		/* with MSGPORT_F_FDS: user pointer to __s32[nfds] */
	struct msgport_msginfo info;	/* out */
};

/*
 * MSGPORT_IOC_SEND_BATCH and MSGPORT_IOC_RECV_BATCH on a mailbox descriptor
 * (opened for sending, resp. receiving): count sends or receives in one
 * system call, as sendmmsg(2) and recvmmsg(2).  msgs points to an array of
 * count struct msgport_send, resp. struct msgport_recv, each taken as
 * MSGPORT_IOC_SEND, resp. MSGPORT_IOC_RECV, would take it, in order, with
 * its own flags, and filled in the same way (seq; info and timeout_ns).  In
 * a send batch every entry may block as its flags say.  A receive batch
 * blocks only for its first message (as that entry's flags say): the
 * later entries take what is queued, as with MSGPORT_F_NONBLOCK.
 * An entry with MSGPORT_F_PEEK or MSGPORT_F_FROM is received on its own,
 * the others in groups taken from the queue at once.
 * The batch stops at the first entry that fails.  Returns the number of
 * entries done if there is at least one (the failed entry's error is not
 * reported: it comes again if the caller retries from that entry), else
 * the first entry's error.  A received entry's byte count is
 * min(info.len, buf_len), or 0 for a span taken by reference.  Only the
 * first entry's info is zeroed ahead (and tested writable); a later entry
 * whose buffer or info cannot be written ends the batch there, and its
 * message and those after it go back to the head of the queue in order
 * (as with a fault in MSGPORT_IOC_RECV, a synchronous sender's receipt
 * may then precede the delivery).  Entries not done are left as they were.
 *
 * entry_size is the size of one entry as the caller's program knows
 * struct msgport_send, resp. msgport_recv (0 for the first published size);
 * entries are read and written by the rules of "Growing the ABI" at the top.
 *
 * Errors: EFAULT (msgs or this struct), EINVAL (count 0 or above
 * MSGPORT_BATCH_MAX, flags or a reserved field not 0, entry_size below the
 * module's size of the entry, above 16383 or not a multiple of 8), EBADF,
 * and any error of MSGPORT_IOC_SEND / _RECV for the first entry (E2BIG
 * too: a send entry's bytes past the module's struct not zero; EPIPE for
 * an anonymous mailbox whose other end is gone, as for those).
 */
#define MSGPORT_BATCH_MAX	1024

struct msgport_batch {
	__u64 msgs;		/* user pointer to the array */
	__u32 count;		/* entries, 1..MSGPORT_BATCH_MAX */
	__u32 flags;		/* none defined: 0 */
	__u32 entry_size;	/* bytes per entry; 0: MSGPORT_{SEND,RECV}_SIZE_VER0 */
	__u32 reserved0;
	__u64 reserved;
};

/* msgport_stat.flags */
#define MSGPORT_STAT_EPHEMERAL	(1U << 0)
#define MSGPORT_STAT_UNLINKED	(1U << 1)	/* unlinked; for an inbox: closed */
#define MSGPORT_STAT_INBOX	(1U << 2)	/* a process's inbox (name is empty) */
#define MSGPORT_STAT_ANON	(1U << 3)	/* anonymous (MSGPORT_O_ANON; name is empty) */
#define MSGPORT_STAT_TOPIC	(1U << 4)	/* a topic: a send- or stat-only descriptor's */
#define MSGPORT_STAT_SUBSCRIPTION (1U << 5)	/* a subscription to the topic named */

/* MSGPORT_IOC_STAT on any mailbox descriptor. */
struct msgport_stat {
	char name[MSGPORT_NAME_MAX + 1];	/* NUL-terminated */
	__u32 uid;		/* owner, in the caller's user ns */
	__u32 gid;
	__u32 mode;
	__u32 flags;		/* MSGPORT_STAT_* */
	__u32 capacity;		/* MSGPORT_CAPACITY_UNBOUNDED for unbounded */
	__u32 max_msg_size;
	__u32 waiting_senders;
	__u32 waiting_receivers;
	__u64 queued_msgs;
	__u64 queued_bytes;
	__u64 sent;		/* messages accepted */
	__u64 received;		/* messages taken by receivers */
	__u64 dropped;		/* messages discarded by unlink or last close */
	__u64 region_size;	/* bytes of shared region (page-rounded), 0 if none */
	__u64 region_maps;	/* memory mappings of the region that exist */
	__u64 calls;		/* requests received and not yet answered */
	__s32 owner_pid;	/* inbox: its process in the caller's pid ns, 0 if not visible */
	__u32 reserved0;
};

/*
 * MSGPORT_IOC_SET_MODE on a mailbox descriptor: change the permission bits.
 * Only the owner or CAP_IPC_OWNER (-EPERM); bits beyond 0777 -EINVAL.
 */
struct msgport_setmode {
	__u32 mode;
	__u32 reserved;
};

/*
 * Direct messages: inboxes.
 *
 * MSGPORT_IOC_INBOX on /dev/msgport opens the calling process's inbox, an
 * unnamed mailbox addressed by the process's pid, and returns its
 * descriptor: MSGPORT_IOC_RECV, read(2), poll(2), stat, set-mode, reply;
 * no sending (-EBADF).  A process has at most one inbox at a time: while it
 * has one, MSGPORT_IOC_INBOX fails with -EEXIST (dup(2) the descriptor
 * instead).  capacity and max_msg_size are as for MSGPORT_IOC_OPEN with
 * MSGPORT_O_CREAT (rendezvous, bounded or unbounded; max_msg_size 0 = the
 * default).  Who may send to it: processes with the owner's euid, with
 * CAP_IPC_OWNER, or that mode's group (egid or supplementary groups) or
 * other write bit admits.
 *
 * Lifetime: the inbox belongs to the process (thread group) that opened it.
 * It closes when that process closes its last descriptor of it, or exits, or
 * execs with it close-on-exec; and when the last descriptor anywhere (a
 * forked child's, one passed with SCM_RIGHTS) closes.  A child that inherits
 * the descriptor may receive from it but does not own it: its own
 * MSGPORT_IOC_INBOX opens its own inbox.  Closing wakes blocked senders and
 * callers with -ECONNRESET, drops the queued messages (counted in
 * stat.dropped), fails the calls the inbox received and did not answer
 * (their callers get -ECONNRESET); later sends get -ECONNREFUSED and
 * receives through a descriptor still open -ECONNRESET.
 *
 * Errors: EFAULT, EINVAL (flags, mode, sizes, reserved), EEXIST, ENOMEM,
 * EMFILE/ENFILE.
 */
struct msgport_inbox {
	__u32 flags;		/* MSGPORT_O_NONBLOCK | MSGPORT_O_CLOEXEC */
	__u32 mode;		/* 0777 mask; write bits let group/others send */
	__u32 capacity;		/* messages; 0 = rendezvous */
	__u32 max_msg_size;	/* bytes; 0 = default */
	__u64 reserved[2];
};

/*
 * MSGPORT_IOC_SEND_PID on /dev/msgport: send to the inbox of process pid (in
 * the caller's pid namespace; a thread id names its process).  As
 * MSGPORT_IOC_SEND otherwise: flags, priority, timeout_ns, seq.  The
 * receiver is held as a struct pid, never as a number: a message is never
 * delivered to a later process that reuses the number.
 *
 * Errors: as MSGPORT_IOC_SEND, and EINVAL (pid <= 0), ESRCH (no such
 * process), ECONNREFUSED (it has no inbox, or it closed before the message
 * was accepted; told only to a caller that could signal the process, or
 * with CAP_IPC_OWNER), ECONNRESET (it closed while this send waited for
 * room or for a receipt), EACCES (not allowed by the inbox's mode, or no
 * right to know whether it has one).
 */
struct msgport_send_pid {
	__u64 buf;		/* user pointer to the payload */
	__u64 timeout_ns;	/* with MSGPORT_F_TIMEOUT; in/out */
	__u64 seq;		/* out: sequence number in the inbox */
	__u32 len;
	__u32 flags;		/* MSGPORT_F_NONBLOCK|TIMEOUT|SYNC */
	__u32 priority;
	__s32 pid;		/* the receiving process */
	__u64 reserved[2];
};

/*
 * RPC.  MSGPORT_IOC_CALL on a mailbox descriptor opened with MSGPORT_O_SEND,
 * or MSGPORT_IOC_CALL_PID on /dev/msgport (to the inbox of process pid, with
 * the rules and errors of MSGPORT_IOC_SEND_PID): send the request (len bytes
 * at buf, with priority, flagged MSGPORT_MSG_CALL and carrying a new token in
 * its metadata) and sleep until a receiver answers it with
 * MSGPORT_IOC_REPLY.  Returns the number of reply bytes copied to reply_buf;
 * info describes the reply (the replier's pid, tid, uid and gid, the
 * request's priority, the reply's full length, the token).  token is written
 * back whatever the outcome once the request was sent (0 if it was not).
 *
 * The timeout (MSGPORT_F_TIMEOUT) covers the whole call; MSGPORT_F_NONBLOCK
 * makes queuing the request fail with -EAGAIN when the mailbox is full (the
 * call then still waits for its reply).  A reply longer than reply_len is
 * refused to the replier with -EMSGSIZE (the call goes on) unless the call
 * has MSGPORT_F_TRUNC: then it is truncated and info.len is its full length.
 *
 * A call that times out or is interrupted before a receiver took its request
 * withdraws it (nobody ever sees it) and, under SA_RESTART, restarts with
 * the remaining time.  Once a receiver took it, the call gives up with
 * -ETIMEDOUT or -EINTR (never restarted, so never sent twice) and the
 * receiver's reply gets -ECANCELED.  A reply that came first wins.
 *
 * Each call is answered at most once, and a reply reaches its caller only.
 * Errors: EFAULT, EINVAL, EBADF (not opened for sending), EMSGSIZE (request
 * too large), EAGAIN, ETIMEDOUT, EINTR, EDQUOT, ENOMEM, EIDRM (the mailbox
 * was unlinked before the call was answered), ECONNRESET (the descriptor that
 * received the request was closed, e.g. its server exited, or the target
 * inbox closed, before answering; or the request was still queued when the
 * last descriptor that could receive it closed: its servers are gone), EPIPE
 * (an anonymous mailbox: see below).  A call to a named mailbox made while
 * no receiver has it open waits for one (a later open may serve it).
 *
 * On an anonymous mailbox (MSGPORT_O_ANON) no receiver can come once the
 * last descriptor that can receive is closed: a call made after that fails
 * with EPIPE at once, and one whose request is still queued then fails
 * with EPIPE; one whose request a receiver already took (claimed) fails
 * with ECONNRESET when that receiver's descriptor closes, as for a named
 * mailbox.
 */
struct msgport_call {
	__u64 buf;		/* request payload */
	__u64 reply_buf;	/* where the reply goes */
	__u64 timeout_ns;	/* with MSGPORT_F_TIMEOUT; in/out */
	__u64 token;		/* out: the call's token */
	__u32 len;		/* request bytes */
	__u32 reply_len;	/* bytes at reply_buf */
	__u32 flags;		/* MSGPORT_F_NONBLOCK|TIMEOUT|TRUNC */
	__u32 priority;		/* the request's, 0..MSGPORT_PRIO_MAX */
	__s32 pid;		/* MSGPORT_IOC_CALL_PID: the server; else 0 */
	__u32 reserved0;
	__u64 relay;		/* with MSGPORT_F_RELAY (MSGPORT_IOC_CALL only): the request's */
	__u64 reserved[1];
	struct msgport_msginfo info;	/* out: the reply's metadata */
};

/*
 * MSGPORT_IOC_REPLY on the mailbox or inbox descriptor that received the
 * request: answer call token with len bytes at buf.  Tokens are unique for
 * the module's lifetime and bound to the open file description that
 * received the request (a forked child sharing it may answer too).  A
 * request taken with read(2) or MSGPORT_F_NOINFO, which show no token, is
 * bound all the same: its caller waits until its time-out or until that
 * descriptor closes.
 *
 * Errors: EFAULT, EINVAL (flags, reserved, token 0), ENOENT (no such call
 * was received through this descriptor, or it was answered already),
 * ECANCELED (its caller gave up: timed out, was interrupted or exited; the
 * token is spent), EMSGSIZE (longer than the mailbox's max_msg_size, or than
 * the caller's reply buffer when the caller did not ask for truncation: the
 * call stays open), EIDRM (mailbox unlinked: its calls were failed),
 * ECONNRESET (inbox closed), EDQUOT, ENOMEM.
 */
struct msgport_reply {
	__u64 token;
	__u64 buf;		/* user pointer to the reply payload; MSGPORT_REPLY_ERROR: unused */
	__u32 len;		/* MSGPORT_REPLY_ERROR: the positive errno the call fails with */
	__u32 flags;		/* MSGPORT_F_RELAY, MSGPORT_REPLY_ERROR */
	__u64 relay;		/* with MSGPORT_F_RELAY: user pointer to a struct msgport_relay */
	__u64 reserved[1];
};

/*
 * MSGPORT_IOC_REPLY_RECV on a mailbox or inbox descriptor: a server's loop
 * step in one system call.  If reply.token is not 0 answer it as
 * MSGPORT_IOC_REPLY does, then receive as MSGPORT_IOC_RECV does with recv and
 * return its result.  reply_result says what became of the reply: 0, or
 * its error.  A reply refused because of its caller (-ENOENT, -ECANCELED)
 * does not stop the receive; any other reply error (EFAULT, EINVAL,
 * EMSGSIZE, EIDRM, ...) fails the whole call, with that error, before
 * receiving.  The receive's arguments are checked before the reply is made.
 * The receive's errors are MSGPORT_IOC_RECV's, EPIPE included (an anonymous
 * mailbox with no descriptor that can send left, and nothing to take: the
 * reply, if any, was made first and reply_result tells its fate).
 */
struct msgport_reply_recv {
	struct msgport_reply reply;
	__s32 reply_result;	/* out: 0 or the reply's -errno */
	__u32 reserved0;
	struct msgport_recv recv;
};

/*
 * Relaying (ABI 1.3).  A program that carries messages between machines (a
 * bridge: msgport-bridge(8)) sends on behalf of a process the kernel cannot
 * see.  The kernel stamps such a message with the relayer's own identity,
 * as always (info.pid, info.uid, ...: they are never forged), and carries
 * the relayer's claim of where the message came from beside it: with
 * MSGPORT_F_RELAY a send (MSGPORT_IOC_SEND, its batch entries), a call's
 * request (MSGPORT_IOC_CALL) or a reply (MSGPORT_IOC_REPLY, _REPLY_RECV's
 * reply) points relay at a struct msgport_relay, and its receiver finds
 * MSGPORT_MSG_RELAYED in info.msg_flags and, when it receives at the grown
 * size (struct msgport_recv_v1, msgport_call_v1, msgport_reply_recv_v1),
 * the claim in their relay member.  Anyone may relay: a receiver that cares
 * who relayed checks info.uid (the relayer's) before it trusts relay.*.
 * relay.reserved0 must be 0 (EINVAL); the other fields are the relayer's.
 * Not with MSGPORT_IOC_SEND_PID or _CALL_PID (EINVAL).
 */
struct msgport_relay {
	/* the relayer's name for the origin (its choice); msgport-bridge: a hash of the
	 * origin node and mailbox
	 */
	__u64 origin;
	__u64 seq;		/* the message's sequence number at its origin */
	__u64 send_time_ns;	/* CLOCK_REALTIME at the origin when it was sent */
	__s32 pid;		/* the origin sender's pid there, 0 if unknown */
	__u32 uid;		/* its euid there */
	__u32 gid;		/* its egid there */
	__u32 reserved0;
};

/*
 * The grown receives (ABI 1.3).  The structs above keep their first size
 * (libmsgport's own structs embed them); each grown shape is a new struct
 * that embeds the old one first and adds its words at the end, and is
 * passed to the same command, whose number then carries the grown size
 * (MSGPORT_IOC_RECV_V1 is MSGPORT_IOC_RECV at 144 bytes).  A module of ABI
 * 1.2 takes them too and zeroes relay (it knows no relaying); one of ABI
 * 1.1 gives -ENOTTY.  As batch entries: entry_size =
 * sizeof(struct msgport_recv_v1).
 */
struct msgport_recv_v1 {
	struct msgport_recv recv;
	struct msgport_relay relay;	/* out: with MSGPORT_MSG_RELAYED, else 0 */
};

struct msgport_call_v1 {
	struct msgport_call call;
	struct msgport_relay relay;	/* out: the reply's, with MSGPORT_MSG_RELAYED */
};

struct msgport_reply_recv_v1 {
	struct msgport_reply_recv rr;
	struct msgport_relay relay;	/* out: the received message's */
};

/*
 * Leases (ABI 1.3): a receive whose message leaves the mailbox only when
 * the receiver says so, for a receiver that must hand the message on
 * before it may be forgotten (a bridge waiting for a remote
 * acknowledgment).  MSGPORT_IOC_RECV (or a receive batch entry) with
 * MSGPORT_F_LEASE copies the message out as usual and sets
 * MSGPORT_MSG_LEASED, but the message stays the mailbox's: it still counts
 * in its capacity (a sender still waits for room: back-pressure) and in
 * its sender's charge, other receivers no longer see it, and a
 * synchronous sender (MSGPORT_MSG_SYNC) gets its receipt only at the
 * commit.  MSGPORT_IOC_COMMIT with the message's info.seq then either
 * forgets it (flags 0: the receipt, if any, is given) or returns it
 * (MSGPORT_COMMIT_RETURN) to the head of its priority, for any receiver to
 * take again (in constant time: returning several, newest first, keeps
 * their order).  A lease belongs to the open file description that took
 * it: when it closes (its holder died, say) every message it still holds
 * goes back as with MSGPORT_COMMIT_RETURN, newest first.  A call's request is never leased (its
 * caller waits for an answer instead): it is taken as without the flag
 * (no MSGPORT_MSG_LEASED).  Not with MSGPORT_F_PEEK, MSGPORT_F_SPAN or
 * MSGPORT_F_FDS (EINVAL); a leased message's descriptors are closed at its
 * commit and kept on its return.  Unlinking the mailbox drops leased
 * messages like queued ones (a commit then gives EIDRM).  A receive batch
 * entry with MSGPORT_F_LEASE is received alone, in its turn.  A leased
 * message counts in MSGPORT_IOC_STAT's queued_msgs and queued_bytes (it is
 * still the mailbox's) and in received (until it is returned, or dropped:
 * by unlink, counted in dropped, or withdrawn, counted nowhere).  A sync
 * sender whose wait ends (its timeout, a signal) while its message is
 * leased returns as if nobody had taken it (ETIMEDOUT; EINTR, or a restart
 * under SA_RESTART, which sends it again): the message is withdrawn, its
 * commit fails with ECANCELED and its return drops it.
 *
 * A holder that learns the message can never be delivered (a bridge's
 * remote side refuses it for good: EACCES, EMSGSIZE, ENOENT) ends the
 * lease with MSGPORT_COMMIT_REFUSE and a positive errno below 512 in
 * error, instead of committing it (a false receipt) or returning it
 * (taken again forever): the message is dropped (counted in
 * MSGPORT_IOC_STAT's dropped, no longer in received; its sender's charge
 * given back, its descriptors closed; traced as a drop), and a
 * synchronous sender still waiting for its receipt gets -error from its
 * send.  A withdrawn message's refusal fails as its commit does
 * (ECANCELED).
 *
 * Errors of MSGPORT_IOC_COMMIT on a mailbox descriptor opened with
 * MSGPORT_O_RECV: EFAULT, EINVAL (flags, RETURN with REFUSE, error 0 or
 * 512 and up with REFUSE, error without it, reserved, seq 0), EBADF (not
 * a receiving descriptor), ENOENT (no message with that seq is leased
 * through this open file description: never, or committed already),
 * EIDRM (unlinked), ECANCELED (a commit or refusal of a withdrawn
 * message: above).
 */
#define MSGPORT_COMMIT_RETURN	(1U << 0)	/* put the message back instead */
#define MSGPORT_COMMIT_REFUSE	(1U << 1)	/* drop it: its sync sender gets -error */

struct msgport_commit {
	__u64 seq;		/* the leased message's info.seq */
	__u32 flags;		/* 0, MSGPORT_COMMIT_RETURN or _REFUSE */
	__u32 error;		/* MSGPORT_COMMIT_REFUSE: 1..511, else 0 */
	__u64 reserved[1];
};

/*
 * A reply that fails the call (ABI 1.3): MSGPORT_IOC_REPLY with
 * MSGPORT_REPLY_ERROR in flags makes the caller's call return -len (a
 * positive errno below 512, else EINVAL; buf must be 0) instead of a
 * reply, for a server (a bridge) that can tell its caller why there is no
 * answer: EHOSTUNREACH (no server behind the remote subject), ETIMEDOUT,
 * ECONNRESET, ...  The call's info is filled in as for a reply of 0 bytes.
 */
#define MSGPORT_REPLY_ERROR	(1U << 13)

/*
 * The first published size of each struct (see "Growing the ABI" at the
 * top): a command is taken at this size and at every larger one.
 */
#define MSGPORT_VERSION_SIZE_VER0	56
#define MSGPORT_OPEN_SIZE_VER0		56
#define MSGPORT_NAME_SIZE_VER0		16
#define MSGPORT_INBOX_SIZE_VER0		32
#define MSGPORT_SEND_PID_SIZE_VER0	56
#define MSGPORT_CALL_SIZE_VER0		136
#define MSGPORT_SEND_SIZE_VER0		56
#define MSGPORT_RECV_SIZE_VER0		104
#define MSGPORT_MSGINFO_SIZE_VER0	64
#define MSGPORT_STAT_SIZE_VER0		360
#define MSGPORT_SETMODE_SIZE_VER0	8
#define MSGPORT_REPLY_SIZE_VER0		40
#define MSGPORT_REPLY_RECV_SIZE_VER0	152
#define MSGPORT_BATCH_SIZE_VER0		32
#define MSGPORT_REGION_WAIT_SIZE_VER0	32
#define MSGPORT_DUP_SIZE_VER0		24
#define MSGPORT_COMMIT_SIZE_VER0	24

#define MSGPORT_IOC_MAGIC	0xB8

/* On /dev/msgport. */
#define MSGPORT_IOC_VERSION	_IOR(MSGPORT_IOC_MAGIC, 0x00, struct msgport_version)
#define MSGPORT_IOC_OPEN	_IOW(MSGPORT_IOC_MAGIC, 0x01, struct msgport_open)
#define MSGPORT_IOC_UNLINK	_IOW(MSGPORT_IOC_MAGIC, 0x02, struct msgport_name)
#define MSGPORT_IOC_INBOX	_IOW(MSGPORT_IOC_MAGIC, 0x03, struct msgport_inbox)
#define MSGPORT_IOC_SEND_PID	_IOWR(MSGPORT_IOC_MAGIC, 0x04, struct msgport_send_pid)
#define MSGPORT_IOC_CALL_PID	_IOWR(MSGPORT_IOC_MAGIC, 0x05, struct msgport_call)
/* 0x06..0x0f: reserved for direct messages and RPC. */

/*
 * Regions.  A mailbox created with region_size > 0 owns that many bytes
 * (rounded up to whole pages) of zero-filled memory, allocated at creation,
 * charged to the creator's memory cgroup and counted in the creator's
 * max_user_bytes.  mmap(2) of the mailbox descriptor with MAP_SHARED maps it:
 * every mapping, in every process, sees the same pages.  Rules:
 *  - mapping needs a descriptor opened with MSGPORT_O_RECV (read
 *    permission); PROT_WRITE needs MSGPORT_O_SEND as well (write permission),
 *    and mprotect(2) cannot add PROT_WRITE to a mapping of a descriptor
 *    without it (EACCES);
 *  - the offset and length must lie inside the region, MAP_PRIVATE is not
 *    supported (EINVAL); a mailbox without a region gives ENODEV;
 *  - mappings cannot grow (mremap), and are inherited across fork(2);
 *  - the pages live while the mailbox exists or a mapping does: after
 *    unlink and the last close, the last munmap frees them.  A mapping
 *    keeps the mailbox descriptor (and so the module) in use: an ephemeral
 *    mailbox lives on while mapped.
 * Spans (MSGPORT_F_SPAN) send a part of the region by reference: see
 * MSGPORT_IOC_SEND and MSGPORT_IOC_RECV.  The kernel only checks that a span
 * lies inside the region; who may write it when is the programs' contract
 * (libmsgport's span allocator documents one).  Mailbox-descriptor ioctl
 * numbers 0x20..0x2f are reserved for regions.
 *
 * futex(2) cannot wait across processes on region memory (its shared keys
 * need page-cache pages): MSGPORT_IOC_REGION_WAIT and _WAKE do that job.
 */

/*
 * MSGPORT_IOC_REGION_WAIT on a mailbox descriptor opened with
 * MSGPORT_O_RECV: sleep until the 32-bit word at offset in the region no
 * longer holds value (0 at once if it already does not).  Whoever changes
 * the word calls MSGPORT_IOC_REGION_WAKE afterwards, which makes every
 * sleeper on the region look at its word again; a wake-up with the word
 * unchanged leaves the sleeper asleep.  timeout_ns as for send (remaining
 * time written back when a timed wait is interrupted).  Unlinking the
 * mailbox does not end a wait: the region outlives it.  On an anonymous
 * mailbox, once every descriptor that can send is closed, no descriptor or
 * mapping that could write the region is left (a writable mapping needs
 * MSGPORT_O_SEND; pages pinned earlier through get_user_pages(), for an
 * O_DIRECT read in flight say, are not tracked): a wait whose word still
 * holds value ends with EPIPE, at once if it starts after that.
 *
 * Errors: EFAULT, EINVAL (flags other than MSGPORT_F_TIMEOUT, reserved,
 * offset not 4-byte aligned), ERANGE (offset outside the region), ENODEV
 * (no region), EBADF (not opened for receiving), ETIMEDOUT, EINTR, EPIPE
 * (an anonymous mailbox with no descriptor that can send left).
 */
struct msgport_region_wait {
	__u64 offset;		/* of a __u32 in the region, 4-byte aligned */
	__u64 timeout_ns;	/* with MSGPORT_F_TIMEOUT; in/out */
	__u32 value;		/* sleep while the word holds this */
	__u32 flags;		/* MSGPORT_F_TIMEOUT */
	__u64 reserved;
};

/*
 * MSGPORT_IOC_DUP on a mailbox descriptor: a new descriptor of the same
 * mailbox with at most the rights of this one, so that what a process
 * passes on (by fork(2), SCM_RIGHTS) can be less than what it holds.
 * Returns the new descriptor.  access is MSGPORT_O_RECV and/or
 * MSGPORT_O_SEND, or 0 for a descriptor that can only stat (and, for the
 * owner, set the mode); flags MSGPORT_O_CLOEXEC and MSGPORT_O_NONBLOCK.
 * Works on named and anonymous mailboxes, also unlinked ones (as dup(2)
 * would).  The new descriptor is a receiver or a sender like an opened one
 * (it keeps an ephemeral or anonymous mailbox alive if it has a right), and
 * its region mappings follow its rights (mmap needs MSGPORT_O_RECV,
 * PROT_WRITE MSGPORT_O_SEND).  An inbox descriptor cannot be reduced
 * (EINVAL): an inbox's lifetime is tied to its owner's descriptors; dup(2)
 * it instead.  Nor can a topic's subscription (EINVAL: it is its
 * descriptor's); a topic's send-only descriptor can.
 *
 * Errors: EFAULT, EINVAL (access or flags bits beyond those, reserved not
 * 0, an inbox, a subscription), EPERM (a right this descriptor lacks), ENOMEM,
 * EMFILE/ENFILE.
 */
struct msgport_dup {
	__u32 access;		/* MSGPORT_O_RECV | MSGPORT_O_SEND, or 0 */
	__u32 flags;		/* MSGPORT_O_CLOEXEC | MSGPORT_O_NONBLOCK */
	__u64 reserved[2];
};

/* On a mailbox descriptor. */
#define MSGPORT_IOC_SEND	_IOWR(MSGPORT_IOC_MAGIC, 0x10, struct msgport_send)
#define MSGPORT_IOC_RECV	_IOWR(MSGPORT_IOC_MAGIC, 0x11, struct msgport_recv)
#define MSGPORT_IOC_STAT	_IOR(MSGPORT_IOC_MAGIC, 0x12, struct msgport_stat)
#define MSGPORT_IOC_SET_MODE	_IOW(MSGPORT_IOC_MAGIC, 0x13, struct msgport_setmode)
#define MSGPORT_IOC_CALL	_IOWR(MSGPORT_IOC_MAGIC, 0x14, struct msgport_call)
#define MSGPORT_IOC_REPLY	_IOW(MSGPORT_IOC_MAGIC, 0x15, struct msgport_reply)
#define MSGPORT_IOC_REPLY_RECV	_IOWR(MSGPORT_IOC_MAGIC, 0x16, struct msgport_reply_recv)
#define MSGPORT_IOC_SEND_BATCH	_IOW(MSGPORT_IOC_MAGIC, 0x17, struct msgport_batch)
#define MSGPORT_IOC_RECV_BATCH	_IOW(MSGPORT_IOC_MAGIC, 0x18, struct msgport_batch)
#define MSGPORT_IOC_DUP		_IOW(MSGPORT_IOC_MAGIC, 0x19, struct msgport_dup)
#define MSGPORT_IOC_COMMIT	_IOW(MSGPORT_IOC_MAGIC, 0x1a, struct msgport_commit)
/* The grown receives (above): the same commands at their grown sizes. */
#define MSGPORT_IOC_RECV_V1	_IOWR(MSGPORT_IOC_MAGIC, 0x11, struct msgport_recv_v1)
#define MSGPORT_IOC_CALL_V1	_IOWR(MSGPORT_IOC_MAGIC, 0x14, struct msgport_call_v1)
#define MSGPORT_IOC_REPLY_RECV_V1 _IOWR(MSGPORT_IOC_MAGIC, 0x16, struct msgport_reply_recv_v1)
#define MSGPORT_IOC_REGION_WAIT	_IOWR(MSGPORT_IOC_MAGIC, 0x20, struct msgport_region_wait)
/* MSGPORT_IOC_REGION_WAKE (no argument): sleepers on the region look again. */
#define MSGPORT_IOC_REGION_WAKE	_IO(MSGPORT_IOC_MAGIC, 0x21)

#endif /* _UAPI_LINUX_MSGPORT_H */
