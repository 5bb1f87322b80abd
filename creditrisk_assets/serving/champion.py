"""The served model and the thread that keeps it in step with the registry alias.

Hot swap without dropped requests rests on two rules:

1. A ``ServedModel`` is immutable and complete (booster, spec, metadata) before anyone sees it:
   the watcher downloads, verifies the checksum, warms it up with one prediction and only then
   publishes it with a single reference assignment, which is atomic in CPython.
2. A request reads ``ChampionHolder.current`` once and uses that object to the end, so it never
   mixes two versions, and an old model stays alive until its last request lets go of it.

A failed load (registry down, checksum mismatch) leaves the current model serving and is counted
in the metrics; the watcher tries again at the next poll.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xgboost as xgb

from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.modeling.scoring_model import ScoringModel
from creditrisk_assets.serving.fastpath import tree_paths, tree_shap
from creditrisk_assets.serving.fastpath.shap_lookup import ShapTables
from creditrisk_assets.serving.metrics import ApiMetrics

log = logging.getLogger(__name__)

#: Requests with at least this many rows run XGBoost on ``batch_threads`` threads.
PARALLEL_MIN_ROWS = 1000
#: Version tags ``/metadata`` shows. The others stay inside: run ids (MLflow's, Dagster's), the
#: deploy manifest's URI, image names and free text can name server paths and internals.
PUBLIC_TAGS = frozenset(
    {"partition", "pd_cutoff", "resampling", "feature_spec_hash", "promoted_at"}
)


def public_tags(tags: dict[str, str]) -> dict[str, str]:
    """The allow-listed tags, less any value that looks like a path or URI."""
    return {k: v for k, v in tags.items() if k in PUBLIC_TAGS and "/" not in v and "\\" not in v}


@dataclass(frozen=True)
class ScoringThreads:
    """How many threads score a request, and on which copy of the booster.

    XGBoost's thread count is a booster parameter, so a large batch gets its own copy of the
    booster with more threads rather than changing the one small requests share: at one row an
    OpenMP team costs more in barrier waits than it saves, at thousands of rows it halves
    TreeSHAP (benchmarks/RESULTS.md, "Scoring API"). These are the process's settings
    (``CREDITRISK_API_MODEL_THREADS``/``_BATCH_THREADS``) applied to one model, not facts about
    the model, so they are kept apart from ``ServedModel``'s metadata.
    """

    booster: xgb.Booster  # the model's own, on ``threads`` threads (0: XGBoost's default)
    threads: int | None
    batch_booster: xgb.Booster | None  # None when batches would get the same thread count
    batch_threads: int

    def booster_for(self, n_rows: int) -> tuple[xgb.Booster, int]:
        """The booster and thread count for a request of ``n_rows``."""
        if self.batch_booster is not None and n_rows >= PARALLEL_MIN_ROWS:
            return self.batch_booster, self.batch_threads
        return self.booster, self.threads or 0


def scoring_threads(
    booster: xgb.Booster, threads: int | None, batch_threads: int | None, warm: xgb.DMatrix
) -> ScoringThreads:
    """The thread settings for ``booster`` (loaded on ``threads``), the batch copy warmed up on
    ``warm`` (its first TreeSHAP call allocates caches) when it needs one."""
    batch_threads = batch_threads or os.cpu_count() or 1
    batch_booster = None
    if batch_threads != threads:
        batch_booster = booster.copy()
        batch_booster.set_param({"nthread": batch_threads})
        batch_booster.predict(warm, pred_contribs=True, validate_features=False)
    return ScoringThreads(booster, threads, batch_booster, batch_threads)


@dataclass(frozen=True)
class ServedModel:
    """One loaded, verified model version, what ``/metadata`` says about it, the lookup tables
    scoring derives from it, and the thread settings it is scored with (``scoring``)."""

    model: ScoringModel
    name: str
    version: str
    alias: str
    checksum: str | None
    training_snapshot: str | None
    pd_cutoff: float
    metrics: dict[str, float]
    tags: dict[str, str]  # ``public_tags`` only: what /metadata may show
    loaded_at: float
    scoring: ScoringThreads
    feature_index: dict[str, int] = field(default_factory=dict)
    descriptions: tuple[str, ...] = ()
    paths: tree_paths.TreePaths | None = None  # leaf-path margins and fast reason codes
    shap: ShapTables | None = None  # small requests: routing and TreeSHAP tables

    @property
    def feature_names(self) -> list[str]:
        return self.model.spec.names

    def booster_for(self, n_rows: int) -> tuple[xgb.Booster, int]:
        """The booster and thread count for a request of ``n_rows`` (``ScoringThreads``)."""
        return self.scoring.booster_for(n_rows)

    def metadata(self) -> dict[str, Any]:
        """What ``/metadata`` answers (public tags only; no run ids, no server paths)."""
        return {
            "model_name": self.name,
            "model_version": self.version,
            "alias": self.alias,
            "checksum": self.checksum,
            "pd_cutoff": self.pd_cutoff,
            "training_snapshot": self.training_snapshot,
            "metrics": self.metrics,
            "feature_spec_hash": self.model.spec.hash,
            "n_features": len(self.feature_names),
            "loaded_at": self.loaded_at,
            "tags": self.tags,
        }


def load_served_model(
    registry: ModelRegistry,
    version: str,
    alias: str,
    threads: int | None,
    batch_threads: int | None = None,
) -> ServedModel:
    """Download, verify and warm up one registry version (raises if any of that fails)."""
    info = registry.version_info(version)
    model: ScoringModel = registry.load(version, nthread=threads)
    if info.checksum is not None and model.checksum != info.checksum:
        # registry.load verifies already; this guards against a registry that stops doing so
        raise RuntimeError(f"checksum of v{version} differs from the registry's tag")
    names = model.spec.names
    warm = np.full((1, len(names)), np.nan, dtype=np.float32)
    model.predict_pd(warm)  # first prediction allocates XGBoost's caches: pay it here
    dm = xgb.DMatrix(warm, nthread=threads or 0)  # as scoring.contributions builds it
    model.booster.predict(dm, pred_contribs=True, validate_features=False)
    scoring = scoring_threads(model.booster, threads, batch_threads, dm)
    return ServedModel(
        model=model,
        name=info.name,
        version=str(model.version or version),
        alias=alias,
        checksum=model.checksum,
        training_snapshot=info.partition or model.meta.partition,
        pd_cutoff=float(model.meta.pd_cutoff),
        metrics=dict(info.metrics),
        tags=public_tags(dict(info.tags)),
        loaded_at=time.time(),
        scoring=scoring,
        feature_index={n: i for i, n in enumerate(names)},
        descriptions=tuple(f.description for f in model.spec.features),
        paths=tree_paths.build(model.booster),
        shap=tree_shap.build(model.booster),
    )


class ChampionHolder:
    """Holds the served model and polls the registry alias in a daemon thread."""

    def __init__(
        self,
        registry: ModelRegistry,
        alias: str,
        poll_seconds: float,
        metrics: ApiMetrics,
        threads: int | None = None,
        batch_threads: int | None = None,
    ) -> None:
        self.registry = registry
        self.batch_threads = batch_threads
        self.alias = alias
        self.poll_seconds = poll_seconds
        self.metrics = metrics
        self.threads = threads
        self.current: ServedModel | None = None
        self.last_error: str | None = None
        self.last_poll: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._refresh_lock = threading.Lock()

    def refresh(self) -> bool:
        """Poll once: load and swap in the alias's version if it changed. True if swapped."""
        with self._refresh_lock:
            try:
                version = self.registry.get_alias_version(self.alias)
            except Exception as err:  # registry unreachable: keep serving, report, retry
                self._failed(f"cannot read alias {self.alias!r}: {err}")
                return False
            self.last_poll = time.time()
            current = self.current
            if version is None or (current is not None and current.version == version):
                return False
            try:
                served = load_served_model(
                    self.registry, version, self.alias, self.threads, self.batch_threads
                )
            except Exception as err:  # bad artifact or checksum: the old model keeps serving
                self._failed(f"cannot load {self.alias!r} v{version}: {err}")
                return False
            self.current = served  # the swap: one reference assignment
            self.last_error = None
            self.metrics.model_loaded(served.name, served.version, self.alias, served.loaded_at)
            log.info("serving %s v%s (alias %s)", served.name, served.version, self.alias)
            return True

    def _failed(self, message: str) -> None:
        self.last_error = message
        self.metrics.model_load_failed()
        log.warning(message)

    def start(self) -> None:
        """Start the polling thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="champion-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            self.refresh()

    def status(self) -> dict[str, Any]:
        current = self.current
        return {
            "alias": self.alias,
            "version": current.version if current else None,
            "last_poll": self.last_poll,
            "last_error": self.last_error,
            "poll_seconds": self.poll_seconds,
        }
