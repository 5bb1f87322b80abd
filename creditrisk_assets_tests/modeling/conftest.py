"""Modeling fixtures: a small feature frame with a known signal, and a tiny trained model.

Built from numpy, not from the feature store, so the modeling layers are tested on their own:
PD rises with ``x_risk`` and with category 2 of ``cat_region``; ``x_noise`` carries nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from creditrisk_assets.features.spec import SPEC_FILE, Feature, FeatureSpec
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.modeling.scoring_model import ModelMeta, ScoringModel
from creditrisk_assets.resources import Lake

PARTITION = "2026-11-01"

SPEC = FeatureSpec(
    features=(
        Feature("x_risk", "numeric", "application", "Risk driver: higher means riskier"),
        Feature("x_safe", "numeric", "bureau", "Protective driver: higher means safer"),
        Feature("x_noise", "numeric", "application", "Pure noise"),
        Feature("cat_region", "categorical", "application", "Region code (2 is risky)"),
    )
)


#: The tiny features' adverse-action catalogue (the packaged one covers the real features only):
#: ``x_safe`` and ``x_noise`` share a statement, as bureau aggregates do in the real catalogue.
TEST_CATALOGUE = {
    "version": "RC-TEST.1",
    "statements": {
        "T01": "Level of the risk driver",
        "T02": "Region of residence",
        "T03": "Protective factors too weak",
    },
    "features": {"x_risk": "T01", "cat_region": "T02", "x_safe": "T03", "x_noise": "T03"},
}


@pytest.fixture(autouse=True)
def tiny_catalogue(use_reason_catalogue) -> dict:
    """Every modeling test cites the packaged catalogue plus the tiny features' statements."""
    return use_reason_catalogue(TEST_CATALOGUE)


def make_frame(n: int, seed: int = 0, start_id: int = 100000) -> pd.DataFrame:
    """Applicants with a planted logistic signal; ~12% defaults; some missing values."""
    rng = np.random.default_rng(seed)
    x_risk = rng.normal(size=n)
    x_safe = rng.normal(size=n)
    x_noise = rng.normal(size=n)
    cat = rng.integers(0, 4, size=n).astype(float)
    logit = -2.4 + 1.3 * x_risk - 0.8 * x_safe + 1.0 * (cat == 2)
    target = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    x_safe[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "SK_ID_CURR": np.arange(start_id, start_id + n, dtype=np.int64),
            "TARGET": target,
            "x_risk": x_risk,
            "x_safe": x_safe,
            "x_noise": x_noise,
            "cat_region": cat,
        }
    )


def write_features(lake: Lake, partition: str, train: pd.DataFrame, test: pd.DataFrame) -> None:
    """Write frames and the spec in the feature store's lake layout."""
    for path, frame in (("features/train", train), ("features/test", test)):
        with lake.write_partition(path, partition) as tmp:
            frame.to_parquet(tmp, index=False)
    lake.write_json("features/feature_store", partition, SPEC_FILE, SPEC.to_dict())


def write_raw_applications(lake: Lake, partition: str, ids: np.ndarray, seed: int = 1) -> None:
    """A minimal raw/application_train partition: the columns fairness checks read."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "SK_ID_CURR": ids,
            "CODE_GENDER": rng.choice(["F", "M"], size=len(ids)),
            "DAYS_BIRTH": -rng.integers(21 * 365, 68 * 365, size=len(ids)),
        }
    )
    with lake.write_partition("raw/application_train", partition) as tmp:
        frame.to_parquet(tmp, index=False)


@pytest.fixture(scope="session")
def tiny_model() -> ScoringModel:
    """A 30-tree model on 2,000 rows of the planted signal (trained once per session)."""
    frame = make_frame(2000, seed=3)
    dm = xgb.DMatrix(
        frame[SPEC.names].to_numpy(np.float32),
        label=frame["TARGET"],
        feature_names=SPEC.names,
        feature_types=SPEC.xgboost_feature_types,
        enable_categorical=True,
    )
    params = {"objective": "binary:logistic", "tree_method": "hist", "nthread": 2, "max_depth": 3}
    booster = xgb.train(params, dm, num_boost_round=30)
    return ScoringModel(booster, SPEC, ModelMeta(pd_cutoff=0.15, feature_spec_hash=SPEC.hash))


@pytest.fixture
def model_dir(tiny_model: ScoringModel, tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "model"
    return folder, tiny_model.save(folder)


# Test modules cannot import this conftest (pytest's importlib mode), so the helpers are
# handed out as fixtures.
@pytest.fixture
def spec() -> FeatureSpec:
    return SPEC


@pytest.fixture(name="make_frame")
def make_frame_fixture():
    return make_frame


@pytest.fixture(name="write_features")
def write_features_fixture():
    return write_features


@pytest.fixture(name="write_raw_applications")
def write_raw_applications_fixture():
    return write_raw_applications


@pytest.fixture(scope="session")
def _mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, fully migrated MLflow SQLite store, made once per session.

    Creating a store runs MLflow's schema migrations (~5 s); copying a migrated file is instant.
    """
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def registry(state_home: Path, _mlflow_template: Path) -> ModelRegistry:
    """Overrides the shared fixture: same store location, pre-migrated for speed."""
    shutil.copyfile(_mlflow_template, state_home / "mlflow.db")
    return ModelRegistry(tracking_uri=f"sqlite:///{state_home / 'mlflow.db'}")
