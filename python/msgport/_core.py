# SPDX-License-Identifier: LGPL-2.1-or-later
"""The msgport objects: Device, Mailbox, Inbox, Message, Call, Region, Ring."""

import collections
import ctypes
import errno as _errno
import math
import operator
import os
import sys
import time

from . import _lib
from ._lib import fn
from .errors import check, error

UNBOUNDED = _lib.CAPACITY_UNBOUNDED
PRIO_MAX = _lib.PRIO_MAX
NAME_MAX = _lib.NAME_MAX
BATCH_MAX = _lib.BATCH_MAX
FDS_MAX = _lib.FDS_MAX

_DEFAULT_DEVICE = "/dev/msgport"
# The module's default max_msg_size ceiling (kmod/params.c), used for a call
# to a process's inbox when /sys does not tell the module's current one.
_MODULE_MAX_MSG_SIZE = 4 << 20


def lib_version():
    """libmsgport's release, "MAJOR.MINOR.PATCH"."""
    return _lib.lib_version()


def strerror(err):
    """msgport's description of an errno value (msgport_strerror())."""
    return _lib.strerror(err)


# --- argument helpers ---------------------------------------------------------


def _cstr(what, s):
    """A name or path as bytes for a C string: str or bytes, no NUL inside."""
    if isinstance(s, str):
        s = os.fsencode(s)
    elif not isinstance(s, bytes):
        raise TypeError("msgport: %s must be str or bytes, not %s" % (what, type(s).__name__))
    if b"\0" in s:
        raise ValueError("msgport: %s contains a NUL byte" % what)
    return s


def _payload(data):
    """Bytes to send: any bytes-like object, never str (encode it yourself)."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        raise TypeError("msgport: messages are bytes, not str: encode it (e.g. s.encode())")
    return memoryview(data).tobytes()


def _int(what, value, lo, hi):
    """An integer argument for C, checked against its C type's range (ctypes
    would truncate it silently: a size of -1 becomes SIZE_MAX)."""
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError("msgport: %s must be an integer, not %s"
                        % (what, type(value).__name__)) from None
    if not lo <= n <= hi:
        raise ValueError("msgport: %s must be %d..%d, not %d" % (what, lo, hi, n))
    return n


_U32_MAX = (1 << 32) - 1
_U64_MAX = (1 << 64) - 1
_SIZE_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_size_t))) - 1
_PID_MAX = (1 << 31) - 1  # pid_t is a 32-bit int


def _prio(priority):
    return _int("priority", priority, 0, PRIO_MAX)


def _size(size, what="size"):
    """A buffer size in bytes: 0 or more (recv() returns an ssize_t)."""
    return _int(what, size, 0, sys.maxsize)


def _pid(pid):
    return _int("pid", pid, 1, _PID_MAX)


def _u32(what, value):
    return _int(what, value, 0, _U32_MAX)


def _u64(what, value):
    return _int(what, value, 0, _U64_MAX)


def _attr(capacity, max_msg_size, mode, region_size, topic=0):
    return _lib.Attr(capacity=_u32("capacity", capacity),
                     max_msg_size=_u32("max_msg_size", max_msg_size),
                     mode=_u32("mode", mode), topic=_u32("topic", topic),
                     region_size=_u64("region_size", region_size))


_POLICIES = {"drop-old": _lib.TOPIC_DROP_OLD, "drop-new": _lib.TOPIC_DROP_NEW,
             "block": _lib.TOPIC_BLOCK}


def _policy_bits(what, names):
    try:
        return sum(_POLICIES[n] for n in set(names))
    except (KeyError, TypeError):
        raise ValueError("%s: policies are %s, not %r" % (what, ", ".join(sorted(_POLICIES)),
                                                        names)) from None


def _token(call):
    return _u64("call token", call.token if isinstance(call, Message) else call)


class _Deadline:
    """A timeout in seconds (None: forever) as the library's timeout_ns, kept
    across retries after EINTR (PEP 475: a signal handler that returns lets
    the wait go on with the time that is left)."""

    def __init__(self, timeout):
        if timeout is None:
            self.end = None
            return
        t = float(timeout)
        if math.isnan(t) or t < 0:
            raise ValueError("msgport: timeout must be None or >= 0 seconds, not %r" % (timeout,))
        self.zero = t == 0
        if math.isinf(t):
            # As long as it takes (ns() clamps any long finite one so too).
            self.end = None
            return
        self.end = time.monotonic() + t

    def ns(self):
        if self.end is None:
            return _lib.WAIT_FOREVER
        left = self.end - time.monotonic()
        return min(max(int(left * 1e9), 0), (1 << 63) - 1)


def _wait_args(timeout, flags):
    """timeout None: wait; 0: do not wait (MSGPORT_F_NONBLOCK); > 0: at most that long."""
    d = _Deadline(timeout)
    if d.end is not None and d.zero:
        return flags | _lib.F_NONBLOCK, None
    return flags, d


def _ns(deadline):
    return _lib.WAIT_FOREVER if deadline is None else deadline.ns()


# --- results --------------------------------------------------------------------

ModuleVersion = collections.namedtuple("ModuleVersion", "abi_major abi_minor module")
ModuleVersion.__doc__ = "The module's ABI version and release (MSGPORT_IOC_VERSION)."


class MailboxStat(collections.namedtuple(
        "MailboxStat",
        "name uid gid mode flags capacity max_msg_size waiting_senders waiting_receivers "
        "queued_msgs queued_bytes sent received dropped region_size region_maps calls "
        "owner_pid")):
    """A mailbox's state (struct msgport_stat); name is '' for an inbox and an
    anonymous mailbox."""

    __slots__ = ()

    @property
    def ephemeral(self):
        return bool(self.flags & _lib.STAT_EPHEMERAL)

    @property
    def unlinked(self):
        return bool(self.flags & _lib.STAT_UNLINKED)

    @property
    def inbox(self):
        return bool(self.flags & _lib.STAT_INBOX)

    @property
    def anonymous(self):
        return bool(self.flags & _lib.STAT_ANON)

    @property
    def topic(self):
        return bool(self.flags & _lib.STAT_TOPIC)

    @property
    def subscription(self):
        return bool(self.flags & _lib.STAT_SUBSCRIPTION)

    @property
    def unbounded(self):
        return self.capacity == UNBOUNDED


class Message:
    """A received message: data (bytes) and the kernel-stamped metadata.

    length is the message's full length: larger than len(data) when the
    receive truncated it (truncated is then True).  For a call's reply
    (Mailbox.call_message()) pid, uid, ... describe the server that replied.
    """

    __slots__ = ("data", "seq", "send_time_ns", "pid", "tid", "uid", "gid", "priority",
                 "length", "token", "span_offset", "msg_flags", "lost", "reply_error", "span")

    def __init__(self, data, info):
        self.data = data
        self.seq = info.seq
        self.send_time_ns = info.send_time_ns
        self.pid = info.pid
        self.tid = info.tid
        self.uid = info.uid
        self.gid = info.gid
        self.priority = info.priority
        self.length = info.len
        self.token = info.token
        self.span_offset = info.span_offset
        self.msg_flags = info.msg_flags
        self.lost = info.lost
        # Mailbox.reply_recv(): what became of the reply sent with this
        # receive (None: delivered, else the Error its caller's absence gave).
        self.reply_error = None
        # Mailbox.recv_span(): the Span received by reference, or None.
        self.span = None

    @property
    def truncated(self):
        return not self.is_span and self.length > len(self.data)

    @property
    def is_call(self):
        return bool(self.msg_flags & _lib.MSG_CALL)

    @property
    def fds_dropped(self):
        """It carried descriptors that this receive did not get (closed)."""
        return bool(self.msg_flags & _lib.MSG_FDS_DROPPED)

    @property
    def is_span(self):
        return bool(self.msg_flags & _lib.MSG_SPAN)

    def __bytes__(self):
        return self.data

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        data = self.data if len(self.data) <= 32 else self.data[:32] + b"..."
        return "<%s seq=%d priority=%d pid=%d uid=%d length=%d%s data=%r>" % (
            type(self).__name__, self.seq, self.priority, self.pid, self.uid, self.length,
            " truncated" if self.truncated else "", data)


class Call(Message):
    """A received call's request: answer it once with reply(data)."""

    __slots__ = ("_mailbox", "answered")

    def __init__(self, data, info, mailbox):
        super().__init__(data, info)
        self._mailbox = mailbox
        self.answered = False

    def reply(self, data=b""):
        """Send the reply to the caller (only it gets it).  NotFound if it was
        answered already, Cancelled if the caller gave up."""
        self._mailbox.reply(self, data)


