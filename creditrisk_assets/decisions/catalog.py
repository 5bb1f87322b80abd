"""The decision log as a DuckDB view, and the questions a risk team asks of it.

``create_decision_log_view(con, root)`` makes ``decision_log`` (every record, plus the ``day``
partition as a DATE) in any DuckDB connection: the hand-query catalog file or a compute session.
Before the first decision is written the view is empty but has every column, so queries written
against it work from day one.

With the PostgreSQL sink (production profile) the API's decisions are in a PostgreSQL table and
only batch scores are in the lake. A compute session that must see every decision (the backtest,
production drift) copies the table with :func:`postgres_decisions` (``sql/postgres_select.sql``,
bound parameters) into a Parquet file of its scratch folder, a batch at a time, and passes the
file to ``create_decision_log_view``, whose view is then the union of both stores: the queries
over ``decision_log`` do not change, and memory holds one batch of the log, not all of it.
DuckDB's own PostgreSQL extension would have to be downloaded at run time, which the platform
never does.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from creditrisk_assets.decisions.record import DECISION_SCHEMA
from creditrisk_assets.decisions.sinks import LOG_DIR, read_sql, table_identifier

#: The view's name (in the hand-query catalog and in compute sessions).
DECISION_LOG_VIEW = "decision_log"
#: The lake's part and the PostgreSQL copy's part of the union view (decision_log_union_view.sql).
LAKE_VIEW, POSTGRES_RELATION = "decision_log_lake", "decision_log_postgres"
#: The rows ``postgres_decisions`` writes: the record, plus its UTC ``day`` as the lake has it.
POSTGRES_SCHEMA = DECISION_SCHEMA.append(pa.field("day", pa.date32()))


def log_glob(root: str | Path) -> str:
    """Glob of every Parquet part of the log under lake ``root`` (a local path or a URL)."""
    text = str(root)
    base = text.rstrip("/") if "://" in text else str(Path(text).resolve())
    return f"{base}/{LOG_DIR}/day=*/*.parquet"


def _has_parts(root: str | Path) -> bool:
    text = str(root)
    if "://" in text:
        return True  # remote lake: the log is assumed to exist
    return any((Path(text) / LOG_DIR).glob("day=*/*.parquet"))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _empty_view(con: duckdb.DuckDBPyConnection) -> str:
    """``decision_log_empty_view.sql`` with a typed NULL for every column the log has: the
    columns of ``POSTGRES_SCHEMA`` in the types DuckDB reads them as (no second type list)."""
    rel = con.from_arrow(POSTGRES_SCHEMA.empty_table())
    casts = (f"CAST(NULL AS {t}) AS {n}" for n, t in zip(rel.columns, rel.types, strict=True))
    return read_sql("decision_log_empty_view").replace("{columns}", ",\n    ".join(casts))


def create_decision_log_view(
    con: duckdb.DuckDBPyConnection, root: str | Path, postgres_log: str | Path | None = None
) -> str:
    """Create or replace the ``decision_log`` view over the log under ``root``; returns its SQL.

    With ``postgres_log`` (the Parquet file :func:`postgres_decisions` wrote: the API's
    decisions from PostgreSQL), the view is the union of the lake's log and that file, in
    ``con`` only: a compute session's view, never one to persist in the hand-query catalog.

    The glob goes in as a quoted literal because DuckDB cannot bind parameters in a view
    definition; it is the platform's own lake path, not a request value.
    """
    view = DECISION_LOG_VIEW if postgres_log is None else LAKE_VIEW
    if _has_parts(root):
        body = [ln for ln in read_sql("decision_log_view").splitlines() if not ln.startswith("--")]
        statement = "\n".join(body).replace("{log_glob}", _literal(log_glob(root)))
    else:
        statement = _empty_view(con)
    statement = statement.replace("{view}", view)
    con.execute(statement)
    if postgres_log is None:
        return statement
    con.read_parquet(str(postgres_log)).create_view(POSTGRES_RELATION, replace=True)
    union = read_sql("decision_log_union_view")
    con.execute(union)
    return f"{statement};\n{union}"


def postgres_decisions(
    dsn: str,
    out: str | Path,
    table: str = "decision_log",
    training_before: str | None = None,
    batch_rows: int = 50_000,
    timeout_s: int = 10,
) -> int:
    """Copy the decisions in the PostgreSQL log ``table`` (``name`` or ``schema.name``, resolved
    on the DSN's search path as the API's sink does) into the Parquet file ``out``, in
    ``POSTGRES_SCHEMA``; returns how many rows it holds.

    ``training_before`` (a snapshot key) keeps the decisions of models trained before it, or on
    an unknown snapshot: all a backtest of that snapshot can use. Rows stream through a
    server-side cursor, ``batch_rows`` at a time, each batch written out before the next is
    read, so memory holds one batch whatever the log's size. A table that does not exist yet
    (no API decision was ever written) gives a file with no rows. If the read fails, the
    exception propagates and ``out`` is incomplete: it belongs in a scratch folder the caller
    removes.
    """
    import psycopg2
    import pyarrow.parquet as pq
    from psycopg2 import errors, sql

    query = sql.SQL(read_sql("postgres_select")).format(table=table_identifier(table))
    written = 0
    con = psycopg2.connect(dsn, connect_timeout=timeout_s)
    try:
        con.set_session(readonly=True)
        with pq.ParquetWriter(str(out), POSTGRES_SCHEMA) as writer:
            try:
                with con.cursor(name="decision_log_read") as cur:
                    cur.itersize = batch_rows
                    cur.execute(query, {"training_before": training_before})
                    while rows := cur.fetchmany(batch_rows):
                        columns = list(zip(*rows, strict=True))
                        arrays = [
                            pa.array(col, type=field.type)
                            for col, field in zip(columns, POSTGRES_SCHEMA, strict=True)
                        ]
                        writer.write_batch(
                            pa.RecordBatch.from_arrays(arrays, schema=POSTGRES_SCHEMA)
                        )
                        written += len(rows)
            except errors.UndefinedTable:  # no API decision yet: a file with no rows
                written = 0
    finally:
        con.close()
    return written


def copy_api_decisions(
    dsn: str | None, folder: Path, training_before: str | None = None
) -> Path | None:
    """The API's PostgreSQL decisions copied into ``folder`` (:func:`postgres_decisions`), the
    file to pass to ``create_decision_log_view``; ``None`` when the API does not log to
    PostgreSQL (``dsn`` is None: its decisions are in the lake's log already)."""
    if dsn is None:
        return None
    out = folder / "api_decisions.parquet"
    postgres_decisions(dsn, out, training_before=training_before)
    return out


def decisions_by_version(
    con: duckdb.DuckDBPyConnection, model_name: str, model_version: str | int
) -> pa.Table:
    """Every decision made by ``model_name`` version ``model_version``, oldest first."""
    params = {"model_name": model_name, "model_version": str(model_version)}
    return con.sql(read_sql("decisions_by_version"), params=params).to_arrow_table()
