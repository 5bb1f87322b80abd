"""Short, JSON-safe reports: what every contract message and metadata value goes through.

A check's description is what a person reads first (the UI's list, a failed job's log line), so
it names the table, column, rule and a few ids within ``MESSAGE_MAX`` characters; everything
longer (all example rows, full category lists) belongs in metadata. Metadata must be plain JSON,
and raw data can hold anything (pandas' NA, NaN, infinities, numpy scalars), so every value
shown goes through ``plain`` first.
"""

from __future__ import annotations

import math
from typing import Any

MESSAGE_MAX = 300


def shorten(text: str, limit: int = MESSAGE_MAX) -> str:
    """``text`` cut to ``limit`` characters, saying where the rest is."""
    if len(text) <= limit:
        return text
    tail = " ... (details in metadata)"
    return text[: limit - len(tail)].rstrip() + tail


def plain(value: Any) -> Any:
    """A JSON-safe form of one raw value: missing (NA, NaN) -> None, infinities -> text."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):  # e.g. a pandas NA: no Python scalar behind it
            return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):  # in a pandas frame NaN is a missing value
        return None if math.isnan(value) else value if math.isfinite(value) else str(value)
    try:  # pandas' NA and NaT are "missing"; their truth value raises
        if value != value:
            return None
    except TypeError:
        return None
    return str(value)
