"""Backtests: earlier decisions against the outcomes that have since matured.

A PD is a forecast; only the applicant's later outcome says whether it was right. A snapshot's
``application_train`` labels applicants that earlier snapshots delivered unlabelled, and the
decision log holds what the platform decided for them then (batch scores and the API, with the
model version, PD and grade). Joined in DuckDB (``sql/backtest_matured_decisions.sql``), each
deciding model version is scored on its own decisions, with the statistics a validator signs
off on (:mod:`creditrisk_assets.risk.statistics`, the ECB's reporting instructions). Where the
API logs to PostgreSQL (production profile) its decisions are read from there and joined the
same way (``decisions.catalog``: one ``decision_log`` view over both stores):

* discrimination: AUC and Gini with 95% DeLong confidence intervals;
* the ECB current-vs-initial AUC test against the version's development AUC (its registered
  ``test_auc``): a one-sided p-value below ``auc_alpha`` is a *significant AUC drop*;
* calibration in the large: mean PD against the observed default rate (two-sided binomial);
* per grade: observed default rate against mean PD with the one-sided Jeffreys test; a p-value
  below ``grade_alpha`` means the grade's PD is *significantly underestimated*.

A version fails its backtest on either finding. Grades are the ones the decision recorded (the
master scale in force then); a record without a grade, or with one outside the current scale,
is graded from its PD on the current scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from creditrisk_assets.decisions.catalog import create_decision_log_view
from creditrisk_assets.resources.warehouse import Warehouse
from creditrisk_assets.risk import statistics as rs
from creditrisk_assets.risk.master_scale import MasterScale

NO_MATURED_DECISIONS, PASSED, FAILED = "no_matured_decisions", "passed", "failed"


@dataclass(frozen=True)
class BacktestThresholds:
    """Significance levels of the two findings (one-sided tests)."""

    auc_alpha: float = 0.05  # ECB AUC test: current AUC significantly below development
    grade_alpha: float = 0.01  # Jeffreys: a grade's PD significantly underestimated

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not 0.0 < value < 1.0:
                raise ValueError(f"{name} must lie strictly between 0 and 1, got {value}")


def matured_decisions(
    con: duckdb.DuckDBPyConnection,
    lake_root: str,
    train_path: str,
    snapshot: str,
    postgres_log: str | Path | None = None,
) -> pd.DataFrame:
    """Earlier decisions (one per model version and applicant) joined to this snapshot's
    outcomes: model_name, model_version, applicant_id, decision_id, decided_at, channel,
    training_snapshot, pd, grade, target, decisions. ``postgres_log``: the API's decisions
    copied from PostgreSQL when it logs there (Parquet, ``decisions.catalog.postgres_decisions``),
    beside the lake's."""
    create_decision_log_view(con, lake_root, postgres_log)
    con.read_parquet(train_path).select("SK_ID_CURR, TARGET").create_view("outcomes")
    rel = Warehouse.run_sql_file(con, "backtest_matured_decisions", {"snapshot": snapshot})
    assert rel is not None  # the file ends in a SELECT
    return rel.df()


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, so reports serialise as JSON."""
    return value.item() if isinstance(value, np.generic) else value


def _grades(frame: pd.DataFrame, scale: MasterScale) -> np.ndarray:
    logged = frame["grade"].astype(object).to_numpy()
    known = np.isin(logged, np.asarray(scale.all_labels, dtype=object))
    return np.where(known, logged, scale.grade(frame["pd"].to_numpy()))


def version_backtest(
    frame: pd.DataFrame,
    development_auc: float | None,
    scale: MasterScale,
    thresholds: BacktestThresholds,
) -> dict[str, Any]:
    """The backtest of one model version's matured decisions (``frame``: one version's rows)."""
    y = frame["target"].to_numpy(dtype=int)
    p = frame["pd"].to_numpy(dtype=float)
    grades = _grades(frame, scale)
    out: dict[str, Any] = {
        "model_name": str(frame["model_name"].iat[0]),
        "model_version": str(frame["model_version"].iat[0]),
        "training_snapshot": _plain(frame["training_snapshot"].iat[0]),
        "n": len(frame),
        "decisions": int(frame["decisions"].sum()),
        "by_channel": {str(k): int(v) for k, v in frame["channel"].value_counts().items()},
        "defaults": int(y.sum()),
        "development_auc": development_auc,
        "auc": None,
        "gini": None,
        "auc_change": None,
        "calibration_in_the_large": rs.calibration_in_the_large(y, p),
    }
    findings: list[str] = []
    version = f"v{out['model_version']}"
    if 0 < y.sum() < len(y):
        auc = rs.auc_delong(y, p)
        out["auc"], out["gini"] = auc.to_dict(), rs.gini(auc).to_dict()
        if development_auc is not None and auc.se > 0:
            change = rs.auc_change_test(development_auc, auc)
            out["auc_change"] = asdict(change)
            if change.p_value < thresholds.auc_alpha:
                findings.append(
                    f"{version}: AUC {auc.value:.3f} significantly below its development AUC "
                    f"{development_auc:.3f} (ECB test p={change.p_value:.2g} < "
                    f"{thresholds.auc_alpha})"
                )
    table = rs.calibration_by_grade(grades, p, y, scale.all_labels)
    rows = [{k: _plain(v) for k, v in r.items()} for r in table.to_dict(orient="records")]
    for row in rows:
        row["underestimated"] = bool(row["jeffreys_p"] < thresholds.grade_alpha)
        if row["underestimated"]:
            findings.append(
                f"{version}: grade {row['grade']} PD underestimated: observed DR "
                f"{row['observed_dr']:.3f} vs mean PD {row['mean_pd']:.3f} over {row['n']} "
                f"(Jeffreys p={row['jeffreys_p']:.2g} < {thresholds.grade_alpha})"
            )
    out["calibration_by_grade"] = rows
    out["findings"] = findings
    out["failed"] = bool(findings)
    return out


def backtest_report(
    snapshot: str,
    matched: pd.DataFrame,
    development_aucs: Mapping[str, float | None],
    scale: MasterScale,
    thresholds: BacktestThresholds,
) -> dict[str, Any]:
    """The snapshot's backtest over every deciding version (``development_aucs``: version ->
    registered development AUC, None when unknown). Versions come newest first; the headline
    (``primary``) is the version with the most matured decisions."""
    base = {"snapshot": snapshot, "thresholds": asdict(thresholds), "scale_version": scale.version}
    if matched.empty:
        return {
            **base,
            "status": NO_MATURED_DECISIONS,
            "reason": "no earlier decision has a matured outcome in this snapshot",
            "n": 0,
            "versions": [],
            "failed_versions": [],
            "findings": [],
            "primary": None,
        }
    groups = matched.groupby(["model_name", "model_version"], sort=False)
    versions = [
        version_backtest(rows, development_aucs.get(str(version)), scale, thresholds)
        for (_, version), rows in groups
    ]
    versions.sort(key=lambda v: (v["model_name"], _as_int(v["model_version"])), reverse=True)
    failed = [v["model_version"] for v in versions if v["failed"]]
    primary = max(versions, key=lambda v: (v["n"], _as_int(v["model_version"])))
    return {
        **base,
        "status": FAILED if failed else PASSED,
        "n": len(matched),
        "versions": versions,
        "failed_versions": failed,
        "findings": [f for v in versions for f in v["findings"]],
        "primary": primary["model_version"],
    }


def _as_int(version: str) -> int:
    return int(version) if version.isdigit() else -1
