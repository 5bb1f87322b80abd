"""The reason catalogue covers every feature; declines cite distinct, lawful statements."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creditrisk_assets.features.catalog import build_spec
from creditrisk_assets.features.sql_files import SQL_FILES
from creditrisk_assets.risk.protected import jurisdictions, load_policy
from creditrisk_assets.risk.reasons import (
    PROTECTED_EXCLUSION,
    ReasonCatalogue,
    load_catalogue,
    principal_reasons,
    reason_coverage,
)
from creditrisk_assets.serving.feature_sessions import features_for_records


@pytest.fixture(scope="module")
def store_columns() -> list[str]:
    frame = features_for_records(pd.DataFrame({"SK_ID_CURR": [1]}), {})
    return ["SK_ID_CURR", "TARGET", *frame.columns]


def test_every_model_feature_maps_to_a_statement_or_an_explicit_exclusion(store_columns) -> None:
    catalogue = load_catalogue()
    assert catalogue.version.startswith("RC-")
    for jurisdiction in jurisdictions():
        spec = build_spec(store_columns, SQL_FILES, policy=load_policy(jurisdiction))
        assert catalogue.unmapped(spec.names) == [], jurisdiction
        assert catalogue.unmapped(spec.excluded_names) == [], jurisdiction
        # nothing a model may use is marked protected, and the model builds its index
        assert catalogue.protected(spec.names) == []
        catalogue.index(spec.names)


def test_protected_features_never_produce_a_statement(store_columns) -> None:
    catalogue = load_catalogue()
    spec = build_spec(store_columns, SQL_FILES)
    for name in spec.excluded_names:  # the default policy's: sex, marital status, derived
        assert catalogue.features[name] == PROTECTED_EXCLUSION
    # a model that still used one is refused rather than explained
    names = ["AMT_CREDIT", "CODE_GENDER"]
    with pytest.raises(ValueError, match="protected features \\['CODE_GENDER'\\]"):
        principal_reasons(np.array([[0.1, 5.0]]), names, catalogue)


def test_reasons_are_distinct_statements_ranked_by_summed_positive_contribution() -> None:
    names = [
        "BUREAU_CREDIT_DAY_OVERDUE_MAX",  # R19 delinquency with others
        "BUREAU_STATUS_2PLUS_SHARE_MEAN",  # R19
        "AMT_INCOME_TOTAL",  # R02
        "EXT_SOURCE_2",  # R01
        "HOUR_APPR_PROCESS_START",  # excluded: process detail
        "PREV_REFUSED_COUNT",  # R24
        "AMT_CREDIT",  # R04
    ]
    contrib = np.array(
        [
            [0.3, 0.25, 0.5, 0.2, 9.0, 0.1, 0.05],  # R19 = 0.55 beats R02 = 0.5
            [-0.3, -0.2, 0.0, 0.4, 1.0, -0.1, 0.0],  # one positive statement only
            [-1.0, -1.0, -1.0, -1.0, 0.0, -1.0, -1.0],  # nothing raised the risk
        ]
    )
    out = principal_reasons(contrib, names)
    assert out.codes[0].tolist() == ["R19", "R02", "R01", "R24"]
    assert out.weights[0].tolist() == pytest.approx([0.55, 0.5, 0.2, 0.1])
    assert out.texts[0, 0] == load_catalogue().statements["R19"]
    assert out.codes[1].tolist() == ["R01", None, None, None]
    assert out.codes[2].tolist() == [None] * 4 and np.isnan(out.weights[2]).all()
    assert out.catalogue_version == load_catalogue().version
    with pytest.raises(ValueError, match=r"k must be 1\.\.4"):
        principal_reasons(contrib, names, k=5)
    with pytest.raises(KeyError, match="missing from reason catalogue"):
        principal_reasons(np.zeros((1, 1)), ["NOT_A_FEATURE"])
    cov = reason_coverage(contrib, names)
    assert cov["features_with_statement"] == 6
    assert cov["positive_mass_covered"] == pytest.approx(1.8 / 11.8)
    assert cov["rows_with_a_reason"] == pytest.approx(2 / 3)


def _reasons_by_argsort(contrib: np.ndarray, names: list[str], k: int = 4):
    """The plain reference: sum each statement's positive contributions over its columns by
    name, argsort each row's statement sums (descending), keep the first ``k`` positive."""
    columns = load_catalogue().statement_columns(names)
    codes = np.array(list(columns), dtype=object)
    positive = np.maximum(contrib, 0.0)
    sums = np.column_stack([positive[:, cols].sum(axis=1) for cols in columns.values()])
    order = np.argsort(-sums, axis=1, kind="stable")[:, :k]
    weights = np.take_along_axis(sums, order, axis=1)
    keep = weights > 0.0
    return np.where(keep, codes[order], None), np.where(keep, weights, np.nan)


def test_ten_thousand_rows_equal_a_row_by_row_argsort(store_columns) -> None:
    """The vectorised reasons for 10,000 rows of the real feature spec equal the argsort
    reference (float64, so no near-ties from float32 rounding); speed is timed in
    ``benchmarks/bench_risk_kernels.py``, not asserted here."""
    spec = build_spec(store_columns, SQL_FILES)
    names = list(spec.names)
    rng = np.random.default_rng(0)
    contrib = rng.normal(0, 0.1, size=(10_000, len(names)))
    contrib[:5] = -np.abs(contrib[:5])  # rows where nothing raised the risk
    contrib[5, :] = 0.0
    contrib[5, names.index("EXT_SOURCE_2")] = 0.3  # a row with a single positive statement
    out = principal_reasons(contrib, names)
    codes, weights = _reasons_by_argsort(contrib, names)
    assert out.codes.tolist() == codes.tolist()
    np.testing.assert_allclose(out.weights, weights, rtol=1e-6)  # NaN where fewer, both
    assert codes[:5].tolist() == [[None] * 4] * 5
    assert codes[5].tolist() == [load_catalogue().features["EXT_SOURCE_2"], None, None, None]
    assert (codes[:, 3] != None).sum() > 9_000  # noqa: E711 - most rows get four reasons


def test_statement_columns_group_positions_in_catalogue_order_without_exclusions() -> None:
    catalogue = ReasonCatalogue(
        "v", {"R1": "a", "R2": "b", "R3": "c"}, {"X": "x"}, {"f": "R2", "g": "X", "h": "R1"}
    )
    assert catalogue.statement_columns(["f", "g", "h", "f"]) == {"R1": [2], "R2": [0, 3]}
    assert list(catalogue.statement_columns(["f", "h"])) == ["R1", "R2"]
    assert catalogue.statement_columns(["g"]) == {}


def test_a_catalogue_with_undeclared_codes_is_refused() -> None:
    with pytest.raises(ValueError, match="undeclared codes"):
        ReasonCatalogue("v", {"R1": "a"}, {}, {"X": "R2"})
    with pytest.raises(ValueError, match="both statement and exclusion"):
        ReasonCatalogue("v", {"R1": "a"}, {"R1": "b"}, {})


def test_an_applicants_weights_do_not_depend_on_the_batch(store_columns) -> None:
    spec = build_spec(store_columns, SQL_FILES)
    rng = np.random.default_rng(1)
    contrib = rng.normal(0, 0.1, size=(1300, len(spec.names))).astype(np.float32)
    whole = principal_reasons(contrib, spec.names)
    for start, size in ((0, 1), (3, 2), (10, 7), (40, 40), (50, 1250)):
        part = principal_reasons(contrib[start : start + size], spec.names)
        assert np.array_equal(part.weights, whole.weights[start : start + size], equal_nan=True)
