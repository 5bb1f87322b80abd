"""``benchmarks/RESULTS.md``: each benchmark script owns one ``## `` section of it.

One writer for all of them, so that a script rewriting its section leaves the others (and the
blank line before the next heading) exactly as they were, and one parser for the options they
all take.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

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


def bench_parser(
    work: str, applicants: int, applicants_help: str | None = None, **parser: Any
) -> argparse.ArgumentParser:
    """The options of a benchmark that writes RESULTS.md: ``--work`` (its scratch folder,
    ``/tmp/creditrisk-bench-<work>`` by default, never the repo), ``--applicants`` and
    ``--no-write`` (see ``publish``); ``parser`` goes to ``argparse.ArgumentParser``."""
    ap = argparse.ArgumentParser(**parser)
    ap.add_argument("--work", type=Path, default=Path(f"/tmp/creditrisk-bench-{work}"))
    ap.add_argument("--applicants", type=int, default=applicants, help=applicants_help)
    ap.add_argument("--no-write", action="store_true")
    return ap
