"""Fast parsing of ``/predict`` bodies straight into the model's float32 matrix.

Pydantic validation builds a Python object per value and then NumPy copies them again: for
10,000 rows x 334 features (3.3 M numbers, 27 MB) that is ~0.25 s of parsing plus ~0.13 s of
list -> array, measured on the 2-core benchmark machine. Here:

- large ``columns`` + ``data`` bodies go through simdjson (``plan_large``, then
  ``LargeBody.matrix`` per chunk, driven by ``batches.py``; the byte-level work is in
  ``json_rows.py``), which validates the data array as JSON and exports its numbers as one
  flat float64 buffer without a Python object per value (~0.1 s for 27 MB, against ~0.23 s for
  Arrow's JSON reader on two threads);
- everything else (one row, ``rows`` objects, and large bodies the simdjson reader refused)
  goes through ``orjson`` with a type check (``parse``).

Neither path produces error messages. Anything unusual (a string or boolean value, NaN or
infinity, a ragged or nested row, an unknown key, a missing or unknown column) makes either
return ``None`` and the caller falls back to the pydantic model, which produces the field-level
422 exactly as before. So the fast path can only ever accept bodies the pydantic model accepts,
and the model stays the single, documented definition of a valid request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, get_args

import numpy as np
import orjson

from creditrisk_assets.serving.api_models import (
    INT64_MAX,
    INT64_MIN,
    ROW_ID_MAX_CHARS,
    RequestedReasons,
)
from creditrisk_assets.serving.fastpath.json_rows import (
    array_end,
    count_byte,
    number_rows,
    row_chunks,
)

#: Bodies at least this large (bytes) try the simdjson reader; below it orjson is quicker.
LARGE_MIN_BYTES = 1 << 20
_KEYS = frozenset({"rows", "columns", "data", "ids", "reasons"})
_METHODS = frozenset(get_args(RequestedReasons))
_NUMBER_TYPES = frozenset({float, int, type(None)})
_DATA_KEY = re.compile(rb'"data"\s*:\s*\[')
_ANY_DATA_KEY = re.compile(rb'"data"\s*:')


@dataclass(frozen=True)
class ParsedPredict:
    """A request that is valid for the model: matrix in spec order, ids, reason method."""

    x: np.ndarray
    ids: list[Any] | None
    reasons: str


def parse(body: bytes, feature_index: dict[str, int], max_rows: int) -> ParsedPredict | None:
    """The request as a matrix (read by orjson), or ``None`` when only the pydantic path can
    judge it. Large ``columns`` + ``data`` bodies are read by ``plan_large`` instead."""
    try:
        return _parse_orjson(body, feature_index, max_rows)
    except (ValueError, TypeError, KeyError):
        return None


def _ids(value: Any, n: int) -> list[Any] | bool | None:
    """``ids`` if valid for ``n`` rows, ``None`` if absent, ``False`` if invalid."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != n:
        return False
    for v in value:
        t = type(v)
        in_range = t is int and INT64_MIN <= v <= INT64_MAX
        if not (in_range or (t is str and len(v) <= ROW_ID_MAX_CHARS)):
            return False
    return value


def _matrix(values: np.ndarray, columns: list[str], index: dict[str, int]) -> np.ndarray | None:
    """Reorder float64 ``values`` (columns as sent) into the model's order, as float32."""
    n_features = len(index)
    if len(columns) != n_features or len(set(columns)) != n_features:
        return None
    order = [index.get(c) for c in columns]
    if None in order:
        return None  # an unknown column: the pydantic path names it
    with np.errstate(over="ignore", invalid="ignore"):
        if order == list(range(n_features)):
            x = values.astype(np.float32)
        else:
            x = np.empty((values.shape[0], n_features), dtype=np.float32)
            x[:, order] = values
    # NaN is null here; infinity is a value sent as such or one beyond the
    # float32 range: the pydantic path names the field
    return None if np.isinf(x).any() else x


