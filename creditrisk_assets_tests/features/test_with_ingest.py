"""The real raw assets and the feature assets in one run: the store reads what ingestion writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd

from creditrisk_assets.features import STORE_PATH, TEST_PATH, TRAIN_PATH, load_feature_spec
from creditrisk_assets.ingest import defs as ingest_defs
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.partitions import SNAPSHOT_PARTITIONS_NAME
from creditrisk_assets.resources import Lake, Warehouse

SNAPSHOT = "2026-11-01"


def test_raw_and_features_materialize_together(
    tmp_path: Path, small_snapshot_dir: Path, lake: Lake, warehouse: Warehouse, store_frame
) -> None:
    from creditrisk_assets.features import defs as feature_defs

    landing = tmp_path / "landing"
    shutil.copytree(small_snapshot_dir, landing / SNAPSHOT)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(SNAPSHOT_PARTITIONS_NAME, [SNAPSHOT])
        result = dg.materialize(
            [*ingest_defs.assets, *feature_defs.assets, *feature_defs.asset_checks],
            partition_key=SNAPSHOT,
            instance=instance,
            resources={
                "source": SnapshotSource(kind="landing", landing_dir=str(landing)),
                "lake": lake,
                "warehouse": warehouse,
            },
        )
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    fs = pd.read_parquet(lake.local_path(STORE_PATH, SNAPSHOT))
    # ingestion's Parquet and this folder's CSV conversion give the very same features
    pd.testing.assert_frame_equal(fs, store_frame, check_exact=True)
    assert lake.exists(TRAIN_PATH, SNAPSHOT) and lake.exists(TEST_PATH, SNAPSHOT)
    spec = load_feature_spec(lake, SNAPSHOT)
    assert spec.names == [c for c in fs.columns[2:] if c not in spec.excluded_names]
