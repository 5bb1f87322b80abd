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
from creditrisk_assets.features.catalog import lineage_inputs
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.partitions import register_snapshot
from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.risk.master_scale import load_scale
from creditrisk_assets.risk.protected import excluded_features, load_policy
from creditrisk_assets.risk.reasons import PROTECTED_EXCLUSION, active_catalogue

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
    _assert_lawful(model, store_spec, preds)


def _assert_lawful(model, store_spec: dict, preds: pd.DataFrame) -> None:
    """No protected attribute (nor anything derived from one) is a feature of the registered
    model, and no test prediction cites one: every reason is a catalogue statement."""
    policy = load_policy()
    excluded = {f["name"] for f in store_spec["excluded"]}
    assert {"CODE_GENDER", "NAME_FAMILY_STATUS"} <= excluded  # still in the store, for fairness
    names = set(model.spec.names)
    assert not names & excluded
    assert set(model.booster.feature_names) == names  # the booster agrees with its spec
    assert excluded_features(model.spec.names, policy, *lineage_inputs()) == {}
    catalogue = active_catalogue()
    assert catalogue.protected(model.spec.names) == []
    cited = pd.unique(preds.filter(regex=r"^reason_\d$").to_numpy().ravel())
    cited = {c for c in cited if c is not None and c == c}
    assert cited and cited <= set(catalogue.statements)  # statements only, never an X- code
    protected_texts = {catalogue.exclusions[PROTECTED_EXCLUSION]}
    assert not protected_texts & set(preds.filter(regex=r"_description$").stack())
    assert set(preds["scale_version"]) == {load_scale().version}
    assert set(preds["risk_grade"]) <= set(load_scale().all_labels)
