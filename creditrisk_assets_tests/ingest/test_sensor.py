"""The landing sensor: complete snapshot folders become partitions and one run each."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg

from creditrisk_assets.ingest import defs as ingest_defs
from creditrisk_assets.ingest.connectors.landing import SUCCESS_MARKER, landed_snapshots
from creditrisk_assets.ingest.sensors import landing_sensor
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.partitions import SNAPSHOT_PARTITIONS_NAME
from creditrisk_assets.schema import RAW_TABLES
from creditrisk_assets.wiring import default_resources


def _defs(landing: Path) -> dg.Definitions:
    resources = default_resources()
    resources["source"] = SnapshotSource(kind="landing", landing_dir=str(landing))
    return dg.Definitions.merge(ingest_defs, dg.Definitions(resources=resources))


def _tick(instance, landing: Path) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=instance,
        resources={"source": SnapshotSource(kind="landing", landing_dir=str(landing))},
        definitions=_defs(landing),
    )
    return landing_sensor(context)


def test_new_snapshot_registers_partition_and_requests_idempotent_run(instance, landing: Path):
    (landing / "not-a-date").mkdir()
    (landing / "2026-02-30").mkdir()  # not a real date: ignored, not an error
    result = _tick(instance, landing)
    assert [r.partition_key for r in result.run_requests] == ["2026-11-01"]
    assert [r.run_key for r in result.run_requests] == ["2026-11-01"]
    [add] = result.dynamic_partitions_requests
    assert add.partitions_def_name == SNAPSHOT_PARTITIONS_NAME
    assert list(add.partition_keys) == ["2026-11-01"]

    # once the partition exists, the next tick does not add it again; the run request keeps its
    # run_key, which Dagster de-duplicates, so the snapshot is ingested once
    instance.add_dynamic_partitions(SNAPSHOT_PARTITIONS_NAME, ["2026-11-01"])
    again = _tick(instance, landing)
    assert again.dynamic_partitions_requests == []
    assert [r.run_key for r in again.run_requests] == ["2026-11-01"]


def test_folder_still_arriving_is_not_ingested(instance, landing: Path, tmp_path: Path):
    partial = landing / "2026-12-01"
    partial.mkdir()
    (partial / "application_train.csv").write_text("SK_ID_CURR\n")
    assert "2026-12-01" not in landed_snapshots(landing)
    # no manifest, but quiet for longer than the settle time: complete
    old = time.time() - 3600
    for p in (partial / "application_train.csv", partial):
        os.utime(p, (old, old))
    assert "2026-12-01" in landed_snapshots(landing)
    # or the sender says so
    fresh = landing / "2026-12-02"
    fresh.mkdir()
    (fresh / "application_train.csv").write_text("SK_ID_CURR\n")
    (fresh / SUCCESS_MARKER).write_text("")
    assert "2026-12-02" in landed_snapshots(landing)


def test_sensor_skips_when_nothing_landed(instance, tmp_path: Path):
    result = _tick(instance, tmp_path / "empty-landing")
    assert result.skip_reason is not None and not result.run_requests


def test_ingest_job_selects_raw_assets_and_their_checks(tmp_path: Path):
    job = _defs(tmp_path).resolve_job_def("ingest_job")
    keys = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assert keys == {f"raw/{t}" for t in RAW_TABLES}
    checks = {k.to_user_string() for k in job.asset_layer.asset_graph.asset_check_keys}
    assert "raw/application_train:contract" in checks and len(checks) == 29
