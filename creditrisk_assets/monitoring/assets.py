"""``monitoring/drift_report``: a snapshot's features against the champion's training reference.

Reference = ``features/train`` of the snapshot the champion was trained on (its registry
version's ``partition`` tag). Current = the snapshot's whole ``features/feature_store`` (the
labelled and the unlabelled population alike: drift is about who is being scored).

With no champion the report says ``no_reference`` and measures nothing. Comparing a snapshot
with its own train split would always read "no drift" - a reassuring number that means nothing -
and with no champion there is no model whose inputs could have drifted; the first model comes
from the whole-graph run anyway.
"""

from dataclasses import asdict
from typing import Any

import dagster as dg
from pydantic import Field

from creditrisk_assets import settings
from creditrisk_assets.catalog_metadata import (
    DRIFT_KINDS,
    report_link,
)
from creditrisk_assets.conditions import ON_NEW_DATA
from creditrisk_assets.keys import DRIFT_REPORT, FEATURE_STORE, FEATURES_TRAIN, lake_path
from creditrisk_assets.modeling.registry import CHAMPION, ModelRegistry
from creditrisk_assets.monitoring.drift import (
    DEFAULT_QUANTILES,
    DriftThresholds,
    psi_sql,
    summarize_psi,
)
from creditrisk_assets.monitoring.evidently_report import evidently_drift, sample_parquet
from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.snapshot_asset import report_check, snapshot_asset

REPORT_FILE = "drift_report.json"


class DriftConfig(dg.Config):
    """Thresholds and sampling of the drift report (the drift sensor follows its verdict)."""

    feature_psi: float = Field(
        default=0.2, description="A feature whose PSI exceeds this counts as drifted."
    )
    drift_share: float = Field(
        default=0.3, description="Drift is detected when more than this share of features drift."
    )
    max_psi: float = Field(
        default=0.25,
        description="Drift is also detected when any single feature's PSI exceeds this "
        "(0.25 is the usual 'significant shift' line: one key feature moving that much, such "
        "as an external score, warrants a retrain even if most features are stable).",
    )
    sample_rows: int = Field(
        default=5000, description="Rows per side sampled for the Evidently report (bounded cost)."
    )
    evidently_features: int = Field(
        default=20, description="The champion's top features by gain shown in the Evidently report."
    )
    seed: int = Field(default=0, description="Seed of the deterministic id-hash sample.")

    def thresholds(self) -> DriftThresholds:
        return DriftThresholds(self.feature_psi, self.drift_share, self.max_psi)


def _top_by_gain(model: Any, n: int) -> list[str]:
    """The model's ``n`` most important features by total gain (spec order breaks ties)."""
    gain = model.booster.get_score(importance_type="total_gain")
    names = model.spec.names
    ranked = sorted(names, key=lambda f: (-gain.get(f, 0.0), names.index(f)))
    return ranked[:n]


@snapshot_asset(
    DRIFT_REPORT,
    kinds=DRIFT_KINDS,
    deps=[FEATURE_STORE],
    # Issue 16: every checked feature-store partition is measured; retrain_sensor reads it.
    automation_condition=ON_NEW_DATA,
    description="PSI of every feature (full data, DuckDB) + Evidently report vs the champion.",
)
def drift_report(
    context: dg.AssetExecutionContext,
    config: DriftConfig,
    lake: Lake,
    warehouse: Warehouse,
    registry: ModelRegistry,
) -> dg.MaterializeResult:
    partition = context.partition_key
    thresholds = config.thresholds()
    champion_version = registry.get_alias_version(CHAMPION)
    base: dict[str, Any] = {"thresholds": asdict(thresholds), "snapshot": partition}
    if champion_version is None:
        report = {
            **base,
            "status": "no_reference",
            "drift_detected": False,
            "reason": "no champion registered yet: there is no training reference",
        }
        uri = lake.write_json(lake_path(DRIFT_REPORT), partition, REPORT_FILE, report)
        context.log.info("drift_report[%s]: no champion, no reference", partition)
        return dg.MaterializeResult(
            metadata={
                "status": "no_reference",
                "drift_detected": False,
                "reason": report["reason"],
                "report_uri": uri,
            }
        )

    champion = registry.load(champion_version)
    info = registry.version_info(champion_version)
    ref_partition = info.partition
    if ref_partition is None:
        raise ValueError(f"champion v{champion_version} has no 'partition' tag: no reference")
    features = list(champion.spec.names)
    ref_path = lake.local_path(lake_path(FEATURES_TRAIN), ref_partition)
    cur_path = lake.local_path(lake_path(FEATURE_STORE), partition)
    with warehouse.session() as con:
        psi = psi_sql(con, ref_path, cur_path, features, DEFAULT_QUANTILES)
    summary = summarize_psi(psi, thresholds)

    top = _top_by_gain(champion, config.evidently_features)
    out_dir = settings.reports_dir() / "drift" / partition
    with warehouse.session() as con:
        ref_sample = sample_parquet(con, ref_path, top, config.sample_rows, config.seed)
        cur_sample = sample_parquet(con, cur_path, top, config.sample_rows, config.seed)
    evidently = evidently_drift(ref_sample, cur_sample, top, out_dir)

    report = {
        **base,
        "status": "drift" if summary.drift_detected else "no_drift",
        "champion_version": champion_version,
        "reference_partition": ref_partition,
        **asdict(summary),
        "psi": psi.to_dict(orient="records"),
        "evidently": {
            "drift_share": evidently.drift_share,
            "columns": evidently.columns,
            "html": str(evidently.html_path),
            "json": str(evidently.json_path),
        },
    }
    uri = lake.write_json(lake_path(DRIFT_REPORT), partition, REPORT_FILE, report)
    context.log.info(
        "drift_report[%s] vs champion v%s (%s): share %.3f, max PSI %.3f -> %s",
        partition,
        champion_version,
        ref_partition,
        summary.drift_share,
        summary.max_psi,
        report["status"],
    )
    return dg.MaterializeResult(
        metadata={
            "status": report["status"],
            "drift_detected": summary.drift_detected,
            "reasons": "; ".join(summary.reasons) or "within thresholds",
            "drift_share": summary.drift_share,
            "max_psi": summary.max_psi,
            "max_psi_feature": summary.max_psi_feature,
            "n_features": summary.n_features,
            "n_drifted": summary.n_drifted,
            "most_drifted": summary.top_features,
            "champion_version": champion_version,
            "reference_partition": ref_partition,
            "evidently_drift_share": evidently.drift_share,
            "evidently_html": report_link(evidently.html_path),  # clickable in the UI
            "evidently_json": dg.MetadataValue.path(str(evidently.json_path)),
            "report_uri": uri,
        }
    )


@report_check(
    DRIFT_REPORT,
    REPORT_FILE,
    "Drift within the configured thresholds (WARN: drift triggers a retrain, it does not "
    "block anything downstream).",
    "the applicants of this snapshot no longer look like those the champion learned from, "
    "so its PDs and approval rate may be off; a retrain is queued and the risk team should "
    "review the drifted features before trusting this snapshot's decisions.",
)
def drift_within_thresholds(report: dict[str, Any]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=not report["drift_detected"],
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "status": report["status"],
            "drift_share": report.get("drift_share", 0.0),
            "max_psi": report.get("max_psi", 0.0),
        },
    )
