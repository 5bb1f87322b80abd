"""Leaf-path margins and Saabas attributions (fastpath/tree_paths.py) against XGBoost's own."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import xgboost as xgb

from creditrisk_assets.serving import scoring
from creditrisk_assets.serving.fastpath import tree_paths


def _xgboost(booster: xgb.Booster, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dm = xgb.DMatrix(x)
    leaves = booster.predict(dm, pred_leaf=True, validate_features=False).reshape(len(x), -1)
    margin = booster.predict(dm, output_margin=True, validate_features=False)
    approx = booster.predict(dm, pred_contribs=True, approx_contribs=True, validate_features=False)
    return leaves, margin, approx[:, :-1]


def test_margins_are_xgboosts_bit_for_bit_and_attributions_its_saabas(served, matrix) -> None:
    booster = served.model.booster
    assert served.paths is not None
    # categorical splits are covered
    assert any(tree["categories_nodes"] for tree in tree_paths.read_trees(booster))
    leaves, margin, approx = _xgboost(booster, matrix)
    got_margin, got = served.paths.explain(leaves)
    assert got_margin.dtype == np.float32 and np.array_equal(got_margin, margin)
    np.testing.assert_allclose(got, approx, rtol=0, atol=tree_paths.ATOL)
    assert np.abs(approx).max() > 100 * tree_paths.ATOL  # the comparison is not vacuous


def test_fast_scoring_with_and_without_leaf_paths_agree(served, matrix) -> None:
    with_paths = scoring.predict(served, matrix, None, 4, "fast")
    without = scoring.predict(dataclasses.replace(served, paths=None), matrix, None, 4, "fast")
    assert [p["pd"] for p in with_paths] == [p["pd"] for p in without]
    codes = [[c["code"] for c in p["reason_codes"]] for p in with_paths]
    assert codes == [[c["code"] for c in p["reason_codes"]] for p in without]
    assert [p["pd"] for p in with_paths] == [
        p["pd"] for p in scoring.predict(served, matrix, None, 4, "exact")
    ]


def test_models_it_cannot_reproduce_are_left_to_xgboost() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 5)).astype(np.float32)
    y = (x[:, 0] + rng.normal(size=200) > 0).astype(float)
    dm = xgb.DMatrix(x, label=y)
    regression = xgb.train({"objective": "reg:squarederror", "max_depth": 3}, dm, 5)
    dart = xgb.train({"objective": "binary:logistic", "booster": "dart", "max_depth": 3}, dm, 5)
    logistic = xgb.train({"objective": "binary:logistic", "max_depth": 3}, dm, 5)
    assert tree_paths.build(regression) is None
    assert tree_paths.build(dart) is None
    table = tree_paths.build(logistic)
    assert table is not None
    leaves, margin, _ = _xgboost(logistic, x)
    assert np.array_equal(table.explain(leaves)[0], margin)


def test_a_table_that_disagrees_is_refused_with_a_warning(served, caplog) -> None:
    booster = served.model.booster
    trees = tree_paths.read_trees(booster)
    nudged = dataclasses.replace(
        served.paths, base_margin=np.nextafter(served.paths.base_margin, np.float32(1))
    )
    with caplog.at_level(logging.WARNING, logger=tree_paths.__name__):
        assert not tree_paths._agrees(nudged, booster, trees, booster.num_features(), 0)
    assert "margins equal: False" in caplog.text
    assert tree_paths._agrees(served.paths, booster, trees, booster.num_features(), 0)


def test_a_model_file_it_cannot_read_still_serves_on_xgboost(served, monkeypatch, caplog) -> None:
    monkeypatch.setattr(tree_paths, "read_learner", lambda booster: {"gradient_booster": {}})
    with caplog.at_level(logging.WARNING, logger=tree_paths.__name__):
        assert tree_paths.build(served.model.booster) is None
    assert "cannot read the trees" in caplog.text
