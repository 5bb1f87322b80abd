"""The true PD is a function of the written records only: recomputing it from the CSV files
(application columns plus per-applicant aggregates of the history tables) gives the oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd

from creditrisk_assets.synthetic import intercept
from creditrisk_assets.synthetic._common import Cat, Column
from creditrisk_assets.synthetic.signal import score, true_pd


def _columns(df: pd.DataFrame) -> dict[str, Column]:
    out: dict[str, Column] = {}
    for name, s in df.items():
        if s.dtype == object:
            cat = pd.Categorical(s)
            out[name] = Cat(np.asarray(cat.codes, dtype=np.int64), tuple(cat.categories))
        else:
            out[name] = s.to_numpy(dtype=float)
    return out


def _share(flags: pd.Series, keys: pd.Series, index: pd.Index) -> np.ndarray:
    return flags.astype(float).groupby(keys).mean().reindex(index).fillna(0.0).to_numpy()


def _any(flags: pd.Series, keys: pd.Series, index: pd.Index) -> np.ndarray:
    return flags.astype(float).groupby(keys).max().reindex(index).fillna(0.0).to_numpy()


def _aggregates(t: dict[str, pd.DataFrame], ids: pd.Index) -> dict[str, np.ndarray]:
    bureau, bb, prev = t["bureau"], t["bureau_balance"], t["previous_application"]
    pos, inst, cc = t["pos_cash_balance"], t["installments_payments"], t["credit_card_balance"]
    key = bureau["SK_ID_CURR"]
    agg = {
        "bureau_count": key.value_counts().reindex(ids).fillna(0).to_numpy(float),
        "bureau_active_share": _share(bureau["CREDIT_ACTIVE"] == "Active", key, ids),
        "bureau_overdue_now": _any(bureau["CREDIT_DAY_OVERDUE"] > 0, key, ids),
        "bureau_past_overdue_share": _share(bureau["AMT_CREDIT_MAX_OVERDUE"] > 0, key, ids),
    }
    months = bb.merge(bureau[["SK_ID_BUREAU", "SK_ID_CURR"]], on="SK_ID_BUREAU")
    rated = months[months["STATUS"].isin(list("012345"))]
    agg["bb_bad_share"] = _share(rated["STATUS"] != "0", rated["SK_ID_CURR"], ids)
    agg["prev_count"] = prev["SK_ID_CURR"].value_counts().reindex(ids).fillna(0).to_numpy(float)
    agg["prev_refused_share"] = _share(
        prev["NAME_CONTRACT_STATUS"] == "Refused", prev["SK_ID_CURR"], ids
    )
    agg["pos_dpd_share"] = _share(pos["SK_DPD"] > 0, pos["SK_ID_CURR"], ids)
    # one instalment may be paid in two rows: judge the instalment, not the row
    per = inst.groupby(["SK_ID_PREV", "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER"]).agg(
        curr=("SK_ID_CURR", "first"),
        due=("DAYS_INSTALMENT", "first"),
        first_paid=("DAYS_ENTRY_PAYMENT", "min"),
        owed=("AMT_INSTALMENT", "first"),
        paid=("AMT_PAYMENT", "sum"),
    )
    agg["inst_late_share"] = _share(per["first_paid"] > per["due"], per["curr"], ids)
    agg["inst_short_share"] = _share(per["paid"] < per["owed"] - 1e-6, per["curr"], ids)
    limited = cc[cc["AMT_CREDIT_LIMIT_ACTUAL"] > 0]
    agg["cc_util_mean"] = (
        (limited["AMT_BALANCE"] / limited["AMT_CREDIT_LIMIT_ACTUAL"])
        .groupby(limited["SK_ID_CURR"])
        .mean()
        .reindex(ids)
        .fillna(0.0)
        .to_numpy()
    )
    agg["cc_dpd_any"] = _any(cc["SK_DPD"] > 0, cc["SK_ID_CURR"], ids)
    agg["cc_has"] = ids.isin(cc["SK_ID_CURR"]).astype(float)
    return agg


def test_oracle_recomputed_from_the_files(
    tables: dict[str, pd.DataFrame], oracle: pd.DataFrame
) -> None:
    app = pd.concat(
        [tables["application_train"].drop(columns="TARGET"), tables["application_test"]]
    ).set_index("SK_ID_CURR")
    app = app.sort_index()
    expected = oracle.set_index("SK_ID_CURR")["TRUE_PD"].reindex(app.index).to_numpy()
    recomputed = true_pd(score(_columns(app), _aggregates(tables, app.index)), intercept(), 0.0)
    np.testing.assert_allclose(recomputed, expected, rtol=1e-9, atol=1e-12)