def _message(data, info, mailbox):
    if info.msg_flags & _lib.MSG_CALL:
        return Call(data, info, mailbox)
    return Message(data, info)


# --- handles ---------------------------------------------------------------------


class _Closable:
    """A context manager whose exit closes it: close() and closed are the
    subclass's."""

    __slots__ = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Handle(_Closable):
    """An object owning a libmsgport handle _h, freed by close() (or when the
    object is collected) with the library function _free; _handle() is the
    handle of an open one.  _what names the object in the error of an
    operation on a closed one."""

    _what = "handle"

    def __init__(self, handle=None):
        self._h = handle

    @staticmethod
    def _free(handle):
        raise NotImplementedError

    def _handle(self):
        h = self._h
        if h is None:
            raise ValueError("msgport: operation on a closed %s" % self._what)
        return h

    def close(self):
        h, self._h = self._h, None
        if h is not None:
            self._free(h)

    @property
    def closed(self):
        return self._h is None

    def __del__(self):
        # _h is missing when __init__ failed before setting it.
        if getattr(self, "_h", None) is not None:
            try:
                self.close()
            except Exception:
                pass


# --- the device ------------------------------------------------------------------


class Device(_Handle):
    """An open /dev/msgport (msgport_open()): opens mailboxes and the inbox,
    sends and calls to processes by pid.

    path None: $MSGPORT_DEVICE, else /dev/msgport.  NotFound if the module is
    not loaded, PermissionDenied if the device may not be opened, ABIMismatch
    if the module's ABI major is not the library's.
    """

    _what = "Device"

    @staticmethod
    def _free(handle):
        fn.close(handle)

    def __init__(self, path=None):
        super().__init__()
        arg = None if path is None else _cstr("device path", path)
        h = ctypes.c_void_p()
        ret = fn.open(arg, ctypes.byref(h))
        if ret < 0:
            shown = path if path is not None else (os.environ.get("MSGPORT_DEVICE")
                                                   or _DEFAULT_DEVICE)
            raise error(ret, shown)
        self._h = h

    def close(self):
        """Close the device.  Mailboxes opened through it stay open."""
        super().close()

    def fileno(self):
        return check(fn.fd(self._handle()))

    @property
    def version(self):
        """The module's version: ModuleVersion(abi_major, abi_minor, module)."""
        v = _lib.Version()
        check(fn.module_version(self._handle(), ctypes.byref(v)))
        return ModuleVersion(v.abi_major, v.abi_minor, v.module_version.decode("ascii", "replace"))

    # mailboxes

    def open(self, name, send=True, recv=True, *, create=False, exclusive=False,
             ephemeral=False, nonblock=False, capacity=16, max_msg_size=0, mode=0o600,
             region_size=0):
        """Open the mailbox name (msgport_mailbox_open()) for sending and/or
        receiving (neither: stat and chmod only).  create: create it if it does
        not exist, with capacity (messages; 0 a rendezvous, UNBOUNDED),
        max_msg_size (0: the module's default), mode and region_size (bytes of
        shared region, 0 none); exclusive: Exists if it exists; ephemeral: the
        created mailbox dies with its last descriptor; nonblock: the descriptor
        is O_NONBLOCK for read(2)/write(2)."""
        bname = _cstr("mailbox name", name)
        oflags = ((_lib.O_SEND if send else 0) | (_lib.O_RECV if recv else 0) |
                  (_lib.O_CREAT if create else 0) | (_lib.O_EXCL if exclusive else 0) |
                  (_lib.O_EPHEMERAL if ephemeral else 0) | (_lib.O_NONBLOCK if nonblock else 0))
        attr = None
        if create:
            attr = ctypes.byref(_attr(capacity, max_msg_size, mode, region_size))
        h = ctypes.c_void_p()
        check(fn.mailbox_open(self._handle(), bname, oflags, attr, ctypes.byref(h)), name)
        return Mailbox(h, name, self)

    def create(self, name, capacity=16, mode=0o600, *, max_msg_size=0, region_size=0,
               exclusive=False, ephemeral=False, send=True, recv=True, nonblock=False):
        """open(name, create=True, ...): create the mailbox unless it exists
        (exclusive=True: Exists if it does)."""
        return self.open(name, send, recv, create=True, exclusive=exclusive,
                         ephemeral=ephemeral, nonblock=nonblock, capacity=capacity,
                         max_msg_size=max_msg_size, mode=mode, region_size=region_size)

    def create_anon(self, capacity=16, mode=0o600, *, max_msg_size=0, region_size=0,
                    send=True, recv=True, nonblock=False):
        """Create a mailbox with no name (msgport_mailbox_create_anon()),
        reachable only through its handles, as a pipe: once every handle that
        can receive is closed, sends raise BrokenPipe (EPIPE); once every handle
        that can send is closed, a receive that finds nothing raises it.  Pass
        a reduced handle on with Mailbox.dup()."""
        oflags = ((_lib.O_SEND if send else 0) | (_lib.O_RECV if recv else 0) |
                  (_lib.O_NONBLOCK if nonblock else 0))
        attr = _attr(capacity, max_msg_size, mode, region_size)
        h = ctypes.c_void_p()
        check(fn.mailbox_create_anon(self._handle(), oflags, ctypes.byref(attr),
                                     ctypes.byref(h)))
        return Mailbox(h, None, self)

    def mailbox_from_fd(self, fd, name=None):
        """A Mailbox for a mailbox descriptor received with recv_fds() (or
        inherited); it owns fd from then on (close() closes it).  OSError
        ENOTTY if fd is no mailbox's."""
        h = ctypes.c_void_p()
        check(fn.mailbox_from_fd(_int("fd", fd, 0, 2**31 - 1), ctypes.byref(h)))
        return Mailbox(h, name, self)

    def create_topic(self, name, capacity=16, mode=0o600, *, max_msg_size=0,
                     policies=("drop-old", "drop-new"), exclusive=False, ephemeral=False):
        """Create the topic name (MSGPORT_O_TOPIC): every message sent on the
        returned send-only handle goes to every subscription (subscribe()),
        each holding up to capacity messages; policies: what subscribers may
        choose when theirs is full ("drop-old", "drop-new", "block")."""
        bname = _cstr("topic name", name)
        oflags = (_lib.O_SEND | _lib.O_CREAT | _lib.O_TOPIC | (_lib.O_EXCL if exclusive else 0) |
                  (_lib.O_EPHEMERAL if ephemeral else 0))
        attr = _attr(capacity, max_msg_size, mode, 0, _policy_bits("policies", policies))
        h = ctypes.c_void_p()
        check(fn.mailbox_open(self._handle(), bname, oflags, ctypes.byref(attr),
                              ctypes.byref(h)), name)
        return Mailbox(h, name, self)

    def subscribe(self, name, *, policy=None, capacity=0, send=False, nonblock=False):
        """Subscribe to the topic name (msgport_subscribe()): a handle that
        receives every message published from now on (Message.lost: how many
        this subscription lost before it).  policy: "drop-old", "drop-new" or
        "block" (None: the topic's default); capacity 0: the topic's."""
        bname = _cstr("topic name", name)
        sub = _lib.Subscription(capacity=_u32("capacity", capacity),
                                policy=_policy_bits("policy", [policy]) if policy else 0,
                                oflags=((_lib.O_SEND if send else 0) |
                                        (_lib.O_NONBLOCK if nonblock else 0)),
                                reserved=0)
        h = ctypes.c_void_p()
        check(fn.subscribe(self._handle(), bname, ctypes.byref(sub), ctypes.byref(h)), name)
        return Mailbox(h, name, self)

    def unlink(self, name):
        """Remove the name (msgport_mailbox_unlink()); open handles go on
        until closed, but blocked and later operations get Removed (EIDRM)."""
        check(fn.mailbox_unlink(self._handle(), _cstr("mailbox name", name)), name)

    # direct messages

    def inbox(self, capacity=16, mode=0o600, *, max_msg_size=0, nonblock=False):
        """Open this process's inbox (msgport_inbox_open()): others send to it
        with send_pid(os.getpid(), ...).  mode's group/other write bits say who
        besides this user may send.  Exists if it is open already."""
        attr = _attr(capacity, max_msg_size, mode, 0)
        h = ctypes.c_void_p()
        check(fn.inbox_open(self._handle(), ctypes.byref(attr),
                            _lib.O_NONBLOCK if nonblock else 0, ctypes.byref(h)))
        return Inbox(h, self)

    def send_pid(self, pid, data, priority=0, timeout=None, *, sync=False):
        """Send data to the inbox of process pid; returns its sequence number.
        timeout as for Mailbox.send()."""
        pid = _pid(pid)
        buf = _payload(data)
        flags, dl = _wait_args(timeout, _lib.F_SYNC if sync else 0)
        seq = _lib.u64()
        h = self._handle()
        prio = _prio(priority)
        while True:
            ret = fn.send_pid(h, pid, buf, len(buf), prio, flags, _ns(dl), ctypes.byref(seq))
            if ret != -_errno.EINTR:
                break
        check(ret)
        return seq.value

    def call_pid(self, pid, data, *, size=None, priority=0, timeout=None, truncate=False,
                 nonblock=False):
        """Call the inbox of process pid; returns the reply's bytes.  size: the
        largest reply accepted (default: the module's max_msg_size)."""
        return self.call_pid_message(pid, data, size=size, priority=priority, timeout=timeout,
                                     truncate=truncate, nonblock=nonblock).data

    def call_pid_message(self, pid, data, *, size=None, priority=0, timeout=None,
                         truncate=False, nonblock=False):
        """call_pid(), returning the reply as a Message (the server's pid, uid, ...)."""
        pid = _pid(pid)
        if size is None:
            size = _module_max_msg_size()
        h = self._handle()
        return _call(lambda *a: fn.call_pid(h, pid, *a), data, size, priority, timeout,
                     truncate, nonblock)


