"""The API bounds its work before doing it (issue 22, ask 4), on a live server.

- the record caps are checked on the body's bytes, so a body under the byte cap that holds
  400,000 applicants is refused without a parse (spied), not after pydantic built them;
- large requests are admitted a few at a time (the rest wait, then 503);
- a client that goes away is not a server error in ``/metrics``;
- ``/metadata`` and ``/schema`` show no server paths or run ids, and follow the key.
"""

from __future__ import annotations

import json
import socket
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from creditrisk_assets.resources import Warehouse
from creditrisk_assets.serving import app as app_module
from creditrisk_assets.serving import dispatch

JSON = {"content-type": "application/json"}
KEY = "bounded-work-key"


@pytest.fixture(scope="module")
def client(live) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=60) as c:
        yield c


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the server's full parses (the pydantic score model; the whole-body /predict
    reader): a refusal "before parsing" leaves them at zero. The server runs in this process,
    and both are looked up by name at call time, so the spies see its requests."""
    calls: Counter[str] = Counter()

    def spy(name: str, fn):
        def counted(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)

        return counted

    monkeypatch.setattr(app_module, "parse", spy("score", app_module.parse))
    monkeypatch.setattr(dispatch, "_predict_whole", spy("predict", dispatch._predict_whole))
    return calls


def test_400k_applicants_under_the_body_cap_are_refused_before_parsing(client, parses) -> None:
    one = b'{"application": {"SK_ID_CURR": 100001}}'
    body = b'{"applicants": [' + b",".join([one] * 400_000) + b"]}"
    assert 15e6 < len(body) < 64 * 1024 * 1024  # under the default byte cap
    for path in ("/score", "/validate"):
        resp = client.post(path, content=body, headers=JSON)
        assert resp.status_code == 413, resp.text[:300]
        assert resp.json()["detail"] == "400000 applicants; at most 1000"
    assert parses["score"] == 0  # refused on the bytes (it took 20 s when pydantic parsed it)
    client.post("/validate", content=b'{"applicants": [' + one + b"]}", headers=JSON)
    assert parses["score"] == 1  # the spy does see a body that gets parsed


def test_too_many_history_records_are_refused_before_parsing(client, parses) -> None:
    record = b'{"SK_ID_BUREAU": 1}'
    entry = b'{"application": {"SK_ID_CURR": 1}, "history": {"bureau": [%s]}}'
    body = b'{"applicants": [' + entry % b",".join([record] * 60_000) + b"]}"
    resp = client.post("/score", content=body, headers=JSON)
    assert resp.status_code == 413 and "60000 history records" in resp.json()["detail"]
    assert parses["score"] == 0


@pytest.mark.parametrize("shape", ["rows", "data"])
def test_too_many_feature_rows_are_refused_before_parsing(client, parses, shape: str) -> None:
    row = b"{}" if shape == "rows" else b"[]"
    body = b'{"%s": [' % shape.encode() + b",".join([row] * 200_000) + b"]"
    body += b', "columns": []}' if shape == "data" else b"}"
    resp = client.post("/predict", content=body, headers=JSON)
    assert resp.status_code == 413, resp.text[:300]
    assert resp.json()["detail"] == "200000 rows; at most 10000 per request"
    assert parses["predict"] == 0
    client.post("/predict", content=b'{"rows": [{}]}', headers=JSON)
    assert parses["predict"] == 1  # the spy does see a body that gets parsed


def test_a_large_body_that_is_not_strict_json_is_a_422_at_once(client) -> None:
    one = b'{"application": {"SK_ID_CURR": 100001, "AMT_CREDIT": NaN}}'
    body = b'{"applicants": [' + b",".join([one] * 2_000) + b"]}"
    resp = client.post("/score", content=body, headers=JSON)
    assert resp.status_code == 422 and resp.json()["detail"][0]["type"] == "json_invalid"


def _metrics(url: str) -> str:
    return httpx.get(f"{url}/metrics").text


def _wait_for_line(url: str, needle: str) -> str:
    deadline = time.monotonic() + 10
    while needle not in (text := _metrics(url)):
        assert time.monotonic() < deadline, f"{needle!r} never appeared in /metrics:\n{text}"
        time.sleep(0.1)
    return text


def _half_sent(port: int, path: str, length: int) -> socket.socket:
    """A connection that declared ``length`` bytes of body and sent a few."""
    sock = socket.create_connection(("127.0.0.1", port))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"rows": [')
    return sock


def test_a_client_that_goes_away_is_not_a_server_error(make_server) -> None:
    with make_server(poll_seconds=3600) as server:
        for path in ("/score", "/predict"):
            sock = _half_sent(server.port, path, 100_000)
            time.sleep(0.3)  # the route is reading the body
            sock.close()
            _wait_for_line(server.url, f'route="{path}",status="499"}} 1')
        text = _metrics(server.url)
        assert 'status="500"' not in text and 'kind="server"' not in text
        assert 'creditrisk_api_errors_total{route="/score",kind="client"} 1' in text


def test_large_requests_are_admitted_a_few_at_a_time(make_server, feature_rows) -> None:
    small = json.dumps({"rows": feature_rows[:1]}).encode()
    limit = max(1024, len(small) + 1)
    large = small[:-1] + b" " * limit + b"}"  # the same request, padded past the limit
    with (
        make_server(
            poll_seconds=3600,
            large_body_bytes=limit,
            max_large_requests=1,
            large_request_wait_seconds=0.5,
        ) as server,
        httpx.Client(base_url=server.url, timeout=30, headers=JSON) as c,
    ):
        holder = _half_sent(server.port, "/predict", limit * 4)  # admitted, reading its body
        time.sleep(0.3)
        busy = c.post("/predict", content=large)
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1", busy.text
        assert c.post("/predict", content=small).status_code == 200  # small ones never wait
        holder.close()  # its slot is freed when the server sees the disconnect
        time.sleep(0.3)
        assert c.post("/predict", content=large).status_code == 200


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_metadata_and_schema_reveal_no_paths_or_run_ids_and_follow_the_key(
    make_server, registrar, tmp_path
) -> None:
    registry = registrar.registry_for("metadata_disclosure")
    version = registrar.register(rounds=5, registry=registry)
    registry.set_version_tags(
        version,
        {
            "dagster_run_id": "4f1c0d2e-run",
            "deploy_manifest": str(tmp_path / "lake" / "deploy" / "manifest.json"),
            "image_tag": "registry.example/creditrisk:abc",
            "promotion_reason": "see /srv/notes",
            "promoted_at": "2026-11-02T10:00:00+00:00",
        },
    )
    resources = {"registry": registry, "warehouse": Warehouse(catalog_path=None)}
    with (
        make_server(resources, poll_seconds=3600, api_key=KEY) as server,
        httpx.Client(base_url=server.url, timeout=30) as c,
    ):
        assert c.get("/metadata").status_code == 401 and c.get("/schema").status_code == 401
        meta = c.get("/metadata", headers={"X-API-Key": KEY}).json()
        schema = c.get("/schema", headers={"X-API-Key": KEY}).json()
    assert meta["model_version"] == version
    assert meta["tags"]["promoted_at"] == "2026-11-02T10:00:00+00:00"
    values = list(_strings(meta))
    assert not [v for v in values if "/" in v], values
    run_id = registry.version_info(version).run_id
    assert run_id not in json.dumps(meta) and "4f1c0d2e-run" not in json.dumps(meta)
    text = json.dumps(schema)
    assert str(tmp_path) not in text and registry.tracking_uri not in text
    assert not [v for v in _strings(schema) if v.startswith(("/", "file:", "s3:"))]
