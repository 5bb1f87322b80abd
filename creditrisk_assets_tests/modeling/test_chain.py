"""The whole chain on the small synthetic snapshot: raw/* -> features/* -> train_job.

The one test that feeds the model what the feature store really produces (hundreds of
columns, categorical codes, NULL-heavy history), so a contract change upstream shows up here.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from creditrisk_assets import features, ingest, keys, modeling
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.partitions import register_snapshot
from creditrisk_assets.resources import Lake, Warehouse

SNAPSHOT = "2026-11-01"  # the shared small_snapshot_dir's date


@pytest.mark.slow
def test_chain_on_small_synthetic_snapshot(
    small_snapshot_dir: Path,
    lake: Lake,
    warehouse: Warehouse,
    registry: ModelRegistry,
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / SNAPSHOT).symlink_to(small_snapshot_dir)
    job = dg.define_asset_job(
        "chain",
        selection=dg.AssetSelection.groups(keys.RAW, keys.FEATURES, keys.MODEL),
        partitions_def=modeling.train_job.partitions_def,
    )
    defs = dg.Definitions.merge(
        ingest.defs,
        features.defs,
        modeling.defs,
        dg.Definitions(
            jobs=[job],
            resources={
                "source": SnapshotSource(kind="landing", landing_dir=str(landing)),
                "lake": lake,
                "warehouse": warehouse,
                "registry": registry,
            },
        ),
    )
    with dg.instance_for_test() as instance:
        register_snapshot(instance, SNAPSHOT)
        result = defs.resolve_job_def("chain").execute_in_process(
            instance=instance,
            partition_key=SNAPSHOT,
            raise_on_error=False,
            # small data: a few shallow trees keep the test fast; checks keep their defaults
            run_config={
                "ops": {
                    "model__candidate": {"config": {"learning_rate": 0.2, "num_boost_round": 60}}
                }
            },
        )
        checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert {"auc_floor", "auc_gap", "calibration_error", "fairness"} <= set(checks)
    model_steps = [s for s in result.get_step_failure_events() if "model__" in s.step_key]
    # only the overfit-gap check may fail on ~1,000 training rows; everything else succeeds
    assert all(s.step_key == "model__test_metrics_auc_gap" for s in model_steps)
    version = registry.get_alias_version("champion")
    assert version is None  # training never promotes
    info = registry.list_versions()[-1]
    assert info.partition == SNAPSHOT
    model = registry.load(info.version)
    store_spec = lake.read_json("features/feature_store", SNAPSHOT, "feature_spec.json")
    assert model.spec.hash == info.feature_spec_hash
    assert model.spec.names == [f["name"] for f in store_spec["features"]]
    preds = pd.read_parquet(lake.local_path("model/test_predictions", SNAPSHOT))
    test = pd.read_parquet(lake.local_path("features/test", SNAPSHOT))
    assert sorted(preds["SK_ID_CURR"]) == sorted(test["SK_ID_CURR"])
    # every decline is explained; only very safe applicants may have no PD-raising feature
    assert preds.loc[preds["decision"] == "decline", "reason_1"].notna().all()
    assert preds["reason_1"].notna().mean() > 0.5
    assert checks["auc_floor"].metadata["test_auc"].value > 0.65
