"""The drift and promotion sensors against a real instance: what they request, skip and why.

Upstream model assets are stood in for by a tiny ``model/candidate`` asset with one blocking
check, so the sensor logic is tested whatever the modeling domain's state; the scenario test
runs the real graph.
"""

from __future__ import annotations

import dagster as dg

from creditrisk_assets.automation.sensors import drift_retrain_sensor, promotion_sensor
from creditrisk_assets.monitoring import defs as monitoring_defs
from creditrisk_assets.partitions import register_snapshot, snapshot_partitions

A, B = "2026-11-01", "2026-12-01"


def _defs(resources: dict, *assets: object) -> dg.Definitions:
    train_job = dg.define_asset_job("train_job", partitions_def=snapshot_partitions)
    promote_job = dg.define_asset_job("promote_job", partitions_def=snapshot_partitions)
    return dg.Definitions(
        assets=list(assets),
        jobs=[train_job, promote_job],
        sensors=[drift_retrain_sensor, promotion_sensor],
        resources=resources,
    )


def _tick(sensor: dg.SensorDefinition, instance, defs, cursor=None):
    ctx = dg.build_sensor_context(
        instance=instance, definitions=defs, cursor=cursor, resources=defs.resources
    )
    result = sensor(ctx)
    assert isinstance(result, dg.SensorResult)
    return result


def test_drift_sensor_requests_retrain_once_and_skips_with_reasons(
    write_snapshot, register_model, instance, resources, registry
) -> None:
    defs = _defs(resources, *monitoring_defs.assets)
    job = defs.resolve_implicit_global_asset_job_def()
    write_snapshot(A)
    register_snapshot(instance, A)
    job.execute_in_process(instance=instance, partition_key=A)  # no champion: no reference
    first = _tick(drift_retrain_sensor, instance, defs)
    assert not first.run_requests and "no_reference" in first.skip_reason.skip_message

    registry.set_alias("champion", register_model(A))
    write_snapshot(B, shift=0.8, seed=1)
    register_snapshot(instance, B)
    job.execute_in_process(instance=instance, partition_key=B)
    second = _tick(drift_retrain_sensor, instance, defs, first.cursor)
    [req] = second.run_requests
    assert req.partition_key == B and req.run_key == f"drift-retrain:{B}:champion-v1"
    assert req.tags["creditrisk/trigger"] == "drift"
    third = _tick(drift_retrain_sensor, instance, defs, second.cursor)
    assert not third.run_requests and third.skip_reason.skip_message == "no new events"
    # a fresh cursor replays the same event with the same run_key: idempotent
    assert _tick(drift_retrain_sensor, instance, defs).run_requests[0].run_key == req.run_key


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
