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
from creditrisk_assets.risk.master_scale import load_scale
from creditrisk_assets.risk.reasons import principal_reasons


def test_pd_is_the_sigmoid_of_margin_plus_offset() -> None:
    margin = np.array([-3.0, 0.0, 0.5, 4.0], dtype=np.float32)
    expected = 1.0 / (1.0 + np.exp(-(margin.astype(np.float64) - 1.25)))
    got = pd_from_margin(margin, -1.25)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)
    assert pd_from_margin(np.array([0.0]), 0.0)[0] == 0.5


def test_assess_floors_grades_on_the_master_scale_and_cites_statements() -> None:
    policy = DecisionPolicy(cutoff=0.15)
    scale = load_scale()
    # PD ~1e-5 (below the floor), ~0.018 and 0.5
    margin = np.array([-11.5, -4.0, 0.0])
    names = ["x_risk", "x_safe", "x_noise", "cat_region"]
    contrib = np.array(
        [[0.3, -0.2, 0.1, 0.0], [0.3, 0.2, 0.25, -0.1], [-0.1, -0.4, -0.3, 0.7]], np.float32
    )
    result = assess(policy, margin, 0.0, contrib, 2, names)
    assert result.pd[0] == scale.pd_floor  # the reported PD is floored
    assert list(result.decision) == ["approve", "approve", "decline"]
    assert list(result.risk_grade) == [scale.labels[0], "6", "10"]  # 1.6-3.2% is grade 6
    assert result.scale_version == scale.version
    # x_safe + x_noise are one statement (0.45) and outrank x_risk (0.3): distinct statements
    assert result.reasons.codes.tolist() == [["T01", "T03"], ["T03", "T01"], ["T02", None]]
    assert result.reasons.catalogue_version == "RC-TEST.1"
    assert result.reasons.weights[1, 0] == pytest.approx(0.45)


def test_assess_cites_at_most_four_reasons() -> None:
    names = ["x_risk", "x_safe", "x_noise", "cat_region"]
    result = assess(DecisionPolicy(0.15), [0.0], 0.0, np.ones((1, 4)), 10, names)
    # at most four columns; three statements exist, so the fourth is empty
    assert result.reasons.codes.tolist() == [["T03", "T01", "T02", None]]  # T03 sums two


def test_prediction_frame_is_the_model_pd_decision_and_reason_codes(
    tiny_model: ScoringModel, make_frame
) -> None:
    frame = make_frame(400, seed=21)
    frame.index = frame.index + 1000  # a non-default index must not misalign anything
    out = prediction_frame(tiny_model, frame, k=3)
    assert list(out.columns[:5]) == [
        "SK_ID_CURR",
        PD_COLUMN,
        "decision",
        "risk_grade",
        "scale_version",
    ]
    np.testing.assert_array_equal(out["SK_ID_CURR"], frame["SK_ID_CURR"])
    scale = load_scale()
    pds = scale.floor_pd(tiny_model.predict_pd(frame))
    np.testing.assert_array_equal(out[PD_COLUMN], pds)
    np.testing.assert_array_equal(out["decision"], tiny_model.policy.decide_many(pds))
    np.testing.assert_array_equal(out["risk_grade"], scale.grade(pds))
    assert set(out["risk_grade"]) <= set(scale.all_labels)
    assert set(out["scale_version"]) == {scale.version}
    expected = principal_reasons(
        tiny_model.contributions(tiny_model.matrix(frame)), tiny_model.spec.names, k=3
    )
    np.testing.assert_array_equal(out["reason_1"], expected.codes[:, 0])
    np.testing.assert_array_equal(out["reason_2_description"], expected.texts[:, 1])
    assert set(out["catalogue_version"]) == {"RC-TEST.1"}
    assert set(out["reason_1"].dropna()) <= {"T01", "T02", "T03"}
    assert "reason_4" not in out.columns


@pytest.mark.parametrize(("k", "n"), [(1, 1), (10, 4)])
def test_prediction_frame_caps_reasons_at_four(
    tiny_model: ScoringModel, make_frame, k: int, n: int
) -> None:
    out = prediction_frame(tiny_model, make_frame(20, seed=3), k=k)
    assert f"reason_{n}" in out.columns and f"reason_{n + 1}" not in out.columns
