"""``bureau`` (other lenders' credits, as the credit bureau reports them) and ``bureau_balance``
(their monthly status history).

Risk shows up where an analyst would look for it: riskier applicants hold more active and more
micro-loans, are overdue now (``CREDIT_DAY_OVERDUE``, ``AMT_CREDIT_SUM_OVERDUE``), were overdue
before (``AMT_CREDIT_MAX_OVERDUE``) and have late months (STATUS 1..5) in the monthly history.
Late months come in *episodes* that escalate 1, 2, 3, ... 5 (days-past-due buckets), as a real
delinquency does, rather than as isolated flags.
"""

from __future__ import annotations

import numpy as np

from creditrisk_assets.synthetic._common import (
    MAX_MONTHS_BACK,
    Cat,
    Column,
    expand,
    group_counts,
    money,
    months_of,
    pick,
    pick_shifted,
    records_per_applicant,
    share,
    sigmoid,
)

CREDIT_TYPE = (
    "Consumer credit",
    "Credit card",
    "Car loan",
    "Mortgage",
    "Microloan",
    "Loan for business development",
    "Another type of loan",
)
CREDIT_ACTIVE = ("Closed", "Active", "Sold", "Bad debt")
STATUS = ("0", "1", "2", "3", "4", "5", "C", "X")
#: Share of applicants with any bureau record, and mean records among those who have one.
P_HAS_BUREAU = 0.858
MEAN_RECORDS = 5.61
#: Share of bureau records for which the bureau also sent a monthly history.
P_HAS_BALANCE = 0.392


def generate_bureau(
    rng: np.random.Generator, sk_id_curr: np.ndarray, w_hist: np.ndarray, first_id: int
) -> tuple[dict[str, Column], dict[str, Column], dict[str, np.ndarray]]:
    """Bureau rows, bureau_balance rows, and per-applicant aggregates used by the true PD."""
    n = len(sk_id_curr)
    counts, parent = records_per_applicant(rng, n, P_HAS_BUREAU, MEAN_RECORDS, 1.3)
    r = len(parent)
    wr = w_hist[parent] + 0.5 * rng.standard_normal(r)

    ctype = pick_shifted(
        rng,
        wr,
        [0.729, 0.234, 0.016, 0.0107, 0.0072, 0.0012, 0.0006],
        [0, 0, -0.3, -0.6, 0.9, 0, 0],
    )
    days_credit = -(1 + np.floor(2921 * rng.beta(1.1, 1.6, r))).astype(np.int64)
    duration = np.select(
        [ctype == 2, ctype == 3, ctype == 1],
        [rng.uniform(700, 2600, r), rng.uniform(2500, 10000, r), rng.uniform(300, 3500, r)],
        rng.gamma(2.0, 220.0, r) + 60,
    )
    planned_end = days_credit + np.round(duration)
    running = planned_end > 0
    active = np.where(
        running, rng.random(r) < 0.85, rng.random(r) < 0.06 * np.exp(0.6 * np.clip(wr, -3, 3))
    )
    sold = ~active & (rng.random(r) < 0.004 * np.exp(0.8 * np.clip(wr, -3, 3)))
    bad_debt = sold & (rng.random(r) < 0.003)
    status = np.where(active, 1, 0) + sold * 2 + bad_debt
    end_fact = np.minimum(days_credit + np.round(duration * rng.uniform(0.3, 1.0, r)), -1.0)
    end_fact = np.maximum(end_fact, days_credit.astype(float))

    amount = np.exp(np.log(120000.0) + 1.05 * rng.standard_normal(r))
    amount *= np.select([ctype == 3, ctype == 2, ctype == 4], [8.0, 3.0, 0.2], 1.0)
    amount = money(np.minimum(amount, 1.0e8))
    amount[(ctype == 1) & (rng.random(r) < 0.08)] = 0.0
    elapsed = np.clip(-days_credit / np.maximum(duration, 1), 0, 1)
    debt = np.where(active, amount * np.clip(1 - elapsed + 0.1 * wr, 0.02, 1.0), 0.0)
    card = ctype == 1
    utilisation = sigmoid(-0.6 + 0.9 * wr + 0.5 * rng.standard_normal(r))
    debt = np.where(card & active, amount * utilisation, debt)

    reported = rng.random(r) < 0.3  # most bureaus report a card's free limit as 0
    overdue_now = active & (rng.random(r) < sigmoid(-6.2 + 1.5 * wr))
    day_overdue = np.where(
        overdue_now, np.minimum(1 + np.floor(rng.gamma(0.7, 90.0, r)), 2792), 0
    ).astype(np.int64)
    sum_overdue = np.where(overdue_now, money(amount * rng.uniform(0.005, 0.2, r)), 0.0)
    past_overdue = rng.random(r) < sigmoid(-2.0 + 1.1 * wr)
    max_overdue = np.where(past_overdue, money(amount * rng.beta(0.8, 12.0, r)), 0.0)
    max_overdue = np.maximum(max_overdue, sum_overdue)

    update = np.where(
        active,
        -np.floor(rng.gamma(1.0, 25.0, r)),
        np.minimum(end_fact + np.floor(rng.gamma(1.0, 40.0, r)), -1),
    )
    update = np.clip(update, days_credit, -1).astype(np.int64)
    annuity = np.where(rng.random(r) < 0.4, 0.0, money(amount / np.maximum(duration / 30.4, 1)))

    b: dict[str, Column] = {
        "SK_ID_CURR": sk_id_curr[parent],
        "SK_ID_BUREAU": first_id + np.arange(r, dtype=np.int64),
        "CREDIT_ACTIVE": Cat(status, CREDIT_ACTIVE),
        "CREDIT_CURRENCY": Cat(
            pick(rng, r, [0.99918, 0.00073, 0.00009, 0.00001]),
            ("currency 1", "currency 2", "currency 3", "currency 4"),
        ),
        "DAYS_CREDIT": days_credit,
        "CREDIT_DAY_OVERDUE": day_overdue,
        "DAYS_CREDIT_ENDDATE": _blank(rng, planned_end.astype(float), 0.06 + 0.05 * card),
        "DAYS_ENDDATE_FACT": np.where(status == 1, np.nan, end_fact),
        "AMT_CREDIT_MAX_OVERDUE": _blank(rng, max_overdue, 0.6407),
        "CNT_CREDIT_PROLONG": (rng.random(r) < 0.005 * np.exp(0.5 * wr)).astype(np.int64),
        "AMT_CREDIT_SUM": amount,
        "AMT_CREDIT_SUM_DEBT": _blank(rng, money(debt), 0.1513),
        "AMT_CREDIT_SUM_LIMIT": _blank(
            rng, np.where(card & reported, money(amount - debt), 0.0), 0.366
        ),
        "AMT_CREDIT_SUM_OVERDUE": sum_overdue,
        "CREDIT_TYPE": Cat(ctype, CREDIT_TYPE),
        "DAYS_CREDIT_UPDATE": update,
        "AMT_ANNUITY": _blank(rng, annuity, 0.7393),
    }
    shown_max_overdue = np.nan_to_num(b["AMT_CREDIT_MAX_OVERDUE"], nan=0.0)
    bb, bad_months, rated_months = _balance(rng, days_credit, end_fact, status, wr, b)

    agg = {
        "bureau_count": counts.astype(float),
        "bureau_active_share": share(group_counts(parent, n, status == 1), counts),
        "bureau_overdue_now": (group_counts(parent, n, overdue_now) > 0).astype(float),
        # what the file shows (a missing AMT_CREDIT_MAX_OVERDUE counts as no past overdue)
        "bureau_past_overdue_share": share(group_counts(parent, n, shown_max_overdue > 0), counts),
        "bb_bad_share": share(
            group_counts(parent, n, bad_months), group_counts(parent, n, rated_months)
        ),
    }
    return b, bb, agg


