"""Reason-code ranking (pure NumPy): the ``k`` largest contributions per row, largest first."""

from __future__ import annotations

import numpy as np

from creditrisk_assets.modeling.prediction import top_reasons


def test_top_reasons_match_a_full_sort():
    rng = np.random.default_rng(3)
    contrib = rng.normal(size=(500, 40)).astype(np.float32)
    expected = np.argsort(-contrib, axis=1, kind="stable")[:, :4]
    np.testing.assert_array_equal(top_reasons(contrib, 4), expected)


def test_ties_go_to_the_lower_column_and_input_is_untouched():
    contrib = np.array([[0.5, 2.0, 2.0, 1.0, 2.0], [0.0, 0.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    before = contrib.copy()
    np.testing.assert_array_equal(top_reasons(contrib, 3), [[1, 2, 4], [0, 1, 2]])
    np.testing.assert_array_equal(contrib, before)


def test_k_larger_than_the_number_of_features_ranks_them_all():
    contrib = np.array([[0.1, 0.3, 0.2]], dtype=np.float32)
    np.testing.assert_array_equal(top_reasons(contrib, 10), [[1, 2, 0]])
