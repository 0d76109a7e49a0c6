# SPDX-License-Identifier: GPL-2.0
"""Rings of messages in a region from Python (msgport_ring_*): a stream
between processes in order, blocking and time-outs, limits, and the
mapping pinned while a ring is open."""

import os

import pytest

import msgport

PAGE = os.sysconf("SC_PAGE_SIZE")


def test_ring_between_two_processes(dev, names, child):
    name = names()
    with dev.create(name, region_size=16 * PAGE) as mb, mb.map_region() as region:
        region.ring_init(mpsc=True)
        with region.ring() as ring:
            st = ring.stat()
            assert st.mpsc and st.offset == 0 and st.used == 0 and st.skipped == 0
            assert st.data_size == 32768 and st.max_msg == 16384 - 32

            def producer():
                # Another process: opens the mailbox by name and maps it itself.
                with msgport.Device() as d, d.open(name) as m2, m2.map_region() as r2, \
                        r2.ring() as r:
                    for i in range(2000):
                        r.send(b"%d:" % i + bytes([i % 251]) * (i % 300))

            c = child(producer)
            for i in range(2000):
                assert ring.recv(timeout=30) == b"%d:" % i + bytes([i % 251]) * (i % 300)
            c.join()
            with pytest.raises(msgport.WouldBlock):
                ring.recv(timeout=0)


def test_ring_limits_and_timeouts(dev, names):
    with dev.create(names(), region_size=PAGE) as mb, mb.map_region() as region:
        region.ring_init(offset=0, size=1024 + 192, max_msg=100)
        with pytest.raises(msgport.Exists):
            region.ring_init(offset=0, size=1024 + 192)
        with pytest.raises(msgport.Error):
            region.ring(offset=64)       # nothing there: ENOMSG
        ring = region.ring()
        assert ring.max_msg == 100
        with pytest.raises(msgport.MessageTooLarge):
            ring.send(b"x" * 101)
        with pytest.raises(msgport.Timeout):
            ring.recv(timeout=0.05)
        ring.send(b"")
        assert ring.recv(timeout=0) == b""
        n = 0
        while True:
            try:
                ring.send(b"y" * 100, timeout=0)
            except msgport.WouldBlock:
                break
            n += 1
        # Records of 32 + 100 bytes rounded to 144, from offset 32 (the empty
        # message's): 6 fit before the end, and a 7th would need the 128 bytes
        # to the end as padding as well.
        assert n == 6
        with pytest.raises(msgport.Timeout):
            ring.send(b"y" * 100, timeout=0.05)
        # The open ring pins the mapping.
        with pytest.raises(BufferError):
            region.close()
        ring.close()
        ring.close()
        with pytest.raises(ValueError):
            ring.recv(timeout=0)
