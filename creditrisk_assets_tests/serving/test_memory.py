"""glibc malloc tuning of the API process (serving/fastpath/memory.py)."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest

from creditrisk_assets.serving.settings import ServingSettings

glibc_only = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="mallopt thresholds are glibc's"
)

# Run in a fresh interpreter: the tuning is process-wide and one-way.
_PROBE = textwrap.dedent(
    """
    import ctypes, sys
    from creditrisk_assets.serving.fastpath import memory

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2

    def mmapped_while_holding(size):
        before = libc.mallinfo2().hblkhd
        buf = bytearray(size)
        during = libc.mallinfo2().hblkhd
        del buf
        return during - before

    size = 20 * 1024 * 1024
    default = mmapped_while_holding(size)
    tuned = memory.keep_freed_memory(256 * 1024 * 1024)
    print(default >= size, tuned, mmapped_while_holding(size) < size)
    """
)


@glibc_only
def test_large_buffers_come_from_the_heap_once_tuned() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    ).stdout.split()
    # by default glibc maps a 20 MB buffer on its own; tuned, it is carved from the heap
    assert out == ["True", "True", "True"]


def test_setting_from_environment() -> None:
    settings = ServingSettings.from_env({"CREDITRISK_API_KEEP_FREED_BYTES": "0"})
    assert settings.keep_freed_bytes == 0
    assert ServingSettings().keep_freed_bytes == 256 * 1024 * 1024
