"""Running the feature SQL over a whole snapshot from the lake (the API's path is in serving/).

Both paths run the same ``sql/features_*.sql`` files over the same named relations
(``application``, ``bureau``, ``bureau_balance``, ``previous_application``, ``pos_cash_balance``,
``installments_payments``, ``credit_card_balance``, and ``category_codes``), so training, batch
scoring and the API share one definition of every feature (invariant 4, docs/invariants.md):

- batch: the relations are views over the partition's Parquet; each family is materialized as a
  table (timed, so the asset can report where time goes) and ``feature_store.sql`` joins them;
- serving (``creditrisk_assets.serving.feature_sessions``): the relations are Arrow tables built
  from the request's records with the raw schema's types; the family queries are views created
  once on long-lived, pooled connections, so a call only swaps the inputs and runs one prepared
  query.

The file names are in ``sql_files.py``, which both paths import; this module knows nothing of
the serving one.

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
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from creditrisk_assets.features.catalog import categorical_columns
from creditrisk_assets.features.sql_files import (
    APPLICATION_FILE,
    FAMILY_FILES,
    FAMILY_SOURCES_ALL,
    STORE_FILE,
)
from creditrisk_assets.resources.warehouse import Warehouse
from creditrisk_assets.schema import table_spec


@cache
def category_codes() -> pa.Table:
    """One row: a column per application categorical, each a MAP of category to fixed code.

    The codes are positions in the schema's category lists. The relation is wide and has one row
    so the feature SQL only looks codes up (``m.COLUMN[value]``): built here once per process
    instead of pivoted from a long table by the SQL, which cost the API ~5 ms on every request.
    """
    app = table_spec("application_train")
    map_type = pa.map_(pa.string(), pa.int32())
    return pa.table(
        {
            name: pa.array(
                [[(category, code) for code, category in enumerate(app.column(name).categories)]],
                map_type,
            )
            for name in categorical_columns()
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
