"""Exact TreeSHAP and margins for a few rows without XGBoost: building the per-leaf tables
(``build``) that ``shap_lookup.ShapTables`` reads per request.

Why: a one-row ``/predict`` with the default (exact) reason codes spent most of its server CPU
in XGBoost's entry points, not in the arithmetic: building a DMatrix (~0.5-1 ms for one row),
``predict(output_margin)`` and ``predict(pred_contribs)`` (~0.5 and ~2-3 ms of mostly per-call
set-up for a 200-tree, depth-4 model). The TreeSHAP of one row through depth-4 trees is a few
thousand multiplications.

The method is FastTreeSHAP's "v2" (Yang 2021, arXiv:2109.09847), path-dependent TreeSHAP as
XGBoost's ``pred_contribs`` computes it. Along the path to a leaf ``l`` with value ``v``, each
distinct split feature ``j`` has a *one fraction* ``p_j`` (1 if the row satisfies every split on
``j`` along the path, else 0) and a *zero fraction* ``z_j`` (the product of the training covers
``cover(child) / cover(parent)`` of those splits). The leaf's part of the expected output given
the features in ``S`` is ``v * prod_{j in S} p_j * prod_{j not in S} z_j``, a game on the
path's features alone, whose Shapley value for feature ``i`` is

    phi_i = v * (p_i - z_i) * sum over S within P minus {i} of w(|S|, n) * prod_{j in U-S-i} z_j

with ``U`` the path's ``n`` distinct features, ``P`` those with ``p_j = 1`` and
``w(s, n) = s! (n - s - 1)! / n!``. It depends on the row only through the bit pattern ``P``,
so it is tabulated for every leaf and every one of its ``2^n`` patterns when a model loads
(depth 4: at most 16 x 4 values per leaf). Per request: route the row through every split
(one vectorised comparison), read each leaf's pattern, look its values up and add them per
feature. XGBoost sums the same terms in float32 in another order, so attributions agree to
rounding (``ATOL``, checked at load), not bit for bit; ``reason_method`` stays ``exact``:
these are the same exact Shapley values, not an approximation. The margin is the reached leaves'
values added in tree order in float32, as XGBoost adds them: the same bits.

``build`` returns ``None`` (scoring then uses XGBoost's own passes) for a model these tables do
not cover: another objective or booster, paths with more than ``MAX_PATH_FEATURES`` distinct
features, or any disagreement with XGBoost on probe rows.
"""

from __future__ import annotations

import dataclasses
import logging
from functools import cache
from math import factorial

import numpy as np
import scipy.sparse as sp
import xgboost as xgb

from creditrisk_assets.serving.fastpath.shap_lookup import ShapTables
from creditrisk_assets.serving.fastpath.tree_paths import (
    build_or_none,
    probe_rows,
    read_binary_model,
)

log = logging.getLogger(__name__)

#: Attributions may differ from XGBoost's float32 sums by rounding only.
ATOL = 1e-5
#: Requests up to this many rows use the tables; above, XGBoost's batched TreeSHAP is cheaper
#: per row (it walks each tree once per row instead of comparing at every split).
MAX_ROWS = 64
#: A path with n distinct features has a 2^n x n table per leaf: depth 10 is the practical end.
MAX_PATH_FEATURES = 10


def build(booster: xgb.Booster, seed: int = 0) -> ShapTables | None:
    """The booster's tables, or ``None`` if these tables do not reproduce it (see module)."""
    return build_or_none(_build, booster, seed, "tabulated TreeSHAP", log)


def _build(booster: xgb.Booster, seed: int) -> ShapTables | None:
    found = read_binary_model(booster)
    if found is None:
        return None
    learner, model = found
    trees = model["trees"]
    score = np.float32(learner["learner_model_param"]["base_score"].strip("[]"))
    acc = _Tables()
    for tree in trees:
        acc.add_tree(tree)
    if max(len(set(f)) for _, _, f in acc.leaves) > MAX_PATH_FEATURES:
        return None
    # The base margin as XGBoost's margins imply it: the logit of the base score taken in
    # float64, or in float32 (-log(1/p - 1)); models differ in which one matches their margins
    # bit for bit (0.0814 the first, 0.5 both, 0.53 neither: the tables are then refused)
    one = np.float32(1)
    candidates = (np.float32(np.log(score / (one - np.float64(score)))), -np.log(one / score - one))
    tables = acc.finish(booster.num_features(), candidates[0])
    for base_margin in candidates:
        tables = dataclasses.replace(tables, base_margin=np.float32(base_margin))
        if _agrees(tables, booster, trees, seed, warn=base_margin is candidates[-1]):
            return tables
    return None


