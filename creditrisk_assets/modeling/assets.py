"""``model/candidate``, ``model/train_metrics``, ``model/test_predictions``, ``model/test_metrics``.

The candidate is trained inside an MLflow run the asset itself opens and always ends (FINISHED
or FAILED), whatever launched the step: job, sensor, UI or CLI. A step killed outright ends
nothing, so each candidate step first sweeps what dead ones left (``recovery/sweep.py``). The
registered version is the source of truth for what was trained; ``model/candidate``'s lake
partition holds a small JSON pointer (version, run id, checksum) so evaluation loads exactly
that version.
"""

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from creditrisk_assets import settings
from creditrisk_assets.catalog_metadata import (
    MODEL_KINDS,
    SCORED_TABLE_KINDS,
    owners_for,
    table_metadata,
)
from creditrisk_assets.column_schemas import arrow_column_schema
from creditrisk_assets.features.spec import SPEC_FILE, FeatureSpec
from creditrisk_assets.gates import gated
from creditrisk_assets.keys import (
    CANDIDATE,
    FEATURE_STORE,
    FEATURES_TEST,
    FEATURES_TRAIN,
    TEST_METRICS,
    TEST_PREDICTIONS,
    TRAIN_METRICS,
    group_of,
    lake_path,
)
from creditrisk_assets.modeling import metrics as m
from creditrisk_assets.modeling.config import CandidateConfig
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
from creditrisk_assets.modeling.training import train_model
from creditrisk_assets.partitions import snapshot_partitions
from creditrisk_assets.recovery.sweep import candidate_temp_prefix, sweep_dead_steps
from creditrisk_assets.resources import Lake
from creditrisk_assets.risk.master_scale import load_scale

GROUP = group_of(CANDIDATE)
CANDIDATE_FILE = "candidate.json"
METRICS_FILE = "metrics.json"
REASON_CODES = 4


def load_spec(lake: Lake, partition: str) -> FeatureSpec:
    return FeatureSpec.from_dict(lake.read_json(lake_path(FEATURE_STORE), partition, SPEC_FILE))


def read_features(lake: Lake, key: dg.AssetKey, partition: str, spec: FeatureSpec) -> pd.DataFrame:
    """Id, target and spec columns of a split (a clear error naming absent columns)."""
    path = lake.local_path(lake_path(key), partition)
    wanted = [spec.id_column, spec.target_column, *spec.names]
    present = set(pq.read_schema(path).names)
    missing = [c for c in wanted if c not in present]
    if missing:
        raise KeyError(f"{lake_path(key)} [{partition}] lacks columns {missing}")
    return pd.read_parquet(path, columns=wanted)


def data_fingerprint(paths: list[str], spec: FeatureSpec) -> str:
    """SHA-256 over the training inputs' bytes and the spec: equal inputs, equal fingerprint."""
    h = hashlib.sha256(spec.hash.encode())
    for path in paths:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 22):
                h.update(block)
    return h.hexdigest()


def load_candidate(lake: Lake, registry: ModelRegistry, partition: str) -> ScoringModel:
    """The version ``model/candidate`` registered for ``partition``, checksum-verified."""
    pointer = lake.read_json(lake_path(CANDIDATE), partition, CANDIDATE_FILE)
    model = registry.load(pointer["version"])
    if model.checksum != pointer["checksum"]:
        raise RuntimeError(
            f"registry v{pointer['version']} checksum {model.checksum} differs from the "
            f"candidate pointer's {pointer['checksum']} for {partition}"
        )
    return model


