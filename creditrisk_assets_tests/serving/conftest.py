"""Serving fixtures: a champion trained on the real feature SQL, and uvicorn on loopback.

The tiny champion is trained on features that ``features_for_records`` computes from the
session's small synthetic snapshot, so ``/score`` exercises the same SQL as the pipeline and the
model's spec matches it by construction. Everything expensive is session-scoped and uses
explicit URIs under ``tmp_path_factory`` (the shared autouse ``state_home`` is per test).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import uvicorn
import xgboost as xgb

from creditrisk_assets.features.catalog import build_spec
from creditrisk_assets.features.sql_files import SQL_FILES
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.modeling.scoring_model import ModelMeta, ScoringModel
from creditrisk_assets.resources import Warehouse
from creditrisk_assets.schema import HISTORY_TABLES, table_spec
from creditrisk_assets.serving import ServingSettings, create_app
from creditrisk_assets.serving.champion import ServedModel, load_served_model
from creditrisk_assets.serving.feature_sessions import features_for_records

TRAIN_APPLICANTS = 600


_DTYPES = {"int": "Int64", "float": "float64", "str": "object"}


def read_records(snapshot_dir: Path) -> dict[str, pd.DataFrame]:
    """Raw tables of the snapshot with the schema's dtypes (codes like '0' stay strings)."""
    out = {}
    for name in ("application_train", *HISTORY_TABLES):
        spec = table_spec(name)
        dtypes = {c.name: _DTYPES[c.dtype] for c in spec.columns}
        out[name] = pd.read_csv(snapshot_dir / spec.file, dtype=dtypes)
    return out


@pytest.fixture(scope="session")
def snapshot_records(small_snapshot_dir: Path) -> dict[str, pd.DataFrame]:
    return read_records(small_snapshot_dir)


def _to_json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in r.items()}
        for r in frame.to_dict(orient="records")
    ]


@pytest.fixture(scope="session")
def applicant_payload(snapshot_records: dict[str, pd.DataFrame]) -> Callable[[int], dict]:
    """``payload(sk_id)``: one applicant's ``/score`` entry built from the snapshot's records."""
    app_cols = table_spec("application_test").column_names
    train = snapshot_records["application_train"].set_index("SK_ID_CURR", drop=False)

    def payload(sk_id: int) -> dict[str, Any]:
        application = _to_json_records(train.loc[[sk_id], app_cols])[0]
        history: dict[str, list] = {}
        bureau = snapshot_records["bureau"]
        own_bureau = bureau[bureau["SK_ID_CURR"] == sk_id]
        for table in HISTORY_TABLES:
            frame = snapshot_records[table]
            if table == "bureau_balance":
                rows = frame[frame["SK_ID_BUREAU"].isin(own_bureau["SK_ID_BUREAU"])]
            else:
                rows = frame[frame["SK_ID_CURR"] == sk_id]
            history[table] = _to_json_records(rows)
        return {"application": application, "history": history}

    return payload


def train_tiny_model(
    features: pd.DataFrame, target: np.ndarray, rounds: int, seed: int
) -> ScoringModel:
    spec = build_spec(["SK_ID_CURR", *features.columns], SQL_FILES)
    x = features[spec.names].to_numpy(np.float32)
    dm = xgb.DMatrix(
        x,
        label=target,
        feature_names=spec.names,
        feature_types=spec.xgboost_feature_types,
        enable_categorical=True,
    )
    params = {"objective": "binary:logistic", "max_depth": 3, "nthread": 2, "seed": seed}
    booster = xgb.train(params, dm, num_boost_round=rounds)
    return ScoringModel(booster, spec, ModelMeta(pd_cutoff=0.15, partition="2026-11-01"))


