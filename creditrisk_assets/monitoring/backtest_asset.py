"""``monitoring/backtest``: each snapshot's matured outcomes against the decisions made earlier.

Per snapshot, every earlier decision in the log (batch scores and the API: the lake's Parquet
log, and the API's PostgreSQL table when ``CREDITRISK_API_DECISION_LOG_SINK=postgres``) whose
applicant now has an outcome in the snapshot's ``raw/application_train`` is scored, per
deciding model version (:mod:`.backtest`). The report is JSON beside the partition; the
headline version's numbers are metadata (so they chart over snapshots in the UI) and
``failed_versions`` names the versions that failed, which ``retrain_sensor`` reads: a failed
backtest of the champion is a retrain rule.

It depends on the raw table only, not on the features: the outcomes are all it needs from the
snapshot, so it runs as soon as the raw tables pass their checks. With no matured decision (a
first snapshot, or outcomes not yet mature) it materializes with ``no_matured_decisions``.
"""

# No `from __future__ import annotations`: Dagster reads the context and resource annotations.
import tempfile
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from creditrisk_assets import settings
from creditrisk_assets.catalog_metadata import TABLE_KINDS
from creditrisk_assets.decisions.catalog import copy_api_decisions
from creditrisk_assets.keys import BACKTEST, DECISION_LOG, lake_path, raw_key, raw_path
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.monitoring.backtest import (
    FAILED,
    BacktestThresholds,
    backtest_report,
    matured_decisions,
)
from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.risk.master_scale import load_scale
from creditrisk_assets.snapshot_asset import report_check, snapshot_asset

REPORT_FILE = "backtest.json"
OUTCOMES = "application_train"
#: The development AUC a version is tested against: its test split's AUC, copied onto the
#: registered version as a ``metric.test_auc`` tag by ``model/test_metrics``.
DEVELOPMENT_METRIC = "test_auc"


class BacktestConfig(dg.Config):
    """Significance levels of the backtest's findings (both one-sided)."""

    auc_alpha: float = Field(
        default=0.05,
        gt=0.0,
        lt=1.0,
        description="ECB current-vs-initial AUC test: a p-value below this is a significant "
        "AUC drop against the version's development AUC.",
    )
    grade_alpha: float = Field(
        default=0.01,
        gt=0.0,
        lt=1.0,
        description="Jeffreys test per grade: a p-value below this means the grade's PD is "
        "significantly underestimated (0.01 rather than 0.05: ten grades are tested at once).",
    )


def development_auc(registry: ModelRegistry, model_name: str, version: str) -> float | None:
    """The version's registered development AUC; None for another model or an unknown one."""
    from mlflow.exceptions import MlflowException

    if model_name != registry.model_name:
        return None
    try:
        return registry.version_info(version).metrics.get(DEVELOPMENT_METRIC)
    except MlflowException:
        return None


def _headline(report: dict[str, Any]) -> dict[str, Any]:
    """Metadata of the headline version (most matured decisions), as plain floats."""
    top = next(v for v in report["versions"] if v["model_version"] == report["primary"])
    cil = top["calibration_in_the_large"]
    meta: dict[str, Any] = {
        "model_version": top["model_version"],
        "matured_decisions": top["n"],
        "defaults": top["defaults"],
        "mean_pd": float(cil["mean_pd"]),
        "observed_dr": float(cil["observed_dr"]),
        "calibration_in_the_large_p": float(cil["p_value"]),
        "calibration_by_grade": dg.MetadataValue.json(top["calibration_by_grade"]),
    }
    if top["auc"] is not None:
        meta |= {
            "auc": float(top["auc"]["value"]),
            "auc_ci_low": float(top["auc"]["ci_low"]),
            "auc_ci_high": float(top["auc"]["ci_high"]),
            "gini": float(top["gini"]["value"]),
            "gini_ci_low": float(top["gini"]["ci_low"]),
            "gini_ci_high": float(top["gini"]["ci_high"]),
        }
    if top["auc_change"] is not None:
        meta |= {
            "development_auc": float(top["auc_change"]["auc_initial"]),
            "auc_change_p": float(top["auc_change"]["p_value"]),
        }
    return meta


@snapshot_asset(
    BACKTEST,
    kinds=TABLE_KINDS,
    deps=[raw_key(OUTCOMES), DECISION_LOG],
    # Follows the checked raw outcomes; the log is read, not waited for (it is always there).
    ordering_only=[DECISION_LOG],
    description="Earlier decisions (batch and API) vs the outcomes matured in this snapshot: "
    "AUC/Gini with DeLong CIs, ECB AUC test, calibration in the large, Jeffreys per grade.",
)
def backtest(
    context: dg.AssetExecutionContext,
    config: BacktestConfig,
    lake: Lake,
    warehouse: Warehouse,
    registry: ModelRegistry,
) -> dg.MaterializeResult:
    partition = context.partition_key
    thresholds = BacktestThresholds(config.auc_alpha, config.grade_alpha)
    train_path = lake.local_path(raw_path(OUTCOMES), partition)
    log_root = lake.local_root(lake_path(DECISION_LOG))
    with tempfile.TemporaryDirectory(dir=settings.scratch_dir()) as tmp:
        # the API's PostgreSQL log, when it writes there, copied into this run's scratch folder
        api = copy_api_decisions(settings.api_decision_log_dsn(), Path(tmp), partition)
        with warehouse.session() as con:
            matched = matured_decisions(con, log_root, train_path, partition, api)
    pairs = matched[["model_name", "model_version"]].drop_duplicates().itertuples(index=False)
    dev = {str(v): development_auc(registry, str(n), str(v)) for n, v in pairs}
    report = backtest_report(partition, matched, dev, load_scale(), thresholds)
    uri = lake.write_json(lake_path(BACKTEST), partition, REPORT_FILE, report)
    findings = "; ".join(report["findings"]) or "none"
    context.log.info(
        "backtest[%s]: %s over %d matured decisions; findings: %s",
        partition,
        report["status"],
        report["n"],
        findings,
    )
    metadata: dict[str, Any] = {
        "status": report["status"],
        "n": report["n"],
        "versions": ",".join(v["model_version"] for v in report["versions"]),
        "failed_versions": ",".join(report["failed_versions"]),
        "findings": findings,
        "report_uri": uri,
    }
    if report["primary"] is not None:
        metadata |= _headline(report)
    else:
        metadata["reason"] = report["reason"]
    return dg.MaterializeResult(metadata=metadata)


@report_check(
    BACKTEST,
    REPORT_FILE,
    "No version's AUC dropped significantly and no grade's PD is significantly "
    "underestimated on the outcomes matured in this snapshot (WARN; blocks nothing).",
    "the PDs that decided real applicants were wrong in rank or in level; the retrain "
    "policy trains a challenger and the risk team reviews the affected grades' limits.",
)
def backtest_within_tolerance(report: dict[str, Any]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=report["status"] != FAILED,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(report["findings"]) or report["status"],
        metadata={
            "status": report["status"],
            "failed_versions": ",".join(report["failed_versions"]) or "none",
            "n": report["n"],
        },
    )
