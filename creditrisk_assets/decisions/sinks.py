"""Where decision records are stored: Parquet in the lake (embedded default) or PostgreSQL.

Both sinks take whole Arrow batches (:data:`~.record.DECISION_SCHEMA`) and are safe to retry:
:class:`~.buffer.DecisionBuffer` retries a failed batch as it was, so a write that failed after
part of it landed must not duplicate that part on the second try.

* Parquet: ``<root>/decisions/log/day=YYYY-MM-DD/part-<ts>-<uuid>.parquet``, one file per day
  present in the batch. ``ts`` is the first decision time of the part and ``uuid`` a uuid5 of
  its decision ids, so a retried batch rewrites the same names instead of adding files. Each
  file is written under a hidden temporary name and renamed into place (on object stores, whose
  PUT is already atomic, it is written directly), so a reader never sees half a file.
* PostgreSQL: a table created if absent (``sql/postgres_create.sql``), batches inserted with
  ``execute_values`` and bound parameters in one transaction, ``ON CONFLICT (decision_id) DO
  NOTHING`` so a batch whose commit was acknowledged late is not inserted twice.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from creditrisk_assets.decisions.record import DECISION_SCHEMA
from creditrisk_assets.keys import DECISION_LOG, lake_path

LOG_DIR = lake_path(DECISION_LOG)
_PART_NAMESPACE = uuid.UUID("5b0f3f7e-51c4-4c1e-9d0a-2f6c1c7d0e11")
_DIRECT_WRITE = frozenset({"s3", "gcs", "abfs"})  # object stores: PUT is atomic, rename is not


class DecisionSink(Protocol):
    """Stores batches of decision records; ``write`` raises if the batch was not stored."""

    def write(self, table: pa.Table) -> int: ...

    def close(self) -> None: ...


def read_sql(name: str) -> str:
    """A SQL file of this package's ``sql/`` folder."""
    return resources.files("creditrisk_assets.decisions").joinpath("sql", f"{name}.sql").read_text()


def conform(table: pa.Table) -> pa.Table:
    """``table`` with exactly the decision columns, in order and type (raises otherwise)."""
    return table.select(DECISION_SCHEMA.names).cast(DECISION_SCHEMA)


def _filesystem(root: str | Path, filesystem: Any) -> tuple[pafs.FileSystem, str]:
    if filesystem is None:
        return pafs.LocalFileSystem(), str(Path(root).resolve())
    if isinstance(filesystem, pafs.FileSystem):
        return filesystem, str(root).rstrip("/")
    # anything else is taken for an fsspec filesystem
    return pafs.PyFileSystem(pafs.FSSpecHandler(filesystem)), str(root).rstrip("/")


class ParquetDecisionSink:
    """Day-partitioned Parquet parts under ``<root>/decisions/log`` (see the module docstring).

    ``root`` is the lake root: a local path, or a path on ``filesystem`` (a pyarrow
    ``FileSystem`` or an fsspec one).
    """

    def __init__(self, root: str | Path, filesystem: Any = None, compression: str = "zstd") -> None:
        self.fs, base = _filesystem(root, filesystem)
        self.log_dir = f"{base}/{LOG_DIR}"
        self.compression = compression
        self._atomic_rename = self.fs.type_name not in _DIRECT_WRITE

    def write(self, table: pa.Table) -> int:
        table = conform(table)
        if table.num_rows == 0:
            return 0
        days = pc.strftime(table["decided_at"], format="%Y-%m-%d")
        for day in pc.unique(days).to_pylist():
            self._write_part(day, table.filter(pc.equal(days, day)))
        return table.num_rows

    def part_path(self, day: str, part: pa.Table) -> str:
        """Deterministic name of a part: same records, same name (retries overwrite)."""
        first = pc.min(part["decided_at"]).as_py()
        ids = "\n".join(part["decision_id"].to_pylist()).encode()
        tag = uuid.uuid5(_PART_NAMESPACE, hashlib.sha256(ids).hexdigest()).hex
        return f"{self.log_dir}/day={day}/part-{first:%Y%m%dT%H%M%S%fZ}-{tag}.parquet"

    def _write_part(self, day: str, part: pa.Table) -> None:
        final = self.part_path(day, part)
        folder, name = final.rsplit("/", 1)
        self.fs.create_dir(folder, recursive=True)
        if not self._atomic_rename:
            pq.write_table(part, final, filesystem=self.fs, compression=self.compression)
            return
        tmp = f"{folder}/.{name}.{uuid.uuid4().hex}.tmp"
        try:
            if isinstance(self.fs, pafs.LocalFileSystem):
                with open(tmp, "wb") as fh:
                    pq.write_table(part, fh, compression=self.compression)
                    fh.flush()
                    os.fsync(fh.fileno())
            else:
                pq.write_table(part, tmp, filesystem=self.fs, compression=self.compression)
            self.fs.move(tmp, final)
        except BaseException:
            if self.fs.get_file_info(tmp).type != pafs.FileType.NotFound:
                self.fs.delete_file(tmp)
            raise

    def close(self) -> None:
        """Nothing is held open between batches."""


