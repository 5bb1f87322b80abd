"""Blocking checks on the feature assets: nothing trains on a broken store or a leaky split.

- ``feature_store_contract``: unique non-null ids; the Parquet's columns are exactly id, target,
  then the spec's features in order, with the spec's types (DOUBLE, or INTEGER codes for
  categoricals); no infinite or NaN value; no feature entirely NULL. A feature may be entirely
  NULL only when the raw table it aggregates is empty in this snapshot (an application-only
  snapshot still runs; its row-count features are 0, not NULL). An all-NULL feature over a
  *non-empty* table fails: it means a category was renamed or a filter matches nothing, which
  a model would silently learn nothing from.
- ``split_disjoint_and_complete``: no applicant on both sides, only labelled rows, and every
  labelled applicant of the store on one side.
- ``split_class_balance``: the TARGET rates of train and test agree: it fails only when the gap
  is both larger than ``max_rate_gap`` and statistically significant (|z| > ``max_z``), so a
  small snapshot is not failed by sampling noise and a full one cannot hide a real skew.
"""

# No `from __future__ import annotations`: Dagster reads the context, config and resource types.
import math
import re
from typing import Any

import dagster as dg
from pydantic import Field

from creditrisk_assets.features.assets import (
    STORE_PATH,
    TEST_PATH,
    TRAIN_PATH,
    load_feature_spec,
)
from creditrisk_assets.features.spec import ID_COLUMN, TARGET_COLUMN, FeatureSpec
from creditrisk_assets.keys import FEATURE_STORE, FEATURES_TEST, FEATURES_TRAIN, raw_key, raw_path
from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.schema import HISTORY_TABLES
from creditrisk_assets.snapshot_asset import snapshot_check

#: Bureau features computed from bureau_balance: NULL everywhere when bureau_balance is empty.
_FROM_BUREAU_BALANCE = re.compile(r"^BUREAU_.*(MONTHS_BALANCE_|STATUS_)")


def allowed_all_null(feature_name: str, source: str, empty_tables: set[str]) -> bool:
    """Whether a feature may be entirely NULL given the snapshot's empty raw tables."""
    if source in empty_tables:
        return True
    return "bureau_balance" in empty_tables and bool(_FROM_BUREAU_BALANCE.match(feature_name))


def contract_violations(
    columns: list[tuple[str, str]],
    spec: FeatureSpec,
    per_column: dict[str, dict[str, int]],
    ids: dict[str, Any],
    empty_tables: set[str],
) -> list[str]:
    """Every way a feature-store partition breaks its contract (empty list: none)."""
    problems = []
    if ids["null_ids"]:
        problems.append(f"{ids['null_ids']} rows without SK_ID_CURR")
    if ids["duplicate_rows"]:
        problems.append(
            f"{ids['duplicate_rows']} duplicate SK_ID_CURR rows, e.g. {ids['duplicate_examples']}"
        )
    # The model's features in spec order; the excluded (protected) ones anywhere in the store.
    excluded = set(spec.excluded_names)
    expected = [ID_COLUMN, TARGET_COLUMN, *spec.names]
    actual = [name for name, _ in columns if name not in excluded]
    absent_excluded = sorted(excluded - {name for name, _ in columns})
    if actual != expected or absent_excluded:
        missing = [c for c in expected if c not in actual] + absent_excluded
        extra = [c for c in actual if c not in expected]
        problems.append(
            f"columns differ from the spec: missing {missing[:10]}, unexpected {extra[:10]}"
            + ("" if missing or extra else " (same names, different order)")
        )
    types = dict(columns)
    for f in (*spec.features, *spec.excluded):
        want = "INTEGER" if f.kind == "categorical" else "DOUBLE"
        if f.name in types and types[f.name] != want:
            problems.append(f"{f.name} is {types[f.name]}, expected {want}")
    for measure in ("infinite", "nan"):
        bad = {c: n for c, n in per_column.get(measure, {}).items() if n}
        if bad:
            problems.append(
                f"{measure} values in {len(bad)} columns: {dict(list(bad.items())[:10])}"
            )
    non_null = per_column.get("non_null", {})
    if ids["n_rows"]:
        all_null = [
            f.name
            for f in spec.features
            if non_null.get(f.name, 0) == 0 and not allowed_all_null(f.name, f.source, empty_tables)
        ]
        if all_null:
            problems.append(
                f"{len(all_null)} features entirely NULL although their table has rows: "
                f"{all_null[:15]}"
            )
    return problems


MEASURES = ("non_null", "infinite", "nan")


def column_measures(con, names: list[str]) -> dict[str, dict[str, int]]:
    """{measure: {feature column: count}} for ``MEASURES``, from one scan of the store."""
    features = [n for n in names if n not in (ID_COLUMN, TARGET_COLUMN)]
    rel = Warehouse.run_sql_file(con, "features_check_columns")
    row = rel.fetchall()[0]
    width = len(features)
    return {
        measure: dict(zip(features, row[i * width : (i + 1) * width], strict=True))
        for i, measure in enumerate(MEASURES)
    }


