"""One chunk of applicants and all their records, generated in memory and then written.

Chunks keep memory bounded (a chunk of 25,000 applicants is about 2 M rows across the tables)
and make the output independent of anything but (seed, snapshot, chunk index, drift): each chunk
and each table inside it draws from its own ``SeedSequence`` stream. Key counters (SK_ID_BUREAU,
SK_ID_PREV) run on across chunks, which are generated in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from creditrisk_assets.schema import table_specs
from creditrisk_assets.synthetic._common import Column, make_rng
from creditrisk_assets.synthetic.applicants import generate_applicants
from creditrisk_assets.synthetic.behaviour import generate_instalments, generate_pos, split_payments
from creditrisk_assets.synthetic.bureau import generate_bureau
from creditrisk_assets.synthetic.cards import generate_cards
from creditrisk_assets.synthetic.previous import generate_previous
from creditrisk_assets.synthetic.signal import score

# Independent random streams inside a chunk.
LATENT, APPLICANTS, BUREAU, PREVIOUS, POS, INSTALMENTS, CARDS, TARGET = range(8)
#: Correlation between the risk that shapes application columns and the one behind the history.
HISTORY_CORRELATION = 0.55


@dataclass
class Chunk:
    sk_id_curr: np.ndarray
    is_test: np.ndarray
    scores: np.ndarray  # the record-determined part of the true log-odds
    history: dict[str, np.ndarray]  # per-applicant history aggregates the PD reads
    tables: dict[str, dict[str, Column]]  # "application" holds train and test rows together
    n_bureau: int
    n_previous: int


@cache
def application_null_rates() -> dict[str, float]:
    spec = table_specs()["application_train"]
    return {c.name: c.null_rate_in_sample for c in spec.columns}


def build_chunk(
    seed: int,
    snapshot: str,
    chunk: int,
    sk_id_curr: np.ndarray,
    is_test: np.ndarray,
    drift: float,
    first_bureau: int,
    first_prev: int,
) -> Chunk:
    n = len(sk_id_curr)

    def rng(stream: int) -> np.random.Generator:
        return make_rng(seed, snapshot, chunk, stream)

    latent = rng(LATENT)
    w_app = latent.standard_normal(n)
    rho = HISTORY_CORRELATION
    w_hist = rho * w_app + np.sqrt(1 - rho**2) * latent.standard_normal(n)

    app = generate_applicants(rng(APPLICANTS), w_app, drift, application_null_rates())
    app["SK_ID_CURR"] = sk_id_curr
    bureau, bureau_balance, agg = generate_bureau(rng(BUREAU), sk_id_curr, w_hist, first_bureau)
    previous, book, prev_agg = generate_previous(rng(PREVIOUS), sk_id_curr, w_hist, first_prev)
    agg.update(prev_agg)
    pos, pos_agg = generate_pos(rng(POS), book, n)
    agg.update(pos_agg)
    inst_rng = rng(INSTALMENTS)
    loan_inst, inst_applicant, late, short = generate_instalments(inst_rng, book)
    cards, card_inst, card_agg = generate_cards(rng(CARDS), book, n)
    agg.update(card_agg)

    applicant = np.concatenate([inst_applicant, card_inst.pop("_applicant")])
    late = np.concatenate([late, card_inst.pop("_late")])
    short = np.concatenate([short, card_inst.pop("_short")])
    per_applicant = np.bincount(applicant, minlength=n).astype(float)
    safe = np.maximum(per_applicant, 1.0)
    agg["inst_late_share"] = np.bincount(applicant, weights=late, minlength=n) / safe
    agg["inst_short_share"] = np.bincount(applicant, weights=short, minlength=n) / safe
    merged = {k: np.concatenate([loan_inst[k], card_inst[k]]) for k in loan_inst}
    instalments = split_payments(inst_rng, merged)

    return Chunk(
        sk_id_curr=sk_id_curr,
        is_test=is_test,
        scores=score(app, agg),
        history=agg,
        tables={
            "application": app,
            "bureau": bureau,
            "bureau_balance": bureau_balance,
            "previous_application": previous,
            "pos_cash_balance": pos,
            "installments_payments": instalments,
            "credit_card_balance": cards,
        },
        n_bureau=len(bureau["SK_ID_CURR"]),
        n_previous=len(previous["SK_ID_CURR"]),
    )


def target_draws(seed: int, snapshot: str, chunk: int, n: int) -> np.ndarray:
    """Uniforms that turn true PDs into TARGET; drawn for every applicant (train and test) so the
    stream does not depend on the split."""
    return make_rng(seed, snapshot, chunk, TARGET).random(n)
