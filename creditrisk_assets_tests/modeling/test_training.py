"""Training: early stopping or CV by data size, monotone constraints, resampling with
prior-shift correction, bad labels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from creditrisk_assets.features.spec import Feature, FeatureSpec
from creditrisk_assets.modeling import metrics
from creditrisk_assets.modeling.training import TrainParams, train_model

FAST = {"learning_rate": 0.2, "max_depth": 3, "num_boost_round": 200, "early_stopping_rounds": 10}


def test_large_train_split_early_stops_on_a_slice(make_frame, spec) -> None:
    params = TrainParams(**FAST, cv_below_rows=3000, refit=False)  # 3,000 rows is "large" here
    result = train_model(make_frame(3000, seed=1), spec, params, partition="p")
    assert result.rounds_by == "early_stopping"
    assert result.best_iteration < 199
    assert result.model.booster.num_boosted_rounds() == result.best_iteration + 1
    assert result.validation["early_stopping_trees"] == result.best_iteration + 1
    assert result.rows == {"train": 3000, "fit": 2550, "validation": 450, "cv_folds": 0}
    assert result.validation["val_auc"] > 0.75
    assert result.model.meta.logit_offset == 0.0 and result.model.meta.partition == "p"


def test_refit_uses_every_train_row_with_trees_scaled_by_the_rows_gained(make_frame, spec):
    frame = make_frame(3000, seed=1)
    sliced = train_model(frame, spec, TrainParams(**FAST, cv_below_rows=3000, refit=False))
    result = train_model(frame, spec, TrainParams(**FAST, cv_below_rows=3000))  # refit default
    assert result.rounds_by == "early_stopping"
    assert result.rows == {"train": 3000, "fit": 3000, "validation": 450, "cv_folds": 0}
    # the slice chose the trees as before; the refit grows them by 3000 / 2550
    stopped = sliced.best_iteration + 1
    assert {k: v for k, v in result.validation.items() if k != "refit_features"} == (
        sliced.validation
    )
    assert result.model.booster.num_boosted_rounds() == round(stopped * 3000 / 2550)
    assert result.best_iteration + 1 == round(stopped * 3000 / 2550) > stopped
    # a different model: the slice's rows were fitted too
    x = frame.head(200)
    assert not np.allclose(result.model.predict_pd(x), sliced.model.predict_pd(x))


def test_small_train_split_chooses_rounds_by_cv(make_frame, spec) -> None:
    frame = make_frame(3000, seed=1)
    params = TrainParams(**FAST, cv_below_rows=3001, cv_folds=3, cv_repeats=2)
    result = train_model(frame, spec, params)
    assert result.rounds_by == "cv"
    # every train row is fitted; 3 folds x 2 repeats chose the trees
    assert result.rows == {"train": 3000, "fit": 3000, "validation": 0, "cv_folds": 6}
    assert 0 < result.best_iteration < 199
    assert result.model.booster.num_boosted_rounds() == result.best_iteration + 1
    assert result.validation["val_auc"] > 0.75 and result.validation["val_auc_std"] > 0
    # the same data early-stopped on a slice is a different model
    sliced = train_model(frame, spec, TrainParams(**FAST, cv_below_rows=0))
    assert sliced.rounds_by == "early_stopping"
    assert sliced.best_iteration != result.best_iteration


def test_cv_uses_fewer_folds_than_defaults(make_frame, spec) -> None:
    frame = make_frame(400, seed=5)
    frame["TARGET"] = 0
    frame.loc[frame.index[:3], "TARGET"] = 1  # 3 defaults: 5 folds cannot all hold one
    result = train_model(frame, spec, TrainParams(**FAST, cv_folds=5))
    assert result.rounds_by == "cv" and result.rows["cv_folds"] == 3


U_SPEC = FeatureSpec(
    features=(
        Feature("x_u", "numeric", "application", "U-shaped in the data", monotone=1),
        Feature("x_down", "numeric", "application", "Risk falls with it", monotone=-1),
        Feature("x_free", "numeric", "application", "U-shaped, unconstrained"),
    )
)


def partial_dependence(model, frame, feature: str, grid: np.ndarray) -> np.ndarray:
    """Mean PD over the rows with ``feature`` set to each grid value in turn."""
    out = []
    for value in grid:
        probe = frame.copy()
        probe[feature] = value
        out.append(model.predict_pd(probe).mean())
    return np.asarray(out)


def test_monotone_directions_hold_in_partial_dependence() -> None:
    rng = np.random.default_rng(11)
    n = 4000
    x_u, x_down, x_free = rng.normal(size=(3, n))
    # x_u and x_free are U-shaped (risk at both ends), x_down lowers risk
    logit = -2.2 + 0.9 * x_u**2 - 1.0 * x_down + 0.9 * x_free**2
    frame = pd.DataFrame({"SK_ID_CURR": np.arange(n), "x_u": x_u, "x_down": x_down})
    frame["x_free"] = x_free
    frame["TARGET"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    grid = np.linspace(-2.5, 2.5, 26)
    model = train_model(frame, U_SPEC, TrainParams(**FAST, cv_below_rows=0)).model
    for feature in U_SPEC.monotone_constraints:
        steps = np.diff(partial_dependence(model, frame, feature, grid))
        assert (np.sign(U_SPEC.monotone_constraints[feature]) * steps >= -1e-7).all(), feature
    # the constraint, not the data, made x_u monotone: free, x_u and x_free are U-shaped
    free = train_model(frame, U_SPEC, TrainParams(**FAST, cv_below_rows=0, monotone=False))
    for feature in ("x_u", "x_free"):
        steps = np.diff(partial_dependence(free.model, frame, feature, grid))
        assert steps.min() < -1e-3 and steps.max() > 1e-3, feature
    u_free = np.diff(partial_dependence(model, frame, "x_free", grid))
    assert u_free.min() < -1e-3  # an unconstrained feature stays free in the constrained model


def test_spec_monotone_only_for_numeric_and_hash_stable() -> None:
    with pytest.raises(ValueError, match="only a numeric"):
        Feature("c", "categorical", "application", "code", monotone=1)
    plain = Feature("a", "numeric", "application", "a")
    assert "monotone" not in plain.to_dict()  # older specs keep their JSON and hash
    spec = FeatureSpec(features=(plain,))
    assert FeatureSpec.from_dict(spec.to_dict()) == spec
    directed = FeatureSpec(features=(Feature("a", "numeric", "application", "a", monotone=-1),))
    assert FeatureSpec.from_json(directed.to_json()).monotone_constraints == {"a": -1}
    assert directed.hash != spec.hash


@pytest.mark.parametrize("resampling", ["undersample", "smote"])
def test_resampling_is_recalibrated_to_true_base_rate(make_frame, spec, resampling) -> None:
    train, test = make_frame(4000, seed=1), make_frame(4000, seed=2)
    params = TrainParams(**FAST, resampling=resampling, resample_ratio=1.0)
    result = train_model(train, spec, params)
    assert result.resampled_base_rate == pytest.approx(0.5)
    assert result.model.meta.logit_offset < -1.0  # log-odds moved down from a 50% base rate
    p = result.model.predict_pd(test)
    y = test["TARGET"].to_numpy()
    # corrected PDs average near the true default rate; uncorrected ones would be near 0.35+
    assert abs(p.mean() - y.mean()) < 0.04, (p.mean(), y.mean())
    assert metrics.roc_auc(y, p) > 0.75


def test_training_is_deterministic(make_frame, spec) -> None:
    frame = make_frame(1500, seed=4)
    a = train_model(frame, spec, TrainParams(**FAST)).model.predict_pd(frame)
    b = train_model(frame, spec, TrainParams(**FAST)).model.predict_pd(frame)
    np.testing.assert_array_equal(a, b)


def test_bad_target_names_rows(make_frame, spec) -> None:
    frame = make_frame(200)
    frame.loc[[3, 7], "TARGET"] = 2
    with pytest.raises(ValueError, match=r"features/train.TARGET must be 0/1; 2 rows .*100003"):
        train_model(frame, spec, TrainParams(**FAST))
    frame["TARGET"] = 0
    with pytest.raises(ValueError, match="single TARGET class"):
        train_model(frame, spec, TrainParams(**FAST))


def test_missing_feature_column_named(make_frame, spec) -> None:
    with pytest.raises(KeyError, match="x_noise"):
        train_model(make_frame(100).drop(columns="x_noise"), spec, TrainParams(**FAST))


def test_the_refit_is_offered_only_the_features_that_carried_the_first_fit(make_frame, spec):
    from creditrisk_assets.modeling.refit import kept_features

    frame = make_frame(3000, seed=1)
    params = TrainParams(**FAST, cv_below_rows=3000, refit_gain_share=0.9)
    first = train_model(frame, spec, replace(params, refit=False)).model.booster
    gain = first.get_score(importance_type="total_gain")
    kept = kept_features(first, spec.names, 0.9)
    # most gain first, stopping at the feature that crosses 90 % of the total
    assert kept == sorted(gain, key=lambda n: -gain[n])[: len(kept)]
    assert sum(gain[n] for n in kept[:-1]) < 0.9 * sum(gain.values()) <= sum(gain[n] for n in kept)
    assert "x_noise" not in kept and len(kept) < len(spec.names)
    assert kept_features(first, spec.names, 1.0) == spec.names
    result = train_model(frame, spec, params)
    assert result.validation["refit_features"] == len(kept)
    # the dropped features are missing in the refit: no tree splits on them
    assert set(result.model.booster.get_score(importance_type="total_gain")) <= set(kept)
    assert result.model.booster.feature_names == spec.names  # scoring still takes every column


def test_dropped_features_become_missing_in_a_copy() -> None:
    from creditrisk_assets.modeling.refit import drop_features, refit_trees

    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = drop_features(x, ["a", "b", "c"], ["c", "a"])
    assert np.isnan(out[:, 1]).all() and (out[:, [0, 2]] == x[:, [0, 2]]).all()
    assert not np.isnan(x).any()  # the caller's matrix is untouched
    assert refit_trees(300, 1000, 850) == 353 and refit_trees(1, 10, 1000) == 1


def test_the_dagster_config_defaults_are_the_training_defaults() -> None:
    """``CandidateConfig`` shows each default of ``TrainParams`` and ``ScorecardParams`` to
    document it in the launchpad; a run with no config must train what a direct call trains."""
    from creditrisk_assets.modeling.config import CandidateConfig
    from creditrisk_assets.modeling.scorecard import ScorecardParams

    assert CandidateConfig().params() == TrainParams()
    assert CandidateConfig().scorecard_params() == ScorecardParams()
