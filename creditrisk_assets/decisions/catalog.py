"""The Parquet decision log as a DuckDB view, and the questions a risk team asks of it.

``create_decision_log_view(con, root)`` makes ``decision_log`` (every record, plus the ``day``
partition as a DATE) in any DuckDB connection: the hand-query catalog file or a compute session.
Before the first decision is written the view is empty but has every column, so queries written
against it work from day one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from creditrisk_assets.decisions.sinks import LOG_DIR, read_sql

#: The view's name (in the hand-query catalog and in compute sessions).
DECISION_LOG_VIEW = "decision_log"


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


def create_decision_log_view(con: duckdb.DuckDBPyConnection, root: str | Path) -> str:
    """Create or replace the ``decision_log`` view over the log under ``root``; returns its SQL.

    The glob goes in as a quoted literal because DuckDB cannot bind parameters in a view
    definition; it is the platform's own lake path, not a request value.
    """
    if _has_parts(root):
        body = [ln for ln in read_sql("decision_log_view").splitlines() if not ln.startswith("--")]
        statement = "\n".join(body).replace("{log_glob}", _literal(log_glob(root)))
    else:
        statement = read_sql("decision_log_empty_view")
    con.execute(statement)
    return statement


def decisions_by_version(
    con: duckdb.DuckDBPyConnection, model_name: str, model_version: str | int
) -> pa.Table:
    """Every decision made by ``model_name`` version ``model_version``, oldest first."""
    params = {"model_name": model_name, "model_version": str(model_version)}
    return con.sql(read_sql("decisions_by_version"), params=params).to_arrow_table()
