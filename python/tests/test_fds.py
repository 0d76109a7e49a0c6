# SPDX-License-Identifier: GPL-2.0
"""Descriptor passing from Python: Mailbox.send_fds(), Mailbox.recv_fds(),
Device.mailbox_from_fd(), against the real module."""

import os

import pytest


def test_pipe_travels(mailbox):
    r, w = os.pipe()
    try:
        mailbox.send_fds(b"a pipe", [w])
        os.close(w)
        msg, fds = mailbox.recv_fds(timeout=0)
        assert msg.data == b"a pipe" and len(fds) == 1 and not msg.fds_dropped
        os.write(fds[0], b"through")
        os.close(fds[0])
        assert os.read(r, 16) == b"through"
        assert os.read(r, 16) == b""    # every write end closed
    finally:
        os.close(r)


def test_dropped_and_refused(dev, mailbox):
    r, w = os.pipe()
    try:
        mailbox.send_fds(b"x", [w])
        os.close(w)
        m = mailbox.recv(timeout=0)
        assert m.fds_dropped
        assert os.read(r, 1) == b""
        with pytest.raises(OSError) as e:
            mailbox.send_fds(b"self", [mailbox])    # it can receive
        assert e.value.errno == 22
    finally:
        os.close(r)


def test_send_only_handle(dev, mailbox):
    with mailbox.dup() as tx:
        mailbox.send_fds(b"cap", [tx])
    msg, fds = mailbox.recv_fds(timeout=0)
    with dev.mailbox_from_fd(fds[0]) as got:
        got.send(b"via the passed handle")
    assert mailbox.recv(timeout=0).data == b"via the passed handle"