Step = tuple[int, bool, float]  # split, goes left, cover(child) / cover(parent)


class _Tables:
    """Collects splits and leaf paths tree by tree, then lays them out for ``ShapTables``."""

    def __init__(self) -> None:
        self.splits: list[tuple[int, float, bool]] = []  # feature, threshold, default left
        self.cat_sets: dict[int, list[int]] = {}  # split -> categories that go right
        self.leaves: list[tuple[np.float32, list[Step], list[int]]] = []  # value, path, features
        self.leaf_node: list[int] = []

    def add_tree(self, tree: dict) -> None:
        left, right = tree["left_children"], tree["right_children"]
        split, cond = tree["split_indices"], tree["split_conditions"]
        cover = np.asarray(tree["sum_hessian"], dtype=np.float64)
        split_id = {}
        for node, child in enumerate(left):
            if child != -1:
                split_id[node] = len(self.splits)
                self.splits.append((split[node], cond[node], bool(tree["default_left"][node])))
        cats = tree["categories"]
        for node, begin, size in zip(
            tree["categories_nodes"], tree["categories_segments"], tree["categories_sizes"],
            strict=True,
        ):  # fmt: skip
            self.cat_sets[split_id[node]] = [int(c) for c in cats[begin : begin + size]]
        walk: list[tuple[int, list[Step], list[int]]] = [(0, [], [])]
        leaves = []
        while walk:
            node, path, features = walk.pop()
            if left[node] == -1:
                leaves.append((node, path, features))
                continue
            for child, goes_left in ((left[node], True), (right[node], False)):
                step = (split_id[node], goes_left, cover[child] / cover[node])
                walk.append((child, [*path, step], [*features, split[node]]))
        for node, path, features in sorted(leaves, key=lambda leaf: leaf[0]):
            self.leaves.append((np.float32(cond[node]), path, features))
            self.leaf_node.append(node)

    def finish(self, n_features: int, base_margin: np.float32) -> ShapTables:
        n_leaves = len(self.leaves)
        depth = max(1, max(len(p) for _, p, _ in self.leaves))
        width = max(1, max(len(set(f)) for _, _, f in self.leaves))
        step_split = np.full((depth, n_leaves), len(self.splits), dtype=np.int64)
        step_left = np.ones((depth, n_leaves), dtype=bool)
        step_bit = np.zeros((depth, n_leaves), dtype=np.int64)
        full = np.zeros(n_leaves, dtype=np.int64)
        stride = np.zeros((width, n_leaves), dtype=np.int64)
        index = np.zeros((width, n_leaves), dtype=np.int64)
        rows, cols, tables, size = [], [], [], 0
        for leaf, (value, path, features) in enumerate(self.leaves):
            distinct = list(dict.fromkeys(features))  # in path order
            n = len(distinct)
            zero = np.ones(n)
            for d, ((node, goes_left, fraction), f) in enumerate(zip(path, features, strict=True)):
                pos = distinct.index(f)
                step_split[d, leaf], step_left[d, leaf] = node, goes_left
                step_bit[d, leaf] = 1 << pos
                zero[pos] *= fraction  # a feature split on twice: the fractions multiply
            full[leaf] = (1 << n) - 1
            stride[:n, leaf] = n
            index[:n, leaf] = size + np.arange(n)
            rows += distinct
            cols += [pos * n_leaves + leaf for pos in range(n)]
            tables.append(_leaf_table(float(value), zero))
            size += tables[-1].size
        index[stride == 0] = size  # padding reads the 0 appended below
        feature, threshold, default_left = (np.asarray(c) for c in zip(*self.splits, strict=True))
        cat_split = np.asarray(sorted(self.cat_sets), dtype=np.int64)
        cat_width = np.asarray([max(self.cat_sets[s]) + 1 for s in cat_split], dtype=np.int64)
        cat_base = (np.cumsum(cat_width + 3) - (cat_width + 3)).astype(np.int64)
        cat_left = np.ones(int((cat_width + 3).sum()), dtype=bool)
        for s, base, w in zip(cat_split, cat_base, cat_width, strict=True):
            cat_left[base + 1 + np.asarray(self.cat_sets[s])] = False  # listed: right
            cat_left[base + w + 2] = default_left[s]  # missing
        return ShapTables(
            n_features=n_features,
            base_margin=base_margin,
            split_feature=feature.astype(np.int64),
            threshold=threshold.astype(np.float32),
            default_left=default_left.astype(bool),
            cat_split=cat_split,
            cat_base=cat_base,
            cat_width=cat_width.astype(np.float32),
            cat_left=cat_left,
            step_split=step_split,
            step_left=step_left,
            step_bit=step_bit,
            full_pattern=full,
            slot_stride=stride,
            slot_index=index,
            slot_features=sp.csr_matrix(
                (np.ones(len(rows)), (rows, cols)), shape=(n_features, n_leaves * width)
            ),
            leaf_value=np.asarray([v for v, _, _ in self.leaves], dtype=np.float32),
            leaf_node=np.asarray(self.leaf_node, dtype=np.int64),
            table=np.concatenate([*tables, [0.0]]),
        )


