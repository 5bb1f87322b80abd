"""The applicant rows of ``application_train`` / ``application_test``: who asks for what loan.

A latent creditworthiness ``w`` (standard normal, higher = riskier) shapes the columns a lender
sees at application time: external scores, age, employment, education, income and the loan's
size. The default probability is later computed from these *columns* (see ``signal.py``), never
from ``w``, so what is planted is exactly what a model can learn. Marginals (shares, ranges,
sentinels, missingness) follow the real data; the category tables are in ``applicant_tables.py``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaincinv, ndtr

from creditrisk_assets.synthetic._common import (
    SENTINEL_DAYS,
    Cat,
    Column,
    half_units,
    pick,
    pick_cat,
    pick_shifted,
    sigmoid,
    with_nulls,
)
from creditrisk_assets.synthetic.applicant_tables import (
    EDUCATION,
    EXT_SHAPES,
    FAMILY,
    GENDER,
    HOUSING,
    INCOME_TYPE,
    OCCUPATION,
    ORGANIZATION,
    REGIONS,
    SUITE,
    WEEKDAY,
)
from creditrisk_assets.synthetic.housing import extra_columns

# What ``drift`` (0..1) does, per unit: at 1 each named column's PSI against drift 0 is about
# 0.3-0.4 (a "significant" shift by the usual PSI rule), at 0.5 about 0.1 (moderate).
DRIFT_INCOME = 0.35  # AMT_INCOME_TOTAL x (1 + 0.35 drift)
DRIFT_EXT_SHIFT = 0.6  # normal score behind each EXT_SOURCE_k shifted by -0.6 drift
DRIFT_EMPLOYMENT = 0.4  # years employed x (1 - 0.4 drift)
DRIFT_LOANS = 0.4  # goods price, credit, annuity, revolving limits x (1 + 0.4 drift)


def generate_applicants(
    rng: np.random.Generator, w: np.ndarray, drift: float, null_rates: dict[str, float]
) -> dict[str, Column]:
    """Application columns (everything except SK_ID_CURR and TARGET) for latent risks ``w``."""
    n = len(w)
    cols: dict[str, Column] = {}
    cols["NAME_CONTRACT_TYPE"] = Cat(
        np.where(rng.random(n) < 0.095, 1, 0), ("Cash loans", "Revolving loans")
    )
    gender = pick_shifted(rng, w, [0.658, 0.342, 0.00001], [0.0, 0.25, 0.0])
    cols["CODE_GENDER"] = Cat(gender, GENDER)
    male = gender == 1

    # Age and working life: younger and shorter-employed applicants are riskier.
    age = 43.9 - 2.5 * w + 11.6 * rng.standard_normal(n)
    bad = (age < 20.6) | (age > 69.0)
    age[bad] = rng.uniform(21.0, 68.5, bad.sum())
    days_birth = -np.round(age * 365.25).astype(np.int64)
    pensioner = rng.random(n) < sigmoid((age - 55.2) * 0.42)
    unemployed = ~pensioner & (rng.random(n) < 0.0001)
    income_type = pick_shifted(
        rng, w, [0.63, 0.284, 0.087, 0.00007, 0.00004, 0.00006], [0.05, 0.0, -0.4, 0, 0, 0]
    )
    income_type = np.where(pensioner, 6, np.where(unemployed, 7, income_type))
    cols["NAME_INCOME_TYPE"] = Cat(income_type, INCOME_TYPE)
    no_job = pensioner | unemployed
    years_emp = rng.gamma(1.25, 5.4, n) * np.exp(-0.3 * w) * (1.0 - DRIFT_EMPLOYMENT * drift)
    years_emp = np.minimum(years_emp, np.maximum(age - 18.5, 0.3))
    days_emp = -np.maximum(np.round(years_emp * 365.25), 1).astype(np.int64)
    cols["DAYS_EMPLOYED"] = np.where(no_job, SENTINEL_DAYS, days_emp)

    edu = pick_shifted(rng, w, [0.71, 0.243, 0.033, 0.0124, 0.0005], [0, -0.7, -0.2, 0.5, -0.9])
    cols["NAME_EDUCATION_TYPE"] = Cat(edu, EDUCATION)
    family = pick_cat(rng, n, FAMILY)
    cols["NAME_FAMILY_STATUS"] = family
    children = pick(rng, n, [0.70, 0.199, 0.087, 0.012, 0.0014, 0.0003, 0.0001])
    children = np.where(pensioner & (rng.random(n) < 0.9), 0, children)
    cols["CNT_CHILDREN"] = children
    couple = (family.codes == 0) | (family.codes == 2)
    cols["CNT_FAM_MEMBERS"] = (children + np.where(couple, 2, 1)).astype(float)

    # Money: income, then a loan sized to it. Drift raises incomes and loan amounts.
    log_inc = (
        np.log(138000.0)
        + 0.46 * rng.standard_normal(n)
        - 0.10 * w
        + 0.18 * male
        + 0.22 * (edu == 1)
        - 0.25 * pensioner
    )
    income = np.exp(log_inc) * (1.0 + DRIFT_INCOME * drift)
    cols["AMT_INCOME_TOTAL"] = np.maximum(np.round(income / 2250.0) * 2250.0, 25650.0)
    revolving = cols["NAME_CONTRACT_TYPE"].codes == 1
    loan_scale = 1.0 + DRIFT_LOANS * drift
    goods = np.exp(
        np.log(450000.0) + 0.60 * rng.standard_normal(n) + 0.35 * (log_inc - np.log(147000.0))
    )
    goods = np.clip(np.round(goods * loan_scale / 4500.0) * 4500.0, 40500.0, 4050000.0)
    markup = np.where(rng.random(n) < 0.3, 1.0, 1.0 + rng.gamma(2.0, 0.06, n) + 0.02 * w)
    credit = half_units(goods * np.maximum(markup, 1.0))
    term = pick(rng, n, [0.12, 0.1, 0.22, 0.16, 0.18, 0.12, 0.1]) * 6 + 12
    rate = 0.011 + 0.002 * rng.random(n)
    annuity = half_units(credit * rate / (1.0 - (1.0 + rate) ** -term))
    rev_credit = (
        np.array([45000, 90000, 135000, 180000, 225000, 270000, 450000, 675000])[
            pick(rng, n, [0.05, 0.15, 0.25, 0.15, 0.14, 0.14, 0.1, 0.02])
        ]
        * loan_scale
    )
    credit = np.where(revolving, np.round(rev_credit / 2250.0) * 2250.0, credit)
    annuity = np.where(revolving, half_units(credit * 0.05), annuity)
    goods = np.where(revolving, credit, goods)
    goods[revolving & (rng.random(n) < 0.006)] = np.nan
    cols["AMT_CREDIT"] = credit
    cols["AMT_ANNUITY"] = with_nulls(rng, annuity, null_rates.get("AMT_ANNUITY", 0.0))
    cols["AMT_GOODS_PRICE"] = goods
    cols["NAME_TYPE_SUITE"] = _nullable(rng, pick_cat(rng, n, SUITE), null_rates["NAME_TYPE_SUITE"])
    cols["NAME_HOUSING_TYPE"] = pick_cat(rng, n, HOUSING)

    region = pick_shifted(rng, w, [r[2] for r in REGIONS], [0.25 * (r[1] - 2) for r in REGIONS])
    pops = np.array([r[0] for r in REGIONS])
    ratings = np.array([r[1] for r in REGIONS])
    cols["REGION_POPULATION_RELATIVE"] = pops[region]
    cols["REGION_RATING_CLIENT"] = ratings[region]
    city_shift = rng.random(n)
    city = ratings[region] + np.where(city_shift < 0.04, -1, np.where(city_shift > 0.97, 1, 0))
    cols["REGION_RATING_CLIENT_W_CITY"] = np.clip(city, 1, 3)

    cols["DAYS_BIRTH"] = days_birth
    reg_years = np.maximum(age - 18.0, 0.5) * rng.beta(1.3, 1.4, n)
    cols["DAYS_REGISTRATION"] = -np.round(reg_years * 365.25)
    cols["DAYS_ID_PUBLISH"] = -np.floor(rng.beta(1.5, 1.5, n) * 6000.0).astype(np.int64)

    car = rng.random(n) < np.clip(0.27 + 0.2 * male - 0.05 * w, 0.02, 0.95)
    cols["FLAG_OWN_CAR"] = Cat(car.astype(np.int64), ("N", "Y"))
    cols["FLAG_OWN_REALTY"] = Cat((rng.random(n) < 0.69).astype(np.int64), ("N", "Y"))
    car_age = np.minimum(np.round(rng.gamma(1.9, 6.3, n)), 91.0)
    cols["OWN_CAR_AGE"] = np.where(car, car_age, np.nan)

    cols["FLAG_MOBIL"] = np.ones(n, dtype=np.int64)
    cols["FLAG_EMP_PHONE"] = (~no_job).astype(np.int64)
    cols["FLAG_WORK_PHONE"] = ((rng.random(n) < 0.24) & ~no_job).astype(np.int64)
    cols["FLAG_CONT_MOBILE"] = (rng.random(n) < 0.998).astype(np.int64)
    cols["FLAG_PHONE"] = (rng.random(n) < 0.28).astype(np.int64)
    cols["FLAG_EMAIL"] = (rng.random(n) < 0.057).astype(np.int64)

    occ_w = [v[0] for v in OCCUPATION.values()]
    occ = pick_shifted(rng, w, occ_w, [v[1] for v in OCCUPATION.values()])
    occ_null = no_job | (rng.random(n) < 0.18)
    cols["OCCUPATION_TYPE"] = Cat(np.where(occ_null, -1, occ), tuple(OCCUPATION))

    cols["WEEKDAY_APPR_PROCESS_START"] = pick_cat(rng, n, WEEKDAY)
    hour = np.round(12.1 + 3.3 * rng.standard_normal(n))
    cols["HOUR_APPR_PROCESS_START"] = np.clip(hour, 0, 23).astype(np.int64)
    for name, p, works in (
        ("REG_REGION_NOT_LIVE_REGION", 0.015, False),
        ("REG_REGION_NOT_WORK_REGION", 0.06, True),
        ("LIVE_REGION_NOT_WORK_REGION", 0.049, True),
        ("REG_CITY_NOT_LIVE_CITY", 0.078, False),
        ("REG_CITY_NOT_WORK_CITY", 0.28, True),
        ("LIVE_CITY_NOT_WORK_CITY", 0.22, True),
    ):
        flag = rng.random(n) < p * np.exp(0.15 * w)
        cols[name] = (flag & ~(no_job & works)).astype(np.int64)

    org_names = (*ORGANIZATION, "XNA")
    org = pick(rng, n, list(ORGANIZATION.values()))
    cols["ORGANIZATION_TYPE"] = Cat(np.where(no_job, len(org_names) - 1, org), org_names)

    for name, (a, b, top) in EXT_SHAPES.items():
        latent = -0.45 * w + np.sqrt(1 - 0.45**2) * rng.standard_normal(n) - DRIFT_EXT_SHIFT * drift
        score = top * betaincinv(a, b, np.clip(ndtr(latent), 1e-9, 1 - 1e-9))
        cols[name] = with_nulls(rng, score, null_rates[name])

    cols.update(extra_columns(rng, w, null_rates))
    return cols


def _nullable(rng: np.random.Generator, cat: Cat, rate: float) -> Cat:
    """Blank out a fraction ``rate`` of a categorical column."""
    codes = np.where(rng.random(len(cat)) < rate, -1, cat.codes)
    return Cat(codes, cat.categories)
