"""Docstrings cite the design invariants by number; the numbers they cite exist in the repo."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITATION = re.compile(r"invariant (\d+), docs/invariants\.md")


def test_cited_invariants_are_listed_in_docs() -> None:
    listed = {
        int(n)
        for n in re.findall(r"^(\d+)\. \*\*", (ROOT / "docs/invariants.md").read_text(), re.M)
    }
    assert listed == set(range(1, len(listed) + 1)) and len(listed) >= 5
    sources = [
        *ROOT.joinpath("creditrisk_assets").rglob("*.py"),
        *ROOT.joinpath("creditrisk_assets").rglob("*.sql"),
    ]
    cited = {int(n) for path in sources for n in CITATION.findall(path.read_text())}
    assert cited, "no docstring cites docs/invariants.md: the scan is not looking where it should"
    assert cited <= listed, f"cited but not in docs/invariants.md: {sorted(cited - listed)}"
    outside = [str(p.relative_to(ROOT)) for p in sources if "DESIGN invariant" in p.read_text()]
    assert not outside, f"cite a design document outside the repo: {outside}"
