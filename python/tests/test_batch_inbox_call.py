# SPDX-License-Identifier: GPL-2.0
"""Batches, inboxes (direct messages by pid) and calls from Python."""

import errno
import os
import time

import pytest

import msgport


def test_batch_round_trip(dev, names):
    with dev.create(names(), capacity=msgport.UNBOUNDED) as mb:
        msgs = [(b"m%03d\0" % i, i % 4) for i in range(100)]
        seqs = mb.send_batch(msgs)
        assert len(seqs) == 100 and seqs == sorted(seqs)
        assert mb.stat().queued_msgs == 100
        got = mb.recv_batch(200, timeout=0)
        assert len(got) == 100
        # Priority order, sending order within a priority, payloads intact.
        want = sorted(zip(msgs, seqs), key=lambda t: (-t[0][1], t[1]))
        assert [(m.data, m.priority, m.seq) for m in got] == \
            [(d, p, s) for (d, p), s in want]
        assert all(m.pid == os.getpid() for m in got)
        with pytest.raises(msgport.WouldBlock):
            mb.recv_batch(10, timeout=0)
        assert mb.send_batch([]) == []
        with pytest.raises(ValueError):
            mb.recv_batch(msgport.BATCH_MAX + 1)


def test_batch_stops_when_full(dev, names):
    with dev.create(names(), capacity=3) as mb:
        seqs = mb.send_batch([b"a", b"b", b"c", b"d", b"e"], timeout=0)
        assert len(seqs) == 3
        with pytest.raises(msgport.WouldBlock):
            mb.send_batch([b"d"], timeout=0)
        assert [m.data for m in mb.recv_batch(2)] == [b"a", b"b"]
        assert [m.data for m in mb.recv_batch(2)] == [b"c"]


def test_batch_receive_too_small_and_truncated(dev, names):
    with dev.create(names()) as mb:
        mb.send_batch([b"short", b"a longer message"])
        with pytest.raises(msgport.MessageTooLarge):
            mb.recv_batch(2, size=4, timeout=0)
        got = mb.recv_batch(2, size=8, timeout=0)
        assert [m.data for m in got] == [b"short"]  # the next one does not fit: stops there
        got = mb.recv_batch(2, size=8, timeout=0, truncate=True)
        assert [(m.data, m.length, m.truncated) for m in got] == [(b"a longer", 16, True)]


def test_inbox_send_to_own_pid(dev):
    with dev.inbox(capacity=4) as inbox:
        assert inbox.pid == os.getpid()
        st = inbox.stat()
        assert st.inbox and st.name == "" and st.owner_pid == os.getpid()
        seq = dev.send_pid(os.getpid(), b"to myself\0", priority=2)
        m = inbox.recv(timeout=5)
        assert (m.data, m.seq, m.priority, m.pid) == (b"to myself\0", seq, 2, os.getpid())
        with pytest.raises(msgport.Exists) as ei:
            dev.inbox()
        assert "inbox is already open" in ei.value.strerror
        with pytest.raises(msgport.Error) as ei:
            inbox.send(b"an inbox is receive-only")
        assert ei.value.errno == errno.EBADF
        with pytest.raises(ValueError):
            inbox.unlink()
    # Closed: sends are refused.
    with pytest.raises(msgport.ConnectionRefused) as ei:
        dev.send_pid(os.getpid(), b"x")
    assert ei.value.strerror == "that process has no inbox open"


def test_inbox_recv_from_one_sender(dev, child):
    with dev.inbox(capacity=16, mode=0o622) as inbox:
        me = os.getpid()

        def sender(tag):
            with msgport.Device() as d:
                d.send_pid(me, tag, timeout=30)
            return os.getpid()

        a = child(sender, b"from a")
        apid = a.join()
        bpid = child(sender, b"from b").join()
        dev.send_pid(me, b"from me")
        # Only this process's message, from behind the others.
        m = inbox.recv_from(me, timeout=5)
        assert (m.data, m.pid) == (b"from me", me)
        # a and b have exited: their messages are still there, in order.
        assert [(x.data, x.pid) for x in (inbox.recv(timeout=5), inbox.recv(timeout=5))] == \
            [(b"from a", apid), (b"from b", bpid)]
        with pytest.raises(msgport.ProcessNotFound):
            inbox.recv_from(apid, timeout=0)


