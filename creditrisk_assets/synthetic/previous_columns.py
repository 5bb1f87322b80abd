"""Descriptive columns of ``previous_application``, kept consistent with the contract type and
decision as in Kaggle (a consumer loan is POS with goods and a seller, a cash loan has a purpose,
a canceled application has XNA portfolio and payment type, only refusals have a reject reason).
"""

from __future__ import annotations

import numpy as np

from creditrisk_assets.synthetic._common import Cat, Column, pick

CASH, CONSUMER, REVOLVING, XNA_TYPE = 0, 1, 2, 3
APPROVED, CANCELED, REFUSED, UNUSED = 0, 1, 2, 3

WEEKDAY = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
PURPOSE = {
    "Repairs": 0.32,
    "Other": 0.21,
    "Urgent needs": 0.12,
    "Everyday expenses": 0.035,
    "Building a house or an annex": 0.06,
    "Medicine": 0.03,
    "Payments on other loans": 0.03,
    "Education": 0.025,
    "Buying a new car": 0.02,
    "Car repairs": 0.018,
    "Furniture": 0.012,
}
GOODS = {
    "Mobile": 0.31,
    "Consumer Electronics": 0.17,
    "Computers": 0.145,
    "Audio/Video": 0.138,
    "Furniture": 0.074,
    "Photo / Cinema Equipment": 0.035,
    "Construction Materials": 0.036,
    "Clothing and Accessories": 0.033,
    "Auto Accessories": 0.01,
    "Jewelry": 0.009,
    "Homewares": 0.007,
    "Medical Supplies": 0.005,
    "Vehicles": 0.005,
    "Sport and Leisure": 0.004,
    "Gardening": 0.004,
    "Other": 0.004,
    "Office Appliances": 0.0015,
    "Medicine": 0.0012,
    "Education": 0.0001,
}
#: Goods category -> product family of its POS product combination.
GOODS_FAMILY = {"Mobile": "mobile", "Furniture": "industry", "Construction Materials": "industry"}
for _g in ("Consumer Electronics", "Computers", "Audio/Video", "Photo / Cinema Equipment"):
    GOODS_FAMILY[_g] = "household"
