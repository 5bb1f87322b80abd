"""The raw contracts: domain rules on hand-made rows, and the real Kaggle samples passing them."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from creditrisk_assets.contracts import raw_schema, raw_schemas, validate_parquet
from creditrisk_assets.ingest import defs as ingest_defs
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.partitions import register_snapshot
from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.schema import HISTORY_TABLES, RAW_TABLES, table_spec

SNAPSHOT = "2026-11-01"


def _bureau_rows(**overrides) -> pd.DataFrame:
    """Two valid bureau rows (typed as the lake reads them back), with column overrides."""
    spec = table_spec("bureau")
    base: dict[str, list] = {}
    for c in spec.columns:
        if c.categories:
            base[c.name] = [c.categories[0]] * 2
        elif c.dtype == "int":
            base[c.name] = pd.array([1, 2], dtype="Int64")
        else:
            base[c.name] = [0.0, 0.0]
    base["DAYS_CREDIT"] = pd.array([-100, -200], dtype="Int64")
    base.update(overrides)
    return pd.DataFrame(base)[spec.column_names]


def test_every_table_has_a_schema_with_its_spec_columns():
    schemas = raw_schemas()
    assert set(schemas) == set(RAW_TABLES)
    for table, schema in schemas.items():
        assert list(schema.columns) == table_spec(table).column_names
        assert schema.strict is True


def test_rules_accept_valid_rows_and_reject_each_violation():
    schema = raw_schema("bureau")
    schema.validate(_bureau_rows())
    bad = {
        "AMT_CREDIT_SUM_OVERDUE": [0.0, -1.0],  # negative amount
        "CREDIT_ACTIVE": ["Closed", "Frozen"],  # unknown category
        "DAYS_CREDIT": pd.array([-1, 5], dtype="Int64"),  # a date in the future
        "SK_ID_BUREAU": pd.array([1, None], dtype="Int64"),  # null key
    }
    for column, values in bad.items():
        with pytest.raises(Exception, match=column):
            schema.validate(_bureau_rows(**{column: values}), lazy=True)


def test_days_employed_positive_only_as_sentinel():
    schema = raw_schema("application_train")
    column = schema.columns["DAYS_EMPLOYED"]
    ok = pd.Series(pd.array([-100, 0, 365243], dtype="Int64"), name="DAYS_EMPLOYED")
    column.validate(ok.to_frame())
    with pytest.raises(Exception, match="sentinel_365243"):
        column.validate(
            pd.Series(pd.array([-5, 1000], dtype="Int64"), name="DAYS_EMPLOYED").to_frame()
        )


def test_int_columns_read_back_as_nullable_ints_from_parquet(tmp_path: Path):
    """Integers with nulls must not silently become floats between the lake and the contract."""
    path = tmp_path / "bureau_balance.parquet"
    duckdb.sql(
        "COPY (SELECT 1::BIGINT AS SK_ID_BUREAU, 0::BIGINT AS MONTHS_BALANCE, 'C' AS STATUS "
        "UNION ALL SELECT 2, NULL, 'X') TO '" + str(path) + "' (FORMAT parquet)"
    )
    report = validate_parquet(duckdb.connect(), "bureau_balance", path)
    assert report.rows == 2
    assert [(f["column"], f["failing_rows"]) for f in report.failure_list()] == [
        ("MONTHS_BALANCE", 1)
    ]
    assert report.failure_list()[0]["example_SK_ID_BUREAU"] == [2]


def _landing_with_links(root: Path, files: dict[str, Path]) -> Path:
    """A landing snapshot of symlinks to the real samples (never copied into the project)."""
    folder = root / SNAPSHOT
    folder.mkdir(parents=True)
    for name, target in files.items():
        (folder / name).symlink_to(target)
    return root


def _ingest_with_checks(
    landing: Path, state_home: Path, run_config=None
) -> dg.ExecuteInProcessResult:
    resources = {
        "source": SnapshotSource(kind="landing", landing_dir=str(landing)),
        "lake": Lake(base_uri=str(state_home / "lake")),
        "warehouse": Warehouse(),
    }
    defs = dg.Definitions.merge(ingest_defs, dg.Definitions(resources=resources))
    instance = dg.DagsterInstance.ephemeral()
    register_snapshot(instance, SNAPSHOT)
    return defs.resolve_job_def("ingest_job").execute_in_process(
        partition_key=SNAPSHOT, instance=instance, raise_on_error=False, run_config=run_config
    )


def _failed(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e.description or ""
        for e in result.get_asset_check_evaluations()
        if not e.passed
    }


def test_real_application_sample_passes_as_application_only_snapshot(
    shared_data: Path, tmp_path: Path, state_home: Path
):
    landing = _landing_with_links(
        tmp_path / "landing",
        {"application_train.csv": shared_data / "application_sample" / "application_train.csv"},
    )
    result = _ingest_with_checks(landing, state_home)
    assert _failed(result) == {}
    assert result.success
    rows = {
        e.asset_key.path[-1]: e.materialization.metadata["dagster/row_count"].value
        for e in result.get_asset_materialization_events()
    }
    assert rows["application_train"] == 5000
    assert all(rows[t] == 0 for t in HISTORY_TABLES)


def test_real_table_samples_pass_with_key_integrity_relaxed(
    shared_data: Path, tmp_path: Path, state_home: Path
):
    samples = shared_data / "table_samples"
    files = {table_spec(t).file: samples / table_spec(t).file for t in RAW_TABLES}
    landing = _landing_with_links(tmp_path / "landing", files)
    relaxed = {
        "ops": {
            f"raw__{t}_key_integrity": {"config": {"max_orphan_ratio": 1.0}}
            for t in RAW_TABLES
            if table_spec(t).parents
        }
    }
    result = _ingest_with_checks(landing, state_home, relaxed)
    assert _failed(result) == {}
    assert result.success
    passed = {
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
    }
    assert len(passed) == 29
