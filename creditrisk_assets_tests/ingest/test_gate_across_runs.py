"""Issue 22, finding 1: a snapshot whose blocking raw checks failed cannot be built on by later
runs. ``ingest_job`` fails its contract on a ``DAYS_BIRTH = 1200`` row; ``features_job``,
``train_job`` and ``promote_job`` launched afterwards on the same partition (as a person would from
the CLI) each refuse, naming the check and the partition; nothing reaches the lake, nothing is
registered, no champion. A fixed and re-ingested snapshot goes through."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from creditrisk_assets import ingest
from creditrisk_assets.definitions import PIPELINE
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.keys import CANDIDATE, DEPLOY_MANIFEST, FEATURE_STORE, lake_path
from creditrisk_assets.modeling.registry import CHAMPION
from creditrisk_assets.partitions import register_snapshot
from creditrisk_assets_tests.ingest.test_strict_raw import set_fields

SNAPSHOT = "2026-11-01"
TRAIN = "application_train.csv"
CONTRACT = "raw/application_train:contract failed for 2026-11-01"
pytestmark = pytest.mark.slow


@pytest.fixture
def defs(landing: Path, lake, warehouse, registry) -> dg.Definitions:
    """The code location's domains, as ``definitions.py`` merges them, on this test's state."""
    return dg.Definitions.merge(
        *(domain.defs for domain in PIPELINE),
        dg.Definitions(
            resources={
                "source": SnapshotSource(kind="landing", landing_dir=str(landing)),
                "lake": lake,
                "warehouse": warehouse,
                "registry": registry,
            }
        ),
    )


def _job(defs, instance, name: str) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(name).execute_in_process(
        instance=instance, partition_key=SNAPSHOT, raise_on_error=False
    )


def _refusals(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        e.step_failure_data.user_failure_data.description
        for e in result.get_step_failure_events()
        if e.step_failure_data.user_failure_data is not None
    ]


def test_later_jobs_refuse_a_snapshot_whose_raw_contract_failed(
    defs, instance, landing: Path, lake, registry
):
    register_snapshot(instance, SNAPSHOT)
    set_fields(landing / SNAPSHOT, TRAIN, {4: {"DAYS_BIRTH": "1200"}})
    ingested = _job(defs, instance, "ingest_job")
    assert not ingested.success
    failed = [e.check_name for e in ingested.get_asset_check_evaluations() if not e.passed]
    assert failed == ["contract"]

    for job in ("features_job", "train_job", "promote_job"):
        result = _job(defs, instance, job)
        assert not result.success, job
        refusals = _refusals(result)
        assert refusals, job
        assert all(CONTRACT in r for r in refusals), (job, refusals)
        assert ingested.run_id[:8] in refusals[0]
        assert not result.get_asset_materialization_events(), job

    for key in (FEATURE_STORE, CANDIDATE, DEPLOY_MANIFEST):
        assert not lake.exists(lake_path(key), SNAPSHOT)
    assert registry.get_alias_version(CHAMPION) is None
    assert not registry.client.search_model_versions()

    # the supplier fixes the row and the snapshot is ingested again: it is built on
    set_fields(landing / SNAPSHOT, TRAIN, {4: {"DAYS_BIRTH": "-12000"}})
    assert _job(defs, instance, "ingest_job").success
    assert _job(defs, instance, "features_job").success
    assert lake.exists(lake_path(FEATURE_STORE), SNAPSHOT)


def test_raw_tables_loaded_without_their_checks_are_not_built_on(defs, instance, lake):
    register_snapshot(instance, SNAPSHOT)
    loaded = dg.materialize(
        [*ingest.defs.assets, *ingest.defs.asset_checks],
        selection=dg.AssetSelection.groups("raw").without_checks(),
        partition_key=SNAPSHOT,
        instance=instance,
        resources=defs.resources,
    )
    assert loaded.success and not loaded.get_asset_check_evaluations()
    result = _job(defs, instance, "features_job")
    refusals = _refusals(result)
    assert refusals and all("never ran for 2026-11-01" in r for r in refusals)
    assert refusals[0].startswith("features/feature_store not computed: raw/")
    assert not lake.exists(lake_path(FEATURE_STORE), SNAPSHOT)
