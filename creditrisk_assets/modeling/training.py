"""Training: XGBoost on the feature store's train split, optional resampling, prior-shift fix.

Pure (no Dagster, no MLflow) so the benchmark and tests call exactly what the asset runs.

- How many trees: on a large train split (``cv_below_rows`` rows or more) an inner validation
  slice (stratified, seeded) drives early stopping; with ``refit`` (default) the model is then
  refitted on every train row on the features that carried the first fit (see :mod:`.refit`);
  ``validation`` keeps the early-stopping figures. On a small one such a slice holds a few
  dozen defaults, and early stopping on it stopped after ~6 trees on the real 5,000-row sample;
  there the round count is chosen by stratified k-fold cross-validation (``xgboost.cv`` on
  ``cv_folds`` x ``cv_repeats`` seeded folds, early-stopped on the folds' mean curve) and the
  final model is fitted on every train row. ``TrainResult.rounds_by`` says which ran. The test
  split is never seen here.
- The spec's declared monotone directions (``Feature.monotone``) are enforced by XGBoost's
  ``monotone_constraints`` unless ``monotone`` is off.
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
from typing import Any, Literal

import numpy as np
import pandas as pd

from creditrisk_assets.features.spec import FeatureSpec
from creditrisk_assets.keys import FEATURES_TRAIN, lake_path
from creditrisk_assets.lazy_imports import xgboost as xgb
from creditrisk_assets.modeling.refit import drop_features, kept_features, refit_trees
from creditrisk_assets.modeling.scoring_model import ModelMeta, ScoringModel

Resampling = Literal["none", "undersample", "smote"]
RoundsBy = Literal["early_stopping", "cv"]


@dataclass(frozen=True)
class TrainParams:
    """Hyperparameters (the Dagster ``CandidateConfig`` documents each one)."""

    learning_rate: float = 0.05
    max_depth: int = 3
    min_child_weight: float = 20.0
    subsample: float = 0.8
    colsample_bytree: float = 0.5
    reg_lambda: float = 10.0
    max_bin: int = 256
    num_boost_round: int = 2000
    early_stopping_rounds: int = 50
    validation_fraction: float = 0.15
    refit: bool = True
    refit_gain_share: float = 0.95
    cv_below_rows: int = 20_000
    cv_folds: int = 5
    cv_repeats: int = 1
    monotone: bool = True
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
    rounds_by: RoundsBy = "early_stopping"


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


def booster_params(spec: FeatureSpec, params: TrainParams, threads: int) -> dict[str, Any]:
    """XGBoost's parameters for ``params``; the last eval metric drives early stopping: log
    loss (calibration) on the true base rate, AUC for a resampled model (whose log loss on
    untouched rows is biased)."""
    out: dict[str, Any] = {
        "objective": "binary:logistic",
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
    if params.monotone and spec.monotone_constraints:
        out["monotone_constraints"] = spec.monotone_constraints
    return out


def cv_rounds(
    d_all: xgb.DMatrix, y: np.ndarray, booster: dict[str, Any], params: TrainParams
) -> tuple[int, dict[str, float], int]:
    """(rounds, mean/std AUC and log loss at that round, folds) by stratified k-fold CV."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    # each fold needs defaults to validate on: fewer folds when the minority class is tiny
    folds = max(2, min(params.cv_folds, int(np.bincount(y).min())))
    splitter = RepeatedStratifiedKFold(
        n_splits=folds, n_repeats=params.cv_repeats, random_state=params.seed
    )
    table = xgb.cv(
        booster,
        d_all,
        num_boost_round=params.num_boost_round,
        folds=list(splitter.split(np.zeros(len(y)), y)),
        early_stopping_rounds=params.early_stopping_rounds,
        seed=params.seed,
        verbose_eval=False,
    )
    last = table.iloc[-1]
    scores = {
        "val_auc": float(last["test-auc-mean"]),
        "val_auc_std": float(last["test-auc-std"]),
        "val_logloss": float(last["test-logloss-mean"]),
    }
    return len(table), scores, folds * params.cv_repeats


