"""Blocking checks on the raw tables: a clean snapshot passes, each planted defect fails the
right check with table, column and example ids, and nothing downstream runs after a failure."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from creditrisk_assets.contracts import orphan_keys
from creditrisk_assets.ingest import defs as ingest_defs
from creditrisk_assets.ingest import raw_key
from creditrisk_assets.partitions import register_snapshot, snapshot_partitions

SNAPSHOT = "2026-11-01"
# application_train, its checks and the downstream probe: what the single-table cases need
TRAIN_AND_DOWNSTREAM = dg.AssetSelection.assets(raw_key("application_train"), "probe/downstream")


@dg.asset(
    key=["probe", "downstream"],
    deps=[raw_key("application_train")],
    partitions_def=snapshot_partitions,
)
def downstream() -> dg.MaterializeResult:
    """Stands in for the feature store: must not run after a failed blocking check."""
    return dg.MaterializeResult()


def _run(resources, instance, selection=None, run_config=None) -> dg.ExecuteInProcessResult:
    register_snapshot(instance, SNAPSHOT)
    defs = dg.Definitions.merge(
        ingest_defs,
        dg.Definitions(
            assets=[downstream],
            resources=resources,
            jobs=[dg.define_asset_job("all", selection=selection or dg.AssetSelection.all())],
        ),
    )
    job = defs.resolve_job_def("all")
    return job.execute_in_process(
        partition_key=SNAPSHOT, instance=instance, raise_on_error=False, run_config=run_config
    )


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e
        for e in result.get_asset_check_evaluations()
    }


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_clean_snapshot_passes_every_check_and_downstream_runs(resources, instance):
    result = _run(resources, instance)
    assert result.success
    checks = _checks(result)
    assert len(checks) == 29
    failed = {k: c.description for k, c in checks.items() if not c.passed}
    assert failed == {}
    assert "probe/downstream" in _materialized(result)
    integrity = checks["raw/bureau_balance:key_integrity"].metadata["orphans"].value
    assert integrity[0]["orphan_rows"] == 0 and integrity[0]["child_rows"] > 0


def test_negative_amt_credit_fails_contract_naming_column_and_ids(
    resources, instance, landing: Path, edit_csv
):
    folder = landing / SNAPSHOT
    header = (folder / "application_train.csv").read_text().splitlines()[0].split(",")
    col = header.index("AMT_CREDIT")
    bad_ids = []

    def negate(lines):
        for i in (1, 2):
            fields = lines[i].rstrip("\n").split(",")
            fields[col] = "-" + fields[col]
            bad_ids.append(int(fields[0]))
            lines[i] = ",".join(fields) + "\n"
        return lines

    edit_csv(folder, "application_train.csv", negate)
    result = _run(resources, instance, TRAIN_AND_DOWNSTREAM)
    assert not result.success
    check = _checks(result)["raw/application_train:contract"]
    assert not check.passed
    assert "AMT_CREDIT" in check.description and str(bad_ids[0]) in check.description
    failures = check.metadata["failures"].value
    assert failures[0]["column"] == "AMT_CREDIT" and failures[0]["failing_rows"] == 2
    assert failures[0]["example_SK_ID_CURR"] == bad_ids
    assert "probe/downstream" not in _materialized(result)


def test_duplicate_sk_id_curr_fails_unique_key(resources, instance, landing: Path, edit_csv):
    folder = landing / SNAPSHOT
    edit_csv(folder, "application_train.csv", lambda lines: [*lines, lines[5]])
    dup_id = int((folder / "application_train.csv").read_text().splitlines()[5].split(",")[0])
    result = _run(resources, instance, TRAIN_AND_DOWNSTREAM)
    check = _checks(result)["raw/application_train:unique_key"]
    assert not check.passed
    assert check.metadata["duplicated_keys"].value == 1
    assert check.metadata["examples"].value == [{"SK_ID_CURR": dup_id, "copies": 2}]
    assert str(dup_id) in check.description
    assert "probe/downstream" not in _materialized(result)


def test_orphans_above_tolerance_fail_and_pass_when_relaxed(
    resources, instance, landing: Path, edit_csv, lake, warehouse
):
    folder = landing / SNAPSHOT
    # drop half of the bureau rows: their bureau_balance rows become orphans
    edit_csv(folder, "bureau.csv", lambda lines: lines[: len(lines) // 2])
    selection = dg.AssetSelection.assets(
        raw_key("bureau"),
        raw_key("bureau_balance"),
        raw_key("application_train"),
        raw_key("application_test"),
    )
    result = _run(resources, instance, selection=selection)
    check = _checks(result)["raw/bureau_balance:key_integrity"]
    assert not check.passed
    orphans = check.metadata["orphans"].value[0]
    assert orphans["column"] == "SK_ID_BUREAU" and orphans["orphan_ratio"] > 0.01
    assert len(orphans["example_keys"]) == 5
    assert "SK_ID_BUREAU" in check.description and "above the tolerance" in check.description

    # the same data passes once the tolerance admits it (as for independently sampled tables)
    with warehouse.session() as con:
        relaxed = orphan_keys(
            con,
            "bureau_balance",
            lake.local_path("raw/bureau_balance", SNAPSHOT),
            "SK_ID_BUREAU",
            [("bureau", lake.local_path("raw/bureau", SNAPSHOT))],
            tolerance=1.0,
        )
    assert relaxed.passed and relaxed.orphan_rows == orphans["orphan_rows"]


def test_header_only_application_train_fails_row_count(
    resources, instance, landing: Path, edit_csv
):
    edit_csv(landing / SNAPSHOT, "application_train.csv", lambda lines: lines[:1])
    result = _run(resources, instance, TRAIN_AND_DOWNSTREAM)
    check = _checks(result)["raw/application_train:row_count"]
    assert not check.passed and "no rows" in check.description
    assert "probe/downstream" not in _materialized(result)


def test_unknown_extra_column_warns_and_is_dropped(
    resources, instance, lake, landing: Path, edit_csv
):
    def add_column(lines):
        return [lines[0].rstrip("\n") + ",SHOE_SIZE\n"] + [
            ln.rstrip("\n") + ",42\n" for ln in lines[1:]
        ]

    edit_csv(landing / SNAPSHOT, "bureau.csv", add_column)
    selection = dg.AssetSelection.assets(
        raw_key("bureau"), raw_key("application_train"), raw_key("application_test")
    )
    result = _run(resources, instance, selection)
    assert result.success
    check = _checks(result)["raw/bureau:contract"]
    assert check.passed
    assert check.metadata["extra_columns_dropped"].value == ["SHOE_SIZE"]
    assert "WARN" in check.description and "SHOE_SIZE" in check.description
    import duckdb

    path = lake.local_path("raw/bureau", SNAPSHOT)
    cols = [
        r[0]
        for r in duckdb.sql(
            f"DESCRIBE SELECT * FROM read_parquet('{path}', hive_partitioning = false)"
        ).fetchall()
    ]
    assert "SHOE_SIZE" not in cols


@pytest.mark.parametrize("chunk_cells", [50_000])
def test_contract_finds_failures_in_every_chunk(
    resources, instance, landing: Path, edit_csv, chunk_cells
):
    """Small chunks: failures spread over many chunks are all counted."""
    folder = landing / SNAPSHOT
    header = (folder / "installments_payments.csv").read_text().splitlines()[0].split(",")
    col = header.index("AMT_PAYMENT")

    def negate_every_1000th(lines):
        for i in range(1, len(lines), 1000):
            f = lines[i].rstrip("\n").split(",")
            f[col] = "-5.0"
            lines[i] = ",".join(f) + "\n"
        return lines

    edit_csv(folder, "installments_payments.csv", negate_every_1000th)
    expected = len(
        range(1, len((folder / "installments_payments.csv").read_text().splitlines()), 1000)
    )
    config = {
        "ops": {"raw__installments_payments_contract": {"config": {"chunk_cells": chunk_cells}}}
    }
    selection = dg.AssetSelection.assets(raw_key("installments_payments"))
    result = _run(resources, instance, selection=selection, run_config=config)
    check = _checks(result)["raw/installments_payments:contract"]
    assert not check.passed
    assert check.metadata["failures"].value[0]["failing_rows"] == expected > 10
