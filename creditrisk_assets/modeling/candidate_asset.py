"""``model/candidate``: the XGBoost PD model, trained inside an MLflow run and registered.

The run is opened by the asset itself and always ended (FINISHED or FAILED), whatever launched
the step: job, sensor, UI or CLI. A step killed outright ends nothing, so each candidate step
first sweeps what dead ones left (``recovery/sweep.py``). The registered version is the source
of truth for what was trained; the lake partition holds the pointer ``stored.py`` reads.

The run records how the tree count was chosen (tag ``rounds_by``: ``cv`` on a small train
split, ``early_stopping`` on a large one, ``training.py``) and carries the scorecard challenger
fitted on the same rows (``challenger.py``).
"""

import json
import tempfile
from pathlib import Path

import dagster as dg

from creditrisk_assets.catalog_metadata import MODEL_KINDS
from creditrisk_assets.keys import CANDIDATE, FEATURE_STORE, FEATURES_TRAIN, lake_path
from creditrisk_assets.modeling.challenger import log_challenger
from creditrisk_assets.modeling.config import CandidateConfig
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.modeling.stored import (
    CANDIDATE_FILE,
    data_fingerprint,
    load_spec,
    read_features,
)
from creditrisk_assets.modeling.training import train_model
from creditrisk_assets.recovery.sweep import candidate_temp_prefix, sweep_dead_steps
from creditrisk_assets.resources import Lake
from creditrisk_assets.snapshot_asset import snapshot_asset


@snapshot_asset(
    CANDIDATE,
    kinds=MODEL_KINDS,
    deps=[FEATURE_STORE, FEATURES_TRAIN],
    description="XGBoost PD model trained on features/train; an MLflow run + registered version.",
)
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
        # which way the tree count was chosen (CV on small data, early stopping on large)
        run.set_tags({"rounds_by": result.rounds_by})
        fit_metrics = {
            **result.validation,
            "best_iteration": result.best_iteration,
            "train_base_rate": result.base_rate,
            "resampled_base_rate": result.resampled_base_rate,
            "logit_offset": result.model.meta.logit_offset,
        }
        run.log_metrics(fit_metrics)
        if config.challenger:
            fit_metrics.update(
                log_challenger(
                    run, Path(tmp), lake, partition, frame, spec, config.scorecard_params()
                )
            )
        model_dir = Path(tmp) / "model"
        checksum = result.model.save(model_dir)
        gain = result.model.booster.get_score(importance_type="total_gain")
        (Path(tmp) / "feature_importance.json").write_text(json.dumps(gain, indent=1))
        run.log_artifact(Path(tmp) / "feature_importance.json", "diagnostics")
        info = registry.register(
            run,
            model_dir,
            checksum,
            tags={
                **tags,
                "pd_cutoff": params.pd_cutoff,
                "resampling": params.resampling,
                "rounds_by": result.rounds_by,
            },
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
            "rounds_by": result.rounds_by,
            "monotone_constraints": len(spec.monotone_constraints) if params.monotone else 0,
            **{k: float(v) for k, v in fit_metrics.items()},
            "top_features_by_gain": ", ".join(top),
        }
    )
