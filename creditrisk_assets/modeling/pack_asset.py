"""``model/validation_pack``: the HTML document a model validator reads and signs, per version.

Built only from what the graph stored for the snapshot - the candidate pointer and its registry
version, ``model/test_predictions``, ``model/test_metrics``'s validation block, the feature
splits, the raw applications (fairness), the raw assets' MD5 metadata, the training run's check
evaluations - and rendered by ``risk.validation_pack``. The document is written to the lake and
the reports folder, logged as an artifact of the version's MLflow run, and its SHA-256 set as a
version tag: ``python -m creditrisk_assets.cli approve`` quotes that checksum, so an approval
names exactly the pack that was read.

The step runs at a lower priority than the checks, so the checks of the run that trained the
version have been evaluated (and appear in the pack) when it renders.
"""

from typing import Any

import dagster as dg
import pandas as pd

from creditrisk_assets import settings
from creditrisk_assets.catalog_metadata import REGISTRY_KINDS, report_link
from creditrisk_assets.deploy.lookup import raw_md5s
from creditrisk_assets.keys import (
    CANDIDATE,
    DRIFT_REPORT,
    FEATURE_STORE,
    FEATURES_TEST,
    FEATURES_TRAIN,
    TEST_METRICS,
    TEST_PREDICTIONS,
    VALIDATION_PACK,
    lake_path,
)
from creditrisk_assets.modeling import pack_sections as sections
from creditrisk_assets.modeling.checks import RAW_APPLICATIONS, fairness_groups
from creditrisk_assets.modeling.config import ModelChecksConfig
from creditrisk_assets.modeling.prediction import PD_COLUMN
from creditrisk_assets.modeling.registry import CHAMPION, ModelRegistry
from creditrisk_assets.modeling.stored import (
    CANDIDATE_FILE,
    METRICS_FILE,
    load_candidate,
    read_features,
)
from creditrisk_assets.resources import Lake
from creditrisk_assets.risk import statistics as rs
from creditrisk_assets.risk.approval import PACK_ARTIFACT_TAG, PACK_SHA256_TAG, PACK_URI_TAG
from creditrisk_assets.risk.reasons import active_catalogue, reason_coverage
from creditrisk_assets.risk.validation_pack import SECTIONS, pack_checksum, render_pack
from creditrisk_assets.snapshot_asset import snapshot_asset

PACK_FILE = "validation_pack.html"
#: Where the pack sits in the version's MLflow run.
ARTIFACT_DIR = "validation"
PURPOSE = (
    "Probability of default (PD) of retail loan applicants over the outcome window of the "
    "training data, for the approve/decline decision at the version's PD cut-off and for the "
    "rating master-scale grade."
)


def _drift(lake: Lake, partition: str) -> dict[str, Any] | None:
    """The snapshot's drift report against the champion, when one was materialized."""
    from creditrisk_assets.monitoring.assets import REPORT_FILE

    if not lake.exists(lake_path(DRIFT_REPORT), partition, REPORT_FILE):
        return None
    return lake.read_json(lake_path(DRIFT_REPORT), partition, REPORT_FILE)


