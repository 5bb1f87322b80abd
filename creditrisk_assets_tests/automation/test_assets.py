"""Each monitoring / deploy / scoring asset on its own, with a real instance and MLflow store."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from creditrisk_assets.deploy import defs as deploy_defs
from creditrisk_assets.keys import DRIFT_REPORT
from creditrisk_assets.monitoring import defs as monitoring_defs
from creditrisk_assets.partitions import register_snapshot
from creditrisk_assets.risk.master_scale import load_scale
from creditrisk_assets.scoring import defs as scoring_defs

A, B = "2026-11-01", "2026-12-01"


def _assets(defs: dg.Definitions) -> list:
    return [*defs.assets, *(defs.asset_checks or [])]


#: The drift report alone: the backtest and production drift read raw tables and the decision
#: log these fixtures do not write (creditrisk_assets_tests/monitoring tests them).
DRIFT_ONLY = dg.AssetSelection.assets(DRIFT_REPORT)


def _materialize(
    defs_list, partition, instance, resources, run_config=None, raise_on_error=True, selection=None
):
    register_snapshot(instance, partition)
    return dg.materialize(
        [a for d in defs_list for a in _assets(d)],
        selection=selection,
        partition_key=partition,
        instance=instance,
        resources=resources,
        run_config=run_config,
        raise_on_error=raise_on_error,
    )


def _meta(result: dg.ExecuteInProcessResult, key: str) -> dict:
    mats = result.asset_materializations_for_node(key)
    assert mats, f"{key} did not materialize"
    return {k: getattr(v, "value", v) for k, v in mats[-1].metadata.items()}


def test_drift_report_without_champion_says_no_reference(
    write_snapshot, instance, resources, lake
) -> None:
    write_snapshot(A)
    result = _materialize([monitoring_defs], A, instance, resources, selection=DRIFT_ONLY)
    meta = _meta(result, "monitoring__drift_report")
    assert meta["status"] == "no_reference" and meta["drift_detected"] is False
    assert lake.read_json("monitoring/drift_report", A, "drift_report.json")["status"] == (
        "no_reference"
    )


def test_drift_report_detects_shift_against_champion_reference(
    write_snapshot, register_model, instance, resources, registry, lake
) -> None:
    write_snapshot(A, seed=0)
    registry.set_alias("champion", register_model(A))
    write_snapshot(B, shift=0.8, seed=1)
    meta = _meta(
        _materialize([monitoring_defs], B, instance, resources, selection=DRIFT_ONLY),
        "monitoring__drift_report",
    )
    assert meta["status"] == "drift" and meta["drift_detected"] is True
    assert meta["reference_partition"] == A and meta["n_features"] == 6
    assert meta["n_drifted"] == 3 and meta["drift_share"] == pytest.approx(0.5)
    assert {d["feature"] for d in meta["most_drifted"][:3]} == {"f0", "f1", "f2"}
    report = lake.read_json("monitoring/drift_report", B, "drift_report.json")
    assert len(report["psi"]) == 6 and report["evidently"]["drift_share"] > 0
    assert meta["evidently_html"].endswith("data_drift.html")
    # the same snapshot against its own reference: no drift, check passes
    same = _materialize([monitoring_defs], A, instance, resources, selection=DRIFT_ONLY)
    assert _meta(same, "monitoring__drift_report")["drift_detected"] is False
    assert all(e.passed for e in same.get_asset_check_evaluations())


def test_canary_then_manifest_promotes_and_scoring_uses_champion(
    write_snapshot, register_model, instance, resources, registry, lake, monkeypatch
) -> None:
    monkeypatch.setenv("CREDITRISK_IMAGE_TAG", "creditrisk:test")
    write_snapshot(A)
    register_snapshot(instance, A)
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            ["raw", "application_train"], partition=A, metadata={"md5": "a" * 32}
        )
    )
    v1 = register_model(A)
    result = _materialize([deploy_defs, scoring_defs], A, instance, resources)
    canary = _meta(result, "deploy__canary_report")
    assert canary["passed"] is True and canary["champion_version"] == "none"
    manifest = lake.read_json("deploy/deploy_manifest", A, "deploy_manifest.json")
    assert manifest["model"]["version"] == v1 and manifest["image_tag"] == "creditrisk:test"
    assert manifest["lineage"]["raw_md5"] == {"application_train": "a" * 32}
    assert registry.get_alias_version("champion") == v1
    scores = pd.read_parquet(lake.local_path("scoring/batch_scores", A))
    assert len(scores) == 300 and set(scores["decision"]) <= {"approve", "decline"}
    assert scores["pd"].between(0, 1).all() and (scores["model_version"] == v1).all()
    assert {"risk_grade", "reason_1", "reason_1_description"} <= set(scores.columns)
    # master-scale grades and catalogue statements, each with its version
    assert set(scores["risk_grade"]) <= set(load_scale().all_labels)
    assert set(scores["scale_version"]) == {load_scale().version}
    assert set(scores["catalogue_version"]) == {"RC-TEST.1"}
    assert set(scores["reason_1"].dropna()) == {"T99"} and "reason_2" in scores.columns
    meta = _meta(result, "scoring__batch_scores")
    assert meta["scale_version"] == load_scale().version
    assert meta["catalogue_version"] == "RC-TEST.1"


def test_failing_canary_blocks_promotion(
    write_snapshot, register_model, instance, resources, registry, lake
) -> None:
    write_snapshot(A)
    registry.set_alias("champion", register_model(A, rounds=20))
    register_model(A, rounds=1)  # a much weaker candidate for the same snapshot
    strict = {"ops": {"deploy__canary_report": {"config": {"min_auc_delta": 0.0}}}}
    result = _materialize([deploy_defs], A, instance, resources, strict, raise_on_error=False)
    assert _meta(result, "deploy__canary_report")["passed"] is False
    assert not result.asset_materializations_for_node("deploy__deploy_manifest")
    assert registry.get_alias_version("champion") == "1"


def test_batch_scores_are_logged_once_per_snapshot_and_version(
    write_snapshot, register_model, instance, resources, registry, lake, warehouse
) -> None:
    import duckdb

    from creditrisk_assets.automation.catalog import refresh_catalog
    from creditrisk_assets.decisions import create_decision_log_view, decisions_by_version

    write_snapshot(A)
    v1 = register_model(A)
    registry.set_alias("champion", v1)
    first = _materialize([scoring_defs], A, instance, resources)
    assert _meta(first, "scoring__batch_scores")["decision_log_replaced"] == 0
    again = _materialize([scoring_defs], A, instance, resources)  # a re-run replaces, not adds
    assert _meta(again, "scoring__batch_scores")["decision_log_replaced"] == 0
    scores = pd.read_parquet(lake.local_path("scoring/batch_scores", A))
    with duckdb.connect() as con:
        create_decision_log_view(con, lake.base_uri)
        log = decisions_by_version(con, registry.model_name, v1).to_pandas()
        channels = con.sql(
            "SELECT DISTINCT channel, training_snapshot FROM decision_log"
        ).fetchall()
    assert len(log) == len(scores) == 300 and log["decision_id"].is_unique
    assert channels == [("batch", A)] and set(log["model_alias"]) == {"champion"}
    merged = log.merge(scores, left_on="applicant_id", right_on="SK_ID_CURR", validate="1:1")
    assert (merged["pd_x"] == merged["pd_y"]).all()
    assert (merged["grade"] == merged["risk_grade"].astype(str)).all()
    assert (merged["decision_x"] == merged["decision_y"]).all()
    first_reason = merged["reason_codes"].map(lambda r: r[0] if len(r) else "")
    assert (first_reason == merged["reason_1"].fillna("")).all() and first_reason.ne("").any()
    # the hand-query catalog has the view too
    assert "decision_log" in refresh_catalog(lake, warehouse)
    with duckdb.connect(warehouse.catalog_path, read_only=True) as con:
        assert con.sql("SELECT count(*) FROM decision_log").fetchall() == [(300,)]
