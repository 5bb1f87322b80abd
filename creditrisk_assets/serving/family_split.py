"""One ``/score`` execution's family queries, split across connections that run at once.

Why: on one applicant the six family queries cost ~8.5 ms of DuckDB time as one statement, most
of a ``/score`` request's latency, and nearly all of it is fixed per execution (operators set up
for ~340 columns), so batching cannot shorten a lone request. DuckDB does not run a
``UNION ALL``'s branches side by side on inputs this small: ``threads = 2`` on the one connection
gave -0.4 ms of wall time for +4.5 ms of CPU. Two connections, each running half of the
families, do run side by side, DuckDB releasing the GIL: 5.4 ms of wall time for 9.4 ms of CPU,
against 8.5 ms for 8.5 ms (one applicant with 407 records, 2-core machine).

Which families go together is decided when a session starts: each family is timed on a probe
applicant with one record in every history table (the fixed cost per execution is what
matters, and it is close to a real applicant's: application 2.9 against 2.8 ms, bureau 2.4
against 2.5 ms), then the costliest family goes first to the least loaded connection. The
grouping changes only speed: a family's rows are the same whichever connection computes them,
and ``family_rows.py`` joins them in a fixed order.
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait

import duckdb
import pyarrow as pa

from creditrisk_assets.serving.family_rows import STATEMENT, statement_sql
from creditrisk_assets.serving.settings import ServingSettings

# The prepared statements are run with execute(); DuckDB warns on every call that Arrow output
# from a DB-API result copies the rows: for one request's rows that copy is nothing, while
# con.sql() measured ~2 ms slower. Silence exactly that warning rather than spam the API log.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)

log = logging.getLogger(__name__)

#: Link columns a probe history record carries, all pointing at the probe applicant.
_PROBE_KEYS = {"SK_ID_CURR": 1, "SK_ID_BUREAU": 1, "SK_ID_PREV": 1}


def feature_parallelism() -> int:
    """Connections one execution splits the families across: ``CREDITRISK_FEATURE_PARALLELISM``,
    else 2 (1 on a one-core machine)."""
    return ServingSettings.from_env().feature_parallelism or min(2, os.cpu_count() or 1)


def balance(costs: Sequence[float], parts: int) -> list[list[int]]:
    """The indexes of ``costs`` in at most ``parts`` groups of near-equal total cost.

    Costliest first, each to the group with the least cost so far (ties: the lower index), so
    the result is deterministic for given costs; groups left empty are dropped, and each group
    lists its indexes in ascending order.
    """
    if parts < 1:
        raise ValueError(f"parts must be at least 1, got {parts}")
    loads = [0.0] * parts
    groups: list[list[int]] = [[] for _ in range(parts)]
    for i in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        g = min(range(parts), key=lambda g: (loads[g], g))
        loads[g] += costs[i]
        groups[g].append(i)
    return [sorted(g) for g in groups if g]


def probe_inputs(empty: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """One record per input relation, linked to one another (``_PROBE_KEYS``), every other
    column NULL: what the families cost on an applicant with some history, with no data."""
    return {
        name: pa.table(
            {
                field.name: pa.array([_PROBE_KEYS[field.name]], field.type)
                if field.name in _PROBE_KEYS
                else pa.nulls(1, field.type)
                for field in table.schema
            }
        )
        for name, table in empty.items()
    }


def time_each(
    statements: Sequence[str], run: Callable[[str], object], repeats: int = 5
) -> list[float]:
    """Seconds per call of ``run`` for each statement: the fastest of ``repeats`` calls, which
    is the least disturbed by whatever else the machine does at start-up."""
    costs = []
    for statement in statements:
        best = math.inf
        for _ in range(repeats):
            started = time.perf_counter()
            run(statement)
            best = min(best, time.perf_counter() - started)
        costs.append(best)
    return costs


def execute_prepared(con: duckdb.DuckDBPyConnection, statement: str) -> pa.Table:
    """The result of the prepared ``statement`` on ``con``, as Arrow."""
    return con.execute(f"EXECUTE {statement}").to_arrow_table()


class FamilyParts:
    """The connections one session runs its families on, each with its share prepared as
    ``STATEMENT``, and the threads that run all but the first."""

    def __init__(
        self, connections: Sequence[duckdb.DuckDBPyConnection], groups: Sequence[Sequence[str]]
    ) -> None:
        self.connections = list(connections)
        #: The family views each connection runs, in ``connections`` order.
        self.groups = [list(group) for group in groups]
        helpers = len(self.connections) - 1
        self.helpers = ThreadPoolExecutor(helpers, "feature-sql") if helpers else None

    @classmethod
    def plan(
        cls,
        con: duckdb.DuckDBPyConnection,
        connect: Callable[[], duckdb.DuckDBPyConnection],
        views: Sequence[str],
        parallelism: int,
        run_probe: Callable[[str], object],
    ) -> FamilyParts:
        """``views`` split over ``con`` and up to ``parallelism - 1`` more ``connect()``
        connections, balanced by each family's time under ``run_probe`` (which runs a prepared
        statement of ``con`` on the probe's records, ``probe_inputs``)."""
        families = list(enumerate(views))
        groups = [[i for i, _ in families]]
        if parallelism > 1:
            probes = [f"probe_{i}" for i, _ in families]
            for name, family in zip(probes, families, strict=True):
                con.execute(f"PREPARE {name} AS {statement_sql([family])}")
            costs = time_each(probes, run_probe)
            for name in probes:
                con.execute(f"DEALLOCATE {name}")
            groups = balance(costs, parallelism)
            log.info(
                "feature SQL split across %d connections: %s (probe ms: %s)",
                len(groups),
                " | ".join("+".join(views[i] for i in group) for group in groups),
                ", ".join(f"{views[i]} {1000 * cost:.1f}" for i, cost in enumerate(costs)),
            )
        connections = [con, *(connect() for _ in groups[1:])]
        for part, group in zip(connections, groups, strict=True):
            part.execute(f"PREPARE {STATEMENT} AS {statement_sql([families[i] for i in group])}")
        return cls(connections, [[views[i] for i in group] for group in groups])

    def run(self) -> pa.Table:
        """Every part's ``STATEMENT`` at once, the first on this thread, over the inputs the
        caller has set; returns once all have finished, so the caller may then let them go."""
        first, others = self.connections[0], self.connections[1:]
        pending = (
            [self.helpers.submit(execute_prepared, c, STATEMENT) for c in others]
            if self.helpers
            else []
        )
        try:
            rows = execute_prepared(first, STATEMENT)
        finally:
            wait(pending)  # they read the caller's inputs: all finish before those go
        return pa.concat_tables([rows, *(part.result() for part in pending)])
