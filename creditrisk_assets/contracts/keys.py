"""Key checks that span rows and tables, pushed into DuckDB SQL (``sql/contract_*.sql``).

Duplicates and orphans need the whole table at once (a hash aggregate, an anti-join), which is
what DuckDB does well over Parquet and what chunked pandas cannot do. The SQL files work over
fixed relation names (``keyed``, ``child_keys``, ``parent_keys``); this module builds those
relations with DuckDB's relational API from the table specs, so no identifier or value is ever
formatted into SQL text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from creditrisk_assets.resources.warehouse import Warehouse
from creditrisk_assets.schema import table_spec

EXAMPLES = 5

#: Parent "table" names in the schema -> the raw tables that hold the parent's keys.
PARENT_TABLES: dict[str, tuple[str, ...]] = {
    "application": ("application_train", "application_test"),
    "bureau": ("bureau",),
    "previous_application": ("previous_application",),
}


@dataclass(frozen=True)
class DuplicateReport:
    table: str
    key: tuple[str, ...]
    rows: int
    duplicated_keys: int
    duplicated_rows: int
    examples: list[dict[str, object]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.duplicated_keys == 0

    def describe(self) -> str:
        key = ", ".join(self.key)
        if self.passed:
            return f"raw/{self.table}: ({key}) is unique over {self.rows} rows"
        return (
            f"raw/{self.table}: {self.duplicated_keys} duplicated ({key}) value(s) over "
            f"{self.duplicated_rows} rows, e.g. {self.examples}"
        )


@dataclass(frozen=True)
class OrphanReport:
    table: str
    column: str
    parent: str
    child_rows: int
    orphan_rows: int
    orphan_keys: int
    tolerance: float
    examples: list[object] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.orphan_rows / self.child_rows if self.child_rows else 0.0

    @property
    def passed(self) -> bool:
        return self.ratio <= self.tolerance

    def describe(self) -> str:
        verdict = "within" if self.passed else "above"
        return (
            f"raw/{self.table}.{self.column} -> {self.parent}: {self.orphan_rows} of "
            f"{self.child_rows} rows ({self.ratio:.4%}) have no parent, {verdict} the tolerance "
            f"{self.tolerance:.4%}; e.g. {self.column} {self.examples}"
        )


def _column(con: duckdb.DuckDBPyConnection, path: str | Path, name: str) -> duckdb.DuckDBPyRelation:
    relation = con.read_parquet(str(path), hive_partitioning=False)
    return relation.select(duckdb.ColumnExpression(name).alias("k"))


def duplicate_keys(con: duckdb.DuckDBPyConnection, table: str, path: str | Path) -> DuplicateReport:
    """Count duplicated primary keys of ``table`` (whose spec must have a key)."""
    key = table_spec(table).key
    if not key or len(key) > 2:
        raise ValueError(f"{table} has no one- or two-column key to check: {key}")
    relation = con.read_parquet(str(path), hive_partitioning=False)
    part = (
        duckdb.ColumnExpression(key[1]) if len(key) == 2 else duckdb.ConstantExpression(0)
    ).alias("part")
    relation.select(duckdb.ColumnExpression(key[0]).alias("id"), part).create_view("keyed")
    result = Warehouse.run_sql_file(con, "contract_duplicate_keys", {"limit": EXAMPLES})
    assert result is not None
    rows, dup_keys, dup_rows, examples = result.fetchall()[0]
    names = [key[0], key[1] if len(key) == 2 else None]
    shown = [
        {**{n: v for n, v in zip(names, e[:2], strict=True) if n}, "copies": e[2]} for e in examples
    ]
    return DuplicateReport(table, key, int(rows), int(dup_keys), int(dup_rows), shown)


def orphan_keys(
    con: duckdb.DuckDBPyConnection,
    table: str,
    path: str | Path,
    column: str,
    parent_paths: Sequence[tuple[str, str | Path]],
    tolerance: float,
) -> OrphanReport:
    """Rows of ``table`` whose ``column`` value is missing from the parent tables' key column.

    ``parent_paths``: (parent table, Parquet path) pairs; the parent key column is ``column``.
    """
    parent = table_spec(table).parents[column]
    _column(con, path, column).create_view("child_keys")
    parents = [_column(con, p, column) for _, p in parent_paths]
    union = parents[0]
    for other in parents[1:]:
        union = union.union(other)
    union.create_view("parent_keys")
    result = Warehouse.run_sql_file(con, "contract_orphan_keys", {"limit": EXAMPLES})
    assert result is not None
    child_rows, orphan_rows, orphan_count, examples = result.fetchall()[0]
    return OrphanReport(
        table=table,
        column=column,
        parent=parent,
        child_rows=int(child_rows),
        orphan_rows=int(orphan_rows),
        orphan_keys=int(orphan_count),
        tolerance=float(tolerance),
        examples=list(examples),
    )


@dataclass(frozen=True)
class OverlapReport:
    """Keys of one table that also appear in another that must be disjoint from it."""

    table: str
    other: str
    column: str
    overlapping_keys: int
    examples: list[object] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.overlapping_keys == 0

    def describe(self) -> str:
        if self.passed:
            return f"raw/{self.table}: no {self.column} also in raw/{self.other}"
        return (
            f"raw/{self.table}: {self.overlapping_keys} {self.column} value(s) also in "
            f"raw/{self.other}, e.g. {self.examples}; the two must be disjoint"
        )


def overlapping_keys(
    con: duckdb.DuckDBPyConnection,
    table: str,
    path: str | Path,
    other: str,
    other_path: str | Path,
    column: str,
) -> OverlapReport:
    """Distinct ``column`` values of ``table`` that ``other`` holds as well (train/test ids)."""
    _column(con, path, column).create_view("left_keys")
    _column(con, other_path, column).create_view("right_keys")
    result = Warehouse.run_sql_file(con, "contract_key_overlap", {"limit": EXAMPLES})
    assert result is not None
    count, examples = result.fetchall()[0]
    return OverlapReport(table, other, column, int(count), list(examples or []))
