"""Every asset key of the graph, named once; lake paths and group names derive from the keys.

An asset is addressed in three ways - its Dagster key (``model/candidate``), its folder in the
lake (``<lake>/model/candidate/snapshot_date=.../``) and its group in the UI - and all three
come from the constants here: ``lake_path(key)`` is the key's parts joined by ``/`` and each
asset's group is its key's prefix (``group_of(key)``). Definitions, checks, job selections,
sensors, the CLI and the deploy lookup import these names, so renaming an asset is one edit and
a search for a key finds its one definition (``creditrisk_assets_tests/core/test_keys.py``
fails on a key spelled out anywhere else in the package).
"""

from __future__ import annotations

import dagster as dg

#: Key prefixes, which are also the asset groups (one per domain that owns assets).
RAW = "raw"
FEATURES = "features"
MODEL = "model"
MONITORING = "monitoring"
DEPLOY = "deploy"
SCORING = "scoring"
DECISIONS = "decisions"
GROUPS: tuple[str, ...] = (RAW, FEATURES, MODEL, MONITORING, DEPLOY, SCORING, DECISIONS)

FEATURE_STORE = dg.AssetKey([FEATURES, "feature_store"])
FEATURES_TRAIN = dg.AssetKey([FEATURES, "train"])
FEATURES_TEST = dg.AssetKey([FEATURES, "test"])

CANDIDATE = dg.AssetKey([MODEL, "candidate"])
TRAIN_METRICS = dg.AssetKey([MODEL, "train_metrics"])
TEST_PREDICTIONS = dg.AssetKey([MODEL, "test_predictions"])
TEST_METRICS = dg.AssetKey([MODEL, "test_metrics"])
#: The validation pack of the snapshot's registered version (HTML a validator reads and signs).
VALIDATION_PACK = dg.AssetKey([MODEL, "validation_pack"])

DRIFT_REPORT = dg.AssetKey([MONITORING, "drift_report"])
#: Earlier decisions against the outcomes that matured in a snapshot (issue 17).
BACKTEST = dg.AssetKey([MONITORING, "backtest"])
#: The population the champion actually scored against its training reference (issue 17).
PRODUCTION_DRIFT = dg.AssetKey([MONITORING, "production_drift"])

CANARY_REPORT = dg.AssetKey([DEPLOY, "canary_report"])
DEPLOY_MANIFEST = dg.AssetKey([DEPLOY, "deploy_manifest"])

BATCH_SCORES = dg.AssetKey([SCORING, "batch_scores"])

#: The decision log (every batch and API decision), stored under its lake path by day.
DECISION_LOG = dg.AssetKey([DECISIONS, "log"])


def raw_key(table: str) -> dg.AssetKey:
    """The key of a raw table's asset, e.g. ``raw/bureau`` (tables: ``schema.RAW_TABLES``)."""
    return dg.AssetKey([RAW, table])


def lake_path(key: dg.AssetKey) -> str:
    """The asset's folder in the lake, relative to its root: the key's parts joined by ``/``."""
    return "/".join(key.path)


def raw_path(table: str) -> str:
    """The lake path of a raw table, e.g. ``raw/bureau``."""
    return lake_path(raw_key(table))


def group_of(key: dg.AssetKey) -> str:
    """The asset group of a key: its prefix, so the UI groups assets as the lake folders do."""
    return key.path[0]