@snapshot_check(
    FEATURE_STORE,
    "Unique ids, columns and types as in the spec, no ±inf/NaN, no feature entirely NULL "
    "unless its raw table is empty in this snapshot.",
    "the features no longer mean what the model was trained on (a broken SQL, a renamed "
    "category): no model is trained, evaluated or promoted on this snapshot.",
    blocking=True,
    additional_deps=[raw_key(t) for t in HISTORY_TABLES],
)
def feature_store_contract(
    context: dg.AssetCheckExecutionContext, lake: Lake, warehouse: Warehouse
) -> dg.AssetCheckResult:
    partition = context.partition_key
    spec = load_feature_spec(lake, partition)
    with warehouse.session() as con:
        Warehouse.register_parquet(con, {"feature_store": lake.local_path(STORE_PATH, partition)})
        rel = con.table("feature_store")
        columns = [(n, str(t)) for n, t in zip(rel.columns, rel.types, strict=True)]
        ids_rel = Warehouse.run_sql_file(con, "features_check_ids")
        ids = dict(zip(ids_rel.columns, ids_rel.fetchall()[0], strict=True))
        per_column = column_measures(con, [n for n, _ in columns])
        empty_tables = {
            t
            for t in HISTORY_TABLES
            if con.read_parquet(lake.local_path(raw_path(t), partition))
            .aggregate("count(*)")
            .fetchall()[0][0]
            == 0
        }
    problems = contract_violations(columns, spec, per_column, ids, empty_tables)
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(problems) or "feature store matches its contract",
        metadata={
            "rows": int(ids["n_rows"]),
            "n_features": len(spec.features),
            "empty_history_tables": sorted(empty_tables),
            "problems": problems,
        },
    )


def _split_stats(lake: Lake, warehouse: Warehouse, partition: str) -> dict[str, Any]:
    with warehouse.session() as con:
        Warehouse.register_parquet(
            con,
            {
                "feature_store": lake.local_path(STORE_PATH, partition),
                "train": lake.local_path(TRAIN_PATH, partition),
                "test": lake.local_path(TEST_PATH, partition),
            },
        )
        rel = Warehouse.run_sql_file(con, "features_check_split")
        return dict(zip(rel.columns, rel.fetchall()[0], strict=True))


@snapshot_check(
    FEATURES_TEST,
    "No applicant in both train and test; only labelled rows; every labelled applicant of "
    "the feature store on exactly one side.",
    "test metrics would be measured on rows the model saw (leakage), overstating how well "
    "it ranks risk; no candidate is trained or promoted from this split.",
    blocking=True,
    additional_deps=[FEATURES_TRAIN, FEATURE_STORE],
)
def split_disjoint_and_complete(
    context: dg.AssetCheckExecutionContext, lake: Lake, warehouse: Warehouse
) -> dg.AssetCheckResult:
    s = _split_stats(lake, warehouse, context.partition_key)
    problems = []
    if s["overlap_rows"]:
        problems.append(f"{s['overlap_rows']} ids in both, e.g. {s['overlap_examples']}")
    if s["unlabelled_rows"]:
        problems.append(f"{s['unlabelled_rows']} rows without TARGET")
    if s["labelled_rows_missing"]:
        problems.append(f"{s['labelled_rows_missing']} labelled applicants on neither side")
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(problems) or "train and test are disjoint and complete",
        metadata={k: int(s[k]) for k in ("train_rows", "test_rows", "overlap_rows")},
    )


class ClassBalanceConfig(dg.Config):
    """How far the TARGET rates of train and test may drift apart."""

    max_rate_gap: float = Field(
        default=0.02,
        gt=0.0,
        description="Largest acceptable absolute gap between train and test TARGET rates.",
    )
    max_z: float = Field(
        default=3.0,
        gt=0.0,
        description="A larger gap still passes unless its two-proportion z-score exceeds this "
        "(small snapshots have noisy rates).",
    )


def class_balance(s: dict[str, Any], config: ClassBalanceConfig) -> tuple[bool, str, float]:
    """(passed, explanation, z) for the TARGET rates of a split's two sides."""
    if not s["train_rows"] or not s["test_rows"]:
        return False, "a side of the split is empty: cannot compare TARGET rates", 0.0
    p1, p2 = float(s["train_target_rate"]), float(s["test_target_rate"])
    n1, n2 = int(s["train_rows"]), int(s["test_rows"])
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    gap = abs(p1 - p2)
    z = gap / se if se > 0 else 0.0
    passed = gap <= config.max_rate_gap or z <= config.max_z
    text = f"train rate {p1:.4f} vs test rate {p2:.4f}: gap {gap:.4f}, z {z:.2f}"
    return passed, text, z


@snapshot_check(
    FEATURES_TEST,
    "TARGET rates of train and test agree (gap within tolerance, or not significant).",
    "the test side is not representative of the applicants, so its AUC and calibration "
    "would mislead the promotion decision; no candidate is trained from this split.",
    blocking=True,
    additional_deps=[FEATURES_TRAIN, FEATURE_STORE],
)
def split_class_balance(
    context: dg.AssetCheckExecutionContext,
    config: ClassBalanceConfig,
    lake: Lake,
    warehouse: Warehouse,
) -> dg.AssetCheckResult:
    s = _split_stats(lake, warehouse, context.partition_key)
    passed, text, z = class_balance(s, config)
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=text,
        metadata={
            "train_target_rate": float(s["train_target_rate"] or 0.0),
            "test_target_rate": float(s["test_target_rate"] or 0.0),
            "z": float(z),
            "max_rate_gap": float(config.max_rate_gap),
        },
    )
