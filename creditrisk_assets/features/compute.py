"""Running the feature SQL: a whole snapshot from the lake, or one applicant from memory.

Both paths run the same ``sql/features_*.sql`` files over the same named relations
(``application``, ``bureau``, ``bureau_balance``, ``previous_application``, ``pos_cash_balance``,
``installments_payments``, ``credit_card_balance``, and ``category_codes``), so training, batch
scoring and the API share one definition of every feature (invariant 4, docs/invariants.md):

- batch: the relations are views over the partition's Parquet; each family is materialized as a
  table (timed, so the asset can report where time goes) and ``feature_store.sql`` joins them;
- serving: the relations are Arrow tables built from the request's records with the raw schema's
  types; the family queries are views created once on long-lived, pooled connections
  (``serving_sessions.py``), so a call only swaps the inputs and runs one prepared query.

Categoricals are integer codes (position in the fixed category list of
``creditrisk_assets.schema``; unknown or missing values become NULL), handed to XGBoost as
categorical features ('c'). Measured against one-hot columns from the same lists on a 40k-applicant
synthetic snapshot (benchmarks/RESULTS.md, "Feature store (issue 5)"): test AUC 0.791 (codes) vs
0.794 (one-hot), within noise for 8k test rows; fit CPU 85 s vs 88 s. Equal accuracy and cost,
so the smaller design wins: 334 columns instead of 459 (a narrower store, and less SQL to plan per
API request), one SQL file that does not grow a column per category, and one reason code per
categorical instead of one per category. Because the lists come from the schema, not the data,
one applicant scored alone gets the same codes as the batch.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from creditrisk_assets.features.catalog import categorical_columns
from creditrisk_assets.resources.warehouse import Warehouse
from creditrisk_assets.schema import HISTORY_TABLES, table_spec

#: Per-family SQL files, in join order; each defines a relation of the same name.
FAMILY_FILES: tuple[str, ...] = (
    "features_application",
    "features_bureau",
    "features_previous",
    "features_pos_cash",
    "features_installments",
    "features_credit_card",
)
APPLICATION_FILE = "features_applicants"
STORE_FILE = "feature_store"
SQL_FILES: tuple[str, ...] = (APPLICATION_FILE, *FAMILY_FILES, STORE_FILE)

#: Raw tables each family reads (for timings and the empty-history rule of the contract check).
FAMILY_SOURCES: dict[str, tuple[str, ...]] = {
    "features_application": ("application_train", "application_test"),
    "features_bureau": ("bureau", "bureau_balance"),
    "features_previous": ("previous_application",),
    "features_pos_cash": ("pos_cash_balance",),
    "features_installments": ("installments_payments",),
    "features_credit_card": ("credit_card_balance",),
}
FAMILY_SOURCES_ALL: tuple[str, ...] = tuple(t for ts in FAMILY_SOURCES.values() for t in ts)
# The prepared store query is run with execute(); DuckDB warns on every call that Arrow output
# from a DB-API result copies the rows: for one applicant's row that copy is nothing, while
# con.sql() measured ~5 ms slower. Silence exactly that warning rather than spam the API log.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
_ARROW = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}


@cache
def category_codes() -> pa.Table:
    """(column_name, category, code): every application category and its fixed integer code."""
    app = table_spec("application_train")
    rows = [
        (name, category, code)
        for name in categorical_columns()
        for code, category in enumerate(app.column(name).categories or ())
    ]
    names, categories, codes = zip(*rows, strict=True)
    return pa.table(
        {
            "column_name": pa.array(names, pa.string()),
            "category": pa.array(categories, pa.string()),
            "code": pa.array(codes, pa.int32()),
        }
    )


def register_snapshot(con: duckdb.DuckDBPyConnection, raw_paths: Mapping[str, str]) -> None:
    """Name the partition's raw Parquet files as the relations the SQL reads."""
    missing = [t for t in FAMILY_SOURCES_ALL if t not in raw_paths]
    if missing:
        raise ValueError(f"feature store needs raw tables it was not given: {', '.join(missing)}")
    Warehouse.register_parquet(con, {t: raw_paths[t] for t in FAMILY_SOURCES_ALL})
    con.register("category_codes", category_codes())
    Warehouse.run_sql_file(con, APPLICATION_FILE).create_view("application")


