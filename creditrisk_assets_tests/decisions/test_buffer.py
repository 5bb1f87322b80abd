"""The decision buffer: concurrent appends lose nothing, a full buffer spills, failures retry."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from creditrisk_assets.decisions import DecisionBuffer, DecisionLogUnavailable, ParquetDecisionSink

Records = Callable[..., pa.Table]


class MemorySink:
    """Keeps what it is given; ``fail`` decides per call (by call number) whether to raise."""

    def __init__(self, fail: Callable[[int], bool] = lambda call: False) -> None:
        self.tables: list[pa.Table] = []
        self.calls = 0
        self.fail = fail
        self.lock = threading.Lock()

    def write(self, table: pa.Table) -> int:
        with self.lock:
            self.calls += 1
            call = self.calls
        if self.fail(call):
            raise ConnectionError(f"storage down (call {call})")
        with self.lock:
            self.tables.append(table)
        return table.num_rows

    def ids(self) -> list[str]:
        with self.lock:
            return [i for t in self.tables for i in t["decision_id"].to_pylist()]

    def close(self) -> None:
        pass


class GatedSink(MemorySink):
    """The first write blocks until ``gate`` is set (a slow store); later ones pass, or fail
    with ``fail_later`` (storage down for everyone but the stuck writer)."""

    def __init__(self, fail_later: bool = False) -> None:
        super().__init__()
        self.fail_later = fail_later
        self.gate, self.entered = threading.Event(), threading.Event()

    def write(self, table: pa.Table) -> int:
        with self.lock:
            first = not self.entered.is_set()
            self.entered.set()
        if first:
            assert self.gate.wait(10)
        elif self.fail_later:
            raise ConnectionError("storage down")
        return super().write(table)


def test_concurrent_appends_all_reach_the_parquet_log(tmp_path: Path, records: Records) -> None:
    buffer = DecisionBuffer(
        ParquetDecisionSink(tmp_path), capacity=500, batch_size=100, flush_interval_s=0.05
    )
    sent: list[str] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        for i in range(40):
            batch = records(1 + (i % 5), first_id=1_000_000 * (k + 1) + 10 * i)
            buffer.append(batch)
            with lock:
                sent.extend(batch["decision_id"].to_pylist())

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    buffer.close()
    stored = ds.dataset(tmp_path / "decisions" / "log", format="parquet", partitioning="hive")
    ids = stored.to_table(columns=["decision_id"])["decision_id"].to_pylist()
    assert len(sent) == 8 * 40 * 3
    assert sorted(ids) == sorted(sent)  # every record once, none lost, none twice
    stats = buffer.stats()
    assert stats["written"] + stats["spilled"] == len(sent) and stats["pending"] == 0


def test_a_full_buffer_waits_then_spills_to_the_sink(records: Records) -> None:
    sink = GatedSink()
    buffer = DecisionBuffer(
        sink, capacity=10, batch_size=10, flush_interval_s=60, put_timeout_s=0.1
    )
    buffer.append(records(10))
    assert sink.entered.wait(5)  # the writer holds those 10 and is stuck on storage
    started = time.perf_counter()
    buffer.append(records(3, first_id=500_000))  # no room: waits, then writes itself
    assert time.perf_counter() - started >= 0.1
    stats = buffer.stats()
    assert stats["full_waits"] == 1 and stats["spilled"] == 3 and stats["enqueued"] == 10
    assert stats["written"] == 0 and stats["pending"] == 10
    assert len(sink.ids()) == 3

    # room made while a caller waits: it is queued, not spilled
    waiter = threading.Thread(target=buffer.append, args=(records(4, first_id=600_000),))
    buffer.put_timeout_s = 5.0
    waiter.start()
    time.sleep(0.1)
    sink.gate.set()
    waiter.join(5)
    buffer.close()
    stats = buffer.stats()
    assert stats["full_waits"] == 2 and stats["spilled"] == 3
    assert stats["enqueued"] == 14 and stats["written"] == 14
    assert len(sink.ids()) == len(set(sink.ids())) == 17


def test_a_failed_spill_hands_the_records_back(records: Records) -> None:
    sink = GatedSink(fail_later=True)
    buffer = DecisionBuffer(sink, capacity=5, batch_size=5, flush_interval_s=60, put_timeout_s=0)
    buffer.append(records(5))
    assert sink.entered.wait(5)
    extra = records(2, first_id=700_000)
    with pytest.raises(DecisionLogUnavailable) as caught:
        buffer.append(extra)
    assert caught.value.records is not None
    assert caught.value.records["decision_id"].to_pylist() == extra["decision_id"].to_pylist()
    stats = buffer.stats()
    assert stats["refused"] == 2 and stats["spill_errors"] == 1 and stats["spilled"] == 0
    sink.gate.set()
    buffer.close()
    assert buffer.stats()["written"] == 5


def test_a_sink_that_fails_once_loses_nothing(records: Records) -> None:
    sink = MemorySink(fail=lambda call: call == 1)
    buffer = DecisionBuffer(sink, batch_size=20, flush_interval_s=0.02, retry_initial_s=0.01)
    sent = []
    for i in range(5):
        batch = records(10, first_id=100_000 + 100 * i)
        buffer.append(batch)
        sent += batch["decision_id"].to_pylist()
    buffer.close()
    assert sorted(sink.ids()) == sorted(sent)
    stats = buffer.stats()
    assert stats["flush_errors"] == 1 and stats["written"] == 50 and stats["pending"] == 0


def test_records_are_written_within_the_interval_without_close(records: Records) -> None:
    sink = MemorySink()
    buffer = DecisionBuffer(sink, batch_size=1000, flush_interval_s=0.05)
    try:
        buffer.append(records(3))
        deadline = time.monotonic() + 5
        while len(sink.ids()) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(sink.ids()) == 3
    finally:
        buffer.close()


def test_close_reports_what_storage_never_took(records: Records) -> None:
    sink = MemorySink(fail=lambda call: True)
    buffer = DecisionBuffer(
        sink, flush_interval_s=0.01, retry_initial_s=0.01, retry_max_s=0.02, close_timeout_s=0.2
    )
    buffer.append(records(6))
    buffer.append(records(4, first_id=800_000))
    with pytest.raises(DecisionLogUnavailable, match="10 records") as caught:
        buffer.close()
    assert caught.value.records is not None and caught.value.records.num_rows == 10
    assert buffer.stats()["flush_errors"] >= 1
    with pytest.raises(RuntimeError, match="closed"):
        buffer.append(records(1))
