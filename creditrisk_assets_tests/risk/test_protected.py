"""Protected attributes never reach the model: declared ones, and anything computed from them."""

from __future__ import annotations

import pandas as pd
import pytest

from creditrisk_assets.features.catalog import build_spec, lineage_inputs
from creditrisk_assets.features.sql_files import SQL_FILES
from creditrisk_assets.risk.lineage import alias_graph, derived_from
from creditrisk_assets.risk.protected import (
    excluded_features,
    jurisdictions,
    load_policy,
    model_features,
)
from creditrisk_assets.serving.feature_sessions import features_for_records


@pytest.fixture(scope="module")
def store_columns() -> list[str]:
    """Every column the feature SQL produces (one empty applicant is enough to list them)."""
    frame = features_for_records(pd.DataFrame({"SK_ID_CURR": [1]}), {})
    return ["SK_ID_CURR", "TARGET", *frame.columns]


def test_default_policy_declares_sex_and_marital_status_and_allows_age() -> None:
    policy = load_policy()
    assert policy.jurisdiction == "us_ecoa"
    assert set(policy.protected) == {"CODE_GENDER", "NAME_FAMILY_STATUS"}
    assert policy.age_policy == "allow"
    assert "DAYS_BIRTH" not in policy.excluded_sources
    assert "eu" in jurisdictions()
    assert load_policy("eu").age_policy == "exclude"
    assert "DAYS_BIRTH" in load_policy(age_policy="exclude").excluded_sources
    with pytest.raises(KeyError, match="no protected-attribute policy"):
        load_policy("atlantis")
    with pytest.raises(ValueError, match="age policy"):
        load_policy(age_policy="sometimes")  # type: ignore[arg-type]


def test_no_protected_attribute_nor_derived_feature_is_a_model_feature(store_columns) -> None:
    spec = build_spec(store_columns, SQL_FILES)
    # derived: APP_MISSING_COUNT counts missing raw columns, the protected ones included
    assert set(spec.excluded_names) == {"CODE_GENDER", "NAME_FAMILY_STATUS", "APP_MISSING_COUNT"}
    assert not set(spec.names) & set(spec.excluded_names)
    assert len(spec.names) + len(spec.excluded_names) == len(store_columns) - 2
    assert spec.exclusion_policy.startswith("us_ecoa@")
    # the recorded exclusions survive the JSON round trip the model artifact goes through
    again = type(spec).from_json(spec.to_json())
    assert again == spec and again.hash == spec.hash


def test_age_exclusion_removes_age_and_its_ratio(store_columns) -> None:
    spec = build_spec(store_columns, SQL_FILES, policy=load_policy("eu"))
    assert {"DAYS_BIRTH", "APP_EMPLOYED_AGE_RATIO"} <= set(spec.excluded_names)
    assert "DAYS_EMPLOYED" in spec.names and "DAYS_BIRTH" not in spec.names


def test_model_features_reports_why_each_feature_went(store_columns) -> None:
    kept, removed = model_features(store_columns[2:], load_policy("eu"), *lineage_inputs())
    assert removed["CODE_GENDER"].startswith("protected attribute")
    assert removed["APP_EMPLOYED_AGE_RATIO"].startswith("derived from DAYS_BIRTH")
    assert "AMT_CREDIT" in kept and not set(kept) & set(removed)
    spec = build_spec(store_columns, SQL_FILES)
    kept_from_spec, _ = model_features(spec, load_policy(), *lineage_inputs())
    assert kept_from_spec == spec.names


UNIVERSE = ("SK_ID_CURR", "CODE_GENDER", "AMT_CREDIT", "AMT_INCOME_TOTAL", "X_AVG", "Y_MODE")


def test_lineage_catches_a_new_feature_derived_through_an_intermediate_alias() -> None:
    sql = """
    WITH t AS (
        SELECT *, CASE WHEN CODE_GENDER = 'F' THEN 1 ELSE 0 END AS is_f  -- a comment: AS NOPE
        FROM application AS a
    )
    SELECT
        SK_ID_CURR,
        CAST(is_f AS DOUBLE) * AMT_CREDIT AS NEW_SCORE,
        CAST(AMT_CREDIT AS DOUBLE) / NULLIF(AMT_INCOME_TOTAL, 0) AS SAFE_RATIO,
        count(*) AS N_ROWS
    FROM t
    """
    found = derived_from(
        ["NEW_SCORE", "SAFE_RATIO", "N_ROWS", "CODE_GENDER"], ["CODE_GENDER"], [sql], UNIVERSE
    )
    assert found == {"NEW_SCORE": ("CODE_GENDER",), "CODE_GENDER": ("CODE_GENDER",)}
    # a CAST's type is no alias, a table alias is no derived column
    graph = alias_graph([sql], UNIVERSE)
    assert "DOUBLE" not in graph and "a" not in graph and "NOPE" not in graph


def test_lineage_expands_stars_and_column_lambdas() -> None:
    sql = """
    SELECT
        list_count(list_value(*COLUMNS(* EXCLUDE (SK_ID_CURR, CODE_GENDER)))) AS SAFE_COUNT,
        list_count(list_value(*COLUMNS(*))) AS ALL_COUNT,
        list_count(list_value(*COLUMNS(lambda c: regexp_matches(c, '_(AVG|MODE)$')))) AS HOUSING,
        list_count(list_value(*COLUMNS(lambda c: c LIKE 'CODE_%'))) AS CODES
    FROM application
    """
    found = derived_from(
        ["SAFE_COUNT", "ALL_COUNT", "HOUSING", "CODES"], ["CODE_GENDER"], [sql], UNIVERSE
    )
    assert found == {"ALL_COUNT": ("CODE_GENDER",), "CODES": ("CODE_GENDER",)}
    assert alias_graph([sql], UNIVERSE)["HOUSING"] >= {"X_AVG", "Y_MODE"}


def test_excluded_features_reads_the_projects_sql() -> None:
    removed = excluded_features(
        ["AMT_CREDIT", "NAME_FAMILY_STATUS"], load_policy(), *lineage_inputs()
    )
    assert list(removed) == ["NAME_FAMILY_STATUS"]
