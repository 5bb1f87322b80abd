"""Decision records: schema, ids, input hashes and feature rows, built column-wise and fast."""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from creditrisk_assets.decisions import (
    DECISION_SCHEMA,
    decision_table,
    feature_rows_json,
    inputs_hash,
    inputs_hash_matrix,
    new_decision_ids,
)


def test_records_have_the_schema_and_the_batch_fields(records: Callable[..., pa.Table]) -> None:
    when = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
    table = records(5, version=7, decided_at=when)
    assert table.schema.equals(DECISION_SCHEMA)
    row = table.to_pylist()[1]
    assert row["model_version"] == "7" and row["channel"] == "api_predict"
    assert row["decided_at"] == when and row["applicant_id"] == 100_003
    assert row["reason_codes"] == ["EXT_SOURCE_2"] and row["feature_row"] is None
    assert len(row["inputs_hash"]) == 64 and len(row["decision_id"]) == 32


def test_decision_ids_are_unique_and_sort_by_time_then_row() -> None:
    first = new_decision_ids(1000, datetime(2026, 1, 1, tzinfo=UTC)).to_pylist()
    later = new_decision_ids(3, datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)).to_pylist()
    assert len(set(first)) == 1000 and first == sorted(first)
    assert max(first) < min(later)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in first[:5])


def test_inputs_hash_depends_on_values_not_on_dtypes_or_order() -> None:
    a = {"x": np.array([1, 2, 3]), "y": np.array([0.5, np.nan, -0.0])}
    b = {"y": [0.5, None, 0.0], "x": pd.Series([1.0, 2.0, 3.0])}
    c = {"x": np.array([1, 2, 4]), "y": np.array([0.5, np.nan, 0.0])}
    ha, hb, hc = (inputs_hash(f).to_pylist() for f in (a, b, c))
    assert ha == hb
    assert ha[:2] == hc[:2] and ha[2] != hc[2]
    renamed = inputs_hash({"x2": a["x"], "y": a["y"]}).to_pylist()
    assert renamed[0] != ha[0]  # names are part of the encoding
    with pytest.raises(ValueError):
        inputs_hash({"x": ["a", "b"]})


def test_inputs_hash_is_the_documented_encoding() -> None:
    """Logged hashes must not change with the code that computes them: the sha256 of the sorted
    names joined by 0x1f, 0x1e, then the row as little-endian float64 (one NaN, -0.0 as 0.0)."""
    x = np.array([[-0.0, np.nan, 2.5], [1.0, -np.nan, 3.0]], dtype=np.float32)
    names = ["b", "c", "a"]  # matrix columns; the encoding orders them a, b, c
    expected = []
    for row in ([2.5, 0.0, float("nan")], [3.0, 1.0, float("nan")]):
        data = b"a\x1fb\x1fc\x1e" + struct.pack("<3d", *row)
        expected.append(hashlib.sha256(data).hexdigest())
    assert inputs_hash_matrix(names, x).to_pylist() == expected
    assert inputs_hash({n: x[:, j] for j, n in enumerate(names)}).to_pylist() == expected
    assert inputs_hash_matrix(names, x[:0]).to_pylist() == []


def test_feature_rows_are_strict_json() -> None:
    rows = feature_rows_json({"b": [1.5, np.inf], "a": [None, 3.0]}).to_pylist()
    assert [json.loads(r) for r in rows] == [{"a": None, "b": 1.5}, {"a": 3.0, "b": None}]


def test_validation_refuses_bad_batches() -> None:
    kwargs = {"model_name": "m", "model_version": 1, "features": {"x": [1.0, 2.0]}}
    with pytest.raises(ValueError, match="channel"):
        decision_table(channel="email", pd=[0.1, 0.2], **kwargs)
    with pytest.raises(ValueError, match="pd"):
        decision_table(channel="batch", pd=[0.1, 1.2], **kwargs)
    with pytest.raises(ValueError, match="grade"):
        decision_table(channel="batch", pd=[0.1, 0.2], grade=["A"], **kwargs)


def test_ten_thousand_rows_carry_their_inputs_column_by_column() -> None:
    """A 10,000-row batch holds exactly what was passed, row for row, and each row's hash is
    that row's alone (equal to hashing it by itself). Its speed against a per-row builder is
    timed in ``benchmarks/bench_risk_kernels.py``, not asserted here."""
    n = 10_000
    rng = np.random.default_rng(0)
    features = {f"f{j}": rng.random(n) for j in range(20)}
    pd_ = rng.random(n)
    grades = rng.choice(np.array(["A", "B", "C"]), n)
    decisions = np.where(pd_ > 0.5, "decline", "approve")
    reasons = np.array([["EXT_SOURCE_2", "AMT_CREDIT", "DAYS_BIRTH"]] * n)
    reasons[7] = ["AMT_ANNUITY", "EXT_SOURCE_3", "DAYS_EMPLOYED"]
    when = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
    table = decision_table(
        channel="batch",
        model_name="m",
        model_version=3,
        pd=pd_,
        features=features,
        applicant_id=np.arange(n) + 100_000,
        grade=grades,
        decision=decisions,
        reason_codes=reasons,
        decided_at=when,
    )
    assert table.schema.equals(DECISION_SCHEMA) and table.num_rows == n
    assert table["pd"].to_numpy().tolist() == pd_.tolist()
    assert table["applicant_id"].to_pylist() == list(range(100_000, 100_000 + n))
    assert table["grade"].to_pylist() == grades.tolist()
    assert table["decision"].to_pylist() == decisions.tolist()
    assert table["reason_codes"].to_pylist() == reasons.tolist()
    assert set(table["channel"].to_pylist()) == {"batch"}
    assert set(table["model_version"].to_pylist()) == {"3"}
    assert set(table["decided_at"].to_pylist()) == {when}
    ids = table["decision_id"].to_pylist()
    assert len(set(ids)) == n and ids == sorted(ids)
    hashes = table["inputs_hash"].to_pylist()
    assert len(set(hashes)) == n
    for r in (0, 7, n - 1):
        alone = inputs_hash({k: v[r : r + 1] for k, v in features.items()}).to_pylist()
        assert alone == [hashes[r]]
