"""The one prediction assembly: PD formula, decisions, grades and reason codes agree everywhere."""

from __future__ import annotations

import numpy as np
import pytest

from creditrisk_assets.modeling.policy import DecisionPolicy
from creditrisk_assets.modeling.prediction import (
    PD_COLUMN,
    assess,
    pd_from_margin,
    prediction_frame,
)
from creditrisk_assets.modeling.scoring_model import ScoringModel


def test_pd_is_the_sigmoid_of_margin_plus_offset() -> None:
    margin = np.array([-3.0, 0.0, 0.5, 4.0], dtype=np.float32)
    expected = 1.0 / (1.0 + np.exp(-(margin.astype(np.float64) - 1.25)))
    got = pd_from_margin(margin, -1.25)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)
    assert pd_from_margin(np.array([0.0]), 0.0)[0] == 0.5


def test_assess_decides_grades_and_keeps_only_positive_reasons() -> None:
    policy = DecisionPolicy(cutoff=0.15)
    margin = np.array([-4.0, 0.0])  # PD ~0.018 (grade A, approve) and 0.5 (grade E, decline)
    contrib = np.array([[0.3, -0.2, 0.1], [-0.1, -0.4, 0.7]])
    result = assess(policy, margin, 0.0, contrib, k=2)
    assert list(result.decision) == ["approve", "decline"]
    assert list(result.risk_grade) == ["A", "E"]
    assert result.reasons.tolist() == [[0, 2], [2, 0]]
    np.testing.assert_array_equal(result.contributions, [[0.3, 0.1], [0.7, -0.1]])


def test_prediction_frame_is_the_model_pd_decision_and_reason_codes(
    tiny_model: ScoringModel, make_frame
) -> None:
    frame = make_frame(400, seed=21)
    frame.index = frame.index + 1000  # a non-default index must not misalign anything
    out = prediction_frame(tiny_model, frame, k=3)
    assert list(out.columns[:4]) == ["SK_ID_CURR", PD_COLUMN, "decision", "risk_grade"]
    np.testing.assert_array_equal(out["SK_ID_CURR"], frame["SK_ID_CURR"])
    pds = tiny_model.predict_pd(frame)
    np.testing.assert_array_equal(out[PD_COLUMN], pds)
    np.testing.assert_array_equal(out["decision"], tiny_model.policy.decide_many(pds))
    np.testing.assert_array_equal(out["risk_grade"], tiny_model.policy.risk_grades(pds))
    reasons = tiny_model.reason_code_frame(frame, k=3).reset_index(drop=True)
    assert out[reasons.columns].equals(reasons)
    assert "reason_4" not in out.columns


@pytest.mark.parametrize("k", [1, 10])
def test_prediction_frame_caps_reasons_at_the_feature_count(
    tiny_model: ScoringModel, make_frame, k: int
) -> None:
    out = prediction_frame(tiny_model, make_frame(20, seed=3), k=k)
    n = min(k, len(tiny_model.spec.names))
    assert f"reason_{n}" in out.columns and f"reason_{n + 1}" not in out.columns