def test_send_to_a_process_without_inbox(dev):
    with pytest.raises(msgport.ConnectionRefused):
        dev.send_pid(os.getpid(), b"nobody home")
    with pytest.raises(msgport.ProcessNotFound) as ei:
        dev.send_pid(2 ** 22 + 12345, b"no such process")
    assert ei.value.strerror == "no such process"


def _server(name, n):
    """Serve n calls on mailbox name: the reply is the request upper-cased."""
    served = []
    with msgport.Device() as d, d.open(name, send=False) as mb:
        call = mb.recv(timeout=30)
        for i in range(n):
            assert isinstance(call, msgport.Call) and call.is_call and call.token
            served.append(call.data)
            if i == n - 1:
                call.reply(call.data.upper())
                assert call.answered
            else:
                call = mb.reply_recv(call, call.data.upper(), timeout=30)
                assert call.reply_error is None
    return served


def test_call_served_by_a_child(dev, names, child):
    name = names()
    with dev.create(name) as mb:
        srv = child(_server, name, 3)
        assert mb.call(b"hello\0world", timeout=30) == b"HELLO\0WORLD"
        r = mb.call_message(b"second", priority=4, timeout=30)
        assert (r.data, r.pid, r.uid, r.length) == (b"SECOND", srv.pid, os.geteuid(), 6)
        assert mb.call(b"", timeout=30) == b""
        assert srv.join() == [b"hello\0world", b"second", b""]
        assert mb.stat().calls == 0


def test_call_timeouts_and_cancelled_reply(dev, names, child):
    name = names()
    with dev.create(name) as mb:
        # Nobody receives: the call is withdrawn after its time-out.
        with pytest.raises(msgport.Timeout):
            mb.call(b"anyone?", timeout=0.2)
        assert mb.stat().queued_msgs == 0

        def slow_server():
            with msgport.Device() as d, d.open(name, send=False) as smb:
                call = smb.recv(timeout=30)
                time.sleep(1.0)
                try:
                    call.reply(b"too late")
                except msgport.Cancelled as e:
                    return e.errno, e.strerror
                return "delivered"

        srv = child(slow_server)
        with pytest.raises(msgport.Timeout):
            mb.call(b"hurry", timeout=0.5)
        assert srv.join() == (errno.ECANCELED,
                              "the caller gave up on this call (timed out, interrupted or exited)")


def test_reply_too_long_for_the_caller(dev, names, child):
    name = names()
    with dev.create(name) as mb:
        def server():
            with msgport.Device() as d, d.open(name, send=False) as smb:
                call = smb.recv(timeout=30)
                try:
                    call.reply(b"x" * 100)
                except msgport.MessageTooLarge:
                    call.reply(b"x" * 8)
                    return "retried"
                return "accepted"

        srv = child(server)
        assert mb.call(b"?", size=10, timeout=30) == b"x" * 8
        assert srv.join() == "retried"


def test_call_pid_to_an_inbox(dev, child):
    me = os.getpid()

    def server():
        with msgport.Device() as d, d.inbox(mode=0o622) as inbox:
            # Tell the parent the inbox is open.
            d.send_pid(me, b"ready", timeout=30)
            call = inbox.recv(timeout=30)
            call.reply(b"pong:" + call.data)
        return "done"

    with dev.inbox() as mine:
        srv = child(server)
        m = mine.recv(timeout=30)
        assert (m.data, m.pid) == (b"ready", srv.pid)
        assert dev.call_pid(srv.pid, b"ping\0", timeout=30) == b"pong:ping\0"
        assert srv.join() == "done"
