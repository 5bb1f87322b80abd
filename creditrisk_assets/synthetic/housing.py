"""The long tail of application columns: building statistics, social circle, documents, phone
change and credit-bureau enquiries.

These carry little signal (as in the real data) but most of the table's width and most of its
missingness: the 47 building columns are missing together for about half the applicants (no
building record), with column-specific extra gaps so each column's null rate matches the real
one. ``*_AVG``, ``*_MODE`` and ``*_MEDI`` of one statistic share the missing mask and nearly the
value, as in Kaggle.
"""

from __future__ import annotations

import numpy as np

from creditrisk_assets.synthetic._common import Cat, Column, count_draw, pick

#: Building statistic -> (mean, concentration) of its Beta marginal on [0, 1].
BUILDING = {
    "APARTMENTS": (0.117, 8.0),
    "BASEMENTAREA": (0.088, 8.0),
    "YEARS_BEGINEXPLUATATION": (0.978, 400.0),
    "YEARS_BUILD": (0.752, 22.0),
    "COMMONAREA": (0.045, 4.0),
    "ELEVATORS": (0.079, 2.0),
    "ENTRANCES": (0.15, 8.0),
    "FLOORSMAX": (0.226, 6.0),
    "FLOORSMIN": (0.232, 6.0),
    "LANDAREA": (0.066, 4.0),
    "LIVINGAPARTMENTS": (0.10, 8.0),
    "LIVINGAREA": (0.107, 8.0),
    "NONLIVINGAPARTMENTS": (0.0088, 1.0),
    "NONLIVINGAREA": (0.028, 1.5),
}
BUILDING_CATS = {
    "FONDKAPREMONT_MODE": {
        "reg oper account": 0.73,
        "reg oper spec account": 0.126,
        "not specified": 0.057,
        "org spec account": 0.057,
    },
    "HOUSETYPE_MODE": {"block of flats": 0.976, "specific housing": 0.01, "terraced house": 0.008},
    "WALLSMATERIAL_MODE": {
        "Panel": 0.426,
        "Stone, brick": 0.405,
        "Block": 0.059,
        "Wooden": 0.034,
        "Mixed": 0.015,
        "Monolithic": 0.012,
        "Others": 0.013,
    },
    "EMERGENCYSTATE_MODE": {"No": 0.986, "Yes": 0.014},
}
DOCUMENTS = {
    2: 0.00004,
    3: 0.71,
    4: 0.00008,
    5: 0.015,
    6: 0.088,
    7: 0.0002,
    8: 0.081,
    9: 0.004,
    10: 0.00002,
    11: 0.004,
    12: 0.00001,
    13: 0.0035,
    14: 0.0029,
    15: 0.0012,
    16: 0.0099,
    17: 0.0003,
    18: 0.0081,
    19: 0.0006,
    20: 0.0005,
    21: 0.0003,
}
#: AMT_REQ_CREDIT_BUREAU_<period>: mean enquiries in the period before the application.
ENQUIRIES = {"HOUR": 0.0064, "DAY": 0.007, "WEEK": 0.034, "MON": 0.267, "QRT": 0.265, "YEAR": 1.9}


def extra_columns(
    rng: np.random.Generator, w: np.ndarray, null_rates: dict[str, float]
) -> dict[str, Column]:
    n = len(w)
    cols: dict[str, Column] = {}
    cols.update(_building(rng, n, null_rates))

    # Social circle: observed acquaintances and how many of them defaulted.
    obs30 = count_draw(rng, n, 1.42, 0.45).astype(float)
    obs60 = np.maximum(obs30 + np.where(rng.random(n) < 0.02, -1, 0), 0)
    def30 = rng.binomial(obs30.astype(np.int64), np.clip(0.09 * np.exp(0.35 * w), 0, 0.9))
    def60 = rng.binomial(def30, 0.72).astype(float)
    gone = rng.random(n) < null_rates["OBS_30_CNT_SOCIAL_CIRCLE"]
    for name, values in (
        ("OBS_30_CNT_SOCIAL_CIRCLE", obs30),
        ("DEF_30_CNT_SOCIAL_CIRCLE", def30.astype(float)),
        ("OBS_60_CNT_SOCIAL_CIRCLE", obs60),
        ("DEF_60_CNT_SOCIAL_CIRCLE", def60),
    ):
        cols[name] = np.where(gone, np.nan, values)

    # A recently changed phone number is a (weak) warning sign, as in the real data.
    phone = -np.minimum(np.round(rng.gamma(1.1, 880.0, n) * np.exp(-0.12 * w)), 4292.0)
    cols["DAYS_LAST_PHONE_CHANGE"] = np.where(rng.random(n) < 0.12, 0.0, phone) + 0.0

    for k, p in DOCUMENTS.items():
        cols[f"FLAG_DOCUMENT_{k}"] = (rng.random(n) < p).astype(np.int64)

    gone = rng.random(n) < null_rates["AMT_REQ_CREDIT_BUREAU_YEAR"]
    for period, mean in ENQUIRIES.items():
        scale = np.exp(0.12 * w) if period in ("QRT", "YEAR") else 1.0
        values = rng.poisson(rng.gamma(0.8, mean / 0.8, n) * scale)
        cols[f"AMT_REQ_CREDIT_BUREAU_{period}"] = np.where(gone, np.nan, values.astype(float))
    return cols


def _building(rng: np.random.Generator, n: int, null_rates: dict[str, float]) -> dict[str, Column]:
    """The 47 building columns; missing together where the applicant has no building record."""
    names = [f"{b}_AVG" for b in BUILDING] + ["TOTALAREA_MODE", *BUILDING_CATS]
    base_rate = min(null_rates[c] for c in names)
    no_building = rng.random(n) < base_rate
    size = rng.standard_normal(n)  # one building's overall size drives its statistics together
    cols: dict[str, Column] = {}
    for stat, (mean, conc) in BUILDING.items():
        rate = null_rates[f"{stat}_AVG"]
        extra = max(0.0, 1.0 - (1.0 - rate) / (1.0 - base_rate))
        missing = no_building | (rng.random(n) < extra)
        u = rng.beta(mean * conc, (1 - mean) * conc, n)
        if mean < 0.5:  # sizes and counts scale with the building; ages and shares do not
            u = np.clip(u * np.exp(0.1 * size), 0, 1)
        avg = np.round(u, 4)
        mode = np.round(np.clip(u * (1 + 0.05 * rng.standard_normal(n)), 0, 1), 4)
        medi = np.round(np.clip(u * (1 + 0.01 * rng.standard_normal(n)), 0, 1), 4)
        for suffix, values in (("AVG", avg), ("MODE", mode), ("MEDI", medi)):
            cols[f"{stat}_{suffix}"] = np.where(missing, np.nan, values)
    total = np.round(np.clip(rng.beta(0.3, 2.6, n) * np.exp(0.15 * size), 0, 1), 4)
    rate = null_rates["TOTALAREA_MODE"]
    extra = max(0.0, 1.0 - (1.0 - rate) / (1.0 - base_rate))
    cols["TOTALAREA_MODE"] = np.where(no_building | (rng.random(n) < extra), np.nan, total)
    for name, table in BUILDING_CATS.items():
        extra = max(0.0, 1.0 - (1.0 - null_rates[name]) / (1.0 - base_rate))
        codes = pick(rng, n, list(table.values()))
        missing = no_building | (rng.random(n) < extra)
        cols[name] = Cat(np.where(missing, -1, codes), tuple(table))
    return cols
