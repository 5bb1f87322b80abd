"""Tunables of the modeling domain: training hyperparameters and check thresholds.

Every field is described, so the Dagster launchpad documents itself. Defaults were chosen on the
synthetic snapshots and the real application sample (see ``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Literal

import dagster as dg
from pydantic import Field

from creditrisk_assets.modeling.policy import default_cutoff
from creditrisk_assets.modeling.scorecard import ScorecardParams
from creditrisk_assets.modeling.training import TrainParams

# The defaults live in the parameter classes; the fields below only describe them.
_TRAIN, _SCORECARD = TrainParams(), ScorecardParams()
_SCORECARD_PREFIX = "scorecard_"


class CandidateConfig(dg.Config):
    """XGBoost (hist) hyperparameters, early stopping, resampling and the PD cut-off."""

    learning_rate: float = Field(
        default=_TRAIN.learning_rate, description="Shrinkage per boosting round (eta)."
    )
    max_depth: int = Field(
        default=_TRAIN.max_depth,
        description="Maximum depth of each tree (3: the synthetic PD is additive, deeper trees "
        "spent their splits on interactions that are not there; see RESULTS.md).",
    )
    min_child_weight: float = Field(
        default=_TRAIN.min_child_weight,
        description="Minimum hessian sum in a leaf: larger = more conservative.",
    )
    subsample: float = Field(default=_TRAIN.subsample, description="Row fraction sampled per tree.")
    colsample_bytree: float = Field(
        default=_TRAIN.colsample_bytree, description="Column fraction sampled per tree."
    )
    reg_lambda: float = Field(default=_TRAIN.reg_lambda, description="L2 penalty on leaf weights.")
    max_bin: int = Field(
        default=_TRAIN.max_bin, description="Histogram bins per feature (hist method)."
    )
    num_boost_round: int = Field(
        default=_TRAIN.num_boost_round,
        description="Upper bound on trees; early stopping usually ends sooner.",
    )
    early_stopping_rounds: int = Field(
        default=_TRAIN.early_stopping_rounds,
        description="Stop after this many rounds without validation improvement.",
    )
    validation_fraction: float = Field(
        default=_TRAIN.validation_fraction,
        description="Stratified slice of the train split held out for early stopping (large "
        "train splits only, see cv_below_rows).",
    )
    refit: bool = Field(
        default=_TRAIN.refit,
        description="After early stopping on the slice, refit on every train row (the slice "
        "included) with the tree count scaled by the rows gained: a second fit for ~17% more "
        "data. Large train splits only.",
    )
    refit_gain_share: float = Field(
        default=_TRAIN.refit_gain_share,
        description="The refit is offered only the features that carried this share of the "
        "early-stopped fit's total gain, most first (the rest are split on for noise); 1 = all.",
    )
    cv_below_rows: int = Field(
        default=_TRAIN.cv_below_rows,
        description="Train splits with fewer rows choose the number of trees by stratified "
        "k-fold cross-validation (then fit on every train row) instead of early stopping on a "
        "validation slice, which holds too few defaults to stop at the right tree on small "
        "data. 0 = always early stopping. The run's 'rounds_by' tag says which ran.",
    )
    cv_folds: int = Field(
        default=_TRAIN.cv_folds,
        description="Folds of that cross-validation (fewer when the train split has fewer "
        "defaults than folds).",
    )
    cv_repeats: int = Field(
        default=_TRAIN.cv_repeats,
        description="Repeats of the k-fold split (reshuffled, seeded) averaged over.",
    )
    monotone: bool = Field(
        default=_TRAIN.monotone,
        description="Enforce the feature spec's declared monotone directions (external scores "
        "lower risk; days past due and utilisation raise it; features.catalog.MONOTONE).",
    )
    resampling: Literal["none", "undersample", "smote"] = Field(
        default=_TRAIN.resampling,
        description=(
            "Class rebalancing of the fitting rows: none (default: best calibration at equal "
            "AUC, see RESULTS.md), random under-sampling, or SMOTE (SMOTE-NC for categoricals). "
            "PDs of resampled models are prior-shift corrected back to the true base rate."
        ),
    )
    resample_ratio: float = Field(
        default=_TRAIN.resample_ratio,
        description="Minority/majority ratio after resampling (ignored for none).",
    )
    pd_cutoff: float = Field(
        default=default_cutoff(),
        description="Approve when PD < cut-off; stored with the version. Default from env "
        "CREDITRISK_PD_CUTOFF (read when the code location loads), else 0.15.",
    )
    seed: int = Field(
        default=_TRAIN.seed, description="Seed for the validation split, sampling and trees."
    )
    nthread: int = Field(
        default=_TRAIN.nthread,
        description="XGBoost threads; 0 = auto: 1 below 100,000 fitting rows (faster on shared "
        "cores), else all cores.",
    )

    challenger: bool = Field(
        default=True,
        description="Fit the WOE logistic scorecard challenger on the same train split and "
        "report its Gini gap to the candidate (modeling/scorecard.py).",
    )
    scorecard_pdo: float = Field(
        default=_SCORECARD.pdo, description="Scorecard: points to double the good:bad odds (PDO)."
    )
    scorecard_base_points: float = Field(
        default=_SCORECARD.base_points, description="Scorecard: points at the base odds."
    )
    scorecard_base_odds: float = Field(
        default=_SCORECARD.base_odds,
        description="Scorecard: good:bad odds at the base points (50 = 50:1).",
    )
    scorecard_max_characteristics: int = Field(
        default=_SCORECARD.max_characteristics,
        description="Scorecard: at most this many characteristics, the strongest by "
        "information value.",
    )
    scorecard_min_iv: float = Field(
        default=_SCORECARD.min_iv, description="Scorecard: a characteristic needs at least this IV."
    )
    scorecard_max_rows: int = Field(
        default=_SCORECARD.max_rows,
        description="Scorecard: fitted on a stratified sample of at most this many train rows.",
    )

    def params(self) -> TrainParams:
        values = self.model_dump()
        return TrainParams(**{f.name: values[f.name] for f in fields(TrainParams)})

    def scorecard_params(self) -> ScorecardParams:
        """Each ``scorecard_<name>`` field as ``ScorecardParams.<name>``, with the run's seed."""
        values = self.model_dump()
        chosen = {
            name.removeprefix(_SCORECARD_PREFIX): value
            for name, value in values.items()
            if name.startswith(_SCORECARD_PREFIX)
        }
        return ScorecardParams(**chosen, seed=self.seed)


