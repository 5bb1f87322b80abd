"""Keys link the way Kaggle's do: children point at existing parents, ids in Kaggle's ranges."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from creditrisk_assets.synthetic import n_test_rows


def test_train_and_test_sizes_and_disjoint_ids(
    tables: dict[str, pd.DataFrame], generated: tuple[Path, dict]
) -> None:
    applicants = generated[1]["applicants"]
    train, test = tables["application_train"], tables["application_test"]
    assert len(train) == applicants
    assert len(test) == n_test_rows(applicants)
    assert 0.13 < len(test) / len(train) < 0.19
    assert train["SK_ID_CURR"].is_unique and test["SK_ID_CURR"].is_unique
    assert not set(train["SK_ID_CURR"]) & set(test["SK_ID_CURR"])
    assert train["SK_ID_CURR"].min() >= 100002
    assert train["SK_ID_CURR"].is_monotonic_increasing


def test_history_points_at_snapshot_applicants(tables: dict[str, pd.DataFrame]) -> None:
    ids = set(tables["application_train"]["SK_ID_CURR"]) | set(
        tables["application_test"]["SK_ID_CURR"]
    )
    for name in (
        "bureau",
        "previous_application",
        "pos_cash_balance",
        "installments_payments",
        "credit_card_balance",
    ):
        assert set(tables[name]["SK_ID_CURR"]) <= ids, name
    # history covers test applicants too, but not every applicant has every table
    test_ids = set(tables["application_test"]["SK_ID_CURR"])
    assert set(tables["bureau"]["SK_ID_CURR"]) & test_ids
    assert set(tables["bureau"]["SK_ID_CURR"]) != ids


def test_bureau_balance_links_to_bureau(tables: dict[str, pd.DataFrame]) -> None:
    bureau, bb = tables["bureau"], tables["bureau_balance"]
    assert bureau["SK_ID_BUREAU"].is_unique
    assert bureau["SK_ID_BUREAU"].min() >= 5_000_000
    assert set(bb["SK_ID_BUREAU"]) <= set(bureau["SK_ID_BUREAU"])
    assert not bb.duplicated(["SK_ID_BUREAU", "MONTHS_BALANCE"]).any()


def test_monthly_tables_link_to_previous_with_same_applicant(
    tables: dict[str, pd.DataFrame],
) -> None:
    prev = tables["previous_application"]
    assert prev["SK_ID_PREV"].is_unique
    assert prev["SK_ID_PREV"].min() >= 1_000_000
    owner = prev.set_index("SK_ID_PREV")["SK_ID_CURR"]
    approved = set(prev.loc[prev["NAME_CONTRACT_STATUS"] == "Approved", "SK_ID_PREV"])
    for name in ("pos_cash_balance", "installments_payments", "credit_card_balance"):
        child = tables[name]
        assert set(child["SK_ID_PREV"]) <= approved, name
        assert (owner.loc[child["SK_ID_PREV"]].to_numpy() == child["SK_ID_CURR"].to_numpy()).all()
    cards = set(tables["credit_card_balance"]["SK_ID_PREV"])
    revolving = set(prev.loc[prev["NAME_CONTRACT_TYPE"] == "Revolving loans", "SK_ID_PREV"])
    assert cards <= revolving
    assert not set(tables["pos_cash_balance"]["SK_ID_PREV"]) & revolving