def _rows(table: pa.Table) -> list[tuple]:
    """Row tuples in the insert's column order, from whole columns (no per-cell Arrow calls)."""
    columns = [table[name].to_pylist() for name in DECISION_SCHEMA.names]
    return list(zip(*columns, strict=True))


def table_identifier(table: str) -> Any:
    """``name`` or ``schema.name`` as a psycopg2 identifier (quoted, never formatted in)."""
    from psycopg2 import sql  # optional dependency: imported only for PostgreSQL

    parts = table.split(".")
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise ValueError(f"table must be 'name' or 'schema.name', got {table!r}")
    return sql.Identifier(*parts)


class PostgresDecisionSink:
    """The decision log as a PostgreSQL table (production profile).

    ``dsn`` is a libpq connection string (from the settings; a password belongs in the
    environment, e.g. ``PGPASSWORD``); ``table`` may be ``schema.table``. One connection,
    opened on first use, guarded by a lock; a failed batch is rolled back and the connection
    dropped, so the next try starts clean.
    """

    def __init__(
        self, dsn: str, table: str = "decision_log", page_size: int = 1000, timeout_s: int = 10
    ) -> None:
        from psycopg2 import sql  # optional dependency: imported only for this sink

        ident = table_identifier(table)
        self.dsn, self.table, self.page_size, self.timeout_s = dsn, table, page_size, timeout_s
        stem = ident.strings[-1]
        self._create = sql.SQL(read_sql("postgres_create")).format(
            table=ident,
            decided_at_index=sql.Identifier(f"{stem}_decided_at_idx"),
            version_index=sql.Identifier(f"{stem}_version_idx"),
            applicant_index=sql.Identifier(f"{stem}_applicant_idx"),
        )
        self._insert = sql.SQL(read_sql("postgres_insert")).format(table=ident)
        self._template = read_sql("postgres_row").strip()
        self._conn: Any = None
        self._lock = threading.Lock()

    def _connection(self) -> Any:
        import psycopg2

        if self._conn is None or self._conn.closed:
            conn = psycopg2.connect(self.dsn, connect_timeout=self.timeout_s)
            try:
                with conn.cursor() as cur:
                    cur.execute(self._create)
                conn.commit()
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def write(self, table: pa.Table) -> int:
        from psycopg2.extras import execute_values

        table = conform(table)
        if table.num_rows == 0:
            return 0
        rows = _rows(table)
        with self._lock:
            conn = self._connection()
            try:
                with conn.cursor() as cur:
                    execute_values(
                        cur, self._insert, rows, template=self._template, page_size=self.page_size
                    )
                conn.commit()
            except BaseException:
                self._drop_connection()
                raise
        return table.num_rows

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            conn.close()  # uncommitted work is rolled back by the server

    def close(self) -> None:
        with self._lock:
            self._drop_connection()
