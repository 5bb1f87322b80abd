"""What the model registry hands out: version records, run handles and the tag names.

Kept apart from ``registry.py`` (the MLflow plumbing) because every consumer of a version -
promotion, the deploy manifest, the API - reads these records, while only the registry talks
to MLflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Version tags the registry always writes (others are free-form).
TAG_CHECKSUM = "checksum"
TAG_PARTITION = "partition"
TAG_MLFLOW_RUN = "mlflow_run_id"
TAG_DAGSTER_RUN = "dagster_run_id"
TAG_CUTOFF = "pd_cutoff"
TAG_SPEC_HASH = "feature_spec_hash"
METRIC_TAG_PREFIX = "metric."
#: A version whose training step died or failed after registering it: never promoted. Its
#: value says why (``recovery/sweep.py`` and ``ModelRegistry.candidate_run`` set it).
TAG_ORPHAN = "orphan"
MODEL_ARTIFACT_PATH = "model"


@dataclass(frozen=True)
class ModelVersionInfo:
    """One registered version: where its files are and what it was trained on."""

    name: str
    version: str
    run_id: str | None
    source: str
    aliases: tuple[str, ...]
    tags: Mapping[str, str]

    @property
    def checksum(self) -> str | None:
        return self.tags.get(TAG_CHECKSUM)

    @property
    def partition(self) -> str | None:
        return self.tags.get(TAG_PARTITION)

    @property
    def pd_cutoff(self) -> float | None:
        value = self.tags.get(TAG_CUTOFF)
        return float(value) if value is not None else None

    @property
    def feature_spec_hash(self) -> str | None:
        return self.tags.get(TAG_SPEC_HASH)

    @property
    def orphan(self) -> bool:
        """Tagged ``orphan``: its training run did not finish, so it is no candidate."""
        return TAG_ORPHAN in self.tags

    @property
    def metrics(self) -> dict[str, float]:
        """Metrics copied onto the version as ``metric.<name>`` tags (e.g. ``test_auc``)."""
        n = len(METRIC_TAG_PREFIX)
        return {k[n:]: float(v) for k, v in self.tags.items() if k.startswith(METRIC_TAG_PREFIX)}


@dataclass(frozen=True)
class CandidateRun:
    """Handle on an open MLflow run (logging goes through the registry's client)."""

    run_id: str
    artifact_uri: str
    _client: Any

    def log_params(self, params: Mapping[str, Any]) -> None:
        for k, v in params.items():
            self._client.log_param(self.run_id, k, v)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        for k, v in metrics.items():
            self._client.log_metric(self.run_id, k, float(v), step=step)

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        for k, v in tags.items():
            self._client.set_tag(self.run_id, k, str(v))

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        self._client.log_artifact(self.run_id, str(path), artifact_path)

    def log_artifacts(self, folder: str | Path, artifact_path: str | None = None) -> None:
        self._client.log_artifacts(self.run_id, str(folder), artifact_path)
