"""The ingestion job and the landing sensor that starts it when a snapshot arrives.

The sensor lists the source's complete snapshots (landing folders or S3 prefixes), registers the
new ones as partitions and requests one ``ingest_job`` run per snapshot with ``run_key`` = the
snapshot date, so a snapshot is ingested once however many ticks see it (Dagster drops a run
request whose run key it already launched).
"""

# No `from __future__ import annotations`: Dagster reads the context and resource types.
import dagster as dg

from creditrisk_assets import settings
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.keys import RAW
from creditrisk_assets.partitions import SNAPSHOT_PARTITIONS_NAME, snapshot_partitions, snapshot_run

ingest_job = dg.define_asset_job(
    name="ingest_job",
    selection=dg.AssetSelection.groups(RAW),
    description="Ingest one snapshot: the eight raw tables and their blocking checks.",
)


@dg.sensor(
    name="landing_sensor",
    job=ingest_job,
    minimum_interval_seconds=settings.sensor_interval_seconds(),  # issue 16: one setting
    # On by default: with a landing or S3 source it is how snapshots arrive; with the synthetic
    # or Kaggle source it skips every tick saying there is nothing to list.
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="New snapshot folders in the landing dir become partitions and ingest runs.",
)
def landing_sensor(context: dg.SensorEvaluationContext, source: SnapshotSource) -> dg.SensorResult:
    available = source.available_snapshots()
    if not available:
        return dg.SensorResult(
            skip_reason=f"source {source.kind!r}: no complete snapshot to ingest yet"
        )
    known = set(context.instance.get_dynamic_partitions(SNAPSHOT_PARTITIONS_NAME))
    new = [key for key in available if key not in known]
    requests = [snapshot_run(key, key, trigger="landing") for key in available]
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[snapshot_partitions.build_add_request(new)] if new else [],
    )
