"""The check rules as pure functions: each way a store or split can be wrong is caught."""

from __future__ import annotations

from creditrisk_assets.features.catalog import build_spec, describe
from creditrisk_assets.features.checks import (
    ClassBalanceConfig,
    allowed_all_null,
    class_balance,
    contract_violations,
)

SPEC = build_spec(
    ["SK_ID_CURR", "TARGET", "AMT_CREDIT", "CODE_GENDER", "BUREAU_DAYS_CREDIT_MEAN"], ()
)
COLUMNS = [
    ("SK_ID_CURR", "BIGINT"),
    ("TARGET", "BIGINT"),
    ("AMT_CREDIT", "DOUBLE"),
    ("CODE_GENDER", "INTEGER"),
    ("BUREAU_DAYS_CREDIT_MEAN", "DOUBLE"),
]
IDS = {"n_rows": 10, "null_ids": 0, "duplicate_rows": 0, "duplicate_examples": []}
NAMES = [n for n, _ in COLUMNS[2:]]


def _measures(non_null: int = 10, inf: int = 0, nan: int = 0) -> dict[str, dict[str, int]]:
    return {
        "non_null": dict.fromkeys(NAMES, non_null),
        "infinite": dict.fromkeys(NAMES, inf),
        "nan": dict.fromkeys(NAMES, nan),
    }


def test_a_clean_store_has_no_violations() -> None:
    assert contract_violations(COLUMNS, SPEC, _measures(), IDS, set()) == []


def test_each_violation_is_named() -> None:
    dup = {**IDS, "duplicate_rows": 2, "duplicate_examples": [7, 9]}
    assert (
        "duplicate SK_ID_CURR rows, e.g. [7, 9]"
        in contract_violations(COLUMNS, SPEC, _measures(), dup, set())[0]
    )
    swapped = [COLUMNS[0], COLUMNS[1], COLUMNS[4], COLUMNS[3], COLUMNS[2]]
    assert "different order" in contract_violations(swapped, SPEC, _measures(), IDS, set())[0]
    missing = COLUMNS[:-1]
    assert (
        "BUREAU_DAYS_CREDIT_MEAN" in contract_violations(missing, SPEC, _measures(), IDS, set())[0]
    )
    wrong_type = [*COLUMNS[:3], ("CODE_GENDER", "VARCHAR"), COLUMNS[4]]
    assert "CODE_GENDER is VARCHAR, expected INTEGER" in contract_violations(
        wrong_type, SPEC, _measures(), IDS, set()
    )
    assert "infinite values" in contract_violations(COLUMNS, SPEC, _measures(inf=1), IDS, set())[0]
    assert "nan values" in contract_violations(COLUMNS, SPEC, _measures(nan=1), IDS, set())[0]


def test_excluded_columns_stay_in_the_store_but_out_of_the_model() -> None:
    """CODE_GENDER is a protected attribute: kept in the store (any position), not a feature."""
    assert SPEC.names == ["AMT_CREDIT", "BUREAU_DAYS_CREDIT_MEAN"]
    assert SPEC.excluded_names == ["CODE_GENDER"]
    moved = [*COLUMNS[:3], COLUMNS[4], COLUMNS[3]]
    assert contract_violations(moved, SPEC, _measures(), IDS, set()) == []
    dropped = [c for c in COLUMNS if c[0] != "CODE_GENDER"]
    problems = contract_violations(dropped, SPEC, _measures(), IDS, set())
    assert "missing ['CODE_GENDER']" in problems[0]


def test_all_null_features_pass_only_when_their_table_is_empty() -> None:
    problems = contract_violations(COLUMNS, SPEC, _measures(non_null=0), IDS, set())
    assert "AMT_CREDIT" in problems[0] and "BUREAU_DAYS_CREDIT_MEAN" in problems[0]
    problems = contract_violations(COLUMNS, SPEC, _measures(non_null=0), IDS, {"bureau"})
    assert "BUREAU_DAYS_CREDIT_MEAN" not in problems[0] and "AMT_CREDIT" in problems[0]
    assert allowed_all_null("BUREAU_STATUS_0_SHARE_MEAN", "bureau", {"bureau_balance"})
    assert not allowed_all_null("BUREAU_DAYS_CREDIT_MEAN", "bureau", {"bureau_balance"})


def test_class_balance_fails_only_on_large_and_significant_gaps() -> None:
    cfg = ClassBalanceConfig()
    small = {
        "train_rows": 800,
        "test_rows": 200,
        "train_target_rate": 0.08,
        "test_target_rate": 0.11,
    }
    assert class_balance(small, cfg)[0]  # 3 points apart, but noise at this size
    big = {
        "train_rows": 240_000,
        "test_rows": 60_000,
        "train_target_rate": 0.08,
        "test_target_rate": 0.11,
    }
    passed, text, z = class_balance(big, cfg)
    assert not passed and z > 10 and "gap 0.0300" in text
    assert class_balance({**big, "test_target_rate": 0.085}, ClassBalanceConfig(max_rate_gap=0.01))[
        0
    ]
    assert not class_balance({**big, "test_rows": 0, "test_target_rate": None}, cfg)[0]


def test_every_family_prefix_has_descriptions() -> None:
    source, text = describe("INSTAL_L12M_DPD_MAX")
    assert source == "installments_payments" and "last 365 days" in text
    assert describe("AMT_CREDIT")[0] == "application"
    import pytest

    with pytest.raises(KeyError, match="no description"):
        describe("BUREAU_MADE_UP_MEAN")
    with pytest.raises(KeyError, match="NEW_THING"):
        build_spec(["SK_ID_CURR", "NEW_THING"], ())


def test_credit_practice_directions_are_declared_in_the_spec() -> None:
    names = [
        "SK_ID_CURR",
        "EXT_SOURCE_2",
        "APP_EXT_SOURCE_MEAN",
        "EXT_SOURCE_1_MISSING",
        "INSTAL_DPD_MAX",
        "POS_SK_DPD_DEF_MEAN",
        "CC_L12M_UTILISATION_MEAN",
        "BUREAU_TOTAL_DEBT_CREDIT_RATIO",
        "INSTAL_LATE_SHARE",
        "INSTAL_DUE_SHORT_SHARE",
        "BUREAU_BALANCE_PAST_DUE_SHARE",
        "BUREAU_EVER_OVERDUE_SHARE",
        "BUREAU_ACTIVE_SHARE",
        "AMT_INCOME_TOTAL",
        "NAME_CONTRACT_TYPE",
    ]
    spec = build_spec(names, ())
    assert spec.monotone_constraints == {
        "EXT_SOURCE_2": -1,
        "APP_EXT_SOURCE_MEAN": -1,
        "INSTAL_DPD_MAX": 1,
        "POS_SK_DPD_DEF_MEAN": 1,
        "CC_L12M_UTILISATION_MEAN": 1,
        "BUREAU_TOTAL_DEBT_CREDIT_RATIO": 1,
        "INSTAL_LATE_SHARE": 1,
        "INSTAL_DUE_SHORT_SHARE": 1,
        "BUREAU_BALANCE_PAST_DUE_SHARE": 1,
        "BUREAU_EVER_OVERDUE_SHARE": 1,
    }