def build_inputs(
    context: dg.AssetExecutionContext, lake: Lake, registry: ModelRegistry
) -> dict[str, Any]:
    """Everything ``render_pack`` shows, from the snapshot's stored assets."""
    partition = context.partition_key
    checks_config = ModelChecksConfig()
    pointer = lake.read_json(lake_path(CANDIDATE), partition, CANDIDATE_FILE)
    model = load_candidate(lake, registry, partition)
    info = registry.version_info(pointer["version"])
    spec = model.spec
    test_metrics = lake.read_json(lake_path(TEST_METRICS), partition, METRICS_FILE)
    validation = test_metrics["validation"]
    preds = pd.read_parquet(lake.local_path(lake_path(TEST_PREDICTIONS), partition))
    train = read_features(lake, FEATURES_TRAIN, partition, spec)
    test = read_features(lake, FEATURES_TEST, partition, spec)
    y, p = preds[spec.target_column].to_numpy(), preds[PD_COLUMN].to_numpy()

    if lake.exists(lake_path(FEATURE_STORE), partition):
        current_path = lake.local_path(lake_path(FEATURE_STORE), partition)
        label = "features/feature_store (every applicant of the snapshot)"
        current = pd.read_parquet(current_path, columns=spec.names)
    else:
        current_path = lake.local_path(lake_path(FEATURES_TEST), partition)
        label = "features/test (the feature store's rows are not in the lake)"
        current = test
    stability = sections.stability(
        model.predict_pd(train),
        model.predict_pd(current),
        lake.local_path(lake_path(FEATURES_TRAIN), partition),
        current_path,
        sections.top_features(model.booster, spec.names),
        label,
    )
    drift = _drift(lake, partition)
    if drift is not None:
        stability["drift report vs champion"] = drift.get("status")

    fairness_ok = lake.exists(lake_path(RAW_APPLICATIONS), partition)
    groups: list[dict[str, Any]] = []
    if fairness_ok:
        approved, by_attr = fairness_groups(lake, partition, checks_config.age_band_edges)
        groups = sections.fairness_rows(approved, by_attr, checks_config.min_group_size)

    auc = rs.Estimate(**validation["auc"])
    discrimination: dict[str, Any] = {k: validation[k] for k in ("auc", "gini", "ks")}
    if "challenger" in test_metrics:
        discrimination["challenger"] = sections.challenger(test_metrics["challenger"])
    champion = registry.get_alias_version(CHAMPION)
    champion_auc = registry.version_info(champion).metrics.get("test_auc") if champion else None
    if champion_auc is not None and auc.se > 0:
        change = rs.auc_change_test(champion_auc, auc)
        discrimination["auc_change"] = {
            f"champion v{champion} {k}": v for k, v in vars(change).items()
        }

    run_id = info.tags.get("dagster_run_id") or context.run_id
    checks = sections.check_rows(context.instance, run_id)
    catalogue = active_catalogue()
    return {
        "model": {"name": info.name, "version": info.version, "purpose": PURPOSE},
        "lineage": {
            "snapshot": partition,
            "raw_md5": raw_md5s(context.instance, partition),
            "feature_spec_hash": spec.hash,
            "protected-attribute policy": spec.exclusion_policy or "none recorded",
            "data_fingerprint": info.tags.get("data_fingerprint"),
            "code_version": sections.code_version(),
            "image_tag": settings.image_tag(),
            "mlflow_run_id": info.run_id,
            "training dagster_run_id": run_id,
            "artifact checksum": info.checksum,
            "master_scale": validation["scale_version"],
            "reason catalogue": catalogue.version,
            "pd_cutoff": model.policy.cutoff,
        },
        "data": sections.data_summary(train, test, spec.target_column, spec.excluded_names),
        "discrimination": discrimination,
        "calibration": {
            "table": validation["calibration"],
            "hosmer_lemeshow": validation["hosmer_lemeshow"],
            "herfindahl": validation["herfindahl"],
            "in_the_large": rs.calibration_in_the_large(y.astype(int), p),
        },
        "stability": stability,
        "fairness": {"threshold": checks_config.min_adverse_impact_ratio, "groups": groups},
        "reasons": {
            "catalogue_version": catalogue.version,
            **reason_coverage(model.contributions(test), spec.names, catalogue),
        },
        "checks": checks,
        "limitations": sections.limitations(
            validation["calibration"],
            checks,
            checks_config.min_grade_obs,
            champion is not None,
            fairness_ok,
        ),
        "sign_off": None,
    }


@snapshot_asset(
    VALIDATION_PACK,
    kinds={*REGISTRY_KINDS, "html"},
    deps=[CANDIDATE, TEST_PREDICTIONS, TEST_METRICS, DRIFT_REPORT],
    # after the checks of test_metrics/test_predictions, which the pack reports
    op_tags={"dagster/priority": "-1"},
    description="Self-contained HTML validation pack of the snapshot's registered version "
    "(lineage, discrimination, per-grade calibration, stability, fairness, reasons, checks, "
    "sign-off block); logged to MLflow, its SHA-256 tagged on the version.",
)
def validation_pack(
    context: dg.AssetExecutionContext, lake: Lake, registry: ModelRegistry
) -> dg.MaterializeResult:
    partition = context.partition_key
    inputs = build_inputs(context, lake, registry)
    document = render_pack(inputs)
    sha256 = pack_checksum(document)
    version = str(inputs["model"]["version"])
    with lake.write_partition(lake_path(VALIDATION_PACK), partition, PACK_FILE) as tmp:
        tmp.write_text(document, encoding="utf-8")
    uri = lake.partition_uri(lake_path(VALIDATION_PACK), partition, PACK_FILE)
    local = settings.reports_dir() / "model" / partition / f"v{version}" / PACK_FILE
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_text(document, encoding="utf-8")
    run_id = inputs["lineage"]["mlflow_run_id"]
    registry.log_to_run(run_id, artifacts={ARTIFACT_DIR: local})
    registry.set_version_tags(
        version,
        {
            PACK_SHA256_TAG: sha256,
            PACK_URI_TAG: uri,
            PACK_ARTIFACT_TAG: f"{ARTIFACT_DIR}/{PACK_FILE}",
        },
    )
    calibration = inputs["calibration"]
    context.log.info("validation pack of v%s [%s]: sha256 %s", version, partition, sha256)
    return dg.MaterializeResult(
        metadata={
            "model_version": version,
            "sha256": sha256,
            "pack": report_link(local),
            "lake_uri": dg.MetadataValue.url(uri) if "://" in uri else dg.MetadataValue.path(uri),
            "mlflow_artifact": f"runs:/{run_id}/{ARTIFACT_DIR}/{PACK_FILE}",
            "sections": len(SECTIONS),
            "checks_reported": len(inputs["checks"]),
            "hosmer_lemeshow_p": float(calibration["hosmer_lemeshow"]["p_value"]),
            "min_jeffreys_p": float(min(r["jeffreys_p"] for r in calibration["table"])),
            "score_psi": float(inputs["stability"]["score_psi"]),
            "approve_with": f"python -m creditrisk_assets.cli approve {version} "
            "--by NAME --reason TEXT",
        }
    )
