"""Large ``/predict`` batches scored chunk by chunk: the whole-matrix answers, or a fall-back.

Chunks are made small (``CHUNK_ROWS``) so a few dozen rows exercise several of them.
"""

from __future__ import annotations

import json

import httpx
import numpy as np
import pandas as pd
import pytest

from creditrisk_assets.serving import scoring
from creditrisk_assets.serving.champion import load_served_model
from creditrisk_assets.serving.fastpath import batches
from creditrisk_assets.serving.fastpath import reader as fastpath
from creditrisk_assets_tests.serving.conftest import without_decision_ids


@pytest.fixture(scope="module")
def served(registrar):
    version = registrar.registry.get_alias_version("champion")
    return load_served_model(registrar.registry, version, "champion", threads=1, batch_threads=2)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(batches, "CHUNK_ROWS", 7)


def _body(rows, names, **extra) -> str:
    return json.dumps({"columns": names, "data": [[r[n] for n in names] for r in rows], **extra})


def _large(body: str, served, exact_max: int = 10):
    return batches.predict_large(
        body.encode(), served, max_rows=100, reason_codes=4, exact_reasons_max_rows=exact_max
    )


@pytest.mark.parametrize("exact_max", [10, 1000])
def test_chunks_give_the_whole_matrix_answers(served, feature_rows, small_chunks, exact_max):
    names = served.feature_names
    rows = feature_rows[:40]
    ids = [f"app-{i}" for i in range(40)]
    got = _large(_body(rows, names[::-1], ids=ids), served, exact_max)
    x = pd.DataFrame(rows)[names].to_numpy(np.float64).astype(np.float32)
    method = "fast" if exact_max < 40 else "exact"
    assert got == scoring.predict(served, x, ids, 4, method)
    assert [p["id"] for p in got] == ids and {p["reason_method"] for p in got} == {method}


def test_the_chunks_cover_every_row_once(feature_rows, served) -> None:
    names = served.feature_names
    plan = fastpath.plan_large(
        _body(feature_rows[:40], names).encode(), served.feature_index, 100, 7
    )
    assert plan.rows == 40 and len(plan.chunks) == 6
    matrices = [plan.matrix(c, served.feature_index) for c in plan.chunks]
    assert sum(len(m) for m in matrices) == 40
    whole = fastpath.parse(_body(feature_rows[:40], names).encode(), served.feature_index, 100)
    np.testing.assert_array_equal(np.concatenate(matrices), whole.x)


@pytest.mark.parametrize(
    "case",
    ["late-bad-value", "nested", "ragged", "ids-length", "standin", "unknown-column"],
)
def test_anything_odd_in_any_chunk_drops_the_body_to_the_pydantic_path(
    served, feature_rows, small_chunks, case
):
    names = served.feature_names
    rows = [[r[n] for n in names] for r in feature_rows[:30]]
    extra = {}
    if case == "late-bad-value":
        rows[27][3] = "1.5"
    elif case == "nested":  # one value becomes a pair, another disappears: widths still match
        rows[12] = [[1.0, 2.0], *rows[12][2:]]
    elif case == "ragged":
        rows[20] = rows[20] + [1.0]
    elif case == "ids-length":
        extra["ids"] = list(range(29))
    elif case == "standin":
        rows[25][0], rows[25][1] = 1e99, None
    columns = ["NOT_A_FEATURE", *names[1:]] if case == "unknown-column" else names
    body = json.dumps({"columns": columns, "data": rows, **extra})
    assert _large(body, served) is None


def test_a_body_without_row_separators_is_one_chunk(served, feature_rows, small_chunks):
    names = served.feature_names
    body = _body(feature_rows[:20], names).replace("], [", "] , [")
    x = pd.DataFrame(feature_rows[:20])[names].to_numpy(np.float64).astype(np.float32)
    assert _large(body, served, exact_max=0) == scoring.predict(served, x, None, 4, "fast")


def test_live_large_batches_answer_like_the_pydantic_path(live, feature_rows, monkeypatch):
    """Through uvicorn: a chunked body gets the answers of the same rows sent as objects, and
    a bad value in a late chunk still gets the pydantic path's 422 naming row and column."""
    monkeypatch.setattr(fastpath, "LARGE_MIN_BYTES", 0)
    monkeypatch.setattr(batches, "CHUNK_ROWS", 5)
    names = list(feature_rows[0])
    rows = feature_rows[:23]
    json_type = {"content-type": "application/json"}
    with httpx.Client(base_url=live.url, timeout=30, headers=json_type) as client:
        chunked = client.post("/predict", content=_body(rows, names))
        objects = client.post("/predict", json={"rows": rows})
        data = [[r[n] for n in names] for r in rows]
        data[21][5] = "__BAD__"
        bad = json.dumps({"columns": names, "data": data}).replace('"__BAD__"', "true")
        refused = client.post("/predict", content=bad)
        unknown = client.post("/predict", content=_body(rows, names).replace(names[0], "NOPE", 1))
    assert chunked.status_code == 200 and objects.status_code == 200
    assert without_decision_ids(chunked.json()) == without_decision_ids(objects.json())
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][:4] == ["body", "data", 21, 5]
    assert unknown.status_code == 422, unknown.text  # was a 500: the chunk reader's KeyError
    assert unknown.json()["detail"][0]["loc"] == ["body", "columns", 0]
