"""``scoring/batch_scores``: the champion scores the snapshot's unlabelled population.

The rows are the feature store's ``application_test`` applicants (TARGET is NULL): the same
feature rows, made by the same SQL, that training used (DESIGN invariant 4). Decisions and
grades come from the model's own ``DecisionPolicy`` (its registered cut-off), so a batch
decision is exactly what the API would answer for that applicant.

It scores with whoever is champion when it runs (the registry alias; ``model_version`` in its
metadata says which). Its dependency on ``deploy/deploy_manifest`` only orders a whole-graph run
(``all_assets``: score with the model that run just deployed); the automation condition ignores
it, so every snapshot whose feature store passed its checks is scored by the current champion
whether or not it retrained, and ``rescore_sensor`` re-scores the newest snapshot after a
promotion. With no champion yet there is nothing to score with: the step ends without a
materialization (not a failure) and the first promotion's re-score fills it in.
"""

from collections.abc import Iterator

import dagster as dg
import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds
from pydantic import Field

from creditrisk_assets.conditions import on_new_data_ignoring
from creditrisk_assets.deploy.promotion import CHAMPION
from creditrisk_assets.features.spec import ID_COLUMN, TARGET_COLUMN
from creditrisk_assets.partitions import snapshot_partitions
from creditrisk_assets.resources import Lake, ModelRegistry

BATCH_SCORES = dg.AssetKey(["scoring", "batch_scores"])
FEATURE_STORE = dg.AssetKey(["features", "feature_store"])
MANIFEST = dg.AssetKey(["deploy", "deploy_manifest"])


class ScoringConfig(dg.Config):
    reason_codes: int = Field(default=4, description="Reason codes kept per applicant (top k).")


def score_frame(model, rows: pd.DataFrame, k: int) -> pd.DataFrame:
    """PD, decision, risk grade and reason codes for each row (a pure function of the model)."""
    pd_values = model.predict_pd(rows)
    out = pd.DataFrame(
        {
            ID_COLUMN: rows[ID_COLUMN].to_numpy(),
            "pd": pd_values,
            "decision": model.policy.decide_many(pd_values),
            "risk_grade": model.policy.risk_grades(pd_values),
        }
    )
    reasons = model.reason_code_frame(rows.reset_index(drop=True), k=k)
    return pd.concat([out, reasons], axis=1)


@dg.asset(
    key=BATCH_SCORES,
    partitions_def=snapshot_partitions,
    deps=[FEATURE_STORE, MANIFEST],
    group_name="scoring",
    description="Champion PD, decision, grade and reason codes for application_test rows.",
    # Issue 16: follows the checked feature store; the manifest dep only orders all_assets.
    automation_condition=on_new_data_ignoring(MANIFEST),
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
    path = lake.local_path(FEATURE_STORE.to_user_string(), partition)
    table = ds.dataset(path).to_table(
        columns=[ID_COLUMN, *model.spec.names], filter=pc.field(TARGET_COLUMN).is_null()
    )
    rows = table.to_pandas()
    if rows.empty:
        raise ValueError(f"feature store {partition} has no unlabelled (application_test) rows")
    scores = score_frame(model, rows, config.reason_codes)
    scores["model_version"] = version
    scores["snapshot"] = partition
    with lake.write_partition(BATCH_SCORES.to_user_string(), partition) as tmp:
        scores.to_parquet(tmp, index=False)
    counts = scores["risk_grade"].value_counts().sort_index()
    yield dg.MaterializeResult(
        metadata={
            "rows": len(scores),
            "model_version": version,
            "approval_rate": float((scores["decision"] == "approve").mean()),
            "mean_pd": float(scores["pd"].mean()),
            "grades": {str(k): int(v) for k, v in counts.items()},
            "uri": lake.partition_uri(BATCH_SCORES.to_user_string(), partition),
        }
    )
