"""Metric functions against sklearn and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from creditrisk_assets.modeling import metrics as m


@pytest.fixture
def scored() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    p = rng.beta(1, 8, size=3000).round(3)  # rounding creates many ties
    y = (rng.random(3000) < p * 1.3).astype(int)
    return y, p


def test_against_sklearn(scored) -> None:
    y, p = scored
    assert m.roc_auc(y, p) == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)
    assert m.gini(y, p) == pytest.approx(2 * skm.roc_auc_score(y, p) - 1, abs=1e-12)
    assert m.pr_auc(y, p) == pytest.approx(skm.average_precision_score(y, p), abs=1e-12)
    assert m.brier(y, p) == pytest.approx(skm.brier_score_loss(y, p), abs=1e-12)
    assert m.log_loss(y, p) == pytest.approx(skm.log_loss(y, np.clip(p, 1e-15, 1)), abs=1e-9)
    fpr, tpr, _ = skm.roc_curve(y, p, drop_intermediate=False)
    assert m.ks_statistic(y, p) == pytest.approx(np.max(tpr - fpr), abs=1e-12)


def test_hand_computed() -> None:
    y = [0, 0, 1, 1]
    p = [0.1, 0.4, 0.35, 0.8]
    # pairs (pos > neg): 0.35>0.1, 0.8>0.1, 0.8>0.4 -> 3 of 4
    assert m.roc_auc(y, p) == pytest.approx(0.75)
    assert m.ks_statistic(y, p) == pytest.approx(0.5)
    assert m.roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)  # tie counts half
    # bins: 0.1 -> [0.1,0.2) alone, 0.35 -> [0.3,0.4), 0.4 -> [0.4,0.5), 0.8 -> [0.8,0.9)
    assert m.expected_calibration_error(y, p) == pytest.approx((0.1 + 0.65 + 0.4 + 0.2) / 4)
    out = m.approval_metrics(y, p, cutoff=0.4)  # approves 0.1 and 0.35
    assert out == {"approval_rate": 0.5, "bad_rate_approved": 0.5}


def test_calibration_of_a_calibrated_score_is_small(scored) -> None:
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 0.5, 200_000)
    y = (rng.random(p.size) < p).astype(int)
    assert m.expected_calibration_error(y, p) < 0.005
    assert m.expected_calibration_error(y, np.clip(p + 0.1, 0, 1)) > 0.09


def test_all_metrics_keys_and_types(scored) -> None:
    y, p = scored
    out = m.all_metrics(y, p, cutoff=0.15)
    assert set(out) >= {"auc", "gini", "ks", "pr_auc", "brier", "log_loss", "ece"}
    assert {"approval_rate", "bad_rate_approved"} <= set(out)
    assert all(type(v) is float for v in out.values())


def test_adverse_impact_ratio() -> None:
    approved = np.array([1] * 40 + [0] * 10 + [1] * 30 + [0] * 20 + [0] * 5, dtype=bool)
    groups = np.array(["F"] * 50 + ["M"] * 50 + ["XNA"] * 5)
    ratio, rates = m.adverse_impact_ratio(approved, groups, min_group_size=30)
    assert rates == {"F": 0.8, "M": 0.6}  # XNA too small to judge
    assert ratio == pytest.approx(0.75)
    assert m.adverse_impact_ratio(approved[:50], groups[:50])[0] == 1.0


@pytest.mark.parametrize(
    ("y", "p", "msg"),
    [
        ([0, 1], [0.1], "y has 2 values"),
        ([0, 2], [0.1, 0.2], "only 0 and 1"),
        ([0, 1], [0.1, np.nan], "probabilities"),
        ([1, 1], [0.1, 0.2], "single class"),
    ],
)
def test_bad_input(y, p, msg) -> None:
    with pytest.raises(ValueError, match=msg):
        m.roc_auc(y, p)
