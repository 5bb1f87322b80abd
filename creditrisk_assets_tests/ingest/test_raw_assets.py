"""The raw assets end to end on the small synthetic snapshot (landing connector)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from creditrisk_assets.ingest import raw_key, raw_path
from creditrisk_assets.ingest.assets import raw_assets
from creditrisk_assets.partitions import register_snapshot
from creditrisk_assets.resources import Lake
from creditrisk_assets.schema import RAW_TABLES, table_spec

SNAPSHOT = "2026-11-01"
COUNT = "SELECT count(*) FROM read_parquet(?, hive_partitioning = false)"
DESCRIBE = "DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = false)"


def _materialize(resources, instance, selection=None) -> dg.ExecuteInProcessResult:
    register_snapshot(instance, SNAPSHOT)
    return dg.materialize(
        raw_assets,
        selection=selection,
        partition_key=SNAPSHOT,
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )


def test_all_raw_tables_land_as_typed_parquet(resources, instance, lake: Lake, landing: Path):
    result = _materialize(resources, instance)
    assert result.success
    manifest = dict(
        line.split()[::-1] for line in (landing / SNAPSHOT / "MD5SUMS").read_text().splitlines()
    )
    con = duckdb.connect()
    for table in RAW_TABLES:
        spec = table_spec(table)
        path = lake.local_path(raw_path(table), SNAPSHOT)
        described = con.execute(DESCRIBE, [path]).fetchall()
        assert [(r[0], r[1]) for r in described] == list(spec.duckdb_types.items()), table
        rows = con.execute(COUNT, [path]).fetchone()[0]
        mat = result.asset_materializations_for_node(f"raw__{table}")[0]
        meta = {k: v.value for k, v in mat.metadata.items()}
        assert meta["dagster/row_count"] == rows > 0
        assert meta["md5"] == manifest[spec.file]
        assert meta["md5_verified_against_manifest"] is True
        assert meta["bytes"] == (landing / SNAPSHOT / spec.file).stat().st_size
        assert meta["source_uri"].endswith(f"/{SNAPSHOT}/{spec.file}")
        # the sidecar beside the partition tells the same story
        assert lake.read_json(raw_path(table), SNAPSHOT, "ingest.json")["rows"] == rows
    # CSV row count (minus header) equals the Parquet row count for a big table
    lines = (landing / SNAPSHOT / "bureau_balance.csv").read_text().count("\n") - 1
    bb = lake.local_path(raw_path("bureau_balance"), SNAPSHOT)
    assert con.execute(COUNT, [bb]).fetchone()[0] == lines


def test_application_only_snapshot_gives_zero_row_history(
    resources, instance, lake, landing, fix_manifest
):
    folder = landing / SNAPSHOT
    for table in RAW_TABLES[1:]:
        (folder / table_spec(table).file).unlink()
    fix_manifest(folder)  # the delivery declares what it holds (MD5SUMS lists no history)
    result = _materialize(resources, instance)
    assert result.success
    con = duckdb.connect()
    for table in RAW_TABLES[1:]:
        path = lake.local_path(raw_path(table), SNAPSHOT)
        assert con.execute(COUNT, [path]).fetchone()[0] == 0
        cols = [r[0] for r in con.execute(DESCRIBE, [path]).fetchall()]
        assert cols == table_spec(table).column_names
        mat = result.asset_materializations_for_node(f"raw__{table}")[0]
        assert mat.metadata["present_in_snapshot"].value is False


def test_missing_application_train_fails_the_step_and_writes_nothing(
    resources, instance, lake, landing, step_errors, fix_manifest
):
    (landing / SNAPSHOT / "application_train.csv").unlink()
    fix_manifest(landing / SNAPSHOT)  # declared absent: the required-table rule must catch it
    result = _materialize(resources, instance, selection=[raw_key("application_train")])
    assert not result.success
    message = step_errors(result)
    assert "raw/application_train" in message and "must carry" in message
    assert not lake.exists(raw_path("application_train"), SNAPSHOT)


def test_invalid_partition_key_is_refused(resources):
    from creditrisk_assets.ingest.assets import ingest_table

    files = resources["source"]
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        files.fetch("2026-13-01x")
    assert callable(ingest_table)
