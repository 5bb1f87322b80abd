"""Batched feature queries: requests that wait for a session share one execution, never with a
request that shares an id with them, and one request's failure stays its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import numpy as np
import pyarrow as pa
import pytest

from creditrisk_assets.serving import feature_batches
from creditrisk_assets.serving.feature_batches import BatchingPool, link_ids
from creditrisk_assets.serving.feature_rows import FeatureRows

BAD_ID = 666


def request(sk_id: int, bureau: list[int] | None = None) -> dict[str, pa.Table]:
    """One applicant's inputs: the application row and, optionally, bureau credits."""
    inputs = {"application": pa.table({"SK_ID_CURR": pa.array([sk_id], pa.int64())})}
    if bureau:
        inputs["bureau"] = pa.table(
            {
                "SK_ID_CURR": pa.array([sk_id] * len(bureau), pa.int64()),
                "SK_ID_BUREAU": pa.array(bureau, pa.int64()),
            }
        )
    return inputs


class Session:
    """Answers each applicant with (id, 2 x id); the first run waits for ``release``."""

    def __init__(self) -> None:
        self.executions: list[list[int]] = []
        self.release = threading.Event()

    def run(self, inputs: Mapping[str, pa.Table]) -> FeatureRows:
        ids = np.sort(inputs["application"].column("SK_ID_CURR").to_numpy())
        self.executions.append(ids.tolist())
        if len(self.executions) == 1:
            assert self.release.wait(10)
        if BAD_ID in ids:
            raise ValueError(f"application: applicant {BAD_ID} has records the SQL refuses")
        return FeatureRows(ids, np.column_stack([ids, 2 * ids]).astype(float), ["A", "B"])


class OneSessionPool:
    def __init__(self) -> None:
        self.lent = threading.Lock()
        self.only = Session()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.lent:
            yield self.only


def run_while_busy(inputs: list[dict[str, pa.Table]], monkeypatch) -> tuple[Session, list]:
    """Occupy the only session with one request, send ``inputs`` from threads while it is
    busy (each one queued before the next is sent), then free it; each request's result or
    error, in order."""
    queued: list[int] = []
    add = feature_batches._Batch.add

    def counted_add(batch, *args):
        queued.append(1)
        return add(batch, *args)

    monkeypatch.setattr(feature_batches._Batch, "add", counted_add)
    pool = OneSessionPool()
    batcher = BatchingPool(pool)
    first = threading.Thread(target=batcher.run, args=(request(1),))
    first.start()
    while not pool.only.executions:
        time.sleep(0.001)
    results: list = [None] * len(inputs)

    def send(i: int) -> None:
        try:
            results[i] = batcher.run(inputs[i])
        except ValueError as err:
            results[i] = err

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(inputs))]
    for n, t in enumerate(threads, start=2):
        t.start()
        deadline = time.monotonic() + 10
        while len(queued) < n:
            assert time.monotonic() < deadline, "a request never reached its batch"
            time.sleep(0.001)
    pool.only.release.set()
    for t in (first, *threads):
        t.join(10)
    return pool.only, results


def test_requests_that_wait_share_one_execution_and_get_their_own_rows(monkeypatch) -> None:
    session, results = run_while_busy(
        [request(30, [300]), request(20, [200]), request(10)], monkeypatch
    )
    assert session.executions == [[1], [10, 20, 30]]
    for sk_id, rows in zip((30, 20, 10), results, strict=True):
        assert rows.ids.tolist() == [sk_id]
        assert rows.values.tolist() == [[sk_id, 2 * sk_id]]


@pytest.mark.parametrize(
    "second",
    [request(30), request(40, [300])],
    ids=["same applicant", "same bureau credit"],
)
def test_requests_sharing_an_id_never_share_an_execution(second, monkeypatch) -> None:
    session, results = run_while_busy([request(30, [300]), second], monkeypatch)
    assert session.executions[0] == [1]
    assert sorted(map(tuple, session.executions[1:])) == sorted([(30,), (second_id(second),)])
    assert [r.ids.tolist() for r in results] == [[30], [second_id(second)]]


def second_id(inputs: dict[str, pa.Table]) -> int:
    return inputs["application"].column("SK_ID_CURR")[0].as_py()


def test_a_failed_batch_runs_its_requests_alone_and_only_the_bad_one_fails(monkeypatch) -> None:
    session, results = run_while_busy([request(30), request(BAD_ID), request(10)], monkeypatch)
    assert session.executions == [[1], [10, 30, BAD_ID], [30], [BAD_ID], [10]]
    assert results[0].ids.tolist() == [30] and results[2].ids.tolist() == [10]
    assert isinstance(results[1], ValueError) and str(BAD_ID) in str(results[1])


def test_no_session_means_every_waiting_request_gets_the_error() -> None:
    class Broken:
        @contextmanager
        def session(self) -> Iterator[Session]:
            raise RuntimeError("cannot open a DuckDB connection")
            yield  # pragma: no cover

    with pytest.raises(RuntimeError, match="DuckDB connection"):
        BatchingPool(Broken()).run(request(5))


def test_link_ids_gather_every_table_and_skip_nulls() -> None:
    inputs = request(7, [70, 71])
    inputs["bureau_balance"] = pa.table({"SK_ID_BUREAU": pa.array([71, None], pa.int64())})
    assert link_ids(inputs) == {"SK_ID_CURR": {7}, "SK_ID_BUREAU": {70, 71}, "SK_ID_PREV": set()}