def _module_max_msg_size():
    try:
        with open("/sys/module/msgport/parameters/max_msg_size") as f:
            return int(f.read())
    except (OSError, ValueError):
        return _MODULE_MAX_MSG_SIZE


def _call(do, data, size, priority, timeout, truncate, nonblock):
    req = _payload(data)
    size = _size(size)
    prio = _prio(priority)
    flags = (_lib.F_TRUNC if truncate else 0) | (_lib.F_NONBLOCK if nonblock else 0)
    dl = None if timeout is None else _Deadline(timeout)
    reply = ctypes.create_string_buffer(max(size, 1))
    info = _lib.MsgInfo()
    # No retry after EINTR: once a server took the request, a call must not
    # be sent twice; Interrupted says so to the caller.
    ret = do(req, len(req), reply, size, prio, flags, _ns(dl), ctypes.byref(info))
    check(ret)
    return Message(ctypes.string_at(reply, ret), info)


# --- mailboxes ---------------------------------------------------------------------


# Errors of a reply_recv() whose reply was made and whose receive failed.
_RECV_ONLY_ERRORS = (-_errno.EINTR, -_errno.EAGAIN, -_errno.ETIMEDOUT)


class Mailbox(_Handle):
    """An open mailbox (Device.open() / Device.create()).  Usable as a context
    manager; fileno() works with select, poll and selectors (readable when a
    message waits, writable when a send would not block)."""

    _what = "mailbox"

    @staticmethod
    def _free(handle):
        fn.mailbox_close(handle)

    def __init__(self, handle, name, device):
        super().__init__(handle)
        self.name = name
        self._device = device
        self._max_msg_size = None

    def close(self):
        """Close the handle (msgport_mailbox_close()).  A mapped Region stays valid."""
        super().close()

    def __repr__(self):
        state = "closed" if self._h is None else "fd=%d" % fn.mailbox_fd(self._h)
        return "<%s %r %s>" % (type(self).__name__, self.name, state)

    def fileno(self):
        return check(fn.mailbox_fd(self._handle()))

    def stat(self):
        """The mailbox's state now: a MailboxStat."""
        st = _lib.Stat()
        check(fn.mailbox_stat(self._handle(), ctypes.byref(st)), self.name)
        values = [getattr(st, f) for f, _ in _lib.Stat._fields_ if not f.startswith("reserved")]
        values[0] = st.name.decode("ascii", "replace")
        return MailboxStat(*values)

    def chmod(self, mode):
        """Set the permission bits (owner or CAP_IPC_OWNER only)."""
        check(fn.mailbox_chmod(self._handle(), _u32("mode", mode)), self.name)

    def dup(self, send=True, recv=False, *, nonblock=False):
        """A new handle of the same mailbox with at most this one's rights
        (msgport_mailbox_dup()): send-only by default; neither: stat only.
        PermissionDenied for a right this handle lacks; an Inbox cannot be
        reduced (OSError EINVAL)."""
        access = (_lib.O_SEND if send else 0) | (_lib.O_RECV if recv else 0)
        h = ctypes.c_void_p()
        check(fn.mailbox_dup(self._handle(), access, _lib.O_NONBLOCK if nonblock else 0,
                             ctypes.byref(h)), self.name)
        return Mailbox(h, self.name, self._device)

    def unlink(self):
        """Remove this mailbox's name (Device.unlink(self.name))."""
        if not self.name:
            raise ValueError("msgport: an inbox has no name to unlink")
        self._device.unlink(self.name)

    @property
    def max_msg_size(self):
        """The mailbox's largest message, in bytes (from its stat, once)."""
        if self._max_msg_size is None:
            self._max_msg_size = self.stat().max_msg_size
        return self._max_msg_size

    # sending

    def send(self, data, priority=0, timeout=None, *, sync=False):
        """Send data (bytes-like; b"" is a message) with priority 0..PRIO_MAX
        (higher first); returns its sequence number.  timeout None waits for
        room as long as it takes; 0 does not wait (WouldBlock); > 0 waits at
        most that many seconds (Timeout).  sync: return only once a receiver
        took the message (on a rendezvous mailbox, always so)."""
        buf = _payload(data)
        flags, dl = _wait_args(timeout, _lib.F_SYNC if sync else 0)
        seq = _lib.u64()
        h = self._handle()
        prio = _prio(priority)
        while True:
            ret = fn.send(h, buf, len(buf), prio, flags, _ns(dl), ctypes.byref(seq))
            if ret != -_errno.EINTR:
                break
        check(ret, self.name)
        return seq.value

    def send_fds(self, data, fds, priority=0, timeout=None, *, sync=False):
        """send() data with open descriptors (ints, or objects with fileno();
        at most FDS_MAX) that the receiver gets as new descriptors of the same
        open files (msgport_send_fds()).  Descriptors that may not travel (a
        mailbox handle that can receive: pass dup(); an inbox; an AF_UNIX
        socket) raise OSError EINVAL; too many in flight, ETOOMANYREFS."""
        buf = _payload(data)
        nums = [f if isinstance(f, int) else f.fileno() for f in fds]
        if len(nums) > _lib.FDS_MAX:
            raise ValueError("msgport: at most %d descriptors a message" % _lib.FDS_MAX)
        arr = (ctypes.c_int * max(len(nums), 1))(*nums)
        flags, dl = _wait_args(timeout, _lib.F_SYNC if sync else 0)
        cbuf = ctypes.create_string_buffer(buf, len(buf))
        m = _lib.SendMsg(buf=ctypes.addressof(cbuf), len=len(buf), fds=arr, nfds=len(nums),
                         priority=_prio(priority), flags=flags, reserved=0)
        h = self._handle()
        while True:
            m.timeout_ns = _ns(dl)
            ret = fn.send_fds(h, ctypes.byref(m))
            if ret != -_errno.EINTR:
                break
        check(ret, self.name)
        return m.seq

    def recv_fds(self, size=None, timeout=None, *, max_fds=_lib.FDS_MAX, cloexec=True,
                 truncate=False):
        """recv() taking the message's descriptors too (msgport_recv_fds()):
        returns (Message, [fd, ...]); the descriptors are the caller's to close
        (close-on-exec unless cloexec=False).  Message.fds_dropped is True when
        some did not come (too many for max_fds with truncate=True, or the
        process's RLIMIT_NOFILE); without truncate, more than max_fds raises
        MessageTooLarge and the message stays queued."""
        size = self.max_msg_size if size is None else _size(size)
        nfds = _int("max_fds", max_fds, 1, _lib.FDS_MAX)
        buf = ctypes.create_string_buffer(max(size, 1))
        arr = (ctypes.c_int * nfds)()
        flags, dl = _wait_args(timeout, (_lib.F_CLOEXEC if cloexec else 0) |
                               (_lib.F_TRUNC if truncate else 0))
        m = _lib.RecvMsg(buf=ctypes.addressof(buf), len=size, fds=arr, nfds=nfds,
                         flags=flags, reserved=0)
        h = self._handle()
        while True:
            m.timeout_ns = _ns(dl)
            ret = fn.recv_fds(h, ctypes.byref(m))
            if ret != -_errno.EINTR:
                break
        check(ret, self.name)
        msg = _message(ctypes.string_at(buf, min(ret, size)), m.info, self)
        return msg, [arr[i] for i in range(m.nfds_received)]

    def send_batch(self, messages, timeout=None, *, sync=False):
        """Send many messages in one system call (up to BATCH_MAX): messages is
        an iterable of bytes or (bytes, priority).  Returns the sequence
        numbers of those sent, in order: fewer than given when one could not
        be sent (e.g. the mailbox filled up with timeout 0); raises that
        message's error if none was sent.  timeout applies to each message."""
        items = []
        for m in messages:
            if isinstance(m, tuple):
                data, prio = m
            else:
                data, prio = m, 0
            items.append((_payload(data), _prio(prio)))
        if not items:
            return []
        if len(items) > BATCH_MAX:
            raise ValueError("msgport: at most %d messages in a batch" % BATCH_MAX)
        arr = (_lib.BatchMsg * len(items))()
        for i, (data, prio) in enumerate(items):
            arr[i].buf = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p)
            arr[i].len = len(data)
            arr[i].prio = prio
        flags, dl = _wait_args(timeout, _lib.F_SYNC if sync else 0)
        h = self._handle()
        while True:
            ret = fn.send_batch(h, arr, len(items), flags, _ns(dl))
            if ret != -_errno.EINTR:
                break
        check(ret, self.name)
        # items keeps the payloads alive until here.
        return [arr[i].seq for i in range(ret)]

    # receiving

    def _recv(self, size, timeout, peek, truncate, sender):
        flags = (_lib.F_PEEK if peek else 0) | (_lib.F_TRUNC if truncate else 0)
        flags, dl = _wait_args(timeout, flags)
        grow = size is None
        size = self.max_msg_size if grow else _size(size)
        h = self._handle()
        info = _lib.MsgInfo()
        while True:
            buf = ctypes.create_string_buffer(max(size, 1))
            if sender:
                ret = fn.recv_from(h, sender, buf, size, flags, _ns(dl), ctypes.byref(info))
            else:
                ret = fn.recv(h, buf, size, flags, _ns(dl), ctypes.byref(info))
            if ret == -_errno.EINTR:
                continue
            # A message larger than the mailbox's maximum (a span) stays
            # queued: take it with a buffer of its size.
            if ret == -_errno.EMSGSIZE and grow and info.len > size:
                size = info.len
                continue
            break
        check(ret, self.name)
        return _message(ctypes.string_at(buf, ret), info, self)

    def recv(self, size=None, timeout=None, *, peek=False, truncate=False):
        """Receive the oldest message of the highest priority: a Message (a
        Call for a call's request).  size: the largest message accepted
        (default: the mailbox's max_msg_size); a larger one stays queued and
        raises MessageTooLarge, unless truncate=True (then Message.truncated).
        timeout None waits as long as it takes; 0 does not wait (WouldBlock);
        > 0 waits at most that many seconds (Timeout).  peek: leave it queued."""
        return self._recv(size, timeout, peek, truncate, None)

    def recv_from(self, pid, size=None, timeout=None, *, peek=False, truncate=False):
        """recv(), taking only a message sent by process pid (the others stay
        queued in order).  ProcessNotFound if pid names no live process."""
        return self._recv(size, timeout, peek, truncate, _pid(pid))

    def recv_batch(self, n, size=None, timeout=None, *, truncate=False):
        """Receive up to n messages in one system call: waits (timeout as for
        recv()) for the first only, then takes what is queued.  Returns a list
        of Message, at least one."""
        n = _int("a batch's message count", n, 1, BATCH_MAX)
        grow = size is None
        size = self.max_msg_size if grow else _size(size)
        stride = max(size, 1)
        flags, dl = _wait_args(timeout, _lib.F_TRUNC if truncate else 0)
        bufs = ctypes.create_string_buffer(n * stride)
        base = ctypes.addressof(bufs)
        arr = (_lib.BatchMsg * n)()
        for i in range(n):
            arr[i].buf = base + i * stride
            arr[i].len = size
        h = self._handle()
        while True:
            ret = fn.recv_batch(h, arr, n, flags, _ns(dl))
            if ret != -_errno.EINTR:
                break
        if ret == -_errno.EMSGSIZE and grow:
            # The first message is larger than the mailbox's maximum (a span).
            return [self._recv(None, timeout, False, truncate, None)]
        check(ret, self.name)
        return [_message(ctypes.string_at(base + i * stride, arr[i].len), arr[i].info, self)
                for i in range(ret)]

    # calls

    def call(self, data, *, size=None, priority=0, timeout=None, truncate=False,
             nonblock=False):
        """Send data as a call's request and wait for the reply; returns the
        reply's bytes.  size: the largest reply accepted (default: the
        mailbox's max_msg_size; a longer reply is refused to the server unless
        truncate=True).  timeout bounds the whole call (Timeout); nonblock:
        WouldBlock if the mailbox has no room for the request."""
        return self.call_message(data, size=size, priority=priority, timeout=timeout,
                                 truncate=truncate, nonblock=nonblock).data

    def call_message(self, data, *, size=None, priority=0, timeout=None, truncate=False,
                     nonblock=False):
        """call(), returning the reply as a Message (the server's pid, uid, ...)."""
        if size is None:
            size = self.max_msg_size
        h = self._handle()
        try:
            return _call(lambda *a: fn.call(h, *a), data, size, priority, timeout, truncate,
                         nonblock)
        except OSError as e:
            e.filename = self.name
            raise

    def reply(self, call, data=b""):
        """Answer call (a Call, or its token) with data."""
        token = _token(call)
        buf = _payload(data)
        check(fn.reply(self._handle(), token, buf, len(buf)), self.name)
        if isinstance(call, Call):
            call.answered = True

    def reply_recv(self, call, data=b"", size=None, timeout=None, *, truncate=False):
        """A server's step: answer call (a Call, its token, or None: nothing to
        answer) with data, then recv() the next message.  If the reply's caller
        was gone (it gave up, or exited) the receive goes on and the returned
        Message's reply_error holds that Error; any other reply error is raised
        before receiving."""
        token = 0 if call is None else _token(call)
        rep = _payload(data)
        flags, dl = _wait_args(timeout, _lib.F_TRUNC if truncate else 0)
        grow = size is None
        size = self.max_msg_size if grow else _size(size)
        h = self._handle()
        info = _lib.MsgInfo()
        result = ctypes.c_int(0)
        reply_error = None
        while True:
            buf = ctypes.create_string_buffer(max(size, 1))
            ret = fn.reply_recv(h, token, rep, len(rep), ctypes.byref(result), buf, size, flags,
                                _ns(dl), ctypes.byref(info))
            if token and result.value < 0 and result.value != ret:
                # Refused for its caller's absence; the receive went on.
                reply_error = error(result.value, self.name)
                token = 0
            elif token and result.value == 0 and (ret >= 0 or ret in _RECV_ONLY_ERRORS):
                # Answered; only the receive failed (or is to be retried).
                if isinstance(call, Call):
                    call.answered = True
                token = 0
            if ret == -_errno.EINTR or (ret == -_errno.EMSGSIZE and grow and info.len > size):
                if ret == -_errno.EMSGSIZE:
                    size = info.len
                if token and result.value == 0 and isinstance(call, Call):
                    call.answered = True
                token = 0  # answered (or refused) already: not twice
                continue
            break
        if ret < 0:
            e = error(ret, self.name)
            e.reply_error = reply_error
            raise e
        msg = _message(ctypes.string_at(buf, ret), info, self)
        msg.reply_error = reply_error
        return msg

    # spans

    def send_span(self, span, priority=0, timeout=None, *, sync=False):
        """Send span (a Span of this mailbox's region) by reference; returns
        its sequence number.  After it the sender must not touch the span
        (if it raises, the sender still owns it).  timeout as for send()."""
        sp = span._struct()
        flags, dl = _wait_args(timeout, _lib.F_SYNC if sync else 0)
        seq = _lib.u64()
        h = self._handle()
        prio = _prio(priority)
        while True:
            ret = fn.span_send(h, ctypes.byref(sp), prio, flags, _ns(dl), ctypes.byref(seq))
            if ret != -_errno.EINTR:
                break
        check(ret, self.name)
        return seq.value

    def recv_span(self, region=None, timeout=None, *, peek=False):
        """Receive the next message as a span, by reference: a Message whose
        span is a Span of region (this process's mapping of the mailbox's
        region) and whose data is b"".  The receiver owns the span until
        span.release().  An empty ordinary message is received with span None;
        one with a payload stays queued (MessageTooLarge: take it with recv())."""
        flags, dl = _wait_args(timeout, _lib.F_PEEK if peek else 0)
        rh = None if region is None else region._check()
        sp = _lib.Span()
        info = _lib.MsgInfo()
        h = self._handle()
        while True:
            ret = fn.span_recv(h, rh, ctypes.byref(sp), flags, _ns(dl), ctypes.byref(info))
            if ret != -_errno.EINTR:
                break
        check(ret, self.name)
        msg = _message(b"", info, self)
        if info.msg_flags & _lib.MSG_SPAN:
            msg.span = Span(region, sp.offset, sp.len)
        return msg

    # regions

    def map_region(self):
        """Map the mailbox's shared region: a Region (NoRegion if it has none;
        needs a mailbox opened for receiving, writable if also for sending)."""
        return Region(self)


