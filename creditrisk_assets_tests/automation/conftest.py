"""Fixtures for the monitoring/deploy/scoring asset tests: feature partitions written straight
into the lake and tiny real XGBoost models registered in a real MLflow store, so these assets
are tested on their own, whatever the upstream domains' state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from creditrisk_assets.features.spec import Feature, FeatureSpec
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.modeling.scoring_model import ModelMeta, ScoringModel
from creditrisk_assets.resources import Lake, Warehouse

FEATURES = [f"f{i}" for i in range(6)]
SPEC = FeatureSpec(tuple(Feature(n, "numeric", "application", f"feature {n}") for n in FEATURES))


@pytest.fixture(autouse=True)
def synthetic_feature_statements(use_reason_catalogue) -> dict:
    """The f0..f5 features share one statement, so batch scores can cite them."""
    return use_reason_catalogue(
        {
            "version": "RC-TEST.1",
            "statements": {"T99": "Synthetic test feature"},
            "features": dict.fromkeys(FEATURES, "T99"),
        }
    )


def make_rows(n: int, shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(FEATURES)))
    x[:, :3] += shift
    logit = -2.2 + 1.2 * (x[:, 0] - shift) - 0.8 * x[:, 1] + 0.5 * x[:, 4]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    frame = pd.DataFrame(x, columns=FEATURES)
    frame.insert(0, "TARGET", y)
    frame.insert(0, "SK_ID_CURR", np.arange(n) + 100_000 * (seed + 1))
    frame.loc[frame.index[-n // 5 :], "TARGET"] = np.nan  # application_test rows
    return frame


@pytest.fixture
def write_snapshot(lake: Lake) -> Callable[..., pd.DataFrame]:
    """Write features/feature_store, features/train, features/test for one partition."""

    def write(partition: str, n: int = 1500, shift: float = 0.0, seed: int = 0) -> pd.DataFrame:
        rows = make_rows(n, shift, seed)
        labelled = rows[rows["TARGET"].notna()]
        is_test = (labelled["SK_ID_CURR"] % 5) == 0
        for path, frame in (
            ("features/feature_store", rows),
            ("features/train", labelled[~is_test]),
            ("features/test", labelled[is_test]),
        ):
            with lake.write_partition(path, partition) as tmp:
                frame.to_parquet(tmp, index=False)
        return rows

    return write


@pytest.fixture
def register_model(lake: Lake, registry: ModelRegistry, tmp_path: Path) -> Callable[[str], str]:
    """Train a tiny booster on a partition's features/train and register it; return version."""

    def register(partition: str, rounds: int = 20) -> str:
        train = pd.read_parquet(lake.local_path("features/train", partition))
        dm = xgb.DMatrix(train[FEATURES], label=train["TARGET"], feature_names=FEATURES)
        booster = xgb.train({"max_depth": 2, "eta": 0.3, "nthread": 1, "seed": 0}, dm, rounds)
        model = ScoringModel(booster, SPEC, ModelMeta(pd_cutoff=0.15, partition=partition))
        folder = tmp_path / f"model-{partition}-{rounds}"
        checksum = model.save(folder)
        with registry.candidate_run(f"test-{partition}") as run:
            info = registry.register(
                run,
                folder,
                checksum,
                tags={
                    "partition": partition,
                    "feature_spec_hash": SPEC.hash,
                    "pd_cutoff": 0.15,
                    "metric.test_auc": 0.7,
                },
            )
        return info.version

    return register


@pytest.fixture
def instance() -> dg.DagsterInstance:
    with dg.instance_for_test() as inst:
        yield inst


@pytest.fixture
def resources(lake: Lake, warehouse: Warehouse, registry: ModelRegistry) -> dict[str, object]:
    return {"lake": lake, "warehouse": warehouse, "registry": registry}
