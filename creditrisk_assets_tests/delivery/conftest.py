"""A throwaway PostgreSQL database per test, on the machine's local server (trust auth).

Tests that need it are skipped when nothing listens on 127.0.0.1:5432. The server's address and
the statement runner are ``deploy/local_services.py``'s, the ones ``make prod-local`` uses.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from creditrisk_assets_tests.services import postgres_up

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _local_services() -> ModuleType:
    """``deploy/local_services.py``, loaded by path: ``deploy/`` is not a package."""
    spec = importlib.util.spec_from_file_location("local_services", DEPLOY / "local_services.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


services = _local_services()


def _postgres_up() -> bool:
    return postgres_up(services.PG["host"], services.PG["port"])


@pytest.fixture
def postgres_db() -> Iterator[str]:
    """Create a fresh database, yield its name, drop it afterwards."""
    if not _postgres_up():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    name = f"creditrisk_test_{uuid.uuid4().hex[:10]}"
    services.admin(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        services.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
