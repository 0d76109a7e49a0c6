# SPDX-License-Identifier: GPL-2.0
"""Mailboxes from Python: bytes in and out, priorities, waiting, limits,
stat/chmod/unlink, select() and the errors' texts, against the real module."""

import errno
import os
import re
import select
import selectors
import time

import pytest

import msgport


def test_device_version(dev):
    v = dev.version
    assert v.abi_major == 1
    assert v.abi_minor >= 1
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", v.module), v
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", msgport.lib_version())
    assert dev.fileno() >= 0


def test_bytes_with_nuls_round_trip(mailbox):
    payloads = [b"\0", b"a\0b\0\0c", bytes(range(256)), b"", os.urandom(8192)]
    seqs = [mailbox.send(p) for p in payloads]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    for p, seq in zip(payloads, seqs):
        m = mailbox.recv(timeout=5)
        assert m.data == p
        assert type(m.data) is bytes
        assert m.seq == seq
        assert m.length == len(p)
        assert not m.truncated


def test_bytes_like_inputs_and_str_refused(mailbox):
    mailbox.send(bytearray(b"ba\0"))
    mailbox.send(memoryview(b"xmvx")[1:3])
    assert mailbox.recv(timeout=0).data == b"ba\0"
    assert mailbox.recv(timeout=0).data == b"mv"
    with pytest.raises(TypeError):
        mailbox.send("text")


def test_metadata_is_the_senders(mailbox):
    before = time.monotonic_ns()
    mailbox.send(b"x", priority=7)
    m = mailbox.recv()
    assert (m.pid, m.tid, m.uid, m.gid) == (os.getpid(), os.getpid(), os.geteuid(), os.getegid())
    assert m.priority == 7
    assert before <= m.send_time_ns <= time.monotonic_ns()
    assert not m.is_call and not m.is_span


def test_priority_order(mailbox):
    sent = [(1, b"a"), (5, b"b"), (3, b"c"), (5, b"d"), (0, b"e"), (31, b"f")]
    for prio, data in sent:
        mailbox.send(data, priority=prio)
    got = [(m.priority, m.data) for m in (mailbox.recv(timeout=0) for _ in sent)]
    # Highest priority first, oldest first within a priority.
    assert got == [(31, b"f"), (5, b"b"), (5, b"d"), (3, b"c"), (1, b"a"), (0, b"e")]
    with pytest.raises(ValueError):
        mailbox.send(b"x", priority=32)


def test_peek_leaves_the_message(mailbox):
    mailbox.send(b"peeked")
    assert mailbox.recv(timeout=0, peek=True).data == b"peeked"
    assert mailbox.stat().queued_msgs == 1
    assert mailbox.recv(timeout=0).data == b"peeked"
    assert mailbox.stat().queued_msgs == 0


def test_nonblocking_recv_on_empty_would_block(mailbox):
    with pytest.raises(msgport.WouldBlock) as ei:
        mailbox.recv(timeout=0)
    e = ei.value
    assert isinstance(e, BlockingIOError) and isinstance(e, msgport.Error)
    assert e.errno == errno.EAGAIN
    assert e.strerror == msgport.strerror(errno.EAGAIN) == \
        "no message waiting / no room (non-blocking)"
    assert e.filename == mailbox.name


def test_recv_timeout(mailbox):
    t0 = time.monotonic()
    with pytest.raises(msgport.Timeout) as ei:
        mailbox.recv(timeout=0.3)
    elapsed = time.monotonic() - t0
    assert 0.3 <= elapsed < 10
    assert isinstance(ei.value, TimeoutError)
    assert ei.value.errno == errno.ETIMEDOUT
    assert ei.value.strerror == "timed out waiting for a message or for room"
    with pytest.raises(ValueError):
        mailbox.recv(timeout=-1)


def test_capacity_full(dev, names):
    with dev.create(names(), capacity=2) as mb:
        mb.send(b"1")
        mb.send(b"2")
        with pytest.raises(msgport.WouldBlock):
            mb.send(b"3", timeout=0)
        t0 = time.monotonic()
        with pytest.raises(msgport.Timeout):
            mb.send(b"3", timeout=0.2)
        assert time.monotonic() - t0 >= 0.2
        st = mb.stat()
        assert (st.capacity, st.queued_msgs, st.queued_bytes) == (2, 2, 2)
        assert mb.recv().data == b"1"
        mb.send(b"3", timeout=0)
        assert [mb.recv(timeout=0).data for _ in range(2)] == [b"2", b"3"]


def test_message_too_large(dev, names):
    with dev.create(names(), max_msg_size=64) as mb:
        assert mb.max_msg_size == 64
        with pytest.raises(msgport.MessageTooLarge) as ei:
            mb.send(b"x" * 65)
        assert ei.value.errno == errno.EMSGSIZE
        assert "max_msg_size" in ei.value.strerror
        mb.send(b"y" * 64)
        # A buffer too small: the message stays queued.
        with pytest.raises(msgport.MessageTooLarge):
            mb.recv(size=10, timeout=0)
        assert mb.stat().queued_msgs == 1
        m = mb.recv(size=10, timeout=0, truncate=True)
        assert m.data == b"y" * 10 and m.length == 64 and m.truncated
        assert mb.stat().queued_msgs == 0


