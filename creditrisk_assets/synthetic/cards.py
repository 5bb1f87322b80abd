"""``credit_card_balance`` (monthly card statements) and the card rows of
``installments_payments`` (minimum payments, instalment version 0 as in Kaggle).

Risky card holders run their balance close to the limit, draw more cash at ATMs, and go days past
due; the true PD reads their mean utilisation and whether they were ever past due.
"""

from __future__ import annotations

import numpy as np

from creditrisk_assets.synthetic._common import (
    DAYS_PER_MONTH,
    MAX_MONTHS_BACK,
    Cat,
    Column,
    expand,
    group_counts,
    group_max,
    money,
    months_of,
    pick,
    share,
    sigmoid,
)
from creditrisk_assets.synthetic.behaviour import episodes
from creditrisk_assets.synthetic.previous import LoanBook

CARD_STATUS = ("Active", "Completed", "Signed", "Demand", "Sent proposal", "Approved")
LIMITS = np.array([0, 45000, 67500, 90000, 135000, 180000, 225000, 270000, 450000])
LIMIT_WEIGHTS = [0.15, 0.12, 0.06, 0.14, 0.18, 0.12, 0.1, 0.08, 0.05]


def generate_cards(
    rng: np.random.Generator, book: LoanBook, n: int
) -> tuple[dict[str, Column], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Card statement rows, card instalment rows (before splitting) and per-applicant aggregates."""
    cards = np.flatnonzero(book.revolving)
    start = np.maximum(months_of(book.days_decision[cards]), -MAX_MONTHS_BACK)
    end_days = book.end_days[cards]
    closed = end_days < 0
    last = np.clip(np.where(closed, months_of(end_days), -1), start, -1)
    lengths = last - start + 1
    card, pos = expand(lengths)
    rows = len(card)
    month = start[card] + pos
    risk = np.clip(book.risk[cards], -4, 4)

    limit = LIMITS[pick(rng, len(cards), LIMIT_WEIGHTS)][card]
    dormant = sigmoid(0.2 - 1.0 * risk)[card]
    active = (rng.random(rows) > dormant) & (limit > 0)
    util_card = sigmoid(-0.9 + 1.3 * risk + 0.6 * rng.standard_normal(len(cards)))
    util = np.clip(util_card[card] + 0.12 * rng.standard_normal(rows), 0.0, 1.05)
    balance = np.where(active, money(util * limit, 3), 0.0)

    dpd = np.zeros(rows, dtype=np.int64)
    hit, k = episodes(rng, lengths, 0.006 * np.exp(1.2 * risk))
    dpd[hit] = 30 * k + 1 + np.floor(rng.random(len(hit)) * 29).astype(np.int64)
    dpd_def = np.where(balance > 0, dpd, 0)

    no_detail = rng.random(rows) < 0.1987
    drawings = np.where(active & ~no_detail, money(balance * rng.uniform(0, 0.35, rows)), 0.0)
    atm_share = sigmoid(-1.2 + 1.0 * risk)[card]
    atm = money(drawings * np.where(rng.random(rows) < atm_share, 1.0, 0.0))
    other = np.where(rng.random(rows) < 0.004, money(drawings - atm), 0.0)
    pos_amt = money(drawings - atm - other)
    cnt_atm = np.where(atm > 0, 1 + rng.poisson(1.0, rows), 0)
    cnt_pos = np.where(pos_amt > 0, 1 + rng.poisson(3.0, rows), 0)
    cnt_other = (other > 0).astype(np.int64)

    min_reg = np.where(balance > 0, money(balance * 0.05, 3), 0.0)
    payment = np.where(balance > 0, money(min_reg * rng.uniform(1.0, 4.0, rows), 3), 0.0)
    payment = np.where(dpd > 0, money(payment * rng.uniform(0.0, 0.5, rows), 3), payment)
    no_min = rng.random(rows) < 0.0807
    no_pay = no_detail | (rng.random(rows) < 0.006)
    status = np.zeros(rows, dtype=np.int64)
    final = pos == lengths[card] - 1
    status[final & closed[card]] = 1
    status[(pos == 0) & (rng.random(rows) < 0.08)] = 2
    odd = rng.random(rows)
    status[(status == 0) & (dpd > 0) & (odd < 0.02)] = 3

    def detail(x: np.ndarray) -> np.ndarray:
        return np.where(no_detail, np.nan, x.astype(float))

    cols: dict[str, Column] = {
        "SK_ID_PREV": book.sk_id_prev[cards][card],
        "SK_ID_CURR": book.sk_id_curr[cards][card],
        "MONTHS_BALANCE": month,
        "AMT_BALANCE": balance,
        "AMT_CREDIT_LIMIT_ACTUAL": limit.astype(np.int64),
        "AMT_DRAWINGS_ATM_CURRENT": detail(atm),
        "AMT_DRAWINGS_CURRENT": drawings,
        "AMT_DRAWINGS_OTHER_CURRENT": detail(other),
        "AMT_DRAWINGS_POS_CURRENT": detail(pos_amt),
        "AMT_INST_MIN_REGULARITY": np.where(no_min, np.nan, min_reg),
        "AMT_PAYMENT_CURRENT": np.where(no_pay, np.nan, payment),
        "AMT_PAYMENT_TOTAL_CURRENT": payment,
        "AMT_RECEIVABLE_PRINCIPAL": money(balance * 0.96, 3),
        "AMT_RECIVABLE": balance,
        "AMT_TOTAL_RECEIVABLE": balance,
        "CNT_DRAWINGS_ATM_CURRENT": detail(cnt_atm),
        "CNT_DRAWINGS_CURRENT": (cnt_atm + cnt_pos + cnt_other).astype(np.int64),
        "CNT_DRAWINGS_OTHER_CURRENT": detail(cnt_other),
        "CNT_DRAWINGS_POS_CURRENT": detail(cnt_pos),
        "CNT_INSTALMENT_MATURE_CUM": np.where(no_min, np.nan, pos.astype(float)),
        "NAME_CONTRACT_STATUS": Cat(status, CARD_STATUS),
        "SK_DPD": dpd,
        "SK_DPD_DEF": dpd_def,
    }

    applicant = book.applicant[cards][card]
    rated = limit > 0
    agg = {
        "cc_util_mean": share(
            group_counts(applicant, n, np.where(rated, balance / np.maximum(limit, 1), 0.0)),
            group_counts(applicant, n, rated),
        ),
        "cc_dpd_any": (group_max(applicant, n, dpd.astype(float)) > 0).astype(float),
        "cc_has": (group_counts(applicant, n) > 0).astype(float),
    }

    # Minimum payments become instalment rows (version 0), numbered per card.
    due_rows = np.flatnonzero(min_reg > 0)
    number = np.cumsum(min_reg > 0) - 1
    first_of_card = (np.cumsum(lengths) - lengths)[card]
    before = np.concatenate([[0], np.cumsum(min_reg > 0)])[first_of_card]
    due = np.floor(month[due_rows] * DAYS_PER_MONTH + 25).astype(float)
    due = np.minimum(due, -1.0)
    late = dpd[due_rows] > 0
    entry = np.where(
        late, due + dpd[due_rows] % 30 + 1, due - np.floor(rng.gamma(0.8, 6.0, len(due)))
    )
    entry = np.minimum(entry, -1.0)
    inst = {
        "SK_ID_PREV": cols["SK_ID_PREV"][due_rows],
        "SK_ID_CURR": cols["SK_ID_CURR"][due_rows],
        "NUM_INSTALMENT_VERSION": np.zeros(len(due_rows)),
        "NUM_INSTALMENT_NUMBER": (number - before + 1)[due_rows].astype(np.int64),
        "DAYS_INSTALMENT": due,
        "DAYS_ENTRY_PAYMENT": entry,
        "AMT_INSTALMENT": min_reg[due_rows],
        "AMT_PAYMENT": np.where(payment[due_rows] > 0, payment[due_rows], min_reg[due_rows]),
    }
    inst["_applicant"] = applicant[due_rows]
    inst["_late"] = entry > due
    inst["_short"] = inst["AMT_PAYMENT"] < inst["AMT_INSTALMENT"]
    return cols, inst, agg
