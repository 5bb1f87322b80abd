"""The alert sensors on a real instance, posting to a real HTTP receiver: which alert a failed
run gets, and an overdue raw feed alerting once."""

from __future__ import annotations

import time

import dagster as dg
import pytest
from dagster._core.definitions.freshness import (  # what the daemon's freshness evaluation emits
    FreshnessState,
    FreshnessStateChange,
)

from creditrisk_assets.alerts.notifier import Notifier
from creditrisk_assets.alerts.sensors import freshness_alert_sensor, run_failure_alert_sensor

P = "2026-12-01"
parts = dg.DynamicPartitionsDefinition(name="snapshot")


@pytest.fixture
def instance() -> dg.DagsterInstance:
    with dg.instance_for_test() as inst:
        inst.add_dynamic_partitions("snapshot", [P])
        yield inst


def _failed_run(instance, asset: dg.AssetsDefinition, *checks) -> list[str]:
    """Run ``asset`` (and its checks) to failure, then tick the run-failure sensor."""
    result = dg.materialize(
        [asset, *checks],
        instance=instance,
        partition_key=P,
        raise_on_error=False,
        tags={"creditrisk/trigger": "test"},
    )
    assert not result.success
    return result


def _tick_failure(instance, result, webhook) -> None:
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert_sensor",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(result.run_id),
        resources={"notifier": Notifier(webhook_url=webhook.url)},
    ).for_run_failure()
    run_failure_alert_sensor(context)


def test_failed_canary_alerts_that_the_champion_was_held(instance, webhook) -> None:
    @dg.asset(key=["deploy", "canary_report"], partitions_def=parts)
    def canary() -> None:
        return None

    @dg.asset_check(asset=canary, blocking=True, name="canary_passed")
    def canary_passed() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            passed=False, metadata={"note": "AUC delta -0.0300 < -0.0100", "candidate_version": "2"}
        )

    _tick_failure(instance, _failed_run(instance, canary, canary_passed), webhook)
    [text] = webhook.texts()
    assert text.startswith("[creditrisk] canary_held: canary held the champion: candidate v2")
    assert "AUC delta -0.0300" in text and f"partition: {P}" in text and "trigger: test" in text


def test_failed_blocking_check_names_the_check(instance, webhook) -> None:
    @dg.asset(key=["raw", "bureau"], partitions_def=parts)
    def bureau() -> None:
        return None

    @dg.asset_check(asset=bureau, blocking=True, name="unique_key")
    def unique_key() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False)

    _tick_failure(instance, _failed_run(instance, bureau, unique_key), webhook)
    [text] = webhook.texts()
    assert text.startswith(f"[creditrisk] blocking_check_failed: blocking check(s) failed on {P}")
    assert "raw/bureau:unique_key" in text


def test_any_other_failure_is_a_failed_run(instance, webhook) -> None:
    @dg.asset(key=["model", "candidate"], partitions_def=parts)
    def candidate() -> None:
        raise RuntimeError("out of memory in xgboost")

    _tick_failure(instance, _failed_run(instance, candidate), webhook)
    [text] = webhook.texts()
    assert text.startswith(
        f"[creditrisk] run_failed: run of __ephemeral_asset_job__ on {P} failed: "
        "model__candidate: RuntimeError: out of memory in xgboost"
    )


def _freshness(instance, key: str, new: FreshnessState, old: FreshnessState) -> None:
    instance.report_runless_asset_event(
        FreshnessStateChange(
            key=dg.AssetKey.from_user_string(key),
            new_state=new,
            previous_state=old,
            state_change_timestamp=time.time(),
        )
    )


def test_overdue_feed_alerts_once_until_it_recovers(instance, webhook) -> None:
    def tick(cursor):
        context = dg.build_sensor_context(
            instance=instance,
            cursor=cursor,
            resources={"notifier": Notifier(webhook_url=webhook.url)},
        )
        result = freshness_alert_sensor(context)
        return context.cursor, result

    _freshness(instance, "raw/bureau", FreshnessState.PASS, FreshnessState.UNKNOWN)
    cursor, result = tick(None)
    assert webhook.bodies == [] and result.skip_message == "every raw feed is fresh"
    _freshness(instance, "raw/bureau", FreshnessState.FAIL, FreshnessState.PASS)
    cursor, result = tick(cursor)
    [text] = webhook.texts()
    assert text.startswith("[creditrisk] feed_overdue: raw/bureau overdue: no new snapshot")
    assert "36 h SLA" in text
    cursor, result = tick(cursor)  # still late: no second alert
    assert len(webhook.bodies) == 1 and "alerted before" in result.skip_message
    _freshness(instance, "raw/bureau", FreshnessState.PASS, FreshnessState.FAIL)
    cursor, _ = tick(cursor)
    _freshness(instance, "raw/bureau", FreshnessState.FAIL, FreshnessState.PASS)
    _freshness(instance, "raw/application_test", FreshnessState.FAIL, FreshnessState.PASS)
    tick(cursor)
    # late again after recovering: alert again, once for every table that turned late together
    assert len(webhook.bodies) == 2
    assert webhook.texts()[1].startswith(
        "[creditrisk] feed_overdue: raw/application_test, raw/bureau overdue"
    )
