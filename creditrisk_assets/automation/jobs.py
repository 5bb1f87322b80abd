"""Cross-domain jobs: each a selection of the one asset graph, runnable from the CLI as
``dagster job execute -m creditrisk_assets.definitions -j JOB --tags '{"dagster/partition": "D"}'``.

``ingest_job`` and ``train_job`` belong to the ingestion and modeling domains.
"""

import dagster as dg

from creditrisk_assets import keys
from creditrisk_assets.deploy.promotion import rollback
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.partitions import snapshot_partitions

FEATURES = dg.AssetSelection.key_prefixes(keys.FEATURES)
DRIFT = dg.AssetSelection.assets(keys.DRIFT_REPORT)
PROMOTION = dg.AssetSelection.assets(keys.CANARY_REPORT, keys.DEPLOY_MANIFEST)
SCORES = dg.AssetSelection.assets(keys.BATCH_SCORES)

#: features, then drift against the champion: every new feature partition is measured.
features_job = dg.define_asset_job(
    "features_job",
    selection=FEATURES | DRIFT,
    partitions_def=snapshot_partitions,
    description="Feature store, train/test split and the drift report of one snapshot.",
)
#: canary, then (if its blocking check passes) the manifest, whose step moves the aliases.
promote_job = dg.define_asset_job(
    "promote_job",
    selection=PROMOTION,
    partitions_def=snapshot_partitions,
    description="Canary the snapshot's candidate; if it passes, promote it and write the manifest.",
)
score_job = dg.define_asset_job(
    "score_job",
    selection=SCORES,
    partitions_def=snapshot_partitions,
    description="The champion scores the snapshot's application_test rows.",
)
all_assets = dg.define_asset_job(
    "all_assets",
    selection=dg.AssetSelection.all(),
    partitions_def=snapshot_partitions,
    description="The whole graph for one snapshot: ingest to batch scores.",
)


@dg.op(description="champion <- previous; previous cleared (see deploy.promotion).")
def rollback_champion(context: dg.OpExecutionContext, registry: ModelRegistry) -> dict:
    change = rollback(registry, reason=f"rollback_job run {context.run_id}")
    context.log.info("rolled back: champion v%s (was v%s)", change.champion, change.replaced)
    context.add_output_metadata({"champion": change.champion, "pulled": change.replaced or ""})
    return change.to_dict()


@dg.job(description="Move champion back to previous; fails if there is no previous.")
def rollback_job() -> None:
    rollback_champion()


JOBS = [features_job, promote_job, score_job, all_assets, rollback_job]
