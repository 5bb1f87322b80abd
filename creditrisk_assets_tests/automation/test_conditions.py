"""Declarative automation on the real graph: what the automation sensor would launch, and what
it holds back, given asset events (reported straight to a real instance, no data needed)."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,  # not re-exported; a check step builds it
)

from creditrisk_assets.definitions import defs
from creditrisk_assets.partitions import register_snapshot
from creditrisk_assets.schema import RAW_TABLES

A, B = "2026-11-01", "2026-12-01"
FEATURE_STORE = dg.AssetKey(["features", "feature_store"])
FOLLOWERS = {  # what follows a checked feature store by itself (sensors decide the rest)
    "features/train",
    "features/test",
    "monitoring/drift_report",
    "scoring/batch_scores",
}


@pytest.fixture
def instance() -> dg.DagsterInstance:
    with dg.instance_for_test() as inst:
        yield inst


def _materialize(instance, key: dg.AssetKey, partition: str, failing: set[str] = frozenset()):
    """Report a materialization of ``key`` and its blocking checks (``failing`` by name fail)."""
    instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=partition))
    [record] = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=1
    ).records
    # a check result counts for the materialization it names (as a check step's would)
    target = AssetCheckEvaluationTargetMaterializationData(
        storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
    )
    graph = defs.resolve_asset_graph()
    for check_key in graph.get_check_keys_for_assets({key}):
        if graph.get(check_key).blocking:
            instance.report_runless_asset_event(
                dg.AssetCheckEvaluation(
                    asset_key=key,
                    check_name=check_key.name,
                    passed=check_key.name not in failing,
                    blocking=True,
                    partition=partition,
                    target_materialization_data=target,
                )
            )


def _requested(result) -> dict[str, set[str]]:
    keys = defs.resolve_asset_graph().get_all_asset_keys()
    out = {k.to_user_string(): set(result.get_requested_partitions(k)) for k in keys}
    return {k: v for k, v in out.items() if v}


def test_checked_raw_tables_start_features_and_failed_checks_hold_them(instance) -> None:
    register_snapshot(instance, A)
    register_snapshot(instance, B)
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert _requested(first) == {}  # nothing ingested: nothing to do

    for table in RAW_TABLES:
        _materialize(instance, dg.AssetKey(["raw", table]), A)
        # B's bureau fails its key check: B must not be built on
        failing = {"unique_key"} if table == "bureau" else set()
        _materialize(instance, dg.AssetKey(["raw", table]), B, failing)
    second = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    # the backtest needs only application_train, whose checks passed in both snapshots
    assert _requested(second) == {"features/feature_store": {A}, "monitoring/backtest": {A, B}}

    _materialize(instance, FEATURE_STORE, A)
    third = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=second.cursor)
    # batch scores follow the feature store although A has no deploy manifest (no retrain)
    # production drift follows the batch scores requested in the same tick
    assert _requested(third) == {key: {A} for key in (*FOLLOWERS, "monitoring/production_drift")}


def test_a_feature_store_failing_its_contract_stops_the_followers(instance) -> None:
    register_snapshot(instance, A)
    for table in RAW_TABLES:
        _materialize(instance, dg.AssetKey(["raw", table]), A)
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    _materialize(instance, FEATURE_STORE, A, failing={"feature_store_contract"})
    second = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert _requested(second) == {}


def test_automation_sensor_runs_by_default_and_covers_the_graph() -> None:
    sensor = defs.resolve_sensor_def("automation_condition_sensor")
    assert isinstance(sensor, dg.AutomationConditionSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    automated = {
        k.to_user_string()
        for k in defs.resolve_asset_graph().get_all_asset_keys()
        if defs.resolve_asset_graph().get(k).automation_condition is not None
    }
    assert automated == {
        "features/feature_store",
        *FOLLOWERS,
        "monitoring/backtest",  # after the checked raw outcomes
        "monitoring/production_drift",  # after the batch scores
    }
