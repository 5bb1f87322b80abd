"""The feature query's result as NumPy, shared by the sessions that run it and the batches that
split it between requests (``feature_sessions.py``, ``feature_batches.py``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FeatureRows:
    """The store query's result as NumPy: one row of ``values`` per applicant in ``ids``."""

    ids: np.ndarray  # int64 SK_ID_CURR, ascending
    values: np.ndarray  # float64 (applicants x features), NaN where the SQL gives NULL
    names: list[str]  # feature columns in the store's order
