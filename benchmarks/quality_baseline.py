"""The fixed-setting XGBoost baseline that issue 21's candidate must beat on real rows.

Why a module: the baseline is the peer of the model-quality target, so what it sees (raw
application columns, strings as categories, three ratios; protected columns dropped for the
lawful variant) and how it is fitted (fixed depth, trees and rates; no search) are written
down once, apart from the cross-validation that compares it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BASELINE = {
    "objective": "binary:logistic",
    "eval_metric": "auc",
    "tree_method": "hist",
    "max_depth": 3,
    "eta": 0.02,
    "subsample": 0.8,
    "colsample_bytree": 0.5,
    "nthread": 1,
    "seed": 7,
}
BASELINE_TREES = 300


def baseline_frame(raw: pd.DataFrame, lawful: bool) -> pd.DataFrame:
    """Raw application columns (strings as categories) plus the three ratios of the issue."""
    from creditrisk_assets.risk.protected import load_policy

    drop = {"SK_ID_CURR", "TARGET"}
    if lawful:
        drop |= set(load_policy().excluded_sources)
    out = raw.drop(columns=[c for c in raw.columns if c in drop]).copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].astype("category")
    out["CREDIT_INCOME"] = raw["AMT_CREDIT"] / raw["AMT_INCOME_TOTAL"]
    out["ANNUITY_CREDIT"] = raw["AMT_ANNUITY"] / raw["AMT_CREDIT"]
    out["GOODS_CREDIT"] = raw["AMT_GOODS_PRICE"] / raw["AMT_CREDIT"]
    return out


def fit_baseline(x: pd.DataFrame, y: np.ndarray, x_test: pd.DataFrame) -> np.ndarray:
    import xgboost as xgb

    d = xgb.DMatrix(x, label=y, enable_categorical=True)
    booster = xgb.train(BASELINE, d, num_boost_round=BASELINE_TREES)
    return booster.predict(xgb.DMatrix(x_test, enable_categorical=True))
