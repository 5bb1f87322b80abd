"""Pure metric functions for a PD model: discrimination, calibration and the policy outcome.

NumPy only (no sklearn at scoring time), exact on ties, and tested against sklearn. Every
function takes ``y`` (0/1 outcomes) and ``p`` (PDs in [0, 1]) of equal length.
``grade_validation`` adds what a validator signs off on (``risk.statistics``): calibration per
master-scale grade, Hosmer-Lemeshow, grade concentration, AUC/Gini with DeLong CIs and KS, as
plain Python values (lake JSON, Dagster metadata).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from creditrisk_assets.modeling.policy import DecisionPolicy
from creditrisk_assets.risk import statistics as rs
from creditrisk_assets.risk.master_scale import MasterScale

_EPS = 1e-15


def _check(y: npt.ArrayLike, p: npt.ArrayLike, need_both: bool = True) -> tuple[np.ndarray, ...]:
    y_arr = np.asarray(y, dtype=float).ravel()
    p_arr = np.asarray(p, dtype=float).ravel()
    if y_arr.shape != p_arr.shape:
        raise ValueError(f"y has {y_arr.size} values, p has {p_arr.size}")
    if y_arr.size == 0:
        raise ValueError("metrics need at least one row")
    if not np.isin(y_arr, (0.0, 1.0)).all():
        raise ValueError("y must hold only 0 and 1")
    if not ((p_arr >= 0) & (p_arr <= 1)).all():
        raise ValueError("p must hold probabilities in [0, 1] (no NaN)")
    if need_both and y_arr.min() == y_arr.max():
        raise ValueError("y holds a single class; ranking metrics need both")
    return y_arr, p_arr


def roc_curve(y: npt.ArrayLike, p: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fpr, tpr, thresholds) at each distinct score, highest first, starting at (0, 0)."""
    y_arr, p_arr = _check(y, p)
    order = np.argsort(-p_arr, kind="stable")
    ps, ys = p_arr[order], y_arr[order]
    last = np.r_[np.flatnonzero(np.diff(ps)), ps.size - 1]  # last index of each distinct score
    tps = np.cumsum(ys)[last]
    fps = (last + 1) - tps
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    return fpr, tpr, np.r_[np.inf, ps[last]]


