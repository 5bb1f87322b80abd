"""Validation statistics against independent computations and known values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from sklearn.metrics import roc_auc_score

from creditrisk_assets.risk import statistics as rs


def _synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    margin = rng.normal(-2.4, 1.0, size=n)
    pd_true = 1 / (1 + np.exp(-margin))
    y = (rng.random(n) < pd_true).astype(int)
    return y, pd_true


def _delong_pairwise(y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """DeLong by its definition, O(m n): the reference the fast version must equal."""
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return psi.mean(), math.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))


def test_delong_equals_the_pairwise_definition_and_sklearn_auc() -> None:
    y, p = _synthetic(3000)
    p = np.round(p, 3)  # ties are counted one half
    est = rs.auc_delong(y, p)
    auc, se = _delong_pairwise(y, p)
    assert est.value == pytest.approx(auc, abs=1e-12)
    assert est.value == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert est.se == pytest.approx(se, rel=1e-9)
    assert est.ci_low < est.value < est.ci_high
    assert est.ci_high - est.ci_low == pytest.approx(2 * rs.Z95 * se, rel=1e-9)


def test_delong_standard_error_agrees_with_a_bootstrap() -> None:
    y, p = _synthetic(4000, seed=1)
    rng = np.random.default_rng(2)
    boots = []
    for _ in range(300):
        i = rng.integers(0, len(y), len(y))
        boots.append(roc_auc_score(y[i], p[i]))
    assert rs.auc_delong(y, p).se == pytest.approx(np.std(boots, ddof=1), rel=0.15)


def _delong_by_search(y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """DeLong's placement values by binary search on the sorted other class, O(N log N):
    an independent reference (no ranks) that scales to a full-size split."""
    pos, neg = np.sort(s[y == 1]), np.sort(s[y == 0])
    below = np.searchsorted(neg, pos, side="left")
    v10 = (below + 0.5 * (np.searchsorted(neg, pos, side="right") - below)) / len(neg)
    above = len(pos) - np.searchsorted(pos, neg, side="right")
    v01 = (above + 0.5 * (len(pos) - np.searchsorted(pos, neg, side="left") - above)) / len(pos)
    return v10.mean(), math.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))


def test_delong_on_a_large_split_equals_sklearn_and_a_search_reference() -> None:
    """Correctness at full scale (300k rows, with ties); its speed is timed in
    ``benchmarks/bench_risk_kernels.py``, not asserted here."""
    y, p = _synthetic(300_000, seed=3)
    p = np.round(p, 4)
    est = rs.auc_delong(y, p)
    auc, se = _delong_by_search(y, p)
    assert est.value == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert est.value == pytest.approx(auc, abs=1e-12)
    assert est.se == pytest.approx(se, rel=1e-9)


def test_gini_ks_and_the_auc_change_test() -> None:
    y, p = _synthetic(5000, seed=4)
    auc = rs.auc_delong(y, p)
    g = rs.gini(auc)
    assert g.value == pytest.approx(2 * auc.value - 1) and g.se == pytest.approx(2 * auc.se)
    assert rs.ks_statistic(y, p) == pytest.approx(stats.ks_2samp(p[y == 1], p[y == 0]).statistic)
    same = rs.auc_change_test(auc.value, auc)
    assert same.z == 0 and same.p_value == pytest.approx(0.5)
    worse = rs.auc_change_test(auc.value + 3 * auc.se, auc)
    assert worse.z == pytest.approx(3) and worse.p_value == pytest.approx(stats.norm.sf(3))
    with pytest.raises(ValueError, match="both defaults"):
        rs.auc_delong(np.zeros(5), np.arange(5.0))


def test_jeffreys_equals_the_posterior_integral_by_hand() -> None:
    d, n, pd_ = 16, 400, 0.02
    a, b = d + 0.5, n - d + 0.5
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    by_hand, _ = integrate.quad(
        lambda x: math.exp(log_norm + (a - 1) * math.log(x) + (b - 1) * math.log1p(-x)), 0, pd_
    )
    assert rs.jeffreys_p_value(d, n, pd_) == pytest.approx(by_hand, rel=1e-6)
    assert by_hand < 0.05  # 4% observed against a 2% PD: underestimated
    binom_by_hand = 1 - sum(math.comb(n, k) * pd_**k * (1 - pd_) ** (n - k) for k in range(d))
    assert rs.binomial_p_value(d, n, pd_) == pytest.approx(binom_by_hand, rel=1e-9)


def test_calibration_table_per_grade() -> None:
    grades = np.array(["1", "1", "2", "2", "2", "3"])
    pds = np.array([0.01, 0.03, 0.1, 0.1, 0.1, 0.5])
    y = np.array([0, 0, 1, 0, 1, 1])
    table = rs.calibration_by_grade(grades, pds, y, order=["1", "2", "3", "4", "D"])
    assert table["grade"].tolist() == ["1", "2", "3"]
    assert table["n"].tolist() == [2, 3, 1] and table["defaults"].tolist() == [0, 2, 1]
    assert table["mean_pd"].tolist() == pytest.approx([0.02, 0.1, 0.5])
    assert table["observed_dr"].tolist() == pytest.approx([0.0, 2 / 3, 1.0])
    assert table["jeffreys_p"].iloc[1] == pytest.approx(stats.beta.cdf(0.1, 2.5, 1.5))
    assert table["binomial_p"].iloc[1] == pytest.approx(stats.binom.sf(1, 3, 0.1))
    with pytest.raises(ValueError, match="outside the scale"):
        rs.calibration_by_grade(["Z"], [0.1], [0], order=["1"])


def test_hosmer_lemeshow_accepts_calibrated_and_rejects_miscalibrated_pds() -> None:
    y, p = _synthetic(20_000, seed=5)
    good = rs.hosmer_lemeshow(y, p)
    assert good.dof == 8 and good.p_value > 0.01
    bad = rs.hosmer_lemeshow(y, p * 0.6)
    assert bad.p_value < 1e-6 and bad.statistic > good.statistic
    # the statistic by its formula for two groups of two rows
    hl = rs.hosmer_lemeshow([0, 1, 1, 1], [0.2, 0.2, 0.6, 0.6], groups=2, dof=2)
    expected = (1 - 0.4) ** 2 / (2 * 0.2 * 0.8) + (2 - 1.2) ** 2 / (2 * 0.6 * 0.4)
    assert hl.statistic == pytest.approx(expected)
    assert hl.p_value == pytest.approx(stats.chi2.sf(expected, 2))


def test_herfindahl_and_calibration_in_the_large() -> None:
    assert rs.herfindahl(["a"] * 5)["herfindahl"] == 1.0
    even = rs.herfindahl(list("abcd") * 5)
    assert even["herfindahl"] == pytest.approx(0.25) and even["normalised"] == pytest.approx(0.0)
    skewed = rs.herfindahl(["a"] * 7 + ["b"] * 3, n_grades=10)
    assert skewed["herfindahl"] == pytest.approx(0.58)
    assert skewed["normalised"] == pytest.approx((0.58 - 0.1) / 0.9)
    citl = rs.calibration_in_the_large([0, 0, 0, 1], [0.25, 0.25, 0.25, 0.25])
    assert citl["observed_dr"] == 0.25 and citl["ratio"] == pytest.approx(1.0)
    assert citl["p_value"] == pytest.approx(1.0)


def test_monotonicity_ignores_thin_grades() -> None:
    table = pd.DataFrame(
        {
            "grade": ["1", "2", "3", "4"],
            "n": [500, 20, 500, 500],
            "observed_dr": [0.01, 0.5, 0.03, 0.02],
        }
    )
    passed, breaks = rs.monotonicity(table, min_obs=100)
    assert not passed
    assert breaks == [{"from": "3", "to": "4", "dr_from": 0.03, "dr_to": 0.02}]
    assert rs.monotonicity(table.iloc[:3], min_obs=100) == (True, [])
