"""The production profile's storage runs concurrent snapshot partitions against PostgreSQL.

Two ``dagster job execute`` processes, one per snapshot, share one PostgreSQL-backed instance
(the ``storage`` and ``concurrency`` sections of ``deploy/dagster.yaml``, with the default run
launcher instead of ECS, which cannot run here). Both must succeed with no lock errors, and the
instance and the lake must hold correct results for both partitions.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import yaml

from creditrisk_assets.cli import job_command
from creditrisk_assets.partitions import register_snapshot
from creditrisk_assets.schema import RAW_TABLES

ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = ("2026-09-01", "2026-10-01")
APPLICANTS = 300


def _profile_instance_yaml() -> dict:
    profile = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())
    # ECS and S3 need AWS; the storage and run-queue sections are what this test is about.
    return {k: v for k, v in profile.items() if k in {"storage", "concurrency", "telemetry"}}


@pytest.mark.postgres
def test_two_snapshots_concurrently_on_postgres(
    postgres_db: str, state_home: Path, tmp_path: Path
) -> None:
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(_profile_instance_yaml()))
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": "5432",
        "DAGSTER_PG_USER": "postgres",
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": postgres_db,
        "CREDITRISK_HOME": str(state_home),
        "CREDITRISK_SYNTHETIC_APPLICANTS": str(APPLICANTS),
    }
    os.environ.update({k: env[k] for k in env if k.startswith(("DAGSTER_", "CREDITRISK_"))})
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        for p in PARTITIONS:
            register_snapshot(instance, p)

    # Two processes, one run each (steps run in-process): the runs are what run concurrently.
    procs = [
        subprocess.Popen(
            job_command("ingest_job", p),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for p in PARTITIONS
    ]
    outputs = [proc.communicate(timeout=600)[0] for proc in procs]
    for p, proc, out in zip(PARTITIONS, procs, outputs, strict=True):
        assert proc.returncode == 0, f"{p} failed:\n{out[-3000:]}"
        assert "database is locked" not in out and "could not obtain lock" not in out

    from creditrisk_assets.resources import Lake

    lake = Lake(base_uri=str(state_home / "lake"))
    with dg.DagsterInstance.get() as instance:
        for table in RAW_TABLES:
            key = dg.AssetKey(["raw", table])
            done = instance.get_materialized_partitions(key)
            assert set(PARTITIONS) <= done, f"raw/{table} missing partitions: {done}"
        runs = instance.get_runs()
        assert {r.tags.get("dagster/partition") for r in runs} >= set(PARTITIONS)
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    for p in PARTITIONS:
        train = pd.read_parquet(lake.local_path("raw/application_train", p))
        assert len(train) > 0.7 * APPLICANTS and train["SK_ID_CURR"].is_unique
