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
		return "no such mailbox or call (unknown or already answered token), "
		       "or /dev/msgport missing: is the module loaded?";
	case EPROTO:
		return "module ABI version differs from the library's";
	case ENOSPC:
		return "mailbox count limit reached (module parameter max_mailboxes)";
	case EDQUOT:
		return "per-user limit reached: memory of queued messages plus shared regions "
		       "(module parameter max_user_bytes), or number of mailboxes "
		       "(max_user_mailboxes), or of subscriptions to one topic "
		       "(max_user_subscriptions)";
	case EFBIG:
		return "region larger than the module allows (module parameter max_region_size)";
	case ERANGE:
		return "span does not lie inside the mailbox's shared region";
	case ENODEV:
		return "the mailbox has no shared region (give it a region size at creation)";
	case ENOMSG:
		return "the region holds no span pool (format it with msgport_span_pool_init)";
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
		return "a mailbox with that name already exists, or this process's inbox is "
		       "already open";
	case ESRCH:
		return "no such process";
	case ECONNREFUSED:
		return "that process has no inbox open";
	case ECONNRESET:
		return "the peer closed: the inbox's owner closed it or exited, or the server "
		       "closed the mailbox it received the call through";
	case EPIPE:
		return "the other end of an anonymous mailbox is gone: no handle that can "
		       "receive (sending), or no handle that can send and nothing queued (receiving)";
	case ECANCELED:
		return "the caller gave up on this call (timed out, interrupted or exited)";
	case EACCES:
		return "permission denied by the mailbox's mode bits (or /dev/msgport's)";
	case EPERM:
		return "only the mailbox's owner (or CAP_IPC_OWNER) may unlink it or change its mode; "
		       "or a right the handle lacks was asked for (msgport_mailbox_dup)";
	case EINVAL:
		return "invalid argument (bad flag, name byte, priority, mode, size or "
		       "non-zero reserved field)";
	case EINTR:
		return "interrupted by a signal";
	case EPROTOTYPE:
		return "a topic was asked for (subscribing, or creating one) and the mailbox "
		       "of that name is not a topic";
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
