"""The alerting sensors: a failed run (classified), and a raw feed that is overdue.

Failed runs: a blocking check that fails stops its run, so one run-failure sensor sees all three
failure alerts and sends the most specific one: ``canary_held`` when the canary's check held the
champion, ``blocking_check_failed`` naming the failed checks, else ``run_failed`` with the error.

Overdue feeds: the daemon's freshness evaluation (the raw assets' ``FreshnessPolicy``) records a
state per asset; this sensor compares it with the states it saw on its previous tick (its cursor)
and alerts once when a feed turns FAIL, not on every tick while it stays late.
"""

# No `from __future__ import annotations`: Dagster reads the context and resource annotations.
import json
from typing import Any

import dagster as dg

from creditrisk_assets import settings
from creditrisk_assets.alerts.notifier import (
    BLOCKING_CHECK_FAILED,
    CANARY_HELD,
    FEED_OVERDUE,
    RUN_FAILED,
    Alert,
    Notifier,
)
from creditrisk_assets.check_records import check_label, run_check_evaluations
from creditrisk_assets.ingest.assets import raw_freshness_policy
from creditrisk_assets.keys import raw_key
from creditrisk_assets.schema import RAW_TABLES

#: The canary's blocking check: when it fails, the champion was held, not the platform broken.
CANARY_CHECK = "deploy/canary_report:canary_passed"
OVERDUE = "FAIL"


def failed_blocking_checks(instance: dg.DagsterInstance, run_id: str) -> list[dict[str, Any]]:
    """The blocking checks that failed in a run: name, asset, partition and their metadata."""
    failed = []
    for evaluation in run_check_evaluations(instance, run_id):
        if evaluation.passed or not getattr(evaluation, "blocking", False):
            continue
        if evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        meta = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
        failed.append(
            {
                "check": check_label(evaluation),
                "partition": getattr(evaluation, "partition", None),
                "metadata": meta,
            }
        )
    return failed


def step_errors(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """``step: error`` for each failed step, the user's exception rather than Dagster's wrapper."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    out = []
    for record in records:
        event = record.event_log_entry.dagster_event
        error = event.step_failure_data.error if event is not None else None
        while error is not None and error.cause is not None:
            error = error.cause
        if error is not None:
            out.append(f"{event.step_key}: {error.message.strip()}")
    return out


def failure_alert(instance: dg.DagsterInstance, run: dg.DagsterRun, error: str | None) -> Alert:
    """The one alert a failed run deserves (see the module docstring for the order)."""
    partition = run.tags.get("dagster/partition")
    details: dict[str, Any] = {"run_id": run.run_id, "job": run.job_name, "partition": partition}
    trigger = run.tags.get("creditrisk/trigger")
    if trigger:
        details["trigger"] = trigger
    failed = failed_blocking_checks(instance, run.run_id)
    canary = [f for f in failed if f["check"] == CANARY_CHECK]
    if canary:
        meta = canary[0]["metadata"]
        return Alert(
            CANARY_HELD,
            f"canary held the champion: candidate v{meta.get('candidate_version')} of "
            f"{partition} was not promoted ({meta.get('note')})",
            details,
        )
    if failed:
        names = ", ".join(f["check"] for f in failed)
        return Alert(
            BLOCKING_CHECK_FAILED,
            f"blocking check(s) failed on {partition}: {names}; nothing downstream ran",
            {**details, "checks": [f["check"] for f in failed]},
        )
    why = "; ".join(step_errors(instance, run.run_id)) or error
    return Alert(RUN_FAILED, f"run of {run.job_name} on {partition} failed: {why}", details)


@dg.run_failure_sensor(
    name="run_failure_alert_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=settings.sensor_interval_seconds(),
    description="Alerts on every failed run: canary_held, blocking_check_failed or run_failed.",
)
def run_failure_alert_sensor(context: dg.RunFailureSensorContext, notifier: Notifier) -> None:
    error = context.failure_event.message if context.failure_event else None
    notifier.send(failure_alert(context.instance, context.dagster_run, error), context.log)


def newly_overdue(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    """Assets whose freshness state turned FAIL since the previous tick (sorted)."""
    return sorted(k for k, s in current.items() if s == OVERDUE and previous.get(k) != OVERDUE)


@dg.sensor(
    name="freshness_alert_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=settings.sensor_interval_seconds(),
    description="Alerts once when a raw feed becomes overdue (freshness state FAIL).",
)
def freshness_alert_sensor(context: dg.SensorEvaluationContext, notifier: Notifier):
    keys = [raw_key(t) for t in RAW_TABLES]
    records = context.instance.get_freshness_state_records(keys)
    current = {k.to_user_string(): r.freshness_state.value for k, r in records.items()}
    previous = json.loads(context.cursor) if context.cursor else {}
    overdue = newly_overdue(previous, current)
    if overdue:  # one alert for the feed, however many of its tables are late
        sla = raw_freshness_policy().fail_window.to_timedelta().total_seconds() / 3600
        since = min(records[dg.AssetKey.from_user_string(k)].updated_at for k in overdue)
        notifier.send(
            Alert(
                FEED_OVERDUE,
                f"{', '.join(overdue)} overdue: no new snapshot within the {sla:g} h SLA",
                {"assets": overdue, "sla_hours": sla, "overdue_since": str(since)},
            ),
            context.log,
        )
    context.update_cursor(json.dumps(current, sort_keys=True))
    if overdue:
        return dg.SkipReason(f"alerted: {', '.join(overdue)} overdue")
    late = sorted(k for k, s in current.items() if s == OVERDUE)
    return dg.SkipReason(
        f"still overdue (alerted before): {late}" if late else "every raw feed is fresh"
    )
