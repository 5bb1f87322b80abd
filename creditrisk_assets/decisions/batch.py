"""Batch decisions: one snapshot's scores written to the decision log, idempotently.

Why a part per snapshot and model version: ``scoring/batch_scores`` may be re-materialized (a
retry, a backfill, a manual re-run) and the log must then hold that batch's decisions once, not
once per run. So a batch's records go to one file named by what identifies the batch,
``<lake>/decisions/log/day=<day of scoring>/batch-<snapshot>-v<version>.parquet``. Writing the
same snapshot with the same model again replaces it: the new file is written first (under the
day it is scored, atomically, see :class:`~.sinks.ParquetDecisionSink`), then any earlier copy
left in another day's folder is deleted. A re-run therefore gives new decision ids and times
(they are the decisions of that run) but never a duplicate. A snapshot scored by a *different*
model version is a different batch of decisions and is kept beside the first.

The API's parts (``part-*.parquet``) are never touched here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from creditrisk_assets.decisions.record import decision_table
from creditrisk_assets.decisions.sinks import ParquetDecisionSink
from creditrisk_assets.resources import Lake

_REASON = re.compile(r"^reason_(\d+)$")


def lake_sink_location(lake: Lake) -> tuple[str, Any]:
    """(root, filesystem) of the lake for :class:`ParquetDecisionSink` (local path or S3)."""
    base = lake.base_uri.rstrip("/")
    if not base.startswith("s3://"):
        return base, None
    fs = pafs.S3FileSystem(endpoint_override=lake.s3_endpoint_url) if lake.s3_endpoint_url else None
    return base.removeprefix("s3://"), fs or pafs.S3FileSystem()


class BatchPartSink(ParquetDecisionSink):
    """The Parquet sink with one fixed part name per (snapshot, model version)."""

    def __init__(self, root: str, snapshot: str, version: str, filesystem: Any = None) -> None:
        super().__init__(root, filesystem)
        self.name = f"batch-{snapshot}-v{version}.parquet"

    def part_path(self, day: str, part: pa.Table) -> str:
        return f"{self.log_dir}/day={day}/{self.name}"

    def copies(self) -> list[str]:
        """Every file of this batch in the log, whatever day it was written under."""
        selector = pafs.FileSelector(self.log_dir, allow_not_found=True, recursive=True)
        return [
            info.path
            for info in self.fs.get_file_info(selector)
            if info.type == pafs.FileType.File and info.base_name == self.name
        ]


def reason_lists(scores: pd.DataFrame) -> list[list[str]]:
    """Each row's reason codes, in rank order, from the frame's ``reason_<i>`` columns.

    The codes are taken as opaque text: whatever the prediction assembly puts in
    ``reason_1``, ``reason_2``... (missing codes, i.e. fewer reasons than k, are left out).
    """
    cols = sorted((c for c in scores.columns if _REASON.match(str(c))), key=_rank)
    if not cols:
        return [[] for _ in range(len(scores))]
    values = scores[cols].to_numpy(dtype=object)
    return [[str(v) for v in row if v is not None and v == v] for row in values]


def _rank(column: str) -> int:
    match = _REASON.match(column)
    return int(match[1]) if match else 0


def batch_decisions(
    scores: pd.DataFrame,
    features: pd.DataFrame,
    *,
    feature_names: Sequence[str],
    id_column: str,
    pd_column: str,
    decision_column: str,
    grade_column: str | None,
    model_name: str,
    model_version: str,
    model_alias: str | None,
    training_snapshot: str | None,
) -> pa.Table:
    """Decision records (channel ``batch``) for a scored frame and the rows it was scored from.

    ``scores`` and ``features`` are aligned row by row (``prediction_frame`` keeps the order).
    """
    if len(scores) != len(features):
        raise ValueError(f"{len(scores)} scores for {len(features)} feature rows")
    grade = None
    if grade_column is not None and grade_column in scores.columns:
        grade = scores[grade_column].astype(object).where(scores[grade_column].notna(), None)
    return decision_table(
        channel="batch",
        model_name=model_name,
        model_version=model_version,
        model_alias=model_alias,
        training_snapshot=training_snapshot,
        pd=scores[pd_column].to_numpy(dtype=np.float64),
        features={n: features[n] for n in feature_names},
        applicant_id=scores[id_column].to_numpy(),
        grade=None if grade is None else grade.to_numpy(),
        decision=scores[decision_column].astype(str).to_numpy(),
        reason_codes=pa.array(reason_lists(scores), pa.list_(pa.string())),
        catalogue_version=_constant(scores, "catalogue_version"),
        scale_version=_constant(scores, "scale_version"),
    )


def _constant(scores: pd.DataFrame, column: str) -> str | None:
    """A per-batch version column's value (the catalogue or scale every row was made with)."""
    if column not in scores.columns or scores.empty:
        return None
    return str(scores[column].iloc[0])


def record_batch(
    lake: Lake, snapshot: str, model_version: str, records: pa.Table
) -> tuple[str, list[str]]:
    """Write ``records`` as the snapshot's batch part; returns (path written, copies removed)."""
    root, fs = lake_sink_location(lake)
    sink = BatchPartSink(root, snapshot, model_version, fs)
    sink.write(records)
    days = set(pc.strftime(records["decided_at"], format="%Y-%m-%d").to_pylist())
    keep = {f"{sink.log_dir}/day={day}/{sink.name}" for day in days}
    stale = [path for path in sink.copies() if path not in keep]
    for path in stale:
        sink.fs.delete_file(path)
    return sorted(keep)[0], stale


__all__ = ["BatchPartSink", "batch_decisions", "lake_sink_location", "record_batch"]
