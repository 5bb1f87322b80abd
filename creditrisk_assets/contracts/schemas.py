"""One pandera schema per raw table, built from ``creditrisk_assets.schema`` plus ``rules``.

What a schema says per column: the pandas dtype the lake's Parquet must read back as (``Int64``
for integers, so nulls do not silently turn them into floats; ``float64``; ``object`` strings),
nullability (only where the real data has nulls), allowed categories (the samples' values plus
the full data's rare ones) and value rules (ranges, sentinels). ``strict=True``: the lake stores
exactly the spec's columns, so any other column is a defect of the writer.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pandera.pandas as pa

from creditrisk_assets.contracts.rules import (
    FULL_DATA_CATEGORIES,
    SENTINEL_DAYS,
    Rule,
    column_rules,
    nullable,
    rule_family,
)
from creditrisk_assets.schema import RAW_TABLES, ColumnSpec, table_spec

PANDAS_DTYPES = {"int": "Int64", "float": "float64", "str": "object"}


def _days_or_sentinel(ahead: int):
    def check(series: pd.Series) -> pd.Series:
        return (series <= ahead) | (series == SENTINEL_DAYS)

    return check


def _check(rule: Rule) -> pa.Check:
    kind, arg = rule
    if kind == "ge":
        return pa.Check.ge(arg)
    if kind == "gt":
        return pa.Check.gt(arg)
    if kind == "le":
        return pa.Check.le(arg)
    if kind == "range":
        lo, hi = arg  # type: ignore[misc]
        return pa.Check.in_range(lo, hi)
    if kind == "in":
        return pa.Check.isin(list(arg))  # type: ignore[call-overload]
    if kind == "days_or_sentinel":
        return pa.Check(
            _days_or_sentinel(int(arg)),  # type: ignore[call-overload]
            name=f"days_le_{arg}_or_sentinel_{SENTINEL_DAYS}",
        )
    raise ValueError(f"unknown rule kind {kind!r}")


def _family_categories(table: str, column: str) -> set[str]:
    """Categories seen for the column in every table of the rule family (train + test share
    one domain, so a value seen in either is valid in both)."""
    family = [t for t in RAW_TABLES if rule_family(t) == rule_family(table)]
    seen: set[str] = set()
    for t in family:
        spec = table_spec(t)
        if column in spec.column_names and spec.column(column).categories:
            seen |= set(spec.column(column).categories or ())
    return seen


def _column(table: str, col: ColumnSpec) -> pa.Column:
    checks = [_check(r) for r in column_rules(table, col.name)]
    if col.categories is not None:
        allowed = sorted(
            {*_family_categories(table, col.name), *FULL_DATA_CATEGORIES.get(col.name, ())}
        )
        checks.append(pa.Check.isin(allowed))
    return pa.Column(
        PANDAS_DTYPES[col.dtype],
        checks=checks,
        nullable=nullable(table, col.name, col.nullable_in_sample),
        description=col.description or None,
        title=col.name,
    )


@cache
def raw_schema(table: str) -> pa.DataFrameSchema:
    """The contract of ``raw/<table>`` as a pandera schema (cached; schemas are immutable)."""
    spec = table_spec(table)
    return pa.DataFrameSchema(
        {c.name: _column(table, c) for c in spec.columns},
        strict=True,
        ordered=True,
        name=f"raw/{table}",
        description=f"Contract of the raw {spec.file} table",
    )


def raw_schemas() -> dict[str, pa.DataFrameSchema]:
    return {t: raw_schema(t) for t in RAW_TABLES}
