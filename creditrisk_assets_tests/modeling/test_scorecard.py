"""The scorecard challenger: monotone WOE bins, PDO scaling, a JSON table, no protected column."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from creditrisk_assets.features.spec import Feature, FeatureSpec
from creditrisk_assets.modeling import metrics
from creditrisk_assets.modeling.scorecard import (
    Scorecard,
    ScorecardParams,
    fit_scorecard,
    information_value,
    woe_of,
)


def _conftest():
    """The modeling conftest as a module (its fixtures are function-scoped; one fit serves
    this whole module)."""
    path = Path(__file__).with_name("conftest.py")
    loader = importlib.util.spec_from_file_location("modeling_conftest_for_scorecard", path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fitted():
    helpers = _conftest()
    train = helpers.make_frame(3000, seed=1)
    card = fit_scorecard(train, helpers.SPEC, ScorecardParams(), train["TARGET"].to_numpy())
    return train, helpers.SPEC, card


def test_points_follow_the_logistic_regression_and_the_pdo_scaling(fitted) -> None:
    train, spec, card = fitted
    assert {"x_risk", "x_safe"} <= set(card.characteristics)
    assert "x_noise" not in card.characteristics  # no information value
    # the PD the points imply is the logistic regression's on the same WOE values
    chars = card.table["characteristics"]
    woe = np.column_stack([woe_of(c, train[c["feature"]].to_numpy(float)) for c in chars])
    lr = LogisticRegression(max_iter=2000).fit(woe, train["TARGET"])
    np.testing.assert_allclose(card.predict_pd(train), lr.predict_proba(woe)[:, 1], atol=1e-9)
    # 600 points at 50:1, 20 points double the odds
    score = card.score(train)
    log_odds_good = np.log((1 - lr.predict_proba(woe)[:, 1]) / lr.predict_proba(woe)[:, 1])
    np.testing.assert_allclose(score, 600 + 20 / math.log(2) * (log_odds_good - math.log(50)))
    other = fit_scorecard(
        train, spec, ScorecardParams(pdo=40, base_points=500), train["TARGET"].to_numpy()
    )
    np.testing.assert_allclose(other.score(train) - 500, 2 * (score - 600), atol=1e-6)
    assert metrics.roc_auc(train["TARGET"], card.predict_pd(train)) > 0.75


def test_numeric_bins_are_monotone_in_risk(fitted) -> None:
    _, _, card = fitted
    by_name = {c["feature"]: c for c in card.table["characteristics"]}
    risk = [b["woe"] for b in by_name["x_risk"]["bins"]]
    safe = [b["woe"] for b in by_name["x_safe"]["bins"]]
    assert len(risk) >= 3 and np.all(np.diff(risk) < 0)  # riskier: fewer goods per bad
    assert len(safe) >= 3 and np.all(np.diff(safe) > 0)
    # a point total is a sum over bins: higher x_risk never earns more points
    points = [b["points"] for b in by_name["x_risk"]["bins"]]
    assert np.all(np.diff(points) < 0)


def test_the_table_is_plain_json_and_scores_the_same(fitted) -> None:
    train, _, card = fitted
    again = Scorecard(json.loads(json.dumps(card.table)))
    np.testing.assert_array_equal(again.score(train), card.score(train))
    rows = card.rows()
    assert set(rows["characteristic"]) == set(card.characteristics)
    assert rows["missing"].sum() == len(card.characteristics)
    # an unseen category scores neutral (0 points for that characteristic), not an error
    probe = train.head(3).copy()
    probe["cat_region"] = 99.0
    chars = card.table["characteristics"]
    assert "cat_region" in card.characteristics
    kept = [c for c in chars if c["feature"] != "cat_region"]
    without = Scorecard({**card.table, "characteristics": kept})
    np.testing.assert_allclose(card.score(probe), without.score(probe))


def test_protected_attribute_never_enters_the_scorecard(fitted) -> None:
    train, spec, _ = fitted
    frame = train.copy()
    # a perfectly predictive protected column, as if a hand-made spec let it through
    frame["CODE_GENDER"] = frame["TARGET"].astype(float)
    leaky = FeatureSpec(
        features=(*spec.features, Feature("CODE_GENDER", "categorical", "application", "sex"))
    )
    card = fit_scorecard(frame, leaky, ScorecardParams(), frame["TARGET"].to_numpy())
    assert "CODE_GENDER" not in card.characteristics
    assert card.table["excluded_as_protected"] == ["CODE_GENDER"]
    assert "CODE_GENDER" not in card.table["screened_iv"]


def test_information_value_ranks_signal_over_noise() -> None:
    rng = np.random.default_rng(0)
    x, noise = rng.normal(size=(2, 5000))
    y = (rng.random(5000) < 1 / (1 + np.exp(-(-2 + 1.5 * x)))).astype(float)
    x[:200] = np.nan
    assert information_value(x, y, False) > 0.3 > 0.02 > information_value(noise, y, False)


def test_categories_are_grouped_and_missing_has_its_bin() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    code = rng.integers(0, 12, size=n).astype(float)  # more codes than the 8 bins allowed
    risky = np.isin(code, [1, 4, 6])
    y = (rng.random(n) < np.where(risky, 0.3, 0.05)).astype(int)
    code[rng.random(n) < 0.05] = np.nan
    frame = pd.DataFrame({"SK_ID_CURR": np.arange(n), "TARGET": y, "region": code})
    spec = FeatureSpec(features=(Feature("region", "categorical", "application", "code"),))
    card = fit_scorecard(frame, spec, ScorecardParams(), y)
    region = card.table["characteristics"][0]
    assert any(len(b["categories"]) > 1 for b in region["bins"])  # codes of equal risk merged
    assert region["missing"]["count"] == int(np.isnan(code).sum())
    pd_by_code = pd.Series(card.predict_pd(frame)).groupby(np.nan_to_num(code, nan=-1)).mean()
    safe = [c for c in range(12) if c not in (1, 4, 6)]
    assert pd_by_code[[1.0, 4.0, 6.0]].min() > pd_by_code[safe].max()


def test_large_train_splits_fit_a_stratified_sample(fitted) -> None:
    train, spec, card = fitted
    assert card.table["fitted_rows"] == len(train)
    small = fit_scorecard(train, spec, ScorecardParams(max_rows=1500), train["TARGET"].to_numpy())
    assert small.table["fitted_rows"] == 1500
    assert {"x_risk", "x_safe"} <= set(small.characteristics)
