"""``deploy/canary_report`` and ``deploy/deploy_manifest``: the gate and the act of promotion.

The canary scores the candidate's held-out rows with both the candidate and the champion. A
blocking check on it stops the manifest whenever the canary fails, so a failed canary can never
promote. Materializing ``deploy/deploy_manifest`` *is* the promotion: it moves the registry
aliases (``champion``, ``previous``), tags the version, and writes the manifest that describes
exactly what was deployed - the two cannot disagree because one step does both. Under the
``require_approval`` policy (``deploy.signoff``) it promotes only an approved version; otherwise
it skips with "awaiting approval of vN" and the manifest records the approver when there is one.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import pandas as pd
from pydantic import Field

from creditrisk_assets import settings
from creditrisk_assets.catalog_metadata import MODEL_KINDS, REGISTRY_KINDS
from creditrisk_assets.deploy.canary import CanaryTolerances, compare, outcome
from creditrisk_assets.deploy.lookup import candidate_version, check_promotable, raw_md5s
from creditrisk_assets.deploy.manifest import MANIFEST_FILE, build_manifest
from creditrisk_assets.deploy.promotion import promote
from creditrisk_assets.deploy.signoff import approval_required, promotion_approval
from creditrisk_assets.keys import (
    CANARY_REPORT,
    CANDIDATE,
    DEPLOY_MANIFEST,
    FEATURES_TEST,
    TEST_METRICS,
    lake_path,
)
from creditrisk_assets.modeling.registry import CHAMPION, ModelRegistry
from creditrisk_assets.resources import Lake
from creditrisk_assets.risk.approval import require_approval_field
from creditrisk_assets.snapshot_asset import report_check, snapshot_asset

CANARY_FILE = "canary_report.json"
#: The version tag holding the URI of the manifest that shipped it (named after the asset).
MANIFEST_TAG = DEPLOY_MANIFEST.path[-1]


class CanaryConfig(dg.Config):
    """How far a candidate may move from the champion on the same rows and still ship."""

    min_auc_delta: float = Field(
        default=-0.01, description="Lowest allowed candidate-minus-champion AUC (negative: a loss)."
    )
    max_abs_approval_rate_delta: float = Field(
        default=0.10, description="Largest allowed absolute change of the approval rate."
    )
    max_abs_mean_pd_delta: float = Field(
        default=0.05, description="Largest allowed absolute change of the mean PD."
    )


@snapshot_asset(
    CANARY_REPORT,
    kinds=MODEL_KINDS,
    deps=[CANDIDATE, TEST_METRICS, FEATURES_TEST],
    description="Candidate vs champion on the candidate's test rows: AUC/approval/mean-PD deltas.",
)
def canary_report(
    context: dg.AssetExecutionContext, config: CanaryConfig, lake: Lake, registry: ModelRegistry
) -> dg.MaterializeResult:
    partition = context.partition_key
    cand_version = candidate_version(registry, partition)
    champ_version = registry.get_alias_version(CHAMPION)
    test = pd.read_parquet(lake.local_path(lake_path(FEATURES_TEST), partition))
    y = test["TARGET"].to_numpy()
    candidate = registry.load(cand_version)
    cand_out = outcome(y, candidate.predict_pd(test), candidate.policy.cutoff)
    champ_out = None
    if champ_version is not None:
        champion = registry.load(champ_version)
        champ_out = outcome(y, champion.predict_pd(test), champion.policy.cutoff)
    tol = CanaryTolerances(
        config.min_auc_delta, config.max_abs_approval_rate_delta, config.max_abs_mean_pd_delta
    )
    result = compare(cand_out, champ_out, tol)
    report: dict[str, Any] = {
        **result.to_dict(),
        "candidate_version": cand_version,
        "champion_version": champ_version,
        "rows": len(test),
        "snapshot": partition,
        "tolerances": config.model_dump(),
    }
    uri = lake.write_json(lake_path(CANARY_REPORT), partition, CANARY_FILE, report)
    context.log.info(
        "canary[%s] v%s vs v%s: %s", partition, cand_version, champ_version, result.note
    )
    return dg.MaterializeResult(
        metadata={
            "passed": result.passed,
            "note": result.note,
            "candidate_version": cand_version,
            "champion_version": champ_version or "none",
            "candidate_auc": cand_out.auc,
            "auc_delta": result.auc_delta if result.auc_delta is not None else 0.0,
            "approval_rate_delta": result.approval_rate_delta or 0.0,
            "mean_pd_delta": result.mean_pd_delta or 0.0,
            "rows": len(test),
            "report_uri": uri,
        }
    )


@report_check(
    CANARY_REPORT,
    CANARY_FILE,
    "The candidate is within tolerances of the champion on the same rows (AUC, approval "
    "rate, mean PD).",
    "the candidate is not promoted: the champion keeps deciding, and the ML team reviews "
    "why the new model would change approvals or risk this much before any release.",
    blocking=True,
)
def canary_passed(report: dict[str, Any]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=bool(report["passed"]),
        metadata={"note": report["note"], "candidate_version": report["candidate_version"]},
    )


class PromotionConfig(dg.Config):
    reason: str = Field(
        default="canary passed", description="Why this promotion happens (tagged on the version)."
    )
    require_approval: bool = require_approval_field()


@snapshot_asset(
    DEPLOY_MANIFEST,
    kinds=REGISTRY_KINDS,
    deps=[CANARY_REPORT],
    description="Promotes the canary-approved candidate and records what a deploy needs; under "
    "require_approval, only once the version's validation pack is approved (else it skips).",
    output_required=False,  # awaiting approval: no materialization, downstream steps skip
)
def deploy_manifest(
    context: dg.AssetExecutionContext, config: PromotionConfig, lake: Lake, registry: ModelRegistry
) -> Iterator[dg.MaterializeResult | dg.AssetObservation]:
    partition = context.partition_key
    canary = lake.read_json(lake_path(CANARY_REPORT), partition, CANARY_FILE)
    if not canary["passed"]:  # the blocking check stops this in a run; direct calls too
        raise RuntimeError(f"canary for {partition} failed ({canary['note']}): not promoting")
    version = canary["candidate_version"]
    info = check_promotable(registry, version)  # orphaned since the canary ran: refused
    if info.checksum is None or info.partition is None:
        raise ValueError(f"v{version} lacks checksum/partition tags: cannot ship or trace it")
    approved, why, approval = promotion_approval(info)
    required = approval_required(config.require_approval)
    if required and not approved:
        context.log.warning("not promoting v%s: %s", version, why)
        yield dg.AssetObservation(
            asset_key=DEPLOY_MANIFEST,
            partition=partition,
            metadata={"skip_reason": why, "model_version": version},
        )
        return
    md5 = raw_md5s(context.instance, info.partition)
    metrics = {**info.metrics, "canary_candidate_auc": canary["candidate"]["auc"]}
    change = promote(registry, version, reason=config.reason)
    manifest = build_manifest(
        model_name=info.name,
        version=version,
        model_uri=info.source,
        artifact_checksum=info.checksum,
        feature_spec_hash=info.feature_spec_hash or "",
        metrics=metrics,
        training_partition=info.partition,
        raw_md5=md5,
        promotion={
            **change.to_dict(),
            "reason": config.reason,
            "canary": canary["note"],
            "dagster_run_id": context.run.run_id,
            "approval_required": required,
            "approval": approval,
        },
    )
    uri = lake.write_json(lake_path(DEPLOY_MANIFEST), partition, MANIFEST_FILE, manifest)
    registry.set_version_tags(version, {MANIFEST_TAG: uri, "image_tag": settings.image_tag()})
    context.log.info("promoted %s v%s (replaced %s)", info.name, version, change.replaced)
    yield dg.MaterializeResult(
        metadata={
            "model_version": version,
            "approved_by": approval["approved_by"] if approval else "none",
            "replaced_version": change.replaced or "none",
            "aliases_changed": change.changed,
            "artifact_checksum": info.checksum,
            "feature_spec_hash": manifest["model"]["feature_spec_hash"],
            "image_tag": manifest["image_tag"],
            "raw_tables": len(md5),
            "manifest_uri": uri,
            "manifest": manifest,
        }
    )
