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

struct msgport;
struct msgport_mailbox;

/* The library's own version, "MAJOR.MINOR.PATCH". */
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

/* timeout_ns for send and receive: wait without limit. */
#define MSGPORT_WAIT_FOREVER	(-1LL)

/*
 * Send len bytes at buf with priority prio.  flags: MSGPORT_F_NONBLOCK,
 * MSGPORT_F_SYNC.  timeout_ns >= 0 bounds the wait (-ETIMEDOUT after it);
 * MSGPORT_WAIT_FOREVER waits without limit.  seq (may be NULL) receives the
 * message's sequence number.
 */
int msgport_send(struct msgport_mailbox *mb, const void *buf, size_t len, unsigned int prio,
		 unsigned int flags, int64_t timeout_ns, uint64_t *seq);

/*
 * Receive into buf (len bytes).  flags: MSGPORT_F_NONBLOCK, MSGPORT_F_PEEK,
 * MSGPORT_F_TRUNC.  Returns the bytes copied.  info (may be NULL) receives
 * the metadata, also on -EMSGSIZE where info->len is the needed size.
 */
ssize_t msgport_recv(struct msgport_mailbox *mb, void *buf, size_t len, unsigned int flags,
		     int64_t timeout_ns, struct msgport_msginfo *info);

#ifdef __cplusplus
}
#endif

#endif /* LIBMSGPORT_H */
