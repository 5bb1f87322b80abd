"""Decisions meet their outcomes, on the real graph (issue 17's scenario).

Snapshot A: the whole graph makes champion v1, its batch scores (decision log, channel
``batch``) and a few API decisions (channel ``api_predict``, written as the API writes them).
Snapshot B, generated after A by the synthetic source, labels A's unlabelled applicants. B's
backtest scores v1 on them: its AUC is the AUC of the logged PDs, close to what the generator's
true PD reaches on the same applicants, and its grade table is filled. Then a degraded champion
(v1's trees with PDs understated about seven-fold) re-scores A; B's backtest fails for it, its
check warns, and the retrain policy sees the failure. Production drift reads the same log.
Real Dagster instance, MLflow SQLite store, DuckDB; small data.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from creditrisk_assets.automation.retrain import backtest_fact
from creditrisk_assets.automation.retrain_policy import Facts, RetrainPolicy, decide
from creditrisk_assets.decisions import ParquetDecisionSink, decision_table
from creditrisk_assets.definitions import PIPELINE
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.keys import BACKTEST, BATCH_SCORES, PRODUCTION_DRIFT
from creditrisk_assets.modeling.metrics import roc_auc
from creditrisk_assets.modeling.prediction import prediction_frame
from creditrisk_assets.modeling.scoring_model import ModelMeta, ScoringModel
from creditrisk_assets.monitoring.backtest import matured_decisions
from creditrisk_assets.partitions import register_snapshot
from creditrisk_assets.synthetic import ORACLE_FILE

A, B = "2026-11-01", "2026-12-15"
APPLICANTS = 5000
API_DECISIONS = 200
#: How far below the oracle's AUC a champion trained on this little data may land. Issue 17
#: asks for 0.02; on this feature store that is out of reach at a test's size (measured
#: 2026-11-27, held-out 16,000 rows of a 40,000-applicant snapshot, 3 draws each): the expected
#: gap is 0.037 +- 0.005 with 4,000 train rows and 0.028 +- 0.004 with 8,000, whatever the XGBoost
#: settings (depth 1-3, eta 0.02-0.05, mcw 5-50: within 0.003), 0.013 at 80,000 (RESULTS.md).
#: Scoring 793 matured applicants adds s.d. 0.012. Here (seed 11, 4,053 rows): 0.025.
#: The issue's 0.02 is shown at a lender's size by benchmarks/bench_backtest.py (60,000
#: applicants through the CLI: gap 0.0068 on 9,511 matured decisions).
ORACLE_GAP = 0.05
SMALL_MODEL = {
    "ops": {
        "model__candidate": {
            "config": {"num_boost_round": 150, "max_depth": 3, "min_child_weight": 5.0}
        }
    }
}
pytestmark = pytest.mark.slow


@pytest.fixture
def instance() -> dg.DagsterInstance:
    with dg.instance_for_test() as inst:
        yield inst


def _defs(lake, warehouse, registry, source) -> dg.Definitions:
    resources = {"lake": lake, "warehouse": warehouse, "registry": registry, "source": source}
    return dg.Definitions.merge(
        *(domain.defs for domain in PIPELINE),
        dg.Definitions(resources=resources),
    )


def _materialize(defs, instance, partition: str, *keys: dg.AssetKey) -> dg.ExecuteInProcessResult:
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=instance, partition_key=partition, asset_selection=list(keys)
    )
    assert result.success
    return result


def _check_passed(result: dg.ExecuteInProcessResult) -> bool:
    [evaluation] = result.get_asset_check_evaluations()
    return evaluation.passed


def _api_decisions(lake, registry, partition: str) -> None:
    """Some of A's unlabelled applicants decided through the API's channel by v1."""
    model = registry.load("champion")
    info = registry.version_info("champion")
    store = pd.read_parquet(lake.local_path("features/feature_store", partition))
    rows = store[store["TARGET"].isna()].head(API_DECISIONS).reset_index(drop=True)
    frame = prediction_frame(model, rows, 2)
    records = decision_table(
        channel="api_predict",
        model_name=info.name,
        model_version=info.version,
        model_alias="champion",
        training_snapshot=info.partition,
        pd=frame["pd"].to_numpy(),
        features={n: rows[n] for n in model.spec.names},
        applicant_id=rows["SK_ID_CURR"].to_numpy(),
        grade=frame["risk_grade"].to_numpy(),
        decision=frame["decision"].to_numpy(),
    )
    ParquetDecisionSink(lake.base_uri).write(records)


def _degraded_champion(registry, tmp_path: Path) -> str:
    """v1's trees with a log-odds offset of -2: same ranking, PDs about 7x too low."""
    good = registry.load("champion")
    info = registry.version_info("champion")
    meta = ModelMeta(
        pd_cutoff=good.meta.pd_cutoff,
        logit_offset=good.meta.logit_offset - 2.0,
        partition=good.meta.partition,
        feature_spec_hash=good.meta.feature_spec_hash,
    )
    folder = tmp_path / "degraded"
    checksum = ScoringModel(good.booster, good.spec, meta).save(folder)
    with registry.candidate_run("degraded") as run:
        tags = {k: v for k, v in info.tags.items() if k not in {"checksum", "mlflow_run_id"}}
        degraded = registry.register(run, folder, checksum, tags=tags)
    registry.set_alias("champion", degraded.version)
    return degraded.version


