"""Pooled serving sessions: concurrent calls run side by side and get the sequential answers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from creditrisk_assets.serving import feature_sessions as sessions
from creditrisk_assets.serving.feature_sessions import features_for_records


def test_concurrent_calls_get_the_answers_of_sequential_ones(
    raw_frames, history_of, monkeypatch
) -> None:
    monkeypatch.setenv("CREDITRISK_FEATURE_SESSIONS", "3")
    monkeypatch.setattr(sessions, "_POOLS", {})
    app = raw_frames["application_train"].head(24)

    def one(i: int) -> pd.DataFrame:
        row = app.iloc[[i]]
        return features_for_records(row, history_of([int(row["SK_ID_CURR"].iloc[0])]))

    sequential = [one(i) for i in range(len(app))]
    with ThreadPoolExecutor(6) as pool:
        concurrent = list(pool.map(one, range(len(app))))
    for got, expected in zip(concurrent, sequential, strict=True):
        pd.testing.assert_frame_equal(got, expected)
    (pool_used,) = sessions._POOLS.values()
    sessions_used = pool_used.pool  # the BatchingPool's SessionPool
    assert 1 <= sessions_used.created <= 3 and len(sessions_used.idle) == sessions_used.created


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


def test_a_session_reads_each_call_s_inputs_and_keeps_none_of_them(raw_frames, inputs_of) -> None:
    """Inputs are swapped under a prepared query: each call sees only its own records, and the
    session holds no request's rows once the call is over (or has failed)."""
    session = sessions.ServingSession()
    app = raw_frames["application_train"]
    ids = [int(i) for i in app["SK_ID_CURR"].head(2)]
    answers = []
    for sk_id in ids:
        rows = session.run(inputs_of([sk_id]))
        assert rows.ids.tolist() == [sk_id]
        assert rows.values.shape == (1, len(rows.names))
        answers.append(rows.values)
        assert all(current.table.num_rows == 0 for current in session.inputs.values())
    assert not (answers[0] == answers[1]).all()

    with pytest.raises(ValueError, match="unknown input relation"):
        session.run({"application": session.empty["application"], "bureau_typo": None})
    wrong = session.empty["bureau"].cast(
        session.empty["bureau"].schema.set(1, pa.field("SK_ID_BUREAU", pa.string()))
    )
    with pytest.raises(duckdb.Error, match="SK_ID_BUREAU"):
        session.run({"application": session.empty["application"], "bureau": wrong})
    assert all(current.table.num_rows == 0 for current in session.inputs.values())
    assert session.run({"application": session.empty["application"]}).values.shape[0] == 0


def test_a_batch_of_requests_gets_bit_for_bit_the_features_of_each_request_alone(
    raw_frames, inputs_of
) -> None:
    """What batching relies on (``feature_batches.py``): one execution over several applicants'
    merged records gives each applicant exactly the row it gets alone, bureau credits and
    instalments included."""
    from creditrisk_assets.serving.feature_batches import _Batch, link_ids

    session = sessions.ServingSession()
    app = raw_frames["application_train"]
    with_bureau = set(raw_frames["bureau"]["SK_ID_CURR"]) & set(
        raw_frames["installments_payments"]["SK_ID_CURR"]
    )
    ids = [int(i) for i in app["SK_ID_CURR"] if int(i) in with_bureau][:5]
    requests = [inputs_of([sk_id]) for sk_id in ids]
    batch = _Batch()
    for inputs in requests:
        assert batch.accepts(link_ids(inputs))
        batch.add(inputs, link_ids(inputs))
    batch.run(session)
    assert len(ids) == 5
    for inputs, got in zip(requests, batch.results, strict=True):
        alone = session.run(inputs)
        assert got.ids.tolist() == alone.ids.tolist() and got.names == alone.names
        assert np.array_equal(got.values, alone.values, equal_nan=True)


def test_the_families_joined_in_numpy_equal_the_store_query_bit_for_bit(
    raw_frames, inputs_of
) -> None:
    """``run`` joins the family queries' rows in NumPy (``family_rows.py``); on every kind of
    input it must give exactly the store query's rows: single applicants with and without
    history, a batch, records of an applicant who is not applying, and an applicant twice."""
    from creditrisk_assets.serving.family_rows import FamilyRows

    session = sessions.ServingSession()
    assert session.family_rows is not None  # the store is a left join of the families
    app = raw_frames["application_train"]
    n_bureau = raw_frames["bureau"].groupby("SK_ID_CURR").size()
    busy = n_bureau[n_bureau.index.isin(app["SK_ID_CURR"])].sort_values().index[-3:].tolist()
    ids = busy + [int(i) for i in app["SK_ID_CURR"].head(5)]
    cases = [inputs_of(group) for group in [[i] for i in ids] + [ids]]
    not_applying = dict(cases[0], application=cases[1]["application"])  # records of another
    twice = dict(cases[1], application=pa.concat_tables([cases[1]["application"]] * 2))
    for inputs in [*cases, not_applying, twice]:
        got, store = session.run(inputs), session._run_store(inputs)
        assert got.ids.tolist() == store.ids.tolist() and got.names == store.names
        assert np.array_equal(got.values, store.values, equal_nan=True)
    assert len(session.run(twice).ids) == 2  # the store's join repeats the row: so does run

    names = [*session.names, "A_FEATURE_ONLY_THE_STORE_COMPUTES"]
    without = np.zeros(len(names))
    assert FamilyRows.plan(session.con, ["features_application"], names, without) is None
