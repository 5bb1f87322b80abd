"""The modeling assets and checks as one Dagster job, on frames written in the lake layout."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from creditrisk_assets.modeling import defs as modeling_defs
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.modeling.stored import CANDIDATE_FILE
from creditrisk_assets.partitions import register_snapshot
from creditrisk_assets.resources import Lake
from creditrisk_assets.risk.master_scale import load_scale

PARTITION = "2026-11-01"
FAST = {"learning_rate": 0.2, "max_depth": 3, "num_boost_round": 100, "early_stopping_rounds": 10}


def _run(lake: Lake, registry: ModelRegistry, candidate_config=None, checks_config=None):
    defs = dg.Definitions.merge(
        modeling_defs, dg.Definitions(resources={"lake": lake, "registry": registry})
    )
    job = defs.resolve_job_def("train_job")
    ops: dict = {"model__candidate": {"config": {**FAST, **(candidate_config or {})}}}
    if checks_config is not None:
        for check in (
            "auc_floor",
            "auc_gap",
            "calibration_error",
            "grade_monotonicity",
            "grade_calibration",
        ):
            ops[f"model__test_metrics_{check}"] = {"config": checks_config}
        ops["model__test_predictions_fairness"] = {"config": checks_config}
    with dg.instance_for_test() as instance:
        register_snapshot(instance, PARTITION)
        result = job.execute_in_process(
            instance=instance,
            partition_key=PARTITION,
            run_config={"ops": ops},
            raise_on_error=False,
        )
        checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
        return result, checks


@pytest.fixture
def features(lake: Lake, make_frame, write_features, write_raw_applications) -> pd.DataFrame:
    train, test = make_frame(1600, seed=1), make_frame(400, seed=2, start_id=200000)
    write_features(lake, PARTITION, train, test)
    write_raw_applications(lake, PARTITION, np.r_[train["SK_ID_CURR"], test["SK_ID_CURR"]])
    return test


def test_train_job_registers_evaluates_and_checks(
    lake: Lake, registry: ModelRegistry, features: pd.DataFrame, state_home: Path
) -> None:
    # an unreachable AUC floor: the blocking check must fail (the others keep defaults)
    result, checks = _run(lake, registry, checks_config={"auc_floor": 0.999})
    assert not checks["auc_floor"].passed
    assert checks["auc_floor"].severity == dg.AssetCheckSeverity.ERROR
    assert not result.success  # a failed blocking check fails the run
    assert [e.step_key for e in result.get_step_failure_events()] == [
        "model__test_metrics_auc_floor"
    ]
    pointer = lake.read_json("model/candidate", PARTITION, CANDIDATE_FILE)
    info = registry.version_info(pointer["version"])
    assert info.partition == PARTITION and info.checksum == pointer["checksum"]
    assert info.tags["dagster_run_id"] == result.run_id
    assert info.metrics["test_auc"] > 0.75 and "train_auc" in info.metrics
    run = registry.client.get_run(pointer["mlflow_run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["max_depth"] == "3"
    assert {"val_auc", "test_auc", "test_ks", "train_auc", "test_ece"} <= set(run.data.metrics)
    assert run.data.tags["partition"] == PARTITION and "data_fingerprint" in run.data.tags
    # 1,600 train rows are small data: the tree count came from stratified CV (issue 21)
    assert run.data.tags["rounds_by"] == "cv" and info.tags["rounds_by"] == "cv"
    cand = result.asset_materializations_for_node("model__candidate")[0].metadata
    assert cand["rounds_by"].value == "cv" and cand["rows"].value["cv_folds"] == 5
    # the scorecard challenger sits beside the candidate: a table, no pickle
    card = {f.path for f in registry.client.list_artifacts(run.info.run_id, "scorecard")}
    assert card == {"scorecard/scorecard.json", "scorecard/scorecard.csv"}
    assert run.data.metrics["scorecard_characteristics"] >= 2
    logged = {f.path for f in registry.client.list_artifacts(run.info.run_id, "plots")}
    assert "plots/test_roc.png" in logged and "plots/test_calibration.png" in logged
    assert {f.path for f in registry.client.list_artifacts(run.info.run_id, "model")} == {
        "model/model.ubj",
        "model/feature_spec.json",
        "model/model_meta.json",
    }

    preds = pd.read_parquet(lake.local_path("model/test_predictions", PARTITION))
    assert len(preds) == len(features) and set(preds["decision"]) <= {"approve", "decline"}
    assert {"reason_1", "reason_4_description", "risk_grade"} <= set(preds.columns)
    model = registry.load(pointer["version"])
    expected = model.predict_pd(features.set_index(features["SK_ID_CURR"]).loc[preds["SK_ID_CURR"]])
    np.testing.assert_allclose(preds["pd"], expected, rtol=1e-6)

    test_metrics = lake.read_json("model/test_metrics", PARTITION, "metrics.json")
    assert test_metrics["auc"] == pytest.approx(info.metrics["test_auc"], abs=1e-6)
    challenger = test_metrics["challenger"]
    assert 0.6 < challenger["scorecard_auc"] < 1
    gap = challenger["candidate_gini"] - challenger["scorecard_gini"]
    assert challenger["gini_gap"] == pytest.approx(gap)
    assert challenger["candidate_gini"] == pytest.approx(2 * test_metrics["auc"] - 1)
    assert registry.version_info(pointer["version"]).metrics["test_gini_gap"] == pytest.approx(
        gap, abs=1e-6
    )
    mat = result.asset_materializations_for_node("model__test_metrics")[0]
    # issue 23: plots need no server path; the curves are short enough to show inline
    assert not any(isinstance(v, dg.PathMetadataValue) for v in mat.metadata.values())
    assert "data:image/png;base64" in mat.metadata["plots"].value
    assert mat.metadata["gini_gap"].value == pytest.approx(challenger["gini_gap"])
    for curve in ("roc_curve", "ks_curve", "calibration_curve"):
        assert mat.metadata[curve].value.startswith("![")
        assert "data:image/svg+xml;base64," in mat.metadata[curve].value
        assert len(mat.metadata[curve].value) < 1000  # the UI's inline limit
    preds_mat = result.asset_materializations_for_node("model__test_predictions")[0]
    schema = preds_mat.metadata["dagster/column_schema"].value
    assert [c.name for c in schema.columns] == list(preds.columns)
    assert preds_mat.metadata["dagster/row_count"].value == len(preds)

    assert checks["auc_gap"].passed
    assert "calibration_error" in checks and "fairness" in checks

    # per-grade validation of the test split: plain JSON in the lake, summarised in metadata
    validation = test_metrics["validation"]
    scale = load_scale()
    table = pd.DataFrame(validation["calibration"])
    counts = preds["risk_grade"].value_counts()
    assert dict(zip(table["grade"], table["n"], strict=True)) == counts.to_dict()
    assert table["defaults"].sum() == preds["TARGET"].sum()
    assert list(table["grade"]) == [g for g in scale.all_labels if g in counts]
    assert ((table["jeffreys_p"] >= 0) & (table["jeffreys_p"] <= 1)).all()
    assert 0 < validation["hosmer_lemeshow"]["p_value"] <= 1
    auc = validation["auc"]
    assert auc["ci_low"] < auc["value"] < auc["ci_high"]
    assert auc["value"] == pytest.approx(test_metrics["auc"], abs=1e-9)
    assert validation["gini"]["value"] == pytest.approx(2 * auc["value"] - 1)
    shares = counts / counts.sum()
    assert validation["herfindahl"]["herfindahl"] == pytest.approx(float((shares**2).sum()))
    assert mat.metadata["hosmer_lemeshow_p"].value == validation["hosmer_lemeshow"]["p_value"]
    assert mat.metadata["calibration_by_grade"].value == validation["calibration"]
    # the blocking monotonicity check and the warning calibration check ran on it
    assert checks["grade_monotonicity"].severity == dg.AssetCheckSeverity.ERROR
    assert checks["grade_calibration"].severity == dg.AssetCheckSeverity.WARN
    hl_p = checks["grade_calibration"].metadata["hosmer_lemeshow_p"].value
    assert hl_p == validation["hosmer_lemeshow"]["p_value"]
    assert checks["fairness"].metadata["air_CODE_GENDER"].value > 0.5


def test_failed_training_leaves_failed_run_and_no_version(
    lake: Lake, registry: ModelRegistry, features: pd.DataFrame, make_frame, write_features
) -> None:
    bad = make_frame(300, seed=5)
    bad.loc[0, "TARGET"] = 3
    write_features(lake, PARTITION, bad, features)
    result, _ = _run(lake, registry)
    assert not result.success
    assert registry.list_versions() == []
    assert not lake.exists("model/candidate", PARTITION, CANDIDATE_FILE)
    runs = registry.client.search_runs([registry.experiment_id()])
    assert [r.info.status for r in runs] == ["FAILED"]
