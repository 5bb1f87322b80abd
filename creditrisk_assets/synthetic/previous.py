"""``previous_application``: the applicant's earlier applications at Home Credit.

The decision (approved, refused, canceled, unused offer) depends on the contract type and on the
applicant's riskiness: risky applicants were refused more often. Approved applications become
the loan book (:class:`LoanBook`) from which the monthly tables (POS_CASH, instalments, card
balances) are generated, so every ``SK_ID_PREV`` there exists here with the same ``SK_ID_CURR``.
Descriptive columns are kept consistent with each other the way Kaggle's are: consumer loans are
POS with goods and a seller; cash loans have a purpose, XNA goods; cards have no term.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk_assets.synthetic._common import (
    SENTINEL_DAYS,
    Cat,
    Column,
    group_counts,
    half_units,
    money,
    pick,
    records_per_applicant,
    sigmoid,
)
from creditrisk_assets.synthetic.previous_columns import descriptive_columns

CONTRACT = ("Cash loans", "Consumer loans", "Revolving loans", "XNA")
STATUS = ("Approved", "Canceled", "Refused", "Unused offer")
#: Decision weights per contract type (rows: CONTRACT; columns: STATUS).
STATUS_WEIGHTS = np.array(
    [
        [0.45, 0.35, 0.20, 0.0001],
        [0.88, 0.005, 0.08, 0.035],
        [0.50, 0.30, 0.20, 0.0001],
        [0.001, 0.999, 0.0001, 0.0001],
    ]
)
#: How the decision's log-odds move with riskiness (approved, canceled, refused, unused).
STATUS_SLOPES = np.array([0.0, 0.1, 0.9, 0.0])
P_HAS_PREVIOUS = 0.951
MEAN_PREVIOUS = 4.93


@dataclass(frozen=True)
class LoanBook:
    """The approved previous applications, for the monthly tables."""

    sk_id_prev: np.ndarray
    sk_id_curr: np.ndarray
    applicant: np.ndarray  # index into the chunk's applicants
    risk: np.ndarray  # per-loan riskiness (applicant's history risk + loan-level noise)
    revolving: np.ndarray
    cnt_payment: np.ndarray  # instalments planned (0 for cards)
    annuity: np.ndarray
    credit: np.ndarray
    days_decision: np.ndarray
    first_due: np.ndarray  # SENTINEL_DAYS when never drawn
    end_days: np.ndarray  # day the loan ended (may be > 0: still running)
    instalments_paid: np.ndarray  # instalments that fell due before the application


def generate_previous(
    rng: np.random.Generator, sk_id_curr: np.ndarray, w_hist: np.ndarray, first_id: int
) -> tuple[dict[str, Column], LoanBook, dict[str, np.ndarray]]:
    n = len(sk_id_curr)
    counts, parent = records_per_applicant(rng, n, P_HAS_PREVIOUS, MEAN_PREVIOUS, 1.1)
    m = len(parent)
    wp = w_hist[parent] + 0.6 * rng.standard_normal(m)

    ctype = pick(rng, m, [0.448, 0.437, 0.116, 0.0002])
    logits = np.log(STATUS_WEIGHTS[ctype]) + np.outer(np.clip(wp, -4, 4), STATUS_SLOPES)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(p, axis=1)
    status = (cdf < rng.random(m)[:, None] * cdf[:, -1:]).sum(axis=1)
    approved, canceled, refused = status == 0, status == 1, status == 2
    revolving = ctype == 2
    # Cards are older on average than instalment loans (they stay open for years).
    age_share = np.where(ctype == 2, rng.beta(1.2, 1.4, m), rng.beta(0.9, 1.9, m))
    days_decision = -(1 + np.floor(2921 * age_share)).astype(np.int64)

    terms = np.select(
        [ctype == 1, ctype == 0],
        [
            np.array([6, 8, 10, 12, 18, 24, 30, 36])[pick(rng, m, [16, 5, 16, 32, 10, 16, 1, 2])],
            np.array([12, 18, 24, 30, 36, 48, 60])[pick(rng, m, [34, 8, 28, 3, 14, 5, 8])],
        ],
        0,
    )
    application = np.select(
        [ctype == 1, ctype == 0, ctype == 2],
        [
            np.round(np.exp(np.log(60000.0) + 0.8 * rng.standard_normal(m)) * 2) / 2,
            np.round(np.exp(np.log(225000.0) + 0.75 * rng.standard_normal(m)) / 4500) * 4500,
            np.array([45000, 90000, 135000, 180000, 225000, 270000])[
                pick(rng, m, [2, 4, 5, 3, 3, 3])
            ],
        ],
        0.0,
    ).astype(float)
    application = np.where(canceled & (ctype != 1), 0.0, np.maximum(application, 0.0))
    credit = np.select(
        [ctype == 1, ctype == 0],
        [application * rng.uniform(0.85, 1.1, m), application * rng.uniform(1.0, 1.15, m)],
        application,
    )
    credit = np.where(refused & (ctype == 0), credit * rng.uniform(0.6, 1.0, m), credit)
    credit = half_units(credit)
    rate = 0.012 + 0.008 * sigmoid(wp)
    safe_terms = np.maximum(terms, 1)
    annuity = money(credit * rate / (1.0 - (1.0 + rate) ** -safe_terms), 3)
    annuity = np.where(revolving, np.where(rng.random(m) < 0.5, 0.0, money(credit * 0.05)), annuity)
    unpriced = canceled | (ctype == 3)
    annuity = np.where(unpriced, np.nan, annuity)
    cnt_payment = np.where(unpriced, np.nan, terms.astype(float))

    down = np.where(
        ctype == 1, np.where(rng.random(m) < 0.5, 0.0, money(application * rng.beta(1, 8, m))), 0.0
    )
    has_down = (ctype == 1) | (rng.random(m) < 0.1)
    down = np.where(has_down, down, np.nan)
    rate_down = np.where(has_down & (application > 0), down / np.maximum(application, 1), np.nan)
    rate_down = np.where(has_down & (application <= 0), 0.0, rate_down)
    goods = np.where(unpriced | revolving, np.nan, application)

    # Dates of approved loans: first due a few weeks after the decision, then monthly. Kaggle
    # never shows a first drawing or first due date after the application (positive only as
    # the 365243 sentinel), so recent decisions keep them at the day before.
    first_due = np.minimum(days_decision + rng.integers(10, 46, m), -1)
    never_drawn = revolving & (rng.random(m) < 0.3)
    first_due = np.where(never_drawn, SENTINEL_DAYS, first_due)
    planned_last = first_due + 30 * (np.maximum(terms, 1) - 1)
    early = rng.random(m) < 0.45
    paid_terms = np.where(early, np.ceil(terms * rng.uniform(0.2, 0.95, m)), terms).astype(int)
    end_days = np.where(revolving, SENTINEL_DAYS, first_due + 30 * (np.maximum(paid_terms, 1) - 1))
    card_closed = revolving & ~never_drawn & (rng.random(m) < 0.2)
    card_end = np.minimum(days_decision + rng.integers(300, 2500, m), -1)
    end_days = np.where(card_closed, card_end, end_days)
    ended = end_days < 0
    last_due = np.where(ended, end_days, SENTINEL_DAYS)
    termination = np.where(ended, np.minimum(end_days + rng.integers(0, 20, m), -1), SENTINEL_DAYS)
    first_draw = np.where(
        rng.random(m) < 0.94,
        SENTINEL_DAYS,
        np.minimum(days_decision + rng.integers(1, 30, m), -1),
    )
    last_1st = np.where(revolving & (rng.random(m) < 0.7), SENTINEL_DAYS, planned_last)
    elapsed = np.floor(-first_due / 30.0).astype(np.int64) + 1
    instalments_paid = np.where(revolving | never_drawn, 0, np.clip(elapsed, 0, paid_terms))

    def approved_only(x: np.ndarray) -> np.ndarray:
        return np.where(approved, x.astype(float), np.nan)

    cols: dict[str, Column] = {
        "SK_ID_PREV": first_id + np.arange(m, dtype=np.int64),
        "SK_ID_CURR": sk_id_curr[parent],
        "NAME_CONTRACT_TYPE": Cat(ctype, CONTRACT),
        "AMT_ANNUITY": annuity,
        "AMT_APPLICATION": application,
        "AMT_CREDIT": credit,
        "AMT_DOWN_PAYMENT": down,
        "AMT_GOODS_PRICE": goods,
        "RATE_DOWN_PAYMENT": rate_down,
        "NAME_CONTRACT_STATUS": Cat(status, STATUS),
        "DAYS_DECISION": days_decision,
        "CNT_PAYMENT": cnt_payment,
        "DAYS_FIRST_DRAWING": approved_only(first_draw),
        "DAYS_FIRST_DUE": approved_only(first_due),
        "DAYS_LAST_DUE_1ST_VERSION": approved_only(last_1st),
        "DAYS_LAST_DUE": approved_only(last_due),
        "DAYS_TERMINATION": approved_only(termination),
        "NFLAG_INSURED_ON_APPROVAL": approved_only((rng.random(m) < 0.33).astype(float)),
    }
    cols.update(descriptive_columns(rng, ctype, status, wp))

    sel = np.flatnonzero(approved)
    ids = cols["SK_ID_PREV"]
    assert isinstance(ids, np.ndarray)
    book = LoanBook(
        sk_id_prev=ids[sel],
        sk_id_curr=sk_id_curr[parent[sel]],
        applicant=parent[sel],
        risk=wp[sel],
        revolving=revolving[sel],
        cnt_payment=terms[sel].astype(np.int64),
        annuity=np.nan_to_num(annuity[sel]),
        credit=credit[sel],
        days_decision=days_decision[sel],
        first_due=first_due[sel],
        end_days=end_days[sel],
        instalments_paid=instalments_paid[sel].astype(np.int64),
    )
    agg = {
        "prev_count": counts.astype(float),
        "prev_refused_share": np.divide(
            group_counts(parent, n, refused),
            counts,
            out=np.zeros(n),
            where=counts > 0,
        ),
    }
    return cols, book, agg
