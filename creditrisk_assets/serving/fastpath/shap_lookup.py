"""Request-time half of tabulated exact TreeSHAP: route rows through every split, read each
leaf's bit pattern, look its Shapley values up and add them per feature (``ShapTables``).

Why apart from ``tree_shap``: building the tables (reading XGBoost's JSON trees, the Shapley
arithmetic per leaf, the check against XGBoost) runs once when a model loads; this lookup runs
on every small ``/predict`` and must stay a few vectorised numpy steps. The method and the
layout's meaning are described in ``tree_shap``'s module docstring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class ShapTables:
    """Splits, leaf paths and Shapley tables of one booster, all trees' leaves in tree order
    (``L`` leaves; paths padded to ``D`` steps and ``P`` distinct features)."""

    n_features: int
    base_margin: np.float32
    split_feature: np.ndarray  # (splits,) int64
    threshold: np.ndarray  # (splits,) float32; unused for categorical splits
    default_left: np.ndarray  # (splits,) bool: where a missing value goes
    cat_split: np.ndarray  # (C,) the categorical splits among all splits
    cat_base: np.ndarray  # (C,) each one's first entry in ``cat_left``
    cat_width: np.ndarray  # (C,) its largest category + 1
    cat_left: np.ndarray  # bool per (split, slot): slot 0 invalid, 1.. categories, then
    #                       out of range, then missing (see ``_categorical_left``)
    step_split: np.ndarray  # (D, L) split of each path step; padding: the always-true column
    step_left: np.ndarray  # (D, L) bool: the path goes left there (padding: True)
    step_bit: np.ndarray  # (D, L) 1 << position of the step's feature in the leaf's pattern
    full_pattern: np.ndarray  # (L,) every feature followed: (1 << n) - 1
    slot_stride: np.ndarray  # (P, L) n of the leaf (padding: 0)
    slot_index: np.ndarray  # (P, L) table offset of the leaf + position (padding: a 0 entry)
    slot_features: sp.csr_matrix  # (features, P * L) 1 where a slot belongs to a feature
    leaf_value: np.ndarray  # (L,) float32
    leaf_node: np.ndarray  # (L,) the leaf's node number in its tree
    table: np.ndarray  # float64 per (leaf, pattern, position): phi of that feature

    def explain(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Float32 margins and float32 exact TreeSHAP attributions (rows x features)."""
        rows = len(x)
        failed = self._failed(x)
        pattern = self.full_pattern & ~failed
        phi = self.table[pattern[:, None, :] * self.slot_stride + self.slot_index]
        contrib = (self.slot_features @ phi.reshape(rows, -1).T).T.astype(np.float32, order="C")
        # one leaf per tree is reached; XGBoost adds their values to the base margin in tree
        # order in float32, and so does this sequential float32 accumulation
        _, reached = np.nonzero(failed == 0)
        terms = self.leaf_value[reached].reshape(rows, -1)
        start = np.full((rows, 1), self.base_margin, dtype=np.float32)
        margin = np.cumsum(np.hstack([start, terms]), axis=1, dtype=np.float32)[:, -1]
        return margin, contrib

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """Each row's leaf in each tree, numbered as XGBoost's ``pred_leaf`` numbers them."""
        _, reached = np.nonzero(self._failed(x) == 0)
        return self.leaf_node[reached].reshape(len(x), -1)

    def _failed(self, x: np.ndarray) -> np.ndarray:
        """(rows, L): bit ``j`` set where the row leaves the path to a leaf at a split on the
        leaf's ``j``-th feature; 0 for the one leaf per tree the row reaches."""
        rows, n_splits = len(x), len(self.split_feature)
        values = x[:, self.split_feature]
        left = np.ones((rows, n_splits + 1), dtype=bool)  # the last column pads short paths
        with np.errstate(invalid="ignore"):
            left[:, :n_splits] = np.where(
                np.isnan(values), self.default_left, values < self.threshold
            )
        if self.cat_split.size:
            left[:, self.cat_split] = self._categorical_left(values[:, self.cat_split])
        # (steps x leaves) layout: the reduction runs along the short leading axis
        missed = left[:, self.step_split] != self.step_left  # (rows, D, L)
        return np.bitwise_or.reduce(missed * self.step_bit, axis=1)

    def _categorical_left(self, values: np.ndarray) -> np.ndarray:
        """XGBoost's categorical decision: a listed category goes right; anything else (another
        category, a negative value, one past the largest listed) left; missing its default way.
        A value is truncated to its category as XGBoost does (2.5 is category 2)."""
        slot = np.clip(values, -1.0, self.cat_width) + 1.0  # [0, 1): invalid; width + 1: beyond
        slot = np.where(np.isnan(slot), self.cat_width + 2, slot).astype(np.int64)
        return self.cat_left[self.cat_base + slot]
