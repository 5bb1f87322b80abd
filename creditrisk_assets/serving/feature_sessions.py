"""The feature SQL for the scoring API: planned once per connection, connections pooled.

``run_feature_query`` (what ``/score`` runs: NumPy rows), ``features_for_tables`` and
``features_for_records`` (the same as DataFrames: tests, benchmarks) compute applicants'
features from their in-memory records with the feature store's own SQL files
(``features/sql_files.py``), so the API and the batch cannot disagree on a feature (the parity
test holds them equal). A session is a DuckDB connection on which the store query is
prepared, with the family queries split over it and one more connection that run at once
(``family_split.py``: that shortens a lone request). A pool holds a few sessions
(``pool_size``), and requests that find them all busy run together in one execution
(``feature_batches.py``): an execution costs about the same for one applicant as for four, so
batching, not more sessions, is what keeps ``/score`` up under load. Before batching, one
applicant per execution, the API topped out at ~32 ``/score`` requests per second on the 2-core
benchmark machine, latency growing without bound beyond that.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import duckdb
import pandas as pd
import pyarrow as pa

from creditrisk_assets.features.compute import category_codes
from creditrisk_assets.features.sql_files import FAMILY_FILES, SQL_FILES, STORE_FILE
from creditrisk_assets.resources.warehouse import Warehouse, read_sql, sql_stamps
from creditrisk_assets.schema import HISTORY_TABLES
from creditrisk_assets.serving.family_rows import FamilyRows
from creditrisk_assets.serving.family_split import (
    FamilyParts,
    execute_prepared,
    feature_parallelism,
    probe_inputs,
)
from creditrisk_assets.serving.feature_batches import BatchingPool
from creditrisk_assets.serving.feature_inputs import empty_input, records_to_arrow
from creditrisk_assets.serving.feature_rows import FeatureRows
from creditrisk_assets.serving.settings import ServingSettings

#: Columns of the store query that are not features.
_NOT_FEATURES = ("SK_ID_CURR", "TARGET")


class _CurrentInput:
    """An input relation whose rows are whatever table was set last.

    Registered on the connection once; DuckDB's Arrow scan asks it for a fresh stream on every
    execution (``__arrow_c_stream__``), so swapping ``table`` changes what the prepared query
    reads without touching the catalog: no re-bind, no copy into DuckDB storage.
    """

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self.table.__arrow_c_stream__(requested_schema)


class ServingSession:
    """One long-lived connection that plans the feature query once, then only swaps inputs.

    Planning the 334-column query costs far more than running it on one applicant's records
    (~85 ms against a few ms), so the serving path avoids re-planning on every call:

    - each input relation is a view over a ``_CurrentInput`` registered once; a call sets the
      tables and DuckDB scans them in place. Refilling real tables instead (``DELETE`` and an
      ``INSERT`` per relation) cost ~10 ms per call, a third of it;
    - the family queries are one prepared statement, planned once, and NumPy joins their rows
      as the store query would (``family_rows.py``): ~10 ms per call against ~20 ms for the
      store query, whose six joins cost more than the features on a few applicants. Each row
      comes back as one list, not 334 columns: converting a row that wide to Arrow and then to
      pandas cost ~5 ms per call;
    - the optimizer is off on these connections: its passes pay off on millions of rows, not
      on one applicant's hundred, and with it on DuckDB re-binds the statement on every
      execution (~40 ms a call, even with every pass listed in ``disabled_optimizers``);
    - with ``parallelism`` above 1 the families are split across that many connections, which
      run at once (``family_split.py``): ~5.4 ms of wall time a call instead of ~8.5 ms.

    The SQL text is the batch's, unchanged; the parity tests hold the paths equal. A session
    is used by one thread at a time (the pool lends it out).
    """

    def __init__(self, threads: int = 1, parallelism: int | None = None) -> None:
        self.threads = threads
        self.empty = {name: empty_input(name) for name in ("application", *HISTORY_TABLES)}
        self.inputs = {name: _CurrentInput(table) for name, table in self.empty.items()}
        self.con = self._connect()
        store = read_sql(STORE_FILE).strip(" ;\n")
        columns = self.con.execute(f"SELECT * FROM ({store}) LIMIT 0").description
        self.names = [c[0] for c in columns if c[0] not in _NOT_FEATURES]
        excluded = ", ".join(_NOT_FEATURES)
        self.con.execute(
            "PREPARE feature_rows AS SELECT SK_ID_CURR, "
            f"list_value(*COLUMNS(* EXCLUDE ({excluded}))) AS features "
            f"FROM ({store}) ORDER BY SK_ID_CURR"
        )
        #: The connections the families run on (set with ``family_rows``).
        self.parts = FamilyParts([self.con], [FAMILY_FILES])
        self.family_rows = self._plan_family_rows(parallelism or feature_parallelism())

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """A connection with the input relations (``self.inputs``, shared by all of a session's
        connections: each scan reads the current table afresh) and the family views."""
        con = duckdb.connect(":memory:")
        con.execute(f"SET threads = {int(self.threads)}")
        con.execute("PRAGMA disable_optimizer")
        con.from_arrow(category_codes()).create("category_codes")
        for name, current in self.inputs.items():
            con.register(name, current)
        for family in FAMILY_FILES:
            Warehouse.run_sql_file(con, family).create_view(family, replace=True)
        return con

    def _plan_family_rows(self, parallelism: int) -> FamilyRows | None:
        """The NumPy join of the families (``family_rows.py``), derived from the store query's
        row for a probe applicant without history, and the families' statements prepared on
        ``parallelism`` connections at most (``family_split.py``); ``None`` if the store is not
        such a join."""
        probe = probe_inputs(self.empty)  # one applicant, one record in every history table
        row = self._run_store({"application": probe["application"]})
        if row.values.shape[0] != 1:
            return None
        plan = FamilyRows.plan(self.con, FAMILY_FILES, self.names, row.values[0])
        if plan is None:
            return None
        self.parts = FamilyParts.plan(
            self.con,
            self._connect,
            FAMILY_FILES,
            parallelism,
            lambda statement: self._execute(statement, probe),
        )
        return plan

    def run(self, inputs: Mapping[str, pa.Table]) -> FeatureRows:
        """The store query's rows over ``inputs`` (absent relations are empty): the families
        joined in NumPy (``family_rows.py``), or the store query itself where that plan does
        not apply.

        Each table must have its relation's raw-schema columns and types (``empty_input``); a
        column of another type is refused by DuckDB with the relation and column named.
        """
        unknown = inputs.keys() - self.inputs.keys()
        if unknown:
            raise ValueError(f"unknown input relation(s): {sorted(unknown)}")
        if self.family_rows is not None:
            rows = self.family_rows.assemble(self._execute_families(inputs))
            if rows is not None:
                return rows
        return self._run_store(inputs)

    def _run_store(self, inputs: Mapping[str, pa.Table]) -> FeatureRows:
        """The prepared store query itself over ``inputs``."""
        result = self._execute("feature_rows", inputs)
        features = result.column("features").combine_chunks()
        values = features.flatten().to_numpy(zero_copy_only=False)
        return FeatureRows(
            ids=result.column("SK_ID_CURR").to_numpy(),
            values=values.reshape(len(result), len(self.names)),
            names=self.names,
        )

    def _execute(self, statement: str, inputs: Mapping[str, pa.Table]) -> pa.Table:
        """Run a prepared statement with ``inputs`` as the input relations, then let them go."""
        try:
            self._set_inputs(inputs)
            return execute_prepared(self.con, statement)
        finally:
            self._set_inputs({})  # hold no request's rows between calls

    def _execute_families(self, inputs: Mapping[str, pa.Table]) -> pa.Table:
        """The families' rows over ``inputs``, every part at once (``family_split.py``)."""
        try:
            self._set_inputs(inputs)
            return self.parts.run()
        finally:
            self._set_inputs({})

    def _set_inputs(self, inputs: Mapping[str, pa.Table]) -> None:
        for name, current in self.inputs.items():
            current.table = inputs.get(name, self.empty[name])


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


