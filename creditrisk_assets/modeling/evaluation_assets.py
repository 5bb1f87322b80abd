"""``model/train_metrics``, ``model/test_predictions``, ``model/test_metrics``: the candidate
evaluated on its own train split (for the overfit gap) and on the held-out test split.

Each evaluation writes its figures to the lake (JSON), to the candidate's MLflow run and to the
registered version's tags, so the canary, the validation pack and a person reading the registry
all see the same numbers.
"""

import json
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from creditrisk_assets import settings
from creditrisk_assets.catalog_metadata import (
    MODEL_KINDS,
    SCORED_TABLE_KINDS,
    table_metadata,
)
from creditrisk_assets.column_schemas import arrow_column_schema
from creditrisk_assets.keys import (
    CANDIDATE,
    FEATURES_TEST,
    FEATURES_TRAIN,
    TEST_METRICS,
    TEST_PREDICTIONS,
    TRAIN_METRICS,
    lake_path,
)
from creditrisk_assets.modeling import metrics as m
from creditrisk_assets.modeling.challenger import evaluate_challenger
from creditrisk_assets.modeling.inline_plots import evaluation_curves, gallery_markdown
from creditrisk_assets.modeling.plots import evaluation_plots
from creditrisk_assets.modeling.prediction import (
    GRADE_COLUMN,
    PD_COLUMN,
    prediction_column_description,
    prediction_frame,
)
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.modeling.scoring_model import ScoringModel
from creditrisk_assets.modeling.stored import (
    CANDIDATE_FILE,
    METRICS_FILE,
    load_candidate,
    read_features,
)
from creditrisk_assets.resources import Lake
from creditrisk_assets.risk.master_scale import load_scale
from creditrisk_assets.snapshot_asset import snapshot_asset

REASON_CODES = 4
#: The challenger's figures logged to MLflow, tagged on the version and shown as metadata.
CHALLENGER_FIGURES = ("scorecard_auc", "scorecard_gini", "gini_gap")


def _evaluate(
    context: dg.AssetExecutionContext,
    registry: ModelRegistry,
    lake: Lake,
    key: dg.AssetKey,
    split: str,
    model: ScoringModel,
    y: np.ndarray,
    p: np.ndarray,
    validation: dict[str, Any] | None = None,
    challenger: dict[str, Any] | None = None,
) -> dg.MaterializeResult:
    """Metrics + plots for one split: lake JSON, MLflow run, version tags, Dagster metadata.
    ``validation`` (``metrics.grade_validation``) is stored under that key and summarised;
    ``challenger`` (``challenger.evaluate_challenger``) likewise."""
    partition = context.partition_key
    cutoff = model.policy.cutoff
    values = m.all_metrics(y, p, cutoff)
    folder = settings.reports_dir() / "model" / partition / f"v{model.version}"
    plots = evaluation_plots(y, p, folder, split, cutoff)
    pointer = lake.read_json(lake_path(CANDIDATE), partition, CANDIDATE_FILE)
    run_id = pointer["mlflow_run_id"]
    registry.log_to_run(run_id, metrics={f"{split}_{k}": v for k, v in values.items()})
    for path in plots.values():
        registry.log_to_run(run_id, artifacts={"plots": path})
    registry.set_version_tags(
        model.version or pointer["version"],
        {f"metric.{split}_{k}": round(v, 6) for k, v in values.items() if k != "pd_cutoff"},
    )
    stored: dict[str, Any] = {**values, "model_version": model.version}
    if validation is not None:
        stored["validation"] = validation
    if challenger is not None:
        stored["challenger"] = challenger
        figures = {f"{split}_{k}": challenger[k] for k in CHALLENGER_FIGURES}
        registry.log_to_run(run_id, metrics=figures)
        registry.set_version_tags(
            model.version or pointer["version"],
            {f"metric.{k}": round(v, 6) for k, v in figures.items()},
        )
    lake.write_json(lake_path(key), partition, METRICS_FILE, stored)
    metadata: dict[str, Any] = {k: float(v) for k, v in values.items()}
    metadata["model_version"] = model.version
    if validation is not None:
        metadata.update(validation_metadata(validation))
    if challenger is not None:
        metadata.update({k: float(challenger[k]) for k in CHALLENGER_FIGURES})
        metadata["scorecard_characteristics"] = challenger["characteristics"]
    # Curves small enough for the UI to draw in the metadata table; the full plots one click
    # away; both inline, so the page needs no file of the server (MLflow keeps the PNGs too).
    for name, text in evaluation_curves(y, p, split).items():
        metadata[name] = dg.MetadataValue.md(text)
    metadata["plots"] = dg.MetadataValue.md(gallery_markdown(plots))
    metadata["mlflow_run_id"] = run_id
    return dg.MaterializeResult(metadata=metadata)


