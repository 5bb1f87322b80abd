"""A command timed as a whole process tree: wall time, CPU and peak RSS from
``/usr/bin/time -v``, with the load average before and after.

Why a module: a benchmark that launches what a user types (``dagster job execute``, a peer
script) cannot time it from inside; ``/usr/bin/time -v`` sees the child processes too, and
on a shared machine the load beside each figure says how far to trust it.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Timed:
    """One timed command: wall, CPU and peak RSS from ``/usr/bin/time -v``."""

    name: str
    wall: float
    cpu: float
    rss_gb: float
    rc: int
    load: tuple[float, float]
    steps: dict[str, float] = field(default_factory=dict)
    tail: str = ""


def time_v_stats(path: Path) -> tuple[float, float]:
    """CPU seconds (user + system) and peak RSS in GB from ``/usr/bin/time -v``'s report."""
    text = path.read_text()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    cpu = float(user.group(1)) + float(system.group(1)) if user and system else float("nan")
    return cpu, int(rss.group(1)) / 1024**2 if rss else float("nan")


def timed(name: str, cmd: list[str], env: dict[str, str], log: Path) -> Timed:
    """Run ``cmd`` under ``/usr/bin/time -v``; its output goes to ``log``."""
    stats = log.with_suffix(".time")
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", str(stats), *cmd],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wall = time.perf_counter() - start
    cpu, rss = time_v_stats(stats)
    tail = "".join(log.read_text().splitlines(keepends=True)[-15:])
    result = Timed(name, wall, cpu, rss, proc.returncode, (load_before, os.getloadavg()[0]))
    result.tail = tail
    status = "ok" if proc.returncode == 0 else f"FAILED rc={proc.returncode} (log {log})"
    print(f"  {name}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.2f} GB, {status}")
    if proc.returncode != 0:
        print(tail)
    return result


def mem_gb() -> float:
    """Physical memory of the machine, in GB (for the summary's machine line)."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
