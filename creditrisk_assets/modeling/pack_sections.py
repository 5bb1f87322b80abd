"""The figures of the validation pack's sections, computed from what the assets stored.

Why a module of its own: ``risk.validation_pack`` renders a plain dict and knows nothing of the
lake, the registry or the Dagster instance; ``modeling.pack_asset`` reads those. What sits in
between - which population stability is measured on, how a fairness row is formed, how a check
evaluation reads in a pack, which limitations follow from the figures - is decided here, as
functions a test can call on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

import dagster as dg
import duckdb
import numpy as np
import pandas as pd

from creditrisk_assets import settings
from creditrisk_assets.check_records import check_label, run_check_evaluations
from creditrisk_assets.modeling.metrics import adverse_impact_ratio
from creditrisk_assets.monitoring.drift import psi_numpy, psi_sql

#: Top features (by total gain) whose PSI the pack reports.
TOP_FEATURES = 10
PACKAGE = "creditrisk_assets"


def code_version() -> str:
    """The package version, with the source commit when it is known (``settings.git_sha``)."""
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = "unknown"
    sha = settings.git_sha()
    return f"{version} (git {sha[:12]})" if sha else version


def top_features(booster: Any, names: Sequence[str], n: int = TOP_FEATURES) -> list[str]:
    """The model's ``n`` most important features by total gain (model order breaks ties)."""
    gain = booster.get_score(importance_type="total_gain")
    order = {f: i for i, f in enumerate(names)}
    return sorted(names, key=lambda f: (-gain.get(f, 0.0), order[f]))[:n]


def stability(
    reference_pd: np.ndarray,
    current_pd: np.ndarray,
    reference_path: str,
    current_path: str,
    features: Sequence[str],
    current_label: str,
) -> dict[str, Any]:
    """Score PSI (the PDs, reference deciles as bins) and the PSI of ``features`` in the
    drift report's own ``psi_sql`` (DuckDB, every row of both Parquet files)."""
    with duckdb.connect() as con:
        table = psi_sql(con, reference_path, current_path, list(features))
    return {
        "reference": "features/train (the version's training rows)",
        "current": current_label,
        "score_psi": psi_numpy(reference_pd, current_pd),
        "feature_psi": {
            str(f): float(p) for f, p in zip(table["feature"], table["psi"], strict=True)
        },
    }


def challenger(figures: Mapping[str, Any]) -> dict[str, Any]:
    """The scorecard challenger's lines of the discrimination section: what it is, its test
    Gini, and the Gini the candidate gains over it on the same rows."""
    return {
        "model": "WOE-binned logistic scorecard (optimal monotone binning), same train split",
        "scaling": figures["scaling"],
        "characteristics": figures["characteristics"],
        "scorecard AUC": figures["scorecard_auc"],
        "scorecard Gini": figures["scorecard_gini"],
        "candidate Gini": figures["candidate_gini"],
        "Gini gap (candidate - scorecard)": figures["gini_gap"],
        "protected-attribute policy": figures["protected_policy"],
    }


def fairness_rows(
    approved: np.ndarray, groups: Mapping[str, np.ndarray], min_group_size: int
) -> list[dict[str, Any]]:
    """One row per attribute and group: N, approval rate, and the adverse impact ratio (its
    approval rate over the best-treated group's), None for groups too small to compare."""
    rows = []
    for attribute, values in groups.items():
        _, rates = adverse_impact_ratio(approved, values, min_group_size)
        best = max(rates.values(), default=0.0)
        labels, counts = np.unique(values.astype(str), return_counts=True)
        for group, n in zip(labels, counts, strict=True):
            rate = float(approved[values.astype(str) == group].mean())
            compared = group in rates and len(rates) >= 2
            rows.append(
                {
                    "attribute": attribute,
                    "group": str(group),
                    "n": int(n),
                    "approval_rate": rate,
                    "air": (rate / best if best > 0 else 0.0) if compared else None,
                }
            )
    return rows


def check_rows(instance: dg.DagsterInstance, run_id: str) -> list[dict[str, Any]]:
    """Every asset check evaluated in the run that trained the version, in the order run."""
    return [
        {
            "name": check_label(ev),
            "passed": bool(ev.passed),
            "severity": ev.severity.value,
            "detail": ev.description or "",
        }
        for ev in run_check_evaluations(instance, run_id)
    ]


def limitations(
    calibration: Sequence[Mapping[str, Any]],
    checks: Sequence[Mapping[str, Any]],
    min_grade_obs: int,
    has_champion: bool,
    fairness_available: bool,
) -> list[str]:
    """What the figures cannot show, in words a validator signs next to."""
    out = [
        "Figures come from the development snapshot's held-out test split: out-of-time "
        "performance and through-the-cycle calibration are not observed yet.",
        "The Jeffreys and binomial tests treat defaults as independent; with default "
        "correlation they understate the uncertainty of a grade's default rate.",
    ]
    thin = [str(r["grade"]) for r in calibration if 0 < int(r["n"]) < min_grade_obs]
    if thin:
        out.append(
            f"Grades {', '.join(thin)} hold fewer than {min_grade_obs} test rows: their default "
            "rates are too noisy to confirm the PD band."
        )
    failed = [str(c["name"]) for c in checks if not c["passed"]]
    if failed:
        out.append(f"Checks not passed at training time: {', '.join(failed)}.")
    if not checks:
        out.append("No asset check evaluation was found for the training run.")
    if not has_champion:
        out.append("No champion existed: the version is not compared with a model in use.")
    if not fairness_available:
        out.append("Fairness was not measured: raw/application_train is not in the lake.")
    return out


def data_summary(
    train: pd.DataFrame, test: pd.DataFrame, target: str, spec_excluded: Sequence[str]
) -> dict[str, Any]:
    """Rows and default rates of both splits, and the protected columns kept out of the model."""
    return {
        "train rows": len(train),
        "train default rate": float(train[target].mean()),
        "test rows": len(test),
        "test defaults": int(test[target].sum()),
        "test default rate": float(test[target].mean()),
        "excluded (protected) features": ", ".join(spec_excluded) or "none",
    }
