"""The decision policy: one PD cut-off, shared by every scorer.

Evaluation (approval rate, bad rate among approved), batch scoring and the API all decide with
this module, so a reported approval rate is exactly what the API would have done. The cut-off a
model was evaluated at is stored with its registered version (tag ``pd_cutoff``) and travels with
the ``ScoringModel``; ``CREDITRISK_PD_CUTOFF`` only sets the default for new candidates.
Risk grades are not a policy choice per model: every scorer grades with the one versioned
rating master scale (``risk.master_scale``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from creditrisk_assets import settings

Decision = Literal["approve", "decline"]

#: Default PD cut-off: approve when PD < cut-off. ~2x the Home Credit base rate (8%).
DEFAULT_PD_CUTOFF = 0.15


def default_cutoff() -> float:
    """The configured default cut-off (``CREDITRISK_PD_CUTOFF`` or ``DEFAULT_PD_CUTOFF``)."""
    configured = settings.pd_cutoff()
    return validate_cutoff(DEFAULT_PD_CUTOFF if configured is None else configured)


def validate_cutoff(cutoff: float) -> float:
    if not 0.0 < cutoff < 1.0 or np.isnan(cutoff):
        raise ValueError(f"PD cut-off must lie strictly between 0 and 1, got {cutoff!r}")
    return float(cutoff)


def _check_pd(pd_values: npt.ArrayLike) -> np.ndarray:
    arr = np.asarray(pd_values, dtype=float)
    bad = ~((arr >= 0.0) & (arr <= 1.0))  # also catches NaN
    if bad.any():
        first = np.flatnonzero(bad.ravel())[:5].tolist()
        raise ValueError(f"PD values must be probabilities in [0, 1]; bad at positions {first}")
    return arr


@dataclass(frozen=True)
class DecisionPolicy:
    """Approve when PD < ``cutoff``."""

    cutoff: float = DEFAULT_PD_CUTOFF

    def __post_init__(self) -> None:
        validate_cutoff(self.cutoff)

    def decide(self, pd_value: float) -> Decision:
        """Decision for one PD."""
        return "approve" if float(_check_pd(pd_value)) < self.cutoff else "decline"

    def decide_many(self, pd_values: npt.ArrayLike) -> np.ndarray:
        """Vectorised ``decide``: an object array of "approve"/"decline"."""
        arr = _check_pd(pd_values)
        return np.where(arr < self.cutoff, "approve", "decline").astype(object)

    def approved(self, pd_values: npt.ArrayLike) -> np.ndarray:
        """Boolean mask of approvals (what evaluation metrics use)."""
        return _check_pd(pd_values) < self.cutoff


def decide(pd_value: float, cutoff: float | None = None) -> Decision:
    """Module-level shortcut: decision for one PD at ``cutoff`` (default: configured)."""
    return DecisionPolicy(cutoff if cutoff is not None else default_cutoff()).decide(pd_value)