def test_unbounded_and_rendezvous(dev, names):
    with dev.create(names(), capacity=msgport.UNBOUNDED) as mb:
        for i in range(100):
            mb.send(b"%d" % i, timeout=0)
        st = mb.stat()
        assert st.unbounded and st.queued_msgs == 100
    with dev.create(names(), capacity=0) as mb:
        # A rendezvous: no receiver waiting, so a send that may not wait fails.
        with pytest.raises(msgport.WouldBlock):
            mb.send(b"x", timeout=0)


def test_stat_chmod_unlink(dev, names):
    name = names()
    with dev.create(name, capacity=5, mode=0o640, ephemeral=False) as mb:
        st = mb.stat()
        assert st.name == name
        assert (st.uid, st.gid) == (os.geteuid(), os.getegid())
        assert (st.mode, st.capacity, st.max_msg_size) == (0o640, 5, 8192)
        assert not st.ephemeral and not st.unlinked and not st.inbox
        mb.chmod(0o600)
        assert mb.stat().mode == 0o600
        with dev.open(name, send=False, recv=False) as statonly:
            assert statonly.stat().mode == 0o600
            with pytest.raises(msgport.Error) as ei:
                statonly.send(b"x")
            assert ei.value.errno == errno.EBADF
        with pytest.raises(msgport.Exists):
            dev.create(name, exclusive=True)
        mb.send(b"dropped")
        mb.unlink()
        assert mb.stat().unlinked
        with pytest.raises(msgport.NotFound):
            dev.open(name)
        with pytest.raises(msgport.Removed) as ei:
            mb.send(b"x")
        assert ei.value.errno == errno.EIDRM
        assert ei.value.strerror == "mailbox was unlinked"


def test_closed_handles(dev, names):
    mb = dev.create(names())
    mb.close()
    assert mb.closed
    with pytest.raises(ValueError):
        mb.send(b"x")
    mb.close()  # twice is fine


def test_errors_carry_msgports_message(dev, names):
    name = names()
    with pytest.raises(msgport.NotFound) as ei:
        dev.open(name)
    e = ei.value
    assert isinstance(e, FileNotFoundError) and isinstance(e, OSError)
    assert e.errno == errno.ENOENT
    assert e.filename == name
    assert e.strerror == msgport.strerror(-errno.ENOENT)
    assert "is the module loaded?" in e.strerror
    assert e.strerror != os.strerror(errno.ENOENT)
    assert name in str(e)
    # Names: too long, or bytes the module refuses.
    with pytest.raises(msgport.Error) as ei:
        dev.create("n" * 256)
    assert ei.value.errno == errno.ENAMETOOLONG
    assert "at most 255" in ei.value.strerror
    with pytest.raises(msgport.Error) as ei:
        dev.create("a/b")
    assert ei.value.errno == errno.EINVAL
    with pytest.raises(ValueError):
        dev.create("a\0b")
    # An errno msgport gives no meaning of its own: the C library's text.
    assert msgport.strerror(errno.EISDIR) == os.strerror(errno.EISDIR)


def test_device_errors():
    with pytest.raises(msgport.NotFound) as ei:
        msgport.Device("/nonexistent/msgport")
    assert ei.value.filename == "/nonexistent/msgport"
    assert "is the module loaded?" in ei.value.strerror
    # Not a msgport device: the ABI handshake's ioctl is refused.
    with pytest.raises(msgport.Error) as ei:
        msgport.Device("/dev/null")
    assert ei.value.errno == errno.ENOTTY
    assert ei.value.strerror.startswith("not a msgport descriptor")


def test_select_on_fileno(mailbox):
    fd = mailbox.fileno()
    assert select.select([mailbox], [], [], 0) == ([], [], [])
    r, w, _ = select.select([], [mailbox], [], 0)
    assert w == [mailbox]  # room: a send would not block
    mailbox.send(b"wake")
    r, _, _ = select.select([fd], [], [], 5)
    assert r == [fd]
    with selectors.DefaultSelector() as sel:
        sel.register(mailbox, selectors.EVENT_READ, "mb")
        events = sel.select(timeout=5)
        assert [(k.data, ev) for k, ev in events] == [("mb", selectors.EVENT_READ)]
        assert mailbox.recv(timeout=0).data == b"wake"
        assert sel.select(timeout=0) == []


def test_select_wakes_on_a_send_from_another_process(mailbox, child):
    name = mailbox.name

    def sender():
        time.sleep(0.2)
        with msgport.Device() as d, d.open(name, recv=False) as mb:
            mb.send(b"from child", priority=3)
        return os.getpid()

    c = child(sender)
    r, _, _ = select.select([mailbox], [], [], 30)
    assert r == [mailbox]
    m = mailbox.recv(timeout=0)
    pid = c.join()
    assert (m.data, m.priority, m.pid) == (b"from child", 3, pid)


def test_sync_send_returns_once_received(mailbox, child):
    name = mailbox.name

    def receiver():
        with msgport.Device() as d, d.open(name, send=False) as mb:
            time.sleep(0.3)
            return mb.recv(timeout=30).data

    c = child(receiver)
    t0 = time.monotonic()
    mailbox.send(b"receipt", sync=True, timeout=30)
    assert time.monotonic() - t0 >= 0.25
    assert c.join() == b"receipt"
    assert mailbox.stat().queued_msgs == 0