class Inbox(Mailbox):
    """This process's inbox (Device.inbox()): a receive-only mailbox that
    others address by pid (Device.send_pid(), Device.call_pid())."""

    def __init__(self, handle, device):
        super().__init__(handle, None, device)
        self.pid = os.getpid()

    def __repr__(self):
        state = "closed" if self._h is None else "fd=%d" % fn.mailbox_fd(self._h)
        return "<Inbox of pid %d %s>" % (self.pid, state)


# --- regions ---------------------------------------------------------------------------


class _Mapping:
    """The owner of a region's mapping: unmaps it when it is collected.

    Only the Region's byte array refers to it, and nothing it refers to leads
    back: once the Region and every memoryview of its bytes are gone, the
    array and then this are freed at once (no cycle waiting for the garbage
    collector), and the mapping goes, with the mailbox file it keeps open.
    """

    __slots__ = ("h",)

    def __init__(self, h):
        self.h = h

    def unmap(self):
        h, self.h = self.h, None
        if h is not None:
            fn.region_unmap(h)

    def __del__(self):
        try:
            self.unmap()
        except Exception:
            pass


class Region(_Closable):
    """A mapping of a mailbox's shared region (msgport_region_map()).

    view is a memoryview of the whole mapping (read-only unless writable).
    close() unmaps it; while memoryviews of it exist, close() raises
    BufferError (as mmap.close() does).  Dropped without close(), the region
    is unmapped as soon as neither it nor a memoryview of it is left.
    wait()/wake() are a futex on 32-bit words of the region, across
    processes.  The mapping is inherited by fork().
    """

    def __init__(self, mailbox):
        self._h = None
        h = ctypes.c_void_p()
        check(fn.region_map(mailbox._handle(), ctypes.byref(h)), mailbox.name)
        mapping = _Mapping(h)
        self._h = h
        self.name = mailbox.name
        self.size = fn.region_size(h)
        self.writable = fn.region_writable(h) == 1
        self._addr = fn.region_addr(h)
        # A memoryview keeps the array, the array keeps the mapping's owner:
        # the mapping is never unmapped under a live view.
        self._array = (ctypes.c_ubyte * self.size).from_address(self._addr)
        self._array.mapping = mapping

    def _check(self):
        if self._h is None:
            raise ValueError("msgport: operation on an unmapped Region")
        return self._h

    @property
    def closed(self):
        return self._h is None

    @property
    def view(self):
        """A new memoryview (format 'B') of the whole region."""
        self._check()
        mv = memoryview(self._array).cast("B")
        return mv if self.writable else mv.toreadonly()

    def _views_alive(self):
        # Our attribute and getrefcount's argument; each memoryview's
        # managed buffer holds one more.
        return sys.getrefcount(self._array) > 2

    def close(self):
        """Unmap the region.  BufferError while memoryviews of it exist."""
        if self._h is None:
            return
        if self._views_alive():
            raise BufferError("msgport: cannot unmap the region: memoryviews of it exist "
                              "(release them first)")
        self._h = None
        self._array.mapping.unmap()

    def __len__(self):
        return self.size

    def __repr__(self):
        return "<Region of %r %d bytes %s%s>" % (self.name, self.size,
                                                 "rw" if self.writable else "ro",
                                                 " unmapped" if self._h is None else "")

    def _word(self, offset):
        self._check()
        offset = _u64("offset", offset)
        if offset % 4 or not 0 <= offset <= self.size - 4:
            raise ValueError("msgport: a word's offset must be 4-byte aligned and inside "
                             "the region")
        return ctypes.c_uint32.from_address(self._addr + offset)

    def load32(self, offset):
        """The 32-bit word at offset (one aligned load)."""
        return self._word(offset).value

    def store32(self, offset, value):
        """Store a 32-bit word at offset (one aligned store), e.g. before wake()."""
        if not self.writable:
            raise PermissionError(_errno.EACCES, "msgport: the region is mapped read-only")
        value = _u32("value", value)
        self._word(offset).value = value

    def wait(self, offset, value, timeout=None):
        """Sleep until the 32-bit word at offset no longer holds value
        (returns at once if it already does not), at most timeout seconds
        (None: no limit; Timeout after it)."""
        h = self._check()
        offset, value = _u64("offset", offset), _u32("value", value)
        dl = None if timeout is None else _Deadline(timeout)
        while True:
            ret = fn.region_wait(h, offset, value, _ns(dl))
            if ret != -_errno.EINTR:
                break
        check(ret, self.name)

    def wake(self):
        """After changing a word: every waiter on the region looks at its word again."""
        check(fn.region_wake(self._check()), self.name)

    # rings

    def ring_init(self, offset=0, size=None, mpsc=False, max_msg=0):
        """Format a ring of messages at offset (a multiple of 64) taking size
        bytes (None: to the end of the region), for many producers if mpsc;
        max_msg 0 takes the largest message the ring can.  Once, by one
        process.  Exists if a ring is there already."""
        h = self._check()
        offset = _u64("offset", offset)
        if size is None:
            size = max(self.size - offset, 0)
        a = _lib.RingAttr(offset=offset, size=_u64("size", size),
                          flags=_lib.RING_MPSC if mpsc else 0, max_msg=_u32("max_msg", max_msg))
        check(fn.ring_init(h, ctypes.byref(a)), self.name)

    def ring(self, offset=0):
        """Attach to the ring at offset: a Ring."""
        return Ring(self, offset)

    # the span pool

    def span_pool_init(self, chunk_size=0):
        """Format the region as a span pool of chunk_size-byte chunks (a power
        of two, 64 bytes to 1 GiB; 0 picks one).  Once, by one process.
        Exists if it holds a pool already."""
        chunk_size = _int("chunk_size", chunk_size, 0, _SIZE_MAX)
        check(fn.span_pool_init(self._check(), chunk_size), self.name)

    def span_pool_stat(self):
        """(chunk_size, nchunks, free_chunks) of the region's span pool."""
        cs, n, free = ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_size_t()
        check(fn.span_pool_stat(self._check(), ctypes.byref(cs), ctypes.byref(n),
                                ctypes.byref(free)), self.name)
        return cs.value, n.value, free.value

    def alloc_span(self, length, timeout=None):
        """Allocate a Span of length bytes from the pool; the caller alone may
        write it.  timeout None waits for room; 0 does not (WouldBlock); > 0
        at most that long (Timeout)."""
        length = _int("length", length, 0, _SIZE_MAX)
        flags, dl = _wait_args(timeout, 0)
        sp = _lib.Span()
        h = self._check()
        while True:
            ret = fn.span_alloc(h, length, flags, _ns(dl), ctypes.byref(sp))
            if ret != -_errno.EINTR:
                break
        check(ret, self.name)
        return Span(self, sp.offset, sp.len)


