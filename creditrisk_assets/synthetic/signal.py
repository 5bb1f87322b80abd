"""The planted default signal: a true PD computed from the generated *records* only.

``logit PD = intercept + APP_SCALE * app_score(application columns)
                       + HISTORY_SCALE * history_score(per-applicant history aggregates)
                       + DRIFT_LOGIT * drift``

The latent creditworthiness that shaped the records never enters here, so the true PD is the
best any model can do on the snapshot and its AUC against TARGET is the ceiling. The history
aggregates are simple per-applicant shares and flags (late / short instalments, bad months in
bureau_balance, overdue bureau credits, refused applications, card utilisation and DPD, POS DPD),
so a model with simple aggregates can approach the ceiling and one on application columns alone
cannot. The intercept is calibrated on a fixed pilot sample at drift 0 (see ``calibrate``), so the
default rate is about ``TARGET_RATE`` without drift and rises with it.
"""

from __future__ import annotations

import numpy as np

from creditrisk_assets.synthetic._common import SENTINEL_DAYS, Cat, Column, sigmoid

TARGET_RATE = 0.0807
APP_SCALE = 0.8
HISTORY_SCALE = 0.65
#: Extra log-odds of default per unit of drift, on top of what the drifted columns do.
DRIFT_LOGIT = 0.35

#: Per-applicant history aggregates the PD reads, with their weights and centres.
HISTORY_TERMS = {
    "inst_late_share": (3.0, 0.08),
    "inst_short_share": (3.5, 0.04),
    "bb_bad_share": (4.0, 0.01),
    "bureau_overdue_now": (0.8, 0.0),
    "bureau_past_overdue_share": (0.8, 0.15),
    "prev_refused_share": (1.2, 0.15),
    "cc_dpd_any": (0.6, 0.0),
    "pos_dpd_share": (3.0, 0.01),
}
LOW_SKILL = ("Laborers", "Drivers", "Low-skill Laborers", "Security staff", "Cooking staff")


def _arr(cols: dict[str, Column], name: str) -> np.ndarray:
    col = cols[name]
    if isinstance(col, Cat):
        raise TypeError(f"{name} is categorical")
    return np.asarray(col, dtype=float)


def _code_in(col: Column, names: tuple[str, ...]) -> np.ndarray:
    assert isinstance(col, Cat)
    wanted = [i for i, c in enumerate(col.categories) if c in names]
    return np.isin(col.codes, wanted)


def _centred(x: np.ndarray, centre: float, missing: float = 0.0) -> np.ndarray:
    return np.where(np.isnan(x), missing, x - centre)


def app_score(cols: dict[str, Column]) -> np.ndarray:
    """Log-odds contribution of the application row (a credit scorecard, in effect)."""
    s = -2.6 * _centred(_arr(cols, "EXT_SOURCE_2"), 0.51)
    s += -2.6 * _centred(_arr(cols, "EXT_SOURCE_3"), 0.51, missing=-0.04)
    s += -1.8 * _centred(_arr(cols, "EXT_SOURCE_1"), 0.50)
    age = -_arr(cols, "DAYS_BIRTH") / 365.25
    s += -0.02 * (age - 44.0)
    days_emp = _arr(cols, "DAYS_EMPLOYED")
    no_job = days_emp == SENTINEL_DAYS
    years = np.where(no_job, 5.0, -days_emp / 365.25)
    s += -0.05 * (np.minimum(years, 20.0) - 5.0) - 0.15 * no_job
    s += 0.3 * _code_in(cols["CODE_GENDER"], ("M",))
    s += -0.35 * _code_in(cols["NAME_EDUCATION_TYPE"], ("Higher education",))
    s += -0.8 * _code_in(cols["NAME_EDUCATION_TYPE"], ("Academic degree",))
    s += 0.35 * _code_in(cols["NAME_EDUCATION_TYPE"], ("Lower secondary",))
    s += 0.15 * _code_in(cols["OCCUPATION_TYPE"], LOW_SKILL)
    burden = _arr(cols, "AMT_ANNUITY") / _arr(cols, "AMT_INCOME_TOTAL")
    s += 1.5 * np.clip(_centred(burden, 0.18), -0.2, 0.6)
    markup = _arr(cols, "AMT_CREDIT") / _arr(cols, "AMT_GOODS_PRICE")
    s += 1.2 * np.clip(_centred(markup, 1.12), -0.2, 0.5)
    s += 0.15 * (_arr(cols, "REGION_RATING_CLIENT") - 2.0)
    s += -0.2 * _code_in(cols["FLAG_OWN_CAR"], ("Y",))
    s += -0.3 * _code_in(cols["NAME_CONTRACT_TYPE"], ("Revolving loans",))
    s += 0.25 * (np.nan_to_num(_arr(cols, "DEF_30_CNT_SOCIAL_CIRCLE")) > 0)
    s += 0.15 * (np.nan_to_num(_arr(cols, "DAYS_LAST_PHONE_CHANGE"), nan=-1e4) > -180)
    return s


def history_score(agg: dict[str, np.ndarray]) -> np.ndarray:
    """Log-odds contribution of the applicant's records in the history tables."""
    s = np.zeros(len(agg["prev_count"]))
    for name, (weight, centre) in HISTORY_TERMS.items():
        s += weight * (agg[name] - centre)
    s += 0.9 * (agg["cc_util_mean"] - 0.35) * agg["cc_has"]
    s += 0.4 * (agg["bureau_active_share"] - 0.35) * (agg["bureau_count"] > 0)
    s += 0.2 * (agg["prev_count"] == 0)
    return s


def score(cols: dict[str, Column], agg: dict[str, np.ndarray]) -> np.ndarray:
    """Everything of the logit that the records determine (no intercept, no drift shift)."""
    return APP_SCALE * app_score(cols) + HISTORY_SCALE * history_score(agg)


def calibrate(scores: np.ndarray, rate: float = TARGET_RATE) -> float:
    """Intercept b with mean(sigmoid(b + scores)) == rate, by bisection (deterministic)."""
    lo, hi = -20.0, 20.0
    for _ in range(100):
        mid = (lo + hi) / 2.0
        if sigmoid(mid + scores).mean() < rate:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def true_pd(scores: np.ndarray, intercept: float, drift: float) -> np.ndarray:
    return sigmoid(intercept + scores + DRIFT_LOGIT * drift)
