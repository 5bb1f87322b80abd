"""Newly matured labels: applicants who were unlabelled in an earlier snapshot and now have an
outcome. Counted in DuckDB over the lake's raw Parquet (``sql/automation_matured_labels.sql``).
"""

from __future__ import annotations

from collections.abc import Sequence

from creditrisk_assets.keys import raw_path
from creditrisk_assets.resources import Lake, Warehouse

TRAIN, TEST = raw_path("application_train"), raw_path("application_test")


def matured_labels(lake: Lake, warehouse: Warehouse, snapshot: str, earlier: Sequence[str]) -> int:
    """Rows of ``snapshot``'s application_train whose SK_ID_CURR is in the application_test of
    any snapshot in ``earlier``; 0 when there is no earlier test population to mature from."""
    earlier_paths = [lake.local_path(TEST, p) for p in earlier if lake.exists(TEST, p)]
    if not earlier_paths or not lake.exists(TRAIN, snapshot):
        return 0
    with warehouse.session() as con:
        current = con.read_parquet(lake.local_path(TRAIN, snapshot), hive_partitioning=False)
        current.select("SK_ID_CURR").create_view("current_train")
        tests = con.read_parquet(earlier_paths, hive_partitioning=False, union_by_name=True)
        tests.select("SK_ID_CURR").create_view("earlier_test")
        result = Warehouse.run_sql_file(con, "automation_matured_labels")
        assert result is not None
        return int(result.fetchall()[0][0])