RingStat = collections.namedtuple("RingStat",
                                  "offset size data_size mpsc max_msg used skipped")
RingStat.__doc__ = ("A ring's geometry, the bytes of records not yet consumed and the records of "
                    "dead producers skipped (msgport_ring_stat()).")


class Ring(_Handle):
    """A ring of messages in a region (msgport_ring_attach()): one consumer,
    one producer (or many, formatted with mpsc=True), in any processes that
    map the region writable.  send() and recv() make no system call while
    neither side has to wait.  While the Ring is open its Region cannot be
    unmapped (close() it first).  See msgport_ring_init(3).

    timeout: None waits without limit, 0 not at all (WouldBlock), > 0 at most
    that many seconds (Timeout).  A corrupt ring raises Error with errno
    EBADMSG.
    """

    _what = "ring"

    def __init__(self, region, offset=0):
        super().__init__()
        h = ctypes.c_void_p()
        check(fn.ring_attach(region._check(), _u64("offset", offset), ctypes.byref(h)),
              region.name)
        self._h = h
        # A view pins the mapping: the region cannot be unmapped under us.
        self._view = region.view
        self.region = region
        self.name = region.name
        self.max_msg = self.stat().max_msg
        self._buf = None  # recv()'s buffer, max_msg bytes, made on first use

    @staticmethod
    def _free(handle):
        fn.ring_detach(handle)

    def close(self):
        super().close()
        view, self._view = getattr(self, "_view", None), None
        if view is not None:
            view.release()

    def stat(self):
        st = _lib.RingStat()
        check(fn.ring_stat(self._handle(), ctypes.byref(st)), self.name)
        return RingStat(st.offset, st.size, st.data_size, bool(st.flags & _lib.RING_MPSC),
                        st.max_msg, st.used, st.skipped)

    def send(self, data, timeout=None):
        """Send data (bytes-like, at most max_msg bytes: MessageTooLarge)."""
        data = _payload(data)
        dl = _Deadline(timeout)
        while True:
            ret = fn.ring_send(self._handle(), data, len(data), dl.ns())
            if ret != -_errno.EINTR:
                break
        check(ret, self.name)

    def recv(self, timeout=None):
        """The next message, as bytes."""
        buf = self._buf
        if buf is None:
            buf = self._buf = ctypes.create_string_buffer(max(self.max_msg, 1))
        dl = _Deadline(timeout)
        while True:
            n = fn.ring_recv(self._handle(), buf, self.max_msg, dl.ns())
            if n != -_errno.EINTR:
                break
        check(n, self.name)
        return ctypes.string_at(buf, n)     # n bytes, not the whole buffer

    def __repr__(self):
        return "<Ring in %r%s>" % (self.name, " closed" if self.closed else "")


class Span:
    """A span of a region: (offset, length); view is a memoryview of its bytes
    in this process's mapping.  release() gives it back to the pool."""

    __slots__ = ("region", "offset", "length")

    def __init__(self, region, offset, length):
        self.region = region
        self.offset = offset
        self.length = length

    def _struct(self):
        return _lib.Span(addr=None, offset=self.offset, len=self.length)

    @property
    def view(self):
        if self.region is None:
            raise ValueError("msgport: a span received without a region has no view")
        return self.region.view[self.offset:self.offset + self.length]

    def release(self):
        """Give the span back to the pool (the owner only, once)."""
        if self.region is None:
            raise ValueError("msgport: release needs the span's region")
        sp = self._struct()
        check(fn.span_release(self.region._check(), ctypes.byref(sp)), self.region.name)

    def __len__(self):
        return self.length

    def __repr__(self):
        return "<Span offset=%d length=%d>" % (self.offset, self.length)
