"""The DuckDB view over the Parquet log answers "every decision made by version N"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from creditrisk_assets.decisions import (
    DECISION_SCHEMA,
    ParquetDecisionSink,
    create_decision_log_view,
    decisions_by_version,
)


def test_every_decision_made_by_version_n(tmp_path: Path, records: Callable[..., pa.Table]) -> None:
    root = tmp_path / "it's the lake"  # a quote in the path: the literal is escaped
    sink = ParquetDecisionSink(root)
    day1, day2 = datetime(2026, 11, 1, 9, tzinfo=UTC), datetime(2026, 11, 2, 9, tzinfo=UTC)
    v2_first = records(40, version=2, decided_at=day1, first_id=200_000)
    sink.write(records(30, version=1, decided_at=day1))
    sink.write(v2_first)
    sink.write(records(15, version=2, decided_at=day2, first_id=300_000, channel="batch"))

    catalog = tmp_path / "catalog.duckdb"
    with duckdb.connect(str(catalog)) as con:
        create_decision_log_view(con, root)
    with duckdb.connect(str(catalog), read_only=True) as con:  # the view persists in the file
        v2 = decisions_by_version(con, "creditrisk_pd", 2)
        assert v2.num_rows == 55
        assert decisions_by_version(con, "creditrisk_pd", "1").num_rows == 30
        assert decisions_by_version(con, "creditrisk_pd", 3).num_rows == 0
        times = v2["decided_at"].to_pylist()
        assert times == sorted(times)
        assert v2["decision_id"].to_pylist()[:40] == sorted(v2_first["decision_id"].to_pylist())
        days = con.sql("SELECT day, count(*) FROM decision_log GROUP BY day ORDER BY day")
        assert days.fetchall() == [(date(2026, 11, 1), 70), (date(2026, 11, 2), 15)]
        channels = con.sql(
            "SELECT channel, count(*) FROM decision_log WHERE model_version = '2' "
            "GROUP BY channel ORDER BY channel"
        ).fetchall()
        assert channels == [("api_predict", 40), ("batch", 15)]


def test_the_view_exists_before_the_first_decision(tmp_path: Path) -> None:
    with duckdb.connect() as con:
        create_decision_log_view(con, tmp_path / "empty lake")
        columns = [d[0] for d in con.sql("SELECT * FROM decision_log").description]
        assert columns == [*DECISION_SCHEMA.names, "day"]
        assert decisions_by_version(con, "creditrisk_pd", 1).num_rows == 0
