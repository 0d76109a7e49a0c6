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
 * Objects:
 *  /dev/msgport        the control device: version, open/create/unlink
 *                      mailboxes by name.
 *  mailbox descriptor  an anonymous-inode file returned by
 *                      MSGPORT_IOC_OPEN: send, receive, stat, chmod,
 *                      read(2)/write(2) (one whole message per call, priority
 *                      0), poll(2) (EPOLLIN when a message waits, EPOLLOUT
 *                      when a send would not block).
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
#define MSGPORT_ABI_MINOR	0

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
#define MSGPORT_O_ALL		((1U << 7) - 1)

/*
 * MSGPORT_IOC_OPEN: open (and with MSGPORT_O_CREAT, create) a mailbox.
 * Returns a new file descriptor.  A descriptor opened with neither
 * MSGPORT_O_RECV nor MSGPORT_O_SEND can only stat.  capacity, max_msg_size
 * and mode are used only when the call creates the mailbox (and must then be
 * valid); max_msg_size 0 means the module's default_msg_size parameter.
 *
 * Errors: EFAULT, EINVAL (flags, reserved, name bytes, mode bits beyond 0777,
 * max_msg_size beyond the module's max_msg_size), ENAMETOOLONG, ENOENT (no
 * such mailbox and no O_CREAT), EEXIST (O_CREAT|O_EXCL and it exists), EACCES
 * (mode bits deny the requested access), ENOSPC (max_mailboxes reached),
 * ENOMEM, EMFILE/ENFILE.
 */
struct msgport_open {
	__u64 name;		/* user pointer to the name, not NUL-terminated */
	__u32 name_len;		/* bytes at name */
	__u32 flags;		/* MSGPORT_O_* */
	__u32 mode;		/* permission bits (0777 mask) when creating */
	__u32 capacity;		/* messages when creating; 0 = rendezvous */
	__u32 max_msg_size;	/* bytes when creating; 0 = default */
	__u32 reserved0;
	__u64 reserved[3];
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

#define MSGPORT_SEND_FLAGS	(MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT | MSGPORT_F_SYNC)
#define MSGPORT_RECV_FLAGS	(MSGPORT_F_NONBLOCK | MSGPORT_F_TIMEOUT | \
				 MSGPORT_F_PEEK | MSGPORT_F_TRUNC)

/*
 * MSGPORT_IOC_SEND on a mailbox descriptor opened with MSGPORT_O_SEND.
 * Returns 0.  On return seq holds the message's per-mailbox sequence number.
 * If a timed wait is interrupted by a signal whose handler has SA_RESTART,
 * the call restarts with the remaining time, written back to timeout_ns.
 * With MSGPORT_F_SYNC (and always on a rendezvous mailbox) the call returns
 * 0 only after a receiver took the message; on -ETIMEDOUT, -EINTR or -EAGAIN
 * the message was withdrawn and nobody received it.
 *
 * Errors: EFAULT, EINVAL, EBADF (not opened for sending), EMSGSIZE (len >
 * the mailbox's max_msg_size), EAGAIN (non-blocking and full, or rendezvous
 * with no receiver waiting), ETIMEDOUT, EINTR, EIDRM (unlinked), EDQUOT (the
 * per-user max_user_bytes limit), ENOMEM.
 */
struct msgport_send {
	__u64 buf;		/* user pointer to the payload */
	__u64 timeout_ns;	/* with MSGPORT_F_TIMEOUT; in/out */
	__u64 seq;		/* out: sequence number given to the message */
	__u32 len;		/* payload bytes; 0 is a valid message */
	__u32 flags;		/* MSGPORT_F_NONBLOCK|TIMEOUT|SYNC */
	__u32 priority;		/* 0..MSGPORT_PRIO_MAX */
	__u32 reserved0;
	__u64 reserved[2];
};

/* Kernel-stamped facts about a received message; senders cannot forge them. */
struct msgport_msginfo {
	__u64 seq;		/* per-mailbox sequence number, from 1 */
	__u64 send_time_ns;	/* CLOCK_MONOTONIC when it was sent */
	__s32 pid;		/* sender tgid in the receiver's pid ns, 0 if not visible */
	__s32 tid;		/* sender thread id, likewise */
	__u32 uid;		/* sender euid in the receiver's user ns */
	__u32 gid;		/* sender egid in the receiver's user ns */
	__u32 priority;
	__u32 len;		/* the message's full length */
	__u64 reserved[3];
};

/*
 * MSGPORT_IOC_RECV on a mailbox descriptor opened with MSGPORT_O_RECV.
 * Takes the oldest message of the highest priority and returns the number
 * of bytes copied to buf.  info is filled in whenever a message was found,
 * also on -EMSGSIZE (buffer smaller than the message, which stays queued;
 * info.len is its length).  timeout_ns as for send.
 *
 * Errors: EFAULT, EINVAL, EBADF (not opened for receiving), EMSGSIZE, EAGAIN
 * (non-blocking and empty), ETIMEDOUT, EINTR, EIDRM.
 */
struct msgport_recv {
	__u64 buf;		/* user pointer to the buffer */
	__u64 timeout_ns;	/* with MSGPORT_F_TIMEOUT; in/out */
	__u32 buf_len;		/* bytes at buf */
	__u32 flags;		/* MSGPORT_F_NONBLOCK|TIMEOUT|PEEK|TRUNC */
	__u64 reserved[2];
	struct msgport_msginfo info;	/* out */
};

/* msgport_stat.flags */
#define MSGPORT_STAT_EPHEMERAL	(1U << 0)
#define MSGPORT_STAT_UNLINKED	(1U << 1)

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
	__u64 reserved[4];
};

/*
 * MSGPORT_IOC_SET_MODE on a mailbox descriptor: change the permission bits.
 * Only the owner or CAP_IPC_OWNER (-EPERM); bits beyond 0777 -EINVAL.
 */
struct msgport_setmode {
	__u32 mode;
	__u32 reserved;
};

#define MSGPORT_IOC_MAGIC	0xB8

/* On /dev/msgport. */
#define MSGPORT_IOC_VERSION	_IOR(MSGPORT_IOC_MAGIC, 0x00, struct msgport_version)
#define MSGPORT_IOC_OPEN	_IOW(MSGPORT_IOC_MAGIC, 0x01, struct msgport_open)
#define MSGPORT_IOC_UNLINK	_IOW(MSGPORT_IOC_MAGIC, 0x02, struct msgport_name)
/* 0x03..0x0f: reserved for direct messages and RPC. */

/* On a mailbox descriptor. */
#define MSGPORT_IOC_SEND	_IOWR(MSGPORT_IOC_MAGIC, 0x10, struct msgport_send)
#define MSGPORT_IOC_RECV	_IOWR(MSGPORT_IOC_MAGIC, 0x11, struct msgport_recv)
#define MSGPORT_IOC_STAT	_IOR(MSGPORT_IOC_MAGIC, 0x12, struct msgport_stat)
#define MSGPORT_IOC_SET_MODE	_IOW(MSGPORT_IOC_MAGIC, 0x13, struct msgport_setmode)

#endif /* _UAPI_LINUX_MSGPORT_H */
