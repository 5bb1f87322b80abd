"""``benchmarks/RESULTS.md``: each benchmark script owns one ``## `` section of it.

One writer for all of them, so that a script rewriting its section leaves the others (and the
blank line before the next heading) exactly as they were.
"""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().with_name("RESULTS.md")


def write_section(text: str, heading: str) -> None:
    """Replace (or append) a benchmark's section of RESULTS.md, leaving the others alone."""
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    section = text.rstrip() + "\n\n"
    updated = (
        pattern.sub(lambda _: section, current)
        if pattern.search(current)
        else (current.rstrip() + "\n\n" + section)
    )
    RESULTS.write_text(updated)


def publish(section: str, heading: str, write: bool) -> None:
    """Print a benchmark's section; with ``write`` (no ``--no-write``), also put it in
    RESULTS.md under ``heading``."""
    print(section)
    if write:
        write_section(section, heading)
        print(f"wrote {heading} in {RESULTS}")
