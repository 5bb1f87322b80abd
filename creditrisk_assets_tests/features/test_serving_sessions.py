"""Pooled serving sessions: concurrent calls run side by side and get the sequential answers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from creditrisk_assets.features import features_for_records
from creditrisk_assets.features import serving_sessions as sessions
from creditrisk_assets.resources import Warehouse


def test_concurrent_calls_get_the_answers_of_sequential_ones(
    raw_frames, history_of, monkeypatch
) -> None:
    monkeypatch.setenv("CREDITRISK_FEATURE_SESSIONS", "3")
    monkeypatch.setattr(sessions, "_POOLS", {})
    app = raw_frames["application_train"].head(24)
    warehouse = Warehouse(catalog_path=None)

    def one(i: int) -> pd.DataFrame:
        row = app.iloc[[i]]
        return features_for_records(warehouse, row, history_of([int(row["SK_ID_CURR"])]))

    sequential = [one(i) for i in range(len(app))]
    with ThreadPoolExecutor(6) as pool:
        concurrent = list(pool.map(one, range(len(app))))
    for got, expected in zip(concurrent, sequential, strict=True):
        pd.testing.assert_frame_equal(got, expected)
    (pool_used,) = sessions._POOLS.values()
    assert 1 <= pool_used.created <= 3 and len(pool_used.idle) == pool_used.created


def test_the_pool_lends_each_session_to_one_caller_and_waits_when_all_are_out(
    monkeypatch,
) -> None:
    monkeypatch.setattr(sessions, "ServingSession", lambda: object())
    pool = sessions.SessionPool(2)
    with pool.session() as a, pool.session() as b:
        assert a is not b
        got: list[object] = []
        waiter = threading.Thread(target=lambda: got.append(pool.session().__enter__()))
        waiter.start()
        waiter.join(0.3)
        assert waiter.is_alive() and not got  # both sessions are out: the third call waits
    waiter.join(5)
    assert got and got[0] in (a, b) and pool.created == 2


def test_a_session_that_fails_to_start_frees_its_slot(monkeypatch) -> None:
    def broken() -> object:
        raise RuntimeError("cannot plan")

    monkeypatch.setattr(sessions, "ServingSession", broken)
    pool = sessions.SessionPool(1)
    with pytest.raises(RuntimeError, match="cannot plan"), pool.session():
        pass
    assert pool.created == 0
    monkeypatch.setattr(sessions, "ServingSession", lambda: "ok")
    with pool.session() as session:
        assert session == "ok"
