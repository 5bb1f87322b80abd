"""Value-level contract of raw records: what types alone cannot say.

Types, required keys and unknown columns are enforced by the generated pydantic models. Here:
the ingestion contract's category domains and value rules (``contracts.records``: the same
rules the raw tables are checked with), one application per ``SK_ID_CURR``, history that
belongs to its applicant, unique keys within a table and bureau balances that point at a bureau
record of the same applicant. Every violation is reported with its location in the request
body, in the same shape as FastAPI's validation errors, so a client can fix the exact field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from creditrisk_assets.contracts.records import record_violations
from creditrisk_assets.schema import HISTORY_TABLES, table_spec
from creditrisk_assets.serving.raw_records import APPLICATION_TABLE, ID_COLUMN, ScoreRequest

Violation = dict[str, Any]


def _violation(loc: Iterable[Any], msg: str, kind: str, value: Any = None) -> Violation:
    out: Violation = {"loc": ["body", *loc], "msg": msg, "type": kind}
    if value is not None:
        out["input"] = value
    return out


def _check_values(table: str, record: dict[str, Any], loc: list[Any]) -> list[Violation]:
    return [
        _violation([*loc, v.column], v.message, v.kind, v.value)
        for v in record_violations(table, record)
    ]


def _check_unique(
    table: str, records: list[dict[str, Any]], key: tuple[str, ...], loc: list[Any]
) -> list[Violation]:
    seen: dict[tuple[Any, ...], int] = {}
    out = []
    for i, rec in enumerate(records):
        k = tuple(rec.get(c) for c in key)
        if k in seen:
            msg = f"duplicate key {dict(zip(key, k, strict=True))} (also at index {seen[k]})"
            out.append(_violation([*loc, table, i], msg, "duplicate_key"))
        else:
            seen[k] = i
    return out


def violations(request: ScoreRequest) -> list[Violation]:
    """All contract violations of a parsed request (empty list: the request is valid)."""
    out: list[Violation] = []
    first_index: dict[int, int] = {}
    for a_idx, applicant in enumerate(request.applicants):
        app = applicant.application.model_dump()
        sk_id = app[ID_COLUMN]
        base: list[Any] = ["applicants", a_idx]
        if sk_id in first_index:
            msg = f"SK_ID_CURR {sk_id} already used by applicant {first_index[sk_id]}"
            out.append(_violation([*base, "application", ID_COLUMN], msg, "duplicate_key"))
        else:
            first_index[sk_id] = a_idx
        out += _check_values(APPLICATION_TABLE, app, [*base, "application"])
        tables = {
            t: [r.model_dump() for r in getattr(applicant.history, t)] for t in HISTORY_TABLES
        }
        hist_loc = [*base, "history"]
        for table, records in tables.items():
            for r_idx, rec in enumerate(records):
                loc = [*hist_loc, table, r_idx]
                owner = rec.get(ID_COLUMN)
                if owner is not None and owner != sk_id:
                    msg = f"belongs to SK_ID_CURR {owner}, not to this applicant ({sk_id})"
                    out.append(_violation([*loc, ID_COLUMN], msg, "foreign_key", owner))
                out += _check_values(table, rec, loc)
            key = table_spec(table).key
            if key:
                out += _check_unique(table, records, key, hist_loc)
        bureau_ids = {r["SK_ID_BUREAU"] for r in tables["bureau"]}
        for r_idx, rec in enumerate(tables["bureau_balance"]):
            if rec["SK_ID_BUREAU"] not in bureau_ids:
                msg = "no bureau record of this applicant has this SK_ID_BUREAU"
                loc = [*hist_loc, "bureau_balance", r_idx, "SK_ID_BUREAU"]
                out.append(_violation(loc, msg, "foreign_key", rec["SK_ID_BUREAU"]))
    return out
