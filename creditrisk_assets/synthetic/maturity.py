"""Outcomes that mature: earlier snapshots' unlabelled applicants, labelled in a later one.

A lender's later delivery labels some of the applicants it earlier sent without a label: their
loans have run long enough to know whether they defaulted. The generator does the same. A
*lineage* is a series of snapshots with one seed; a snapshot is generated with the list of the
lineage's earlier snapshots (:class:`PriorSnapshot`: date, applicants, drift, as each was
generated). Then:

* Ids: the snapshot's own applicants take SK_ID_CURR after every earlier snapshot's (train and
  test) ids, so an id names one applicant across the whole lineage and a decision taken on it in
  an earlier snapshot joins to its outcome in a later one. The first snapshot of a lineage
  (no earlier ones) gets today's ids, so a single snapshot is unchanged, byte for byte.
* Maturity: an earlier snapshot E matures in snapshot S when ``S - E >= lag_days``. A share
  ``overlap`` of E's test applicants (chosen by a uniform draw per applicant from E's own
  stream, so a smaller share is a subset of a larger one) then appear in S's
  ``application_train`` with a ``TARGET``. It is cumulative: they appear in every later
  snapshot, as in a lender's full labelled book.
* Same applicant, same outcome: E's chunks are regenerated from (seed, E's date, chunk, drift),
  which reproduces E's rows and E's true PD exactly, and the ``TARGET`` is the draw E made for
  that applicant at its own generation (``chunk.target_draws``, drawn for test rows as well).
  So whichever later snapshot reveals an applicant, it shows the same row and the same outcome,
  and the outcome is a Bernoulli draw of the PD that E's oracle file gives.
* History: the applicant's bureau / previous-application / balance rows come along unchanged
  except for their keys (SK_ID_BUREAU, SK_ID_PREV), which are renumbered into S's own key
  sequence so they stay unique within each of S's files; every parent link is kept.

Cost: regenerating a chunk without writing it is about a fifth of generating and writing it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from creditrisk_assets.synthetic._common import Cat, Column, make_rng
from creditrisk_assets.synthetic.chunk import Chunk, build_chunk, target_draws
from creditrisk_assets.synthetic.layout import (
    FIRST_SK_ID_CURR,
    KeyCounters,
    chunk_spans,
    n_total,
)
from creditrisk_assets.synthetic.signal import true_pd

#: Random stream of a chunk that decides whose outcome matures (chunk.py uses 0..7).
MATURITY_STREAM = 8
#: History tables keyed by SK_ID_PREV (their parent is previous_application).
PREV_CHILDREN = ("pos_cash_balance", "installments_payments", "credit_card_balance")


@dataclass(frozen=True)
class PriorSnapshot:
    """An earlier snapshot of the lineage, described as it was generated (same seed)."""

    snapshot: str
    applicants: int
    drift: float = 0.0

    def __post_init__(self) -> None:
        date.fromisoformat(self.snapshot)  # ValueError on a malformed date
        if self.applicants < 1:
            raise ValueError(f"{self.snapshot}: applicants must be at least 1")
        if not 0.0 <= self.drift <= 1.0:
            raise ValueError(f"{self.snapshot}: drift must be between 0 and 1")


@dataclass(frozen=True)
class Matured:
    """Rows of one regenerated chunk of an earlier snapshot whose outcome is now known."""

    source: str  # the earlier snapshot's date
    chunk: Chunk  # is_test all False: they are train rows now
    target: np.ndarray
    pd: np.ndarray


def check_lineage(snapshot: str, earlier: Sequence[PriorSnapshot]) -> tuple[PriorSnapshot, ...]:
    """``earlier`` sorted by date; every one strictly before ``snapshot``, dates unique."""
    day = date.fromisoformat(snapshot)
    ordered = tuple(sorted(earlier, key=lambda p: p.snapshot))
    dates = [p.snapshot for p in ordered]
    if len(set(dates)) != len(dates):
        raise ValueError(f"earlier snapshots listed twice: {dates}")
    late = [d for d in dates if date.fromisoformat(d) >= day]
    if late:
        raise ValueError(f"earlier snapshots must be before {snapshot}: {late}")
    return ordered


def first_ids(earlier: Sequence[PriorSnapshot]) -> list[int]:
    """First SK_ID_CURR of each of the (sorted) earlier snapshots, then of the next one."""
    out = [FIRST_SK_ID_CURR]
    for prior in earlier:
        out.append(out[-1] + n_total(prior.applicants))
    return out


def is_mature(prior: PriorSnapshot, snapshot: str, lag_days: int) -> bool:
    """Whether ``prior``'s outcomes are known by ``snapshot`` (``lag_days`` or more later)."""
    gap = date.fromisoformat(snapshot) - date.fromisoformat(prior.snapshot)
    return gap.days >= lag_days


