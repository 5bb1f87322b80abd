"""Issue 22, finding 1, exactly as it was reported: through ``dagster job execute`` processes.

``test_gate_across_runs`` runs the jobs in process on one ephemeral instance. This one takes the
user's path: a landing snapshot with ``DAYS_BIRTH = 1200`` in one row (MD5SUMS recomputed), the
snapshot registered with the operator CLI, then ``all_assets``, ``features_job``, ``train_job``
and ``promote_job`` as separate CLI processes sharing one ``DAGSTER_HOME`` and one
``CREDITRISK_HOME``. The gate must hold across processes, where it reads the check evaluations
another process stored in the instance's SQLite event log: every job fails, says which check
failed, and nothing reaches the feature store or the registry. The repaired-snapshot path is
``test_gate_across_runs``' (in process, cheaper). Five CLI processes: about 3 minutes at a load
average of 10 on this 2-core machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from creditrisk_assets.cli import job_command
from creditrisk_assets.keys import CANDIDATE, DEPLOY_MANIFEST, FEATURE_STORE, lake_path
from creditrisk_assets.modeling.registry import CHAMPION
from creditrisk_assets_tests.ingest.test_strict_raw import set_fields

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = "2026-11-01"
TRAIN = "application_train.csv"
BAD_ROW = 4
CHECK = f"raw/application_train:contract failed for {SNAPSHOT}"
pytestmark = pytest.mark.slow


@pytest.fixture
def cli_env(tmp_path: Path, state_home: Path, small_snapshot_dir: Path) -> dict[str, str]:
    """The environment a person's shell would hold: its own Dagster instance and state folder,
    a landing source holding the corrupted snapshot, and this checkout first on the path."""
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    landing = tmp_path / "landing"
    shutil.copytree(small_snapshot_dir, landing / SNAPSHOT)
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "CREDITRISK_HOME": str(state_home),
        "CREDITRISK_SOURCE": "landing",
        "CREDITRISK_LANDING_DIR": str(landing),
        "PYTHONPATH": path,
    }


def _run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_cli_jobs_refuse_a_snapshot_whose_raw_contract_failed(
    cli_env: dict[str, str], lake, registry
) -> None:
    landing = Path(cli_env["CREDITRISK_LANDING_DIR"]) / SNAPSHOT
    [bad_id] = set_fields(landing, TRAIN, {BAD_ROW: {"DAYS_BIRTH": "1200"}})
    added = _run([sys.executable, "-m", "creditrisk_assets.cli", "add-snapshot", SNAPSHOT], cli_env)
    assert added.returncode == 0, added.stderr

    whole = _run(job_command("all_assets", SNAPSHOT), cli_env)
    out = whole.stdout + whole.stderr
    assert whole.returncode != 0, out[-3000:]
    # the contract names the column and the bad applicant (it is where the trouble starts)
    assert "DAYS_BIRTH" in out and bad_id in out, out[-3000:]

    for job in ("features_job", "train_job", "promote_job"):
        done = _run(job_command(job, SNAPSHOT), cli_env)
        out = done.stdout + done.stderr
        assert done.returncode != 0, f"{job} exited 0:\n{out[-3000:]}"
        assert CHECK in out, f"{job} did not name the failed check:\n{out[-3000:]}"
        assert "STEP_SUCCESS" not in out, f"{job} ran a step:\n{out[-3000:]}"

    for key in (FEATURE_STORE, CANDIDATE, DEPLOY_MANIFEST):
        assert not lake.exists(lake_path(key), SNAPSHOT), key
    assert registry.get_alias_version(CHAMPION) is None
    assert not registry.client.search_model_versions()
