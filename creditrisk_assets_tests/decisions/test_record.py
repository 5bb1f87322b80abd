"""Decision records: schema, ids, input hashes and feature rows, built column-wise and fast."""

from __future__ import annotations

import json
import time
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


def test_ten_thousand_rows_take_milliseconds() -> None:
    n = 10_000
    rng = np.random.default_rng(0)
    features = {f"f{j}": rng.random(n) for j in range(20)}
    reasons = np.array([["EXT_SOURCE_2", "AMT_CREDIT", "DAYS_BIRTH"]] * n)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        table = decision_table(
            channel="batch",
            model_name="m",
            model_version=3,
            pd=rng.random(n),
            features=features,
            applicant_id=np.arange(n),
            grade=np.full(n, "B"),
            decision=np.full(n, "approve"),
            reason_codes=reasons,
        )
        best = min(best, time.perf_counter() - started)
    assert table.num_rows == n and table["reason_codes"][9999].as_py()[2] == "DAYS_BIRTH"
    assert best < 0.25, best  # about 15 ms unloaded; generous for a busy CI machine
