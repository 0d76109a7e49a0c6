# SPDX-License-Identifier: LGPL-2.1-or-later
"""libmsgport through ctypes: the library, its structs and its prototypes.

Internal: the public API is in msgport/__init__.py.  The structs mirror
<linux/msgport.h> and <msgport/libmsgport.h>; their sizes are checked at
import against the sizes the C headers give (tests/host_abi_layout_test.c),
so that a layout mistake here fails at ``import msgport`` rather than
corrupting memory later.
"""

import ctypes
import os

# --- constants of <linux/msgport.h> and <libmsgport.h> -------------------------

NAME_MAX = 255
PRIO_MAX = 31
CAPACITY_UNBOUNDED = 0xFFFFFFFF
BATCH_MAX = 1024
MODULE_VERSION_LEN = 32
WAIT_FOREVER = -1

O_RECV = 1 << 0
O_SEND = 1 << 1
O_CREAT = 1 << 2
O_EXCL = 1 << 3
O_EPHEMERAL = 1 << 4
O_NONBLOCK = 1 << 5
O_CLOEXEC = 1 << 6
O_ANON = 1 << 7
O_TOPIC = 1 << 8

TOPIC_DROP_NEW = 1 << 0
TOPIC_DROP_OLD = 1 << 1
TOPIC_BLOCK = 1 << 2

F_NONBLOCK = 1 << 0
F_TIMEOUT = 1 << 1
F_SYNC = 1 << 2
F_PEEK = 1 << 3
F_TRUNC = 1 << 4
F_FROM = 1 << 5
F_SPAN = 1 << 8
F_FDS = 1 << 9
F_CLOEXEC = 1 << 10

FDS_MAX = 16

MSG_CALL = 1 << 0
MSG_SPAN = 1 << 1
MSG_FDS = 1 << 2
MSG_FDS_DROPPED = 1 << 3

RING_MPSC = 1 << 0

STAT_EPHEMERAL = 1 << 0
STAT_UNLINKED = 1 << 1
STAT_INBOX = 1 << 2
STAT_ANON = 1 << 3
STAT_TOPIC = 1 << 4
STAT_SUBSCRIPTION = 1 << 5

# --- structs --------------------------------------------------------------------

u32 = ctypes.c_uint32
s32 = ctypes.c_int32
u64 = ctypes.c_uint64


class Version(ctypes.Structure):
    _fields_ = [
        ("abi_major", u32),
        ("abi_minor", u32),
        ("module_version", ctypes.c_char * MODULE_VERSION_LEN),
        ("reserved", u64 * 2),
    ]


class Attr(ctypes.Structure):
    _fields_ = [
        ("capacity", u32),
        ("max_msg_size", u32),
        ("mode", u32),
        ("topic", u32),
        ("region_size", u64),
    ]


class Subscription(ctypes.Structure):
    _fields_ = [
        ("capacity", u32),
        ("policy", u32),
        ("oflags", u32),
        ("reserved", u32),
    ]


class MsgInfo(ctypes.Structure):
    _fields_ = [
        ("seq", u64),
        ("send_time_ns", u64),
        ("pid", s32),
        ("tid", s32),
        ("uid", u32),
        ("gid", u32),
        ("priority", u32),
        ("len", u32),
        ("token", u64),
        ("span_offset", u64),
        ("msg_flags", u32),
        ("lost", u32),
    ]


class SendMsg(ctypes.Structure):
    """struct msgport_sendmsg: natural C layout (pointers, size_t)."""
    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("len", ctypes.c_size_t),
        ("fds", ctypes.POINTER(ctypes.c_int)),
        ("nfds", ctypes.c_uint),
        ("priority", ctypes.c_uint),
        ("flags", ctypes.c_uint),
        ("reserved", ctypes.c_uint),
        ("timeout_ns", ctypes.c_int64),
        ("seq", u64),
    ]


class RecvMsg(ctypes.Structure):
    """struct msgport_recvmsg."""
    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("len", ctypes.c_size_t),
        ("fds", ctypes.POINTER(ctypes.c_int)),
        ("nfds", ctypes.c_uint),
        ("nfds_received", ctypes.c_uint),
        ("flags", ctypes.c_uint),
        ("reserved", ctypes.c_uint),
        ("timeout_ns", ctypes.c_int64),
        ("info", MsgInfo),
    ]


