"""The families' rows joined in NumPy as the store query joins them (``family_rows.py``)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from creditrisk_assets.serving.family_rows import FamilyRows, _Family


def _plan() -> FamilyRows:
    """Store columns A (the applicant's own family) and N, B (one history family: N is a count
    the store coalesces to 0, B an aggregate left NULL without records)."""
    return FamilyRows(
        names=["A", "N", "B"],
        families=[
            _Family(np.array([0]), np.array([0]), width=1),
            _Family(np.array([2, 1]), np.array([0, 1]), width=3),  # packed as (B, N, unused)
        ],
        absent=np.array([np.nan, 0.0, np.nan]),
        defaulted=np.array([False, True, False]),
    )


def _result(rows: list[tuple[int, int, list[float | None]]]) -> pa.Table:
    family, ids, features = zip(*rows, strict=True)
    return pa.table(
        {
            "family": pa.array(family, pa.int32()),
            "SK_ID_CURR": pa.array(ids, pa.int64()),
            "features": pa.array(features, pa.list_(pa.float64())),
        }
    )


def test_rows_are_joined_by_applicant_in_id_order_with_the_store_s_defaults() -> None:
    rows = _plan().assemble(
        _result(
            [
                (0, 20, [5.0]),
                (1, 10, [7.5, None, 1.0]),  # NULL count in a present row: coalesced like the store
                (0, 10, [6.0]),
                (1, 99, [1.0, 2.0, 3.0]),  # records of an applicant not applying: dropped
            ]
        )
    )
    assert rows is not None and rows.names == ["A", "N", "B"]
    assert rows.ids.tolist() == [10, 20]
    np.testing.assert_array_equal(rows.values, [[6.0, 0.0, 7.5], [5.0, 0.0, np.nan]])


def test_a_null_the_store_leaves_null_stays_missing() -> None:
    rows = _plan().assemble(_result([(0, 1, [None]), (1, 1, [None, 3.0, 0.0])]))
    assert rows is not None
    np.testing.assert_array_equal(rows.values, [[np.nan, 3.0, np.nan]])


def test_an_applicant_twice_is_left_to_the_store_query() -> None:
    assert _plan().assemble(_result([(0, 1, [1.0]), (0, 1, [2.0])])) is None
    twice_in_a_family = [(0, 1, [1.0]), (1, 1, [1.0, 2.0, 3.0]), (1, 1, [4.0, 5.0, 6.0])]
    assert _plan().assemble(_result(twice_in_a_family)) is None


def test_no_applicants_give_no_rows() -> None:
    rows = _plan().assemble(_result([(1, 4, [1.0, 2.0, 3.0])]))
    assert rows is not None and rows.ids.size == 0 and rows.values.shape == (0, 3)
