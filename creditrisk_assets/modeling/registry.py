"""ModelRegistry: MLflow tracking + model registry, and the aliases it serves models by.

Small, stable surface used by training, evaluation, promotion, batch scoring and the API:

- ``candidate_run(...)``     context manager: an MLflow run that always ends FINISHED or FAILED,
                             however the Dagster step was launched (no reliance on run hooks);
                             it records the step's process, so a run a killed step left
                             RUNNING can be found and ended (``running_runs``, ``end_dead_run``);
- ``register(run, model)``   log the model folder as plain artifacts and create a version whose
                             tags carry checksum, partition, run ids, cut-off and spec hash;
- ``set_alias`` / ``get_alias_version`` / ``delete_alias``   promotion uses aliases
                             (``champion``, ``previous``), never the deprecated stages;
- ``load(alias_or_version)`` download the files and return a checksum-verified ``ScoringModel``
                             (XGBoost UBJ + JSON: nothing is unpickled);
- ``version_info(...)``      a ``ModelVersionInfo`` with the version's tags and aliases.

The experiment and the registered model are created on first use, the SQLite file's folder too,
so every method works against an empty store. We talk to MLflow through an explicit
``MlflowClient`` rather than the fluent API: no process-global active run, so concurrent steps
in one process cannot log into each other's runs.
"""

from __future__ import annotations

import functools
import os
import re
import socket
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from creditrisk_assets import settings
from creditrisk_assets.modeling.registry_records import (
    MODEL_ARTIFACT_PATH,
    TAG_CHECKSUM,
    TAG_MLFLOW_RUN,
    TAG_ORPHAN,
    CandidateRun,
    ModelVersionInfo,
)
from creditrisk_assets.modeling.scoring_model import ModelIntegrityError, ScoringModel
from creditrisk_assets.recovery.liveness import TAG_HOST, TAG_PID

#: The registry aliases a model is served and rolled back by (``deploy.promotion`` moves them).
CHAMPION = "champion"
PREVIOUS = "previous"
#: Prefix of the folders ``load`` downloads into; the pid after it says whose they are.
MODEL_TEMP_PREFIX = "creditrisk-model-"