class Stat(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char * (NAME_MAX + 1)),
        ("uid", u32),
        ("gid", u32),
        ("mode", u32),
        ("flags", u32),
        ("capacity", u32),
        ("max_msg_size", u32),
        ("waiting_senders", u32),
        ("waiting_receivers", u32),
        ("queued_msgs", u64),
        ("queued_bytes", u64),
        ("sent", u64),
        ("received", u64),
        ("dropped", u64),
        ("region_size", u64),
        ("region_maps", u64),
        ("calls", u64),
        ("owner_pid", s32),
        ("reserved0", u32),
    ]


class BatchMsg(ctypes.Structure):
    """struct msgport_batch_msg: natural C layout (pointer-sized members)."""
    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("len", ctypes.c_size_t),
        ("prio", ctypes.c_uint),
        ("seq", u64),
        ("info", MsgInfo),
    ]


class Span(ctypes.Structure):
    _fields_ = [
        ("addr", ctypes.c_void_p),
        ("offset", u64),
        ("len", ctypes.c_size_t),
    ]


class RingAttr(ctypes.Structure):
    _fields_ = [
        ("offset", u64),
        ("size", u64),
        ("flags", u32),
        ("max_msg", u32),
        ("reserved", u64 * 4),
    ]


class RingStat(ctypes.Structure):
    _fields_ = [
        ("offset", u64),
        ("size", u64),
        ("data_size", u64),
        ("flags", u32),
        ("max_msg", u32),
        ("used", u64),
        ("skipped", u64),
        ("reserved", u64 * 4),
    ]


def _check_layout():
    ptr = ctypes.sizeof(ctypes.c_void_p)
    # The uapi structs are fixed-width, without padding: one size everywhere.
    want = {Version: 56, Attr: 24, MsgInfo: 64, Stat: 360, RingAttr: 56, RingStat: 80}
    # The library's own structs hold pointers: 64-bit, or i386 (where a
    # uint64_t member is 4-byte aligned).
    if ptr == 8:
        want[BatchMsg] = 96
        want[Span] = 24
    elif ptr == 4 and ctypes.alignment(u64) == 4:
        want[BatchMsg] = 84
        want[Span] = 16
    for struct, size in want.items():
        if ctypes.sizeof(struct) != size:
            raise ImportError("msgport: ctypes struct %s is %d bytes, the C headers say %d"
                              % (struct.__name__, ctypes.sizeof(struct), size))
    offsets = [(Stat, "owner_pid", 352), (Stat, "queued_msgs", 288), (MsgInfo, "token", 40),
               (MsgInfo, "msg_flags", 56), (Version, "reserved", 40), (Attr, "region_size", 16)]
    for struct, field, off in offsets:
        if getattr(struct, field).offset != off:
            raise ImportError("msgport: %s.%s is at offset %d, the C headers say %d"
                              % (struct.__name__, field, getattr(struct, field).offset, off))


_check_layout()

# --- the library ------------------------------------------------------------------

SONAME = "libmsgport.so.1"


def _load():
    # MSGPORT_LIBRARY names another file, e.g. a build tree's
    # build/lib/libmsgport.so.1; by default the installed soname.
    path = os.environ.get("MSGPORT_LIBRARY") or SONAME
    try:
        return ctypes.CDLL(path, use_errno=False)
    except OSError as e:
        raise ImportError("msgport: cannot load %s (%s): install libmsgport1, or set "
                          "MSGPORT_LIBRARY to the library's path" % (path, e)) from e


lib = _load()

_p = ctypes.c_void_p
_pp = ctypes.POINTER(ctypes.c_void_p)
_int = ctypes.c_int
_uint = ctypes.c_uint
_i64 = ctypes.c_int64
_ssize = ctypes.c_ssize_t
_size = ctypes.c_size_t
_pid = ctypes.c_int
_pu64 = ctypes.POINTER(u64)
_pinfo = ctypes.POINTER(MsgInfo)

