"""The hand-query catalog: one DuckDB file with a view per lake table, kept current.

Pipelines never read it (they compute in in-memory sessions over Parquet); it is for people:
``duckdb .creditrisk/catalog.duckdb`` then ``SELECT * FROM features_feature_store WHERE
snapshot_date = '2026-11-01'``, or ``SELECT * FROM decision_log`` (every decision, see
``decisions/catalog.py``). It is refreshed after every successful run and by
``python -m creditrisk_assets.cli catalog``.
"""

import re
from pathlib import Path

import dagster as dg
import duckdb

from creditrisk_assets.decisions.catalog import DECISION_LOG_VIEW, create_decision_log_view
from creditrisk_assets.resources import Lake, Warehouse

_PARTITION_FILE = re.compile(r"^([a-z_]+)/([a-z_]+)/snapshot_date=\d{4}-\d{2}-\d{2}/data\.parquet$")


def view_name(asset_path: str) -> str:
    """The catalog view of a lake table: its lake path with ``_`` for ``/`` (``raw_bureau``)."""
    return asset_path.replace("/", "_")


def lake_tables(lake: Lake) -> dict[str, str]:
    """View name (``raw_bureau``) -> glob over every partition, for tables in a local lake."""
    base = Path(lake.base_uri)
    if lake.base_uri.startswith("s3://") or not base.is_dir():
        return {}
    tables: dict[str, str] = {}
    for path in sorted(base.glob("*/*/snapshot_date=*/data.parquet")):
        match = _PARTITION_FILE.match(path.relative_to(base).as_posix())
        if match:
            asset_path = f"{match[1]}/{match[2]}"
            tables[view_name(asset_path)] = lake.table_glob(asset_path)
    return tables


def refresh_catalog(lake: Lake, warehouse: Warehouse) -> list[str]:
    """Rewrite the catalog's views; return their names.

    A local lake also gets the ``decision_log`` view (empty, with every column, before the first
    decision). Like the table views it is skipped for an S3 lake, whose catalog would need the
    bucket's credentials at query time.
    """
    tables = lake_tables(lake)
    if lake.base_uri.startswith("s3://"):
        warehouse.refresh_catalog(tables)
        return sorted(tables)
    root = lake.base_uri

    def decision_log(con: duckdb.DuckDBPyConnection) -> None:
        create_decision_log_view(con, root)

    warehouse.refresh_catalog(tables, extra=[decision_log])
    return sorted([*tables, DECISION_LOG_VIEW])


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="catalog_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After each successful run, refresh the DuckDB catalog of lake views.",
)
def catalog_sensor(context: dg.RunStatusSensorContext, lake: Lake, warehouse: Warehouse) -> None:
    views = refresh_catalog(lake, warehouse)
    context.log.info(f"catalog refreshed after run {context.dagster_run.run_id}: {views}")