@pytest.fixture(scope="session")
def training_frame(
    snapshot_records: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> tuple[pd.DataFrame, np.ndarray]:
    """Features (via the serving SQL path) and labels of the first applicants."""
    app = snapshot_records["application_train"].head(TRAIN_APPLICANTS)
    ids = app["SK_ID_CURR"].tolist()
    records = read_records_subset(snapshot_records, ids)
    feats = features_for_records(app, {t: records[t] for t in HISTORY_TABLES})
    feats = feats.loc[ids]
    return feats, app["TARGET"].to_numpy()


def read_records_subset(records: dict[str, pd.DataFrame], ids: list[int]) -> dict:
    out = {
        t: f[f["SK_ID_CURR"].isin(ids)] if "SK_ID_CURR" in f.columns else f
        for t, f in records.items()
    }
    out["bureau_balance"] = records["bureau_balance"][
        records["bureau_balance"]["SK_ID_BUREAU"].isin(out["bureau"]["SK_ID_BUREAU"])
    ]
    return out


class Registrar:
    """Trains and registers model versions into one session-wide registry."""

    def __init__(self, registry: ModelRegistry, frame: tuple[pd.DataFrame, np.ndarray], tmp: Path):
        self.registry = registry
        self.features, self.target = frame
        self.tmp = tmp

    def registry_for(self, model_name: str) -> ModelRegistry:
        """The same store under another registered-model name: an isolated alias namespace."""
        r = self.registry
        return ModelRegistry(
            tracking_uri=r.tracking_uri, artifact_root=r.artifact_root, model_name=model_name
        )

    def register(
        self,
        rounds: int = 20,
        seed: int = 0,
        alias: str | None = "champion",
        registry: ModelRegistry | None = None,
        checksum: str | None = None,
    ) -> str:
        """Train, save and register a version; ``checksum`` overrides the true one (tamper)."""
        registry = registry or self.registry
        model = train_tiny_model(self.features, self.target, rounds, seed)
        folder = self.tmp / f"model-{rounds}-{seed}-{time.monotonic_ns()}"
        true_checksum = model.save(folder)
        with registry.candidate_run("serving-test") as run:
            info = registry.register(
                run,
                folder,
                checksum or true_checksum,
                {"partition": "2026-11-01", "metric.test_auc": 0.71},
            )
        if alias:
            registry.set_alias(alias, info.version)
        return info.version


@pytest.fixture(scope="session")
def registrar(
    tmp_path_factory: pytest.TempPathFactory, training_frame: tuple[pd.DataFrame, np.ndarray]
) -> Registrar:
    root = tmp_path_factory.mktemp("serving-mlflow")
    registry = ModelRegistry(
        tracking_uri=f"sqlite:///{root / 'mlflow.db'}", artifact_root=str(root / "artifacts")
    )
    registrar = Registrar(registry, training_frame, root)
    registrar.register(rounds=20, seed=0)
    return registrar


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def make_server(registrar: Registrar) -> Callable[..., LiveServer]:
    """``make_server(**settings)``: a LiveServer (use as a context manager) on the registry."""

    def make(resources: dict | None = None, watch: bool = True, **settings: Any) -> LiveServer:
        res = resources or {
            "registry": registrar.registry,
            "warehouse": Warehouse(catalog_path=None),
        }
        return LiveServer(create_app(ServingSettings(**settings), res, watch=watch))

    return make


@pytest.fixture(scope="module")
def live(make_server: Callable[..., LiveServer]) -> Iterator[LiveServer]:
    """One server per test module with default limits and no API key."""
    with make_server(poll_seconds=3600) as server:
        yield server


@pytest.fixture(scope="session")
def feature_rows(training_frame: tuple[pd.DataFrame, np.ndarray]) -> list[dict[str, Any]]:
    """Feature rows (JSON-ready, NaN -> None) of the training applicants, in SQL column order:
    the model's features only (the store's protected columns are no model input)."""
    frame = training_frame[0]
    spec = build_spec(["SK_ID_CURR", *frame.columns], SQL_FILES)
    return _to_json_records(frame[spec.names])


@pytest.fixture(scope="module")
def served(registrar: Registrar) -> ServedModel:
    """The registered champion as the API loads it (one XGBoost thread): the fast-path tests'
    model. Modules that need other thread settings define their own."""
    version = registrar.registry.get_alias_version("champion")
    return load_served_model(registrar.registry, version, "champion", threads=1)


@pytest.fixture(scope="module")
def matrix(served: ServedModel, feature_rows: list[dict[str, Any]]) -> np.ndarray:
    """The training applicants' real feature rows (with their missing values), float32."""
    x = pd.DataFrame(feature_rows)[served.feature_names].to_numpy(np.float64)
    return x.astype(np.float32)


@pytest.fixture(scope="session")
def local_champion(registrar: Registrar) -> ScoringModel:
    """The champion as the registry loads it, to compare the API's answers with."""
    return registrar.registry.load("champion")


def without_decision_ids(body: dict[str, Any]) -> dict[str, Any]:
    """A /predict or /score answer less its decision ids (new for every request, one per
    prediction), to compare two requests' answers."""
    ids = [p.pop("decision_id") for p in body["predictions"]]
    assert len(set(ids)) == len(ids) and all(len(i) == 32 for i in ids)
    return body
