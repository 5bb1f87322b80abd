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


class CandidateConfig(dg.Config):
    """XGBoost (hist) hyperparameters, early stopping, resampling and the PD cut-off."""

    learning_rate: float = Field(default=0.05, description="Shrinkage per boosting round (eta).")
    max_depth: int = Field(
        default=3,
        description="Maximum depth of each tree (3: the synthetic PD is additive, deeper trees "
        "spent their splits on interactions that are not there; see RESULTS.md).",
    )
    min_child_weight: float = Field(
        default=20.0, description="Minimum hessian sum in a leaf: larger = more conservative."
    )
    subsample: float = Field(default=0.8, description="Row fraction sampled per tree.")
    colsample_bytree: float = Field(default=0.5, description="Column fraction sampled per tree.")
    reg_lambda: float = Field(default=10.0, description="L2 penalty on leaf weights.")
    max_bin: int = Field(default=256, description="Histogram bins per feature (hist method).")
    num_boost_round: int = Field(
        default=2000, description="Upper bound on trees; early stopping usually ends sooner."
    )
    early_stopping_rounds: int = Field(
        default=50, description="Stop after this many rounds without validation improvement."
    )
    validation_fraction: float = Field(
        default=0.15,
        description="Stratified slice of the train split held out for early stopping (large "
        "train splits only, see cv_below_rows).",
    )
    refit: bool = Field(
        default=True,
        description="After early stopping on the slice, refit on every train row (the slice "
        "included) with the tree count scaled by the rows gained: a second fit for ~17% more "
        "data. Large train splits only.",
    )
    refit_gain_share: float = Field(
        default=0.95,
        description="The refit is offered only the features that carried this share of the "
        "early-stopped fit's total gain, most first (the rest are split on for noise); 1 = all.",
    )
    cv_below_rows: int = Field(
        default=20_000,
        description="Train splits with fewer rows choose the number of trees by stratified "
        "k-fold cross-validation (then fit on every train row) instead of early stopping on a "
        "validation slice, which holds too few defaults to stop at the right tree on small "
        "data. 0 = always early stopping. The run's 'rounds_by' tag says which ran.",
    )
    cv_folds: int = Field(
        default=5,
        description="Folds of that cross-validation (fewer when the train split has fewer "
        "defaults than folds).",
    )
    cv_repeats: int = Field(
        default=1, description="Repeats of the k-fold split (reshuffled, seeded) averaged over."
    )
    monotone: bool = Field(
        default=True,
        description="Enforce the feature spec's declared monotone directions (external scores "
        "lower risk; days past due and utilisation raise it; features.catalog.MONOTONE).",
    )
    resampling: Literal["none", "undersample", "smote"] = Field(
        default="none",
        description=(
            "Class rebalancing of the fitting rows: none (default: best calibration at equal "
            "AUC, see RESULTS.md), random under-sampling, or SMOTE (SMOTE-NC for categoricals). "
            "PDs of resampled models are prior-shift corrected back to the true base rate."
        ),
    )
    resample_ratio: float = Field(
        default=0.5, description="Minority/majority ratio after resampling (ignored for none)."
    )
    pd_cutoff: float = Field(
        default=default_cutoff(),
        description="Approve when PD < cut-off; stored with the version. Default from env "
        "CREDITRISK_PD_CUTOFF (read when the code location loads), else 0.15.",
    )
    seed: int = Field(default=7, description="Seed for the validation split, sampling and trees.")
    nthread: int = Field(
        default=0,
        description="XGBoost threads; 0 = auto: 1 below 100,000 fitting rows (faster on shared "
        "cores), else all cores.",
    )

    challenger: bool = Field(
        default=True,
        description="Fit the WOE logistic scorecard challenger on the same train split and "
        "report its Gini gap to the candidate (modeling/scorecard.py).",
    )
    scorecard_pdo: float = Field(
        default=20.0, description="Scorecard: points to double the good:bad odds (PDO)."
    )
    scorecard_base_points: float = Field(
        default=600.0, description="Scorecard: points at the base odds."
    )
    scorecard_base_odds: float = Field(
        default=50.0, description="Scorecard: good:bad odds at the base points (50 = 50:1)."
    )
    scorecard_max_characteristics: int = Field(
        default=12,
        description="Scorecard: at most this many characteristics, the strongest by "
        "information value.",
    )
    scorecard_min_iv: float = Field(
        default=0.02, description="Scorecard: a characteristic needs at least this IV."
    )
    scorecard_max_rows: int = Field(
        default=100_000,
        description="Scorecard: fitted on a stratified sample of at most this many train rows.",
    )

    def params(self) -> TrainParams:
        values = self.model_dump()
        return TrainParams(**{f.name: values[f.name] for f in fields(TrainParams)})

    def scorecard_params(self) -> ScorecardParams:
        return ScorecardParams(
            pdo=self.scorecard_pdo,
            base_points=self.scorecard_base_points,
            base_odds=self.scorecard_base_odds,
            max_characteristics=self.scorecard_max_characteristics,
            min_iv=self.scorecard_min_iv,
            max_rows=self.scorecard_max_rows,
            seed=self.seed,
        )


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
