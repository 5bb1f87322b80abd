"""What a dead step left behind, cleared by the next candidate step before it starts.

A ``kill -9`` (or an OOM kill) during ``model/candidate`` skips every ``finally``: its MLflow
run stays RUNNING, a version it already registered stays READY with nothing marking it
unfinished, and its ``creditrisk-candidate-*`` folder stays in the temp folder. The next
candidate step (any partition) calls ``sweep_dead_steps`` first, which

- ends FAILED every RUNNING run of the experiment whose step is dead (``liveness.step_alive``:
  its Dagster run is over, or its process on this machine is gone), and tags the versions it
  registered ``orphan``, which candidate lookup and promotion refuse (``deploy/lookup.py``);
- removes the temp folders of processes that no longer exist (the folder names carry the pid).

Live steps, and steps on other machines whose Dagster run is still in progress, are left
alone: run monitoring marks such a run failed once its worker is gone, and the sweep after that
clears it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from creditrisk_assets.modeling.registry import MODEL_TEMP_PREFIX, ModelRegistry
from creditrisk_assets.recovery.liveness import process_alive, step_alive

#: Prefix of the candidate step's working folder; ``candidate_temp_prefix`` adds the pid.
CANDIDATE_TEMP_PREFIX = "creditrisk-candidate-"
#: Temp folders named without a pid (older code) are removed once this old (seconds).
UNOWNED_TEMP_MAX_AGE_S = 24 * 3600.0
_DEAD_RUN_REASON = "its step died with the run RUNNING (ended by the next candidate step)"


def candidate_temp_prefix() -> str:
    """``tempfile`` prefix of this process's candidate folder: the pid says whose it is."""
    return f"{CANDIDATE_TEMP_PREFIX}{os.getpid()}-"


@dataclass(frozen=True)
class SweepReport:
    """What one sweep cleared."""

    ended_runs: list[str] = field(default_factory=list)
    orphaned_versions: list[str] = field(default_factory=list)
    removed_dirs: list[str] = field(default_factory=list)
    kept_dirs: list[str] = field(default_factory=list)  # dead, but could not be removed

    def __bool__(self) -> bool:
        return bool(self.ended_runs or self.removed_dirs or self.kept_dirs)

    def summary(self) -> str:
        return (
            f"ended {len(self.ended_runs)} dead MLflow run(s) FAILED {self.ended_runs}, tagged "
            f"version(s) {self.orphaned_versions} orphan, removed {len(self.removed_dirs)} "
            f"temp folder(s)" + (f", could not remove {self.kept_dirs}" if self.kept_dirs else "")
        )


def end_dead_runs(
    instance: dg.DagsterInstance, registry: ModelRegistry
) -> tuple[list[str], list[str]]:
    """End FAILED the RUNNING MLflow runs whose step is dead; orphan their versions.
    Returns ``(ended run ids, orphaned versions)``."""
    ended: list[str] = []
    orphaned: list[str] = []
    for run_id, tags in registry.running_runs():
        if step_alive(instance, tags):
            continue
        orphaned += registry.end_dead_run(run_id, _DEAD_RUN_REASON)
        ended.append(run_id)
    return ended, orphaned


def _owner_dead(name: str, prefix: str, path: Path) -> bool:
    owner = name[len(prefix) :].split("-", 1)[0]
    if owner.isdigit():
        return not process_alive(int(owner))
    return time.time() - path.stat().st_mtime > UNOWNED_TEMP_MAX_AGE_S


def remove_dead_temp_dirs(root: Path | None = None) -> tuple[list[str], list[str]]:
    """Remove candidate and model-download folders in ``root`` (the temp folder) whose process
    is gone. Returns ``(removed, kept)``: kept ones could not be removed (another user's)."""
    root = Path(root or tempfile.gettempdir())
    removed: list[str] = []
    kept: list[str] = []
    for path in root.iterdir():
        prefix = next(
            (p for p in (CANDIDATE_TEMP_PREFIX, MODEL_TEMP_PREFIX) if path.name.startswith(p)),
            None,
        )
        try:
            if prefix is None or not path.is_dir() or not _owner_dead(path.name, prefix, path):
                continue
            shutil.rmtree(path)
        except FileNotFoundError:  # its owner finished between our look and the removal
            continue
        except PermissionError:
            kept.append(str(path))
            continue
        removed.append(str(path))
    return removed, kept


def sweep_dead_steps(
    instance: dg.DagsterInstance, registry: ModelRegistry, temp_root: Path | None = None
) -> SweepReport:
    """Everything above, in one call (the candidate step's first act)."""
    ended, orphaned = end_dead_runs(instance, registry)
    removed, kept = remove_dead_temp_dirs(temp_root)
    return SweepReport(ended, orphaned, removed, kept)