SELLER = {
    "Consumer electronics": 0.5,
    "Connectivity": 0.34,
    "Furniture": 0.07,
    "Construction": 0.04,
    "Clothing": 0.03,
    "Industry": 0.02,
    "Auto technology": 0.006,
    "Jewelry": 0.003,
}
COMBINATIONS = (
    "Card Street",
    "Card X-Sell",
    "Cash",
    "Cash Street: high",
    "Cash Street: low",
    "Cash Street: middle",
    "Cash X-Sell: high",
    "Cash X-Sell: low",
    "Cash X-Sell: middle",
    "POS household with interest",
    "POS household without interest",
    "POS industry with interest",
    "POS industry without interest",
    "POS mobile with interest",
    "POS mobile without interest",
    "POS other with interest",
    "POS others without interest",
)
YIELD = ("XNA", "high", "low_action", "low_normal", "middle")
CHANNEL = (
    "Credit and cash offices",
    "Country-wide",
    "Stone",
    "Regional / Local",
    "Contact center",
    "AP+ (Cash loan)",
    "Channel of corporate sales",
)
CHANNEL_WEIGHTS = {
    CASH: [0.70, 0.0, 0.0, 0.0, 0.14, 0.12, 0.01],
    CONSUMER: [0.0, 0.6, 0.28, 0.12, 0.0, 0.0, 0.0],
    REVOLVING: [0.72, 0.15, 0.1, 0.03, 0.0, 0.0, 0.0],
    XNA_TYPE: [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
}
REJECT = ("XAP", "HC", "LIMIT", "SCO", "SCOFR", "XNA", "VERIF", "CLIENT")
SUITE = ("Unaccompanied", "Family", "Spouse, partner", "Children", "Other_B", "Other_A")


def _by_group(
    rng: np.random.Generator, groups: np.ndarray, weights: dict[int, list[float]]
) -> np.ndarray:
    """Codes drawn with a weight vector that depends on each row's group."""
    out = np.zeros(len(groups), dtype=np.int64)
    for g, w in weights.items():
        rows = np.flatnonzero(groups == g)
        out[rows] = pick(rng, len(rows), w)
    return out


def descriptive_columns(
    rng: np.random.Generator, ctype: np.ndarray, status: np.ndarray, wp: np.ndarray
) -> dict[str, Column]:
    m = len(ctype)
    cash, consumer, revolving = ctype == CASH, ctype == CONSUMER, ctype == REVOLVING
    canceled, refused = status == CANCELED, status == REFUSED
    cols: dict[str, Column] = {}
    weekday_w = [0.152, 0.153, 0.151, 0.150, 0.152, 0.144, 0.098]
    cols["WEEKDAY_APPR_PROCESS_START"] = Cat(pick(rng, m, weekday_w), WEEKDAY)
    hour = np.round(12.5 + 3.3 * rng.standard_normal(m))
    cols["HOUR_APPR_PROCESS_START"] = np.clip(hour, 0, 23).astype(np.int64)
    cols["FLAG_LAST_APPL_PER_CONTRACT"] = Cat((rng.random(m) < 0.995).astype(np.int64), ("N", "Y"))
    cols["NFLAG_LAST_APPL_IN_DAY"] = (rng.random(m) < 0.9965).astype(np.int64)
    has_rate = rng.random(m) < 0.0036
    cols["RATE_INTEREST_PRIMARY"] = np.where(has_rate, rng.uniform(0.035, 0.2, m), np.nan)
    cols["RATE_INTEREST_PRIVILEGED"] = np.where(has_rate, rng.uniform(0.37, 0.87, m), np.nan)

    purposes = (*PURPOSE, "XAP", "XNA")
    purpose = pick(rng, m, list(PURPOSE.values()))
    purpose = np.where(rng.random(m) < 0.906, len(purposes) - 1, purpose)
    cols["NAME_CASH_LOAN_PURPOSE"] = Cat(np.where(cash, purpose, len(purposes) - 2), purposes)

    xna_pay = canceled | (refused & (rng.random(m) < 0.6)) | (ctype == XNA_TYPE)
    pay = np.where(rng.random(m) < 0.99, 0, 1)
    cols["NAME_PAYMENT_TYPE"] = Cat(
        np.where(xna_pay, 2, pay), ("Cash through the bank", "Non-cash from your account", "XNA")
    )
    reason = 1 + pick(rng, m, [0.6, 0.19, 0.13, 0.045, 0.02, 0.015])
    reason = np.where(refused, reason, np.where(status == UNUSED, 7, 0))
    cols["CODE_REJECT_REASON"] = Cat(reason, REJECT)
    suite = pick(rng, m, [0.6, 0.25, 0.08, 0.037, 0.02, 0.01])
    cols["NAME_TYPE_SUITE"] = Cat(np.where(rng.random(m) < 0.49, -1, suite), SUITE)
    cols["NAME_CLIENT_TYPE"] = Cat(
        pick(rng, m, [0.18, 0.081, 0.737, 0.001]), ("New", "Refreshed", "Repeater", "XNA")
    )

    goods_names = (*GOODS, "XNA")
    goods = np.where(consumer, pick(rng, m, list(GOODS.values())), len(GOODS))
    cols["NAME_GOODS_CATEGORY"] = Cat(goods, goods_names)
    portfolio = np.select([consumer, cash, revolving], [0, 1, 2], 3)
    portfolio = np.where(canceled & ~consumer, 3, portfolio)
    cols["NAME_PORTFOLIO"] = Cat(portfolio, ("POS", "Cash", "Cards", "XNA"))
    x_sell = rng.random(m) < 0.72
    product = np.where(consumer | canceled, 0, np.where(x_sell, 2, 1))
    cols["NAME_PRODUCT_TYPE"] = Cat(product, ("XNA", "walk-in", "x-sell"))
    cols["CHANNEL_TYPE"] = Cat(_by_group(rng, ctype, CHANNEL_WEIGHTS), CHANNEL)
    area = np.where(rng.random(m) < 0.1, 0, 1 + np.floor(rng.gamma(0.6, 700.0, m)))
    cols["SELLERPLACE_AREA"] = np.where(consumer, area, -1).astype(np.int64)
    seller = pick(rng, m, list(SELLER.values()))
    cols["NAME_SELLER_INDUSTRY"] = Cat(np.where(consumer, seller, len(SELLER)), (*SELLER, "XNA"))

    # Yield group: risky borrowers were priced higher.
    yld = 1 + pick(rng, m, [0.3, 0.08, 0.28, 0.34])
    yld = np.where((yld != 1) & (rng.random(m) < 0.15 * np.clip(wp, 0, 3)), 1, yld)
    yld = np.where(revolving | canceled | (ctype == XNA_TYPE), 0, yld)
    cols["NAME_YIELD_GROUP"] = Cat(yld, YIELD)
    cols["PRODUCT_COMBINATION"] = Cat(_combination(ctype, status, yld, goods, x_sell), COMBINATIONS)
    return cols


def _combination(
    ctype: np.ndarray, status: np.ndarray, yld: np.ndarray, goods: np.ndarray, x_sell: np.ndarray
) -> np.ndarray:
    """PRODUCT_COMBINATION as Kaggle composes it from type, channel, yield and goods."""
    idx = {c: i for i, c in enumerate(COMBINATIONS)}
    level = np.array(["", "high", "low", "low", "middle"], dtype=object)[yld]
    goods_names = np.array([*GOODS, "XNA"], dtype=object)
    family = np.array([GOODS_FAMILY.get(g, "other") for g in goods_names], dtype=object)[goods]
    out = np.full(len(ctype), idx["Cash"], dtype=np.int64)
    for lvl in ("high", "low", "middle"):
        street = (ctype == CASH) & (level == lvl) & ~x_sell
        out[street] = idx[f"Cash Street: {lvl}"]
        out[(ctype == CASH) & (level == lvl) & x_sell] = idx[f"Cash X-Sell: {lvl}"]
    out[(ctype == REVOLVING) & x_sell] = idx["Card X-Sell"]
    out[(ctype == REVOLVING) & ~x_sell] = idx["Card Street"]
    with_interest = yld != 2
    for fam in ("household", "industry", "mobile", "other"):
        rows = (ctype == CONSUMER) & (family == fam)
        without = "POS others without interest" if fam == "other" else f"POS {fam} without interest"
        out[rows & with_interest] = idx[f"POS {fam} with interest"]
        out[rows & ~with_interest] = idx[without]
    out[(ctype == CASH) & (status == CANCELED)] = idx["Cash"]
    return out
