"""Concurrent ``/score`` feature queries share one execution of the prepared store query.

Why: one execution of the store query costs ~20-30 ms on the 2-core benchmark machine whether
it scores one applicant or ten. The cost is DuckDB setting up ~80 operators over ~340 columns
(a ``perf`` profile: operator state, chunk allocation, the six left joins), not the rows. With
one applicant per execution, ``/score`` saturated below 50 requests per second and queued
without bound (benchmarks/RESULTS.md, "Scoring API"). So a request that finds every session
busy leaves its records in the batch that will run next, and whoever runs that batch runs all
of its requests in one execution; under light load nothing waits and a batch is one request.

Features cannot change by batching: the store query computes every applicant from its own
records (aggregates grouped by applicant, Kahan sums, so the order rows meet does not matter),
as the batch store does for a whole snapshot. What could change them is two requests sharing an
id that the SQL groups or joins by (the same applicant twice, or a bureau credit whose monthly
balances would then join both), so such requests never share a batch. If a batch fails, its
requests run again one by one, so one request's bad records are its own error and no one else's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Protocol

import numpy as np
import pyarrow as pa

from creditrisk_assets.serving.feature_rows import FeatureRows

log = logging.getLogger(__name__)

#: Columns the feature SQL groups or joins records by: requests sharing a value of one of them
#: would mix their records, so they go to different batches.
LINK_COLUMNS = ("SK_ID_CURR", "SK_ID_BUREAU", "SK_ID_PREV")
#: Requests per execution at most: bounds the work one caller does for the others.
MAX_BATCH_REQUESTS = 16


class Session(Protocol):
    def run(self, inputs: Mapping[str, pa.Table]) -> FeatureRows: ...


class Pool(Protocol):
    def session(self) -> AbstractContextManager[Session]: ...


def link_ids(inputs: Mapping[str, pa.Table]) -> dict[str, set[int]]:
    """The values of each link column over all of a request's tables."""
    found: dict[str, set[int]] = {c: set() for c in LINK_COLUMNS}
    for table in inputs.values():
        for column in LINK_COLUMNS:
            # the schema's index, not ``column_names``: that builds a list of every name (~0.1 ms
            # for the application's 122 columns, three times a request)
            if table.schema.get_field_index(column) >= 0:
                found[column].update(v for v in table.column(column).to_pylist() if v is not None)
    return found


class _Batch:
    """Requests that will run in one execution, and what each of them gets back."""

    def __init__(self) -> None:
        self.inputs: list[Mapping[str, pa.Table]] = []
        self.ids: dict[str, set[int]] = {c: set() for c in LINK_COLUMNS}
        self.results: list[FeatureRows | BaseException | None] = []
        self.done = threading.Event()

    def accepts(self, ids: dict[str, set[int]]) -> bool:
        return len(self.inputs) < MAX_BATCH_REQUESTS and all(
            self.ids[c].isdisjoint(ids[c]) for c in LINK_COLUMNS
        )

    def add(self, inputs: Mapping[str, pa.Table], ids: dict[str, set[int]]) -> int:
        for c in LINK_COLUMNS:
            self.ids[c] |= ids[c]
        self.inputs.append(inputs)
        self.results.append(None)
        return len(self.inputs) - 1

    def run(self, session: Session) -> None:
        """Every request's result (or error) in its slot: one execution for the whole batch,
        or, for a single request or when the batch fails, one per request, so that each error
        is raised by the request whose records caused it."""
        try:
            if len(self.inputs) > 1:
                try:
                    self._split(session.run(_merged(self.inputs)))
                    return
                except Exception as err:  # whose records failed? each request alone says
                    log.info(
                        "a batch of %d requests failed (%s); running each alone",
                        len(self.inputs),
                        err,
                    )
            for slot, inputs in enumerate(self.inputs):
                try:
                    self.results[slot] = session.run(inputs)
                except Exception as own:  # handed to its request: raised there
                    self.results[slot] = own
        finally:
            self.done.set()

    def fail(self, err: Exception) -> None:
        self.results = [err] * len(self.inputs)
        self.done.set()

    def _split(self, rows: FeatureRows) -> None:
        for slot, inputs in enumerate(self.inputs):
            mine = np.isin(rows.ids, inputs["application"].column("SK_ID_CURR").to_numpy())
            self.results[slot] = FeatureRows(rows.ids[mine], rows.values[mine], rows.names)


def _merged(requests: list[Mapping[str, pa.Table]]) -> dict[str, pa.Table]:
    """One table per relation with every request's rows (the raw schema's, so they concatenate)."""
    names = {name for inputs in requests for name in inputs}
    return {
        name: pa.concat_tables([inputs[name] for inputs in requests if name in inputs])
        for name in names
    }


class BatchingPool:
    """Runs feature queries on ``pool``'s sessions, batching requests that would wait."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.lock = threading.Lock()
        self.open: _Batch | None = None  # the batch waiting for a session, open to joiners

    def run(self, inputs: Mapping[str, pa.Table]) -> FeatureRows:
        ids = link_ids(inputs)
        with self.lock:
            batch = self.open
            leads = batch is None or not batch.accepts(ids)
            if leads:
                batch = self.open = _Batch()
            slot = batch.add(inputs, ids)
        if leads:
            self._lead(batch)
        batch.done.wait()
        result = batch.results[slot]
        if isinstance(result, BaseException):
            raise result
        if result is None:  # cannot happen: ``done`` is set after every slot is filled
            raise RuntimeError("feature batch finished without a result for a request")
        return result

    def _lead(self, batch: _Batch) -> None:
        """Wait for a session (others may join meanwhile), close the batch, run it."""
        try:
            with self.pool.session() as session:
                self._close(batch)
                batch.run(session)
        except Exception as err:  # no session could be had: every request gets the error
            self._close(batch)
            batch.fail(err)

    def _close(self, batch: _Batch) -> None:
        with self.lock:  # from here on the batch is what it is
            if self.open is batch:
                self.open = None
