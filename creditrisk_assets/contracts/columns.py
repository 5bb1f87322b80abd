"""The contract of each raw column, in one place, for both paths that take raw records.

``table_contract(table)`` joins the table layouts (``creditrisk_assets.schema``) with the
hand-written rules (``rules.py``, ``bounds.py``) into one ``ColumnContract`` per column: type,
nullability, allowed categories and value rules. Ingestion turns it into a pandera schema
(``schemas.py``); the API checks each record against the same objects (``records.py``). Each
rule kind has one meaning, written twice (a pandera check over a column, a predicate over one
value); ``creditrisk_assets_tests/contracts/test_one_contract.py`` runs every rule of every
column through both and requires the same verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from creditrisk_assets.contracts.rules import (
    FULL_DATA_CATEGORIES,
    SENTINEL_DAYS,
    Rule,
    column_rules,
    nullable,
    rule_family,
)
from creditrisk_assets.schema import RAW_TABLES, ColumnKind, table_spec


@dataclass(frozen=True)
class ColumnContract:
    """Everything a raw value of one column must satisfy."""

    table: str
    name: str
    dtype: ColumnKind
    nullable: bool
    categories: frozenset[str] | None
    rules: tuple[Rule, ...]


def allowed_categories(table: str, column: str) -> frozenset[str] | None:
    """The category domain of a column: the values seen in every table of the rule family
    (train and test share one domain) plus the full data's rare values; None if not categorical."""
    if table_spec(table).column(column).categories is None:
        return None
    seen: set[str] = set(FULL_DATA_CATEGORIES.get(column, ()))
    for t in RAW_TABLES:
        spec = table_spec(t)
        if rule_family(t) == rule_family(table) and column in spec.column_names:
            seen |= set(spec.column(column).categories or ())
    return frozenset(seen)


@cache
def table_contract(table: str) -> tuple[ColumnContract, ...]:
    """The column contracts of ``raw/<table>``, in the table's column order (cached)."""
    return tuple(
        ColumnContract(
            table=table,
            name=c.name,
            dtype=c.dtype,
            nullable=nullable(table, c.name, c.nullable_in_sample),
            categories=allowed_categories(table, c.name),
            rules=tuple(column_rules(table, c.name)),
        )
        for c in table_spec(table).columns
    )


def rule_predicate(rule: Rule) -> Callable[[Any], bool]:
    """The rule as a test of one non-null value (the API's side of the contract)."""
    kind, arg = rule
    if kind == "ge":
        return lambda v: v >= arg  # type: ignore[operator]
    if kind == "gt":
        return lambda v: v > arg  # type: ignore[operator]
    if kind == "le":
        return lambda v: v <= arg  # type: ignore[operator]
    if kind == "range":
        lo, hi = arg  # type: ignore[misc]
        return lambda v: lo <= v <= hi
    if kind == "in":
        allowed = frozenset(arg)  # type: ignore[call-overload]
        return lambda v: v in allowed
    if kind == "days_or_sentinel":
        return lambda v: v <= arg or v == SENTINEL_DAYS  # type: ignore[operator]
    raise ValueError(f"unknown rule kind {kind!r}")


def _num(x: object) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def rule_text(rule: Rule) -> str:
    """What the rule asks, in words, for error messages."""
    kind, arg = rule
    if kind == "range":
        lo, hi = arg  # type: ignore[misc]
        return f"must be between {_num(lo)} and {_num(hi)}"
    if kind == "in":
        return "must be one of " + ", ".join(str(v) for v in arg)  # type: ignore[attr-defined]
    if kind == "days_or_sentinel":
        return f"must be <= {arg} (days) or the sentinel {SENTINEL_DAYS}"
    words = {"ge": "must be >= {}", "gt": "must be > {}", "le": "must be <= {}"}[kind]
    return words.format(_num(arg))
