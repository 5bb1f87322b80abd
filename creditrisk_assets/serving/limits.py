"""The record caps, checked on the body's bytes before any model builds a Python object.

``/score`` and ``/validate`` count applicants and history records, ``/predict`` rows, with
``fastpath.prescan`` (simdjson: no Python object per value), and answer 413 at once when a cap is
passed, whatever the body's size under the byte cap. The request models check the same caps
again after parsing (they stay the definition of a valid request); these checks only make a
refusal cheap. The refusals word the same messages either way.
"""

from __future__ import annotations

from fastapi import HTTPException

from creditrisk_assets.serving.fastpath import prescan
from creditrisk_assets.serving.settings import ServingSettings


def too_many(what: str, n: int, cap: int, per: str = "") -> HTTPException:
    return HTTPException(413, f"{n} {what}; at most {cap}{per}")


def _unreadable(body: bytes, err: prescan.Unreadable) -> None:
    """A small body simdjson cannot read is left to pydantic, which names the field (and costs
    little at that size); a large one is refused here."""
    if len(body) > prescan.PYDANTIC_JUDGES_UP_TO:
        raise HTTPException(422, [{"loc": ["body"], "msg": str(err), "type": "json_invalid"}])


def check_score_body(body: bytes, settings: ServingSettings) -> None:
    """413 when the body holds more applicants or history records than the caps allow."""
    try:
        counts = prescan.score_counts(body, settings.max_applicants)
    except prescan.Unreadable as err:
        _unreadable(body, err)
        return
    if counts is None:
        return
    if counts.applicants > settings.max_applicants:
        raise too_many("applicants", counts.applicants, settings.max_applicants)
    if counts.history_records > settings.max_history_records:
        raise too_many("history records", counts.history_records, settings.max_history_records)


def check_predict_rows(body: bytes, max_rows: int) -> None:
    """413 when the body holds more than ``max_rows`` feature rows."""
    try:
        rows = prescan.predict_rows(body)
    except prescan.Unreadable as err:
        _unreadable(body, err)
        return
    if rows is not None and rows > max_rows:
        raise too_many("rows", rows, max_rows, " per request")
