"""Tabulated exact TreeSHAP for small requests (fastpath/tree_shap.py) against XGBoost's own."""

from __future__ import annotations

import dataclasses

import numpy as np
import xgboost as xgb

from creditrisk_assets.serving import scoring
from creditrisk_assets.serving.fastpath import tree_paths, tree_shap


def test_margins_leaves_and_exact_attributions_are_xgboosts(served, matrix) -> None:
    booster = served.model.booster
    assert served.shap is not None
    assert served.shap.cat_split.size  # categorical splits are covered
    dm = xgb.DMatrix(matrix)
    margin = booster.predict(dm, output_margin=True, validate_features=False)
    exact = booster.predict(dm, pred_contribs=True, validate_features=False)[:, :-1]
    leaves = booster.predict(dm, pred_leaf=True, validate_features=False)
    got_margin, got = served.shap.explain(matrix)
    assert got_margin.dtype == np.float32 and np.array_equal(got_margin, margin)
    assert got.dtype == np.float32 and got.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(got, exact, rtol=0, atol=tree_shap.ATOL)
    assert np.abs(exact).max() > 100 * tree_shap.ATOL  # the comparison is not vacuous
    assert np.array_equal(served.shap.leaves(matrix), leaves.reshape(len(matrix), -1))


def test_a_row_gets_the_same_answer_alone_or_in_a_batch(served, matrix) -> None:
    margin, contrib = served.shap.explain(matrix[:20])
    for i in (0, 7, 19):
        alone_margin, alone = served.shap.explain(matrix[i : i + 1])
        assert alone_margin[0] == margin[i] and np.array_equal(alone[0], contrib[i])


def test_small_requests_score_as_xgboost_would(served, matrix) -> None:
    rows = matrix[: tree_shap.MAX_ROWS]
    without = dataclasses.replace(served, shap=None)  # XGBoost's own passes
    for method in ("exact", "fast"):
        got = scoring.predict(served, rows, None, 4, method)
        expected = scoring.predict(without, rows, None, 4, method)
        assert [p["pd"] for p in got] == [p["pd"] for p in expected]
        codes = [[c["code"] for c in p["reason_codes"]] for p in got]
        assert codes == [[c["code"] for c in p["reason_codes"]] for p in expected]
        assert {p["reason_method"] for p in got} == {method}


def test_models_it_cannot_reproduce_are_left_to_xgboost(monkeypatch) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 5)).astype(np.float32)
    x[rng.random(x.shape) < 0.1] = np.nan
    y = (x[:, 0] + rng.normal(size=200) > 0).astype(float)
    dm = xgb.DMatrix(x, label=y)
    regression = xgb.train({"objective": "reg:squarederror", "max_depth": 3}, dm, 5)
    # base score 0.5: a zero base margin (others can round differently; verified at load)
    params = {"objective": "binary:logistic", "max_depth": 3, "base_score": 0.5}
    logistic = xgb.train(params, dm, 5)
    assert tree_shap.build(regression) is None
    table = tree_shap.build(logistic)
    assert table is not None
    dm = xgb.DMatrix(x)
    margin, contrib = table.explain(x)
    assert np.array_equal(margin, logistic.predict(dm, output_margin=True))
    expected = logistic.predict(dm, pred_contribs=True)[:, :-1]
    np.testing.assert_allclose(contrib, expected, rtol=0, atol=tree_shap.ATOL)
    monkeypatch.setattr(tree_shap, "MAX_PATH_FEATURES", 1)  # tables too large: refused
    assert tree_shap.build(logistic) is None


def test_a_table_that_disagrees_is_refused(served, caplog) -> None:
    booster = served.model.booster
    trees = tree_paths.read_trees(booster)
    nudged = dataclasses.replace(served.shap, table=served.shap.table * 1.01)
    with caplog.at_level("WARNING", logger=tree_shap.__name__):
        assert not tree_shap._agrees(nudged, booster, trees, 0)
    assert "max attribution difference" in caplog.text
    assert tree_shap._agrees(served.shap, booster, trees, 0)
