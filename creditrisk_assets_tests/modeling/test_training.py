"""Training: early stopping, resampling with prior-shift correction, bad labels."""

from __future__ import annotations

import numpy as np
import pytest

from creditrisk_assets.modeling import metrics
from creditrisk_assets.modeling.training import TrainParams, train_model

FAST = {"learning_rate": 0.2, "max_depth": 3, "num_boost_round": 200, "early_stopping_rounds": 10}


def test_early_stopping_trims_trees(make_frame, spec) -> None:
    result = train_model(make_frame(3000, seed=1), spec, TrainParams(**FAST), partition="p")
    assert result.best_iteration < 199
    assert result.model.booster.num_boosted_rounds() == result.best_iteration + 1
    assert result.rows == {"train": 3000, "fit": 2550, "validation": 450}
    assert result.validation["val_auc"] > 0.75
    assert result.model.meta.logit_offset == 0.0 and result.model.meta.partition == "p"


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
