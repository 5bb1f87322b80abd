"""Fixtures for the decision log: record batches, the lake folder, a PostgreSQL table."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

import numpy as np
import pyarrow as pa
import pytest

from creditrisk_assets.decisions import decision_table
from creditrisk_assets_tests.services import postgres_up

PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


def make_records(
    n: int,
    version: str | int = 1,
    decided_at: datetime | None = None,
    channel: str = "api_predict",
    first_id: int = 100_002,
) -> pa.Table:
    """``n`` decisions of model ``creditrisk_pd`` version ``version`` with plausible columns."""
    rng = np.random.default_rng(first_id)
    features = {"EXT_SOURCE_2": rng.random(n), "AMT_CREDIT": rng.integers(1, 9, n) * 45000.0}
    pd_ = rng.random(n) * 0.3
    return decision_table(
        channel=channel,
        model_name="creditrisk_pd",
        model_version=version,
        model_alias="champion",
        training_snapshot="2026-10-01",
        pd=pd_,
        features=features,
        applicant_id=first_id + np.arange(n),
        grade=np.where(pd_ < 0.1, "A", "B"),
        decision=np.where(pd_ < 0.2, "approve", "decline"),
        reason_codes=[["EXT_SOURCE_2", "AMT_CREDIT"][: i % 3] for i in range(n)],
        decided_at=decided_at,
    )


@pytest.fixture
def records() -> Callable[..., pa.Table]:
    return make_records


@pytest.fixture
def pg_table() -> Iterator[tuple[str, str]]:
    """The ``test`` database's DSN and a unique (awkward) table name, dropped afterwards."""
    if not postgres_up():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    import psycopg2
    from psycopg2 import sql

    name = f"Decision-Log {uuid.uuid4().hex[:12]}"
    try:
        yield PG_DSN, name
    finally:
        con = psycopg2.connect(PG_DSN)
        try:
            with con.cursor() as cur:
                cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
            con.commit()
        finally:
            con.close()


@pytest.fixture
def pg_schema_dsn() -> Iterator[str]:
    """A DSN of the ``test`` database whose search path is a fresh schema, dropped afterwards:
    the unqualified ``decision_log`` table the API's sink and the readers use lands there."""
    if not postgres_up():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    import psycopg2
    from psycopg2 import sql

    schema = f"decisions_{uuid.uuid4().hex[:12]}"

    def admin(statement: str) -> None:
        con = psycopg2.connect(PG_DSN)
        try:
            with con.cursor() as cur:
                cur.execute(sql.SQL(statement).format(sql.Identifier(schema)))
            con.commit()
        finally:
            con.close()

    admin("CREATE SCHEMA {}")
    try:
        yield f"{PG_DSN} options='-csearch_path={schema}'"
    finally:
        admin("DROP SCHEMA IF EXISTS {} CASCADE")
