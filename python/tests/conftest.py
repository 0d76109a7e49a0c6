# SPDX-License-Identifier: GPL-2.0
"""Fixtures of the msgport Python tests: a device, unique mailbox names that
are unlinked afterwards, and running code in a forked child (optionally as
an unprivileged user).

No path set-up here on purpose: the tests import the msgport module that is
installed (python3-msgport), or the one PYTHONPATH names (python/run-vm-tests).
"""

import itertools
import os
import pickle
import traceback

import pytest

import msgport

NOBODY = 65534
_counter = itertools.count()


@pytest.fixture
def dev():
    with msgport.Device() as d:
        yield d


@pytest.fixture
def names(dev):
    """names() gives a new mailbox name; each is unlinked at the end of the test."""
    made = []

    def new():
        name = "pytest-%d-%d" % (os.getpid(), next(_counter))
        made.append(name)
        return name

    yield new
    for name in made:
        try:
            dev.unlink(name)
        except msgport.NotFound:
            pass


@pytest.fixture
def mailbox(dev, names):
    """A fresh mailbox (capacity 16, mode 0600), opened for sending and receiving."""
    with dev.create(names(), capacity=16, exclusive=True) as mb:
        yield mb


class Child:
    """A forked child running func(); join() re-raises its exception here."""

    def __init__(self, func, *args, user=None):
        r, w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(r)
            status, result = 0, None
            try:
                if user is not None:
                    os.setgroups([])
                    os.setgid(user)
                    os.setuid(user)
                result = ("ok", func(*args))
            except BaseException as e:  # reported to the parent, whatever it is
                status = 1
                result = ("error", "".join(traceback.format_exception(e)))
            try:
                data = pickle.dumps(result)
            except Exception:
                data = pickle.dumps(("ok", repr(result[1])))
            os.write(w, data)
            os.close(w)
            os._exit(status)
        os.close(w)
        self._r = r
        self.joined = False

    def join(self, timeout_msg="child"):
        chunks = []
        while True:
            b = os.read(self._r, 65536)
            if not b:
                break
            chunks.append(b)
        os.close(self._r)
        _, status = os.waitpid(self.pid, 0)
        self.joined = True
        if not chunks:
            raise AssertionError("%s %d died without a result (wait status %#x)"
                                 % (timeout_msg, self.pid, status))
        kind, value = pickle.loads(b"".join(chunks))
        if kind == "error":
            raise AssertionError("%s %d failed:\n%s" % (timeout_msg, self.pid, value))
        return value


@pytest.fixture
def child():
    """child(func, *args, user=None) forks func into a child; .join() gives its result."""
    started = []

    def start(func, *args, user=None):
        c = Child(func, *args, user=user)
        started.append(c)
        return c

    yield start
    for c in started:
        if c.joined:
            continue
        try:
            os.kill(c.pid, 9)
            os.waitpid(c.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


@pytest.fixture
def unprivileged():
    """The uid to run unprivileged code as: nobody when the tests run as
    root (a forked child drops to it), else None (the tests' own user)."""
    return NOBODY if os.geteuid() == 0 else None
