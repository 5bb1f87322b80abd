"""The applicant rows of ``application_train`` / ``application_test``: who asks for what loan.

A latent creditworthiness ``w`` (standard normal, higher = riskier) shapes the columns a lender
sees at application time: external scores, age, employment, education, income and the loan's
size. The default probability is later computed from these *columns* (see ``signal.py``), never
from ``w``, so what is planted is exactly what a model can learn. Marginals (shares, ranges,
sentinels, missingness) follow the real data; see the category tables below.
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
from creditrisk_assets.synthetic.housing import extra_columns

GENDER = ("F", "M", "XNA")
EDUCATION = (
    "Secondary / secondary special",
    "Higher education",
    "Incomplete higher",
    "Lower secondary",
    "Academic degree",
)
INCOME_TYPE = (
    "Working",
    "Commercial associate",
    "State servant",
    "Student",
    "Businessman",
    "Maternity leave",
    "Pensioner",
    "Unemployed",
)
FAMILY = {
    "Married": 0.639,
    "Single / not married": 0.148,
    "Civil marriage": 0.097,
    "Separated": 0.064,
    "Widow": 0.052,
    "Unknown": 0.00001,
}
HOUSING = {
    "House / apartment": 0.887,
    "With parents": 0.048,
    "Municipal apartment": 0.036,
    "Rented apartment": 0.016,
    "Office apartment": 0.0085,
    "Co-op apartment": 0.0036,
}
SUITE = {
    "Unaccompanied": 0.81,
    "Family": 0.131,
    "Spouse, partner": 0.037,
    "Children": 0.011,
    "Other_B": 0.0058,
    "Other_A": 0.0028,
    "Group of people": 0.0009,
}
WEEKDAY = {
    "TUESDAY": 0.175,
    "WEDNESDAY": 0.169,
    "MONDAY": 0.165,
    "THURSDAY": 0.164,
    "FRIDAY": 0.164,
    "SATURDAY": 0.11,
    "SUNDAY": 0.053,
}
# Occupation: weight among workers, and how it moves with riskiness.
OCCUPATION = {
    "Laborers": (0.26, 0.25),
    "Sales staff": (0.152, 0.1),
    "Core staff": (0.131, -0.1),
    "Managers": (0.102, -0.3),
    "Drivers": (0.088, 0.25),
    "High skill tech staff": (0.054, -0.25),
    "Accountants": (0.047, -0.4),
    "Medicine staff": (0.04, -0.1),
    "Security staff": (0.032, 0.2),
    "Cooking staff": (0.028, 0.2),
    "Cleaning staff": (0.022, 0.1),
    "Private service staff": (0.013, -0.1),
    "Low-skill Laborers": (0.01, 0.5),
    "Waiters/barmen staff": (0.0065, 0.2),
    "Secretaries": (0.006, -0.1),
    "Realty agents": (0.0035, 0.0),
    "HR staff": (0.0028, -0.2),
    "IT staff": (0.0025, -0.2),
}
ORGANIZATION = {
    "Business Entity Type 3": 0.27,
    "Self-employed": 0.153,
    "Other": 0.066,
    "Medicine": 0.044,
    "Business Entity Type 2": 0.042,
    "Government": 0.041,
    "School": 0.035,
    "Trade: type 7": 0.031,
    "Kindergarten": 0.027,
    "Construction": 0.027,
    "Business Entity Type 1": 0.024,
    "Transport: type 4": 0.021,
    "Trade: type 3": 0.014,
    "Industry: type 9": 0.013,
    "Industry: type 3": 0.013,
    "Security": 0.013,
    "Housing": 0.012,
    "Industry: type 11": 0.011,
    "Military": 0.011,
    "Bank": 0.01,
    "Agriculture": 0.01,
    "Police": 0.009,
    "Transport: type 2": 0.009,
    "Postal": 0.0085,
    "Security Ministries": 0.008,
    "Trade: type 2": 0.0075,
    "Restaurant": 0.0072,
    "Services": 0.0063,
    "University": 0.0053,
    "Industry: type 7": 0.0052,
    "Transport: type 3": 0.0047,
    "Industry: type 1": 0.004,
    "Hotel": 0.0039,
    "Electricity": 0.0038,
    "Industry: type 4": 0.0035,
    "Trade: type 6": 0.0025,
    "Industry: type 5": 0.0024,
    "Insurance": 0.0024,
    "Telecom": 0.0023,
    "Emergency": 0.0022,
    "Industry: type 2": 0.0018,
    "Advertising": 0.0017,
    "Realtor": 0.0016,
    "Culture": 0.0015,
    "Industry: type 12": 0.0015,
    "Trade: type 1": 0.0014,
    "Mobile": 0.0012,
    "Legal Services": 0.0012,
    "Cleaning": 0.001,
    "Transport: type 1": 0.0008,
    "Industry: type 6": 0.0005,
    "Industry: type 10": 0.0004,
    "Religion": 0.0003,
    "Industry: type 13": 0.0003,
    "Trade: type 4": 0.0002,
    "Trade: type 5": 0.0002,
}
# (REGION_POPULATION_RELATIVE, REGION_RATING_CLIENT, weight): a fixed map of regions, so the
# same region always has the same population density and rating, as in the real data.
REGIONS = (
    (0.072508, 1, 0.027),
    (0.04622, 1, 0.043),
    (0.035792, 1, 0.053),
    (0.031329, 2, 0.037),
    (0.030755, 2, 0.039),
    (0.028663, 2, 0.038),
    (0.026392, 2, 0.038),
    (0.025164, 2, 0.039),
    (0.022625, 2, 0.035),
    (0.020713, 2, 0.021),
    (0.019689, 2, 0.021),
    (0.01885, 2, 0.053),
    (0.018634, 2, 0.039),
    (0.01852, 2, 0.016),
    (0.015221, 2, 0.036),
    (0.014464, 2, 0.023),
    (0.010966, 2, 0.017),
    (0.010032, 2, 0.021),
    (0.009657, 2, 0.017),
    (0.009549, 2, 0.013),
    (0.00963, 2, 0.017),
    (0.008866, 2, 0.017),
    (0.008625, 2, 0.021),
    (0.008575, 2, 0.017),
    (0.008474, 2, 0.014),
    (0.008019, 2, 0.026),
    (0.007305, 2, 0.017),
    (0.007274, 2, 0.014),
    (0.007114, 2, 0.013),
    (0.006852, 2, 0.016),
    (0.006671, 2, 0.017),
    (0.006296, 2, 0.015),
    (0.006233, 2, 0.017),
    (0.006207, 2, 0.017),
    (0.006008, 2, 0.016),
    (0.005313, 3, 0.016),
    (0.005144, 3, 0.015),
    (0.005002, 3, 0.015),
    (0.00496, 3, 0.015),
    (0.004849, 3, 0.013),
    (0.003818, 3, 0.013),
    (0.003541, 3, 0.012),
    (0.003122, 3, 0.016),
    (0.003069, 3, 0.009),
    (0.002506, 3, 0.012),
    (0.002134, 3, 0.008),
    (0.002042, 3, 0.009),
    (0.001808, 3, 0.006),
    (0.001417, 3, 0.005),
    (0.001333, 3, 0.005),
    (0.00029, 3, 0.003),
)
#: Beta shapes and upper bound of the external scores' marginals (left-skewed, as in Kaggle).
EXT_SHAPES = {"EXT_SOURCE_1": (2.21, 2.07, 0.96), "EXT_SOURCE_2": (2.29, 1.52, 0.855)}
EXT_SHAPES["EXT_SOURCE_3"] = (2.40, 1.82, 0.90)


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
    years_emp = rng.gamma(1.25, 5.4, n) * np.exp(-0.3 * w) * (1.0 - 0.3 * drift)
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
    income = np.exp(log_inc) * (1.0 + 0.25 * drift)
    cols["AMT_INCOME_TOTAL"] = np.maximum(np.round(income / 2250.0) * 2250.0, 25650.0)
    revolving = cols["NAME_CONTRACT_TYPE"].codes == 1
    loan_scale = 1.0 + 0.3 * drift
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
        latent = -0.45 * w + np.sqrt(1 - 0.45**2) * rng.standard_normal(n) - 0.5 * drift
        score = top * betaincinv(a, b, np.clip(ndtr(latent), 1e-9, 1 - 1e-9))
        cols[name] = with_nulls(rng, score, null_rates[name])

    cols.update(extra_columns(rng, w, null_rates))
    return cols


def _nullable(rng: np.random.Generator, cat: Cat, rate: float) -> Cat:
    """Blank out a fraction ``rate`` of a categorical column."""
    codes = np.where(rng.random(len(cat)) < rate, -1, cat.codes)
    return Cat(codes, cat.categories)
