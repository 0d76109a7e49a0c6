# SPDX-License-Identifier: GPL-2.0
"""Arguments that cross into C are checked first: ctypes would truncate them
silently (a size of -1 becomes SIZE_MAX and the library writes past the
buffer; a pid of 2**32 + 1 becomes 1)."""

import math
import os

import pytest

import msgport

BAD_SIZES = [-1, -(2 ** 64) + 8]
BAD_PIDS = [0, -1, 2 ** 31, 2 ** 32 + 1, 2 ** 64 + os.getpid()]


@pytest.mark.parametrize("size", BAD_SIZES)
def test_negative_size_refused_and_the_message_stays(dev, names, size):
    with dev.create(names()) as mb:
        mb.send(b"x" * 200)
        with pytest.raises(ValueError, match="size"):
            mb.recv(size, timeout=0)
        with pytest.raises(ValueError, match="size"):
            mb.recv(size, timeout=0, truncate=True)
        with pytest.raises(ValueError, match="size"):
            mb.recv(size, timeout=0, peek=True)
        with pytest.raises(ValueError, match="size"):
            mb.recv_from(os.getpid(), size, timeout=0)
        with pytest.raises(ValueError, match="size"):
            mb.reply_recv(None, b"", size, timeout=0)
        with pytest.raises(ValueError, match="size"):
            mb.recv_batch(4, size, timeout=0)
        with pytest.raises(ValueError, match="size"):
            mb.call(b"q", size=size, timeout=0)
        with pytest.raises(ValueError, match="size"):
            dev.call_pid(os.getpid(), b"q", size=size, timeout=0)
        # Nothing was received, nothing sent: the message is whole and alone.
        assert mb.stat().queued_msgs == 1
        assert mb.recv(timeout=0).data == b"x" * 200


def test_sizes_are_integers(mailbox):
    mailbox.send(b"abc")
    with pytest.raises(TypeError):
        mailbox.recv(2.5, timeout=0)
    with pytest.raises(TypeError):
        mailbox.recv_batch(1.0, timeout=0)
    assert mailbox.recv(3, timeout=0).data == b"abc"


def test_recv_batch_size_zero_takes_only_empty_messages(mailbox):
    mailbox.send(b"")
    mailbox.send(b"a")
    got = mailbox.recv_batch(2, size=0, timeout=0)
    assert [m.data for m in got] == [b""]
    with pytest.raises(msgport.MessageTooLarge):
        mailbox.recv_batch(2, size=0, timeout=0)
    assert mailbox.recv(timeout=0).data == b"a"


@pytest.mark.parametrize("pid", BAD_PIDS)
def test_pid_out_of_range_refused(dev, pid):
    with dev.inbox(capacity=4) as inbox:
        with pytest.raises(ValueError, match="pid"):
            dev.send_pid(pid, b"where to?", timeout=0)
        with pytest.raises(ValueError, match="pid"):
            dev.call_pid(pid, b"where to?", timeout=0)
        dev.send_pid(os.getpid(), b"mine")
        with pytest.raises(ValueError, match="pid"):
            inbox.recv_from(pid, timeout=0)
        # Nothing went anywhere else, nothing was taken here.
        assert inbox.stat().queued_msgs == 1
        assert inbox.recv(timeout=0).data == b"mine"


def test_pid_truncation_would_reach_this_process(dev):
    # 2**32 + getpid() would have been truncated to our own pid and
    # delivered here.
    with dev.inbox(capacity=4) as inbox:
        with pytest.raises(ValueError):
            dev.send_pid(2 ** 32 + os.getpid(), b"truncated pid", timeout=0)
        assert inbox.stat().queued_msgs == 0


@pytest.mark.parametrize("kw", [
    {"capacity": -1},            # would be 0xFFFFFFFF: UNBOUNDED
    {"capacity": 2 ** 32},       # would be 0: a rendezvous mailbox
    {"max_msg_size": -1},
    {"max_msg_size": 2 ** 32 + 64},
    {"mode": -1},
    {"mode": 2 ** 32 + 0o600},
    {"region_size": -4096},
    {"region_size": 2 ** 64},
])
def test_attributes_out_of_range_refused(dev, names, kw):
    name = names()
    with pytest.raises(ValueError):
        dev.create(name, **kw)
    with pytest.raises(msgport.NotFound):
        dev.open(name)  # not created
    if "region_size" not in kw:
        with pytest.raises(ValueError):
            dev.inbox(**kw)


def test_counts_tokens_and_modes_out_of_range_refused(mailbox):
    for n in (0, -1, msgport.BATCH_MAX + 1, 2 ** 32 + 1):
        with pytest.raises(ValueError):
            mailbox.recv_batch(n, timeout=0)
    for token in (-1, 2 ** 64):
        with pytest.raises(ValueError):
            mailbox.reply(token, b"")
        with pytest.raises(ValueError):
            mailbox.reply_recv(token, b"", timeout=0)
    for mode in (-1, 2 ** 32 + 0o600):
        with pytest.raises(ValueError):
            mailbox.chmod(mode)
    assert mailbox.stat().mode & 0o777 == 0o600


def test_region_arguments_out_of_range_refused(dev, names):
    with dev.create(names(), region_size=16 * 4096) as mb, mb.map_region() as region:
        region.store32(0, 5)
        for value in (-1, 2 ** 32, 2 ** 32 + 5):
            with pytest.raises(ValueError):
                region.store32(0, value)
            with pytest.raises(ValueError):
                region.wait(0, value, timeout=0)
        assert region.load32(0) == 5
        for offset in (-4, 2 ** 64):
            with pytest.raises(ValueError):
                region.load32(offset)
            with pytest.raises(ValueError):
                region.wait(offset, 0, timeout=0)
    with dev.create(names(), region_size=16 * 4096) as mb, mb.map_region() as region:
        with pytest.raises(ValueError):
            region.span_pool_init(-4096)
        region.span_pool_init(4096)  # not formatted by the refused call
        free = region.span_pool_stat()[2]
        with pytest.raises(ValueError):
            region.alloc_span(-1, timeout=0)
        assert region.span_pool_stat()[2] == free


def test_infinite_timeout_is_no_limit(mailbox):
    mailbox.send(b"now")
    assert mailbox.recv(timeout=math.inf).data == b"now"
    assert mailbox.send(b"again", timeout=math.inf) > 0
    for bad in (-1, -math.inf, math.nan):
        with pytest.raises(ValueError):
            mailbox.recv(timeout=bad)
    assert mailbox.recv(timeout=0).data == b"again"
