"""The decision record: one row per decision the platform makes, as an Arrow schema.

A risk team must be able to say which model version decided an applicant, with what PD, grade
and reasons, and later join that decision to the applicant's outcome. So a record carries:

* ``decision_id``: 32 hex characters, sortable by time: 48 bits of the Unix time in
  milliseconds, 32 bits of the row's position in its batch, 48 random bits (ULID-like; a batch's
  ids sort in row order and never collide across processes in practice);
* ``decided_at`` (UTC, microseconds) and ``channel`` (:data:`CHANNELS`);
* the model: ``model_name``, ``model_version`` (the registry's version, as text), the
  ``model_alias`` it was served under and its ``training_snapshot``;
* the inputs: ``inputs_hash`` (see :func:`inputs_hash`), ``applicant_id`` (SK_ID_CURR, when the
  caller has one) and, if configured, ``feature_row`` (the row as a JSON object);
* the outcome of the decision: ``pd``, ``grade``, ``decision``, ``reason_codes``;
* ``catalogue_version`` / ``scale_version``: the reason catalogue and master scale in force
  (nullable until those are versioned).

Everything is built column-wise (numpy / Arrow / DuckDB), because the API logs whole batches:
10,000 rows of 200 features take tens of milliseconds, almost all of it the sha256 of 16 MB of
inputs, and a few milliseconds without feature hashing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

CHANNELS = ("batch", "api_predict", "api_score")
SCHEMA_VERSION = "1"

DECISION_SCHEMA = pa.schema(
    [
        pa.field("decision_id", pa.string(), nullable=False),
        pa.field("decided_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("model_name", pa.string(), nullable=False),
        pa.field("model_version", pa.string(), nullable=False),
        pa.field("model_alias", pa.string()),
        pa.field("training_snapshot", pa.string()),
        pa.field("inputs_hash", pa.string(), nullable=False),
        pa.field("feature_row", pa.string()),
        pa.field("applicant_id", pa.int64()),
        pa.field("pd", pa.float64(), nullable=False),
        pa.field("grade", pa.string()),
        pa.field("decision", pa.string()),
        pa.field("reason_codes", pa.list_(pa.string())),
        pa.field("catalogue_version", pa.string()),
        pa.field("scale_version", pa.string()),
    ],
    metadata={"creditrisk.decision_log.schema_version": SCHEMA_VERSION},
)

Features = Mapping[str, Any]  # name -> column (numpy, list, pandas Series, Arrow array)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def new_decision_ids(n: int, now: datetime | None = None) -> pa.StringArray:
    """``n`` time-sortable ids (see the module docstring), made without a per-row loop."""
    when = now or datetime.now(UTC)
    ms = int(when.timestamp() * 1000)
    raw = np.empty((n, 16), dtype=np.uint8)
    raw[:, :6] = np.frombuffer(ms.to_bytes(6, "big"), dtype=np.uint8)
    raw[:, 6:10] = np.arange(n, dtype=">u4").view(np.uint8).reshape(n, 4)
    raw[:, 10:] = np.frombuffer(os.urandom(6 * n), dtype=np.uint8).reshape(n, 6)
    text = np.empty((n, 32), dtype=np.uint8)
    text[:, 0::2], text[:, 1::2] = _HEX[raw >> 4], _HEX[raw & 15]
    offsets = np.arange(0, 32 * n + 1, 32, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text.tobytes()))


def _as_float(values: Any) -> np.ndarray:
    """A numeric column as float64 with missing values (None, null, NA) as NaN."""
    if isinstance(values, pa.ChunkedArray | pa.Array):
        values = values.to_numpy(zero_copy_only=False)
    elif hasattr(values, "to_numpy"):  # pandas, without importing it
        return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan))
    return np.asarray(values, dtype=np.float64)


def _matrix(features: Features) -> tuple[list[str], np.ndarray]:
    names = sorted(features)
    if not names:
        raise ValueError("no feature columns to hash")
    cols = [_as_float(features[n]) for n in names]
    n = len(cols[0])
    if any(c.shape != (n,) for c in cols):
        raise ValueError("feature columns must be one-dimensional and of one length")
    return names, np.column_stack(cols) if n else np.empty((0, len(names)))


def inputs_hash(features: Features) -> pa.StringArray:
    """sha256 hex of each row's canonical encoding, so equal inputs give equal hashes.

    Encoding (stable across processes and versions, and cheap): the UTF-8 feature names sorted
    and joined by ``\\x1f``, then ``\\x1e``, then the row's values in that order as little-endian
    float64, where every missing or NaN value is the same quiet NaN and -0.0 is 0.0. Integer
    codes and amounts are exact in float64, so the hash does not depend on the input's dtypes
    or column order. Non-numeric features are refused (the platform's features are numbers).
    """
    names, x = _matrix(features)
    return _hash_rows(names, x, owned=True)  # _matrix's stack is a fresh float64 copy


def inputs_hash_matrix(names: Sequence[str], x: np.ndarray) -> pa.StringArray:
    """:func:`inputs_hash` of a matrix whose columns are ``names`` (in any order).

    The API already holds its requests as one float32 matrix in the model's feature order; this
    reorders its columns once instead of building a mapping of columns (same hashes: float32
    values are exact in float64).
    """
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError(f"matrix of {x.shape} for {len(names)} feature names")
    order = sorted(range(len(names)), key=names.__getitem__)
    # Columns reordered in the matrix's own dtype (half the bytes for the API's float32), then
    # widened: one contiguous float64 copy, which _hash_rows may then modify in place.
    ordered = np.take(x, order, axis=1).astype("<f8")
    return _hash_rows([names[j] for j in order], ordered, owned=True)


def _hash_rows(names: list[str], x: np.ndarray, owned: bool = False) -> pa.StringArray:
    """sha256 of each row of ``x`` (see ``inputs_hash``). ``owned``: ``x`` is a contiguous
    little-endian float64 copy this function may change (canonical NaN, -0.0 as 0.0)."""
    if not owned:
        x = np.array(x, dtype="<f8", order="C")
    x += 0.0  # -0.0 + 0.0 is 0.0
    x[np.isnan(x)] = np.nan  # one quiet NaN for every missing value
    base = hashlib.sha256("\x1f".join(names).encode() + b"\x1e")
    width = 8 * len(names)
    data = memoryview(x.reshape(-1)).cast("B")  # rows as slices of one buffer, no copies
    digests = []
    for start in range(0, len(data), width):  # hashlib has no batch API; the loop is thin
        h = base.copy()
        h.update(data[start : start + width])
        digests.append(h.hexdigest())
    return pa.array(digests, pa.string())


def feature_rows_json(features: Features) -> pa.StringArray:
    """Each row as a JSON object (name -> number or null), built by DuckDB in C++.

    Non-finite values become null so the text is strict JSON; floats print in their shortest
    round-trip form.
    """
    names, x = _matrix(features)
    table = pa.table(
        {n: pa.array(x[:, j], mask=~np.isfinite(x[:, j])) for j, n in enumerate(names)}
    )
    con = duckdb.connect()
    try:
        con.register("feature_rows", table)
        out = con.sql("SELECT to_json(r)::VARCHAR AS j FROM feature_rows r").to_arrow_table()
    finally:
        con.close()
    return out.column(0).combine_chunks().cast(pa.string())


def _strings(values: Any, n: int, name: str) -> pa.Array:
    if values is None:
        return pa.nulls(n, pa.string())
    if isinstance(values, str):
        return pa.repeat(pa.scalar(values, pa.string()), n)
    arr = values if isinstance(values, pa.Array) else pa.array(np.asarray(values, dtype=object))
    if len(arr) != n:
        raise ValueError(f"{name}: {len(arr)} values for {n} decisions")
    return arr.cast(pa.string())


def _applicant_ids(values: Any, n: int) -> pa.Array:
    """SK_ID_CURR as int64, null where unknown (None or NaN)."""
    if values is None:
        return pa.nulls(n, pa.int64())
    if isinstance(values, pa.Array):
        arr = values.cast(pa.int64())
    else:
        raw = np.asarray(values)
        if raw.dtype.kind in "iu":
            arr = pa.array(raw.astype(np.int64))
        elif raw.dtype.kind == "f":
            arr = pa.array(raw, from_pandas=True).cast(pa.int64())  # safe: refuses 1.5
        else:
            arr = pa.array(list(values), pa.int64())
    if len(arr) != n:
        raise ValueError(f"applicant_id: {len(arr)} values for {n} decisions")
    return arr


def _reasons(values: Any, n: int) -> pa.Array:
    kind = pa.list_(pa.string())
    if values is None:
        return pa.nulls(n, kind)
    if isinstance(values, np.ndarray) and values.ndim == 2:  # n x k codes: one flat array
        offsets = pa.array(np.arange(0, values.size + 1, values.shape[1], dtype=np.int32))
        arr: pa.Array = pa.ListArray.from_arrays(offsets, pa.array(values.ravel().astype(str)))
    elif isinstance(values, pa.Array):
        arr = values.cast(kind)
    else:
        arr = pa.array(list(values), kind)
    if len(arr) != n:
        raise ValueError(f"reason_codes: {len(arr)} values for {n} decisions")
    return arr


def decision_table(
    *,
    channel: str,
    model_name: str,
    model_version: str | int,
    pd: Any,
    features: Features | None = None,
    inputs_hash_values: pa.Array | Sequence[str] | None = None,
    store_features: bool = False,
    model_alias: str | None = None,
    training_snapshot: str | None = None,
    applicant_id: Any = None,
    grade: Any = None,
    decision: Any = None,
    reason_codes: Any = None,
    decided_at: datetime | Sequence[datetime] | None = None,
    catalogue_version: str | None = None,
    scale_version: str | None = None,
    decision_ids: pa.Array | Sequence[str] | None = None,
) -> pa.Table:
    """Decision records of one batch as an Arrow table of :data:`DECISION_SCHEMA`.

    ``pd`` (and the optional per-row ``applicant_id``, ``grade``, ``decision``,
    ``reason_codes``) are columns; the model fields, channel and versions are the batch's.
    Inputs: pass ``features`` (hashed here; stored as JSON too with ``store_features``) or
    precomputed ``inputs_hash_values``. All rows share ``decided_at`` (default: now, UTC), or it
    is one time per row; ``decision_ids`` are made here unless given (the API stamps its
    decisions in the request and builds their records later: ``pending.py``).
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}, got {channel!r}")
    p = _as_float(pd)
    n = len(p)
    if p.ndim != 1 or not np.all((p >= 0.0) & (p <= 1.0)):
        raise ValueError("pd must be a column of probabilities in [0, 1]")
    if inputs_hash_values is not None:
        hashes = _strings(inputs_hash_values, n, "inputs_hash")
    elif features is not None:
        hashes = inputs_hash(features)
    else:
        raise ValueError("pass features or inputs_hash_values")
    if len(hashes) != n:
        raise ValueError(f"inputs: {len(hashes)} rows for {n} decisions")
    rows = None
    if store_features:
        if features is None:
            raise ValueError("store_features needs the features")
        rows = feature_rows_json(features)
    stamp = pa.timestamp("us", tz="UTC")
    if decided_at is None or isinstance(decided_at, datetime):
        when = (decided_at or datetime.now(UTC)).astimezone(UTC)
        stamps = pa.repeat(pa.scalar(when, stamp), n)
    else:
        stamps = pa.array(list(decided_at), stamp)
        if len(stamps) != n:
            raise ValueError(f"decided_at: {len(stamps)} values for {n} decisions")
        when = stamps[0].as_py() if n else datetime.now(UTC)
    if decision_ids is None:
        ids = new_decision_ids(n, when)
    else:
        ids = _strings(decision_ids, n, "decision_id")
    applicants = _applicant_ids(applicant_id, n)
    columns = {
        "decision_id": ids,
        "decided_at": stamps,
        "channel": _strings(channel, n, "channel"),
        "model_name": _strings(model_name, n, "model_name"),
        "model_version": _strings(str(model_version), n, "model_version"),
        "model_alias": _strings(model_alias, n, "model_alias"),
        "training_snapshot": _strings(training_snapshot, n, "training_snapshot"),
        "inputs_hash": hashes,
        "feature_row": rows if rows is not None else pa.nulls(n, pa.string()),
        "applicant_id": applicants,
        "pd": pa.array(p, pa.float64()),
        "grade": _strings(grade, n, "grade"),
        "decision": _strings(decision, n, "decision"),
        "reason_codes": _reasons(reason_codes, n),
        "catalogue_version": _strings(catalogue_version, n, "catalogue_version"),
        "scale_version": _strings(scale_version, n, "scale_version"),
    }
    return pa.Table.from_arrays(list(columns.values()), schema=DECISION_SCHEMA)