_PROTOTYPES = {
    "msgport_lib_version": (ctypes.c_char_p, []),
    "msgport_open": (_int, [ctypes.c_char_p, _pp]),
    "msgport_close": (None, [_p]),
    "msgport_fd": (_int, [_p]),
    "msgport_module_version": (_int, [_p, ctypes.POINTER(Version)]),
    "msgport_strerror": (ctypes.c_char_p, [_int]),
    "msgport_mailbox_open": (_int, [_p, ctypes.c_char_p, _uint, ctypes.POINTER(Attr), _pp]),
    "msgport_mailbox_unlink": (_int, [_p, ctypes.c_char_p]),
    "msgport_mailbox_close": (None, [_p]),
    "msgport_mailbox_fd": (_int, [_p]),
    "msgport_mailbox_stat": (_int, [_p, ctypes.POINTER(Stat)]),
    "msgport_mailbox_chmod": (_int, [_p, u32]),
    "msgport_mailbox_create_anon": (_int, [_p, _uint, ctypes.POINTER(Attr), _pp]),
    "msgport_mailbox_dup": (_int, [_p, _uint, _uint, _pp]),
    "msgport_subscribe": (_int, [_p, ctypes.c_char_p, ctypes.POINTER(Subscription), _pp]),
    "msgport_send_fds": (_int, [_p, ctypes.POINTER(SendMsg)]),
    "msgport_recv_fds": (ctypes.c_ssize_t, [_p, ctypes.POINTER(RecvMsg)]),
    "msgport_mailbox_from_fd": (_int, [ctypes.c_int, _pp]),
    "msgport_send": (_int, [_p, _p, _size, _uint, _uint, _i64, _pu64]),
    "msgport_recv": (_ssize, [_p, _p, _size, _uint, _i64, _pinfo]),
    "msgport_send_batch": (_int, [_p, ctypes.POINTER(BatchMsg), _uint, _uint, _i64]),
    "msgport_recv_batch": (_int, [_p, ctypes.POINTER(BatchMsg), _uint, _uint, _i64]),
    "msgport_region_map": (_int, [_p, _pp]),
    "msgport_region_unmap": (None, [_p]),
    "msgport_region_addr": (_p, [_p]),
    "msgport_region_size": (_size, [_p]),
    "msgport_region_writable": (_int, [_p]),
    "msgport_region_wait": (_int, [_p, u64, u32, _i64]),
    "msgport_region_wake": (_int, [_p]),
    "msgport_span_pool_init": (_int, [_p, _size]),
    "msgport_span_pool_stat": (_int, [_p, ctypes.POINTER(_size), ctypes.POINTER(_size),
                                      ctypes.POINTER(_size)]),
    "msgport_span_alloc": (_int, [_p, _size, _uint, _i64, ctypes.POINTER(Span)]),
    "msgport_span_release": (_int, [_p, ctypes.POINTER(Span)]),
    "msgport_span_send": (_int, [_p, ctypes.POINTER(Span), _uint, _uint, _i64, _pu64]),
    "msgport_span_recv": (_int, [_p, _p, ctypes.POINTER(Span), _uint, _i64, _pinfo]),
    "msgport_ring_init": (_int, [_p, ctypes.POINTER(RingAttr)]),
    "msgport_ring_attach": (_int, [_p, u64, _pp]),
    "msgport_ring_detach": (None, [_p]),
    "msgport_ring_stat": (_int, [_p, ctypes.POINTER(RingStat)]),
    "msgport_ring_send": (_int, [_p, _p, _size, _i64]),
    "msgport_ring_recv": (_ssize, [_p, _p, _size, _i64]),
    "msgport_inbox_open": (_int, [_p, ctypes.POINTER(Attr), _uint, _pp]),
    "msgport_send_pid": (_int, [_p, _pid, _p, _size, _uint, _uint, _i64, _pu64]),
    "msgport_recv_from": (_ssize, [_p, _pid, _p, _size, _uint, _i64, _pinfo]),
    "msgport_call": (_ssize, [_p, _p, _size, _p, _size, _uint, _uint, _i64, _pinfo]),
    "msgport_call_pid": (_ssize, [_p, _pid, _p, _size, _p, _size, _uint, _uint, _i64, _pinfo]),
    "msgport_reply": (_int, [_p, u64, _p, _size]),
    "msgport_reply_recv": (_ssize, [_p, u64, _p, _size, ctypes.POINTER(_int), _p, _size, _uint,
                                    _i64, _pinfo]),
}


class _Functions:
    pass


fn = _Functions()
for _name, (_restype, _argtypes) in _PROTOTYPES.items():
    try:
        _f = getattr(lib, _name)
    except AttributeError as _e:
        raise ImportError("msgport: %s has no %s: the library is older than this module needs "
                          "(libmsgport 1.2)" % (lib._name, _name)) from _e
    _f.restype = _restype
    _f.argtypes = _argtypes
    setattr(fn, _name[len("msgport_"):], _f)
del _name, _restype, _argtypes, _f


def strerror(err):
    """msgport's own text for an errno value (sign ignored)."""
    return fn.strerror(int(err)).decode("utf-8", "replace")


def lib_version():
    return fn.lib_version().decode("ascii", "replace")
