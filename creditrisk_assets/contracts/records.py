"""The raw contract applied to one record at a time: the API's side of ``table_contract``.

``/score`` and ``/validate`` receive records as JSON, one applicant at a time, so a pandera
frame per request would cost more than the scoring. Instead each table's column contracts are
compiled once (``compiled``, cached) into (column, categories, [(predicate, rule)]) and a record
is checked with a handful of comparisons per column. The predicates come from the same rules as
the pandera checks (``columns.rule_predicate``), and a test runs every rule through both.
Types (integers are JSON integers, no strings for numbers) are the pydantic models' job, with
``strict=True``; this module judges values only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from creditrisk_assets.contracts.columns import rule_predicate, rule_text, table_contract
from creditrisk_assets.contracts.rules import Rule

CATEGORY_SHOWN = 12


@dataclass(frozen=True)
class CompiledColumn:
    name: str
    categories: frozenset[str] | None
    checks: tuple[tuple[Callable[[Any], bool], Rule], ...]


@dataclass(frozen=True)
class ValueViolation:
    column: str
    kind: str  # "category" or the rule kind ("ge", "range", ...)
    message: str
    value: Any


@cache
def compiled(table: str) -> tuple[CompiledColumn, ...]:
    """The columns of ``table`` that have a category domain or value rules, ready to apply."""
    return tuple(
        CompiledColumn(c.name, c.categories, tuple((rule_predicate(r), r) for r in c.rules))
        for c in table_contract(table)
        if c.categories is not None or c.rules
    )


def _category_message(allowed: frozenset[str]) -> str:
    shown = sorted(allowed)
    more = ", ..." if len(shown) > CATEGORY_SHOWN else ""
    return "unknown category; expected one of: " + ", ".join(shown[:CATEGORY_SHOWN]) + more


def record_violations(table: str, record: Mapping[str, Any]) -> list[ValueViolation]:
    """Every category and value rule of ``raw/<table>`` that ``record`` breaks (missing values
    are not judged here: the API treats an absent column as a missing value)."""
    out: list[ValueViolation] = []
    for col in compiled(table):
        value = record.get(col.name)
        if value is None:
            continue
        if col.categories is not None and value not in col.categories:
            out.append(
                ValueViolation(col.name, "category", _category_message(col.categories), value)
            )
        for holds, rule in col.checks:
            if not holds(value):
                out.append(ValueViolation(col.name, rule[0], rule_text(rule), value))
    return out
