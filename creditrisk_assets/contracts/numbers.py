"""Strict numbers at load time: integers are integral, numbers are finite.

DuckDB's CSV reader turns ``0.51`` in a BIGINT column into 1 and ``1.7`` into 2 without a word,
which flips a ``TARGET`` label; and ``inf``, ``1e400`` or ``NaN`` are valid DOUBLEs. So every
numeric column is read as DOUBLE and written through a guard (``guarded_columns``): an integer
column is cast to BIGINT only when its value is integral and exactly representable, any number
only when it is finite; otherwise DuckDB's ``error()`` stops the write, so nothing is published.
On that (rare) path ``bad_numbers`` scans the file once more in SQL
(``sql/ingest_bad_numbers.sql``) to name every offending column with its row count, ids and
values. The happy path costs one comparison per numeric cell.

A CSV has no number types, so ``2.0`` in an integer column is the integer 2 (pandas writes
integer columns with missing values that way); JSON does, and the API takes JSON integers only.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from creditrisk_assets.contracts.bounds import ID_MAX
from creditrisk_assets.resources.warehouse import Warehouse
from creditrisk_assets.schema import TableSpec

GUARD_PREFIX = "creditrisk-number-guard:"
EXAMPLES = 5


def read_types(spec: TableSpec) -> dict[str, str]:
    """Column -> the DuckDB type to *read* it as: numbers as DOUBLE, so nothing is rounded."""
    return {c.name: "VARCHAR" if c.dtype == "str" else "DOUBLE" for c in spec.columns}


def _guard(name: str, kind: str) -> duckdb.Expression:
    col = duckdb.ColumnExpression(name)
    finite = duckdb.FunctionExpression("isfinite", col)
    if kind == "int":
        integral = col == duckdb.FunctionExpression("trunc", col)
        small = duckdb.FunctionExpression("abs", col) <= duckdb.ConstantExpression(float(ID_MAX))
        ok = col.isnull() | (finite & integral & small)
        target = duckdb.sqltype("BIGINT")
    else:
        ok = col.isnull() | finite
        target = duckdb.sqltype("DOUBLE")
    stop = duckdb.FunctionExpression("error", duckdb.ConstantExpression(GUARD_PREFIX + name))
    return duckdb.CaseExpression(ok, col.cast(target)).otherwise(stop.cast(target)).alias(name)


def guarded_columns(spec: TableSpec) -> list[duckdb.Expression]:
    """The spec's columns in order, numbers behind their guard, text as read."""
    return [
        duckdb.ColumnExpression(c.name) if c.dtype == "str" else _guard(c.name, c.dtype)
        for c in spec.columns
    ]


def is_guard_error(err: duckdb.Error) -> bool:
    return GUARD_PREFIX in str(err)


@dataclass(frozen=True)
class BadNumbers:
    """Every column holding values a number guard refused, with examples."""

    table: str
    id_column: str
    problems: list[dict[str, object]]

    def describe(self, file_name: str) -> str:
        parts = [
            f"{p['column']} {p['problem']} in {p['rows']} row(s), e.g. {self.id_column} "
            f"{p['example_ids'][:3]} = {p['example_values'][:3]}"  # type: ignore[index]
            for p in self.problems
        ]
        return (
            f"raw/{self.table}: {file_name} has numbers the contract refuses "
            f"(integer columns take whole numbers, every number must be finite); nothing was "
            f"written for this partition: " + "; ".join(parts)
        )


def bad_numbers(
    con: duckdb.DuckDBPyConnection, relation: duckdb.DuckDBPyRelation, spec: TableSpec
) -> BadNumbers:
    """Scan the raw relation (numbers read as DOUBLE) for what the guards refuse."""
    id_column = spec.key[0] if spec.key else spec.column_names[0]
    numeric = [c.name for c in spec.columns if c.dtype != "str"]
    ints = [c.name for c in spec.columns if c.dtype == "int"]
    wide = relation.select(
        duckdb.ColumnExpression(id_column).alias("__row_id"),
        *[duckdb.ColumnExpression(c) for c in numeric],
    )
    wide.create_view("raw_numbers_wide")
    result = Warehouse.run_sql_file(
        con,
        "ingest_bad_numbers",
        {"int_columns": ints, "id_max": float(ID_MAX), "limit": EXAMPLES},
    )
    assert result is not None
    problems = [
        {
            "column": column,
            "problem": problem,
            "rows": int(rows),
            "example_ids": list(ids),
            "example_values": list(values),
        }
        for column, problem, rows, ids, values in result.fetchall()
    ]
    return BadNumbers(spec.name, id_column, problems)
