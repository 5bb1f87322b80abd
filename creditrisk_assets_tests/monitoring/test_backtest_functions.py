"""The backtest's join and statistics, and production drift's bands and grade tables, on small
frames and a real Parquet decision log (fast; the scenario test runs them on the graph)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from creditrisk_assets.decisions import ParquetDecisionSink, decision_table
from creditrisk_assets.modeling.metrics import roc_auc
from creditrisk_assets.monitoring.backtest import (
    BacktestThresholds,
    backtest_report,
    matured_decisions,
)
from creditrisk_assets.monitoring.production_drift import (
    PsiBands,
    grade_distribution,
    migration_matrix,
)
from creditrisk_assets.risk.master_scale import load_scale

SCALE = load_scale()
SNAPSHOT = "2026-12-01"


def _frame(pd_: np.ndarray, y: np.ndarray, version: str = "1") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model_name": "creditrisk_pd",
            "model_version": version,
            "applicant_id": np.arange(len(pd_)),
            "channel": "batch",
            "training_snapshot": "2026-11-01",
            "pd": pd_,
            "grade": SCALE.grade(pd_),
            "target": y,
            "decisions": 1,
        }
    )


def _population(n: int = 6000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    true_pd = 1 / (1 + np.exp(-(-2.6 + 1.1 * rng.normal(size=n))))
    return true_pd, (rng.random(n) < true_pd).astype(int)


def test_nothing_matured_is_a_report_not_a_failure() -> None:
    report = backtest_report(SNAPSHOT, _frame(np.array([]), np.array([])), {}, SCALE,
                             BacktestThresholds())  # fmt: skip
    assert report["status"] == "no_matured_decisions" and report["versions"] == []


def test_true_pds_pass_and_the_auc_is_the_auc_of_the_logged_pds() -> None:
    p, y = _population()
    report = backtest_report(SNAPSHOT, _frame(p, y), {"1": roc_auc(y, p)}, SCALE,
                             BacktestThresholds())  # fmt: skip
    [v] = report["versions"]
    assert report["status"] == "passed" and report["findings"] == []
    assert v["auc"]["value"] == pytest.approx(roc_auc(y, p), abs=1e-12)
    assert v["gini"]["value"] == pytest.approx(2 * v["auc"]["value"] - 1)
    assert v["auc_change"]["p_value"] > 0.05
    assert (
        sum(g["n"] for g in v["calibration_by_grade"]) == len(p)
        and len(v["calibration_by_grade"]) >= 5
    )


def test_shuffled_pds_drop_the_auc_and_understated_pds_fail_their_grades() -> None:
    p, y = _population()
    shuffled = np.random.default_rng(0).permutation(p)
    both = pd.concat([_frame(shuffled, y, "2"), _frame(p / 3, y, "3")])
    report = backtest_report(SNAPSHOT, both, {"2": 0.75, "3": roc_auc(y, p)}, SCALE,
                             BacktestThresholds())  # fmt: skip
    assert report["status"] == "failed" and report["failed_versions"] == ["3", "2"]
    v3, v2 = report["versions"]
    assert any("significantly below its development AUC" in f for f in v2["findings"])
    assert v3["auc_change"]["p_value"] > 0.05  # same ranking: discrimination is intact ...
    assert sum(g["underestimated"] for g in v3["calibration_by_grade"]) >= 3  # ... PDs are not


def _log(root: Path, *, version: str, channel: str, trained: str, ids, pd_, minutes: int) -> None:
    n = len(ids)
    ParquetDecisionSink(root).write(
        decision_table(
            channel=channel,
            model_name="creditrisk_pd",
            model_version=version,
            training_snapshot=trained,
            pd=np.asarray(pd_, dtype=float),
            inputs_hash_values=[f"h{i}" for i in range(n)],
            applicant_id=ids,
            grade=SCALE.grade(np.asarray(pd_, dtype=float)),
            decided_at=datetime(2026, 11, 2, tzinfo=UTC) + timedelta(minutes=minutes),
        )
    )


def test_the_join_keeps_the_latest_earlier_decision_per_version_and_applicant(
    tmp_path: Path,
) -> None:
    root = tmp_path / "lake"
    _log(root, version="1", channel="batch", trained="2026-11-01", ids=[1, 2, 3], pd_=[0.1] * 3,
         minutes=0)  # fmt: skip
    _log(root, version="1", channel="api_predict", trained="2026-11-01", ids=[2, None],
         pd_=[0.2, 0.3], minutes=5)  # fmt: skip
    # trained on this very snapshot: it has seen these outcomes, so it is no backtest
    _log(root, version="2", channel="batch", trained=SNAPSHOT, ids=[1, 2], pd_=[0.5, 0.5],
         minutes=9)  # fmt: skip
    outcomes = tmp_path / "train.parquet"
    pd.DataFrame({"SK_ID_CURR": [1, 2, 4], "TARGET": [1, 0, 1]}).to_parquet(outcomes)
    with duckdb.connect() as con:
        rows = matured_decisions(con, str(root), str(outcomes), SNAPSHOT)
    assert rows["model_version"].tolist() == ["1", "1"]
    assert rows["applicant_id"].tolist() == [1, 2]
    assert rows["channel"].tolist() == ["batch", "api_predict"]  # 2's latest is the API's
    assert rows["pd"].tolist() == [0.1, 0.2] and rows["decisions"].tolist() == [1, 2]
    assert rows["target"].tolist() == [1, 0]


def test_psi_bands_follow_the_usual_reading() -> None:
    bands = PsiBands()
    assert [bands.band(x) for x in (0.0, 0.099, 0.10, 0.25, 0.2501)] == [
        "stable",
        "stable",
        "watch",
        "watch",
        "act",
    ]
    with pytest.raises(ValueError):
        PsiBands(watch=0.3, act=0.2)


def test_grade_tables_count_moves_in_scale_order() -> None:
    moves = pd.DataFrame(
        {"from_grade": ["7", "7", "10", "3"], "to_grade": ["5", "7", "9", "4"], "n": [4, 6, 2, 1]}
    )
    matrix = migration_matrix(moves, SCALE)
    assert matrix["grades"] == ["3", "4", "5", "7", "9", "10"]  # risk order, not text order
    assert matrix["counts"][3][2] == 4 and matrix["counts"][3][3] == 6
    assert (matrix["upgraded"], matrix["downgraded"], matrix["unchanged"]) == (6, 1, 6)
    empty = migration_matrix(moves.iloc[:0], SCALE)
    assert empty["n"] == 0 and empty["grades"] == []
    dist = grade_distribution(["1", "1", "2"], ["2", "2", "2", "10"], SCALE)
    assert [d["grade"] for d in dist] == ["1", "2", "10"]
    assert dist[1]["reference_share"] == pytest.approx(1 / 3)
    assert dist[1]["population_share"] == pytest.approx(3 / 4)
