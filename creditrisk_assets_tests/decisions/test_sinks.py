"""Sinks: Parquet parts by day written atomically and idempotently; a PostgreSQL table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from creditrisk_assets.decisions import ParquetDecisionSink, PostgresDecisionSink
from creditrisk_assets.decisions import sinks as sinks_module

DAY1 = datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC)
DAY2 = datetime(2026, 11, 2, 0, 0, 1, tzinfo=UTC)


def _parts(root: Path) -> list[Path]:
    return sorted((root / "decisions" / "log").glob("day=*/*.parquet"))


def test_parquet_parts_by_day(tmp_path: Path, records: Callable[..., pa.Table]) -> None:
    sink = ParquetDecisionSink(tmp_path)
    batch = pa.concat_tables([records(30, decided_at=DAY1), records(20, decided_at=DAY2)])
    assert sink.write(batch) == 50
    parts = _parts(tmp_path)
    assert [p.parent.name for p in parts] == ["day=2026-11-01", "day=2026-11-02"]
    assert parts[0].name.startswith("part-20261101T235959000000Z-")
    assert [pq.read_table(p).num_rows for p in parts] == [30, 20]
    assert pq.read_table(parts[1]).column("decided_at").to_pylist()[0] == DAY2
    # nothing else is left in the folders (no temporary files)
    assert sorted(p for p in (tmp_path / "decisions").rglob("*") if p.is_file()) == parts


def test_a_retried_batch_does_not_duplicate(
    tmp_path: Path, records: Callable[..., pa.Table]
) -> None:
    sink = ParquetDecisionSink(tmp_path)
    batch = records(10, decided_at=DAY1)
    sink.write(batch)
    sink.write(batch)
    assert len(_parts(tmp_path)) == 1
    sink.write(records(10, decided_at=DAY1, first_id=500_000))
    assert len(_parts(tmp_path)) == 2


def test_a_failed_write_leaves_no_part(
    tmp_path: Path, records: Callable[..., pa.Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pq.write_table

    def half_then_fail(table: pa.Table, where: object, **kwargs: object) -> None:
        real(table.slice(0, 1), where, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(sinks_module.pq, "write_table", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        ParquetDecisionSink(tmp_path).write(records(5, decided_at=DAY1))
    left = [p for p in (tmp_path / "decisions").rglob("*") if p.is_file()]
    assert left == []


def test_parquet_on_an_fsspec_filesystem(records: Callable[..., pa.Table]) -> None:
    fs = fsspec.filesystem("memory")
    root = "/lake-test-decisions"
    try:
        sink = ParquetDecisionSink(root, filesystem=fs)
        sink.write(records(7, decided_at=DAY1))
        found = fs.glob(f"{root}/decisions/log/day=2026-11-01/*.parquet")
        assert len(found) == 1 and not fs.glob(f"{root}/decisions/log/day=2026-11-01/.*")
        with fs.open(found[0], "rb") as fh:
            assert pq.read_table(fh).num_rows == 7
    finally:
        fs.rm(root, recursive=True)


def test_postgres_sink_round_trip(
    pg_table: tuple[str, str], records: Callable[..., pa.Table]
) -> None:
    """The table name has a dash, a space and capitals: it is quoted, never formatted in."""
    import psycopg2
    from psycopg2 import sql

    dsn, table = pg_table
    with pytest.raises(ValueError):
        PostgresDecisionSink(dsn, table="a.b.c")
    batch = records(25, version=4, decided_at=DAY1)
    sink = PostgresDecisionSink(dsn, table=table)
    try:
        assert sink.write(batch) == 25
        sink.write(batch)  # a retried batch inserts nothing twice
        other = records(5, version=5, decided_at=DAY2, first_id=900_000)
        sink.write(other)
    finally:
        sink.close()
    con = psycopg2.connect(dsn)
    try:
        with con.cursor() as cur:
            query = sql.SQL(
                "SELECT model_version, count(*), min(decided_at), sum(cardinality(reason_codes)) "
                "FROM {} GROUP BY model_version ORDER BY model_version"
            ).format(sql.Identifier(table))
            cur.execute(query)
            rows = cur.fetchall()
            cur.execute(
                sql.SQL(
                    "SELECT pd, applicant_id, reason_codes FROM {} WHERE decision_id = %s"
                ).format(sql.Identifier(table)),
                [batch["decision_id"][2].as_py()],
            )
            one = cur.fetchone()
    finally:
        con.close()

    def reasons(t: pa.Table) -> int:
        return sum(len(r) for r in t["reason_codes"].to_pylist())

    assert rows == [("4", 25, DAY1, reasons(batch)), ("5", 5, DAY2, reasons(other))]
    assert one == (batch["pd"][2].as_py(), 100_004, ["EXT_SOURCE_2", "AMT_CREDIT"])
