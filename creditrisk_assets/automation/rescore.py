"""``rescore_sensor``: a promotion re-scores the latest snapshot with the new champion.

Batch scores follow the feature store by declarative automation, scoring with whoever is
champion at that moment; when the champion then changes, the newest snapshot's scores are stale.
After every ``deploy/deploy_manifest`` (the promotion) this sensor asks ``score_job`` for the
newest snapshot that has a feature store, unless its scores already come from that version.
"""

# No `from __future__ import annotations`: Dagster reads the context annotation.
import dagster as dg

from creditrisk_assets import settings
from creditrisk_assets.automation.sensors import event_metadata, sensor_result, settled_events
from creditrisk_assets.keys import BATCH_SCORES, DEPLOY_MANIFEST, FEATURE_STORE
from creditrisk_assets.modeling.registry import CHAMPION, ModelRegistry
from creditrisk_assets.partitions import snapshot_run


def latest_scorable(instance: dg.DagsterInstance) -> str | None:
    """The newest snapshot whose feature store exists (keys are ISO dates: max is newest)."""
    return max(instance.get_materialized_partitions(FEATURE_STORE), default=None)


def scored_by(instance: dg.DagsterInstance, snapshot: str) -> str | None:
    """The model version of ``snapshot``'s latest batch scores, if any."""
    result = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=BATCH_SCORES, asset_partitions=[snapshot]), limit=1
    )
    return str(event_metadata(result.records[0]).get("model_version")) if result.records else None


@dg.sensor(
    name="rescore_sensor",
    job_name="score_job",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=settings.sensor_interval_seconds(),
    description="After a promotion, the new champion re-scores the newest snapshot.",
)
def rescore_sensor(context: dg.SensorEvaluationContext, registry: ModelRegistry):
    requests, skips, cursor = [], [], context.cursor and int(context.cursor)
    champion = registry.get_alias_version(CHAMPION)
    waiting = "promotion run {run} still running"
    for record in settled_events(context, DEPLOY_MANIFEST, skips, waiting):
        cursor, version = record.storage_id, str(event_metadata(record).get("model_version"))
        latest = latest_scorable(context.instance)
        if version != champion:  # a later promotion or a rollback moved the alias since
            skips.append(f"v{version} promoted, but the champion is now v{champion}")
        elif latest is None:
            skips.append(f"v{version} promoted: no snapshot has a feature store to score")
        elif scored_by(context.instance, latest) == version:
            skips.append(f"v{version} promoted: {latest} is already scored by it")
        else:
            run_key = f"rescore:{latest}:v{version}"
            requests.append(snapshot_run(latest, run_key, trigger="promotion", champion=version))
    return sensor_result(requests, skips, cursor or None)