@functools.lru_cache(maxsize=8)
def _client_for(tracking_uri: str) -> Any:
    from mlflow import MlflowClient  # lazy: importing mlflow costs ~1 s

    if tracking_uri.startswith("sqlite:///"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


_VERSION = re.compile(r"^\d+$")


class ModelRegistry(dg.ConfigurableResource):
    """MLflow tracking + registry: log, register, alias, load by alias."""

    tracking_uri: str = Field(description="MLflow tracking URI (SQLite file by default).")
    model_name: str = Field(default="creditrisk_pd", description="Registered model name.")
    experiment_name: str = Field(default="creditrisk", description="MLflow experiment name.")
    artifact_root: str | None = Field(
        default=None,
        description=(
            "Artifact location of the experiment when the registry creates it. None: "
            "$CREDITRISK_MLFLOW_ARTIFACTS if set, else an 'artifacts' folder beside a SQLite "
            "store, else the tracking server's default."
        ),
    )

    # ------------------------------------------------------------------ plumbing
    @property
    def client(self) -> Any:
        """The ``MlflowClient`` for this tracking URI (cached per URI)."""
        return _client_for(self.tracking_uri)

    def _artifact_location(self) -> str | None:
        root = self.artifact_root
        if root is None:
            root = settings.mlflow_artifact_root()
        if root is None and self.tracking_uri.startswith("sqlite:///"):
            root = str(Path(self.tracking_uri.removeprefix("sqlite:///")).parent / "artifacts")
        if root is None or "://" in root:
            return root
        Path(root).mkdir(parents=True, exist_ok=True)
        return Path(root).resolve().as_uri()

    def experiment_id(self) -> str:
        """Id of the experiment, created on first use."""
        exp = self.client.get_experiment_by_name(self.experiment_name)
        if exp is not None:
            return exp.experiment_id
        from mlflow.exceptions import MlflowException

        try:
            return self.client.create_experiment(
                self.experiment_name, artifact_location=self._artifact_location()
            )
        except MlflowException:  # another process created it between our two calls
            exp = self.client.get_experiment_by_name(self.experiment_name)
            if exp is None:
                raise
            return exp.experiment_id

    def _ensure_registered_model(self) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.get_registered_model(self.model_name)
        except MlflowException:
            try:
                self.client.create_registered_model(self.model_name)
            except MlflowException:
                self.client.get_registered_model(self.model_name)  # created concurrently

    # ------------------------------------------------------------------ runs
    @contextmanager
    def candidate_run(
        self, run_name: str, tags: Mapping[str, Any] | None = None
    ) -> Iterator[CandidateRun]:
        """Open an MLflow run; it ends FINISHED if the block succeeds, FAILED if it raises
        (and a version it registered is tagged ``orphan``). The run is tagged with this
        process and host, so a run a killed step left RUNNING is known for dead later."""
        own = {TAG_PID: os.getpid(), TAG_HOST: socket.gethostname()}
        run = self.client.create_run(
            self.experiment_id(),
            run_name=run_name,
            tags={k: str(v) for k, v in {**(tags or {}), **own}.items()},
        )
        handle = CandidateRun(run.info.run_id, run.info.artifact_uri, self.client)
        try:
            yield handle
        except BaseException as err:
            self.end_dead_run(handle.run_id, f"the step failed: {type(err).__name__}")
            raise
        self.client.set_terminated(handle.run_id, status="FINISHED")

    def running_runs(self) -> list[tuple[str, dict[str, str]]]:
        """``(run id, tags)`` of every run of the experiment still RUNNING (live or not)."""
        from mlflow.entities import ViewType

        runs = self.client.search_runs(
            [self.experiment_id()],
            filter_string="attributes.status = 'RUNNING'",
            run_view_type=ViewType.ACTIVE_ONLY,
            max_results=1000,
        )
        return [(r.info.run_id, dict(r.data.tags)) for r in runs]

    def end_dead_run(self, run_id: str, reason: str) -> list[str]:
        """End ``run_id`` FAILED (if it is not over already) and tag every version it registered
        ``orphan``, so none is ever promoted. Returns the orphaned versions."""
        if self.run_status(run_id) not in {"FINISHED", "FAILED", "KILLED"}:
            self.client.set_tag(run_id, "creditrisk.ended_because", reason[:250])
            self.client.set_terminated(run_id, status="FAILED")
        versions = self.client.search_model_versions(
            f"name = '{self.model_name}' and run_id = '{run_id}'"
        )
        orphaned = [str(mv.version) for mv in versions]
        for version in orphaned:
            self.client.set_model_version_tag(self.model_name, version, TAG_ORPHAN, reason[:250])
        return orphaned

    def run_status(self, run_id: str) -> str:
        return self.client.get_run(run_id).info.status

    def log_to_run(
        self,
        run_id: str,
        metrics: Mapping[str, float] | None = None,
        artifacts: Mapping[str, str | Path] | None = None,
    ) -> None:
        """Add metrics / files (``{artifact_dir: local_path}``) to an existing (ended) run."""
        for k, v in (metrics or {}).items():
            self.client.log_metric(run_id, k, float(v))
        for artifact_dir, path in (artifacts or {}).items():
            self.client.log_artifact(run_id, str(path), artifact_dir)

    # ------------------------------------------------------------------ versions
    def register(
        self,
        run: CandidateRun,
        model_dir: str | Path,
        checksum: str,
        tags: Mapping[str, Any] | None = None,
    ) -> ModelVersionInfo:
        """Log ``model_dir``'s files under ``model/`` of ``run``; register a new version."""
        self._ensure_registered_model()
        run.log_artifacts(model_dir, MODEL_ARTIFACT_PATH)
        all_tags = {**{k: str(v) for k, v in (tags or {}).items()}}
        all_tags[TAG_CHECKSUM] = checksum
        all_tags[TAG_MLFLOW_RUN] = run.run_id
        mv = self.client.create_model_version(
            name=self.model_name,
            source=f"{run.artifact_uri}/{MODEL_ARTIFACT_PATH}",
            run_id=run.run_id,
            tags=all_tags,
        )
        return self.version_info(str(mv.version))

    def set_version_tags(self, version: str, tags: Mapping[str, Any]) -> None:
        for k, v in tags.items():
            self.client.set_model_version_tag(self.model_name, str(version), k, str(v))

    def _resolve(self, alias_or_version: str | int) -> Any:
        ref = str(alias_or_version)
        if _VERSION.match(ref):
            return self.client.get_model_version(self.model_name, ref)
        return self.client.get_model_version_by_alias(self.model_name, ref)

    def version_info(self, alias_or_version: str | int) -> ModelVersionInfo:
        """Info on a version given its number or an alias (MlflowException if unknown)."""
        mv = self._resolve(alias_or_version)
        return ModelVersionInfo(
            name=mv.name,
            version=str(mv.version),
            run_id=mv.run_id,
            source=mv.source,
            aliases=tuple(getattr(mv, "aliases", ()) or ()),
            tags=dict(mv.tags or {}),
        )

    def list_versions(self) -> list[ModelVersionInfo]:
        """All versions of the registered model, oldest first (empty before the first)."""
        mvs = self.client.search_model_versions(f"name = '{self.model_name}'")
        return sorted(
            (self.version_info(str(mv.version)) for mv in mvs), key=lambda i: int(i.version)
        )

    # ------------------------------------------------------------------ aliases
    def set_alias(self, alias: str, version: str | int) -> None:
        """Point ``alias`` at ``version`` (moving it if it pointed elsewhere)."""
        if _VERSION.match(alias):
            raise ValueError(f"alias {alias!r} would be confused with a version number")
        self.version_info(version)  # clear error if the version does not exist
        self.client.set_registered_model_alias(self.model_name, alias, str(version))

    def get_alias_version(self, alias: str) -> str | None:
        """The version ``alias`` points at, or None (also when nothing is registered yet)."""
        from mlflow.exceptions import MlflowException

        try:
            return str(self.client.get_model_version_by_alias(self.model_name, alias).version)
        except MlflowException as err:
            if err.error_code in {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"}:
                return None
            raise

    def delete_alias(self, alias: str) -> None:
        """Remove ``alias`` if it exists."""
        if self.get_alias_version(alias) is not None:
            self.client.delete_registered_model_alias(self.model_name, alias)

    # ------------------------------------------------------------------ loading
    def download(self, alias_or_version: str | int, dst: str | Path) -> ModelVersionInfo:
        """Download a version's model files into ``dst`` (the folder ``ScoringModel`` reads)."""
        from mlflow.artifacts import download_artifacts

        info = self.version_info(alias_or_version)
        Path(dst).mkdir(parents=True, exist_ok=True)
        download_artifacts(
            artifact_uri=info.source, dst_path=str(dst), tracking_uri=self.tracking_uri
        )
        return info

    def load(self, alias_or_version: str | int, nthread: int | None = None) -> ScoringModel:
        """A checksum-verified ``ScoringModel`` for a version number or alias (no pickle)."""
        with tempfile.TemporaryDirectory(prefix=f"{MODEL_TEMP_PREFIX}{os.getpid()}-") as tmp:
            info = self.download(alias_or_version, tmp)
            folder = Path(tmp) / MODEL_ARTIFACT_PATH
            if not folder.is_dir():  # download_artifacts names the folder after the source
                folder = Path(tmp)
            if info.checksum is None:
                raise ModelIntegrityError(
                    f"{self.model_name} v{info.version} has no '{TAG_CHECKSUM}' tag"
                )
            return ScoringModel.from_dir(
                folder, expected_checksum=info.checksum, version=info.version, nthread=nthread
            )
