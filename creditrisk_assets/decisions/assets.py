"""``decisions/log``: the decision log in the asset graph, as an observable source asset.

Why a source asset: the log is not computed by a run. Batch scoring appends to it and the API
writes to it continuously, so Dagster cannot materialize it; it can only *observe* it. Each
observation reads the Parquet log (the lake's ``decisions/log``, through the same
``decision_log`` view people query) and reports its row count, rows by channel, days and the
latest decision; the data version changes whenever a decision was added or replaced, so
downstream assets (backtests, production drift) can see that the log moved.

Only the Parquet log is observed: with the PostgreSQL sink (production profile) the API's
decisions are in that table, not in the lake.
"""

from __future__ import annotations

import dagster as dg
import duckdb

from creditrisk_assets.catalog_metadata import DECISION_LOG_KINDS
from creditrisk_assets.decisions.catalog import create_decision_log_view, log_glob
from creditrisk_assets.decisions.sinks import read_sql
from creditrisk_assets.keys import DECISION_LOG
from creditrisk_assets.resources import Lake
from creditrisk_assets.snapshot_asset import asset_spec


@dg.multi_observable_source_asset(
    # A spec (not ``observable_source_asset``) so the log carries kinds and owners in the UI.
    specs=[
        asset_spec(
            DECISION_LOG,
            kinds=DECISION_LOG_KINDS,
            description="Every decision made (batch scores and the API), Parquet by day in "
            "the lake.",
        )
    ]
)
def decision_log(lake: Lake) -> dg.ObserveResult:
    with duckdb.connect() as con:
        create_decision_log_view(con, lake.base_uri)
        [(rows, days, latest)] = con.sql(read_sql("log_summary")).fetchall()
        by_channel = dict(con.sql(read_sql("log_by_channel")).fetchall())
    return dg.ObserveResult(
        asset_key=DECISION_LOG,
        metadata={
            "rows": int(rows),
            "days": int(days),
            "latest_decision": str(latest) if latest is not None else "none",
            "rows_by_channel": {str(k): int(v) for k, v in by_channel.items()},
            "glob": log_glob(lake.base_uri),
        },
        data_version=dg.DataVersion(f"{rows}:{latest}"),
    )
