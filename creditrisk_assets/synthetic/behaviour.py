"""How approved previous loans were repaid: ``POS_CASH_balance`` (monthly snapshots of cash and
consumer loans) and ``installments_payments`` (each due instalment and what was paid when).

Each loan has a riskiness (its applicant's history risk plus loan-level noise) that sets how
often it ran days past due (POS ``SK_DPD``), paid late (``DAYS_ENTRY_PAYMENT`` after
``DAYS_INSTALMENT``) and paid short (``AMT_PAYMENT`` below ``AMT_INSTALMENT``). The true PD reads
the per-applicant shares of those events, computed per instalment (before some payments are split
into two rows, as Kaggle's file has them), so a simple aggregate recovers them.
"""

from __future__ import annotations

import numpy as np

from creditrisk_assets.synthetic._common import (
    MAX_MONTHS_BACK,
    SENTINEL_DAYS,
    Cat,
    Column,
    expand,
    group_counts,
    money,
    months_of,
    share,
    sigmoid,
)
from creditrisk_assets.synthetic.previous import LoanBook

POS_STATUS = ("Active", "Completed", "Signed", "Returned to the store", "Demand")


def episodes(
    rng: np.random.Generator, lengths: np.ndarray, rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Delinquency episodes in ragged monthly sequences: returns (row index, month in episode).

    Sequence i (``lengths[i]`` rows, laid out consecutively) has Poisson(rate_i * length_i)
    episodes; each starts at a random row and lasts a geometric number of months (a few run long,
    as written-off loans do). Rows past the end of their sequence are dropped.
    """
    count = rng.poisson(rate * lengths)
    seq, _ = expand(count)
    start = np.floor(rng.random(len(seq)) * lengths[seq]).astype(np.int64)
    long_run = rng.random(len(seq)) < 0.08
    dur = rng.geometric(np.where(long_run, 0.05, 0.55))
    e, k = expand(dur)
    offset = start[e] + k
    keep = offset < lengths[seq[e]]
    row_start = np.cumsum(lengths) - lengths
    return row_start[seq[e][keep]] + offset[keep], k[keep]


def generate_pos(
    rng: np.random.Generator, book: LoanBook, n: int
) -> tuple[dict[str, Column], dict[str, np.ndarray]]:
    loans = np.flatnonzero(~book.revolving & (book.first_due != SENTINEL_DAYS))
    loans = loans[rng.random(len(loans)) < 0.85]
    start = np.maximum(months_of(book.days_decision[loans]), -MAX_MONTHS_BACK)
    end_days = book.end_days[loans]
    ended = end_days < 0
    last = np.minimum(np.where(ended, months_of(end_days) + 1, -1), -1)
    lengths = np.maximum(last - start + 1, 1)
    loan, pos = expand(lengths)
    rows = len(loan)
    month = start[loan] + pos
    cnt = book.cnt_payment[loans][loan].astype(float)
    due_month = months_of(book.first_due[loans])[loan]
    future = np.clip(cnt - np.maximum(month - due_month + 1, 0), 0, cnt)

    status = np.zeros(rows, dtype=np.int64)
    first_row = pos == 0
    status[first_row & (rng.random(rows) < 0.08)] = 2
    last_row = pos == lengths[loan] - 1
    status[last_row & ended[loan]] = 1
    future[last_row & ended[loan]] = 0.0
    odd = rng.random(rows)
    status[(status == 0) & (odd < 0.0005)] = 3
    status[(status == 0) & (odd > 0.9993)] = 4

    risk = book.risk[loans]
    dpd = np.zeros(rows, dtype=np.int64)
    hit, k = episodes(rng, lengths, 0.006 * np.exp(1.2 * np.clip(risk, -4, 4)))
    dpd[hit] = 30 * k + 1 + np.floor(rng.random(len(hit)) * 29).astype(np.int64)
    forgiven = rng.random(rows) < 0.55
    dpd_def = np.where(forgiven, 0, dpd)

    blank = rng.random(rows) < 0.0026
    cols: dict[str, Column] = {
        "SK_ID_PREV": book.sk_id_prev[loans][loan],
        "SK_ID_CURR": book.sk_id_curr[loans][loan],
        "MONTHS_BALANCE": month,
        "CNT_INSTALMENT": np.where(blank, np.nan, cnt),
        "CNT_INSTALMENT_FUTURE": np.where(blank, np.nan, future),
        "NAME_CONTRACT_STATUS": Cat(status, POS_STATUS),
        "SK_DPD": dpd,
        "SK_DPD_DEF": dpd_def,
    }
    applicant = book.applicant[loans][loan]
    agg = {
        "pos_dpd_share": share(group_counts(applicant, n, dpd > 0), group_counts(applicant, n)),
    }
    return cols, agg


def generate_instalments(
    rng: np.random.Generator, book: LoanBook
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Instalment rows of cash and consumer loans, before payments are split.

    Returns the columns plus, per instalment, the applicant index and late / short flags.
    """
    loans = np.flatnonzero(book.instalments_paid > 0)
    count = book.instalments_paid[loans]
    loan, pos = expand(count)
    rows = len(loan)
    due = book.first_due[loans][loan] + 30 * pos
    keep = due <= -1
    loan, pos, due = loan[keep], pos[keep], due[keep]
    rows = len(loan)
    annuity = book.annuity[loans][loan]
    cnt = book.cnt_payment[loans][loan]
    payoff = (pos == count[loan] - 1) & (count[loan] < cnt) & (book.end_days[loans][loan] < 0)
    instalment = np.where(payoff, annuity * (cnt - pos) * 0.93, annuity)
    instalment = money(np.maximum(instalment, 0.225), 3)

    risk = book.risk[loans][loan]
    p_late = sigmoid(-2.9 + 1.1 * np.clip(risk, -5, 5))
    p_short = sigmoid(-3.7 + 1.1 * np.clip(risk, -5, 5))
    late = rng.random(rows) < p_late
    short = rng.random(rows) < p_short
    late_days = 1 + np.floor(rng.gamma(0.8, 10.0, rows))
    early_days = np.floor(rng.gamma(0.8, 11.0, rows))
    entry = np.where(late, due + late_days, due - early_days)
    entry = np.minimum(entry, -1.0)
    late = entry > due
    paid = np.where(short, money(instalment * rng.uniform(0.05, 0.95, rows), 3), instalment)
    version = np.where((pos > 0) & (rng.random(rows) < 0.05), 2.0, 1.0)
    cols = {
        "SK_ID_PREV": book.sk_id_prev[loans][loan],
        "SK_ID_CURR": book.sk_id_curr[loans][loan],
        "NUM_INSTALMENT_VERSION": version,
        "NUM_INSTALMENT_NUMBER": (pos + 1).astype(np.int64),
        "DAYS_INSTALMENT": due.astype(float),
        "DAYS_ENTRY_PAYMENT": entry.astype(float),
        "AMT_INSTALMENT": instalment,
        "AMT_PAYMENT": paid,
    }
    return cols, book.applicant[loans][loan], late, paid < instalment


def split_payments(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> dict[str, Column]:
    """Some instalments were paid in two parts: two rows with the same instalment."""
    rows = len(cols["AMT_PAYMENT"])
    parts = 1 + (rng.random(rows) < 0.16)
    src, part = expand(parts)
    out: dict[str, Column] = {k: v[src] for k, v in cols.items()}
    paid = cols["AMT_PAYMENT"]
    share = rng.uniform(0.2, 0.8, rows)
    first = money(paid * share, 3)
    split = parts[src] == 2
    amount = np.where(split, np.where(part == 0, first[src], money(paid[src] - first[src], 3)), 0)
    out["AMT_PAYMENT"] = np.where(split, amount, paid[src])
    later = np.floor(rng.gamma(1.0, 6.0, len(src)))
    entry = cols["DAYS_ENTRY_PAYMENT"][src]
    out["DAYS_ENTRY_PAYMENT"] = np.where(split & (part == 1), np.minimum(entry + later, -1), entry)
    return out
