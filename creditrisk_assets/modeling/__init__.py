"""Modeling domain: train the PD model, register it in MLflow, evaluate it, check it.

Public, stable pieces other domains use: ``ScoringModel`` (scoring_model), ``DecisionPolicy``
(policy), the metric functions (metrics), ``ModelRegistry`` with its aliases ``CHAMPION`` and
``PREVIOUS`` (registry) and the one prediction assembly (prediction). ``pack_asset`` renders
each version's validation pack (``model/validation_pack``) from the others' stored figures.
"""

from __future__ import annotations

import dagster as dg

from creditrisk_assets import keys
from creditrisk_assets.modeling.candidate_asset import candidate
from creditrisk_assets.modeling.checks import (
    auc_floor,
    auc_gap,
    calibration_error,
    fairness,
    grade_calibration,
    grade_monotonicity,
)
from creditrisk_assets.modeling.evaluation_assets import (
    test_metrics,
    test_predictions,
    train_metrics,
)
from creditrisk_assets.modeling.pack_asset import validation_pack
from creditrisk_assets.partitions import snapshot_partitions

MODEL_ASSETS = [candidate, train_metrics, test_predictions, test_metrics, validation_pack]
MODEL_CHECKS = [
    auc_floor,
    auc_gap,
    grade_monotonicity,
    calibration_error,
    grade_calibration,
    fairness,
]

train_job = dg.define_asset_job(
    "train_job",
    # Features first: a retrain must never read a stale or missing split (rebuilding them is
    # deterministic and cheap next to training).
    selection=dg.AssetSelection.groups(keys.FEATURES) | dg.AssetSelection.assets(*MODEL_ASSETS),
    partitions_def=snapshot_partitions,
    description="Features -> candidate -> evaluation, with their checks, for one snapshot.",
)

defs = dg.Definitions(assets=MODEL_ASSETS, asset_checks=MODEL_CHECKS, jobs=[train_job])
