"""The refit after early stopping: every train row, on the features that carried the first fit.

Early stopping needs a validation slice, so the early-stopped model never saw 15 % of the train
split. The refit fits again on every train row with the tree count scaled by the rows gained (a
model on more rows supports more trees at the same learning rate), and offers it only the
features that carried ``refit_gain_share`` of the first fit's total gain, most first: the other
columns (on the 100k synthetic snapshot ~240 of 336, each with a sliver of gain) are split on
for noise, and set to missing they cannot be split on at all. The booster keeps every spec
column, so scoring, explanations and the feature spec do not change.

Measured on the 100k synthetic snapshot (seeds 7 and 8, depth 3): test AUC 0.8167 / 0.8185
early-stopped, 0.8183 / 0.8179 refitted on all features, 0.8196 / 0.8187 refitted on the ~100
features with 95 % of the gain; a model on the 28 columns the generator's PD reads reached
0.8200, the true PD without the (excluded) sex term 0.8245. The refit costs a second, cheaper fit
(fewer columns: 8-9 s against 30-45 s for the first at 80k rows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import xgboost as xgb

if TYPE_CHECKING:
    from creditrisk_assets.features.spec import FeatureSpec
    from creditrisk_assets.modeling.training import TrainParams


def kept_features(booster: xgb.Booster, names: list[str], gain_share: float) -> list[str]:
    """Features by total gain, most first, until ``gain_share`` of all gain is covered (the one
    that crosses it included); every feature when ``gain_share`` >= 1 or nothing has gain."""
    gain = booster.get_score(importance_type="total_gain")
    total = sum(gain.values())
    if gain_share >= 1.0 or total <= 0:
        return list(names)
    kept, covered = [], 0.0
    for name in sorted(gain, key=lambda n: (-gain[n], n)):
        if covered >= gain_share * total:
            break
        kept.append(name)
        covered += gain[name]
    return kept


def refit_all_rows(
    first: xgb.Booster,
    trees: int,
    x: np.ndarray,
    y: np.ndarray,
    n_fit: int,
    spec: FeatureSpec,
    params: TrainParams,
    dmatrix: Callable[[np.ndarray, np.ndarray, int], xgb.DMatrix],
) -> tuple[xgb.Booster, int, int, int]:
    """(booster refitted on every row of ``x``, its trees, features offered, rows fitted).

    ``first`` is the early-stopped booster (``trees`` trees) fitted on ``n_fit`` of the rows.
    ``x`` is modified in place (the dropped columns become NaN): the caller no longer needs it.
    """
    from creditrisk_assets.modeling.training import booster_params, resample, threads_for

    keep = set(kept_features(first, spec.names, params.refit_gain_share))
    dropped = [i for i, name in enumerate(spec.names) if name not in keep]
    x[:, dropped] = np.nan
    rounds = max(1, round(trees * len(y) / n_fit))
    x_all, y_all = resample(x, y, spec, params)
    threads = threads_for(len(y_all), params.nthread)
    booster = xgb.train(
        booster_params(spec, params, threads),
        dmatrix(x_all, y_all, threads),
        num_boost_round=rounds,
        verbose_eval=False,
    )
    return booster, rounds, len(keep), len(y_all)
