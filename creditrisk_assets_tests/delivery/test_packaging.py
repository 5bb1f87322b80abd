"""The image and the Makefile install the same locked dependency set, and run unprivileged."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_direct_dependencies_are_pinned_and_in_the_lock() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lock = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    for dep in deps:
        name, _, version = re.sub(r"\[.*\]", "", dep).partition("==")
        assert version, f"{dep} is not pinned exactly"
        assert lock.get(name.lower().replace("_", "-")) == version, f"{dep} differs from the lock"


def test_makefile_and_dockerfile_install_with_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "-c requirements.lock" in makefile
    assert "-c requirements.lock" in dockerfile
    assert re.search(r"^USER app$", dockerfile, re.M), "the image must not run as root"


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
