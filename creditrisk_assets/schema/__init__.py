"""The Kaggle Home Credit table layouts the project carries with it.

``tables.json`` was generated once by ``scripts/build_table_specs.py`` from the official column
dictionary and the real samples; the project reads only this file at run time. Every consumer
(synthetic generator, raw contracts, ingestion, feature SQL) takes column names, order and types
from here, so there is one definition of what a raw table looks like.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

ColumnKind = Literal["int", "float", "str"]

#: Project table names in the order of the raw layer.
RAW_TABLES: tuple[str, ...] = (
    "application_train",
    "application_test",
    "bureau",
    "bureau_balance",
    "previous_application",
    "pos_cash_balance",
    "installments_payments",
    "credit_card_balance",
)
#: Tables that hold applicants' history; a snapshot may lack them.
HISTORY_TABLES: tuple[str, ...] = RAW_TABLES[2:]


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    dtype: ColumnKind
    nullable_in_sample: bool
    null_rate_in_sample: float
    description: str
    categories: tuple[str, ...] | None = None
    sample_min: float | None = None
    sample_max: float | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    file: str
    key: tuple[str, ...]
    parents: dict[str, str]
    columns: tuple[ColumnSpec, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def duckdb_types(self) -> dict[str, str]:
        """Column -> DuckDB type, for reading CSVs with an explicit schema."""
        return {c.name: _DUCKDB_TYPES[c.dtype] for c in self.columns}


_DUCKDB_TYPES = {"int": "BIGINT", "float": "DOUBLE", "str": "VARCHAR"}


@cache
def table_specs() -> dict[str, TableSpec]:
    raw = json.loads((Path(__file__).with_name("tables.json")).read_text())
    specs = {}
    for name, t in raw.items():
        cols = tuple(
            ColumnSpec(**{**c, "categories": tuple(c["categories"]) if "categories" in c else None})
            for c in t["columns"]
        )
        specs[name] = TableSpec(
            name=name, file=t["file"], key=tuple(t["key"]), parents=t["parents"], columns=cols
        )
    return specs


def table_spec(name: str) -> TableSpec:
    try:
        return table_specs()[name]
    except KeyError:
        raise KeyError(f"unknown raw table {name!r}; known: {', '.join(RAW_TABLES)}") from None
