"""DuckDB sessions run only SQL files from sql/, with values bound, over lake Parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.resources.warehouse import (
    UnknownSqlFile,
    quote_identifier,
    read_sql,
    sql_stamps,
)


@pytest.fixture
def sql_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sql"
    folder.mkdir()
    (folder / "big_loans.sql").write_text(
        "-- loans above a bound threshold\n"
        "SELECT id FROM loans WHERE amount > $threshold ORDER BY id"
    )
    monkeypatch.setenv("CREDITRISK_SQL_DIR", str(folder))
    return folder


def test_only_files_in_sql_folder_are_read(sql_folder: Path) -> None:
    assert "amount > $threshold" in read_sql("big_loans")
    with pytest.raises(UnknownSqlFile, match=r"no sql/\.\./secrets\.sql"):
        read_sql("../secrets")


def test_sql_stamps_change_with_an_edit_and_refuse_what_read_sql_refuses(sql_folder: Path) -> None:
    import os

    ((path, stamp),) = sql_stamps(["big_loans"])
    assert Path(path) == sql_folder / "big_loans.sql"
    os.utime(path, ns=(stamp + 10**9, stamp + 10**9))  # an edit, a second later
    assert sql_stamps(["big_loans"]) == ((path, stamp + 10**9),)
    (sql_folder.parent / "secrets.sql").write_text("SELECT 1")  # exists, outside the folder
    for name in ("missing", "../secrets"):
        with pytest.raises(UnknownSqlFile, match=f"no sql/{name}"):
            sql_stamps(["big_loans", name])


@pytest.mark.parametrize("bad", ['x"; DROP TABLE y; --', "Bureau", "1abc", "a-b"])
def test_identifiers_outside_snake_case_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="refusing identifier"):
        quote_identifier(bad)


def test_session_runs_sql_file_over_parquet_with_bound_params(
    sql_folder: Path, warehouse: Warehouse, tmp_path: Path
) -> None:
    path = tmp_path / "loans.parquet"
    pd.DataFrame({"id": [1, 2, 3], "amount": [10.0, 500.0, 900.0]}).to_parquet(path)
    with warehouse.session() as con:
        warehouse.register_parquet(con, {"loans": path})
        rel = warehouse.run_sql_file(con, "big_loans", {"threshold": 100})
        assert rel is not None
        assert [r[0] for r in rel.fetchall()] == [2, 3]


def test_catalog_exposes_lake_tables(lake: Lake, warehouse: Warehouse) -> None:
    for part, n in [("2026-11-01", 2), ("2026-12-01", 3)]:
        with lake.write_partition("raw/bureau", part) as tmp:
            pd.DataFrame({"x": range(n)}).to_parquet(tmp)
    warehouse.refresh_catalog({"raw_bureau": lake.table_glob("raw/bureau")})
    assert warehouse.catalog_path is not None
    with duckdb.connect(warehouse.catalog_path, read_only=True) as con:
        rows = con.sql(
            "SELECT snapshot_date, count(*) FROM raw_bureau GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert [(str(d), n) for d, n in rows] == [("2026-11-01", 2), ("2026-12-01", 3)]


def test_lake_catalog_lists_every_table_with_partitions(lake: Lake, warehouse: Warehouse) -> None:
    from creditrisk_assets.automation.catalog import refresh_catalog

    for path in ("raw/bureau", "features/feature_store"):
        with lake.write_partition(path, "2026-11-01") as tmp:
            pd.DataFrame({"x": [1, 2]}).to_parquet(tmp)
    views = ["decision_log", "features_feature_store", "raw_bureau"]
    assert refresh_catalog(lake, warehouse) == views
    assert warehouse.catalog_path is not None
    with duckdb.connect(warehouse.catalog_path, read_only=True) as con:
        assert con.sql("SELECT sum(x) FROM raw_bureau").fetchall() == [(3,)]
        # no decision yet: the log's view is there, empty, with its columns
        assert con.sql("SELECT count(*) FROM decision_log").fetchall() == [(0,)]
