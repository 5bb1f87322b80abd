"""Margins and approximate (Saabas) reason codes from each row's leaves, for large batches.

XGBoost's ``approx_contribs`` walks every tree for every row and, per tree, zeroes and then adds
a vector as wide as the feature set: for a chunk of 1,250 rows x 157 trees x 335 columns that
is most of its ~15 ms (``perf``), and the margin needs a second pass over the trees. Yet a
row's Saabas attribution is a sum over trees of one fixed vector per leaf (the change in node
mean along the path to that leaf, credited to each split's feature). So once XGBoost has said
which leaf each row reaches in each tree (``pred_leaf``, ~5 ms), attributions are one sparse
product, leaves one-hot (rows x leaves) @ path contributions (leaves x features), and the
margin is the base margin plus the leaf values added in tree order in float32, as XGBoost adds
them: the same bits, so PDs do not depend on the reason method.

``build`` checks both against XGBoost on probe rows made from the trees' own split values
before the API relies on them (margins bit for bit, attributions to ``ATOL``); for a model it
cannot reproduce it returns ``None`` and scoring uses XGBoost's own passes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.sparse as sp
import xgboost as xgb

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Attributions may differ from XGBoost's float32 sums by rounding only.
ATOL = 1e-5
PROBE_ROWS = 256


@dataclass(frozen=True)
class TreePaths:
    """Per-node tables of one booster, nodes of all trees numbered consecutively."""

    base_margin: np.float32
    offsets: np.ndarray  # first node of each tree (int64)
    leaf_values: np.ndarray  # float32 per node (0 for inner nodes)
    paths: sp.csr_matrix  # (nodes x features): each leaf's path contributions

    def explain(self, leaves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Float32 margins and float64 attributions (rows x features) from ``pred_leaf``."""
        nodes = np.asarray(leaves, dtype=np.int64) + self.offsets  # (rows, trees)
        margin = np.full(len(nodes), self.base_margin, dtype=np.float32)
        for tree_nodes in np.ascontiguousarray(nodes.T):  # XGBoost's order: tree by tree
            margin += self.leaf_values[tree_nodes]
        rows, trees = nodes.shape
        # each row reaches one leaf per tree, so the one-hot (rows x nodes) is CSR as it stands:
        # row r's entries are nodes[r]. A 1,250-row chunk of the 164-tree demo champion took
        # 6 ms this way against 11 ms for (features x nodes) @ (nodes x rows) in CSC, whose
        # product made scipy convert the CSC operand to CSR first (benchmarks/RESULTS.md)
        onehot = sp.csr_matrix(
            (np.ones(nodes.size), nodes.ravel(), np.arange(0, nodes.size + 1, trees)),
            shape=(rows, len(self.leaf_values)),
        )
        product = onehot @ self.paths
        # Densified into memory written before it is read. ``toarray()`` asks for zeroed
        # memory; an allocator that hands out fresh pages for it (jemalloc does for large
        # blocks) leaves them on the kernel's shared zero page, and csr_todense reads each cell
        # before adding to it: two page faults per page and a TLB flush on every core, ~11 %
        # of a 10,000-row request's CPU under jemalloc (``perf``, benchmarks/RESULTS.md).
        out = np.empty(product.shape, dtype=product.dtype)
        out.fill(0.0)
        return margin, product.toarray(out=out)


def build(booster: xgb.Booster, seed: int = 0) -> TreePaths | None:
    """The booster's tables, or ``None`` if it is not a model they reproduce exactly.

    A model file this code cannot read (a future XGBoost's JSON layout, say) is also ``None``,
    with a warning: the model itself still serves, on XGBoost's own passes."""
    return build_or_none(_build, booster, seed, "leaf-path scoring", log)


def build_or_none(
    build_tables: Callable[[xgb.Booster, int], T | None],
    booster: xgb.Booster,
    seed: int,
    purpose: str,
    logger: logging.Logger,
) -> T | None:
    """``build_tables(booster, seed)``, or ``None`` with a warning when the model file cannot
    be read (also for ``tree_shap.py``): the model still serves, on XGBoost's own passes."""
    try:
        return build_tables(booster, seed)
    except (KeyError, IndexError, TypeError, ValueError) as err:
        logger.warning("cannot read the trees for %s (%r); using XGBoost's", purpose, err)
        return None


def _build(booster: xgb.Booster, seed: int) -> TreePaths | None:
    found = read_binary_model(booster)
    if found is None:
        return None
    learner, model = found
    base_score = np.float64(np.float32(learner["learner_model_param"]["base_score"].strip("[]")))
    base_margin = np.float32(np.log(base_score / (1.0 - base_score)))
    n_features = booster.num_features()
    offsets, values, path_rows, path_cols, path_vals = [], [], [], [], []
    start = 0
    for tree in model["trees"]:
        node_values, entries = _tree_tables(tree)
        offsets.append(start)
        values.append(node_values)
        for node, feature, contribution in entries:
            path_rows.append(start + node)
            path_cols.append(feature)
            path_vals.append(contribution)
        start += len(node_values)
    paths = sp.csr_matrix(
        (np.asarray(path_vals, dtype=np.float64), (path_rows, path_cols)),
        shape=(start, n_features),
    )
    table = TreePaths(base_margin, np.asarray(offsets, np.int64), np.concatenate(values), paths)
    return table if _agrees(table, booster, model["trees"], n_features, seed) else None


