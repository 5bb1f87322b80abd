"""``retrain_sensor``: after each drift report, the retrain policy decides whether to train.

It visits every ``monitoring/drift_report`` materialization once, in order (the storage-id
cursor of ``automation.sensors``), once the run that wrote it has finished, and applies
``RetrainPolicy``. A retrain is one ``train_job`` run on that snapshot, selecting the splits and
the model assets: the feature store is already there and checked (the drift report could only
run after its blocking checks passed), and re-selecting the splits keeps their blocking checks
in the same run as the candidate they feed. Its run key names the snapshot and the champion it
was measured against, so a snapshot retrains at most once per champion.
"""

# No `from __future__ import annotations`: Dagster reads the context and resource annotations.
import dagster as dg

from creditrisk_assets import settings
from creditrisk_assets.automation.labels import matured_labels
from creditrisk_assets.automation.retrain_policy import Facts, RetrainPolicy, decide
from creditrisk_assets.automation.sensors import event_metadata, sensor_result, settled_events
from creditrisk_assets.keys import (
    BACKTEST,
    CANDIDATE,
    DRIFT_REPORT,
    FEATURES_TEST,
    FEATURES_TRAIN,
    TEST_METRICS,
    TEST_PREDICTIONS,
    TRAIN_METRICS,
    VALIDATION_PACK,
)
from creditrisk_assets.modeling.registry import CHAMPION, ModelRegistry
from creditrisk_assets.partitions import SNAPSHOT_PARTITIONS_NAME, snapshot_run
from creditrisk_assets.resources import Lake, Warehouse

#: What a retrain run materializes (with their checks): splits, candidate, its evaluation.
RETRAIN_ASSETS = [
    FEATURES_TRAIN,
    FEATURES_TEST,
    CANDIDATE,
    TRAIN_METRICS,
    TEST_PREDICTIONS,
    TEST_METRICS,
    VALIDATION_PACK,
]


def backtest_fact(
    instance: dg.DagsterInstance, snapshot: str, champion: str | None
) -> tuple[bool, str]:
    """(failed for the champion, what it said) from the snapshot's latest backtest; a backtest
    not run yet (it follows the raw tables, usually before the drift report) is no failure."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=BACKTEST, asset_partitions=[snapshot]),
        limit=1,
        ascending=False,
    ).records
    if not records:
        return False, "not run yet"
    meta = event_metadata(records[0])
    failed = [v for v in str(meta.get("failed_versions") or "").split(",") if v]
    if champion is not None and champion in failed:
        return True, f"failed for champion v{champion} ({meta.get('findings')})"
    tried = f" (failed for v{', v'.join(failed)}, not the champion)" if failed else ""
    return False, f"{meta.get('status', 'unknown')} over {meta.get('n', 0)} decisions{tried}"


def _drift_summary(meta: dict) -> str:
    return str(meta.get("reasons") or meta.get("reason") or meta.get("status") or "no verdict")


@dg.sensor(
    name="retrain_sensor",
    job_name="train_job",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=settings.sensor_interval_seconds(),
    description="After each drift report, RetrainPolicy decides: train a candidate (no "
    "champion, drift, champion too old, enough newly matured labels, failed backtest) or keep "
    "the champion. "
    "Each tick says which rule fired or why none did.",
)
def retrain_sensor(
    context: dg.SensorEvaluationContext,
    registry: ModelRegistry,
    lake: Lake,
    warehouse: Warehouse,
    retrain_policy: RetrainPolicy,
):
    requests, skips, cursor = [], [], context.cursor and int(context.cursor)
    champion = registry.get_alias_version(CHAMPION)
    champion_snapshot = registry.version_info(champion).partition if champion else None
    snapshots = context.instance.get_dynamic_partitions(SNAPSHOT_PARTITIONS_NAME)
    requested: set[str] = set()
    waiting = "{partition}: drift report run {run} still running"
    for record in settled_events(context, DRIFT_REPORT, skips, waiting):
        cursor, meta, snapshot = record.storage_id, event_metadata(record), record.partition_key
        # Labels the champion never saw: test rows of its training snapshot or later ones.
        earlier = [s for s in snapshots if champion_snapshot and champion_snapshot <= s < snapshot]
        failed, backtest_summary = backtest_fact(context.instance, snapshot, champion)
        facts = Facts(
            snapshot=snapshot,
            champion=champion,
            champion_snapshot=champion_snapshot,
            drift_detected=meta.get("drift_detected") is True,
            drift_summary=_drift_summary(meta),
            matured_labels=matured_labels(lake, warehouse, snapshot, earlier) if champion else 0,
            backtest_failed=failed,
            backtest_summary=backtest_summary,
        )
        decision = decide(retrain_policy, facts)
        context.log.info(decision.reason)
        run_key = f"retrain:{snapshot}:champion-v{champion or 'none'}"
        if not decision.retrain:
            skips.append(decision.reason)
        elif run_key not in requested:
            requested.add(run_key)
            requests.append(
                snapshot_run(
                    snapshot,
                    run_key,
                    trigger=decision.trigger,
                    asset_selection=RETRAIN_ASSETS,
                    retrain_rules=",".join(decision.rules),
                    retrain_reason=decision.reason,
                    stage="train",  # deploy/dagster.yaml's training limit
                )
            )
    return sensor_result(requests, skips, cursor or None)
