"""The fast ``/predict`` parser: same matrix as the pydantic path, or a fall-back, never a guess.

Both of its readers are exercised on small bodies: orjson (``parse``) and simdjson
(``plan_large`` + ``LargeBody.matrix``, here on the whole body as one chunk; chunking itself is
``test_batches.py``). Live tests check that what the fast path refuses still gets the pydantic
path's field-level 422, and that large batches default to the approximate reason codes and say
so.
"""

from __future__ import annotations

import json

import httpx
import numpy as np
import pandas as pd
import pytest

from creditrisk_assets.serving.api_models import PredictRequest
from creditrisk_assets.serving.champion import load_served_model
from creditrisk_assets.serving.fastpath import reader as fastpath


def _read_large(body: bytes, index: dict[str, int], max_rows: int):
    """The simdjson reader on a whole body in one chunk, as ``batches.predict_large`` uses it."""
    plan = fastpath.plan_large(body, index, max_rows, chunk_rows=max_rows)
    x = None if plan is None else plan.matrix(plan.chunks[0], index)
    if x is None or len(x) != plan.rows:
        return None
    return fastpath.ParsedPredict(x, plan.ids, plan.reasons)


@pytest.fixture(params=["orjson", "simdjson"])
def read(request):
    """Each reader of the fast path: body, feature index, row limit -> ``ParsedPredict``/None."""
    return fastpath.parse if request.param == "orjson" else _read_large


@pytest.fixture(scope="module")
def index(local_champion):
    return {n: i for i, n in enumerate(local_champion.spec.names)}


def _compact(rows, names, **extra):
    return {"columns": names, "data": [[r[n] for n in names] for r in rows], **extra}


def _expected(rows, names) -> np.ndarray:
    return pd.DataFrame(rows)[names].to_numpy(np.float64).astype(np.float32)


def test_compact_and_rows_bodies_give_the_model_matrix(read, feature_rows, index):
    names = list(index)
    rows = feature_rows[:40]
    shuffled = names[::-1]
    for body in (
        _compact(rows, shuffled, ids=list(range(40))),
        _compact(rows, names, reasons="fast"),
        {"rows": rows},
    ):
        parsed = read(json.dumps(body).encode(), index, max_rows=100)
        if read is _read_large and "rows" in body:
            assert parsed is None  # not its shape: a large `rows` body is orjson's
            continue
        assert parsed is not None
        np.testing.assert_array_equal(parsed.x, _expected(rows, names))
        assert parsed.ids == body.get("ids")
        assert parsed.reasons == body.get("reasons", "auto")
    text = json.dumps(_compact(rows, names), indent=2)  # newlines inside the data
    if read is _read_large:  # it finds the array's end by its "]]": whitespace only between rows
        assert read(text.encode(), index, 100) is None
        text = json.dumps(_compact(rows, names)).replace("], [", "],\n  [")
    np.testing.assert_array_equal(read(text.encode(), index, 100).x, _expected(rows, names))


@pytest.mark.parametrize(
    "case",
    [
        "nan",
        "infinity",
        "numeric-string",
        "bool",
        "float32-overflow",
        "null-standin",
        "nested",
        "nested-balanced",
        "null-row",
        "leading-plus",
        "leading-zero",
    ],
)
def test_values_the_fast_path_does_not_judge_fall_back(read, feature_rows, index, case):
    names = list(index)
    text = json.dumps(_compact(feature_rows[:6], names))
    row = json.dumps([feature_rows[4][n] for n in names])
    bad = {
        "nan": "[NaN" + row[row.index(",") :],
        "infinity": "[-Infinity" + row[row.index(",") :],
        "numeric-string": '["1.5"' + row[row.index(",") :],
        "bool": "[true" + row[row.index(",") :],
        "float32-overflow": "[1e39" + row[row.index(",") :],
        # the large reader's stand-in for null, sent as a value next to a real null
        "null-standin": "[1e99, null" + row[row.index(",", row.index(",") + 1) :],
        "nested": "[[1.0]" + row[row.index(",") :],
        # one nested array more and one value less: the flattened count still adds up
        "nested-balanced": "[[1.0, 2.0]" + row[row.index(",", row.index(",") + 1) :],
        "null-row": "null",
        "leading-plus": "[+1.0" + row[row.index(",") :],
        "leading-zero": "[01" + row[row.index(",") :],
    }[case]
    body = text.replace(row, bad, 1).encode()
    assert body != text.encode()
    assert read(body, index, max_rows=100) is None


