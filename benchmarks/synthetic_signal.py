"""The planted signal of a synthetic snapshot, as a first-pass modeller would measure it.

Used by ``bench_synthetic.py``: the oracle's AUC (TRUE_PD vs TARGET), and XGBoost on
application columns alone, on simple per-applicant history aggregates alone, and on both,
trained on 70 % of application_train and scored on 30 %. Kept apart so the benchmark's driver
reads as timing and reporting only.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv
import xgboost as xgb
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split


def _read(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    opts = pacsv.ConvertOptions(include_columns=columns) if columns else None
    return pacsv.read_csv(path, convert_options=opts).to_pandas()


def _count_and_share(
    frame: pd.DataFrame, prefix: str, column: str, value: str
) -> dict[str, pd.Series]:
    """Rows per applicant (``<prefix>_count``) and the share of them whose ``column`` is
    ``value`` (``<prefix>_<value>_share``, lower case)."""
    key = frame["SK_ID_CURR"]
    return {
        f"{prefix}_count": frame.groupby(key).size(),
        f"{prefix}_{value.lower()}_share": (frame[column] == value).groupby(key).mean(),
    }


def history_aggregates(folder: Path) -> pd.DataFrame:
    """Simple per-applicant aggregates a first-pass modeller would build (means, shares, max)."""
    parts = []
    bureau = _read(folder / "bureau.csv")
    g = bureau.groupby("SK_ID_CURR")
    parts.append(
        pd.DataFrame(
            {
                **_count_and_share(bureau, "b", "CREDIT_ACTIVE", "Active"),
                "b_day_overdue_max": g["CREDIT_DAY_OVERDUE"].max(),
                "b_sum_overdue": g["AMT_CREDIT_SUM_OVERDUE"].sum(),
                "b_max_overdue_mean": g["AMT_CREDIT_MAX_OVERDUE"].mean(),
                "b_debt_sum": g["AMT_CREDIT_SUM_DEBT"].sum(),
            }
        )
    )
    bb = _read(folder / "bureau_balance.csv", ["SK_ID_BUREAU", "STATUS"])
    bb["bad"] = bb["STATUS"].isin(["1", "2", "3", "4", "5"])
    bb["rated"] = bb["STATUS"].isin(["0", "1", "2", "3", "4", "5"])
    per_bureau = bb.groupby("SK_ID_BUREAU")[["bad", "rated"]].sum()
    per_bureau = per_bureau.join(bureau.set_index("SK_ID_BUREAU")["SK_ID_CURR"])
    per_app = per_bureau.groupby("SK_ID_CURR")[["bad", "rated"]].sum()
    parts.append((per_app["bad"] / per_app["rated"].clip(lower=1)).rename("bb_bad_share"))
    del bb, per_bureau

    prev = _read(folder / "previous_application.csv")
    g = prev.groupby("SK_ID_CURR")
    parts.append(
        pd.DataFrame(
            {
                **_count_and_share(prev, "p", "NAME_CONTRACT_STATUS", "Refused"),
                "p_credit_mean": g["AMT_CREDIT"].mean(),
            }
        )
    )
    pos = _read(folder / "POS_CASH_balance.csv", ["SK_ID_CURR", "SK_DPD", "SK_DPD_DEF"])
    g = pos.groupby("SK_ID_CURR")
    parts.append(
        pd.DataFrame(
            {
                "pos_dpd_share": (pos["SK_DPD"] > 0).groupby(pos["SK_ID_CURR"]).mean(),
                "pos_dpd_max": g["SK_DPD"].max(),
            }
        )
    )
    del pos
    inst = _read(folder / "installments_payments.csv")
    late = inst["DAYS_ENTRY_PAYMENT"] - inst["DAYS_INSTALMENT"]
    key = inst["SK_ID_CURR"]
    parts.append(
        pd.DataFrame(
            {
                "i_late_share": (late > 0).groupby(key).mean(),
                "i_late_days_mean": late.clip(lower=0).groupby(key).mean(),
                "i_paid_ratio": (inst["AMT_PAYMENT"] / inst["AMT_INSTALMENT"].clip(lower=1))
                .groupby(key)
                .mean(),
                "i_short_share": (inst["AMT_PAYMENT"] < inst["AMT_INSTALMENT"]).groupby(key).mean(),
            }
        )
    )
    del inst
    cc = _read(folder / "credit_card_balance.csv")
    util = cc["AMT_BALANCE"] / cc["AMT_CREDIT_LIMIT_ACTUAL"].where(
        cc["AMT_CREDIT_LIMIT_ACTUAL"] > 0
    )
    key = cc["SK_ID_CURR"]
    parts.append(
        pd.DataFrame(
            {
                "cc_util_mean": util.groupby(key).mean(),
                "cc_dpd_max": cc["SK_DPD"].groupby(key).max(),
                "cc_atm_mean": cc["AMT_DRAWINGS_ATM_CURRENT"].groupby(key).mean(),
            }
        )
    )
    return pd.concat(parts, axis=1)


def _fit_auc(x_train: pd.DataFrame, y_train: pd.Series, x_test: pd.DataFrame, y_test) -> float:
    model = xgb.XGBClassifier(
        n_estimators=400,
        learning_rate=0.05,
        max_depth=5,
        subsample=0.8,
        colsample_bytree=0.8,
        min_child_weight=5,
        tree_method="hist",
        enable_categorical=True,
        n_jobs=os.cpu_count() or 2,
        random_state=0,
    )
    model.fit(x_train, y_train)
    return float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))


def signal_figures(folder: Path) -> dict[str, float]:
    app = _read(folder / "application_train.csv")
    oracle = _read(folder / "oracle_true_pd.csv").set_index("SK_ID_CURR")["TRUE_PD"]
    app = app.set_index("SK_ID_CURR")
    y = app.pop("TARGET")
    for col in app.columns:
        if app[col].dtype == object:
            app[col] = app[col].astype("category")
    hist = history_aggregates(folder)
    both = app.join(hist, how="left")
    idx_train, idx_test = train_test_split(app.index, test_size=0.3, stratify=y, random_state=0)
    return {
        "train_rows": len(app),
        "target_rate": float(y.mean()),
        "oracle_auc_all": float(roc_auc_score(y, oracle.loc[app.index])),
        "oracle_auc_holdout": float(roc_auc_score(y.loc[idx_test], oracle.loc[idx_test])),
        "app_only_auc": _fit_auc(
            app.loc[idx_train], y.loc[idx_train], app.loc[idx_test], y.loc[idx_test]
        ),
        "app_history_auc": _fit_auc(
            both.loc[idx_train], y.loc[idx_train], both.loc[idx_test], y.loc[idx_test]
        ),
        "history_only_auc": _fit_auc(
            hist.reindex(app.index).loc[idx_train],
            y.loc[idx_train],
            hist.reindex(app.index).loc[idx_test],
            y.loc[idx_test],
        ),
    }