def build_feature_store(
    con: duckdb.DuckDBPyConnection, raw_paths: Mapping[str, str], out_path: str | Path
) -> dict[str, float]:
    """Write the snapshot's feature store to ``out_path`` (Parquet); return seconds per stage."""
    register_snapshot(con, raw_paths)
    timings: dict[str, float] = {}
    for family in FAMILY_FILES:
        start = time.perf_counter()
        Warehouse.run_sql_file(con, family).create(family)
        timings[family] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    Warehouse.run_sql_file(con, STORE_FILE).write_parquet(str(out_path), compression="snappy")
    timings["join_and_write"] = round(time.perf_counter() - start, 3)
    return timings


def feature_store_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, DuckDB type) of the feature store query, once its inputs are registered."""
    rel = Warehouse.run_sql_file(con, STORE_FILE)
    return [(n, str(t)) for n, t in zip(rel.columns, rel.types, strict=True)]


# --------------------------------------------------------------------------- serving
def _relation_spec(name: str):
    return table_spec("application_train" if name == "application" else name)


def empty_input(name: str) -> pa.Table:
    """An input relation with no rows, in the raw schema's columns and types."""
    spec = _relation_spec(name)
    return pa.table({c.name: pa.array([], _ARROW[c.dtype]) for c in spec.columns})


def records_to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    """Raw records of one relation as an Arrow table with the raw schema's columns and types.

    Columns the records lack are NULL; a column the schema does not know, or a value that does
    not fit the column's type, is refused with the relation, column and rows named.
    """
    spec = _relation_spec(name)
    unknown = [c for c in frame.columns if c not in spec.column_names]
    if unknown:
        raise ValueError(f"{name}: unknown column(s) {', '.join(map(str, unknown))}")
    arrays = {}
    for col in spec.columns:
        if col.name not in frame.columns:
            arrays[col.name] = pa.nulls(len(frame), _ARROW[col.dtype])
            continue
        values = frame[col.name]
        try:
            arrays[col.name] = pa.array(values, _ARROW[col.dtype], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as err:
            bad = _bad_rows(values, col.dtype)
            raise ValueError(
                f"{name}: column {col.name} expects {col.dtype} values; "
                f"rows {bad[:10]} do not fit ({err})"
            ) from err
    return pa.table(arrays)


def _bad_rows(values: pd.Series, dtype: str) -> list[int]:
    def fits(v: object) -> bool:
        if v is None or (isinstance(v, float) and v != v):
            return True
        if dtype == "str":
            return isinstance(v, str)
        if dtype == "int":
            return isinstance(v, int) or (isinstance(v, float) and v.is_integer())
        return isinstance(v, int | float)

    return [i for i, v in enumerate(values.tolist()) if not fits(v)]


def features_for_records(
    warehouse: Warehouse,
    application: pd.DataFrame,
    history: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Features of the applicants in ``application`` from their in-memory history records.

    ``application``: raw Kaggle application rows (TARGET optional); ``history``: raw records per
    history table name (absent tables are empty). Returns one float64 row per applicant, indexed
    by SK_ID_CURR, with the feature columns in spec order (categorical codes as floats, NaN for
    missing), computed by the same SQL as the feature store.
    """
    history = dict(history or {})
    unknown = [t for t in history if t not in HISTORY_TABLES]
    if unknown:
        raise ValueError(f"unknown history table(s) {unknown}; known: {', '.join(HISTORY_TABLES)}")
    inputs = {"application": records_to_arrow("application", application)}
    for table, frame in history.items():
        inputs[table] = records_to_arrow(table, frame)
    return features_for_tables(warehouse, inputs)


def rows_to_arrow(name: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Records already validated against the raw schema (the API's request models) as the
    relation's Arrow table; absent columns are NULL. No DataFrame and no per-column checks: for
    one applicant that is ~7 ms less than ``records_to_arrow`` on a frame."""
    try:
        return pa.table(
            {
                c.name: pa.array([r.get(c.name) for r in rows], _ARROW[c.dtype])
                for c in _relation_spec(name).columns
            }
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as err:
        raise ValueError(f"{name}: records do not fit the raw schema ({err})") from err


def features_for_tables(warehouse: Warehouse, inputs: Mapping[str, pa.Table]) -> pd.DataFrame:
    """``features_for_records`` on Arrow tables in the raw schema's types (``application``
    required; absent history tables are empty, as the serving session makes them)."""
    if "application" not in inputs:
        raise KeyError("features_for_tables needs the 'application' table")
    # imported here because that module builds on this one (SQL file names, empty inputs)
    from creditrisk_assets.features.serving_sessions import run_feature_query

    rows = run_feature_query(inputs)
    index = pd.Index(rows.ids, name="SK_ID_CURR")
    return pd.DataFrame(rows.values, index=index, columns=rows.names, copy=False)
