"""Training: XGBoost on the feature store's train split, optional resampling, prior-shift fix.

Pure (no Dagster, no MLflow) so the benchmark and tests call exactly what the asset runs.

- An inner validation slice (stratified, seeded) of the train split drives early stopping; the
  test split is never seen here.
- Resampling (``none`` | ``undersample`` | ``smote``) touches only the inner-train part. When it
  moves the base rate from pi to pi', the model's log-odds are shifted back by
  ``logit(pi) - logit(pi')`` (prior-shift correction), stored as ``ModelMeta.logit_offset``, so
  the reported PD is a probability again.
- SMOTE interpolates between neighbours, so it cannot carry missing values: the columns are
  median-imputed for it (SMOTE-NC keeps categoricals categorical). That loses the missingness
  signal XGBoost otherwise learns from, one reason it is not the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import xgboost as xgb

from creditrisk_assets.features.spec import FeatureSpec
from creditrisk_assets.keys import FEATURES_TRAIN, lake_path
from creditrisk_assets.modeling.scoring_model import ModelMeta, ScoringModel

Resampling = Literal["none", "undersample", "smote"]


@dataclass(frozen=True)
class TrainParams:
    """Hyperparameters (the Dagster ``CandidateConfig`` documents each one)."""

    learning_rate: float = 0.05
    max_depth: int = 4
    min_child_weight: float = 20.0
    subsample: float = 0.8
    colsample_bytree: float = 0.5
    reg_lambda: float = 10.0
    max_bin: int = 256
    num_boost_round: int = 2000
    early_stopping_rounds: int = 50
    validation_fraction: float = 0.15
    resampling: Resampling = "none"
    resample_ratio: float = 0.5
    pd_cutoff: float = 0.15
    seed: int = 7
    nthread: int = 0  # 0: auto (see threads_for)


#: Below this many fitting rows one thread is faster: with the cores shared, OpenMP's
#: spin-waiting made 2 threads ~6x slower than 1 on 4k rows (measured, see RESULTS.md).
SINGLE_THREAD_BELOW = 100_000


def threads_for(rows: int, nthread: int) -> int:
    """Threads XGBoost should use: ``nthread`` if set, else 1 for small data, else all cores."""
    if nthread > 0:
        return nthread
    return 1 if rows < SINGLE_THREAD_BELOW else max(1, min(os.cpu_count() or 1, 8))


@dataclass(frozen=True)
class TrainResult:
    model: ScoringModel
    best_iteration: int
    validation: dict[str, float]
    rows: dict[str, int]
    base_rate: float
    resampled_base_rate: float


def feature_matrix(frame: pd.DataFrame, spec: FeatureSpec) -> np.ndarray:
    """float32 matrix in spec order (the same conversion ``ScoringModel`` does at scoring)."""
    missing = [c for c in spec.names if c not in frame.columns]
    if missing:
        raise KeyError(f"feature frame lacks spec columns {missing}")
    return frame[spec.names].to_numpy(dtype=np.float32, na_value=np.nan)


TRAIN_TABLE = lake_path(FEATURES_TRAIN)


def labels(frame: pd.DataFrame, spec: FeatureSpec, table: str = TRAIN_TABLE) -> np.ndarray:
    """The 0/1 target; a clear error naming rows when it is missing or not binary."""
    col = spec.target_column
    if col not in frame.columns:
        raise KeyError(f"{table} has no {col} column")
    y = frame[col]
    bad = ~y.isin([0, 1])
    if bad.any():
        ids = frame.loc[bad, spec.id_column].head(5).tolist() if spec.id_column in frame else []
        raise ValueError(
            f"{table}.{col} must be 0/1; {int(bad.sum())} rows are not "
            f"(e.g. {spec.id_column} {ids})"
        )
    return y.to_numpy(dtype=np.int8)


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def resample(
    x: np.ndarray, y: np.ndarray, spec: FeatureSpec, params: TrainParams
) -> tuple[np.ndarray, np.ndarray]:
    """Apply the configured resampling to (x, y); ``resample_ratio`` = minority/majority after."""
    if params.resampling == "none":
        return x, y
    if params.resampling == "undersample":
        from imblearn.under_sampling import RandomUnderSampler

        sampler = RandomUnderSampler(
            sampling_strategy=params.resample_ratio, random_state=params.seed
        )
        return sampler.fit_resample(x, y)
    if params.resampling == "smote":
        from imblearn.over_sampling import SMOTE, SMOTENC

        filled = np.where(np.isnan(x), np.nanmedian(x, axis=0), x)
        filled = np.nan_to_num(filled, nan=0.0)  # all-missing columns
        cats = [i for i, t in enumerate(spec.xgboost_feature_types) if t == "c"]
        kw = {"sampling_strategy": params.resample_ratio, "random_state": params.seed}
        sampler = SMOTENC(categorical_features=cats, **kw) if cats else SMOTE(**kw)
        xs, ys = sampler.fit_resample(filled, y)
        return xs.astype(np.float32), ys
    raise ValueError(f"unknown resampling {params.resampling!r}: use none, undersample or smote")


def train_model(
    frame: pd.DataFrame, spec: FeatureSpec, params: TrainParams, partition: str | None = None
) -> TrainResult:
    """Fit the booster with early stopping; return a ready ``ScoringModel`` and diagnostics."""
    x = feature_matrix(frame, spec)
    y = labels(frame, spec)
    if len(np.unique(y)) < 2:
        raise ValueError(f"{TRAIN_TABLE} holds a single TARGET class; cannot train a PD model")
    from sklearn.model_selection import train_test_split  # lazy: keeps the code location light

    x_fit, x_val, y_fit, y_val = train_test_split(
        x, y, test_size=params.validation_fraction, stratify=y, random_state=params.seed
    )
    base_rate = float(y_fit.mean())
    x_fit, y_fit = resample(x_fit, y_fit, spec, params)
    resampled_rate = float(np.mean(y_fit))
    threads = threads_for(len(y_fit), params.nthread)
    offset = _logit(base_rate) - _logit(resampled_rate) if params.resampling != "none" else 0.0

    def dmatrix(data: np.ndarray, label: np.ndarray) -> xgb.DMatrix:
        return xgb.DMatrix(
            data,
            label=label,
            feature_names=spec.names,
            feature_types=spec.xgboost_feature_types,
            enable_categorical=True,
            nthread=threads,
        )

    booster_params = {
        "objective": "binary:logistic",
        # The last metric drives early stopping: log loss (calibration) on the true base rate;
        # a resampled model's log loss on the untouched validation slice is biased, so AUC.
        "eval_metric": ["auc", "logloss"] if params.resampling == "none" else ["logloss", "auc"],
        "tree_method": "hist",
        "eta": params.learning_rate,
        "max_depth": params.max_depth,
        "min_child_weight": params.min_child_weight,
        "subsample": params.subsample,
        "colsample_bytree": params.colsample_bytree,
        "lambda": params.reg_lambda,
        "max_bin": params.max_bin,
        "max_cat_to_onehot": 1,
        "seed": params.seed,
        "nthread": threads,
    }
    d_fit = dmatrix(x_fit, y_fit)
    d_val = dmatrix(x_val, y_val)
    history: dict[str, dict[str, list[float]]] = {}
    booster = xgb.train(
        booster_params,
        d_fit,
        num_boost_round=params.num_boost_round,
        evals=[(d_val, "val")],
        early_stopping_rounds=params.early_stopping_rounds,
        evals_result=history,
        verbose_eval=False,
    )
    best = int(booster.best_iteration)
    booster = booster[: best + 1]  # keep only the trees early stopping chose
    meta = ModelMeta(
        pd_cutoff=params.pd_cutoff,
        logit_offset=offset,
        resampling=params.resampling,
        train_base_rate=base_rate,
        partition=partition,
        feature_spec_hash=spec.hash,
    )
    model = ScoringModel(booster, spec, meta)
    return TrainResult(
        model=model,
        best_iteration=best,
        validation={
            "val_auc": float(history["val"]["auc"][best]),
            "val_logloss": float(history["val"]["logloss"][best]),
        },
        rows={"train": len(y), "fit": len(y_fit), "validation": len(y_val)},
        base_rate=base_rate,
        resampled_base_rate=resampled_rate,
    )
