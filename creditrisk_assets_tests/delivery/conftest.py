"""A throwaway PostgreSQL database per test, on the machine's local server (trust auth).

Tests that need it are skipped when nothing listens on 127.0.0.1:5432.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


def _postgres_up() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres_db() -> Iterator[str]:
    """Create a fresh database, yield its name, drop it afterwards."""
    if not _postgres_up():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    import psycopg

    name = f"creditrisk_test_{uuid.uuid4().hex[:10]}"
    admin = f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