@dg.asset(
    key=CANDIDATE,
    partitions_def=snapshot_partitions,
    deps=[FEATURE_STORE, FEATURES_TRAIN],
    group_name=GROUP,
    kinds=set(MODEL_KINDS),
    owners=owners_for(CANDIDATE),
    description="XGBoost PD model trained on features/train; an MLflow run + registered version.",
)
@gated
def candidate(
    context: dg.AssetExecutionContext, config: CandidateConfig, lake: Lake, registry: ModelRegistry
) -> dg.MaterializeResult:
    partition = context.partition_key
    swept = sweep_dead_steps(context.instance, registry)
    if swept:
        context.log.warning(
            "candidate[%s]: cleared after dead steps: %s", partition, swept.summary()
        )
    spec = load_spec(lake, partition)
    frame = read_features(lake, FEATURES_TRAIN, partition, spec)
    train_path = lake.local_path(lake_path(FEATURES_TRAIN), partition)
    fingerprint = data_fingerprint([train_path], spec)
    params = config.params()
    tags = {
        "partition": partition,
        "dagster_run_id": context.run_id,
        "data_fingerprint": fingerprint,
        "feature_spec_hash": spec.hash,
    }
    with (
        registry.candidate_run(f"candidate-{partition}", tags=tags) as run,
        tempfile.TemporaryDirectory(prefix=candidate_temp_prefix()) as tmp,
    ):
        run.log_params(config.model_dump())
        result = train_model(frame, spec, params, partition=partition)
        fit_metrics = {
            **result.validation,
            "best_iteration": result.best_iteration,
            "train_base_rate": result.base_rate,
            "resampled_base_rate": result.resampled_base_rate,
            "logit_offset": result.model.meta.logit_offset,
        }
        run.log_metrics(fit_metrics)
        model_dir = Path(tmp) / "model"
        checksum = result.model.save(model_dir)
        gain = result.model.booster.get_score(importance_type="total_gain")
        (Path(tmp) / "feature_importance.json").write_text(json.dumps(gain, indent=1))
        run.log_artifact(Path(tmp) / "feature_importance.json", "diagnostics")
        info = registry.register(
            run,
            model_dir,
            checksum,
            tags={**tags, "pd_cutoff": params.pd_cutoff, "resampling": params.resampling},
        )
        pointer = {
            "version": info.version,
            "mlflow_run_id": run.run_id,
            "checksum": checksum,
            "model_name": info.name,
            "feature_spec_hash": spec.hash,
        }
        lake.write_json(lake_path(CANDIDATE), partition, CANDIDATE_FILE, pointer)
    context.log.info("candidate[%s]: registered %s v%s", partition, info.name, info.version)
    top = sorted(gain, key=lambda k: -gain[k])[:10]
    return dg.MaterializeResult(
        metadata={
            "model_version": info.version,
            "mlflow_run_id": run.run_id,
            "checksum": checksum,
            "data_fingerprint": fingerprint,
            "rows": result.rows,
            **{k: float(v) for k, v in fit_metrics.items()},
            "top_features_by_gain": ", ".join(top),
        }
    )


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
) -> dg.MaterializeResult:
    """Metrics + plots for one split: lake JSON, MLflow run, version tags, Dagster metadata.
    ``validation`` (``metrics.grade_validation``) is stored under that key and summarised."""
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
    lake.write_json(lake_path(key), partition, METRICS_FILE, stored)
    metadata: dict[str, Any] = {k: float(v) for k, v in values.items()}
    metadata["model_version"] = model.version
    if validation is not None:
        metadata.update(validation_metadata(validation))
    # Curves small enough for the UI to draw in the metadata table; the full plots one click
    # away; both inline, so the page needs no file of the server (MLflow keeps the PNGs too).
    for name, text in evaluation_curves(y, p, split).items():
        metadata[name] = dg.MetadataValue.md(text)
    metadata["plots"] = dg.MetadataValue.md(gallery_markdown(plots))
    metadata["mlflow_run_id"] = run_id
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=TRAIN_METRICS,
    partitions_def=snapshot_partitions,
    deps=[CANDIDATE, FEATURES_TRAIN],
    group_name=GROUP,
    kinds=set(MODEL_KINDS),
    owners=owners_for(TRAIN_METRICS),
    description="The candidate's metrics on its own train split (for the overfit-gap check).",
)
@gated
def train_metrics(
    context: dg.AssetExecutionContext, lake: Lake, registry: ModelRegistry
) -> dg.MaterializeResult:
    model = load_candidate(lake, registry, context.partition_key)
    frame = read_features(lake, FEATURES_TRAIN, context.partition_key, model.spec)
    y = frame[model.spec.target_column].to_numpy()
    return _evaluate(
        context, registry, lake, TRAIN_METRICS, "train", model, y, model.predict_pd(frame)
    )


@dg.asset(
    key=TEST_PREDICTIONS,
    partitions_def=snapshot_partitions,
    deps=[CANDIDATE, FEATURES_TEST],
    group_name=GROUP,
    kinds=set(SCORED_TABLE_KINDS),
    owners=owners_for(TEST_PREDICTIONS),
    description="PD, decision, master-scale grade and up to four catalogue reason statements "
    "for every test row (Parquet).",
)
@gated
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


@dg.asset(
    key=TEST_METRICS,
    partitions_def=snapshot_partitions,
    deps=[TEST_PREDICTIONS],
    group_name=GROUP,
    kinds=set(MODEL_KINDS),
    owners=owners_for(TEST_METRICS),
    description="AUC, Gini, KS, PR-AUC, Brier, log loss, ECE, approval and bad rate on test; "
    "per-grade calibration (Jeffreys, binomial), Hosmer-Lemeshow, Herfindahl, DeLong CIs.",
)
@gated
def test_metrics(
    context: dg.AssetExecutionContext, lake: Lake, registry: ModelRegistry
) -> dg.MaterializeResult:
    partition = context.partition_key
    model = load_candidate(lake, registry, partition)
    preds = pd.read_parquet(
        lake.local_path(lake_path(TEST_PREDICTIONS), partition),
        columns=["TARGET", PD_COLUMN, GRADE_COLUMN],
    )
    y, p = preds["TARGET"].to_numpy(), preds[PD_COLUMN].to_numpy()
    validation = m.grade_validation(y, p, preds[GRADE_COLUMN].to_numpy(), load_scale())
    return _evaluate(context, registry, lake, TEST_METRICS, "test", model, y, p, validation)


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
