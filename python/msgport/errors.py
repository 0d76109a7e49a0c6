# SPDX-License-Identifier: LGPL-2.1-or-later
"""msgport's exceptions: OSError subclasses chosen by errno.

Every failure of libmsgport raises an Error (an OSError) whose ``errno`` is
the errno value and whose ``strerror`` is msgport_strerror()'s text, which
says what the errno means for msgport (which limit, which module
parameter), not just the C library's generic words.  Where Python has a
builtin OSError subclass for that errno the exception is also an instance of
it, so ``except BlockingIOError`` or ``except FileNotFoundError`` work too.
"""

import errno as _errno

from . import _lib


class Error(OSError):
    """A libmsgport call failed: errno, strerror (msgport's text), filename (the mailbox)."""


class WouldBlock(Error, BlockingIOError):
    """EAGAIN: no message waiting, or no room, and not allowed to wait."""


class Timeout(Error, TimeoutError):
    """ETIMEDOUT: the wait's time limit passed."""


class NotFound(Error, FileNotFoundError):
    """ENOENT: no such mailbox or call, or no /dev/msgport (module not loaded)."""


class Exists(Error, FileExistsError):
    """EEXIST: the mailbox exists (exclusive create), or this process's inbox is open."""


class PermissionDenied(Error, PermissionError):
    """EACCES, EPERM: the mailbox's mode or ownership does not allow it."""


class Interrupted(Error, InterruptedError):
    """EINTR: a signal interrupted the wait."""


class ProcessNotFound(Error, ProcessLookupError):
    """ESRCH: no such process."""


class ConnectionRefused(Error, ConnectionRefusedError):
    """ECONNREFUSED: that process has no inbox open."""


class ConnectionReset(Error, ConnectionResetError):
    """ECONNRESET: the inbox closed, or the server went away before answering."""


class QuotaExceeded(Error):
    """EDQUOT: a per-user limit (max_user_bytes, max_user_mailboxes)."""


class LimitReached(Error):
    """ENOSPC: the mailbox count limit (max_mailboxes)."""


class ABIMismatch(Error):
    """EPROTO: the module speaks another ABI major than the library."""


class MessageTooLarge(Error):
    """EMSGSIZE: larger than the mailbox's max_msg_size, or than the receive buffer."""


class Removed(Error):
    """EIDRM: the mailbox was unlinked."""


class BrokenPipe(Error, BrokenPipeError):
    """EPIPE: the other end of an anonymous mailbox is gone."""


class Cancelled(Error):
    """ECANCELED: the caller of this call gave up."""


class NoRegion(Error):
    """ENODEV: the mailbox has no shared region."""


_BY_ERRNO = {
    _errno.EAGAIN: WouldBlock,
    _errno.ETIMEDOUT: Timeout,
    _errno.ENOENT: NotFound,
    _errno.EEXIST: Exists,
    _errno.EACCES: PermissionDenied,
    _errno.EPERM: PermissionDenied,
    _errno.EINTR: Interrupted,
    _errno.ESRCH: ProcessNotFound,
    _errno.ECONNREFUSED: ConnectionRefused,
    _errno.ECONNRESET: ConnectionReset,
    _errno.EDQUOT: QuotaExceeded,
    _errno.ENOSPC: LimitReached,
    _errno.EPROTO: ABIMismatch,
    _errno.EMSGSIZE: MessageTooLarge,
    _errno.EIDRM: Removed,
    _errno.ECANCELED: Cancelled,
    _errno.EPIPE: BrokenPipe,
    _errno.ENODEV: NoRegion,
}


def error(err, filename=None):
    """The exception for a library result err (a negative or positive errno)."""
    err = abs(int(err))
    cls = _BY_ERRNO.get(err, Error)
    if filename is None:
        return cls(err, _lib.strerror(err))
    return cls(err, _lib.strerror(err), filename)


def check(ret, filename=None):
    """ret if it is >= 0, else raise its error."""
    if ret < 0:
        raise error(ret, filename)
    return ret
