"""Canary comparison: a candidate against the champion on the same rows, before promotion.

Both models score the candidate's held-out test rows; the candidate passes if it does not lose
discrimination (AUC) beyond a tolerance and does not move the business outcome (approval rate,
mean PD) further than the tolerances allow. Each model decides at its own registered cut-off,
because that is what it would do in production.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from creditrisk_assets.modeling.metrics import roc_auc


@dataclass(frozen=True)
class CanaryTolerances:
    min_auc_delta: float = -0.01  # candidate AUC may be at most 0.01 below the champion's
    max_abs_approval_rate_delta: float = 0.10  # approval rate may move at most 10 points
    max_abs_mean_pd_delta: float = 0.05  # mean PD may move at most 5 points


@dataclass(frozen=True)
class ModelOutcome:
    auc: float
    approval_rate: float
    mean_pd: float


def outcome(y: npt.ArrayLike, pd_values: npt.ArrayLike, cutoff: float) -> ModelOutcome:
    """AUC, approval rate at ``cutoff`` (approve when PD < cut-off) and mean PD."""
    y_arr, p = np.asarray(y, dtype=int), np.asarray(pd_values, dtype=float)
    if y_arr.shape != p.shape or y_arr.size == 0:
        raise ValueError(f"labels {y_arr.shape} and PDs {p.shape} must be equal, non-empty")
    if len(np.unique(y_arr)) < 2:
        raise ValueError("canary rows hold a single class: AUC is undefined")
    return ModelOutcome(
        auc=roc_auc(y_arr, p),
        approval_rate=float(np.mean(p < cutoff)),
        mean_pd=float(np.mean(p)),
    )


@dataclass(frozen=True)
class CanaryResult:
    passed: bool
    has_champion: bool
    candidate: ModelOutcome
    champion: ModelOutcome | None
    auc_delta: float | None
    approval_rate_delta: float | None
    mean_pd_delta: float | None
    failures: list[str] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def compare(
    candidate: ModelOutcome, champion: ModelOutcome | None, tol: CanaryTolerances
) -> CanaryResult:
    """Deltas are candidate minus champion; with no champion the candidate passes (and says so)."""
    if champion is None:
        return CanaryResult(
            passed=True,
            has_champion=False,
            candidate=candidate,
            champion=None,
            auc_delta=None,
            approval_rate_delta=None,
            mean_pd_delta=None,
            note="no champion yet: nothing to compare against, the first candidate passes",
        )
    auc_d = candidate.auc - champion.auc
    appr_d = candidate.approval_rate - champion.approval_rate
    pd_d = candidate.mean_pd - champion.mean_pd
    failures = []
    if auc_d < tol.min_auc_delta:
        failures.append(f"AUC delta {auc_d:+.4f} < {tol.min_auc_delta:+.4f}")
    if abs(appr_d) > tol.max_abs_approval_rate_delta:
        failures.append(
            f"approval-rate delta {appr_d:+.4f} beyond ±{tol.max_abs_approval_rate_delta}"
        )
    if abs(pd_d) > tol.max_abs_mean_pd_delta:
        failures.append(f"mean-PD delta {pd_d:+.4f} beyond ±{tol.max_abs_mean_pd_delta}")
    return CanaryResult(
        passed=not failures,
        has_champion=True,
        candidate=candidate,
        champion=champion,
        auc_delta=auc_d,
        approval_rate_delta=appr_d,
        mean_pd_delta=pd_d,
        failures=failures,
        note="within tolerances" if not failures else "; ".join(failures),
    )
