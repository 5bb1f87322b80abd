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
from typing import Any

import numpy as np
import pyarrow as pa

from creditrisk_assets.decisions import (
    DecisionBuffer,
    DecisionSink,
    ParquetDecisionSink,
    PostgresDecisionSink,
    decision_table,
    feature_rows_json,
    inputs_hash_matrix,
)
from creditrisk_assets.serving.champion import ServedModel
from creditrisk_assets.serving.settings import ServingSettings

_REASONS = pa.list_(pa.string())


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

    def record(
        self,
        channel: str,
        served: ServedModel,
        preds: list[dict[str, Any]],
        matrices: Sequence[np.ndarray],
    ) -> None:
        """Log ``preds`` (scored from the rows of ``matrices``, in order) and give each its
        ``decision_id``. Raises ``DecisionLogUnavailable`` if they could not be stored."""
        if not preds:
            return
        names = served.feature_names
        x = matrices[0] if len(matrices) == 1 else np.concatenate(matrices)
        hashes = inputs_hash_matrix(names, x)
        rows = None
        if self.store_features:
            rows = feature_rows_json({n: x[:, j] for j, n in enumerate(names)})
        table = decision_table(
            channel=channel,
            model_name=served.name,
            model_version=served.version,
            model_alias=served.alias,
            training_snapshot=served.training_snapshot,
            pd=np.fromiter((p["pd"] for p in preds), np.float64, len(preds)),
            inputs_hash_values=hashes,
            applicant_id=pa.array(_applicant_ids(preds), pa.int64()),
            grade=pa.array([_text(p.get("risk_grade")) for p in preds], pa.string()),
            decision=pa.array([p.get("decision") for p in preds], pa.string()),
            reason_codes=pa.array(
                [[r["code"] for r in p.get("reason_codes") or ()] for p in preds], _REASONS
            ),
            catalogue_version=preds[0].get("catalogue_version") if preds else None,
            scale_version=preds[0].get("scale_version") if preds else None,
        )
        if rows is not None:
            table = table.set_column(
                table.schema.get_field_index("feature_row"), "feature_row", rows
            )
        self.buffer.append(table)
        for p, decision_id in zip(preds, table["decision_id"].to_pylist(), strict=True):
            p["decision_id"] = decision_id

    def stats(self) -> dict[str, int]:
        return self.buffer.stats()

    def close(self) -> None:
        """Write everything buffered (raises with the records if storage stays down)."""
        try:
            self.buffer.close()
        finally:
            self.sink.close()
