# SPDX-License-Identifier: GPL-2.0
"""msgport.__version__ is the version of the libmsgport it loads (the build's
VERSION), never a number of its own."""

import os
import pathlib
import re
import subprocess
import sys

import msgport

# The project's VERSION file when the tests run from the source tree
# (python/tests/); the installed tests have none.
VERSION_FILE = pathlib.Path(__file__).resolve().parents[2] / "VERSION"


def _loaded_library():
    """The file of the libmsgport this process mapped."""
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if re.search(r"/libmsgport\.so\.1[.\d]*$", path):
                return path
    raise AssertionError("libmsgport.so.1 is not in /proc/self/maps")


def test_version_is_the_librarys():
    assert msgport.__version__ == msgport.lib_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", msgport.__version__)
    if VERSION_FILE.is_file():
        assert msgport.__version__ == VERSION_FILE.read_text().strip()


def test_version_follows_another_library(tmp_path):
    # A copy of the library whose version string says another version (of
    # the same length: the file's layout is kept).
    version = msgport.lib_version().encode()
    data = pathlib.Path(_loaded_library()).read_bytes()
    assert data.count(b"\0" + version + b"\0") == 1
    other = version[:-1] + (b"8" if version[-1:] == b"7" else b"7")
    lib = tmp_path / "libmsgport.so.1"
    lib.write_bytes(data.replace(b"\0" + version + b"\0", b"\0" + other + b"\0"))
    env = dict(os.environ, MSGPORT_LIBRARY=str(lib))
    out = subprocess.run([sys.executable, "-c",
                          "import msgport; print(msgport.__version__, msgport.lib_version())"],
                         env=env, check=True, capture_output=True, text=True).stdout.split()
    assert out == [other.decode()] * 2
