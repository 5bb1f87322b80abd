"""Pydantic models of raw application records, generated from the project's table layouts.

``/score`` and ``/validate`` take an applicant as the Kaggle ``application_test`` record plus
optional history arrays keyed by table name. The models are built from ``schema.table_spec`` at
import time, so the API accepts exactly the columns and types the pipeline ingests, and the
OpenAPI schema documents every column. Unknown columns are rejected (a typo must not silently
become a missing value); types are strict (``"450000"``, ``" 4.5e5 "`` or ``true`` are not
numbers, an integer column takes JSON integers), integers are bounded to int64 and floats must
be finite, because all go into DuckDB next. Value rules and categories, the same as ingestion's,
are checked in ``contract.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, create_model

from creditrisk_assets.contracts.columns import rule_text, table_contract
from creditrisk_assets.schema import HISTORY_TABLES, TableSpec, table_spec
from creditrisk_assets.serving.feature_inputs import rows_to_arrow

APPLICATION_TABLE = "application_test"
ID_COLUMN = "SK_ID_CURR"
INT64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
TEXT = Annotated[str, Field(max_length=256)]
_PY_TYPES: dict[str, Any] = {"int": INT64, "float": float, "str": TEXT}
_RECORD_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, strict=True)


def _required_columns(spec: TableSpec) -> set[str]:
    """Keys and parent links a record cannot do without (SK_ID_CURR is filled in for history)."""
    cols = set(spec.key) | set(spec.parents)
    if spec.name != APPLICATION_TABLE:
        cols.discard(ID_COLUMN)
    return cols


def _record_model(name: str) -> type[BaseModel]:
    spec = table_spec(name)
    required = _required_columns(spec)
    fields: dict[str, Any] = {}
    for col in spec.columns:
        typ = _PY_TYPES[col.dtype]
        desc = col.description[:300]
        if col.name in required:
            fields[col.name] = (typ, Field(description=desc))
        else:
            fields[col.name] = (typ | None, Field(default=None, description=desc))
    model_name = "".join(p.capitalize() for p in name.split("_")) + "Record"
    return create_model(model_name, __config__=_RECORD_CONFIG, **fields)


ApplicationRecord = _record_model(APPLICATION_TABLE)
HISTORY_MODELS: dict[str, type[BaseModel]] = {t: _record_model(t) for t in HISTORY_TABLES}

HistoryRecords = create_model(
    "HistoryRecords",
    __config__=ConfigDict(extra="forbid", frozen=True),
    **{
        t: (list[model], Field(default_factory=list, description=f"Records of {t}."))
        for t, model in HISTORY_MODELS.items()
    },
)


class Applicant(BaseModel):
    """One applicant: the application record and, optionally, their history."""

    model_config = ConfigDict(extra="forbid")

    application: ApplicationRecord  # type: ignore[valid-type]
    history: HistoryRecords = Field(default_factory=HistoryRecords)  # type: ignore[valid-type]


class ScoreRequest(BaseModel):
    """Body of ``/score`` and ``/validate``."""

    model_config = ConfigDict(extra="forbid")

    applicants: list[Applicant] = Field(min_length=1)
    reasons: Literal["auto", "exact", "fast"] = Field(
        default="auto", description="Reason-code method (see /predict)."
    )


def history_record_count(request: ScoreRequest) -> int:
    return sum(len(getattr(a.history, t)) for a in request.applicants for t in HISTORY_TABLES)


def to_tables(request: ScoreRequest) -> dict[str, pa.Table]:
    """The application table and a table per non-empty history table, in the raw layout, as
    Arrow tables for ``features_for_tables``.

    History records get their applicant's ``SK_ID_CURR`` where they did not carry one (the
    contract check has already refused records that name a different applicant); tables with no
    records are left out (treated as empty). The request models have checked every value, so no
    DataFrame is built on the way (~7 ms per call saved at one applicant per request).
    """
    tables = {
        "application": rows_to_arrow(
            "application", [a.application.model_dump() for a in request.applicants]
        )
    }
    for table in HISTORY_TABLES:
        rows = []
        has_owner = ID_COLUMN in table_spec(table).column_names
        for a in request.applicants:
            sk_id = a.application.SK_ID_CURR  # type: ignore[attr-defined]
            for rec in getattr(a.history, table):
                row = rec.model_dump()
                if has_owner and row.get(ID_COLUMN) is None:
                    row[ID_COLUMN] = sk_id
                rows.append(row)
        if rows:
            tables[table] = rows_to_arrow(table, rows)
    return tables


def raw_schema() -> dict[str, Any]:
    """Columns of every raw input table for ``/schema``: types, the contract's category domains
    and value rules (what ``/score`` accepts), descriptions."""
    out: dict[str, Any] = {}
    for table in (APPLICATION_TABLE, *HISTORY_TABLES):
        spec = table_spec(table)
        required = _required_columns(spec)
        out[table] = {
            "key": list(spec.key),
            "parents": dict(spec.parents),
            "columns": [
                {
                    "name": c.name,
                    "type": c.dtype,
                    "required": c.name in required,
                    "categories": sorted(c.categories) if c.categories else None,
                    "rules": [rule_text(r) for r in c.rules],
                    "description": spec.column(c.name).description,
                }
                for c in table_contract(table)
            ],
        }
    return out
