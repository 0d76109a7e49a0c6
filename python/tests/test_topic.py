# SPDX-License-Identifier: GPL-2.0
"""Topics from Python: Device.create_topic(), Device.subscribe(), every
subscription getting every message, Message.lost, against the real module."""

import pytest

import msgport


def test_fan_out_and_lost(dev, names):
    name = names()
    with dev.create_topic(name, capacity=2) as pub, \
            dev.subscribe(name) as a, dev.subscribe(name, policy="drop-new") as b:
        assert pub.stat().topic and a.stat().subscription
        for i in range(4):
            pub.send(b"m%d" % i)
        # drop-old keeps the newest two, drop-new the oldest two
        got = [a.recv(timeout=0) for _ in range(2)]
        assert [m.data for m in got] == [b"m2", b"m3"]
        assert [m.lost for m in got] == [1, 1]
        assert [m.data for m in (b.recv(timeout=0), b.recv(timeout=0))] == [b"m0", b"m1"]
        pub.send(b"m4")
        m = b.recv(timeout=0)
        assert (m.data, m.seq, m.lost) == (b"m4", 5, 2)
        assert b.stat().dropped == 2


def test_policy_not_allowed(dev, names):
    name = names()
    with dev.create_topic(name, policies=["drop-new"]):
        with pytest.raises(msgport.PermissionDenied):
            dev.subscribe(name, policy="block")
        with pytest.raises(ValueError):
            dev.subscribe(name, policy="sometimes")
