"""One pandera schema per raw table, built from the column contracts (``columns.py``).

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

from creditrisk_assets.contracts.columns import ColumnContract, table_contract
from creditrisk_assets.contracts.rules import SENTINEL_DAYS, Rule
from creditrisk_assets.schema import RAW_TABLES, table_spec

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


def category_check_name(count: int) -> str:
    """The failure label of a category check: short, the full list goes to metadata."""
    return f"category ({count} allowed values)"


def _column(col: ColumnContract) -> pa.Column:
    checks = [_check(r) for r in col.rules]
    if col.categories is not None:
        checks.append(
            pa.Check.isin(sorted(col.categories), error=category_check_name(len(col.categories)))
        )
    spec = table_spec(col.table).column(col.name)
    return pa.Column(
        PANDAS_DTYPES[col.dtype],
        checks=checks,
        nullable=col.nullable,
        description=spec.description or None,
        title=col.name,
    )


@cache
def raw_schema(table: str) -> pa.DataFrameSchema:
    """The contract of ``raw/<table>`` as a pandera schema (cached; schemas are immutable)."""
    spec = table_spec(table)
    return pa.DataFrameSchema(
        {c.name: _column(c) for c in table_contract(table)},
        strict=True,
        ordered=True,
        name=f"raw/{table}",
        description=f"Contract of the raw {spec.file} table",
    )


def raw_schemas() -> dict[str, pa.DataFrameSchema]:
    return {t: raw_schema(t) for t in RAW_TABLES}