def test_backtest_scores_earlier_decisions_on_matured_outcomes(
    instance, lake, warehouse, registry, tmp_path: Path
) -> None:
    source = SnapshotSource(
        kind="synthetic",
        applicants=APPLICANTS,
        seed=11,
        overlap=1.0,
        maturity_lag_days=30,
        cache_dir=str(tmp_path / "snapshots"),
    )
    defs = _defs(lake, warehouse, registry, source)
    register_snapshot(instance, A)
    whole = defs.resolve_job_def("all_assets").execute_in_process(
        instance=instance, partition_key=A, run_config=SMALL_MODEL
    )
    assert whole.success and registry.get_alias_version("champion") == "1"
    first = lake.read_json("monitoring/backtest", A, "backtest.json")
    assert first["status"] == "no_matured_decisions" and first["n"] == 0
    drift_a = lake.read_json("monitoring/production_drift", A, "production_drift.json")
    batch = pd.read_parquet(lake.local_path("scoring/batch_scores", A))
    assert drift_a["population_rows"] == len(batch) and drift_a["status"] == "stable"
    assert drift_a["grade_migration"]["n"] == 0  # one version only: nobody graded twice
    _api_decisions(lake, registry, A)

    register_snapshot(instance, B)
    defs.resolve_job_def("ingest_job").execute_in_process(instance=instance, partition_key=B)
    _materialize(defs, instance, B, BACKTEST)
    report = lake.read_json("monitoring/backtest", B, "backtest.json")
    assert report["status"] in {"passed", "failed"} and report["primary"] == "1"
    [v1] = report["versions"]
    assert v1["by_channel"]["api_predict"] > 0 and v1["by_channel"]["batch"] > 0
    assert v1["n"] == len(batch)  # overlap 1.0: every applicant v1 scored has matured
    assert v1["decisions"] == len(batch) + API_DECISIONS  # API repeats count, once each

    with warehouse.session() as con:
        train_b = lake.local_path("raw/application_train", B)
        matched = matured_decisions(con, lake.base_uri, train_b, B)
    oracle = pd.read_csv(Path(source.cache_dir) / B / ORACLE_FILE).set_index("SK_ID_CURR")
    y, p = matched["target"].to_numpy(), matched["pd"].to_numpy()
    oracle_auc = roc_auc(y, oracle.loc[matched["applicant_id"], "TRUE_PD"].to_numpy())
    # The backtest measures exactly the logged PDs against the matured outcomes ...
    assert v1["auc"]["value"] == pytest.approx(roc_auc(y, p), abs=1e-12)
    # ... and lands near the generator's ceiling on the same applicants. A model trained on
    # 4,000 rows sits about 0.04 below it on average (0.025 here, see ORACLE_GAP), so the
    # lower side allows that gap; above, only noise.
    assert oracle_auc - ORACLE_GAP <= v1["auc"]["value"] <= oracle_auc + 0.02
    assert v1["auc"]["ci_low"] < v1["auc"]["value"] < v1["auc"]["ci_high"]
    assert v1["development_auc"] == pytest.approx(registry.version_info("1").metrics["test_auc"])
    assert v1["auc_change"]["p_value"] > 0.05  # no AUC drop against development
    grades = v1["calibration_by_grade"]
    assert len(grades) >= 4 and sum(g["n"] for g in grades) == v1["n"]
    assert all(0.0 <= g["jeffreys_p"] <= 1.0 for g in grades)
    assert sum(g["underestimated"] for g in grades) <= 1  # at most the thin riskiest grade

    # A degraded champion re-scores A: its backtest on B fails, and the policy retrains.
    degraded = _degraded_champion(registry, tmp_path)
    _materialize(defs, instance, A, BATCH_SCORES)
    drift = _materialize(defs, instance, A, PRODUCTION_DRIFT)
    migration = lake.read_json("monitoring/production_drift", A, "production_drift.json")
    assert migration["grade_migration"]["n"] == len(batch)  # v1 -> v2 on the same applicants
    assert migration["grade_migration"]["downgraded"] == 0
    assert migration["grade_migration"]["upgraded"] > len(batch) / 2
    assert drift.get_asset_check_evaluations()
    failed = _materialize(defs, instance, B, BACKTEST)
    assert not _check_passed(failed)
    report = lake.read_json("monitoring/backtest", B, "backtest.json")
    assert report["status"] == "failed" and degraded in report["failed_versions"]
    v2 = next(v for v in report["versions"] if v["model_version"] == degraded)
    assert v2["n"] == len(batch) and v2["auc"]["value"] == pytest.approx(
        v1["auc"]["value"], abs=0.01
    )
    assert sum(g["underestimated"] for g in v2["calibration_by_grade"]) >= 3
    is_failed, summary = backtest_fact(instance, B, degraded)
    assert is_failed and f"failed for champion v{degraded}" in summary
    decision = decide(
        RetrainPolicy(),
        Facts(B, degraded, A, False, "within thresholds", 0, is_failed, summary),
    )
    assert decision.retrain and decision.rules == ["backtest_failed"]
