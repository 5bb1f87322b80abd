"""Small vectorised building blocks shared by the table generators.

Every generator works on whole chunks of applicants at once: per-row draws are numpy arrays, and
a parent-to-children expansion (applicant -> bureau records -> months) is ``np.repeat`` over
counts. Nothing here loops over rows in Python, which is what keeps 58 M rows inside minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

#: Kaggle's sentinel for "no date" (pensioners' DAYS_EMPLOYED, open-ended loan dates).
SENTINEL_DAYS = 365243
#: Days per month used to turn day offsets into MONTHS_BALANCE.
DAYS_PER_MONTH = 30.4375
#: History tables look back at most this many months (Kaggle's MONTHS_BALANCE floor is -96).
MAX_MONTHS_BACK = 96


@dataclass(frozen=True)
class Cat:
    """A categorical column: integer codes into ``categories``; code -1 is a missing value."""

    codes: np.ndarray
    categories: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, idx: np.ndarray) -> Cat:
        return Cat(self.codes[idx], self.categories)


Column = np.ndarray | Cat


def snapshot_ordinal(snapshot: str) -> int:
    """``YYYY-MM-DD`` -> proleptic Gregorian ordinal; raises ValueError on a malformed date."""
    return date.fromisoformat(snapshot).toordinal()


def make_rng(seed: int, snapshot: str, chunk: int, stream: int) -> np.random.Generator:
    """A generator for one (seed, snapshot, chunk, stream): chunks and tables draw independently,
    so a chunk's output never depends on how many draws another chunk or table made."""
    ss = np.random.SeedSequence([int(seed), snapshot_ordinal(snapshot), int(chunk), int(stream)])
    return np.random.Generator(np.random.PCG64(ss))


def pick(rng: np.random.Generator, n: int, weights: Sequence[float]) -> np.ndarray:
    """n draws of category codes with the given (unnormalised) weights."""
    cdf = np.cumsum(np.asarray(weights, dtype=float))
    return np.searchsorted(cdf / cdf[-1], rng.random(n), side="right").astype(np.int64)


def pick_cat(rng: np.random.Generator, n: int, table: dict[str, float]) -> Cat:
    """n draws from a {category: weight} table."""
    return Cat(pick(rng, n, list(table.values())), tuple(table))


def pick_shifted(
    rng: np.random.Generator, shift: np.ndarray, weights: Sequence[float], slopes: Sequence[float]
) -> np.ndarray:
    """Category codes whose log-odds move with a per-row ``shift`` (e.g. creditworthiness):
    category k gets logit log(w_k) + slope_k * shift. Row-wise softmax, then inverse CDF."""
    logits = np.log(np.asarray(weights, dtype=float))[None, :] + np.outer(shift, slopes)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(p, axis=1)
    u = rng.random(len(shift))[:, None] * cdf[:, -1:]
    return (cdf < u).sum(axis=1).astype(np.int64)


def with_nulls(rng: np.random.Generator, x: np.ndarray, rate: float) -> np.ndarray:
    """Float copy of x with a fraction ``rate`` set missing (NaN), at random rows."""
    out = x.astype(float, copy=True)
    if rate > 0:
        out[rng.random(len(out)) < rate] = np.nan
    return out


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parent index and 0-based position within the parent for ``counts[i]`` children of i."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(len(parent), dtype=np.int64) - starts[parent]
    return parent, pos


def group_counts(parent: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Per-parent count (or sum of ``weights``) of child rows."""
    return np.bincount(parent, weights=weights, minlength=n)[:n]


def group_max(parent: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    """Per-parent maximum of ``values`` (0 where a parent has no rows; values assumed >= 0)."""
    out = np.zeros(n, dtype=float)
    np.maximum.at(out, parent, values)
    return out


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def count_draw(rng: np.random.Generator, n: int, mean: float, shape: float) -> np.ndarray:
    """Over-dispersed counts (gamma-Poisson, i.e. negative binomial) with the given mean; a small
    ``shape`` gives the long right tail that per-applicant record counts have in the real data."""
    lam = rng.gamma(shape, mean / shape, n)
    return rng.poisson(lam).astype(np.int64)


def records_per_applicant(
    rng: np.random.Generator, n: int, p_has: float, mean: float, shape: float
) -> tuple[np.ndarray, np.ndarray]:
    """How many history records each of ``n`` applicants has, and each record's applicant.

    An applicant has none with probability ``1 - p_has``, else ``1 +`` an over-dispersed count
    (``count_draw``) so that those with records average ``mean``. Bureau credits and previous
    applications draw their counts this way, in this order of random draws."""
    has = rng.random(n) < p_has
    counts = np.where(has, 1 + count_draw(rng, n, mean - 1, shape), 0)
    parent, _ = expand(counts)
    return counts, parent


def months_of(days: np.ndarray) -> np.ndarray:
    """Day offset (negative = past) -> MONTHS_BALANCE-style month offset (floor)."""
    return np.floor(np.asarray(days, dtype=float) / DAYS_PER_MONTH).astype(np.int64)


def money(x: np.ndarray, decimals: int = 2) -> np.ndarray:
    """Round amounts to Kaggle-like precision so the CSV text stays short and stable."""
    return np.round(np.asarray(x, dtype=float), decimals)


def half_units(x: np.ndarray) -> np.ndarray:
    """Round to multiples of 0.5, the precision of most application amounts in the real data."""
    return np.round(np.asarray(x, dtype=float) * 2.0) / 2.0


def share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole per parent, 0 where whole is 0 (an applicant without such records)."""
    whole = np.asarray(whole, dtype=float)
    return np.divide(part, whole, out=np.zeros_like(whole), where=whole > 0)
