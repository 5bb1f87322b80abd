"""ScoringModel: save/load round trip, checksum refusal, column handling, reason codes."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from creditrisk_assets.modeling.scoring_model import (
    MODEL_FILE,
    ModelIntegrityError,
    ModelMeta,
    ScoringModel,
    artifact_checksum,
)


def test_round_trip_gives_identical_pd(
    tiny_model: ScoringModel, model_dir, make_frame, spec
) -> None:
    folder, checksum = model_dir
    loaded = ScoringModel.from_dir(folder, expected_checksum=checksum, version="7")
    frame = make_frame(300, seed=11)
    np.testing.assert_array_equal(loaded.predict_pd(frame), tiny_model.predict_pd(frame))
    assert loaded.version == "7" and loaded.checksum == checksum
    assert loaded.spec == spec and loaded.policy.cutoff == 0.15
    # the artifact really is UBJ, not a pickle
    assert (folder / MODEL_FILE).read_bytes()[:1] == b"{"


def test_tampered_file_is_refused(model_dir) -> None:
    folder, checksum = model_dir
    meta = folder / "model_meta.json"
    meta.write_text(meta.read_text().replace("0.15", "0.5"))
    with pytest.raises(ModelIntegrityError, match="expected"):
        ScoringModel.from_dir(folder, expected_checksum=checksum)
    assert artifact_checksum(folder) != checksum


def test_missing_file_is_refused(model_dir) -> None:
    folder, _ = model_dir
    (folder / MODEL_FILE).unlink()
    with pytest.raises(ModelIntegrityError, match=r"lacks \['model.ubj'\]"):
        ScoringModel.from_dir(folder)


def test_pd_is_probability_and_ranks_signal(tiny_model: ScoringModel, make_frame, spec) -> None:
    frame = make_frame(2000, seed=5)
    pd_values = tiny_model.predict_pd(frame)
    assert pd_values.shape == (2000,) and ((pd_values > 0) & (pd_values < 1)).all()
    # riskier half by the planted driver gets higher PDs on average
    hi = frame["x_risk"] > frame["x_risk"].median()
    assert pd_values[hi].mean() > 2 * pd_values[~hi].mean()


def test_columns_taken_by_name_in_spec_order(tiny_model: ScoringModel, make_frame, spec) -> None:
    frame = make_frame(50, seed=6)
    shuffled = frame[["x_noise", "TARGET", "cat_region", "x_safe", "SK_ID_CURR", "x_risk"]]
    np.testing.assert_array_equal(tiny_model.predict_pd(shuffled), tiny_model.predict_pd(frame))


def test_missing_columns_named(tiny_model: ScoringModel, make_frame, spec) -> None:
    frame = make_frame(5).drop(columns=["x_safe", "cat_region"])
    with pytest.raises(KeyError, match=r"\['x_safe', 'cat_region'\]"):
        tiny_model.predict_pd(frame)


def test_non_numeric_column_named(tiny_model: ScoringModel, make_frame, spec) -> None:
    frame = make_frame(5)
    frame["cat_region"] = "north"
    with pytest.raises(TypeError, match="cat_region"):
        tiny_model.predict_pd(frame)


def test_logit_offset_shifts_log_odds(tiny_model: ScoringModel, make_frame, spec) -> None:
    frame = make_frame(100, seed=8)
    shifted = ScoringModel(tiny_model.booster, spec, ModelMeta(pd_cutoff=0.15, logit_offset=-1.0))
    base, moved = tiny_model.predict_pd(frame), shifted.predict_pd(frame)
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    np.testing.assert_allclose(logit(moved), logit(base) - 1.0, rtol=1e-6, atol=1e-6)


def test_reason_codes_are_top_positive_contributions(
    tiny_model: ScoringModel, make_frame, spec
) -> None:
    frame = make_frame(200, seed=9)
    contrib = tiny_model.contributions(frame)
    codes = tiny_model.reason_codes(frame, k=2)
    table = tiny_model.reason_code_frame(frame, k=2)
    for i, row in enumerate(codes):
        positive = sorted((c for c in contrib[i] if c > 0), reverse=True)[:2]
        assert [r.contribution for r in row] == pytest.approx(positive, rel=1e-6)
        assert [r.feature for r in row] == [
            table.iloc[i][f"reason_{j + 1}"] for j in range(len(row))
        ]
    # contributions + bias reproduce the margin (so codes explain the actual PD)
    margin = tiny_model.margin(frame)
    full = tiny_model.booster.predict(
        xgb.DMatrix(
            tiny_model.matrix(frame),
            feature_names=spec.names,
            feature_types=spec.xgboost_feature_types,
            enable_categorical=True,
        ),
        pred_contribs=True,
    )
    np.testing.assert_allclose(full.sum(axis=1), margin, rtol=1e-4, atol=1e-4)
    # the riskiest applicant by the planted driver has x_risk among its reasons
    worst = int(np.argmax(frame["x_risk"].to_numpy()))
    assert "x_risk" in [r.feature for r in codes[worst]]
    assert (
        codes[worst][0].description
        == dict((f.name, f.description) for f in spec.features)[codes[worst][0].feature]
    )


def test_reason_code_frame_pads_rows_with_fewer_reasons(
    tiny_model: ScoringModel, make_frame, spec
) -> None:
    frame = make_frame(300, seed=10)
    table = tiny_model.reason_code_frame(frame, k=4)
    assert list(table.columns[:3]) == ["reason_1", "reason_1_description", "reason_1_contribution"]
    missing = table["reason_4"].isna()
    assert table.loc[missing, "reason_4_contribution"].isna().all()
    assert (table.loc[~missing, "reason_4_contribution"] > 0).all()
