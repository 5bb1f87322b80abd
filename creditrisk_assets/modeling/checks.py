"""Asset checks on the model: AUC floor, overfit gap and grade monotonicity (blocking);
calibration, per-grade and Hosmer-Lemeshow calibration, grade concentration, fairness (warn).

Blocking checks stop everything downstream of ``model/test_metrics`` (canary, promotion) in the
same run. Calibration and fairness warn: they need a person's judgement, not an automatic stop.
The fairness check reads CODE_GENDER and DAYS_BIRTH from ``raw/application_train`` (joined on
SK_ID_CURR), because those columns are deliberately not model features.
"""

import functools
import itertools

import dagster as dg
import numpy as np
import pandas as pd

from creditrisk_assets.keys import TEST_METRICS, TEST_PREDICTIONS, TRAIN_METRICS, lake_path, raw_key
from creditrisk_assets.modeling.config import ModelChecksConfig
from creditrisk_assets.modeling.metrics import adverse_impact_ratio
from creditrisk_assets.modeling.stored import METRICS_FILE
from creditrisk_assets.resources import Lake
from creditrisk_assets.risk.statistics import monotonicity
from creditrisk_assets.snapshot_asset import report_check, snapshot_check

RAW_APPLICATIONS = raw_key("application_train")

#: A check whose ``verdict(metrics, config)`` judges the metrics ``model/test_metrics`` stored.
test_metrics_check = functools.partial(
    report_check, TEST_METRICS, METRICS_FILE, config_type=ModelChecksConfig
)


def _metrics(lake: Lake, key: dg.AssetKey, partition: str) -> dict:
    return lake.read_json(lake_path(key), partition, METRICS_FILE)


@test_metrics_check(
    "Test AUC is at least the configured floor.",
    "the candidate ranks good and bad applicants too poorly to lend on; it is not "
    "canaried or promoted, and the champion keeps deciding.",
    blocking=True,
)
def auc_floor(metrics: dict, config: ModelChecksConfig) -> dg.AssetCheckResult:
    auc = float(metrics["auc"])
    return dg.AssetCheckResult(
        passed=auc >= config.auc_floor,
        metadata={"test_auc": auc, "floor": config.auc_floor},
        description=f"test AUC {auc:.4f} vs floor {config.auc_floor}",
    )


@snapshot_check(
    TEST_METRICS,
    "Train AUC minus test AUC stays within the configured gap (overfitting).",
    "the candidate memorised its training applicants and would rank new ones worse than "
    "its metrics suggest; it is not promoted, and the champion keeps deciding.",
    blocking=True,
    additional_deps=[TRAIN_METRICS],
)
def auc_gap(
    context: dg.AssetCheckExecutionContext, config: ModelChecksConfig, lake: Lake
) -> dg.AssetCheckResult:
    train = float(_metrics(lake, TRAIN_METRICS, context.partition_key)["auc"])
    test = float(_metrics(lake, TEST_METRICS, context.partition_key)["auc"])
    return dg.AssetCheckResult(
        passed=train - test <= config.max_auc_gap,
        metadata={"train_auc": train, "test_auc": test, "gap": train - test},
        description=f"train-test AUC gap {train - test:.4f} vs max {config.max_auc_gap}",
    )


@test_metrics_check(
    "Expected calibration error on test (warning only).",
    "the PDs are off in level, so expected losses, pricing and provisions computed from "
    "them would be wrong even if the ranking is good; the risk team reviews before use.",
)
def calibration_error(values: dict, config: ModelChecksConfig) -> dg.AssetCheckResult:
    ece = float(values["ece"])
    return dg.AssetCheckResult(
        passed=ece <= config.max_ece,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "ece": ece,
            "max_ece": config.max_ece,
            "mean_pd": values["mean_pd"],
            "base_rate": values["base_rate"],
        },
        description=f"ECE {ece:.4f} vs max {config.max_ece}",
    )


@test_metrics_check(
    "Observed default rates do not decrease across master-scale grades that have enough "
    "test observations (rows and expected defaults).",
    "a worse grade would default less often than a better one, so grade-based limits and "
    "pricing would reward riskier applicants; the candidate is not promoted.",
    blocking=True,
)
def grade_monotonicity(metrics: dict, config: ModelChecksConfig) -> dg.AssetCheckResult:
    passed, breaks, compared = grade_order(metrics["validation"], config)
    return dg.AssetCheckResult(
        passed=passed,
        metadata={
            "grades_compared": compared,
            "min_grade_obs": config.min_grade_obs,
            "min_grade_expected_defaults": config.min_grade_expected_defaults,
            "decreases": dg.MetadataValue.json(breaks),
        },
        description=f"{len(breaks)} decrease(s) in observed default rate over {compared} grades",
    )


