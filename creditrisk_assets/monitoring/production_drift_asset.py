"""``monitoring/production_drift``: the population the champion scored vs its training reference.

Per snapshot, after its batch scores: see :mod:`.production_drift` for what is measured. The
report is JSON beside the partition; the score's PSI, its band and the feature counts per band
are metadata, and the check reads the band: *stable* passes, *watch* fails with WARN, *act*
fails with ERROR (not blocking: nothing downstream depends on it; it asks a person to act).

With no champion there is nothing deployed to watch (``no_champion``); with no decision of the
champion on this snapshot's applicants yet, there is no population (``no_population``).
"""

# No `from __future__ import annotations`: Dagster reads the context and resource annotations.
import tempfile
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
from pydantic import Field

from creditrisk_assets import settings
from creditrisk_assets.catalog_metadata import TABLE_KINDS
from creditrisk_assets.decisions.catalog import copy_api_decisions
from creditrisk_assets.keys import (
    BATCH_SCORES,
    DECISION_LOG,
    FEATURE_STORE,
    FEATURES_TRAIN,
    PRODUCTION_DRIFT,
    lake_path,
)
from creditrisk_assets.modeling.registry import CHAMPION, ModelRegistry
from creditrisk_assets.monitoring.drift import DEFAULT_QUANTILES, psi_sql
from creditrisk_assets.monitoring.production_drift import (
    ACT,
    GRADE,
    SCORE,
    STABLE,
    WATCH,
    PsiBands,
    grade_distribution,
    migration_matrix,
    migration_rows,
    write_log_scores,
    write_population,
)
from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.risk.master_scale import load_scale
from creditrisk_assets.snapshot_asset import report_check, snapshot_asset

REPORT_FILE = "production_drift.json"


class ProductionDriftConfig(dg.Config):
    """PSI bands of production drift (the usual reading of a population stability index)."""

    watch_psi: float = Field(default=0.10, gt=0.0, description="PSI from which to watch (WARN).")
    act_psi: float = Field(default=0.25, gt=0.0, description="PSI above which to act (ERROR).")


def _psi_report(psi: pd.DataFrame, bands: PsiBands) -> dict[str, Any]:
    features = psi[psi["feature"] != SCORE].sort_values(["psi", "feature"], ascending=[False, True])
    per_band = features["psi"].map(bands.band).value_counts()
    return {
        "score_psi": float(psi.loc[psi["feature"] == SCORE, "psi"].iat[0]),
        "features_by_band": {b: int(per_band.get(b, 0)) for b in (STABLE, WATCH, ACT)},
        "max_feature_psi": float(features["psi"].iat[0]),
        "max_feature": str(features["feature"].iat[0]),
        "psi": features.to_dict(orient="records"),
    }


def _measure(
    lake: Lake, warehouse: Warehouse, registry: ModelRegistry, partition: str, bands: PsiBands
) -> dict[str, Any]:
    version = registry.get_alias_version(CHAMPION)
    if version is None:
        return {"status": "no_champion", "reason": "no champion: nothing deployed to watch"}
    info, model, scale = registry.version_info(version), registry.load(version), load_scale()
    if info.partition is None:
        raise ValueError(f"champion v{version} has no 'partition' tag: no training reference")
    features = list(model.spec.names)
    base = {"champion_version": version, "reference_partition": info.partition}
    store = lake.local_path(lake_path(FEATURE_STORE), partition)
    log_root = lake.local_root(lake_path(DECISION_LOG))
    with tempfile.TemporaryDirectory(dir=settings.scratch_dir()) as tmp:
        ref_path, cur_path, log_path = (Path(tmp) / f"{n}.parquet" for n in ("ref", "cur", "log"))
        # the API's PostgreSQL log, when it writes there, copied into this run's scratch folder
        api = copy_api_decisions(settings.api_decision_log_dsn(), Path(tmp))
        with warehouse.session() as con:
            rows = write_population(con, log_root, store, info.name, version, cur_path, api)
            logged = write_log_scores(con, log_root, info.name, version, log_path, api)
            moves = migration_rows(con, log_root, store, info.name, version, api)
        if rows == 0:
            return {
                **base,
                "status": "no_population",
                "reason": f"champion v{version} decided no applicant of {partition} yet",
            }
        reference = pd.read_parquet(
            lake.local_path(lake_path(FEATURES_TRAIN), info.partition), columns=features
        )
        reference[SCORE] = scale.floor_pd(model.predict_pd(reference))  # as decisions are
        reference.to_parquet(ref_path, index=False)
        with warehouse.session() as con:
            psi = psi_sql(con, ref_path, cur_path, [*features, SCORE], DEFAULT_QUANTILES)
            log_psi = psi_sql(con, ref_path, log_path, [SCORE], DEFAULT_QUANTILES)
        current_grades = pd.read_parquet(cur_path, columns=[GRADE])[GRADE].dropna()
    report = {**base, "population_rows": rows, "reference_rows": len(reference)}
    report |= _psi_report(psi, bands)
    report["status"] = bands.band(report["score_psi"])
    report["log_decisions"] = logged
    report["log_score_psi"] = float(log_psi["psi"].iat[0])
    report["grade_distribution"] = grade_distribution(
        scale.grade(reference[SCORE].to_numpy()), current_grades.to_numpy(), scale
    )
    report["grade_migration"] = migration_matrix(moves, scale)
    return report


