"""CSV -> Parquet for one raw table, entirely inside DuckDB.

Why it is shaped like this:

- The header is read first (one line, in Python) and compared with the table's spec by *name*:
  DuckDB's ``read_csv(columns=...)`` assigns columns by position, so a reordered, missing or
  extra column must be caught before the read, not discovered as garbage values after it.
- Types come from ``creditrisk_assets.schema`` (``TableSpec.duckdb_types``), never sniffed: text
  in ``AMT_CREDIT`` is an error, not a VARCHAR column. Numbers are read as DOUBLE and written
  through the guards of ``contracts.numbers``: a fractional value in an integer column or a
  non-finite number fails the load, naming column, ids and values (DuckDB would round ``0.51``
  to 1 in a BIGINT column).
- A gzip or zip file named ``.csv`` and text that is not UTF-8 are named as such
  (``contracts.delivery``), not left to a decoder's byte position.
- Unparseable values and lines with the wrong field count are collected by DuckDB
  (``store_rejects``) and the load fails naming the table, line numbers, ids and columns: a
  truncated file or a garbage trailer row never becomes a partition. Blank lines are tolerated.
- Extra columns the spec does not know are dropped (the Parquet always has exactly the spec's
  columns, in spec order) and reported, so downstream SQL sees one stable schema.
- The Parquet is written by DuckDB straight from the CSV scan; the big tables never touch pandas.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from creditrisk_assets.contracts.delivery import RawDataError, not_utf8, sniff_text_file
from creditrisk_assets.contracts.numbers import (
    bad_numbers,
    guarded_columns,
    is_guard_error,
    read_types,
)
from creditrisk_assets.resources.warehouse import Warehouse
from creditrisk_assets.schema import TableSpec

REJECT_EXAMPLES = 5
PARQUET_OPTIONS = {"compression": "zstd"}


class RawFileError(RawDataError):
    """A raw file that cannot become a partition; the message names table, columns and lines
    (short), ``details`` the full lists (all example lines, ids and values)."""


@dataclass(frozen=True)
class LoadResult:
    rows: int
    header: list[str]
    extra_columns: list[str] = field(default_factory=list)


def read_header(path: Path, where: str = "") -> list[str] | None:
    """The CSV's header fields, or None if the file has no header line at all (0 bytes)."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", newline="", encoding="utf-8-sig") as fh:
            first = fh.readline()
    except UnicodeDecodeError as err:
        raise not_utf8(where or str(path), path.name, err.object, err.start) from None
    except gzip.BadGzipFile as err:
        raise RawFileError(f"{where or path}: {path.name} is not valid gzip: {err}") from None
    if not first.strip():
        return None
    return next(csv.reader(io.StringIO(first)))


def check_header(spec: TableSpec, header: list[str] | None, file_name: str) -> list[str]:
    """Validate a header against the spec; return the extra (unknown) columns.

    Raises ``RawFileError`` for an empty file, duplicated names or missing columns.
    """
    where = f"raw/{spec.name}: {file_name}"
    if header is None:
        raise RawFileError(
            f"{where} is empty (no header line); a table without rows must still carry its "
            "header, or be left out of the snapshot"
        )
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise RawFileError(f"{where}: column(s) appear more than once in the header: {dupes}")
    missing = [c for c in spec.column_names if c not in header]
    if missing:
        raise RawFileError(
            f"{where}: missing column(s) {missing} required by the {spec.name} contract "
            f"({len(header)} columns present)"
        )
    return [c for c in header if c not in spec.duckdb_types]


def load_csv(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, csv_path: Path, out: Path, file_name: str
) -> LoadResult:
    """Load ``csv_path`` into a Parquet file at ``out`` with the spec's columns and types."""
    where = f"raw/{spec.name}"
    if csv_path.suffix.lower() != ".gz":
        sniff_text_file(csv_path, file_name, where)
    header = read_header(csv_path, where)
    extras = check_header(spec, header, file_name)
    assert header is not None
    types = read_types(spec)
    columns = {name: types.get(name, "VARCHAR") for name in header}
    params = {"path": str(csv_path), "columns": columns}
    relation = Warehouse.run_sql_file(con, "ingest_read_csv", params)
    assert relation is not None
    try:
        relation.select(*guarded_columns(spec)).write_parquet(str(out), **PARQUET_OPTIONS)
    except duckdb.Error as err:
        if is_guard_error(err):
            again = Warehouse.run_sql_file(con, "ingest_read_csv", params)
            assert again is not None
            bad = bad_numbers(con, again, spec)
            raise RawFileError(bad.describe(file_name), {"bad_numbers": bad.problems}) from None
        raise RawFileError(f"{where}: {file_name} could not be read: {err}") from err
    _raise_on_rejects(con, spec, file_name, header[0])
    rows = con.execute("SELECT count(*) FROM read_parquet($p)", {"p": str(out)}).fetchone()
    return LoadResult(rows=int(rows[0]) if rows else 0, header=header, extra_columns=extras)


def write_empty(con: duckdb.DuckDBPyConnection, spec: TableSpec, out: Path) -> None:
    """A zero-row Parquet with the spec's columns and types (a table the snapshot lacks)."""
    relation = con.values([None] * len(spec.columns)).limit(0)
    casts = [
        duckdb.ColumnExpression(f"col{i}").cast(duckdb.sqltype(spec.duckdb_types[c])).alias(c)
        for i, c in enumerate(spec.column_names)
    ]
    relation.select(*casts).write_parquet(str(out), **PARQUET_OPTIONS)


def _raise_on_rejects(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, file_name: str, first_column: str
) -> None:
    rejects = Warehouse.run_sql_file(con, "ingest_rejects", {"limit": REJECT_EXAMPLES})
    rows = rejects.fetchall() if rejects is not None else []
    if not rows:
        return
    total = int(rows[0][5])
    lines = [
        {
            "line": int(line),
            "column": column,
            "error": error_type,
            first_column: (csv_line or "").split(",")[0],
            "message": message.splitlines()[0],
        }
        for line, column, error_type, csv_line, message, _ in rows
    ]
    first = lines[0]
    if first["error"] in {"INVALID ENCODING", "INVALID UNICODE"}:
        lead = f"{file_name} is not UTF-8 text (re-export it as UTF-8)"
    else:
        lead = f"{file_name} has {total} malformed line(s) (wrong type or field count)"
    raise RawFileError(
        f"raw/{spec.name}: {lead}; nothing was written for this partition. First: line "
        f"{first['line']}: {first['error']} in column {first['column']!r} ({first_column} "
        f"{first[first_column]!r}): {first['message']}",
        {"bad_lines": total, "first_bad_lines": lines},
    )