def _balance(
    rng: np.random.Generator,
    days_credit: np.ndarray,
    end_fact: np.ndarray,
    status: np.ndarray,
    wr: np.ndarray,
    b: dict[str, Column],
) -> tuple[dict[str, Column], np.ndarray, np.ndarray]:
    """Monthly STATUS rows for a subset of records, newest month first (Kaggle's order)."""
    r = len(days_credit)
    has = rng.random(r) < P_HAS_BALANCE
    first = np.maximum(months_of(days_credit), -MAX_MONTHS_BACK)
    lengths = np.where(has, 1 - first, 0)
    rec, pos = expand(lengths)
    month = first[rec] + pos  # chronological within each record
    closed_month = np.where(status == 1, 1, months_of(end_fact))
    code = np.where(month > closed_month[rec], 6, 0).astype(np.int8)

    # Unknown months ('X'): the oldest stretch of some records (often all of it), as when a
    # bureau started reporting late; plus a few scattered gaps in open months.
    x_share = np.where(rng.random(r) < 0.25, rng.uniform(0.3, 1.3, r), 0.0)
    code[pos < x_share[rec] * lengths[rec]] = 7
    code[(code == 0) & (rng.random(len(rec)) < 0.03)] = 7

    # Delinquency episodes: start in an open month, escalate 1..5 while they last.
    open_months = np.maximum(np.minimum(closed_month, 0) - first + 1, 0) * has
    rate = 0.009 * np.exp(1.1 * np.clip(wr, -4, 4))
    episodes = rng.poisson(rate * open_months)
    erec, _ = expand(episodes)
    start = np.floor(rng.random(len(erec)) * open_months[erec]).astype(np.int64)
    elen = rng.geometric(np.where(rng.random(len(erec)) < 0.03, 0.05, 0.6))
    er, ek = expand(elen)
    offset = start[er] + ek
    ok = offset < open_months[erec[er]]
    row_start = np.cumsum(lengths) - lengths
    rows = row_start[erec[er][ok]] + offset[ok]
    code[rows] = np.minimum(ek[ok] + 1, 5).astype(np.int8)

    bad = (code >= 1) & (code <= 5)
    rated = code <= 5
    per_rec_bad = np.bincount(rec, weights=bad, minlength=r)
    per_rec_rated = np.bincount(rec, weights=rated, minlength=r)

    # Newest month first within each record, as Kaggle's file is laid out.
    order = row_start[rec] + (lengths[rec] - 1 - pos)
    flipped = np.empty_like(order)
    flipped[order] = np.arange(len(order))
    ids = b["SK_ID_BUREAU"]
    assert isinstance(ids, np.ndarray)
    bb: dict[str, Column] = {
        "SK_ID_BUREAU": ids[rec][flipped],
        "MONTHS_BALANCE": month[flipped],
        "STATUS": Cat(code[flipped].astype(np.int64), STATUS),
    }
    return bb, per_rec_bad, per_rec_rated


def _blank(rng: np.random.Generator, x: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """x with each row missing with probability ``rate`` (scalar or per row)."""
    return np.where(rng.random(len(x)) < rate, np.nan, x)
