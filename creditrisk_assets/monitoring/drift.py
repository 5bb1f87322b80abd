"""Drift measures: PSI of every feature in SQL over the full data, and the thresholds policy.

PSI is computed by DuckDB over every row of the reference and current Parquet files, so the
headline numbers never depend on a sample; only the Evidently report (``evidently_report``)
works on a bounded sample, because it is a per-row pandas tool. A NumPy reference
implementation (``psi_numpy``) exists so the SQL can be tested against it.

Why it is shaped like this (issue 20): the first version unpivoted both files into one
(feature, value) row per cell and joined every cell to its feature's edges. At full scale that
is ~83 M rows per file, each carrying the feature's name; DuckDB materialised them, spilled
8 GB for one feature store against itself (53 s), and in ``production_drift`` filled the disk
(70 GB). Now each file is scanned column-wise, a batch of features per query, with aggregates
whose state is small: ``quantile_cont`` per reference column for the edges, then per file
integer counts from which each bin's rows follow (``bin_counts``). The bin of a value is the
number of edges at or below it; each feature's comparisons are written from its own edges
with DuckDB's expression API (constants bound, no identifier formatted into SQL text). The
per-bin shares and the PSI sum are a few thousand numbers, added up in Python.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from duckdb import ColumnExpression as Col
from duckdb import ConstantExpression as Const
from duckdb import Expression
from duckdb import FunctionExpression as Fn

#: Reference deciles as bin edges: the usual PSI binning (10 bins, + 1 for missing values).
DEFAULT_QUANTILES: tuple[float, ...] = tuple(round(q / 10, 1) for q in range(1, 10))
#: Floor of a bin's share: an empty bin gives a large, finite PSI rather than infinity.
DEFAULT_EPSILON = 1e-4
#: Features per query: bounds the quantile state (all non-null reference values of the batch).
BATCH = 48
#: The bin of a missing (NULL or NaN) value, so a rise in missing values counts as drift too.
MISSING_BIN = -1
PSI_COLUMNS = ["feature", "psi", "bins", "ref_rows", "cur_rows", "ref_null_share", "cur_null_share"]
_DOUBLE = duckdb.sqltype("DOUBLE")


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

    Bins: (-inf, e1), [e1, e2), ..., [ek, +inf) over the distinct reference quantiles
    e1 < .. < ek, plus bin -1 for NULL/NaN. Returns one row per feature (``feature, psi, bins,
    ref_rows, cur_rows, ref_null_share, cur_null_share``), most drifted first. Raises
    ``MissingFeatures`` if a named feature is absent from either file, rather than silently
    measuring fewer columns.
    """
    if not features:
        raise ValueError("no features to measure drift on")
    if not all(0.0 < q < 1.0 for q in quantiles):
        raise ValueError(f"quantiles must lie strictly between 0 and 1, got {list(quantiles)}")
    relations = {}
    for name, path in (("reference", reference), ("current", current)):
        relations[name] = con.read_parquet(str(path))
        missing = sorted(set(features) - set(relations[name].columns))
        if missing:
            raise MissingFeatures(f"{name} data {path} lacks features {missing[:10]}")
    features = list(dict.fromkeys(features))
    with nan_safe(con):
        edges = reference_edges(relations["reference"], features, quantiles)
        ref = bin_counts(relations["reference"], edges)
        cur = bin_counts(relations["current"], edges)
    rows = [_psi_row(f, ref[f], cur[f], epsilon) for f in features]
    table = pd.DataFrame(rows, columns=PSI_COLUMNS)
    return table.sort_values(["psi", "feature"], ascending=[False, True], ignore_index=True)