def _leaf_table(value: float, zero: np.ndarray) -> np.ndarray:
    """``(2^n, n)`` flattened: for each pattern ``P`` (bit ``j``: feature ``j`` followed) and
    feature ``i``, ``value * (p_i - z_i) * sum_{S within P - i} w(|S|, n) prod_{U - S - i} z``."""
    bits, weight, within, others = _subsets(len(zero))
    # prod of z_j over j outside S and j != i, for every (S, i)
    outside = np.prod(np.where(others & (bits[:, None, :] == 0), zero, 1.0), axis=2)
    term = np.where(bits == 0, weight[:, None] * outside, 0.0)  # S must not hold i
    return (value * (bits - zero) * (within @ term)).ravel()


@cache
def _subsets(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For ``n`` path features: membership bits (2^n, n), the Shapley weight ``w(|S|, n)`` of
    each subset (those holding all n never count), the subset relation ``[P, S]`` and the
    (n, n) "other feature" mask."""
    masks = np.arange(1 << n)
    bits = (masks[:, None] >> np.arange(n)) & 1
    size = np.minimum(bits.sum(axis=1), n - 1)
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    within = ((masks[None, :] & ~masks[:, None]) == 0).astype(np.float64)
    return bits, weight[size], within, ~np.eye(n, dtype=bool)


def _agrees(
    tables: ShapTables, booster: xgb.Booster, trees: list[dict], seed: int, warn: bool = True
) -> bool:
    """Compare with XGBoost on probe rows (split values either side, categories, odd values)."""
    x = probe_rows(trees, tables.n_features, seed)
    rng = np.random.default_rng(seed + 1)
    odd = np.array([-1.0, 0.5, 2.5, 1e6, np.nan], dtype=np.float32)
    features = np.unique(tables.split_feature[tables.cat_split])
    for f in features:  # odd values of categorical features: negative, fractional, huge
        at = rng.random(len(x)) < 0.3
        x[at, f] = rng.choice(odd, int(at.sum()))
    dm = xgb.DMatrix(x)
    expected = booster.predict(dm, output_margin=True, validate_features=False)
    exact = booster.predict(dm, pred_contribs=True, validate_features=False)[:, :-1]
    leaves = booster.predict(dm, pred_leaf=True, validate_features=False).reshape(len(x), -1)
    margin, contrib = tables.explain(x)
    same_margin = np.array_equal(margin, expected)
    same_leaves = np.array_equal(tables.leaves(x), leaves)
    close = np.allclose(contrib, exact, rtol=0.0, atol=ATOL)
    if warn and not (same_margin and same_leaves and close):
        log.warning(
            "tabulated TreeSHAP disagrees with XGBoost (margins equal: %s, leaves equal: %s, "
            "max attribution difference %.3g); using XGBoost's own passes",
            same_margin,
            same_leaves,
            float(np.abs(contrib - exact).max()),
        )
    return same_margin and same_leaves and close
