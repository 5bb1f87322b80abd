"""What the instance says about an upstream blocking check: its latest evaluation, the
materialization now in place, and whether that stops a gated step (``gates.find_blockers``).

Why apart from ``gates``: the gate has two halves that change for different reasons. Which
checks count is a question about the asset graph (``gates``); whether one of them passed on the
data now in place is a question about Dagster's event log, its record statuses and what a
planned-but-unfinished execution means. The second half reads internal storage APIs
(``dagster._core``), so it sits here on its own, where a Dagster upgrade has one place to look.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster._core.event_api import PartitionKeyFilter
from dagster._core.storage.asset_check_execution_record import (
    COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

FAILED, STALE, UNFINISHED, NEVER = (
    "failed",
    "did not run on the current data",
    "did not finish",
    "never ran",
)
#: Which blocker to name first (the rest are listed in the failure's metadata).
REASON_RANK = {FAILED: 0, STALE: 1, UNFINISHED: 2, NEVER: 3}


@dataclass(frozen=True)
class Blocker:
    """One upstream blocking check that stops the step, and why."""

    check: dg.AssetCheckKey
    partition: str | None
    reason: str  # one of FAILED, STALE, UNFINISHED, NEVER
    run_id: str | None = None
    detail: str = ""

    @property
    def name(self) -> str:
        return f"{self.check.asset_key.to_user_string()}:{self.check.name}"

    def describe(self) -> str:
        where = f" for {self.partition}" if self.partition else ""
        run = f" (run {self.run_id[:8]})" if self.run_id else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.name} {self.reason}{where}{run}{detail}"


def _latest_materialization_id(
    instance: dg.DagsterInstance, key: dg.AssetKey, partition: str | None
) -> int | None:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition] if partition else None),
        limit=1,
    ).records
    return records[0].storage_id if records else None


def _targets_other_data(record: AssetCheckExecutionRecord, current: int | None) -> bool:
    """Whether the evaluation was of another materialization than the one now in place."""
    evaluation = record.evaluation
    target = evaluation.target_materialization_data if evaluation else None
    return current is not None and (target is None or target.storage_id != current)


def _verdict(
    record: AssetCheckExecutionRecord | None,
    check: dg.AssetCheckKey,
    partition: str | None,
    current_materialization: int | None,
    completed: AssetCheckExecutionRecord | None = None,
) -> Blocker | None:
    """``record`` is the latest execution of ``check`` (planned ones included); ``completed``
    the latest that finished, read only when ``record`` is still planned."""
    if record is None:
        return Blocker(check, partition, NEVER)
    if record.status == AssetCheckExecutionRecordStatus.PLANNED:
        # Dagster plans a run's checks when the run is created, queued or not. A newer plan (a
        # queued run, or automation about to recheck) does not void an evaluation that finished
        # on the data in place now; without one, the check did not finish on it (its run died,
        # skipped it, or is between the materialization and the check).
        if completed is None or _targets_other_data(completed, current_materialization):
            return Blocker(check, partition, UNFINISHED, record.run_id)
        record = completed
    if _targets_other_data(record, current_materialization):
        return Blocker(check, partition, STALE, record.run_id, "rematerialized since")
    evaluation = record.evaluation
    if record.status == AssetCheckExecutionRecordStatus.FAILED and (
        evaluation is None or evaluation.severity == dg.AssetCheckSeverity.ERROR
    ):
        detail = (evaluation.description or "") if evaluation else ""
        return Blocker(check, partition, FAILED, record.run_id, detail[:200])
    return None


def _latest_completed(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, partition: str | None
) -> AssetCheckExecutionRecord | None:
    records = instance.event_log_storage.get_asset_check_execution_history(
        key,
        limit=1,
        status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES,
        partition_filter=PartitionKeyFilter(key=partition),
    )
    return records[0] if records else None


def judge_checks(
    instance: dg.DagsterInstance, asset_graph: Any, checks: Collection[Any], partition: str | None
) -> list[Blocker]:
    """The blockers among ``checks`` (blocking check nodes of ``asset_graph``) for ``partition``.

    One check-execution query per partition filter (at most two), one materialization query
    per checked upstream asset, and one more per check whose latest execution is only planned.
    """
    by_filter: dict[str | None, list[dg.AssetCheckKey]] = {}
    for node in checks:
        by_filter.setdefault(partition if node.partitions_def else None, []).append(node.key)
    latest: dict[dg.AssetCheckKey, AssetCheckExecutionRecord] = {}
    for key_filter, check_keys in by_filter.items():
        latest.update(
            instance.event_log_storage.get_latest_asset_check_execution_by_key(
                check_keys, partition_filter=PartitionKeyFilter(key=key_filter)
            )
        )
    materialized: dict[dg.AssetKey, int | None] = {}
    blockers = []
    for node in checks:
        asset_key = node.key.asset_key
        if asset_key not in materialized:
            asset_partition = partition if asset_graph.get(asset_key).partitions_def else None
            materialized[asset_key] = _latest_materialization_id(
                instance, asset_key, asset_partition
            )
        record = latest.get(node.key)
        completed = None
        if record is not None and record.status == AssetCheckExecutionRecordStatus.PLANNED:
            check_partition = partition if node.partitions_def else None
            completed = _latest_completed(instance, node.key, check_partition)
        blocker = _verdict(record, node.key, partition, materialized[asset_key], completed)
        if blocker is not None:
            blockers.append(blocker)
    return blockers