def _parse_orjson(body: bytes, index: dict[str, int], max_rows: int) -> ParsedPredict | None:
    doc = orjson.loads(body)  # NaN / Infinity literals are not JSON: JSONDecodeError
    if not isinstance(doc, dict) or not doc.keys() <= _KEYS:
        return None
    reasons = doc.get("reasons", "auto")
    if reasons not in _METHODS:
        return None
    rows, data, columns = doc.get("rows"), doc.get("data"), doc.get("columns")
    if rows is not None and data is None and columns is None and isinstance(rows, list):
        if not rows or len(rows) > max_rows:
            return None
        names = list(index)
        known = index.keys()
        if not all(type(r) is dict and r.keys() == known for r in rows):
            return None
        table = [list(map(r.__getitem__, names)) for r in rows]
        columns = names
    elif rows is None and isinstance(data, list) and isinstance(columns, list):
        if not data or len(data) > max_rows or not all(type(c) is str for c in columns):
            return None
        table = data
        if not all(type(r) is list and len(r) == len(columns) for r in table):
            return None
    else:
        return None
    # numpy would turn "1.5" and true into numbers: only numbers and null are valid here
    if not all(_NUMBER_TYPES.issuperset(map(type, r)) for r in table):
        return None
    values = np.array(table, dtype=np.float64).reshape(len(table), len(columns))
    ids = _ids(doc.get("ids"), len(table))
    x = _matrix(values, columns, index)
    if ids is False or x is None:
        return None
    return ParsedPredict(x, ids, reasons)


@dataclass(frozen=True)
class LargeBody:
    """A large ``columns`` + ``data`` body, checked except for its data rows, which are cut into
    row-aligned ``chunks`` (each the text of a JSON array of rows) to be parsed one by one:
    the API scores a chunk while parsing the next (``serving/batches.py``)."""

    columns: list[str]
    ids: list[Any] | None
    reasons: str
    rows: int  # one per '[' of the data array but its own; confirmed once every chunk is read
    chunks: list[bytes]

    def matrix(self, chunk: bytes, index: dict[str, int]) -> np.ndarray | None:
        """The chunk's rows as the model's float32 matrix, or ``None`` if only the pydantic path
        can judge them. The caller checks that the chunks' rows add up to ``rows``."""
        try:
            values = number_rows(chunk, len(self.columns))
            return None if values is None else _matrix(values, self.columns, index)
        except (ValueError, TypeError):
            return None


def plan_large(
    body: bytes, index: dict[str, int], max_rows: int, chunk_rows: int
) -> LargeBody | None:
    """Check everything around the data array and cut the array into chunks of about
    ``chunk_rows`` rows; ``None`` if the body is not that shape (the caller falls back)."""
    try:
        return _plan_large(body, index, max_rows, chunk_rows)
    except (ValueError, TypeError, KeyError):
        return None


def _plan_large(
    body: bytes, index: dict[str, int], max_rows: int, chunk_rows: int
) -> LargeBody | None:
    found = _DATA_KEY.search(body)
    if found is None:
        return None
    start = found.end() - 1  # the data array's '['
    end = array_end(body, start)
    if end is None or _ANY_DATA_KEY.search(body, end) is not None:
        return None  # a second "data" key: let pydantic decide which one counts
    # The rest of the document with the array replaced by null must be the small JSON object
    # around it; if the regex matched anything but the top-level "data" value, it is not.
    rest = orjson.loads(body[:start] + b"null" + body[end:])
    if not isinstance(rest, dict) or "data" not in rest or rest["data"] is not None:
        return None
    if not rest.keys() <= _KEYS or rest.get("rows") is not None:
        return None
    columns, reasons = rest.get("columns"), rest.get("reasons", "auto")
    if not isinstance(columns, list) or not all(type(c) is str for c in columns):
        return None
    if reasons not in _METHODS or len(columns) != len(index):
        return None
    # Rows are flat, so every '[' but the array's own opens one; a nested array makes the
    # chunks' row total fall short of this count (the caller compares).
    rows = count_byte(body, ord("["), start, end) - 1
    if not 0 < rows <= max_rows:
        return None
    ids = _ids(rest.get("ids"), rows)
    if ids is False:
        return None
    chunks = row_chunks(body, start, end, -(-rows // chunk_rows))
    return LargeBody(columns, ids, reasons, rows, chunks)