@snapshot_asset(
    TRAIN_METRICS,
    kinds=MODEL_KINDS,
    deps=[CANDIDATE, FEATURES_TRAIN],
    description="The candidate's metrics on its own train split (for the overfit-gap check).",
)
def train_metrics(
    context: dg.AssetExecutionContext, lake: Lake, registry: ModelRegistry
) -> dg.MaterializeResult:
    model = load_candidate(lake, registry, context.partition_key)
    frame = read_features(lake, FEATURES_TRAIN, context.partition_key, model.spec)
    y = frame[model.spec.target_column].to_numpy()
    return _evaluate(
        context, registry, lake, TRAIN_METRICS, "train", model, y, model.predict_pd(frame)
    )


@snapshot_asset(
    TEST_PREDICTIONS,
    kinds=SCORED_TABLE_KINDS,
    deps=[CANDIDATE, FEATURES_TEST],
    description="PD, decision, master-scale grade and up to four catalogue reason statements "
    "for every test row (Parquet).",
)
def test_predictions(
    context: dg.AssetExecutionContext, lake: Lake, registry: ModelRegistry
) -> dg.MaterializeResult:
    partition = context.partition_key
    model = load_candidate(lake, registry, partition)
    frame = read_features(lake, FEATURES_TEST, partition, model.spec)
    out = prediction_frame(model, frame, REASON_CODES)
    # The labels beside the id, the version after the grade: the table's long-standing layout.
    out.insert(1, model.spec.target_column, frame[model.spec.target_column].to_numpy())
    out.insert(out.columns.get_loc(GRADE_COLUMN) + 1, "model_version", model.version)
    with lake.write_partition(lake_path(TEST_PREDICTIONS), partition) as tmp:
        out.to_parquet(tmp, index=False)
        schema = arrow_column_schema(pq.read_schema(tmp), prediction_column_description)
    return dg.MaterializeResult(
        metadata={
            **table_metadata(len(out), schema),
            "rows": len(out),
            "model_version": model.version,
            "mean_pd": float(out[PD_COLUMN].to_numpy().mean()),
            "approval_rate": float((out["decision"] == "approve").mean()),
            "grades": json.dumps(out["risk_grade"].value_counts().sort_index().to_dict()),
            "scale_version": str(out["scale_version"].iat[0]),
            "catalogue_version": str(out["catalogue_version"].iat[0]),
            "path": dg.MetadataValue.path(
                lake.partition_uri(lake_path(TEST_PREDICTIONS), partition)
            ),
        }
    )


@snapshot_asset(
    TEST_METRICS,
    kinds=MODEL_KINDS,
    deps=[TEST_PREDICTIONS, FEATURES_TEST],
    description="AUC, Gini, KS, PR-AUC, Brier, log loss, ECE, approval and bad rate on test; "
    "per-grade calibration (Jeffreys, binomial), Hosmer-Lemeshow, Herfindahl, DeLong CIs; "
    "the scorecard challenger's Gini and its gap to the candidate.",
)
def test_metrics(
    context: dg.AssetExecutionContext, lake: Lake, registry: ModelRegistry
) -> dg.MaterializeResult:
    partition = context.partition_key
    model = load_candidate(lake, registry, partition)
    preds = pd.read_parquet(
        lake.local_path(lake_path(TEST_PREDICTIONS), partition),
        columns=[model.spec.id_column, "TARGET", PD_COLUMN, GRADE_COLUMN],
    )
    y, p = preds["TARGET"].to_numpy(), preds[PD_COLUMN].to_numpy()
    validation = m.grade_validation(y, p, preds[GRADE_COLUMN].to_numpy(), load_scale())
    ids = preds[model.spec.id_column].to_numpy()
    challenger = evaluate_challenger(lake, partition, y, p, ids)
    return _evaluate(
        context, registry, lake, TEST_METRICS, "test", model, y, p, validation, challenger
    )


def validation_metadata(validation: dict[str, Any]) -> dict[str, Any]:
    """The validation statistics as Dagster metadata: the per-grade table as JSON, the rest as
    plain floats (so they chart over partitions)."""
    hl, auc, gini = validation["hosmer_lemeshow"], validation["auc"], validation["gini"]
    return {
        "calibration_by_grade": dg.MetadataValue.json(validation["calibration"]),
        "scale_version": validation["scale_version"],
        "hosmer_lemeshow_stat": float(hl["statistic"]),
        "hosmer_lemeshow_p": float(hl["p_value"]),
        "herfindahl": float(validation["herfindahl"]["herfindahl"]),
        "auc_ci_low": float(auc["ci_low"]),
        "auc_ci_high": float(auc["ci_high"]),
        "gini_ci_low": float(gini["ci_low"]),
        "gini_ci_high": float(gini["ci_high"]),
        "min_jeffreys_p": float(min(r["jeffreys_p"] for r in validation["calibration"])),
    }