def roc_auc(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Area under the ROC curve (trapezoids over distinct scores: ties count half)."""
    fpr, tpr, _ = roc_curve(y, p)
    return float(np.trapezoid(tpr, fpr))


def gini(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Gini coefficient (accuracy ratio) = 2 AUC - 1."""
    return 2.0 * roc_auc(y, p) - 1.0


def ks_statistic(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Kolmogorov-Smirnov: largest gap between the cumulative score distributions of classes."""
    fpr, tpr, _ = roc_curve(y, p)
    return float(np.max(tpr - fpr))


def pr_auc(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Area under precision-recall as average precision (sklearn's step-wise definition)."""
    y_arr, p_arr = _check(y, p)
    order = np.argsort(-p_arr, kind="stable")
    ps, ys = p_arr[order], y_arr[order]
    last = np.r_[np.flatnonzero(np.diff(ps)), ps.size - 1]
    tps = np.cumsum(ys)[last]
    precision = tps / (last + 1)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def brier(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Mean squared error of the PD against the outcome."""
    y_arr, p_arr = _check(y, p, need_both=False)
    return float(np.mean((p_arr - y_arr) ** 2))


def log_loss(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Mean negative log-likelihood (PDs clipped to [1e-15, 1 - 1e-15])."""
    y_arr, p_arr = _check(y, p, need_both=False)
    q = np.clip(p_arr, _EPS, 1 - _EPS)
    return float(-np.mean(y_arr * np.log(q) + (1 - y_arr) * np.log(1 - q)))


def calibration_bins(
    y: npt.ArrayLike, p: npt.ArrayLike, n_bins: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equal-width PD bins: (mean PD, observed default rate, count) per non-empty bin."""
    y_arr, p_arr = _check(y, p, need_both=False)
    idx = np.clip((p_arr * n_bins).astype(int), 0, n_bins - 1)
    counts = np.bincount(idx, minlength=n_bins)
    sum_p = np.bincount(idx, weights=p_arr, minlength=n_bins)
    sum_y = np.bincount(idx, weights=y_arr, minlength=n_bins)
    keep = counts > 0
    return sum_p[keep] / counts[keep], sum_y[keep] / counts[keep], counts[keep]


def expected_calibration_error(y: npt.ArrayLike, p: npt.ArrayLike, n_bins: int = 10) -> float:
    """ECE: count-weighted mean |mean PD - default rate| over equal-width PD bins."""
    mean_p, rate, counts = calibration_bins(y, p, n_bins)
    return float(np.sum(counts * np.abs(mean_p - rate)) / counts.sum())


def approval_metrics(y: npt.ArrayLike, p: npt.ArrayLike, cutoff: float) -> dict[str, float]:
    """Approval rate and bad rate among approved at ``cutoff`` (decided by ``DecisionPolicy``)."""
    y_arr, p_arr = _check(y, p, need_both=False)
    approved = DecisionPolicy(cutoff).approved(p_arr)
    n_app = int(approved.sum())
    return {
        "approval_rate": n_app / y_arr.size,
        "bad_rate_approved": float(y_arr[approved].mean()) if n_app else 0.0,
    }


def all_metrics(y: npt.ArrayLike, p: npt.ArrayLike, cutoff: float) -> dict[str, float]:
    """Every reported metric, as plain floats (for Dagster metadata, MLflow, version tags)."""
    y_arr, p_arr = _check(y, p)
    auc = roc_auc(y_arr, p_arr)
    out = {
        "auc": auc,
        "gini": 2 * auc - 1,
        "ks": ks_statistic(y_arr, p_arr),
        "pr_auc": pr_auc(y_arr, p_arr),
        "brier": brier(y_arr, p_arr),
        "log_loss": log_loss(y_arr, p_arr),
        "ece": expected_calibration_error(y_arr, p_arr),
        "base_rate": float(y_arr.mean()),
        "mean_pd": float(p_arr.mean()),
        "rows": float(y_arr.size),
        "pd_cutoff": float(cutoff),
    }
    out.update(approval_metrics(y_arr, p_arr, cutoff))
    return out


def _plain(value: Any) -> Any:
    """NumPy scalars to Python ones (metadata and JSON take plain types only)."""
    return value.item() if isinstance(value, np.generic) else value


def grade_validation(
    y: npt.ArrayLike, p: npt.ArrayLike, grades: npt.ArrayLike, scale: MasterScale
) -> dict[str, Any]:
    """Validation statistics of one split, graded on ``scale`` (``grades`` are the reported
    ones): ``calibration`` (per grade: n, defaults, mean PD, observed default rate, Jeffreys and
    binomial p), ``hosmer_lemeshow``, ``herfindahl`` (over the scale's performing grades),
    ``auc`` and ``gini`` (value, DeLong s.e., 95% CI) and ``ks``."""
    y_arr, p_arr = _check(y, p)
    table = rs.calibration_by_grade(grades, p_arr, y_arr.astype(int), scale.all_labels)
    calibration = [
        {k: _plain(v) for k, v in row.items()} for row in table.to_dict(orient="records")
    ]
    hl = rs.hosmer_lemeshow(y_arr, p_arr)
    auc = rs.auc_delong(y_arr.astype(int), p_arr)
    return {
        "scale_version": scale.version,
        "calibration": calibration,
        "hosmer_lemeshow": {
            "statistic": hl.statistic,
            "dof": hl.dof,
            "p_value": hl.p_value,
            "groups": hl.groups,
        },
        "herfindahl": rs.herfindahl(grades, len(scale.labels)),
        "auc": auc.to_dict(),
        "gini": rs.gini(auc).to_dict(),
        "ks": rs.ks_statistic(y_arr.astype(int), p_arr),
    }


def adverse_impact_ratio(
    approved: npt.ArrayLike, groups: npt.ArrayLike, min_group_size: int = 30
) -> tuple[float, dict[str, float]]:
    """Lowest / highest approval rate across groups with at least ``min_group_size`` rows.

    Returns (ratio, {group: approval rate}); the ratio is 1.0 (nothing to compare) when fewer
    than two groups are large enough, and 0.0 when the best-treated group has no approvals.
    """
    app = np.asarray(approved, dtype=bool).ravel()
    grp = np.asarray(groups, dtype=object).ravel()
    if app.shape != grp.shape:
        raise ValueError(f"approved has {app.size} values, groups has {grp.size}")
    rates: dict[str, float] = {}
    for g in sorted({str(v) for v in grp}):
        mask = grp.astype(str) == g
        if mask.sum() >= min_group_size:
            rates[g] = float(app[mask].mean())
    if len(rates) < 2:
        return 1.0, rates
    hi = max(rates.values())
    return (min(rates.values()) / hi if hi > 0 else 0.0), rates
