"""The API's side of the decision log: every prediction it returns is recorded.

``DecisionRecorder.record`` turns one request's predictions (the dicts the response is made
of) and the feature matrix they were scored from into a batch of decision records and appends
it to a :class:`~creditrisk_assets.decisions.DecisionBuffer`; a background thread writes the
batches to the sink (Parquet in the lake by day, or PostgreSQL). The request never waits on
storage unless the buffer is full, and then the buffer's documented policy applies: the request
writes its own records (back-pressure, nothing dropped); if that fails too the request gets a
503 rather than a decision that was not logged. Each prediction gets the ``decision_id`` it was
logged under, so a caller can quote it later.

The app closes the recorder in its lifespan exit, which uvicorn runs on SIGTERM: everything
still buffered is written before the process ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from creditrisk_assets.decisions import (
    DecisionBuffer,
    DecisionSink,
    ParquetDecisionSink,
    PostgresDecisionSink,
)
from creditrisk_assets.decisions.pending import ModelFields, PendingDecisions, decision_ids
from creditrisk_assets.serving.champion import ServedModel
from creditrisk_assets.serving.settings import ServingSettings


def make_sink(settings: ServingSettings, lake_root: str, filesystem: Any = None) -> DecisionSink:
    """The sink the settings choose: Parquet under ``lake_root`` or the PostgreSQL table."""
    if settings.decision_log_sink == "postgres":
        assert settings.decision_log_dsn is not None  # the settings validator guarantees it
        return PostgresDecisionSink(settings.decision_log_dsn.get_secret_value())
    return ParquetDecisionSink(lake_root, filesystem)


def _applicant_ids(preds: Sequence[dict[str, Any]]) -> list[int | None]:
    """Row ids that are integers (SK_ID_CURR) as applicant ids; other ids are not applicants."""
    return [
        p["id"] if isinstance(p["id"], int) and not isinstance(p["id"], bool) else None
        for p in preds
    ]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class DecisionRecorder:
    """Records API decisions through a bounded buffer (see the module docstring)."""

    def __init__(self, settings: ServingSettings, sink: DecisionSink) -> None:
        self.store_features = settings.decision_log_features
        self.sink = sink
        self.buffer = DecisionBuffer(
            sink,
            capacity=settings.decision_log_capacity,
            flush_interval_s=settings.decision_log_flush_seconds,
        )
        self._cached: tuple[ServedModel, ModelFields, tuple[str, ...]] | None = None

    def record(
        self,
        channel: str,
        served: ServedModel,
        preds: list[dict[str, Any]],
        matrices: Sequence[np.ndarray],
    ) -> None:
        """Log ``preds`` (scored from the rows of ``matrices``, in order) and give each its
        ``decision_id``. Raises ``DecisionLogUnavailable`` if they could not be stored.

        The request only validates and stamps its decisions (``decisions/pending.py``); the
        buffer's thread makes them into records, a whole flush at a time."""
        if not preds:
            return
        when = datetime.now(UTC)
        ids = decision_ids(len(preds), when)
        first = preds[0]
        model, names = self._fields(served)
        pending = PendingDecisions(
            channel=channel,
            model=model,
            names=names,
            x=matrices[0] if len(matrices) == 1 else np.concatenate(matrices),
            store_features=self.store_features,
            pd=[p["pd"] for p in preds],
            applicant_id=_applicant_ids(preds),
            grade=[_text(p.get("risk_grade")) for p in preds],
            decision=[p.get("decision") for p in preds],
            reason_codes=[[r["code"] for r in p.get("reason_codes") or ()] for p in preds],
            catalogue_version=first.get("catalogue_version"),
            scale_version=first.get("scale_version"),
            decided_at=when,
            decision_ids=ids,
        )
        self.buffer.append(pending)
        for p, decision_id in zip(preds, ids, strict=True):
            p["decision_id"] = decision_id

    def _fields(self, served: ServedModel) -> tuple[ModelFields, tuple[str, ...]]:
        """The served model's record fields and feature names, made once per champion."""
        cached = self._cached
        if cached is None or cached[0] is not served:
            fields = ModelFields(
                name=served.name,
                version=str(served.version),
                alias=served.alias,
                training_snapshot=served.training_snapshot,
            )
            cached = self._cached = (served, fields, tuple(served.feature_names))
        return cached[1], cached[2]

    def stats(self) -> dict[str, int]:
        return self.buffer.stats()

    def close(self) -> None:
        """Write everything buffered (raises with the records if storage stays down)."""
        try:
            self.buffer.close()
        finally:
            self.sink.close()
