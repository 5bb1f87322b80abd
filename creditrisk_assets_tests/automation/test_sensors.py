"""The retrain and promotion sensors against a real instance: what they request, skip and why.

Upstream model assets are stood in for by a tiny ``model/candidate`` asset with one blocking
check, so the sensor logic is tested whatever the modeling domain's state; the scenario test
runs the real graph.
"""

from __future__ import annotations

import dagster as dg

from creditrisk_assets.automation.rescore import rescore_sensor
from creditrisk_assets.automation.retrain import RETRAIN_ASSETS, retrain_sensor
from creditrisk_assets.automation.retrain_policy import RetrainPolicy
from creditrisk_assets.automation.sensors import promotion_sensor
from creditrisk_assets.monitoring.assets import drift_report  # the fixtures write no raw tables
from creditrisk_assets.partitions import register_snapshot, snapshot_partitions

A, B = "2026-11-01", "2026-12-01"


def _defs(resources: dict, *assets: object) -> dg.Definitions:
    train_job = dg.define_asset_job("train_job", partitions_def=snapshot_partitions)
    promote_job = dg.define_asset_job("promote_job", partitions_def=snapshot_partitions)
    return dg.Definitions(
        assets=list(assets),
        jobs=[train_job, promote_job],
        sensors=[retrain_sensor, promotion_sensor],
        resources={**resources, "retrain_policy": RetrainPolicy()},
    )


def _tick(sensor: dg.SensorDefinition, instance, defs, cursor=None):
    ctx = dg.build_sensor_context(
        instance=instance, definitions=defs, cursor=cursor, resources=defs.resources
    )
    result = sensor(ctx)
    assert isinstance(result, dg.SensorResult)
    return result


def test_retrain_sensor_trains_first_model_then_on_drift_once_per_champion(
    write_snapshot, register_model, instance, resources, registry
) -> None:
    defs = _defs(resources, drift_report)
    job = defs.resolve_implicit_global_asset_job_def()
    write_snapshot(A)
    register_snapshot(instance, A)
    job.execute_in_process(instance=instance, partition_key=A)  # no champion: no reference
    first = _tick(retrain_sensor, instance, defs)
    [bootstrap] = first.run_requests
    assert bootstrap.partition_key == A and bootstrap.run_key == f"retrain:{A}:champion-vnone"
    assert bootstrap.tags["creditrisk/trigger"] == "no_champion"
    assert list(bootstrap.asset_selection) == RETRAIN_ASSETS  # the feature store is not rebuilt

    registry.set_alias("champion", register_model(A))
    write_snapshot(B, shift=0.8, seed=1)
    register_snapshot(instance, B)
    job.execute_in_process(instance=instance, partition_key=B)
    second = _tick(retrain_sensor, instance, defs, first.cursor)
    [req] = second.run_requests
    assert req.partition_key == B and req.run_key == f"retrain:{B}:champion-v1"
    assert req.tags["creditrisk/trigger"] == "drift"
    assert req.tags["creditrisk/retrain_rules"] == "drift"
    assert (
        "champion v1 trained on 2026-11-01, 30 days before" in req.tags["creditrisk/retrain_reason"]
    )
    third = _tick(retrain_sensor, instance, defs, second.cursor)
    assert not third.run_requests and third.skip_reason.skip_message == "no new events"
    # a fresh cursor replays the events: A is now the champion's own snapshot (kept), B gets
    # the same run key, which Dagster will not launch twice
    replay = _tick(retrain_sensor, instance, defs)
    assert [r.run_key for r in replay.run_requests] == [req.run_key]


def test_retrain_sensor_skips_with_every_rule_in_the_reason(
    write_snapshot, register_model, instance, resources, registry
) -> None:
    defs = _defs(resources, drift_report)
    job = defs.resolve_implicit_global_asset_job_def()
    write_snapshot(A)
    register_snapshot(instance, A)
    registry.set_alias("champion", register_model(A))
    write_snapshot(B, seed=1)  # same distribution: no drift
    register_snapshot(instance, B)
    job.execute_in_process(instance=instance, partition_key=B)
    tick = _tick(retrain_sensor, instance, defs)
    assert not tick.run_requests
    reason = tick.skip_reason.skip_message
    assert reason.startswith(f"{B}: keep champion v1: drift not detected")
    assert "30 days before (max 90)" in reason and "0 newly matured labels (min 2000)" in reason


def _stub_candidate(passing: bool):
    @dg.asset(key=["model", "candidate"], partitions_def=snapshot_partitions)
    def candidate() -> None:
        return None

    @dg.asset_check(asset=candidate, blocking=True)
    def auc_floor() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=passing)

    return candidate, auc_floor


def test_promotion_sensor_waits_for_passed_blocking_checks(
    write_snapshot, register_model, instance, resources, registry
) -> None:
    write_snapshot(A)
    register_snapshot(instance, A)
    v1 = register_model(A)
    failing = _defs(resources, *_stub_candidate(passing=False))
    failing.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, partition_key=A, raise_on_error=False
    )
    blocked = _tick(promotion_sensor, instance, failing)
    assert not blocked.run_requests and "blocking checks failed" in blocked.skip_reason.skip_message

    passing = _defs(resources, *_stub_candidate(passing=True))
    passing.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, partition_key=A
    )
    ok = _tick(promotion_sensor, instance, passing, blocked.cursor)
    [req] = ok.run_requests
    assert req.partition_key == A and req.run_key == f"promote:{A}:v{v1}"
    registry.set_alias("champion", v1)
    again = _tick(promotion_sensor, instance, passing, blocked.cursor)
    assert not again.run_requests and "already the champion" in again.skip_reason.skip_message


def test_rescore_sensor_scores_the_newest_snapshot_with_the_new_champion(
    write_snapshot, register_model, instance, resources, registry
) -> None:
    score_job = dg.define_asset_job("score_job", partitions_def=snapshot_partitions)
    defs = dg.Definitions(jobs=[score_job], sensors=[rescore_sensor], resources=resources)

    def report(key: list[str], partition: str, **metadata) -> None:
        instance.report_runless_asset_event(
            dg.AssetMaterialization(key, partition=partition, metadata=metadata)
        )

    for partition in (A, B):
        register_snapshot(instance, partition)
        report(["features", "feature_store"], partition)
    write_snapshot(A)
    registry.set_alias("champion", register_model(A))
    report(["deploy", "deploy_manifest"], A, model_version="1")
    first = _tick(rescore_sensor, instance, defs)
    [req] = first.run_requests
    assert req.partition_key == B and req.run_key == f"rescore:{B}:v1"
    assert req.tags["creditrisk/trigger"] == "promotion"

    report(["scoring", "batch_scores"], B, model_version="1")
    again = _tick(rescore_sensor, instance, defs)  # replayed: B already carries v1's scores
    assert not again.run_requests and "already scored by it" in again.skip_reason.skip_message
    registry.set_alias("champion", register_model(A, rounds=30))  # v2, e.g. a rollback target
    stale = _tick(rescore_sensor, instance, defs)
    assert "the champion is now v2" in stale.skip_reason.skip_message
