"""The per-grade checks: monotonicity blocks on a real reversal only; calibration warnings."""

from __future__ import annotations

import numpy as np

from creditrisk_assets.modeling.checks import calibration_problems, grade_order
from creditrisk_assets.modeling.config import ModelChecksConfig
from creditrisk_assets.modeling.metrics import grade_validation
from creditrisk_assets.risk.master_scale import load_scale


def _row(grade: str, n: int, defaults: int, mean_pd: float, jeffreys_p: float = 0.5) -> dict:
    return {
        "grade": grade,
        "n": n,
        "defaults": defaults,
        "mean_pd": mean_pd,
        "observed_dr": defaults / n,
        "jeffreys_p": jeffreys_p,
        "binomial_p": 0.5,
    }


def _validation(rows: list[dict], hl_p: float = 0.5, hi: float = 0.15) -> dict:
    return {
        "calibration": rows,
        "hosmer_lemeshow": {"statistic": 1.0, "dof": 8, "p_value": hl_p, "groups": 10},
        "herfindahl": {"herfindahl": hi, "normalised": 0.0, "grades": 10.0},
    }


def test_a_reversal_between_well_populated_grades_blocks() -> None:
    rows = [_row("6", 1000, 30, 0.024), _row("7", 1000, 20, 0.045), _row("8", 800, 80, 0.09)]
    passed, breaks, compared = grade_order(_validation(rows), ModelChecksConfig())
    assert not passed and compared == 3
    assert breaks == [{"from": "6", "to": "7", "dr_from": 0.03, "dr_to": 0.02}]


def test_thin_grades_are_not_compared() -> None:
    # grade 2: one default in 300 rows at 0.15% PD (0.45 expected): noise, not a reversal;
    # grade 9: 50 rows, below min_grade_obs
    rows = [
        _row("2", 300, 1, 0.0015),
        _row("3", 400, 0, 0.003),
        _row("7", 2000, 90, 0.045),
        _row("8", 1500, 140, 0.09),
        _row("9", 50, 5, 0.18),
    ]
    passed, breaks, compared = grade_order(_validation(rows), ModelChecksConfig())
    assert passed and breaks == [] and compared == 2
    strict = ModelChecksConfig(min_grade_expected_defaults=0.0, min_grade_obs=1)
    assert not grade_order(_validation(rows), strict)[0]


def test_calibration_warnings_name_each_breach() -> None:
    rows = [_row("6", 1000, 40, 0.024, jeffreys_p=0.001), _row("7", 1000, 45, 0.045)]
    config = ModelChecksConfig()
    assert calibration_problems(_validation(rows[1:]), config) == ([], [])
    problems, flagged = calibration_problems(_validation(rows, hl_p=0.001, hi=0.6), config)
    assert flagged == ["6"]
    assert len(problems) == 3 and "Hosmer-Lemeshow" in problems[1] and "Herfindahl" in problems[2]


def test_a_well_calibrated_model_passes_on_its_own_statistics() -> None:
    rng = np.random.default_rng(4)
    scale = load_scale()
    pds = scale.floor_pd(rng.beta(1.2, 14, 40_000))
    y = (rng.random(len(pds)) < pds).astype(int)
    validation = grade_validation(y, pds, scale.grade(pds), scale)
    config = ModelChecksConfig(jeffreys_alpha=0.001)
    assert grade_order(validation, config)[0]
    assert validation["hosmer_lemeshow"]["p_value"] > 0.001
    # the same PDs halved underestimate the risk: Jeffreys and Hosmer-Lemeshow both see it
    low = grade_validation(y, pds / 2, scale.grade(pds / 2), scale)
    problems, flagged = calibration_problems(low, config)
    assert flagged and any("Hosmer-Lemeshow" in p for p in problems)
