"""The feature SQL for the scoring API: planned once per connection, connections pooled.

``features_for_tables`` (``compute.py``) runs here. A session is one DuckDB connection on which
the store query is prepared; a pool holds up to one session per core, so concurrent ``/score``
requests run their queries side by side (DuckDB releases the GIL) instead of queueing behind
one connection. With a single session the API topped out at ~15 ``/score`` requests per second
on the 2-core benchmark machine, latency growing without bound beyond that.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from creditrisk_assets.features.compute import (
    FAMILY_FILES,
    SQL_FILES,
    STORE_FILE,
    category_codes,
    empty_input,
)
from creditrisk_assets.resources.warehouse import Warehouse, quote_identifier, read_sql, sql_files
from creditrisk_assets.schema import HISTORY_TABLES


class ServingSession:
    """One long-lived connection that plans the feature query once, then only swaps inputs.

    Planning the 334-column query costs far more than running it on one applicant's records
    (~85 ms against ~2 ms), so the serving path avoids re-planning on every call:

    - the inputs are real (temporary) tables, refilled per call through the relational API, so
      the catalog never changes and the prepared statement is not re-bound;
    - the store query is a prepared statement, planned once;
    - the optimizer is off on this connection: its passes pay off on millions of rows, not on
      one applicant's hundred, and with it on DuckDB re-binds the statement on every execution.

    The SQL text is the batch's, unchanged; the parity test holds the two paths equal. A session
    is used by one thread at a time (the pool lends it out).
    """

    def __init__(self, threads: int = 1) -> None:
        self.filled: set[str] = set()  # input tables that hold rows now
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute("PRAGMA disable_optimizer")
        self.con.from_arrow(category_codes()).create("category_codes")
        for name in ("application", *HISTORY_TABLES):
            self.con.from_arrow(empty_input(name)).create(name)
        for family in FAMILY_FILES:
            Warehouse.run_sql_file(self.con, family).create_view(family, replace=True)
        self.con.execute("PREPARE feature_store_query AS " + read_sql(STORE_FILE).strip(" ;\n"))

    def run(self, inputs: Mapping[str, pa.Table]) -> pa.Table:
        """Replace the input tables' rows with ``inputs`` and run the prepared store query.

        Each statement costs ~0.5-1 ms of Python API and bookkeeping, a third of a call, so
        tables that are empty and stay empty (most history tables, for most applicants) are
        not touched, and the emptying is one statement.
        """
        stale = [n for n in inputs if n in self.filled]
        if stale:
            self.con.execute("".join(f"DELETE FROM {quote_identifier(n)};" for n in stale))
            self.filled.difference_update(stale)
        for name, table in inputs.items():
            if table.num_rows:
                self.con.from_arrow(table).insert_into(name)
                self.filled.add(name)
        return self.con.execute("EXECUTE feature_store_query").to_arrow_table()


class SessionPool:
    """Up to ``size`` sessions, created on demand and lent to one caller at a time.

    Last in, first out: under light load one session serves every call and stays warm in the
    CPU caches; a second is only created when two calls overlap.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.created = 0
        self.idle: list[ServingSession] = []
        self.changed = threading.Condition()

    @contextmanager
    def session(self) -> Iterator[ServingSession]:
        with self.changed:
            while not self.idle and self.created >= self.size:
                self.changed.wait()
            lent = self.idle.pop() if self.idle else None
            if lent is None:
                self.created += 1
        try:
            if lent is None:
                lent = ServingSession()
            yield lent
        finally:
            with self.changed:
                if lent is None:  # creating it failed: free the slot
                    self.created -= 1
                else:
                    self.idle.append(lent)
                self.changed.notify()


_POOLS: dict[tuple[tuple[str, int], ...], SessionPool] = {}
_POOLS_LOCK = threading.Lock()


def pool_size() -> int:
    """Sessions per process: ``CREDITRISK_FEATURE_SESSIONS``, else one per core."""
    return int(os.environ.get("CREDITRISK_FEATURE_SESSIONS") or os.cpu_count() or 1)


def run_feature_query(inputs: Mapping[str, pa.Table]) -> pa.Table:
    """The store query over ``inputs`` (every input relation) on a pooled session."""
    # Keyed by the SQL files' paths and modification times: one directory listing and a few
    # stats per call (reading and re-listing every file cost ~1 ms on the API's hot path),
    # while an edited file still gets fresh connections.
    files = sql_files()
    for name in SQL_FILES:
        if name not in files:
            read_sql(name)  # raises UnknownSqlFile naming the folder's files
    key = tuple((str(files[name]), files[name].stat().st_mtime_ns) for name in SQL_FILES)
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS.clear()  # SQL changed (or first call): stale connections go with their pool
            _POOLS[key] = SessionPool(pool_size())
        pool = _POOLS[key]
    with pool.session() as session:
        return session.run(inputs)
