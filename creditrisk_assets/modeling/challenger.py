"""The scorecard challenger beside each candidate: fitted, stored and logged with it, then
evaluated on the same test rows (``modeling.scorecard`` says what it is and why).

The candidate step fits it on the same train split (``log_challenger``): its table goes to the
candidate's MLflow run (``scorecard/scorecard.json`` and ``.csv``) and to the candidate's lake
partition, beside the pointer. ``model/test_metrics`` scores the test split from that table
(``evaluate_challenger``) and reports the Gini gap, candidate minus scorecard; the validation
pack shows it under discrimination.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creditrisk_assets.features.spec import ID_COLUMN, FeatureSpec
from creditrisk_assets.keys import CANDIDATE, FEATURES_TEST, lake_path
from creditrisk_assets.modeling import metrics as m
from creditrisk_assets.modeling.registry_records import CandidateRun
from creditrisk_assets.modeling.scorecard import Scorecard, ScorecardParams, fit_scorecard
from creditrisk_assets.resources import Lake

SCORECARD_FILE = "scorecard.json"
ARTIFACT_DIR = "scorecard"


def log_challenger(
    run: CandidateRun,
    folder: Path,
    lake: Lake,
    partition: str,
    frame: pd.DataFrame,
    spec: FeatureSpec,
    params: ScorecardParams,
) -> dict[str, float]:
    """Fit the scorecard on the candidate's train rows; store and log it; its train figures."""
    y = frame[spec.target_column].to_numpy(dtype=int)
    card = fit_scorecard(frame, spec, params, y)
    out = folder / ARTIFACT_DIR
    out.mkdir(parents=True, exist_ok=True)
    (out / SCORECARD_FILE).write_text(json.dumps(card.table, indent=1))
    card.rows().to_csv(out / "scorecard.csv", index=False)
    run.log_artifact(out / SCORECARD_FILE, ARTIFACT_DIR)
    run.log_artifact(out / "scorecard.csv", ARTIFACT_DIR)
    lake.write_json(lake_path(CANDIDATE), partition, SCORECARD_FILE, card.table)
    figures = {
        "scorecard_characteristics": float(len(card.characteristics)),
        "scorecard_train_gini": m.gini(y, card.predict_pd(frame)) if y.min() < y.max() else 0.0,
    }
    run.log_metrics(figures)
    return figures


def evaluate_challenger(
    lake: Lake, partition: str, y: np.ndarray, candidate_pd: np.ndarray, ids: np.ndarray
) -> dict[str, Any] | None:
    """The scorecard's test AUC and Gini on the candidate's test rows (matched by id), and
    the Gini gap (candidate minus scorecard); None when the candidate stored no scorecard."""
    if not lake.exists(lake_path(CANDIDATE), partition, SCORECARD_FILE):
        return None
    card = Scorecard(lake.read_json(lake_path(CANDIDATE), partition, SCORECARD_FILE))
    path = lake.local_path(lake_path(FEATURES_TEST), partition)
    test = pd.read_parquet(path, columns=[ID_COLUMN, *card.characteristics])
    test = test.set_index(ID_COLUMN).loc[ids]  # the predictions' row order
    p = card.predict_pd(test)
    auc = m.roc_auc(y, p)
    scaling = card.table["scaling"]
    candidate_gini = m.gini(y, candidate_pd)
    return {
        "scorecard_auc": auc,
        "scorecard_gini": 2 * auc - 1,
        "candidate_gini": candidate_gini,
        "gini_gap": candidate_gini - (2 * auc - 1),
        "characteristics": ", ".join(card.characteristics) or "none",
        "scaling": f"{scaling['base_points']:g} points at {scaling['base_odds']:g}:1, "
        f"PDO {scaling['pdo']:g}",
        "protected_policy": card.table["protected_policy"],
    }
