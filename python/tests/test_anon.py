# SPDX-License-Identifier: GPL-2.0
"""Anonymous mailboxes and reduced handles from Python: Device.create_anon(),
Mailbox.dup(), the pipe-like ends (BrokenPipe), against the real module."""

import array
import os
import socket
import threading
import time

import pytest

import msgport


def test_anon_round_trip_and_stat(dev):
    with dev.create_anon(capacity=4, mode=0o640) as mb:
        mb.send(b"hello")
        assert mb.recv(timeout=0).data == b"hello"
        st = mb.stat()
        assert st.name == ""
        assert st.anonymous and st.ephemeral and not st.inbox and not st.unlinked
        assert (st.uid, st.mode, st.capacity) == (os.geteuid(), 0o640, 4)
        assert mb.name is None


def test_dup_send_only_cannot_receive_or_grow(dev):
    with dev.create_anon(region_size=4096) as mb, mb.dup() as tx:
        tx.send(b"via dup")
        assert mb.recv(timeout=0).data == b"via dup"
        with pytest.raises(OSError) as e:
            tx.recv(timeout=0)
        assert e.value.errno == 9    # EBADF
        with pytest.raises(msgport.PermissionDenied):
            tx.dup(send=True, recv=True)
        with pytest.raises(msgport.PermissionDenied):
            tx.map_region()
        with tx.dup(send=False) as statonly:
            assert statonly.stat().anonymous


def test_dup_of_inbox_refused(dev):
    with dev.inbox() as inbox:
        with pytest.raises(msgport.Error) as e:
            inbox.dup(send=False, recv=True)
        assert e.value.errno == 22   # EINVAL


def test_receivers_gone_send_raises_broken_pipe(dev):
    mb = dev.create_anon(capacity=4)
    tx = mb.dup()
    tx.send(b"a")
    tx.send(b"b")
    mb.close()
    with pytest.raises(msgport.BrokenPipe) as e:
        tx.send(b"c")
    assert isinstance(e.value, BrokenPipeError)
    st = tx.stat()
    assert st.dropped == 2 and st.unlinked
    tx.close()


def test_senders_gone_recv_drains_then_raises(dev):
    mb = dev.create_anon(capacity=4)
    rx = mb.dup(send=False, recv=True)
    mb.send(b"last words")
    result = {}

    def blocked():
        try:
            rx.recv()
            rx.recv()
        except msgport.BrokenPipe as e:
            result["err"] = e

    # Drain first, then block: the close must wake the waiter.
    t = threading.Thread(target=blocked)
    t.start()
    deadline = time.monotonic() + 20
    while rx.stat().waiting_receivers != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rx.stat().waiting_receivers == 1
    mb.close()
    t.join(20)
    assert not t.is_alive()
    assert isinstance(result.get("err"), msgport.BrokenPipe)
    with pytest.raises(msgport.BrokenPipe):
        rx.recv(timeout=0)
    rx.close()


def _send_with_passed_fd(sock):
    fds = array.array("i")
    msg, anc, _, _ = sock.recvmsg(1, socket.CMSG_SPACE(fds.itemsize))
    fds.frombytes(anc[0][2][:fds.itemsize])
    fd = fds[0]
    # A raw descriptor: only what the kernel lets it do; write(2) is a send.
    assert os.write(fd, b"from nobody") == 11
    try:
        os.read(fd, 64)
    except OSError as e:
        assert e.errno == 9      # EBADF: no right to receive
    else:
        raise AssertionError("a send-only descriptor received")
    os.close(fd)
    return os.geteuid()


def test_send_only_handle_passed_to_another_user(dev, child, unprivileged):
    who = unprivileged if unprivileged is not None else os.geteuid()
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    c = child(_send_with_passed_fd, b, user=unprivileged)
    with dev.create_anon(mode=0o600) as mb, mb.dup() as tx:
        a.sendmsg([b"f"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                            array.array("i", [tx.fileno()]))])
        tx.close()
        assert c.join() == who
        m = mb.recv(timeout=5)
        assert m.data == b"from nobody" and m.uid == who
    a.close()
    b.close()
