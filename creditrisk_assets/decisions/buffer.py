"""A bounded in-process buffer that writes decision records to a sink from a background thread.

Why: the API must log every decision it returns, but a request must not wait on storage. So a
request appends its records and returns; one thread writes them in batches, by size
(``batch_size`` records) or age (``flush_interval_s``), whichever comes first. A request may
append an Arrow table of records or, cheaper, its :class:`~.pending.PendingDecisions`: the
thread then builds the records of a whole flush in one go (``pending.py`` says why), outside the
lock, so appends never wait on that either.

Full buffer (``capacity`` records queued or being written): the caller waits up to
``put_timeout_s`` for the writer to make room, then **spills**: it writes its own records to the
sink synchronously. Nothing is ever dropped. Why not drop: the log is the audit record of
decisions a lender has to be able to reproduce, so a slow request under overload is the lesser
harm, and a drop counter would only say after the fact that the log is incomplete. Spilling
keeps memory bounded and turns sustained overload into back-pressure on the callers (a single
batch larger than ``capacity`` is spilled at once). If the spill itself fails (storage down and
the buffer full), :class:`DecisionLogUnavailable` is raised to the caller, carrying the records:
the API can then refuse the request (503) instead of returning a decision that was not logged.

Failed batch writes are retried, unchanged, with exponential back-off (the sinks are idempotent
for a retried batch); records stay counted against ``capacity`` until written. ``close()``
(call it on shutdown: the API's lifespan exit, which uvicorn runs on SIGTERM) writes everything
still queued and joins the thread; if storage stays down past ``close_timeout_s`` it raises
:class:`DecisionLogUnavailable` with the unwritten records rather than losing them silently. An
``atexit`` hook closes a buffer its owner forgot to close.

Counters (:meth:`stats`, for ``/metrics``): ``enqueued``, ``written`` (by the thread),
``spilled`` (written by callers), ``refused`` (records whose spill failed and were handed back),
``full_waits`` (appends that found the buffer full), ``flush_errors``, ``spill_errors``,
``pending`` (queued or being written).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Sequence

import pyarrow as pa

from creditrisk_assets.decisions.pending import PendingDecisions, pending_table
from creditrisk_assets.decisions.sinks import DecisionSink, conform

#: What a caller appends: records, or decisions the writer thread makes into records.
Appended = pa.Table | PendingDecisions

log = logging.getLogger(__name__)

COUNTERS = (
    "enqueued",
    "written",
    "spilled",
    "refused",
    "full_waits",
    "flush_errors",
    "spill_errors",
)


class DecisionLogUnavailable(RuntimeError):
    """Records that could not be stored; ``records`` holds them so they are not lost silently."""

    def __init__(self, message: str, records: pa.Table | None) -> None:
        super().__init__(message)
        self.records = records


class DecisionBuffer:
    """Bounded buffer of decision records flushed to ``sink`` by a background thread."""

    def __init__(
        self,
        sink: DecisionSink,
        capacity: int = 50_000,
        batch_size: int = 2_000,
        flush_interval_s: float = 1.0,
        put_timeout_s: float = 0.05,
        retry_initial_s: float = 0.1,
        retry_max_s: float = 5.0,
        close_timeout_s: float = 30.0,
    ) -> None:
        if capacity < 1 or batch_size < 1 or flush_interval_s <= 0:
            raise ValueError("capacity and batch_size must be >= 1, flush_interval_s > 0")
        self.sink = sink
        self.capacity, self.batch_size = capacity, batch_size
        self.flush_interval_s, self.put_timeout_s = flush_interval_s, put_timeout_s
        self.retry_initial_s, self.retry_max_s = retry_initial_s, retry_max_s
        self.close_timeout_s = close_timeout_s
        self._queue: deque[tuple[float, Appended]] = deque()  # (enqueue time, records)
        self._queued = 0
        self._inflight: list[Appended] = []  # taken by the thread, not yet written
        self._inflight_rows = 0
        self._counts = dict.fromkeys(COUNTERS, 0)
        self._cond = threading.Condition()
        self._closing = False
        self._deadline = float("inf")
        self._thread = threading.Thread(target=self._run, name="decision-log-writer", daemon=True)
        self._thread.start()
        ref = weakref.ref(self)
        self._atexit = lambda: _close_if_alive(ref)
        atexit.register(self._atexit)

    # -- callers ---------------------------------------------------------------------------------

    def append(self, records: Appended) -> None:
        """Queue ``records`` (decision schema, or pending decisions); spills to the sink if the
        buffer stays full."""
        if isinstance(records, pa.Table):
            records = conform(records)
        n = records.num_rows
        if n == 0:
            return
        with self._cond:
            if self._closing:
                raise RuntimeError("the decision buffer is closed")
            deadline = time.monotonic() + self.put_timeout_s
            full = False
            while n <= self.capacity and self._pending() + n > self.capacity:
                full = True
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            self._counts["full_waits"] += full
            if n <= self.capacity and self._pending() + n <= self.capacity:
                wake = self._queued == 0 or self._queued + n >= self.batch_size
                self._queue.append((time.monotonic(), records))
                self._queued += n
                self._counts["enqueued"] += n
                if wake:
                    self._cond.notify_all()
                return
        self._spill(records)

    def _spill(self, appended: Appended) -> None:
        records = _table([appended])
        try:
            self.sink.write(records)
        except Exception as err:
            with self._cond:
                self._counts["spill_errors"] += 1
                self._counts["refused"] += records.num_rows
            raise DecisionLogUnavailable(
                f"decision buffer full and the sink failed: {records.num_rows} records not stored",
                records,
            ) from err
        with self._cond:
            self._counts["spilled"] += records.num_rows

    def stats(self) -> dict[str, int]:
        """The counters (see the module docstring) and ``pending``."""
        with self._cond:
            return {**self._counts, "pending": self._pending()}

    def close(self) -> None:
        """Write everything queued, stop the thread; raises if records could not be stored."""
        with self._cond:
            if not self._closing:
                self._closing = True
                self._deadline = time.monotonic() + self.close_timeout_s
                atexit.unregister(self._atexit)
            self._cond.notify_all()
        self._thread.join(self.close_timeout_s + self.retry_max_s + 1.0)
        with self._cond:
            left = self._pending()
            if left:
                unwritten = [*self._inflight, *(t for _, t in self._queue)]
                raise DecisionLogUnavailable(
                    f"decision log: {left} records could not be stored before shutdown",
                    _table(unwritten),
                )

    def __enter__(self) -> DecisionBuffer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the writer thread -----------------------------------------------------------------------

    def _pending(self) -> int:
        return self._queued + self._inflight_rows

    def _next_batch(self) -> list[Appended] | None:
        """Wait until a batch is due and take it (under the lock); None when closed and empty."""
        while True:
            if self._queued >= self.batch_size or (self._closing and self._queued):
                break
            if self._closing:
                return None
            if self._queued:
                age = time.monotonic() - self._queue[0][0]
                if age >= self.flush_interval_s:
                    break
                self._cond.wait(self.flush_interval_s - age)
            else:
                self._cond.wait()
        taken: list[Appended] = []
        rows = 0
        while self._queue and (not taken or rows + self._queue[0][1].num_rows <= self.batch_size):
            _, item = self._queue.popleft()
            taken.append(item)
            rows += item.num_rows
        self._queued -= rows
        self._inflight, self._inflight_rows = taken, rows
        return taken

    def _run(self) -> None:
        delay = self.retry_initial_s
        taken: list[Appended] | None = None
        batch: pa.Table | None = None
        while True:
            if taken is None:
                with self._cond:
                    taken = self._next_batch()
                if taken is None:
                    return
            try:
                if batch is None:
                    batch = _table(taken)  # outside the lock: appends go on meanwhile
                self.sink.write(batch)
            except Exception:
                log.exception("decision log: writing %d records failed; retrying", len(taken))
                with self._cond:
                    self._counts["flush_errors"] += 1
                    if self._closing and time.monotonic() >= self._deadline:
                        return  # close() reports what is left
                time.sleep(delay)
                delay = min(delay * 2, self.retry_max_s)
                continue
            delay = self.retry_initial_s
            with self._cond:
                self._counts["written"] += batch.num_rows
                self._inflight, self._inflight_rows = [], 0
                self._cond.notify_all()
            taken, batch = None, None


def _table(items: Sequence[Appended]) -> pa.Table:
    """One table of records from what was appended, in order."""
    parts: list[pa.Table] = []
    pending: list[PendingDecisions] = []
    for item in items:
        if isinstance(item, PendingDecisions):
            pending.append(item)
            continue
        if pending:
            parts.append(pending_table(pending))
            pending = []
        parts.append(item)
    if pending:
        parts.append(pending_table(pending))
    return parts[0] if len(parts) == 1 else pa.concat_tables(parts)


def _close_if_alive(ref: weakref.ref[DecisionBuffer]) -> None:
    buffer = ref()
    if buffer is not None:
        buffer.close()
