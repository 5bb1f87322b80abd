"""Dagster's current CLI, ``dg``, loads the same code location as ``dagster job execute``.

CI and users run ``dagster job execute -m creditrisk_assets.definitions``; ``dg`` finds the module
through ``[tool.dg]`` in pyproject.toml instead. Running it from the repo root, as the README
shows, proves both read the same definitions (about 6 s per command here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from creditrisk_assets.definitions import defs

ROOT = Path(__file__).resolve().parents[2]
DG = Path(sys.executable).parent / "dg"


def _dg(*args: str, dagster_home: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH: the child imports this checkout's package even where the venv is shared.
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "PYTHONPATH": path}
    return subprocess.run(
        [str(DG), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.fixture
def dagster_home(tmp_path: Path) -> Path:
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    return home


def test_dg_check_defs_succeeds_from_the_repo_root(dagster_home: Path) -> None:
    assert DG.is_file(), "dg is missing: install the dev extras (dagster-dg-cli)"
    done = _dg("check", "defs", dagster_home=dagster_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All definitions loaded successfully" in done.stdout + done.stderr


def test_dg_sees_the_jobs_dagster_job_execute_runs(dagster_home: Path) -> None:
    done = _dg("list", "defs", "--json", dagster_home=dagster_home)
    assert done.returncode == 0, done.stderr
    listed = {job["name"] for job in json.loads(done.stdout)["jobs"]}
    expected = {job.name for job in defs.resolve_all_job_defs()} - {"__ASSET_JOB"}
    assert listed == expected and "all_assets" in listed
