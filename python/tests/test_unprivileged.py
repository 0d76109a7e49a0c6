# SPDX-License-Identifier: GPL-2.0
"""What an unprivileged user meets: mode bits and per-user limits.  When the
tests run as root, the unprivileged side runs in a child as nobody (65534);
as another user, in a child as that user."""

import errno
import os

import pytest

import msgport


def _param(name):
    with open("/sys/module/msgport/parameters/" + name) as f:
        return int(f.read())


def _unprivileged_limits(name):
    """Runs in a child, without CAP_IPC_OWNER nor CAP_SYS_RESOURCE."""
    out = {}
    with msgport.Device() as d:
        # Its own mailbox, write-only by its mode: receiving is refused even
        # to the owner (only CAP_IPC_OWNER passes mode bits).
        with d.create(name, mode=0o200, ephemeral=True, recv=False) as mb:
            mb.send(b"owner")
            try:
                d.open(name, send=False)
                out["recv_open"] = "allowed"
            except msgport.PermissionDenied as e:
                out["recv_open"] = (e.errno, e.strerror)
            with d.open(name, recv=False) as w:
                w.send(b"write only")
        # max_user_mailboxes: creating one more fails with EDQUOT.
        limit = _param("max_user_mailboxes")
        held = []
        try:
            for i in range(limit + 1):
                held.append(d.create("%s-q%d" % (name, i), ephemeral=True))
            out["quota"] = "no limit after %d" % len(held)
        except msgport.QuotaExceeded as e:
            out["quota"] = (e.errno, e.strerror, len(held) <= limit)
        finally:
            for mb in held:
                mb.close()
    out["uid"] = os.geteuid()
    return out


def test_unprivileged_user_limits(names, child, unprivileged):
    out = child(_unprivileged_limits, names(), user=unprivileged).join()
    assert out["uid"] == (unprivileged if unprivileged is not None else os.geteuid())
    assert out["recv_open"] == (errno.EACCES, msgport.strerror(errno.EACCES))
    assert out["quota"][0] == errno.EDQUOT, out["quota"]
    assert "max_user_mailboxes" in out["quota"][1]
    assert out["quota"][2]


def _stranger(name):
    out = {}
    with msgport.Device() as d:
        try:
            d.open(name)
            out["open"] = "allowed"
        except msgport.PermissionDenied as e:
            out["open"] = (e.errno, e.strerror)
        try:
            d.unlink(name)
            out["unlink"] = "allowed"
        except msgport.PermissionDenied as e:
            out["unlink"] = (e.errno, e.strerror)
    return out


def _stranger_sends(name):
    with msgport.Device() as d, d.open(name, recv=False) as mb:
        mb.send(b"from a stranger")
        try:
            mb.chmod(0o777)
            return "chmod allowed"
        except msgport.PermissionDenied as e:
            return e.errno


def test_another_users_mailbox(dev, names, child):
    if os.geteuid() != 0:
        pytest.skip("needs root, to run a child as another user (nobody)")
    name = names()
    with dev.create(name, mode=0o600) as mb:
        out = child(_stranger, name, user=65534).join()
        assert out["open"] == (errno.EACCES, msgport.strerror(errno.EACCES))
        assert out["unlink"][0] == errno.EPERM
        assert "only the mailbox's owner" in out["unlink"][1]
        mb.chmod(0o622)
        assert child(_stranger_sends, name, user=65534).join() == errno.EPERM
        m = mb.recv(timeout=5)
        assert (m.data, m.uid, m.gid) == (b"from a stranger", 65534, 65534)