class ModelChecksConfig(dg.Config):
    """Thresholds of the model asset checks."""

    auc_floor: float = Field(
        default=0.65, description="Blocking: the test AUC must be at least this."
    )
    max_auc_gap: float = Field(
        default=0.15,
        description="Blocking: train AUC minus test AUC must be at most this (in-sample AUC of "
        "boosted trees is optimistic; small snapshots legitimately fail it).",
    )
    max_ece: float = Field(
        default=0.05, description="Warning: expected calibration error on test at most this."
    )
    min_grade_obs: int = Field(
        default=100,
        description="Blocking grade monotonicity: only grades with at least this many test rows "
        "are compared (a thin grade's default rate is noise).",
    )
    min_grade_expected_defaults: float = Field(
        default=5.0,
        description="Blocking grade monotonicity: only grades expecting at least this many "
        "defaults (rows x mean PD) are compared; in the safest grades a single default would "
        "otherwise block a sound model.",
    )
    jeffreys_alpha: float = Field(
        default=0.05,
        description="Warning: a grade whose one-sided Jeffreys p-value (PD underestimated) is "
        "below this.",
    )
    hosmer_lemeshow_alpha: float = Field(
        default=0.01, description="Warning: Hosmer-Lemeshow p-value over PD deciles below this."
    )
    max_herfindahl: float = Field(
        default=0.25,
        description="Warning: Herfindahl index of the test grade distribution (sum of squared "
        "grade shares; 0.1 = spread evenly over the ten performing grades) above this.",
    )
    min_adverse_impact_ratio: float = Field(
        default=0.8,
        description="Warning: lowest/highest approval rate across groups (four-fifths rule).",
    )
    min_group_size: int = Field(
        default=30, description="Groups smaller than this are reported but not compared."
    )
    age_band_edges: list[int] = Field(
        default=[30, 40, 50, 60],
        description="Age band boundaries in years (from DAYS_BIRTH) for the fairness check.",
    )