def read_learner(booster: xgb.Booster) -> dict:
    """The booster's learner section of its JSON model."""
    return json.loads(booster.save_raw("json").decode())["learner"]


def read_binary_model(booster: xgb.Booster) -> tuple[dict, dict] | None:
    """The learner and tree model of a one-output ``binary:logistic`` tree booster, the only
    kind the tables reproduce (also read by ``tree_shap.py``); ``None`` for any other."""
    learner = read_learner(booster)
    gbm = learner["gradient_booster"]
    if gbm["name"] != "gbtree" or learner["objective"]["name"] != "binary:logistic":
        return None
    model = gbm["model"]
    if any(info != 0 for info in model["tree_info"]):
        return None  # more than one output group
    return learner, model


def read_trees(booster: xgb.Booster) -> list[dict]:
    return read_learner(booster)["gradient_booster"]["model"]["trees"]


def _tree_tables(tree: dict) -> tuple[np.ndarray, list[tuple[int, int, float]]]:
    """Leaf values (0 for inner nodes) and ``(leaf, feature, contribution)`` path entries.

    Node means are XGBoost's (``FillNodeMeanValues``): a leaf's value, else the children's
    means weighted by their hessian sums, in float32.
    """
    left, right = tree["left_children"], tree["right_children"]
    split = tree["split_indices"]
    value = np.asarray(tree["split_conditions"], dtype=np.float32)  # a leaf's value lives here
    hess = np.asarray(tree["sum_hessian"], dtype=np.float32)
    is_leaf = np.asarray(left) == -1
    mean = np.where(is_leaf, value, np.float32(0))
    order, stack = [], [0]
    while stack:  # pre-order; reversed, every child comes before its parent
        node = stack.pop()
        order.append(node)
        if not is_leaf[node]:
            stack += (left[node], right[node])
    for node in reversed(order):
        if not is_leaf[node]:
            a, b = left[node], right[node]
            mean[node] = (mean[a] * hess[a] + mean[b] * hess[b]) / hess[node]
    entries: list[tuple[int, int, float]] = []
    walk: list[tuple[int, dict[int, float]]] = [(0, {})]
    while walk:
        node, credited = walk.pop()
        if is_leaf[node]:
            entries += [(node, f, c) for f, c in credited.items()]
            continue
        f = split[node]
        for child in (left[node], right[node]):
            step = float(mean[child] - mean[node])  # float32 difference, as XGBoost takes it
            walk.append((child, {**credited, f: credited.get(f, 0.0) + step}))
    return np.where(is_leaf, value, np.float32(0)), entries


def _agrees(
    table: TreePaths, booster: xgb.Booster, trees: list[dict], n_features: int, seed: int
) -> bool:
    """Compare with XGBoost on rows that take many different paths through the trees."""
    x = probe_rows(trees, n_features, seed)
    dm = xgb.DMatrix(x)
    leaves = booster.predict(dm, pred_leaf=True, validate_features=False).reshape(len(x), -1)
    margin, contributions = table.explain(leaves)
    expected = booster.predict(dm, output_margin=True, validate_features=False)
    approx = booster.predict(dm, pred_contribs=True, approx_contribs=True, validate_features=False)[
        :, :-1
    ]
    same_margin = np.array_equal(margin, expected)
    close = np.allclose(contributions, approx, rtol=0.0, atol=ATOL)
    if not (same_margin and close):
        log.warning(
            "leaf-path scoring disagrees with XGBoost (margins equal: %s, max attribution "
            "difference %.3g); using XGBoost's own passes",
            same_margin,
            float(np.abs(contributions - approx).max()),
        )
    return same_margin and close


def probe_rows(trees: list[dict], n_features: int, seed: int) -> np.ndarray:
    """Rows of the trees' split values and the float just below each (so both branches get
    taken), their split categories, or missing values."""
    candidates: list[list[float]] = [[] for _ in range(n_features)]
    for tree in trees:
        categorical = set(tree["categories_nodes"])
        for node, (child, f, v) in enumerate(
            zip(tree["left_children"], tree["split_indices"], tree["split_conditions"], strict=True)
        ):
            if child != -1 and node not in categorical:
                candidates[f] += [np.nextafter(np.float32(v), np.float32(-np.inf)), v]
        categories = tree["categories"]
        for node, begin, size in zip(
            tree["categories_nodes"], tree["categories_segments"], tree["categories_sizes"],
            strict=True,
        ):  # fmt: skip
            split_categories = [float(c) for c in categories[begin : begin + size]]
            candidates[tree["split_indices"][node]] += [*split_categories, 0.0]
    rng = np.random.default_rng(seed)
    x = np.full((PROBE_ROWS, n_features), np.nan, dtype=np.float32)
    for f, values in enumerate(candidates):
        if values:
            x[:, f] = rng.choice(np.asarray(values, dtype=np.float32), PROBE_ROWS)
    x[rng.random(x.shape) < 0.2] = np.nan
    return x
