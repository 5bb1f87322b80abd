"""Start the scoring API as ``make serve`` and the image's ``api`` role do: uvicorn, one worker,
with the allocator ``CREDITRISK_API_ALLOCATOR`` names (``serving/settings.py``).

Why an allocator is a setting: ``/score`` runs the feature SQL in DuckDB, which allocates,
zeroes and frees vectors for ~340 columns on every execution, and under glibc's malloc ``perf``
put about a fifth of the API's CPU in malloc, free and page faults. With jemalloc preloaded the
same ``/score`` load (50 req/s, 20 applicants in turn, demo champion, alternating runs) went from
p99 72-120 ms to 37-76 ms and 19-22 to 17-19 ms of CPU per request; but a 10,000-row
``/predict`` costs 10-25 % more CPU than on glibc's malloc with the API's own tuning
(``fastpath/memory.py``; 20-40 % before ``tree_paths.explain`` stopped reading freshly zeroed
pages). So ``system`` stays the default. Since ``/score`` runs its families on two connections
and glibc gets the deeper cache below, jemalloc's ``/score`` p99 was no better than glibc's in
one A/B (16.3-16.8 against 15.9-16.7 ms; ``benchmarks/RESULTS.md``).

glibc's malloc keeps, per thread, only 7 freed chunks of each small size (its ``tcache``); an
execution of the family queries frees far more than that of one size and allocates them again
at once, through glibc's slower bins. A deeper cache (``glibc.malloc.tcache_count``,
``CREDITRISK_API_GLIBC_TCACHE_COUNT``, 1000 by default) cut a lone ``/score``'s feature SQL from
9.9-10.2 to 8.5-9.3 ms of CPU, and the server's ``/score`` CPU at 50 req/s by 5-15 % in four
alternating pairs (15.2-19.1 to 13.0-13.7 ms per request, then 17.6-18.2 to 16.2-17.0 on a
slower hour), latency within noise; a 10,000-row ``/predict`` did not change.

An allocator and glibc's tunables are read before the process starts (``LD_PRELOAD``,
``GLIBC_TUNABLES``), so this module sets them and then replaces itself
with uvicorn (``exec``: same process id, so signals reach uvicorn, and the decision log is
flushed on shutdown as before). Where libjemalloc is not installed, the system allocator serves
with a warning.

    python -m creditrisk_assets.serving.launch --host 127.0.0.1 --port 8000 [uvicorn options]
"""

from __future__ import annotations

import argparse
import ctypes.util
import logging
import os
import sys
from collections.abc import Mapping, Sequence

from creditrisk_assets.serving.settings import ServingSettings, inherited_preload

log = logging.getLogger(__name__)

#: The app factory uvicorn serves.
APP = "creditrisk_assets.serving.app:create_app"
#: glibc's tunable for how many freed chunks of each small size a thread keeps for reuse.
TCACHE_TUNABLE = "glibc.malloc.tcache_count"


def jemalloc_library() -> str | None:
    """The installed jemalloc's shared library name (``libjemalloc.so.2``), or ``None``."""
    return ctypes.util.find_library("jemalloc")


def server_environment(
    allocator: str,
    library: str | None,
    environ: Mapping[str, str],
    preload: str,
    tcache_count: int = 0,
) -> tuple[dict[str, str], str, bool]:
    """The environment uvicorn runs in, the allocator that gives it (for the log), and whether
    that is not the one asked for (jemalloc asked, not installed: worth a warning).

    ``preload``: the ``LD_PRELOAD`` already set, kept after jemalloc (an operator's own
    libraries still load). ``tcache_count``: glibc's per-thread cache depth for the system
    allocator (0: glibc's default), added to ``GLIBC_TUNABLES`` unless that sets it already."""
    env = dict(environ)
    if allocator == "system":
        return _with_tcache(env, tcache_count), "system", False
    if library is None:
        fallback = "system (libjemalloc not found: apt-get install libjemalloc2)"
        return _with_tcache(env, tcache_count), fallback, True
    if library not in preload.split():
        env["LD_PRELOAD"] = f"{library} {preload}".strip()
    return env, library, False


def _with_tcache(env: dict[str, str], count: int) -> dict[str, str]:
    """``env`` with glibc's ``tcache_count`` tunable set to ``count`` (see the module doc);
    an operator's own ``GLIBC_TUNABLES`` are kept, and a tcache count there wins."""
    tunables = env.get("GLIBC_TUNABLES", "")
    if count and TCACHE_TUNABLE not in tunables:
        env["GLIBC_TUNABLES"] = ":".join(filter(None, [tunables, f"{TCACHE_TUNABLE}={count}"]))
    return env


def uvicorn_command(host: str, port: int, options: Sequence[str]) -> list[str]:
    """uvicorn serving the app factory, one worker, with any further uvicorn ``options``."""
    return [
        sys.executable, "-m", "uvicorn", "--factory", APP,
        "--host", host, "--port", str(port), *options,
    ]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args, options = parser.parse_known_args(argv)
    settings = ServingSettings.from_env()  # a bad setting fails here, before uvicorn starts
    env, allocator, fell_back = server_environment(
        settings.allocator,
        jemalloc_library(),
        {**os.environ},
        inherited_preload(),
        settings.glibc_tcache_count,
    )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    log.log(logging.WARNING if fell_back else logging.INFO, "scoring API allocator: %s", allocator)
    command = uvicorn_command(args.host, args.port, options)
    os.execve(command[0], command, env)


if __name__ == "__main__":
    main()
