"""Counting a body's records before anything builds them.

Pydantic (and orjson) build a Python object per value: a ``/score`` body of 400,000 minimal
applicants fits under the 64 MiB body cap and cost 20 s of CPU and 2.6 GB before the applicant
cap refused it (issue 22). The caps are therefore checked here first: simdjson parses the body
into its own compact tape (about three times the body, no Python object per value, ~15 ms per
MB) and the array lengths are read off it. Only a body within the caps is then built.

simdjson reads strict JSON only: ``NaN``, ``Infinity`` and integers beyond 64 bits are
``Unreadable``. The caller lets pydantic judge such a body when it is small (its message names
the field), and refuses a large one outright with simdjson's message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import simdjson

from creditrisk_assets.serving.fastpath.json_rows import pooled_parser

#: Unreadable bodies up to this size are left for pydantic to word the 422 (cheap at this size).
PYDANTIC_JUDGES_UP_TO = 32 * 1024

T = TypeVar("T")


class Unreadable(ValueError):
    """simdjson could not read the body (not JSON, or NaN / infinity / a 65-bit integer)."""


@dataclass(frozen=True)
class ScoreCounts:
    """How many applicants a ``/score`` body holds, and history records (counted only when the
    applicants are within the cap: past it the request is refused anyway)."""

    applicants: int
    history_records: int


def _parse_error(err: Exception) -> Unreadable:
    return Unreadable(f"Invalid JSON: {err}")


def _read_parsed(body: bytes, read: Callable[[object], T]) -> T:
    """``read`` of ``body`` parsed on a pooled simdjson parser; ``Unreadable`` if it is not
    strict JSON."""
    with pooled_parser() as parser:
        try:
            doc = parser.parse(body)
        except (ValueError, RuntimeError) as err:
            raise _parse_error(err) from None
        try:
            return read(doc)
        finally:
            del doc  # a parser is only reused once no document of its own is alive


def predict_rows(body: bytes) -> int | None:
    """Length of the top-level ``rows`` or ``data`` array (the longer), or ``None`` when the
    body has neither (the models' own checks then refuse it)."""
    return _read_parsed(body, _predict_rows)


def _predict_rows(doc: object) -> int | None:
    if not isinstance(doc, simdjson.Object):
        return None
    lengths = [len(v) for k in ("rows", "data") if isinstance(v := doc.get(k), simdjson.Array)]
    return max(lengths) if lengths else None


def score_counts(body: bytes, max_applicants: int) -> ScoreCounts | None:
    """Applicants and history records of a ``/score`` body, or ``None`` when it has no
    top-level ``applicants`` array (the request model then says what is wrong)."""
    return _read_parsed(body, lambda doc: _score_counts(doc, max_applicants))


def _score_counts(doc: object, max_applicants: int) -> ScoreCounts | None:
    if not isinstance(doc, simdjson.Object):
        return None
    applicants = doc.get("applicants")
    if not isinstance(applicants, simdjson.Array):
        return None
    n = len(applicants)  # simdjson's count saturates at 2**24 - 1: still past any cap
    if n > max_applicants:
        return ScoreCounts(n, 0)
    records = 0
    for applicant in applicants:
        history = applicant.get("history") if isinstance(applicant, simdjson.Object) else None
        if isinstance(history, simdjson.Object):
            # by key: ``values()`` would build Python lists of the records
            tables = (history[key] for key in history.keys())  # noqa: SIM118
            records += sum(len(t) for t in tables if isinstance(t, simdjson.Array))
    return ScoreCounts(n, records)