_POOLS: dict[tuple[tuple[str, int], ...], BatchingPool] = {}
_POOLS_LOCK = threading.Lock()


def pool_size() -> int:
    """Sessions per process: ``CREDITRISK_FEATURE_SESSIONS``, else half the cores (at least 1).

    Half, because a request's parsing, contract check and scoring need a core too, and waiting
    requests batch (``feature_batches.py``). On the 2-core benchmark machine, 50 ``/score``
    req/s of 20 applicants in turn: 1 session p99 289 ms and 24 ms CPU/request, 2 sessions
    436 ms and 31 ms, 3 sessions fell behind (44 req/s, p99 3.1 s)."""
    return ServingSettings.from_env().feature_sessions or max(1, (os.cpu_count() or 2) // 2)


def run_feature_query(inputs: Mapping[str, pa.Table]) -> FeatureRows:
    """The store query over ``inputs`` (absent relations are empty) on a pooled session,
    in one execution with any other requests waiting for a session (``feature_batches.py``)."""
    key = sql_stamps(SQL_FILES)  # an edited SQL file gets fresh connections
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS.clear()  # SQL changed (or first call): stale connections go with their pool
            _POOLS[key] = BatchingPool(SessionPool(pool_size()))
        pool = _POOLS[key]
    return pool.run(inputs)  # with the requests that wait beside it (feature_batches.py)


def features_for_tables(inputs: Mapping[str, pa.Table]) -> pd.DataFrame:
    """Features of the applicants in ``inputs["application"]``: one float64 row per applicant,
    indexed by SK_ID_CURR, feature columns in the store's order. Tables are in the raw schema's
    types (``feature_inputs.py``); absent history tables are empty, as the session makes them."""
    if "application" not in inputs:
        raise KeyError("features_for_tables needs the 'application' table")
    rows = run_feature_query(inputs)
    index = pd.Index(rows.ids, name="SK_ID_CURR")
    return pd.DataFrame(rows.values, index=index, columns=rows.names, copy=False)


def features_for_records(
    application: pd.DataFrame, history: Mapping[str, pd.DataFrame] | None = None
) -> pd.DataFrame:
    """Features of the applicants in ``application`` from their in-memory history records.

    ``application``: raw Kaggle application rows (TARGET optional); ``history``: raw records per
    history table name (absent tables are empty). Returns one float64 row per applicant, indexed
    by SK_ID_CURR, with the feature columns in spec order (categorical codes as floats, NaN for
    missing), computed by the same SQL as the feature store.
    """
    history = dict(history or {})
    unknown = [t for t in history if t not in HISTORY_TABLES]
    if unknown:
        raise ValueError(f"unknown history table(s) {unknown}; known: {', '.join(HISTORY_TABLES)}")
    inputs = {"application": records_to_arrow("application", application)}
    for table, frame in history.items():
        inputs[table] = records_to_arrow(table, frame)
    return features_for_tables(inputs)
