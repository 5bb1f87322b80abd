"""Batch decisions: one part per snapshot and model version, replaced by a re-run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from creditrisk_assets.decisions import create_decision_log_view
from creditrisk_assets.decisions.batch import reason_lists, record_batch
from creditrisk_assets.resources import Lake
from creditrisk_assets_tests.decisions.conftest import make_records

SNAPSHOT = "2026-11-01"
DAY1 = datetime(2026, 11, 2, 9, tzinfo=UTC)
DAY2 = datetime(2026, 11, 5, 9, tzinfo=UTC)


def _count(root: str) -> list[tuple]:
    with duckdb.connect() as con:
        create_decision_log_view(con, root)
        sql = "SELECT model_version, count(*), min(day) FROM decision_log GROUP BY 1 ORDER BY 1"
        return [(v, n, str(d)) for v, n, d in con.sql(sql).fetchall()]


def test_a_rerun_on_another_day_replaces_the_batch(tmp_path: Path) -> None:
    lake = Lake(base_uri=str(tmp_path))
    path, stale = record_batch(lake, SNAPSHOT, "1", make_records(50, 1, DAY1, "batch"))
    assert stale == [] and "/day=2026-11-02/batch-2026-11-01-v1.parquet" in path
    _, stale = record_batch(lake, SNAPSHOT, "1", make_records(40, 1, DAY2, "batch"))
    assert len(stale) == 1 and "day=2026-11-02" in stale[0]
    assert _count(str(tmp_path)) == [("1", 40, "2026-11-05")]
    # another model version scoring the same snapshot is another batch of decisions: kept
    record_batch(lake, SNAPSHOT, "2", make_records(30, 2, DAY2, "batch"))
    assert _count(str(tmp_path)) == [("1", 40, "2026-11-05"), ("2", 30, "2026-11-05")]


def test_reason_lists_keep_rank_order_and_drop_missing_codes() -> None:
    frame = pd.DataFrame(
        {
            "reason_10": ["j", None],
            "reason_2": ["b", None],
            "reason_1": ["a", "z"],
            "reason_1_description": ["A", "Z"],
        }
    )
    assert reason_lists(frame) == [["a", "b", "j"], ["z"]]


def test_the_log_asset_observes_row_counts(tmp_path: Path) -> None:
    import dagster as dg

    from creditrisk_assets.decisions import decision_log
    from creditrisk_assets.keys import DECISION_LOG

    lake = Lake(base_uri=str(tmp_path))
    job = dg.define_asset_job("observe_log", selection=[DECISION_LOG])
    defs = dg.Definitions(assets=[decision_log], jobs=[job], resources={"lake": lake})
    observe = defs.resolve_job_def("observe_log")
    with dg.instance_for_test() as instance:
        empty = observe.execute_in_process(instance=instance)
        record_batch(lake, SNAPSHOT, "1", make_records(25, 1, DAY1, "batch"))
        full = observe.execute_in_process(instance=instance)
        events = [r.get_asset_observation_events() for r in (empty, full)]
    first, second = (e[-1].event_specific_data.asset_observation for e in events)
    assert first.asset_key == DECISION_LOG and first.metadata["rows"].value == 0
    assert second.metadata["rows"].value == 25 and second.metadata["days"].value == 1
    assert second.metadata["rows_by_channel"].value == {"batch": 25}
    assert first.tags["dagster/data_version"] != second.tags["dagster/data_version"]