@snapshot_asset(
    PRODUCTION_DRIFT,
    kinds=TABLE_KINDS,
    deps=[FEATURE_STORE, BATCH_SCORES, DECISION_LOG],
    # After each batch score; the log is read, not waited for. Gated by what batch_scores is
    # gated by (the feature store and raw tables), not by the model chain behind batch_scores'
    # ordering-only manifest dep (gates.upstream_check_scope).
    ordering_only=[DECISION_LOG],
    description="PSI of the score and every feature (SQL), grade distribution and migration of "
    "the population the champion decided, vs its training reference; bands 0.10 / 0.25.",
)
def production_drift(
    context: dg.AssetExecutionContext,
    config: ProductionDriftConfig,
    lake: Lake,
    warehouse: Warehouse,
    registry: ModelRegistry,
) -> dg.MaterializeResult:
    partition = context.partition_key
    bands = PsiBands(config.watch_psi, config.act_psi)
    report = {
        "snapshot": partition,
        "bands": {"watch": bands.watch, "act": bands.act},
        **_measure(lake, warehouse, registry, partition, bands),
    }
    uri = lake.write_json(lake_path(PRODUCTION_DRIFT), partition, REPORT_FILE, report)
    context.log.info("production_drift[%s]: %s", partition, report["status"])
    metadata: dict[str, Any] = {"status": report["status"], "report_uri": uri}
    if "score_psi" not in report:
        return dg.MaterializeResult(metadata={**metadata, "reason": report["reason"]})
    migration = report["grade_migration"]
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "champion_version": report["champion_version"],
            "reference_partition": report["reference_partition"],
            "population_rows": report["population_rows"],
            "score_psi": report["score_psi"],
            "log_score_psi": report["log_score_psi"],
            "log_decisions": report["log_decisions"],
            "max_feature_psi": report["max_feature_psi"],
            "max_feature": report["max_feature"],
            "features_by_band": dg.MetadataValue.json(report["features_by_band"]),
            "grade_distribution": dg.MetadataValue.json(report["grade_distribution"]),
            "grade_migration": dg.MetadataValue.json(migration),
            "migrated_applicants": migration["n"],
        }
    )


@report_check(
    PRODUCTION_DRIFT,
    REPORT_FILE,
    "Score PSI of the scored population: < 0.10 stable (passes), 0.10-0.25 watch (WARN), "
    "> 0.25 act (ERROR, not blocking).",
    "the applicants being decided no longer look like those the champion learned from, so "
    "its PDs and grades may be off; the risk team reviews, and a retrain is due.",
)
def production_drift_band(report: dict[str, Any]) -> dg.AssetCheckResult:
    status = report["status"]
    return dg.AssetCheckResult(
        passed=status not in (WATCH, ACT),
        severity=dg.AssetCheckSeverity.ERROR if status == ACT else dg.AssetCheckSeverity.WARN,
        description=f"score PSI {report['score_psi']:.3f}: {status}"
        if "score_psi" in report
        else report["reason"],
        metadata={"status": status, "score_psi": float(report.get("score_psi", 0.0))},
    )
