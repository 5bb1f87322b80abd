"""Process-wide memory tuning of the API: glibc's malloc thresholds and the garbage collector.

Both are set once, by ``create_app`` and its lifespan, and both are one-way for the process.

``keep_freed_memory``: keep freed buffers of large requests in the heap instead of handing them
back to the kernel. A 10,000-row ``/predict`` allocates tens of MB in pieces of 0.1-30 MB: the
27 MB body, its chunks, NumPy matrices, XGBoost's DMatrix and outputs. glibc serves pieces that
large with ``mmap`` and returns them with ``munmap`` once freed, so every request faults in and
zeroes its memory afresh: ~9 % of the server's CPU time in a ``perf`` profile of that benchmark, and
~10 % of its latency (benchmarks/RESULTS.md, "Scoring API"). Raising the mmap threshold to
glibc's maximum and the trim threshold well above one request's needs lets the freed memory
be reused; the price is that the process keeps up to ``trim_threshold`` of freed heap at the
top of each arena rather than returning it.

Only glibc has ``mallopt`` with these meanings; elsewhere (musl, macOS) nothing is changed.

``freeze_startup_objects``: once the first champion is loaded, everything allocated so far (the
imported libraries, the model) is moved out of the garbage collector's sight. A 10,000-row
response builds ~60,000 containers, and the full collections those trigger would otherwise walk
every object of dagster, mlflow and pandas as well.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import platform

log = logging.getLogger(__name__)

#: glibc's ``mallopt`` parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: The largest mmap threshold glibc documents for 64-bit systems (older versions refuse more);
#: enough for a 27 MB body. Thread arenas map pieces above 64 MB regardless.
MAX_MMAP_THRESHOLD = 32 * 1024 * 1024


def keep_freed_memory(trim_threshold: int, mmap_threshold: int = MAX_MMAP_THRESHOLD) -> bool:
    """Set glibc's mmap and trim thresholds for this process; ``False`` if not glibc or refused."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    done = mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1
    done = mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1 and done
    if not done:
        log.warning("glibc refused mallopt(mmap=%d, trim=%d)", mmap_threshold, trim_threshold)
    return done


def freeze_startup_objects() -> None:
    """Collect once, then move every object alive now into the permanent generation.

    Called after start-up (libraries imported, first champion loaded): those objects live as
    long as the process, so full collections need not walk them on every large request.
    Reference counting still frees a frozen object that loses its last reference (a champion
    swapped out); only garbage cycles among frozen objects would stay.
    """
    gc.collect()
    gc.freeze()
