"""The contract in DuckDB gives the same verdict as pandera: every rule of every table, planted.

For each raw table one Parquet file holds a valid row, then per column one row breaking each of
its rules (and a null where nulls are refused, an unknown category where there is a domain).
Both engines must report the same failures: column, check label, failing rows, example ids and
values. Schema defects (a column missing, an extra one, a wrong type) are covered as well.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from creditrisk_assets.contracts import table_contract, validate_parquet
from creditrisk_assets.contracts.columns import ColumnContract, rule_predicate
from creditrisk_assets.contracts.sql_contract import validate_parquet_sql
from creditrisk_assets.schema import RAW_TABLES

ARROW = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}
CANDIDATES = (0, 1, -1, 2, -2, 5, -5, 10, -100, 100, 0.5)


def _valid(col: ColumnContract) -> object:
    if col.categories is not None:
        return sorted(col.categories)[0]
    if col.dtype == "str":
        return "x"
    bounds = [b for kind, arg in col.rules if kind == "range" for b in arg]  # type: ignore[attr-defined]
    bounds += [arg for kind, arg in col.rules if kind in ("ge", "le")]
    for value in (*CANDIDATES, *bounds):
        value = int(value) if col.dtype == "int" else float(value)
        if all(rule_predicate(r)(value) for r in col.rules):
            return value
    raise AssertionError(f"no valid value for {col.table}.{col.name}")


def _breaking(col: ColumnContract) -> list[object]:
    """One value per rule that breaks it (it may break others of the column too)."""
    out: list[object] = []
    for kind, arg in col.rules:
        if kind == "ge":
            bad = arg - 1
        elif kind in ("gt",):
            bad = arg
        elif kind in ("le", "days_or_sentinel"):
            bad = arg + 1
        elif kind == "range":
            bad = arg[1] + 1
        else:  # "in"
            bad = max(arg) + 2
        out.append(int(bad) if col.dtype == "int" else float(bad))
    if col.categories is not None:
        out.append("NOT A CATEGORY")
    if not col.nullable:
        out.append(None)
    return out


def _planted(table: str, path: Path) -> None:
    contract = table_contract(table)
    valid = {c.name: _valid(c) for c in contract}
    rows = [dict(valid)]
    for col in contract:
        for value in _breaking(col):
            row = dict(valid)
            row[col.name] = value
            rows.append(row)
    for i, row in enumerate(rows):  # distinct ids, so examples can be told apart
        for c in contract:
            if c.name.startswith("SK_ID_") and row[c.name] == valid[c.name]:
                row[c.name] = 1000 + i
    arrays = {c.name: pa.array([r[c.name] for r in rows], ARROW[c.dtype]) for c in contract}
    pq.write_table(pa.table(arrays), path)


def _normal(failures: list[dict[str, object]]) -> list[dict[str, object]]:
    """Failures by (column, check); examples as sorted lists: pandera lists a chunk's failure
    cases in its own order, DuckDB in file order, and both name the same rows."""
    out = [
        {k: sorted(v, key=repr) if k.startswith("example_") else v for k, v in f.items()}
        for f in failures
    ]
    return sorted(out, key=lambda f: (str(f["column"]), str(f["check"])))


def _compare(path: Path, table: str) -> list[dict[str, object]]:
    reference = validate_parquet(duckdb.connect(), table, path, chunk_cells=10_000_000)
    report = validate_parquet_sql(duckdb.connect(), table, path)
    assert report.rows == reference.rows
    assert _normal(report.failure_list()) == _normal(reference.failure_list())
    assert report.passed == reference.passed
    return report.failure_list()


@pytest.mark.parametrize("table", RAW_TABLES)
def test_every_rule_fails_the_same_way_in_duckdb_and_pandera(table: str, tmp_path: Path):
    path = tmp_path / f"{table}.parquet"
    _planted(table, path)
    failures = _compare(path, table)
    planted = sum(len(_breaking(c)) for c in table_contract(table))
    assert sum(f["failing_rows"] for f in failures) >= planted  # every planted row is seen
    columns_with_rules = {c.name for c in table_contract(table) if _breaking(c)}
    assert {f["column"] for f in failures} == columns_with_rules


def test_a_clean_file_passes_in_both(tmp_path: Path):
    path = tmp_path / "bureau.parquet"
    contract = table_contract("bureau")
    row = {c.name: _valid(c) for c in contract}
    pq.write_table(
        pa.table({c.name: pa.array([row[c.name]], ARROW[c.dtype]) for c in contract}), path
    )
    report = validate_parquet_sql(duckdb.connect(), "bureau", path)
    assert report.passed and report.rows == 1
    assert report.describe() == "raw/bureau: all 1 rows satisfy the contract"


def test_schema_defects_are_named(tmp_path: Path):
    path = tmp_path / "bureau_balance.parquet"
    duckdb.sql(
        "COPY (SELECT 1.0::DOUBLE AS SK_ID_BUREAU, 'C' AS STATUS, 7 AS SHOE_SIZE) TO '"
        + str(path)
        + "' (FORMAT parquet)"
    )
    report = validate_parquet_sql(duckdb.connect(), "bureau_balance", path)
    checks = {(f["column"], f["check"]) for f in report.failure_list()}
    assert checks == {
        ("SK_ID_BUREAU", "dtype('Int64')"),
        ("raw/bureau_balance", "column_in_dataframe"),
        ("raw/bureau_balance", "column_in_schema"),
    }
    assert "SK_ID_BUREAU failed dtype('Int64')" in report.describe()
