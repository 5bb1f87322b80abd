"""The master scale grades PDs into fixed, versioned bands, after the PD floor."""

from __future__ import annotations

import bisect

import numpy as np
import pytest

from creditrisk_assets.risk.master_scale import MasterScale, load_scale, scale_version


def test_default_scale_has_ten_performing_grades_doubling_from_five_bp() -> None:
    scale = load_scale()
    assert scale.version == scale_version() == "MS-2025.1"
    assert len(scale.labels) == 10 and scale.default_label == "D"
    assert scale.pd_floor == 0.0005
    ratios = np.asarray(scale.upper_pd[1:-1]) / np.asarray(scale.upper_pd[:-2])
    assert np.allclose(ratios, 2.0)
    assert scale.upper_pd[0] == pytest.approx(2 * scale.pd_floor)
    assert MasterScale.geometric("MS-2025.1") == scale


def test_grades_follow_the_bands_with_the_floor_applied() -> None:
    scale = load_scale()
    pds = [0.0, 0.0004, 0.0009999, 0.001, 0.02, 0.0799, 0.2559, 0.256, 0.9, 1.0]
    assert scale.grade(pds).tolist() == ["1", "1", "1", "2", "6", "8", "9", "10", "10", "10"]
    assert scale.floor_pd([0.0, 0.0001, 0.3]).tolist() == [0.0005, 0.0005, 0.3]
    assert scale.grade([0.01, 0.01], defaulted=[False, True]).tolist() == ["5", "D"]
    with pytest.raises(ValueError, match="bad at positions \\[1\\]"):
        scale.grade([0.1, np.nan])


def test_grades_are_monotone_and_equal_a_per_value_bisect() -> None:
    """100k PDs graded at once equal each PD graded alone by ``bisect`` after the floor
    (the timing of the two lives in ``benchmarks/bench_risk_kernels.py``)."""
    scale = load_scale()
    pds = np.sort(np.random.default_rng(0).beta(0.5, 8, size=100_000))
    pds[:3] = [0.0, scale.upper_pd[0], scale.upper_pd[4]]  # the floor and exact bounds
    idx = scale.grade_index(pds)
    assert np.all(np.diff(idx[3:]) >= 0)
    bounds = list(scale.upper_pd[:-1])
    expected = [scale.all_labels[bisect.bisect_right(bounds, max(p, scale.pd_floor))] for p in pds]
    assert scale.grade(pds).tolist() == expected
    assert expected[:3] == ["1", "2", "6"]


def test_a_custom_scale_is_validated() -> None:
    scale = MasterScale.geometric("bank-7", n_grades=7, pd_floor=0.0003, ratio=3.0)
    assert scale.labels == tuple("1234567")
    assert scale.table()[0]["lower_pd"] == 0.0003 and scale.table()[-1]["grade"] == "D"
    assert MasterScale.from_dict(scale.to_dict()) == scale
    with pytest.raises(ValueError, match="increase strictly"):
        MasterScale("x", ("a", "b"), (0.5, 0.4))
    with pytest.raises(ValueError, match="floor"):
        MasterScale("x", ("a", "b"), (0.01, 1.0), pd_floor=0.02)
    with pytest.raises(ValueError, match="distinct"):
        MasterScale("x", ("a", "D"), (0.01, 1.0))
    with pytest.raises(ValueError, match="below 1"):
        MasterScale.geometric("x", n_grades=12, pd_floor=0.001, ratio=2.0)