def maturing(
    seed: int, snapshot: str, chunk: int, is_test: np.ndarray, overlap: float
) -> np.ndarray:
    """Which applicants of an earlier snapshot's chunk have a matured outcome (test rows only).

    One uniform per applicant of the chunk, train rows included, so the draw of an applicant does
    not depend on the split; ``u < overlap`` makes the matured sets nested in ``overlap``.
    """
    u = make_rng(seed, snapshot, chunk, MATURITY_STREAM).random(len(is_test))
    return is_test & (u < overlap)


def matured_chunks(
    seed: int,
    prior: PriorSnapshot,
    first_id: int,
    overlap: float,
    chunk_size: int,
    intercept: float,
    keys: KeyCounters,
) -> Iterator[Matured]:
    """Regenerate ``prior`` chunk by chunk and yield its matured applicants, re-keyed.

    ``first_id`` and ``chunk_size`` must be those ``prior`` was generated with; ``keys`` is the
    later snapshot's key counter, advanced past the rows yielded.
    """
    for span in chunk_spans(prior.applicants, chunk_size, first_id):
        keep = maturing(seed, prior.snapshot, span.index, span.is_test, overlap)
        if not keep.any():
            continue
        chunk = build_chunk(
            seed, prior.snapshot, span.index, span.sk_id_curr, span.is_test, prior.drift, 0, 0
        )
        pd_ = true_pd(chunk.scores, intercept, prior.drift)
        draws = target_draws(seed, prior.snapshot, span.index, len(span.sk_id_curr))
        target = (draws < pd_).astype(np.int64)
        sub = take_applicants(chunk, keep, keys)
        yield Matured(prior.snapshot, sub, target[keep], pd_[keep])


def _rows(col: Column, idx: np.ndarray) -> Column:
    return col.take(idx) if isinstance(col, Cat) else col[idx]


def _subset(table: dict[str, Column], rows: np.ndarray) -> dict[str, Column]:
    return {name: _rows(col, rows) for name, col in table.items()}


def _renumber(old: np.ndarray, kept: np.ndarray, first: int) -> np.ndarray:
    """New keys ``first, first + 1, ...`` for the sorted ``kept`` keys, looked up for ``old``."""
    return first + np.searchsorted(kept, old).astype(np.int64)


def take_applicants(chunk: Chunk, keep: np.ndarray, keys: KeyCounters) -> Chunk:
    """The applicants ``keep`` of ``chunk`` with all their history rows, as train rows.

    SK_ID_BUREAU and SK_ID_PREV are renumbered from ``keys`` (then advanced) in the order the
    rows already have, and every child row follows its parent's new key.
    """
    t = chunk.tables
    ids = chunk.sk_id_curr[keep]
    tables: dict[str, dict[str, Column]] = {"application": _subset(t["application"], keep)}

    bureau_rows = np.flatnonzero(np.isin(t["bureau"]["SK_ID_CURR"], ids))
    bureau = _subset(t["bureau"], bureau_rows)
    kept_bureau = np.asarray(bureau["SK_ID_BUREAU"])
    balance_rows = np.flatnonzero(np.isin(t["bureau_balance"]["SK_ID_BUREAU"], kept_bureau))
    balance = _subset(t["bureau_balance"], balance_rows)
    balance["SK_ID_BUREAU"] = _renumber(
        np.asarray(balance["SK_ID_BUREAU"]), kept_bureau, keys.bureau
    )
    bureau["SK_ID_BUREAU"] = keys.bureau + np.arange(len(kept_bureau), dtype=np.int64)
    tables["bureau"], tables["bureau_balance"] = bureau, balance

    prev_rows = np.flatnonzero(np.isin(t["previous_application"]["SK_ID_CURR"], ids))
    previous = _subset(t["previous_application"], prev_rows)
    kept_prev = np.asarray(previous["SK_ID_PREV"])
    for name in PREV_CHILDREN:
        rows = np.flatnonzero(np.isin(t[name]["SK_ID_PREV"], kept_prev))
        child = _subset(t[name], rows)
        child["SK_ID_PREV"] = _renumber(np.asarray(child["SK_ID_PREV"]), kept_prev, keys.prev)
        tables[name] = child
    previous["SK_ID_PREV"] = keys.prev + np.arange(len(kept_prev), dtype=np.int64)
    tables["previous_application"] = previous

    keys.advance(len(kept_bureau), len(kept_prev))
    return Chunk(
        sk_id_curr=ids,
        is_test=np.zeros(len(ids), dtype=bool),
        scores=chunk.scores[keep],
        history={k: v[keep] for k, v in chunk.history.items()},
        tables=tables,
        n_bureau=len(kept_bureau),
        n_previous=len(kept_prev),
    )