@contextmanager
def nan_safe(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB's statistics propagation off on ``con`` for the duration, then as it was.

    Why: pyarrow writes float min/max statistics that leave NaN out, and DuckDB then folds
    ``isnan(x)`` and ``x = NaN`` to false for the whole file: every NaN was counted as a value
    above the last edge (bench_drift, a quarter of its columns with 10 % NaN: PSI off by up to
    0.05). Files written by DuckDB, and pandas' NaN (written as null), were not affected.
    """
    before = con.sql("SELECT current_setting('disabled_optimizers')").fetchall()[0][0]
    disabled = [name for name in before.split(",") if name.strip()]
    con.execute("SET disabled_optimizers = ?", [",".join([*disabled, "statistics_propagation"])])
    try:
        yield
    finally:
        con.execute("SET disabled_optimizers = ?", [before])


def _batches(features: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(features), BATCH):
        yield list(features[start : start + BATCH])


def _value(feature: str) -> Expression:
    return Col(feature).cast(_DOUBLE)


def reference_edges(
    relation: duckdb.DuckDBPyRelation, features: Sequence[str], quantiles: Sequence[float]
) -> dict[str, list[float]]:
    """Each feature's bin edges: its distinct reference quantiles (``quantile_cont``, NaN and
    NULL left out), ascending; empty for a feature with no value at all."""
    edges: dict[str, list[float]] = {}
    for batch in _batches(features):
        aggregates = [
            Fn(
                "quantile_cont",
                Fn("nullif", _value(f), Const(float("nan"))),
                Const(list(quantiles)),
            )
            for f in batch
        ]
        found = relation.aggregate(aggregates).fetchall()[0]
        for feature, values in zip(batch, found, strict=True):
            edges[feature] = sorted(set(values or ()))
    return edges


def bin_counts(
    relation: duckdb.DuckDBPyRelation, edges: Mapping[str, Sequence[float]]
) -> dict[str, dict[int, int]]:
    """Rows per bin of each feature in ``edges`` (bins without rows absent).

    Counted as plain integers: per feature the non-missing values, the NaNs (DuckDB orders NaN
    above every number) and, per edge, the values at or above it; bin ``j`` (``j`` edges at or
    below the value) is then the difference of two neighbouring counts. Integer counters are
    the smallest aggregate state DuckDB has (a ``histogram`` per column needed ~120 MB for 48
    columns of 30,000 rows)."""
    counts: dict[str, dict[int, int]] = {}
    for batch in _batches(list(edges)):
        aggregates: list[Expression] = [Fn("count_star")]
        for feature in batch:
            value = _value(feature)
            aggregates += [Fn("count", value), Fn("count_if", Fn("isnan", value))]
            aggregates += [Fn("count_if", value >= Const(float(e))) for e in edges[feature]]
        found = iter(relation.aggregate(aggregates).fetchall()[0])
        rows = int(next(found))
        for feature in batch:
            present, nans = int(next(found)), int(next(found))
            at_or_above = [present - nans] + [int(next(found)) - nans for _ in edges[feature]]
            at_or_above.append(0)
            per_bin = {MISSING_BIN: rows - present + nans}
            per_bin |= {
                j: at_or_above[j] - at_or_above[j + 1] for j in range(len(edges[feature]) + 1)
            }
            counts[feature] = {b: n for b, n in per_bin.items() if n > 0}
    return counts


def _psi_row(
    feature: str, ref: Mapping[int, int], cur: Mapping[int, int], epsilon: float
) -> tuple[str, float, int, int, int, float, float]:
    ref_rows, cur_rows = sum(ref.values()), sum(cur.values())
    bins = sorted(set(ref) | set(cur))
    psi = 0.0
    for b in bins:
        p = max(ref.get(b, 0) / ref_rows if ref_rows else 0.0, epsilon)
        q = max(cur.get(b, 0) / cur_rows if cur_rows else 0.0, epsilon)
        psi += (q - p) * math.log(q / p)
    return (
        feature,
        psi,
        len(bins),
        ref_rows,
        cur_rows,
        ref.get(MISSING_BIN, 0) / max(ref_rows, 1),
        cur.get(MISSING_BIN, 0) / max(cur_rows, 1),
    )


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
