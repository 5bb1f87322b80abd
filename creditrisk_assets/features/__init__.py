"""Features domain: the feature store, its train/test split, their checks, and the feature spec.

Other domains use: ``load_feature_spec(lake, partition)`` (the spec written with a partition),
the lake paths ``STORE_PATH``/``TRAIN_PATH``/``TEST_PATH`` (derived from the keys in
``creditrisk_assets.keys``), and the SQL file names (``sql_files.py``). Features of one
applicant from in-memory records, by the same SQL as the store, are the scoring API's:
``creditrisk_assets.serving.feature_sessions``.
"""

import dagster as dg

from creditrisk_assets.features.assets import (
    STORE_PATH,
    TEST_PATH,
    TRAIN_PATH,
    SplitConfig,
    feature_splits,
    feature_store,
    load_feature_spec,
    split_bucket,
)
from creditrisk_assets.features.checks import (
    ClassBalanceConfig,
    feature_store_contract,
    split_class_balance,
    split_disjoint_and_complete,
)
from creditrisk_assets.features.spec import SPEC_FILE, Feature, FeatureSpec

__all__ = [
    "SPEC_FILE",
    "STORE_PATH",
    "TEST_PATH",
    "TRAIN_PATH",
    "ClassBalanceConfig",
    "Feature",
    "FeatureSpec",
    "SplitConfig",
    "defs",
    "load_feature_spec",
    "split_bucket",
]

defs = dg.Definitions(
    assets=[feature_store, feature_splits],
    asset_checks=[feature_store_contract, split_disjoint_and_complete, split_class_balance],
)
