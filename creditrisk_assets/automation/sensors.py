"""Sensors: passed checks -> promotion, and the event helpers the deciding sensors share.

The deciding sensors (this one, ``retrain``, ``rescore``) read asset events with a storage-id
cursor rather than ``@asset_sensor``: that one only sees the latest event since its last tick,
so two snapshots materialized between ticks would lose one. Here every event is visited once,
in order, and the cursor only moves past an event once it has been decided. ``run_key``s make
each request idempotent.
"""

from collections.abc import Iterator

import dagster as dg

from creditrisk_assets import settings
from creditrisk_assets.check_records import check_label, run_check_evaluations
from creditrisk_assets.deploy.lookup import NoCandidate, candidate_version
from creditrisk_assets.deploy.signoff import approval_required, promotion_approval
from creditrisk_assets.keys import CANDIDATE
from creditrisk_assets.modeling.registry import CHAMPION, ModelRegistry
from creditrisk_assets.partitions import snapshot_run

BATCH = 50


def asset_events(context: dg.SensorEvaluationContext, key: dg.AssetKey) -> list[dg.EventLogRecord]:
    after = int(context.cursor) if context.cursor else None
    return list(
        context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, after_storage_id=after),
            limit=BATCH,
            ascending=True,
        ).records
    )


def settled_events(
    context: dg.SensorEvaluationContext, key: dg.AssetKey, skips: list[str], waiting: str
) -> Iterator[dg.EventLogRecord]:
    """``asset_events`` up to the first whose run is still going, which is decided on a later
    tick (the cursor stays before it); ``waiting`` (with ``{partition}`` and ``{run}``) is the
    skip reason then added to ``skips``."""
    for record in asset_events(context, key):
        run = context.instance.get_run_by_id(record.run_id)
        if run is not None and not run.is_finished:
            skips.append(waiting.format(partition=record.partition_key, run=run.run_id[:8]))
            return
        yield record


def event_metadata(record: dg.EventLogRecord) -> dict:
    mat = record.asset_materialization
    return {k: getattr(v, "value", v) for k, v in (mat.metadata if mat else {}).items()}


def sensor_result(requests: list[dg.RunRequest], skips: list[str], cursor: int | None):
    cur = str(cursor) if cursor is not None else None
    if requests:
        return dg.SensorResult(run_requests=requests, cursor=cur)
    return dg.SensorResult(
        skip_reason=dg.SkipReason("; ".join(skips) or "no new events"), cursor=cur
    )


def _blocking_failures(instance: dg.DagsterInstance, run_id: str) -> tuple[int, list[str]]:
    """(blocking checks evaluated, failed ones) in a run."""
    evaluated, failed = 0, []
    for ev in run_check_evaluations(instance, run_id):
        if ev.severity != dg.AssetCheckSeverity.ERROR or not getattr(ev, "blocking", True):
            continue
        evaluated += 1
        if not ev.passed:
            failed.append(check_label(ev))
    return evaluated, failed


@dg.sensor(
    job_name="promote_job",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=settings.sensor_interval_seconds(),
    description="A candidate whose training run finished with all blocking checks passed goes "
    "to the promotion job (canary, then promotion if the canary passes).",
)
def promotion_sensor(context: dg.SensorEvaluationContext, registry: ModelRegistry):
    requests, skips, cursor = [], [], context.cursor and int(context.cursor)
    champion = registry.get_alias_version(CHAMPION)
    waiting = "{partition}: training run {run} still running"
    for record in settled_events(context, CANDIDATE, skips, waiting):
        cursor, partition = record.storage_id, record.partition_key
        evaluated, failed = _blocking_failures(context.instance, record.run_id)
        if failed or not evaluated:
            why = f"blocking checks failed: {failed}" if failed else "no blocking check ran"
            skips.append(f"{partition}: {why}")
            continue
        try:
            version = candidate_version(registry, partition)
        except NoCandidate as err:
            skips.append(str(err))
            continue
        if version == champion:
            skips.append(f"{partition}: v{version} is already the champion")
            continue
        approved, why, _ = promotion_approval(registry.version_info(version))
        if approval_required(False) and not approved:
            skips.append(f"{partition}: {why}")  # automation.approval promotes it once approved
            continue
        run_key = f"promote:{partition}:v{version}"
        requests.append(snapshot_run(partition, run_key, trigger="promotion", candidate=version))
    return sensor_result(requests, skips, cursor or None)


# drift_retrain_sensor became automation.retrain.retrain_sensor (the RetrainPolicy).
SENSORS = [promotion_sensor]