@pytest.mark.parametrize(
    "shape",
    [
        "trailing-comma",
        "double-comma",
        "ragged",
        "unknown-key",
        "duplicate-data",
        "unknown-column",
        "duplicate-column",
        "too-many-rows",
        "bool-id",
        "bad-reasons",
    ],
)
def test_malformed_or_invalid_documents_fall_back(read, feature_rows, index, shape):
    names = list(index)
    doc = _compact(feature_rows[:6], names)
    text = json.dumps(doc)
    if shape == "trailing-comma":
        text = text.replace("]]}", "],]}", 1)
    elif shape == "double-comma":
        text = text.replace("], [", "],, [", 1)
    elif shape == "ragged":
        text = text.replace("], [", ", 1.0], [", 1)
    elif shape == "unknown-key":
        text = text[:-1] + ', "extra": 1}'
    elif shape == "duplicate-data":
        text = text[:-1] + ', "data": null}'
    elif shape == "unknown-column":
        text = text.replace(json.dumps(names[0]), '"NOT_A_FEATURE"', 1)
    elif shape == "duplicate-column":
        text = text.replace(json.dumps(names[0]), json.dumps(names[1]), 1)
    elif shape == "too-many-rows":
        pass
    elif shape == "bool-id":
        text = text[:-1] + ', "ids": [true, 1, 2, 3, 4, 5]}'
    elif shape == "bad-reasons":
        text = text[:-1] + ', "reasons": "best"}'
    assert (text == json.dumps(doc)) == (shape == "too-many-rows")
    max_rows = 5 if shape == "too-many-rows" else 100
    assert read(text.encode(), index, max_rows) is None


def test_integers_and_exponents_read_like_the_request_model(read, feature_rows, index):
    names = list(index)
    data = [[r[n] for n in names] for r in feature_rows[:5]]
    data[0][:4] = [7, -3, None, 0]
    text = json.dumps({"columns": names, "data": data})
    text = text.replace("[7, -3, null, 0", "[7, -3E-2, null, 25e+1", 1)
    parsed = read(text.encode(), index, max_rows=100)
    expected = np.array(PredictRequest.model_validate_json(text).data, dtype=np.float64)
    np.testing.assert_array_equal(parsed.x, expected.astype(np.float32))
    assert parsed.x[0, :4].tolist()[:2] == [7.0, np.float32(-0.03)] and np.isnan(parsed.x[0, 2])


def test_the_request_model_is_strict_like_the_fast_path():
    """Numbers and null only: the pydantic model refuses what the fast path refuses."""
    for value in ('"1.5"', "true"):
        body = '{"columns": ["a"], "data": [[' + value + "]]}"
        with pytest.raises(ValueError, match="data"):
            PredictRequest.model_validate_json(body)
    assert PredictRequest.model_validate_json('{"columns": ["a"], "data": [[1]]}').data == [[1.0]]


@pytest.fixture(scope="module")
def client(live):
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


@pytest.mark.parametrize("value", ["NaN", "Infinity", '"high"', '"1.5"', "true", "1e39"])
def test_bad_compact_values_get_a_422_naming_row_and_column(client, feature_rows, value):
    names = list(feature_rows[0])
    rows = [[r[n] for n in names] for r in feature_rows[:3]]
    rows[2][7] = "__BAD__"
    body = json.dumps({"columns": names, "data": rows}).replace('"__BAD__"', value)
    resp = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 422, resp.text
    detail = resp.json()["detail"]
    assert detail[0]["loc"][:4] == ["body", "data", 2, 7], detail
    assert client.get("/health").status_code == 200


def test_large_batches_default_to_fast_reasons_and_say_so(make_server, feature_rows):
    rows = feature_rows[:8]
    with (
        make_server(poll_seconds=3600, exact_reasons_max_rows=5) as server,
        httpx.Client(base_url=server.url, timeout=30) as c,
    ):
        auto = c.post("/predict", json={"rows": rows}).json()["predictions"]
        exact = c.post("/predict", json={"rows": rows, "reasons": "exact"}).json()
        small = c.post("/predict", json={"rows": rows[:5]}).json()["predictions"]
    assert {p["reason_method"] for p in auto} == {"fast"}
    assert all(p["reason_codes"] for p in auto)
    assert {p["reason_method"] for p in exact["predictions"]} == {"exact"}
    assert {p["reason_method"] for p in small} == {"exact"}
    assert [p["pd"] for p in auto] == [p["pd"] for p in exact["predictions"]]


def test_large_batches_use_a_multithreaded_copy_with_the_same_answers(
    registrar, feature_rows, local_champion
):
    version = registrar.registry.get_alias_version("champion")
    served = load_served_model(registrar.registry, version, "champion", threads=1, batch_threads=2)
    small, small_threads = served.booster_for(1)
    big, big_threads = served.booster_for(10_000)
    assert small is served.model.booster and small_threads == 1
    assert big is not small and big_threads == 2
    x = pd.DataFrame(feature_rows[:50])[local_champion.spec.names].to_numpy(np.float32)
    np.testing.assert_array_equal(
        small.inplace_predict(x, predict_type="margin"),
        big.inplace_predict(x, predict_type="margin"),
    )


def test_brackets_inside_a_later_string_never_mislead_the_large_reader(read, feature_rows, index):
    """The large reader finds the data array's end from the back; a "]]" in an id after it
    must not be taken for that end (it falls back, and pydantic takes the body)."""
    names = list(index)
    rows = feature_rows[:3]
    ids = ["a]]", "b", "c"]
    body = json.dumps(_compact(rows, names, ids=ids)).encode()
    parsed = read(body, index, max_rows=100)
    if read is _read_large:
        assert parsed is None
        assert PredictRequest.model_validate_json(body).ids == ids
    else:
        assert parsed.ids == ids
        np.testing.assert_array_equal(parsed.x, _expected(rows, names))
