"""The family queries split across connections that run at once (``family_split.py``)."""

from __future__ import annotations

import time

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from creditrisk_assets.features.sql_files import FAMILY_FILES
from creditrisk_assets.serving import feature_sessions as sessions
from creditrisk_assets.serving.family_split import FamilyParts, balance, probe_inputs


def test_balance_puts_the_costliest_first_on_the_least_loaded_part() -> None:
    costs = [2.9, 2.4, 1.5, 1.2, 2.1, 1.5]
    # 2.9 | 2.4, then 2.1 -> the second (4.5), 1.5 -> the first (4.4), 1.5 -> the first (5.9),
    # 1.2 -> the second (5.7)
    assert balance(costs, 2) == [[0, 2, 5], [1, 3, 4]]
    assert balance(costs, 1) == [[0, 1, 2, 3, 4, 5]]
    assert balance([1.0, 1.0], 4) == [[0], [1]]  # parts left empty are dropped
    assert balance([], 2) == []
    with pytest.raises(ValueError, match="at least 1"):
        balance(costs, 0)


@pytest.mark.parametrize("parts", [2, 3, 5])
def test_balance_uses_each_index_once_and_keeps_within_the_greedy_bound(parts: int) -> None:
    rng = np.random.default_rng(parts)
    costs = rng.uniform(0.1, 3.0, size=17).tolist()
    groups = balance(costs, parts)
    assert sorted(i for group in groups for i in group) == list(range(17))
    assert all(group == sorted(group) for group in groups)
    loads = [sum(costs[i] for i in group) for group in groups]
    assert max(loads) <= sum(costs) / parts + max(costs)  # longest-first greedy's guarantee


def test_the_probe_is_one_linked_record_per_relation_and_nothing_else() -> None:
    empty = {
        "application": pa.table(
            {"SK_ID_CURR": pa.array([], pa.int64()), "X": pa.array([], pa.float64())}
        ),
        "bureau": pa.table(
            {
                "SK_ID_CURR": pa.array([], pa.int64()),
                "SK_ID_BUREAU": pa.array([], pa.int64()),
                "CREDIT_ACTIVE": pa.array([], pa.string()),
            }
        ),
    }
    probe = probe_inputs(empty)
    for name, table in probe.items():
        assert table.schema == empty[name].schema and table.num_rows == 1
    assert probe["application"].to_pylist() == [{"SK_ID_CURR": 1, "X": None}]
    assert probe["bureau"].to_pylist() == [
        {"SK_ID_CURR": 1, "SK_ID_BUREAU": 1, "CREDIT_ACTIVE": None}
    ]


def _requests(raw_frames, inputs_of) -> list[dict[str, pa.Table]]:
    """Two applicants with the most bureau credits and three others, each alone, then together."""
    app = raw_frames["application_train"]
    n_bureau = raw_frames["bureau"].groupby("SK_ID_CURR").size()
    busy = n_bureau[n_bureau.index.isin(app["SK_ID_CURR"])].sort_values().index[-2:].tolist()
    ids = busy + [int(i) for i in app["SK_ID_CURR"].head(3)]
    return [inputs_of(group) for group in [[i] for i in ids] + [ids]]


def test_families_split_across_two_connections_give_the_rows_of_one_statement(
    raw_frames, inputs_of
) -> None:
    one = sessions.ServingSession(parallelism=1)
    two = sessions.ServingSession(parallelism=2)
    assert len(one.parts.connections) == 1 and one.parts.groups == [list(FAMILY_FILES)]
    assert len(two.parts.connections) == 2 and all(two.parts.groups)
    assert sorted(v for group in two.parts.groups for v in group) == sorted(FAMILY_FILES)
    keys = [("family", "ascending"), ("SK_ID_CURR", "ascending")]
    for inputs in _requests(raw_frames, inputs_of):
        split, whole = two._execute_families(inputs), one._execute_families(inputs)
        assert split.sort_by(keys).equals(whole.sort_by(keys))
        got, expected = two.run(inputs), one.run(inputs)
        assert got.ids.tolist() == expected.ids.tolist() and got.names == expected.names
        assert np.array_equal(got.values, expected.values, equal_nan=True)
        assert all(current.table.num_rows == 0 for current in two.inputs.values())


def test_a_part_that_fails_on_a_helper_thread_fails_the_call_and_keeps_no_inputs(
    raw_frames, inputs_of
) -> None:
    session = sessions.ServingSession(parallelism=1)

    def probe(statement: str) -> None:  # the application family "costs" most: alone first
        time.sleep(0.02 if statement == "probe_0" else 0.001)

    session.parts = FamilyParts.plan(session.con, session._connect, FAMILY_FILES, 2, probe)
    assert session.parts.groups == [[FAMILY_FILES[0]], list(FAMILY_FILES[1:])]
    assert "features_bureau" in session.parts.groups[1]  # computed on the helper thread
    inputs = _requests(raw_frames, inputs_of)[0]
    wrong = session.empty["bureau"].cast(
        session.empty["bureau"].schema.set(1, pa.field("SK_ID_BUREAU", pa.string()))
    )
    with pytest.raises(duckdb.Error, match="SK_ID_BUREAU"):
        session.run({**inputs, "bureau": wrong})
    assert all(current.table.num_rows == 0 for current in session.inputs.values())
    alone = sessions.ServingSession(parallelism=1)
    got, expected = session.run(inputs), alone.run(inputs)  # the session still serves
    assert np.array_equal(got.values, expected.values, equal_nan=True)
