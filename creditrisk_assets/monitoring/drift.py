"""Drift measures: PSI of every feature in SQL over the full data, and the thresholds policy.

PSI is computed by DuckDB (``sql/drift_psi.sql``) over every row of the reference and current
Parquet files, so the headline numbers never depend on a sample; only the Evidently report
(``evidently_report``) works on a bounded sample, because it is a per-row pandas tool.
A NumPy reference implementation (``psi_numpy``) exists so the SQL can be tested against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from creditrisk_assets.resources.warehouse import Warehouse

#: Reference deciles as bin edges: the usual PSI binning (10 bins, + 1 for missing values).
DEFAULT_QUANTILES: tuple[float, ...] = tuple(round(q / 10, 1) for q in range(1, 10))
#: Floor of a bin's share: an empty bin gives a large, finite PSI rather than infinity.
DEFAULT_EPSILON = 1e-4


class MissingFeatures(ValueError):
    """Features asked for that are absent from the reference or current data."""


def psi_sql(
    con: duckdb.DuckDBPyConnection,
    reference: str | Path,
    current: str | Path,
    features: Sequence[str],
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    epsilon: float = DEFAULT_EPSILON,
) -> pd.DataFrame:
    """PSI per feature of ``current`` against ``reference`` (Parquet paths), via DuckDB.

    Returns one row per feature (``feature, psi, bins, ref_rows, cur_rows, ref_null_share,
    cur_null_share``), most drifted first. Raises ``MissingFeatures`` if a named feature is
    absent from either file, rather than silently measuring fewer columns.
    """
    if not features:
        raise ValueError("no features to measure drift on")
    if not all(0.0 < q < 1.0 for q in quantiles):
        raise ValueError(f"quantiles must lie strictly between 0 and 1, got {list(quantiles)}")
    for name, path in (("reference", reference), ("current", current)):
        columns = set(con.read_parquet(str(path)).columns)
        missing = sorted(set(features) - columns)
        if missing:
            raise MissingFeatures(f"{name} data {path} lacks features {missing[:10]}")
    Warehouse.register_parquet(con, {"reference": reference, "current": current})
    rel = Warehouse.run_sql_file(
        con,
        "drift_psi",
        {"features": list(features), "quantiles": list(quantiles), "epsilon": float(epsilon)},
    )
    assert rel is not None  # the file ends in a SELECT
    return rel.df()


def psi_numpy(
    reference: np.ndarray,
    current: np.ndarray,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    epsilon: float = DEFAULT_EPSILON,
) -> float:
    """PSI of one feature with the same bins as the SQL (the test oracle for it)."""
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    ref_ok = ref[~np.isnan(ref)]
    edges = np.unique(np.quantile(ref_ok, quantiles)) if ref_ok.size else np.array([])

    def shares(x: np.ndarray) -> dict[int, float]:
        bins = np.where(np.isnan(x), -1, np.searchsorted(edges, x, side="right"))
        keys, counts = np.unique(bins, return_counts=True)
        return {int(k): c / x.size for k, c in zip(keys, counts, strict=True)}

    r, c = shares(ref), shares(cur)
    total = 0.0
    for b in set(r) | set(c):
        p, q = max(r.get(b, 0.0), epsilon), max(c.get(b, 0.0), epsilon)
        total += (q - p) * np.log(q / p)
    return float(total)


@dataclass(frozen=True)
class DriftThresholds:
    """When a snapshot counts as drifted (and the drift sensor asks for a retrain)."""

    feature_psi: float = 0.2  # a feature with PSI above this is "drifted" (industry rule of thumb)
    drift_share: float = 0.3  # drifted if more than this share of features drifted ...
    max_psi: float = 1.0  # ... or if any single feature's PSI exceeds this


@dataclass(frozen=True)
class DriftSummary:
    n_features: int
    n_drifted: int
    drift_share: float
    max_psi: float
    max_psi_feature: str
    top_features: list[dict[str, float | str]]
    drift_detected: bool
    reasons: list[str]


def summarize_psi(psi: pd.DataFrame, thresholds: DriftThresholds, top_n: int = 10) -> DriftSummary:
    """Turn the per-feature PSI table into the headline numbers and the drift decision."""
    if psi.empty:
        raise ValueError("empty PSI table: no features were measured")
    ranked = psi.sort_values(["psi", "feature"], ascending=[False, True])
    drifted = ranked["psi"] > thresholds.feature_psi
    share = float(drifted.mean())
    max_psi = float(ranked["psi"].iloc[0])
    reasons = []
    if share > thresholds.drift_share:
        reasons.append(f"drift share {share:.3f} > {thresholds.drift_share}")
    if max_psi > thresholds.max_psi:
        reasons.append(
            f"max PSI {max_psi:.3f} ({ranked['feature'].iloc[0]}) > {thresholds.max_psi}"
        )
    top = [
        {"feature": str(f), "psi": round(float(p), 6)}
        for f, p in zip(ranked["feature"].head(top_n), ranked["psi"].head(top_n), strict=True)
    ]
    return DriftSummary(
        n_features=len(ranked),
        n_drifted=int(drifted.sum()),
        drift_share=share,
        max_psi=max_psi,
        max_psi_feature=str(ranked["feature"].iloc[0]),
        top_features=top,
        drift_detected=bool(reasons),
        reasons=reasons,
    )
