"""Pending decisions: what a request hands the buffer becomes exactly the records
``decision_table`` makes of the same values, a whole flush at a time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from creditrisk_assets.decisions import DecisionBuffer, DecisionLogUnavailable, decision_table
from creditrisk_assets.decisions.pending import (
    ModelFields,
    PendingDecisions,
    decision_ids,
    pending_table,
)

NAMES = ("EXT_SOURCE_1", "AMT_CREDIT", "DAYS_BIRTH")
V3 = ModelFields(name="creditrisk", version="3", alias="champion", training_snapshot="2026-11-01")


def _pending(
    n: int,
    *,
    seed: int = 0,
    model: ModelFields = V3,
    store: bool = False,
    when: datetime | None = None,
) -> PendingDecisions:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(NAMES))).astype(np.float32)
    x[0, 1] = np.nan
    when = when or datetime(2026, 11, 27, 12, 0, tzinfo=UTC) + timedelta(seconds=seed)
    return PendingDecisions(
        channel="api_predict",
        model=model,
        names=NAMES,
        x=x,
        store_features=store,
        pd=rng.uniform(0, 1, n).tolist(),
        applicant_id=[100_000 + seed * 100 + i if i % 3 else None for i in range(n)],
        grade=[f"G{i % 7 + 1}" for i in range(n)],
        decision=["decline" if i % 2 else "approve" for i in range(n)],
        reason_codes=[[f"R{i}", "R9"][: i % 3] for i in range(n)],
        catalogue_version="cat-1",
        scale_version="scale-1",
        decided_at=when,
        decision_ids=decision_ids(n, when),
    )


def _direct(p: PendingDecisions) -> pa.Table:
    return decision_table(
        channel=p.channel,
        model_name=p.model.name,
        model_version=p.model.version,
        model_alias=p.model.alias,
        training_snapshot=p.model.training_snapshot,
        pd=p.pd,
        features={n: p.x[:, j] for j, n in enumerate(p.names)},
        store_features=p.store_features,
        applicant_id=p.applicant_id,
        grade=p.grade,
        decision=p.decision,
        reason_codes=p.reason_codes,
        decided_at=p.decided_at,
        catalogue_version=p.catalogue_version,
        scale_version=p.scale_version,
    )


@pytest.mark.parametrize("store", [False, True])
def test_a_flush_gives_the_records_decision_table_gives(store: bool) -> None:
    v4 = ModelFields(
        name="creditrisk", version="4", alias="champion", training_snapshot="2026-12-01"
    )
    items = [_pending(3, seed=1, store=store), _pending(5, seed=2, store=store)]
    items += [_pending(2, seed=3, model=v4, store=store), _pending(4, seed=4, store=store)]
    table = pending_table(items)
    expected = pa.concat_tables([_direct(p) for p in items])
    assert table.schema.equals(expected.schema, check_metadata=True)
    assert table.drop(["decision_id"]).equals(expected.drop(["decision_id"]))
    assert table["decision_id"].to_pylist() == [i for p in items for i in p.decision_ids]
    assert table["model_version"].to_pylist() == ["3"] * 8 + ["4"] * 2 + ["3"] * 4  # in order


def test_ids_of_small_and_large_requests_share_one_format() -> None:
    when = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    ms = f"{int(when.timestamp() * 1000):012x}"
    for n in (1, 5, 500):
        ids = decision_ids(n, when)
        assert len(ids) == len(set(ids)) == n
        assert all(re.fullmatch(r"[0-9a-f]{32}", i) and i.startswith(ms) for i in ids)
        assert [int(i[12:20], 16) for i in ids] == list(range(n))  # the row's position
        assert ids == sorted(ids)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pd": [0.1, float("nan")]}, "probabilities"),
        ({"pd": [0.1, 1.5]}, "probabilities"),
        ({"channel": "email"}, "channel"),
        ({"grade": ["G1"]}, "lengths"),
        ({"x": np.zeros((2, 2), dtype=np.float32)}, "lengths"),
    ],
)
def test_bad_decisions_are_refused_in_the_request(change: dict, message: str) -> None:
    good = _pending(2)
    fields = {f: getattr(good, f) for f in PendingDecisions.__slots__} | change
    with pytest.raises(ValueError, match=message):
        PendingDecisions(**fields)


def test_the_buffer_writes_pending_and_table_appends_in_order() -> None:
    written: list[pa.Table] = []

    class Sink:
        def write(self, table: pa.Table) -> int:
            written.append(table)
            return table.num_rows

        def close(self) -> None:
            pass

    items = [_pending(2, seed=1), _pending(3, seed=2)]
    table = _direct(_pending(4, seed=3))
    with DecisionBuffer(Sink(), batch_size=100, flush_interval_s=60) as buffer:
        buffer.append(items[0])
        buffer.append(table)
        buffer.append(items[1])
    ids = [i for t in written for i in t["decision_id"].to_pylist()]
    want = items[0].decision_ids + table["decision_id"].to_pylist() + items[1].decision_ids
    assert ids == want


def test_close_hands_back_pending_decisions_as_records() -> None:
    class Down:
        def write(self, table: pa.Table) -> int:
            raise ConnectionError("storage down")

        def close(self) -> None:
            pass

    buffer = DecisionBuffer(
        Down(), flush_interval_s=0.01, retry_initial_s=0.01, retry_max_s=0.02, close_timeout_s=0.2
    )
    buffer.append(_pending(3, seed=1))
    buffer.append(_pending(2, seed=2))
    with pytest.raises(DecisionLogUnavailable, match="5 records") as caught:
        buffer.close()
    assert caught.value.records is not None and caught.value.records.num_rows == 5


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"decided_at": [datetime(2026, 11, 1, tzinfo=UTC)]}, "decided_at: 1 values for 2"),
        ({"decision_ids": ["x", "y", "z"]}, "decision_id: 3 values for 2"),
    ],
)
def test_given_ids_and_times_must_match_the_rows(given: dict, message: str) -> None:
    one = _pending(2)
    with pytest.raises(ValueError, match=message):
        decision_table(
            channel="api_predict",
            model_name="m",
            model_version="1",
            pd=one.pd,
            inputs_hash_values=["a", "b"],
            **given,
        )
