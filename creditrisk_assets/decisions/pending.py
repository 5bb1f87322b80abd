"""Decisions as a request hands them over: plain Python values, made into records later.

Why: building an Arrow table of decision records costs a fixed ~0.5-0.9 ms whatever the row
count (sixteen columns, each cast and checked, then conformed to the schema), and a one-row
``/predict`` is itself ~0.5 ms of work. So a request only does what it must do itself:

* validate what it logs (channel, one PD in [0, 1] per row, columns of one length), so a bad
  value is refused in the request that made it rather than in the writer thread, where it
  could only be retried forever;
* give each row its ``decision_id`` (the response quotes it) and take the decision time.

The writer thread of :class:`~creditrisk_assets.decisions.DecisionBuffer` then turns whole
flushes (up to a batch of records, from many requests) into one table with
:func:`pending_table`: the fixed cost is paid once per flush, and the inputs' sha256 and
optional JSON feature rows are computed there, off the request's path. The records are the ones
``decision_table`` builds from the same values (a test holds the two equal).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

import numpy as np
import pyarrow as pa

from creditrisk_assets.decisions.record import (
    CHANNELS,
    DECISION_SCHEMA,
    decision_table,
    inputs_hash_matrix,
    new_decision_ids,
)

#: Up to this many rows, ids are made by a plain loop (cheaper than NumPy's set-up).
_SMALL = 32


def decision_ids(n: int, when: datetime) -> list[str]:
    """``n`` ids in ``new_decision_ids``'s format (ms time, row position, 48 random bits)."""
    if n > _SMALL:
        return new_decision_ids(n, when).to_pylist()
    ms = int(when.timestamp() * 1000)
    return [f"{ms:012x}{i:08x}{os.urandom(6).hex()}" for i in range(n)]


@dataclass(frozen=True, slots=True)
class ModelFields:
    """What a record says about the model that decided (one per served champion)."""

    name: str
    version: str
    alias: str | None
    training_snapshot: str | None


@dataclass(frozen=True, slots=True)
class PendingDecisions:
    """One request's decisions, validated and with their ids, not yet records."""

    channel: str
    model: ModelFields
    names: tuple[str, ...]  # the feature columns of ``x``
    x: np.ndarray  # (rows, features) as scored; not modified after the request
    store_features: bool
    pd: list[float]
    applicant_id: list[int | None]
    grade: list[str | None]
    decision: list[str | None]
    reason_codes: list[list[str]]
    catalogue_version: str | None
    scale_version: str | None
    decided_at: datetime
    decision_ids: list[str]

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, got {self.channel!r}")
        n = len(self.pd)
        columns = (self.applicant_id, self.grade, self.decision, self.reason_codes)
        if self.x.shape != (n, len(self.names)) or any(len(c) != n for c in columns):
            raise ValueError(f"{n} PDs, a {self.x.shape} matrix and columns of other lengths")
        if not all(0.0 <= p <= 1.0 for p in self.pd):  # NaN fails both comparisons
            raise ValueError("pd must be a column of probabilities in [0, 1]")

    @property
    def num_rows(self) -> int:
        return len(self.pd)

    def group_key(self) -> tuple[object, ...]:
        """Decisions that share these fields become records in one go."""
        return (
            self.channel,
            self.model,
            self.names,
            self.store_features,
            self.catalogue_version,
            self.scale_version,
        )


def pending_table(items: Sequence[PendingDecisions]) -> pa.Table:
    """The records of ``items``, in order, as one table of :data:`DECISION_SCHEMA`."""
    parts = [_records(list(group)) for _, group in groupby(items, PendingDecisions.group_key)]
    if not parts:
        return DECISION_SCHEMA.empty_table()
    return parts[0] if len(parts) == 1 else pa.concat_tables(parts)


def _records(group: list[PendingDecisions]) -> pa.Table:
    first = group[0]
    x = group[0].x if len(group) == 1 else np.concatenate([g.x for g in group])
    features = {n: x[:, j] for j, n in enumerate(first.names)} if first.store_features else None
    return decision_table(
        channel=first.channel,
        model_name=first.model.name,
        model_version=first.model.version,
        model_alias=first.model.alias,
        training_snapshot=first.model.training_snapshot,
        pd=np.fromiter((p for g in group for p in g.pd), np.float64),
        features=features,
        inputs_hash_values=inputs_hash_matrix(first.names, x),
        store_features=first.store_features,
        applicant_id=pa.array([a for g in group for a in g.applicant_id], pa.int64()),
        grade=pa.array([v for g in group for v in g.grade], pa.string()),
        decision=pa.array([v for g in group for v in g.decision], pa.string()),
        reason_codes=pa.array([r for g in group for r in g.reason_codes], pa.list_(pa.string())),
        decided_at=[g.decided_at for g in group for _ in range(g.num_rows)],
        catalogue_version=first.catalogue_version,
        scale_version=first.scale_version,
        decision_ids=pa.array([i for g in group for i in g.decision_ids], pa.string()),
    )
