"""The retrain policy's rules, and the newly-matured-labels count over real lake Parquet."""

from __future__ import annotations

import pandas as pd
import pytest

from creditrisk_assets.automation.labels import matured_labels
from creditrisk_assets.automation.retrain_policy import Facts, RetrainPolicy, decide
from creditrisk_assets.resources import Lake, Warehouse

POLICY = RetrainPolicy(max_champion_age_days=60, min_matured_labels=100)


def _facts(**overrides) -> Facts:
    base = {
        "snapshot": "2026-12-01",
        "champion": "3",
        "champion_snapshot": "2026-11-01",
        "drift_detected": False,
        "drift_summary": "within thresholds",
        "matured_labels": 10,
    }
    return Facts(**{**base, **overrides})


def test_no_champion_trains_the_first_model() -> None:
    decision = decide(POLICY, _facts(champion=None, champion_snapshot=None))
    assert decision.retrain and decision.rules == ["no_champion"]
    assert decision.trigger == "no_champion"


def test_each_rule_fires_on_its_own_and_the_reason_names_it() -> None:
    drift = decide(POLICY, _facts(drift_detected=True, drift_summary="max PSI 0.4 > 0.25"))
    assert drift.rules == ["drift"] and "max PSI 0.4 > 0.25" in drift.reason
    old = decide(POLICY, _facts(snapshot="2027-01-15"))  # 75 days after the champion's data
    assert old.rules == ["champion_age"] and "75 days before (max 60)" in old.reason
    labels = decide(POLICY, _facts(matured_labels=100))
    assert (
        labels.rules == ["matured_labels"] and "100 newly matured labels (min 100)" in labels.reason
    )
    every = decide(POLICY, _facts(snapshot="2027-01-15", drift_detected=True, matured_labels=500))
    assert every.rules == ["drift", "champion_age", "matured_labels"] and every.trigger == "drift"


def test_nothing_fires_keeps_the_champion_and_says_what_each_rule_saw() -> None:
    keep = decide(POLICY, _facts())
    assert not keep.retrain and keep.rules == [] and keep.trigger == "none"
    assert keep.reason == (
        "2026-12-01: keep champion v3: drift not detected (within thresholds); champion v3 "
        "trained on 2026-11-01, 30 days before (max 60); 10 newly matured labels (min 100); "
        "backtest no backtest yet"
    )


def test_a_failed_backtest_retrains_and_the_reason_says_what_it_found() -> None:
    found = "failed for champion v3 (v3: grade 5 PD underestimated)"
    failed = decide(POLICY, _facts(backtest_failed=True, backtest_summary=found))
    assert failed.retrain and failed.rules == ["backtest_failed"]
    assert failed.reason.endswith(f"backtest {found}")
    off = decide(
        RetrainPolicy(retrain_on_backtest_failure=False),
        _facts(backtest_failed=True, backtest_summary=found),
    )
    assert not off.retrain and "backtest rule off" in off.reason


def test_rules_can_be_switched_off() -> None:
    off = RetrainPolicy(retrain_on_drift=False, min_matured_labels=0)
    decision = decide(off, _facts(drift_detected=True, matured_labels=10**6))
    assert not decision.retrain
    assert "drift rule off" in decision.reason and "(rule off)" in decision.reason


def test_a_snapshot_older_than_the_champion_never_replaces_it() -> None:
    decision = decide(POLICY, _facts(snapshot="2026-10-01", drift_detected=True))
    assert not decision.retrain and "never replaces a newer model" in decision.reason


def test_policy_fields_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITRISK_RETRAIN_MAX_CHAMPION_AGE_DAYS", "14")
    monkeypatch.setenv("CREDITRISK_RETRAIN_ON_DRIFT", "false")
    policy = RetrainPolicy.from_env()
    assert policy.max_champion_age_days == 14 and policy.retrain_on_drift is False
    assert policy.min_matured_labels == RetrainPolicy().min_matured_labels


def _write(lake: Lake, table: str, snapshot: str, ids: list[int]) -> None:
    with lake.write_partition(f"raw/{table}", snapshot) as tmp:
        pd.DataFrame({"SK_ID_CURR": pd.Series(ids, dtype="int64")}).to_parquet(tmp, index=False)


def test_matured_labels_counts_train_rows_that_were_test_rows_before(
    lake: Lake, warehouse: Warehouse
) -> None:
    _write(lake, "application_test", "2026-10-01", [1, 2, 3])
    _write(lake, "application_test", "2026-11-01", [4, 5, 99])
    _write(lake, "application_train", "2026-12-01", [1, 2, 4, 5, 6, 7, 8])
    assert matured_labels(lake, warehouse, "2026-12-01", ["2026-10-01", "2026-11-01"]) == 4
    assert matured_labels(lake, warehouse, "2026-12-01", ["2026-11-01"]) == 2
    # robust when there is nothing to mature from: no earlier snapshot, or none ingested
    assert matured_labels(lake, warehouse, "2026-12-01", []) == 0
    assert matured_labels(lake, warehouse, "2026-12-01", ["2026-09-01"]) == 0
    _write(lake, "application_test", "2026-09-01", [])  # an earlier snapshot with no test rows
    assert matured_labels(lake, warehouse, "2026-12-01", ["2026-09-01"]) == 0
    assert matured_labels(lake, warehouse, "2027-01-01", ["2026-11-01"]) == 0  # no train yet
