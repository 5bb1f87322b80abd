"""``scoring/batch_scores``: the champion scores the snapshot's unlabelled population.

The rows are the feature store's ``application_test`` applicants (TARGET is NULL): the same
feature rows, made by the same SQL, that training used (invariant 4, docs/invariants.md).
Decisions come from the model's own ``DecisionPolicy`` (its registered cut-off), grades from the
rating master scale and reasons from the reason catalogue (both versions are columns), and
the table is ``modeling.prediction.prediction_frame``, the assembly the API uses too, so a batch
decision is exactly what the API would answer for that applicant.

It scores with whoever is champion when it runs (the registry alias; ``model_version`` in its
metadata says which). Its dependency on ``deploy/deploy_manifest`` only orders a whole-graph run
(``all_assets``: score with the model that run just deployed); the automation condition ignores
it, so every snapshot whose feature store passed its checks is scored by the current champion
whether or not it retrained, and ``rescore_sensor`` re-scores the newest snapshot after a
promotion. With no champion yet there is nothing to score with: the step ends without a
materialization (not a failure) and the first promotion's re-score fills it in.

Every row is also a decision, so it is appended to the decision log (channel ``batch``) as one
part per snapshot and model version, which a re-materialization replaces rather than duplicates
(``decisions/batch.py``).
"""

from collections.abc import Iterator

import dagster as dg
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from pydantic import Field

from creditrisk_assets.catalog_metadata import (
    SCORED_TABLE_KINDS,
    table_metadata,
)
from creditrisk_assets.column_schemas import arrow_column_schema
from creditrisk_assets.decisions.batch import batch_decisions, record_batch
from creditrisk_assets.features.spec import ID_COLUMN, TARGET_COLUMN
from creditrisk_assets.keys import BATCH_SCORES, DEPLOY_MANIFEST, FEATURE_STORE, lake_path
from creditrisk_assets.modeling.prediction import (
    DECISION_COLUMN,
    GRADE_COLUMN,
    PD_COLUMN,
    prediction_column_description,
    prediction_frame,
)
from creditrisk_assets.modeling.registry import CHAMPION, ModelRegistry
from creditrisk_assets.resources import Lake
from creditrisk_assets.snapshot_asset import snapshot_asset


class ScoringConfig(dg.Config):
    reason_codes: int = Field(
        default=4, ge=1, le=4, description="Principal reasons (catalogue statements) per applicant."
    )


@snapshot_asset(
    BATCH_SCORES,
    kinds=SCORED_TABLE_KINDS,
    deps=[FEATURE_STORE, DEPLOY_MANIFEST],
    description="Champion PD, decision, grade and reason codes for application_test rows.",
    # Issue 16: follows the checked feature store; the manifest dep only orders all_assets.
    ordering_only=[DEPLOY_MANIFEST],
    output_required=False,  # no champion yet: nothing to score with, not a failure
)
def batch_scores(
    context: dg.AssetExecutionContext, config: ScoringConfig, lake: Lake, registry: ModelRegistry
) -> Iterator[dg.MaterializeResult]:
    partition = context.partition_key
    version = registry.get_alias_version(CHAMPION)
    if version is None:
        context.log.warning(f"batch_scores[{partition}]: no champion yet, nothing scored")
        return
    model = registry.load(version)
    path = lake.local_path(lake_path(FEATURE_STORE), partition)
    table = ds.dataset(path).to_table(
        columns=[ID_COLUMN, *model.spec.names], filter=pc.field(TARGET_COLUMN).is_null()
    )
    rows = table.to_pandas()
    if rows.empty:
        raise ValueError(f"feature store {partition} has no unlabelled (application_test) rows")
    scores = prediction_frame(model, rows, config.reason_codes)
    scores["model_version"] = version
    scores["snapshot"] = partition
    with lake.write_partition(lake_path(BATCH_SCORES), partition) as tmp:
        scores.to_parquet(tmp, index=False)
        schema = arrow_column_schema(pq.read_schema(tmp), prediction_column_description)
    info = registry.version_info(version)
    records = batch_decisions(
        scores,
        rows,
        feature_names=model.spec.names,
        id_column=ID_COLUMN,
        pd_column=PD_COLUMN,
        decision_column=DECISION_COLUMN,
        grade_column=GRADE_COLUMN,
        model_name=info.name,
        model_version=str(version),
        model_alias=CHAMPION,
        training_snapshot=info.partition or model.meta.partition,
    )
    log_part, replaced = record_batch(lake, partition, str(version), records)
    counts = scores["risk_grade"].value_counts().sort_index()
    yield dg.MaterializeResult(
        metadata={
            **table_metadata(len(scores), schema),
            "rows": len(scores),
            "model_version": version,
            "approval_rate": float((scores["decision"] == "approve").mean()),
            "mean_pd": float(scores[PD_COLUMN].mean()),
            "grades": {str(k): int(v) for k, v in counts.items()},
            "scale_version": str(scores["scale_version"].iat[0]),
            "catalogue_version": str(scores["catalogue_version"].iat[0]),
            "uri": lake.partition_uri(lake_path(BATCH_SCORES), partition),
            "decision_log_part": log_part,
            "decision_log_replaced": len(replaced),
        }
    )
