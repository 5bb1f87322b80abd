"""The decision log read back from PostgreSQL (production profile: the API logs there, batch
scores stay in the lake). The backtest and production drift must see the API's decisions wherever
the API wrote them; against the PostgreSQL server on 127.0.0.1 (skipped when it is absent)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from creditrisk_assets.decisions import (
    DECISION_SCHEMA,
    ParquetDecisionSink,
    PostgresDecisionSink,
    create_decision_log_view,
    decisions_by_version,
)
from creditrisk_assets.decisions.catalog import POSTGRES_SCHEMA, postgres_decisions
from creditrisk_assets.keys import BACKTEST, lake_path, raw_path
from creditrisk_assets.monitoring.backtest_asset import REPORT_FILE, backtest
from creditrisk_assets.monitoring.production_drift import write_log_scores
from creditrisk_assets.partitions import register_snapshot

DAY1, DAY2 = datetime(2026, 11, 1, 9, tzinfo=UTC), datetime(2026, 11, 2, 23, 59, tzinfo=UTC)
SNAPSHOT = "2026-11-01"  # after the records' training snapshot (2026-10-01)
SINK_VARS = ("CREDITRISK_API_DECISION_LOG_SINK", "CREDITRISK_API_DECISION_LOG_DSN")


def _write_postgres(dsn: str, table: pa.Table) -> None:
    sink = PostgresDecisionSink(dsn)
    try:
        sink.write(table)
    finally:
        sink.close()


def test_postgres_rows_and_the_lake_log_are_one_view(
    tmp_path: Path, pg_schema_dsn: str, records: Callable[..., pa.Table]
) -> None:
    dsn = pg_schema_dsn

    def copied(**kwargs) -> pa.Table:
        out = tmp_path / "api_decisions.parquet"
        written = postgres_decisions(dsn, out, **kwargs)
        rows = pq.read_table(out)
        assert rows.num_rows == written
        return rows

    none_yet = copied()  # no API decision yet: no table, a file of no rows
    assert none_yet.num_rows == 0 and none_yet.schema == POSTGRES_SCHEMA
    api = records(30, version=2, decided_at=DAY1, first_id=500_000)
    rows_json = [json.dumps({"EXT_SOURCE_2": i / 30, "AMT_CREDIT": 45000.0 * i}) for i in range(30)]
    api = api.set_column(
        api.schema.get_field_index("feature_row"), "feature_row", pa.array(rows_json)
    )
    batch = records(20, version=2, decided_at=DAY2, channel="batch", first_id=600_000)
    _write_postgres(dsn, api)
    ParquetDecisionSink(tmp_path / "lake").write(batch)

    rows = copied(batch_rows=7)  # several server-side batches, each written as it comes
    assert pq.ParquetFile(tmp_path / "api_decisions.parquet").num_row_groups == 5
    assert rows.schema == POSTGRES_SCHEMA and rows.num_rows == 30
    plain = [n for n in DECISION_SCHEMA.names if n != "feature_row"]
    expected = api.sort_by("decision_id")
    assert rows.select(plain).to_pylist() == expected.select(plain).to_pylist()
    assert [json.loads(r) for r in rows["feature_row"].to_pylist()] == [
        json.loads(r) for r in expected["feature_row"].to_pylist()
    ]  # jsonb re-spaces the text; the values are the same

    with duckdb.connect() as con:
        create_decision_log_view(con, tmp_path / "lake", tmp_path / "api_decisions.parquet")
        assert decisions_by_version(con, "creditrisk_pd", 2).num_rows == 50
        by_day = con.sql(
            "SELECT channel, day, count(*) FROM decision_log GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        assert by_day == [("api_predict", date(2026, 11, 1), 30), ("batch", date(2026, 11, 2), 20)]
        out = tmp_path / "scores.parquet"
        copy = tmp_path / "api_decisions.parquet"
        assert write_log_scores(con, str(tmp_path / "lake"), "creditrisk_pd", "2", out, copy) == 50

    # "earlier" is strict, and the snapshot is a bound value, never SQL
    assert copied(training_before="2026-10-01").num_rows == 0
    assert copied(training_before="2026-10-02").num_rows == 30
    assert copied(training_before="' OR true --").num_rows == 0


def test_the_backtest_asset_reads_the_api_decisions_where_the_api_logs(
    pg_schema_dsn: str,
    records: Callable[..., pa.Table],
    lake,
    warehouse,
    registry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batch decisions in the lake, API decisions in PostgreSQL: with the API's sink set to
    postgres the backtest scores both channels; with the default sink, only the lake's."""
    batch = records(150, channel="batch", decided_at=DAY1, first_id=100_000)
    api = records(120, channel="api_predict", decided_at=DAY2, first_id=200_000)
    ParquetDecisionSink(lake.base_uri).write(batch)
    _write_postgres(pg_schema_dsn, api)
    decided = pa.concat_tables([batch, api])
    rng = np.random.default_rng(5)
    outcomes = pd.DataFrame(
        {
            "SK_ID_CURR": decided["applicant_id"].to_numpy(),
            "TARGET": (rng.random(decided.num_rows) < decided["pd"].to_numpy()).astype(int),
        }
    )
    with lake.write_partition(raw_path("application_train"), SNAPSHOT) as path:
        outcomes.to_parquet(path)
    instance = dg.DagsterInstance.ephemeral()
    register_snapshot(instance, SNAPSHOT)

    def run_backtest() -> dict:
        result = dg.materialize(
            [backtest],
            partition_key=SNAPSHOT,
            instance=instance,
            resources={"lake": lake, "warehouse": warehouse, "registry": registry},
        )
        assert result.success
        return lake.read_json(lake_path(BACKTEST), SNAPSHOT, REPORT_FILE)

    for var in SINK_VARS:
        monkeypatch.delenv(var, raising=False)
    lake_only = run_backtest()
    assert lake_only["n"] == 150
    assert lake_only["versions"][0]["by_channel"] == {"batch": 150}

    monkeypatch.setenv(SINK_VARS[0], "postgres")
    monkeypatch.setenv(SINK_VARS[1], pg_schema_dsn)
    both = run_backtest()
    assert both["n"] == 270
    [version] = both["versions"]
    assert version["by_channel"] == {"batch": 150, "api_predict": 120}
    assert version["defaults"] == int(outcomes["TARGET"].sum())
    assert version["auc"] is not None  # scored: both outcomes occur


def test_a_postgres_sink_without_a_dsn_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from creditrisk_assets import settings

    monkeypatch.setenv(SINK_VARS[0], "postgres")
    monkeypatch.delenv(SINK_VARS[1], raising=False)
    with pytest.raises(ValueError, match="CREDITRISK_API_DECISION_LOG_DSN"):
        settings.api_decision_log_dsn()
    monkeypatch.setenv(SINK_VARS[0], "Postgres")  # the API's settings refuse it: so do these
    with pytest.raises(ValueError, match="'parquet' or 'postgres'"):
        settings.api_decision_log_dsn()
    monkeypatch.setenv(SINK_VARS[0], "parquet")
    assert settings.api_decision_log_dsn() is None
