"""Ingestion fixtures: a landing folder holding a copy of the shared small snapshot.

Tests that mutate files (bad input) work on their own copy, so the session-scoped snapshot that
other domains' tests use is never touched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.resources import Lake, Warehouse

SNAPSHOT = "2026-11-01"


@pytest.fixture
def landing(tmp_path: Path, small_snapshot_dir: Path) -> Path:
    """A landing dir with the small synthetic snapshot under ``<landing>/2026-11-01/``."""
    root = tmp_path / "landing"
    shutil.copytree(small_snapshot_dir, root / SNAPSHOT)
    return root


@pytest.fixture
def resources(landing: Path, lake: Lake, warehouse: Warehouse) -> dict[str, object]:
    return {
        "source": SnapshotSource(kind="landing", landing_dir=str(landing)),
        "lake": lake,
        "warehouse": warehouse,
    }


@pytest.fixture
def instance() -> dg.DagsterInstance:
    """An in-memory instance: enough for partitions, runs and check events, and ~40x cheaper to
    create than ``instance_for_test`` on this machine."""
    return dg.DagsterInstance.ephemeral()


def _step_errors(result: dg.ExecuteInProcessResult) -> str:
    """Every failed step's error text, causes included (what a person sees in the UI)."""
    texts = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None:
            texts.append(error.message)
            error = error.cause
    return "\n".join(texts)


@pytest.fixture
def step_errors():
    return _step_errors


def rewrite_manifest(folder: Path, add: list[str] | None = None) -> None:
    """Recompute MD5SUMS after a test edited files on purpose (so the edit, not the checksum,
    is what the pipeline must catch); ``add`` lists new files to include."""
    from creditrisk_assets.ingest.connectors.base import md5_of, read_manifest

    names = [n for n in [*read_manifest(folder), *(add or [])] if (folder / n).is_file()]
    (folder / "MD5SUMS").write_text("".join(f"{md5_of(folder / n)}  {n}\n" for n in names))


@pytest.fixture
def edit_csv():
    """Edit one table's CSV of a landing snapshot as text lines, keeping MD5SUMS consistent."""

    def _edit(folder: Path, file_name: str, fn) -> None:
        path = folder / file_name
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(fn(lines)))
        rewrite_manifest(folder)

    return _edit


@pytest.fixture
def fix_manifest():
    return rewrite_manifest
