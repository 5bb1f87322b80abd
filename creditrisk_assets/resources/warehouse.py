"""DuckDB as the compute engine: sessions over the lake that run the ``sql/`` files.

Compute sessions are in-memory DuckDB databases that read the lake's Parquet, so any number of
steps and runs can compute at once (a DuckDB *file* allows one writer). The catalog file is only
for people: views over every table of the lake, refreshed after materializations, so an analyst
can ``duckdb .creditrisk/catalog.duckdb`` and query the lake by hand.

SQL text comes only from files in ``sql/`` whose names are checked against the folder's listing;
values reach DuckDB as bound parameters or through the relational API, never formatted in.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field

from creditrisk_assets import settings

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class UnknownSqlFile(KeyError):
    """A SQL file name that is not in ``sql/``."""


def sql_files() -> dict[str, Path]:
    """The allowlist: every ``sql/*.sql`` by its stem."""
    return {p.stem: p for p in sorted(settings.sql_dir().glob("*.sql"))}


def sql_stamps(names: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """``(path, modification time)`` of ``sql/<name>.sql`` for each name, by a stat per file
    without listing the folder (0.05 against 0.14 ms: the scoring API keys its sessions by
    this on every request, so an edited file gets fresh connections). A name that is not a
    file of the folder raises ``UnknownSqlFile``, as ``read_sql`` does."""
    folder = str(settings.sql_dir())
    stamps = []
    for name in names:
        path = os.path.join(folder, f"{name}.sql")
        try:
            if not _NAME.match(name):
                raise FileNotFoundError(path)
            stamps.append((path, os.stat(path).st_mtime_ns))
        except FileNotFoundError:
            read_sql(name)  # raises UnknownSqlFile naming the folder's files
            raise
    return tuple(stamps)


def read_sql(name: str) -> str:
    """The text of ``sql/<name>.sql``; refuses names outside the folder's listing."""
    files = sql_files()
    if name not in files:
        raise UnknownSqlFile(f"no sql/{name}.sql; known: {', '.join(files) or '(none)'}")
    return files[name].read_text()


def quote_identifier(name: str) -> str:
    """Quote an identifier after checking it is a plain snake_case name."""
    if not _NAME.match(name):
        raise ValueError(f"refusing identifier {name!r}: only snake_case names are allowed")
    return f'"{name}"'


class Warehouse(DuckDBResource):
    """DuckDB sessions for feature computation; in-memory by default, settings from config."""

    database: str = Field(
        default=":memory:",
        description="DuckDB database for compute sessions; ':memory:' keeps steps independent.",
    )
    threads: int = Field(default=2, description="DuckDB worker threads per session.")
    memory_limit: str = Field(
        default="4GB", description="DuckDB memory limit per session; it spills to disk beyond."
    )
    catalog_path: str | None = Field(
        default=None,
        description="DuckDB file with views over the lake for hand queries; None to skip it.",
    )

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A compute session with the configured threads, memory and spill folder."""
        with self.get_connection() as con:
            con.execute(f"SET threads = {int(self.threads)}")
            con.execute("SET memory_limit = ?", [self.memory_limit])
            con.execute("SET temp_directory = ?", [str(settings.state_dir() / "duckdb_tmp")])
            yield con

    @staticmethod
    def register_parquet(
        con: duckdb.DuckDBPyConnection, relations: Mapping[str, str | Path]
    ) -> None:
        """Expose Parquet files as named views (relation name -> file path)."""
        for name, path in relations.items():
            con.read_parquet(str(path)).create_view(quote_identifier(name).strip('"'))

    @staticmethod
    def run_sql_file(
        con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, object] | None = None
    ) -> duckdb.DuckDBPyRelation | None:
        """Run ``sql/<name>.sql`` (';'-separated statements); return the last relation."""
        statements = [s for s in _split_statements(read_sql(name)) if s]
        result = None
        for stmt in statements:
            result = con.sql(stmt, params=dict(params) if params else None)
        return result

    def refresh_catalog(
        self,
        tables: Mapping[str, str],
        extra: Sequence[Callable[[duckdb.DuckDBPyConnection], object]] = (),
    ) -> None:
        """Rewrite the hand-query catalog: one view per table name over its lake glob, then
        whatever ``extra`` creates (views that are not one table per snapshot, such as the
        decision log, made by the domain that owns them)."""
        if not self.catalog_path:
            return
        path = Path(self.catalog_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A unique temp name: two runs finishing together must not write the same file.
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        with duckdb.connect(str(tmp)) as con:
            for view, glob in tables.items():
                literal = "'" + glob.replace("'", "''") + "'"
                con.execute(
                    f"CREATE OR REPLACE VIEW {quote_identifier(view)} AS "
                    f"SELECT * FROM read_parquet({literal}, hive_partitioning = true, "
                    "union_by_name = true)"
                )
            for create in extra:
                create(con)
        tmp.replace(path)


def _split_statements(text: str) -> list[str]:
    """Split a SQL file on ';' at line ends (our files keep one statement per ';')."""
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n")]
