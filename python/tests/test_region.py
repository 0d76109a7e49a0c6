# SPDX-License-Identifier: GPL-2.0
"""Shared regions from Python: a memoryview of the mapping, shared between
processes, and the region's wait/wake."""

import errno
import os
import time

import pytest

import msgport

PAGE = os.sysconf("SC_PAGE_SIZE")


def test_region_shared_between_two_processes(dev, names, child):
    name = names()
    with dev.create(name, region_size=100) as mb, mb.map_region() as region:
        assert region.size == PAGE  # rounded up to whole pages
        assert region.writable
        view = region.view
        assert (len(view), view.format, view.readonly) == (PAGE, "B", False)
        assert bytes(view[:16]) == bytes(16)  # zero-filled
        view[8:16] = b"parent\0!"
        assert mb.stat().region_maps == 1

        def other():
            # Another process: opens the mailbox by name and maps it itself.
            with msgport.Device() as d, d.open(name) as m2, m2.map_region() as r2:
                v = r2.view
                seen = bytes(v[8:16])
                v[64:64 + 10] = b"from child"
                del v
                r2.store32(0, 1)
                r2.wake()
                return seen

        c = child(other)
        region.wait(0, 0, timeout=30)  # until word 0 is no longer 0
        assert region.load32(0) == 1
        assert bytes(view[64:74]) == b"from child"
        assert c.join() == b"parent\0!"
        del view


def test_region_inherited_by_fork(dev, names, child):
    with dev.create(names(), region_size=PAGE) as mb, mb.map_region() as region:
        def writer():
            region.view[0:5] = b"hello"
            region.store32(8, 7)
            region.wake()

        region.store32(8, 0)
        child(writer).join()
        region.wait(8, 0, timeout=5)
        assert bytes(region.view[0:5]) == b"hello"


def test_read_only_mapping(dev, names):
    name = names()
    with dev.create(name, region_size=PAGE) as mb, mb.map_region() as rw:
        rw.view[0:3] = b"abc"
        with dev.open(name, send=False) as ro_mb, ro_mb.map_region() as ro:
            assert not ro.writable
            v = ro.view
            assert v.readonly and bytes(v[0:3]) == b"abc"
            with pytest.raises(TypeError):
                v[0:1] = b"x"
            with pytest.raises(PermissionError):
                ro.store32(0, 1)
            del v
        # Mapping needs the right to receive.
        with dev.open(name, recv=False) as wo:
            with pytest.raises(msgport.PermissionDenied) as ei:
                wo.map_region()
            assert ei.value.errno == errno.EACCES


def test_unmap_refused_while_views_exist(dev, names):
    with dev.create(names(), region_size=PAGE) as mb:
        region = mb.map_region()
        view = region.view
        part = view[100:200]
        del view
        with pytest.raises(BufferError):
            region.close()
        assert not region.closed
        part[0:2] = b"ok"
        del part
        region.close()
        assert region.closed
        with pytest.raises(ValueError):
            region.view
        assert mb.stat().region_maps == 0


def test_mapping_outlives_the_mailbox_handle(dev, names):
    with dev.create(names(), region_size=PAGE) as mb:
        region = mb.map_region()
    assert mb.closed
    region.view[0:4] = b"live"
    assert bytes(region.view[0:4]) == b"live"
    region.wake()
    region.close()


def test_region_wait_timeout_and_errors(dev, names):
    with dev.create(names(), region_size=PAGE) as mb, mb.map_region() as region:
        region.wait(0, 1, timeout=0)  # the word is 0, not 1: at once
        t0 = time.monotonic()
        with pytest.raises(msgport.Timeout):
            region.wait(0, 0, timeout=0.2)
        assert time.monotonic() - t0 >= 0.2
        with pytest.raises(ValueError):
            region.load32(2)
        with pytest.raises(ValueError):
            region.load32(PAGE)
        with pytest.raises(msgport.Error) as ei:
            region.wait(PAGE, 0, timeout=0)
        assert ei.value.errno == errno.ERANGE
    with dev.create(names()) as plain:
        with pytest.raises(msgport.NoRegion) as ei:
            plain.map_region()
        assert ei.value.errno == errno.ENODEV
        assert "has no shared region" in ei.value.strerror


def test_spans_by_reference_between_processes(dev, names, child):
    name = names()
    with dev.create(name, region_size=16 * PAGE) as mb, mb.map_region() as region:
        region.span_pool_init(4096)
        chunk, nchunks, free = region.span_pool_stat()
        assert chunk == 4096 and free == nchunks > 2
        with pytest.raises(msgport.Exists):
            region.span_pool_init(4096)
        span = region.alloc_span(5000)
        assert span.length == 5000
        assert region.span_pool_stat()[2] == free - 2  # two whole chunks
        payload = bytes(range(256)) * 19 + b"\0end"
        span.view[:len(payload)] = payload
        mb.send_span(span, priority=2)
        del span

        def consumer():
            with msgport.Device() as d, d.open(name) as m2, m2.map_region() as r2:
                msg = m2.recv_span(r2, timeout=30)
                assert msg.is_span and msg.data == b"" and msg.priority == 2
                got = bytes(msg.span.view[:len(payload)])
                msg.span.release()
                return got, msg.span.length

        assert child(consumer).join() == (payload, 5000)
        assert region.span_pool_stat()[2] == free

        # Received without asking for spans, a span's bytes are copied.
        span = region.alloc_span(100)
        span.view[:3] = b"abc"
        mb.send_span(span)
        m = mb.recv(timeout=5)
        assert m.is_span and m.data[:3] == b"abc" and len(m.data) == 100
        span.release()
        # An ordinary message with a payload is not taken as a span.
        mb.send(b"plain")
        with pytest.raises(msgport.MessageTooLarge):
            mb.recv_span(region, timeout=0)
        assert mb.recv(timeout=0).data == b"plain"
        # The pool full: no waiting with timeout 0.
        spans = [region.alloc_span(4096, timeout=0) for _ in range(free)]
        with pytest.raises(msgport.WouldBlock):
            region.alloc_span(1, timeout=0)
        for s in spans:
            s.release()
