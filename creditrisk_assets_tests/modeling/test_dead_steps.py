"""A candidate step killed with SIGKILL leaves nothing that the next run does not clear.

The killed process is real: it opens the candidate step's MLflow run, registers a version,
holds its ``creditrisk-candidate-<pid>-*`` folder and a half-written lake partition, exactly as
``model/candidate`` does, and is then ``kill -9``'d, so no ``finally`` runs. The next candidate
step's sweep (``recovery/sweep.py``) and the next write of the partition must then end the
MLflow run FAILED, tag the version ``orphan`` (which lookup and promotion refuse), and remove
the temporary files, while a live step's run is left alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test

from creditrisk_assets.deploy.lookup import (
    NoCandidate,
    NotPromotable,
    candidate_version,
    check_promotable,
)
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.recovery.sweep import sweep_dead_steps
from creditrisk_assets.resources import Lake

ROOT = Path(__file__).resolve().parents[2]
PARTITION = "2026-11-01"
TABLE = "features/train"

_STEP = textwrap.dedent(
    """
    import sys, tempfile, time
    from creditrisk_assets.modeling.registry import ModelRegistry
    from creditrisk_assets.recovery.sweep import candidate_temp_prefix
    from creditrisk_assets.resources import Lake

    tracking, lake_uri, model_dir, checksum, dagster_run = sys.argv[1:]
    registry, lake = ModelRegistry(tracking_uri=tracking), Lake(base_uri=lake_uri)
    tags = {"partition": "2026-11-01", "dagster_run_id": dagster_run}
    with (
        registry.candidate_run("candidate-2026-11-01", tags=tags) as run,
        tempfile.TemporaryDirectory(prefix=candidate_temp_prefix()) as tmp,
        lake.write_partition("features/train", "2026-11-01") as part,
    ):
        part.write_bytes(b"half a parquet file")
        info = registry.register(run, model_dir, checksum, tags=tags)
        print(info.version, run.run_id, tmp, part, flush=True)
        time.sleep(600)
    """
)


def _kill_a_candidate_step(
    registry: ModelRegistry, lake: Lake, model_dir: tuple[Path, str], dagster_run: str, tmp: Path
) -> tuple[str, str, Path, Path]:
    """Run the step in a child process, wait until it registered, SIGKILL it."""
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)}
    args = [registry.tracking_uri, lake.base_uri, str(model_dir[0]), model_dir[1], dagster_run]
    proc = subprocess.Popen(
        [sys.executable, "-c", _STEP, *args], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline().split() if proc.stdout else []
        assert len(line) == 4, f"the step did not get to registering (exit {proc.poll()})"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    version, run_id, folder, part = line
    return version, run_id, Path(folder), Path(part)


@pytest.mark.timeout(120)
def test_the_next_run_clears_what_a_killed_candidate_step_left(
    registry: ModelRegistry, lake: Lake, model_dir: tuple[Path, str], tmp_path: Path
) -> None:
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    with registry.candidate_run("earlier", tags={"partition": PARTITION}) as run:
        good = registry.register(run, *model_dir, tags={"partition": PARTITION}).version

    with dg.instance_for_test() as instance:
        dagster_run = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED).run_id
        version, run_id, folder, part = _kill_a_candidate_step(
            registry, lake, model_dir, dagster_run, temp_root
        )
        # what the kill left: a RUNNING run, a READY version, the folder, the lake temp file
        assert registry.run_status(run_id) == "RUNNING"
        assert not registry.version_info(version).orphan
        assert folder.is_dir() and folder.parent == temp_root and part.is_file()
        # even before any sweep, an unfinished run's version is no candidate
        assert candidate_version(registry, PARTITION) == good

        # a live step (this process, its Dagster run in progress) is left alone
        with registry.candidate_run("live", tags={"dagster_run_id": dagster_run}) as live:
            report = sweep_dead_steps(instance, registry, temp_root)
            assert registry.run_status(live.run_id) == "RUNNING"

    assert report.ended_runs == [run_id] and report.orphaned_versions == [version]
    assert report.removed_dirs == [str(folder)] and not folder.exists()
    assert registry.run_status(run_id) == "FAILED"
    assert registry.version_info(version).orphan
    with pytest.raises(NotPromotable, match="orphan"):
        check_promotable(registry, version)
    check_promotable(registry, good)

    # the next write of the partition removes the dead writer's temp file once it is stale
    fresh = part.with_name(".tmp-0123-data.parquet")
    fresh.write_bytes(b"a live writer's file")
    hour_ago = time.time() - 3600
    os.utime(part, (hour_ago, hour_ago))
    with lake.write_partition(TABLE, PARTITION) as tmp:
        tmp.write_bytes(b"complete")
    assert not part.exists() and fresh.exists()
    assert Path(lake.local_path(TABLE, PARTITION)).read_bytes() == b"complete"


def test_only_orphans_and_unfinished_versions_make_no_candidate(
    registry: ModelRegistry, model_dir: tuple[Path, str]
) -> None:
    with registry.candidate_run("a", tags={"partition": PARTITION}) as run:
        version = registry.register(run, *model_dir, tags={"partition": PARTITION}).version
    registry.end_dead_run(run.run_id, "died")
    with pytest.raises(NoCandidate, match=f"v{version} is an orphan"):
        candidate_version(registry, PARTITION)
