"""Where each applicant of a snapshot sits: key ranges, the train/test split, the chunking.

Kept apart from the generator loop because a later snapshot must reproduce an earlier one's
layout exactly to regenerate its unlabelled applicants (see :mod:`.maturity`): the same ids,
the same test positions and the same chunk boundaries give the same random streams.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: Kaggle's application_test / application_train row ratio.
TEST_RATIO = 48_744 / 307_511
FIRST_SK_ID_CURR = 100_002
FIRST_SK_ID_BUREAU = 5_000_000
FIRST_SK_ID_PREV = 1_000_001


def n_test_rows(applicants: int) -> int:
    """Rows of application_test for ``applicants`` rows of application_train."""
    return round(applicants * TEST_RATIO)


def n_total(applicants: int) -> int:
    """Applicants (train + test) a snapshot of ``applicants`` train rows generates."""
    return applicants + n_test_rows(applicants)


def test_positions(lo: int, hi: int, total: int, n_test: int) -> np.ndarray:
    """Whether global positions lo..hi-1 are test applicants: evenly interleaved, exact count."""
    pos = np.arange(lo, hi, dtype=np.int64)
    return (pos + 1) * n_test // total > pos * n_test // total


@dataclass(frozen=True)
class Span:
    """One chunk of a snapshot's own applicants."""

    index: int
    sk_id_curr: np.ndarray
    is_test: np.ndarray
    total: int  # applicants of the whole snapshot (for progress lines)


def chunk_spans(applicants: int, chunk_size: int, first_id: int) -> Iterator[Span]:
    """The chunks of a snapshot of ``applicants`` train rows whose ids start at ``first_id``."""
    n_test = n_test_rows(applicants)
    total = applicants + n_test
    for index in range(-(-total // chunk_size)):
        lo, hi = index * chunk_size, min(total, (index + 1) * chunk_size)
        ids = first_id + np.arange(lo, hi, dtype=np.int64)
        yield Span(index, ids, test_positions(lo, hi, total, n_test), total)


@dataclass
class KeyCounters:
    """Next free SK_ID_BUREAU and SK_ID_PREV of the snapshot being written (unique per file)."""

    bureau: int = FIRST_SK_ID_BUREAU
    prev: int = FIRST_SK_ID_PREV

    def advance(self, n_bureau: int, n_previous: int) -> None:
        self.bureau += n_bureau
        self.prev += n_previous
