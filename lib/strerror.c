// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Error strings.  Where msgport's ABI gives an errno a specific meaning the
 * text says it (and names the module parameter for a limit); otherwise it is
 * the C library's description.  Every string is a constant: the function is
 * thread-safe and async-signal-safe.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "internal.h"

static const char *msgport_text(int err)
{
	switch (err) {
	case 0:
		return "success";
	case ENOENT:
		return "no such mailbox, or /dev/msgport missing: is the module loaded?";
	case EPROTO:
		return "module ABI version differs from the library's";
	case ENOSPC:
		return "mailbox count limit reached (module parameter max_mailboxes)";
	case EDQUOT:
		return "per-user queued-memory limit reached (module parameter max_user_bytes)";
	case EMSGSIZE:
		return "message larger than the mailbox's max_msg_size, or receive buffer too small";
	case EIDRM:
		return "mailbox was unlinked";
	case EAGAIN:
		return "no message waiting / no room (non-blocking)";
	case ETIMEDOUT:
		return "timed out waiting for a message or for room";
	case EBADF:
		return "descriptor not opened for this direction (sending needs MSGPORT_O_SEND, "
		       "receiving MSGPORT_O_RECV), or not open";
	case ENAMETOOLONG:
		return "mailbox name too long (at most 255 bytes)";
	case EEXIST:
		return "a mailbox with that name already exists";
	case EACCES:
		return "permission denied by the mailbox's mode bits (or /dev/msgport's)";
	case EPERM:
		return "only the mailbox's owner (or CAP_IPC_OWNER) may unlink it or change its mode";
	case EINVAL:
		return "invalid argument (bad flag, name byte, priority, mode, size or "
		       "non-zero reserved field)";
	case EINTR:
		return "interrupted by a signal";
	case ENOTTY:
		return "not a msgport descriptor, or an operation this module does not know";
	default:
		return NULL;
	}
}

MSGPORT_EXPORT const char *msgport_strerror(int err)
{
	const char *s;

	if (err == INT_MIN)
		return "unknown error";
	if (err < 0)
		err = -err;
	s = msgport_text(err);
	if (s)
		return s;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
	/* Unlike strerror(), never formats into a buffer. */
	s = strerrordesc_np(err);
#else
	s = strerror(err);
#endif
	return s ? s : "unknown error";
}
