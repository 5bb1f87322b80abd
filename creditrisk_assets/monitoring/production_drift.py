"""Production drift: the population the champion actually scored against its training reference.

The drift report compares a snapshot's whole feature store with the champion's training rows;
this compares what production *saw*: the applicants the champion decided (the decision log,
batch and API; the API's PostgreSQL table too when it logs there), with the PDs it returned.
Three views, all over SQL relations:

* **PSI** of the score (the PD) and of every model feature, with ``drift.psi_sql`` (the
  drift report's binning: reference deciles plus a missing bin). The reference is the
  champion's training split (``features/train`` of its training snapshot) with the champion's
  own PDs on it. The *population* is this snapshot's feature-store rows that the champion
  decided (``sql/production_drift_population.sql``), with the PD the log recorded. A second
  score PSI covers every PD the champion returned since it went live, whatever the snapshot
  (``sql/production_drift_log_scores.sql``).
* **Grade distribution**: the share of each master-scale grade in the reference (the
  champion's PDs on its training rows, graded on the scale) against the population.
* **Grade migration**: the same applicants graded twice. For each applicant of the population
  that another model version also decided, its grade from that version's latest decision (rows)
  against the champion's grade (columns), ``sql/production_drift_migration.sql``. After a
  promotion, the re-score of the snapshot sits beside the previous champion's batch, so the
  matrix shows how the new champion re-graded the book; with only one version it is empty.

Bands (the usual PSI reading, on the score's PSI): below 0.10 *stable*, 0.10 to 0.25 *watch*,
above 0.25 *act*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from creditrisk_assets.decisions.catalog import create_decision_log_view
from creditrisk_assets.resources.warehouse import Warehouse
from creditrisk_assets.risk.master_scale import MasterScale

#: The PD column in the reference and population files (measured like a feature).
SCORE = "champion_pd"
GRADE = "champion_grade"
STABLE, WATCH, ACT = "stable", "watch", "act"


@dataclass(frozen=True)
class PsiBands:
    """PSI band edges: below ``watch`` stable, up to ``act`` watch, above ``act`` act."""

    watch: float = 0.10
    act: float = 0.25

    def __post_init__(self) -> None:
        if not 0.0 < self.watch < self.act:
            raise ValueError(f"bands need 0 < watch < act, got {self.watch}, {self.act}")

    def band(self, psi: float) -> str:
        if psi > self.act:
            return ACT
        return WATCH if psi >= self.watch else STABLE


def _where(
    con: duckdb.DuckDBPyConnection,
    lake_root: str,
    feature_store: str | None,
    postgres_log: str | Path | None,
) -> None:
    create_decision_log_view(con, lake_root, postgres_log)
    if feature_store is not None:
        con.read_parquet(str(feature_store)).create_view("feature_store")


def write_population(
    con: duckdb.DuckDBPyConnection,
    lake_root: str,
    feature_store: str,
    model_name: str,
    version: str,
    out: Path,
    postgres_log: str | Path | None = None,
) -> int:
    """Write the snapshot's population the champion decided to ``out`` (Parquet); its rows.
    ``postgres_log``: the API's decisions copied from PostgreSQL when it logs there (Parquet,
    ``decisions.catalog.postgres_decisions``; all functions here)."""
    _where(con, lake_root, feature_store, postgres_log)
    return _write_version_rows(con, "production_drift_population", model_name, version, out)


def write_log_scores(
    con: duckdb.DuckDBPyConnection,
    lake_root: str,
    model_name: str,
    version: str,
    out: Path,
    postgres_log: str | Path | None = None,
) -> int:
    """Write every PD the version returned (the whole log) to ``out``; its rows."""
    _where(con, lake_root, None, postgres_log)
    return _write_version_rows(con, "production_drift_log_scores", model_name, version, out)


def _write_version_rows(
    con: duckdb.DuckDBPyConnection, sql_file: str, model_name: str, version: str, out: Path
) -> int:
    """Run ``sql_file`` for one model version on the views ``_where`` set, write its rows to
    ``out`` (Parquet) and count them there."""
    params = {"model_name": model_name, "model_version": str(version)}
    rel = Warehouse.run_sql_file(con, sql_file, params)
    assert rel is not None
    rel.write_parquet(str(out))
    return int(con.read_parquet(str(out)).count("*").fetchall()[0][0])


def migration_rows(
    con: duckdb.DuckDBPyConnection,
    lake_root: str,
    feature_store: str,
    name: str,
    version: str,
    postgres_log: str | Path | None = None,
) -> pd.DataFrame:
    """(from_grade, to_grade, n) of the applicants another version also decided."""
    _where(con, lake_root, feature_store, postgres_log)
    params = {"model_name": name, "model_version": str(version)}
    rel = Warehouse.run_sql_file(con, "production_drift_migration", params)
    assert rel is not None
    return rel.df()


def grade_distribution(
    reference: Sequence[str], current: Sequence[str], scale: MasterScale
) -> list[dict[str, Any]]:
    """Per grade of the scale (risk order): reference and population counts and shares."""
    ref = pd.Series(np.asarray(reference, dtype=object)).value_counts()
    cur = pd.Series(np.asarray(current, dtype=object)).value_counts()
    n_ref, n_cur = max(int(ref.sum()), 1), max(int(cur.sum()), 1)
    return [
        {
            "grade": g,
            "reference_n": int(ref.get(g, 0)),
            "population_n": int(cur.get(g, 0)),
            "reference_share": float(ref.get(g, 0)) / n_ref,
            "population_share": float(cur.get(g, 0)) / n_cur,
        }
        for g in scale.all_labels
        if ref.get(g, 0) or cur.get(g, 0)
    ]


def migration_matrix(rows: pd.DataFrame, scale: MasterScale) -> dict[str, Any]:
    """The migration counts as a square matrix over the grades that occur (scale order), and
    how many applicants moved to a safer grade, a riskier one, or stayed."""
    order = {g: i for i, g in enumerate(scale.all_labels)}
    seen = set(rows["from_grade"]) | set(rows["to_grade"]) if len(rows) else set()
    unknown = seen - set(order)
    if unknown:
        raise ValueError(f"grades outside the master scale: {sorted(unknown)}")
    grades = sorted(seen, key=order.__getitem__)
    index = {g: i for i, g in enumerate(grades)}
    counts = [[0] * len(grades) for _ in grades]
    moved = {"upgraded": 0, "downgraded": 0, "unchanged": 0}
    for f, t, n in rows[["from_grade", "to_grade", "n"]].itertuples(index=False):
        counts[index[f]][index[t]] += int(n)
        step = order[t] - order[f]
        moved["unchanged" if step == 0 else "downgraded" if step > 0 else "upgraded"] += int(n)
    total = sum(moved.values())
    return {"grades": grades, "counts": counts, "n": total, **moved}
