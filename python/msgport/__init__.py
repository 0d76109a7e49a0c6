# SPDX-License-Identifier: LGPL-2.1-or-later
"""msgport: message passing and shared memory through /dev/msgport.

Python bindings of libmsgport (ctypes; no compiler needed).  The library is
libmsgport.so.1, or the file $MSGPORT_LIBRARY names.

    import msgport

    with msgport.Device() as dev, dev.create("jobs", capacity=16) as mb:
        mb.send(b"hello\\0world", priority=5)
        msg = mb.recv(timeout=1.0)
        print(msg.data, msg.priority, msg.pid, msg.uid)

Errors are msgport.Error (an OSError) subclasses chosen by errno, whose
strerror is msgport's own description: WouldBlock (EAGAIN), Timeout
(ETIMEDOUT), NotFound (ENOENT), QuotaExceeded (EDQUOT), ABIMismatch
(EPROTO), MessageTooLarge (EMSGSIZE), ...  See python/README.md.
"""

from ._core import (BATCH_MAX, FDS_MAX, NAME_MAX, PRIO_MAX, UNBOUNDED, Call, Device, Inbox, Mailbox,
                    MailboxStat, Message, ModuleVersion, Region, Ring, RingStat, Span, lib_version,
                    strerror)
from .errors import (ABIMismatch, BrokenPipe, Cancelled, ConnectionRefused, ConnectionReset, Error, Exists,
                     Interrupted, LimitReached, MessageTooLarge, NoRegion, NotFound,
                     PermissionDenied, ProcessNotFound, QuotaExceeded, Removed, Timeout,
                     WouldBlock)

# The version of the libmsgport loaded (msgport_lib_version()): this module
# ships with the library, from the same source (python3-msgport depends on
# libmsgport1), so the one version number is the build's (the VERSION file):
# nothing here to keep in step by hand.
__version__ = lib_version()

__all__ = [
    "BATCH_MAX", "FDS_MAX", "NAME_MAX", "PRIO_MAX", "UNBOUNDED",
    "Call", "Device", "Inbox", "Mailbox", "MailboxStat", "Message", "ModuleVersion", "Region",
    "Ring", "RingStat", "Span",
    "lib_version", "strerror",
    "ABIMismatch", "BrokenPipe", "Cancelled", "ConnectionRefused", "ConnectionReset", "Error", "Exists",
    "Interrupted", "LimitReached", "MessageTooLarge", "NoRegion", "NotFound",
    "PermissionDenied", "ProcessNotFound", "QuotaExceeded", "Removed", "Timeout", "WouldBlock",
]