@test_metrics_check(
    "Per-grade Jeffreys test, Hosmer-Lemeshow and grade concentration (warn).",
    "some grades' PDs understate observed defaults or the portfolio crowds into few "
    "grades: capital and provisions per grade may be too low; the validator must review.",
)
def grade_calibration(metrics: dict, config: ModelChecksConfig) -> dg.AssetCheckResult:
    validation = metrics["validation"]
    problems, flagged = calibration_problems(validation, config)
    hl_p = float(validation["hosmer_lemeshow"]["p_value"])
    hi = float(validation["herfindahl"]["herfindahl"])
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "jeffreys_flagged_grades": dg.MetadataValue.json(flagged),
            "hosmer_lemeshow_p": hl_p,
            "herfindahl": hi,
            "max_herfindahl": config.max_herfindahl,
        },
        description="; ".join(problems) or "per-grade, decile and concentration checks pass",
    )


def grade_order(validation: dict, config: ModelChecksConfig) -> tuple[bool, list[dict], int]:
    """(passed, each decrease, grades compared): observed default rates over the grades with at
    least ``min_grade_obs`` rows and ``min_grade_expected_defaults`` expected defaults."""
    table = pd.DataFrame(validation["calibration"])
    table = table[table["n"] * table["mean_pd"] >= config.min_grade_expected_defaults]
    passed, breaks = monotonicity(table, config.min_grade_obs)
    return passed, breaks, int((table["n"] >= config.min_grade_obs).sum())


def calibration_problems(validation: dict, config: ModelChecksConfig) -> tuple[list[str], list]:
    """(what breaches a warning threshold, in words; grades whose Jeffreys p is below alpha)."""
    flagged = [
        r["grade"] for r in validation["calibration"] if r["jeffreys_p"] < config.jeffreys_alpha
    ]
    hl_p = float(validation["hosmer_lemeshow"]["p_value"])
    hi = float(validation["herfindahl"]["herfindahl"])
    problems = []
    if flagged:
        problems.append(f"PD underestimated (Jeffreys p < {config.jeffreys_alpha}) in {flagged}")
    if hl_p < config.hosmer_lemeshow_alpha:
        problems.append(f"Hosmer-Lemeshow p {hl_p:.4g} < {config.hosmer_lemeshow_alpha}")
    if hi > config.max_herfindahl:
        problems.append(f"Herfindahl {hi:.3f} > {config.max_herfindahl}")
    return problems, flagged


def age_bands(days_birth: pd.Series, edges: list[int]) -> pd.Series:
    """Age bands like '<30', '30-40', ..., '60+' from Kaggle's negative DAYS_BIRTH."""
    age = -days_birth.astype(float) / 365.25
    labels = [f"<{edges[0]}"]
    labels += [f"{a}-{b}" for a, b in itertools.pairwise(edges)]
    labels += [f"{edges[-1]}+"]
    return pd.cut(age, bins=[-np.inf, *edges, np.inf], labels=labels, right=False).astype(str)


def fairness_groups(
    lake: Lake, partition: str, age_band_edges: list[int]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(approved per test row, {attribute: group per row}) for CODE_GENDER and age bands: the
    test decisions joined to the raw applications (the validation pack reads the same)."""
    preds = pd.read_parquet(
        lake.local_path(lake_path(TEST_PREDICTIONS), partition), columns=["SK_ID_CURR", "decision"]
    )
    raw = pd.read_parquet(
        lake.local_path(lake_path(RAW_APPLICATIONS), partition),
        columns=["SK_ID_CURR", "CODE_GENDER", "DAYS_BIRTH"],
    )
    joined = preds.merge(raw, on="SK_ID_CURR", how="left", validate="one_to_one")
    unmatched = joined["DAYS_BIRTH"].isna()
    if unmatched.any():
        ids = joined.loc[unmatched, "SK_ID_CURR"].head(5).tolist()
        raise ValueError(
            f"{int(unmatched.sum())} model/test_predictions rows have no raw/application_train "
            f"row (SK_ID_CURR e.g. {ids}) in {partition}"
        )
    approved = (joined["decision"] == "approve").to_numpy()
    return approved, {
        "CODE_GENDER": joined["CODE_GENDER"].fillna("missing").astype(str).to_numpy(),
        "age_band": age_bands(joined["DAYS_BIRTH"], age_band_edges).to_numpy(),
    }


@snapshot_check(
    TEST_PREDICTIONS,
    "Adverse impact ratio of approval rates across CODE_GENDER and age bands.",
    "one group is approved markedly less often than another (four-fifths rule): a fair-"
    "lending and regulatory risk the risk team must review before the model ships.",
    additional_deps=[RAW_APPLICATIONS],
)
def fairness(
    context: dg.AssetCheckExecutionContext, config: ModelChecksConfig, lake: Lake
) -> dg.AssetCheckResult:
    approved, groups = fairness_groups(lake, context.partition_key, config.age_band_edges)
    results = {
        name: adverse_impact_ratio(approved, values, config.min_group_size)
        for name, values in groups.items()
    }
    worst = min(r for r, _ in results.values())
    metadata: dict = {
        "min_adverse_impact_ratio": worst,
        "threshold": config.min_adverse_impact_ratio,
    }
    for name, (ratio, rates) in results.items():
        metadata[f"air_{name}"] = ratio
        metadata[f"approval_rates_{name}"] = dg.MetadataValue.json(rates)
    return dg.AssetCheckResult(
        passed=worst >= config.min_adverse_impact_ratio,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=", ".join(f"AIR {n} {r:.3f}" for n, (r, _) in results.items()),
    )