def train_model(
    frame: pd.DataFrame, spec: FeatureSpec, params: TrainParams, partition: str | None = None
) -> TrainResult:
    """Fit the booster (round count by early stopping or, on small data, by CV); return a ready
    ``ScoringModel`` and diagnostics."""
    x = feature_matrix(frame, spec)
    y = labels(frame, spec)
    if len(np.unique(y)) < 2:
        raise ValueError(f"{TRAIN_TABLE} holds a single TARGET class; cannot train a PD model")
    use_cv = len(y) < params.cv_below_rows

    def dmatrix(data: np.ndarray, label: np.ndarray, threads: int) -> xgb.DMatrix:
        return xgb.DMatrix(
            data,
            label=label,
            feature_names=spec.names,
            feature_types=spec.xgboost_feature_types,
            enable_categorical=True,
            nthread=threads,
        )

    if use_cv:
        # CV chooses the round count on the rows as they are; resampling, when configured,
        # then applies to the final fit only (it is not the default, see RESULTS.md)
        threads = threads_for(len(y), params.nthread)
        cv_booster = booster_params(spec, params, threads)
        rounds, validation, n_folds = cv_rounds(dmatrix(x, y, threads), y, cv_booster, params)
        x_fit, y_fit, n_val = x, y, 0
    else:
        from sklearn.model_selection import train_test_split  # lazy: keeps the location light

        x_fit, x_val, y_fit, y_val = train_test_split(
            x, y, test_size=params.validation_fraction, stratify=y, random_state=params.seed
        )
        n_val, n_folds = len(y_val), 0
    base_rate, n_fit = float(y_fit.mean()), len(y_fit)
    x_fit, y_fit = resample(x_fit, y_fit, spec, params)
    resampled_rate, n_fitted = float(np.mean(y_fit)), len(y_fit)
    threads = threads_for(len(y_fit), params.nthread)
    offset = _logit(base_rate) - _logit(resampled_rate) if params.resampling != "none" else 0.0
    booster_kw = booster_params(spec, params, threads)
    d_fit = dmatrix(x_fit, y_fit, threads)
    if use_cv:
        booster = xgb.train(booster_kw, d_fit, num_boost_round=rounds, verbose_eval=False)
        best = rounds - 1
    else:
        history: dict[str, dict[str, list[float]]] = {}
        booster = xgb.train(
            booster_kw,
            d_fit,
            num_boost_round=params.num_boost_round,
            evals=[(dmatrix(x_val, y_val, threads), "val")],
            early_stopping_rounds=params.early_stopping_rounds,
            evals_result=history,
            verbose_eval=False,
        )
        best = int(booster.best_iteration)
        booster = booster[: best + 1]  # keep only the trees early stopping chose
        validation = {
            "val_auc": float(history["val"]["auc"][best]),
            "val_logloss": float(history["val"]["logloss"][best]),
            "early_stopping_trees": float(best + 1),
        }
        if params.refit:  # every train row, the features that carried the fit (see .refit)
            keep = kept_features(booster, spec.names, params.refit_gain_share)
            x_all, y_all = resample(drop_features(x, spec.names, keep), y, spec, params)
            trees = refit_trees(best + 1, len(y), n_fit)
            threads = threads_for(len(y_all), params.nthread)
            d_all = dmatrix(x_all, y_all, threads)
            kw = booster_params(spec, params, threads)
            booster = xgb.train(kw, d_all, num_boost_round=trees, verbose_eval=False)
            best, n_fitted = trees - 1, len(y_all)
            validation["refit_features"] = float(len(keep))
    meta = ModelMeta(
        pd_cutoff=params.pd_cutoff,
        logit_offset=offset,
        resampling=params.resampling,
        train_base_rate=base_rate,
        partition=partition,
        feature_spec_hash=spec.hash,
    )
    return TrainResult(
        model=ScoringModel(booster, spec, meta),
        best_iteration=best,
        validation=validation,
        rows={"train": len(y), "fit": n_fitted, "validation": n_val, "cv_folds": n_folds},
        base_rate=base_rate,
        resampled_base_rate=resampled_rate,
        rounds_by="cv" if use_cv else "early_stopping",
    )
