"""API key, body and row caps, JSON-only bodies, readiness and checksum refusal, live."""

from __future__ import annotations

import httpx
import pytest

from creditrisk_assets.resources import Warehouse
from creditrisk_assets.serving import ServingSettings

KEY = "s3cret-test-key"


@pytest.fixture(scope="module")
def guarded(make_server):
    """A server with an API key, a 64 KiB body cap and at most 3 rows per request."""
    with (
        make_server(
            poll_seconds=3600,
            api_key=KEY,
            max_body_bytes=64 * 1024,
            max_rows=3,
            max_applicants=2,
            max_history_records=10,
        ) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


def test_scoring_endpoints_need_the_key_and_probes_do_not(guarded, feature_rows):
    body = {"rows": feature_rows[:1]}
    assert guarded.post("/predict", json=body).status_code == 401
    wrong = guarded.post("/predict", json=body, headers={"X-API-Key": "nope"})
    assert wrong.status_code == 401 and "X-API-Key" in wrong.json()["detail"]
    assert guarded.post("/score", json={"applicants": []}).status_code == 401
    assert guarded.post("/validate", json={"applicants": []}).status_code == 401
    ok = guarded.post("/predict", json=body, headers={"X-API-Key": KEY})
    assert ok.status_code == 200, ok.text
    for probe in ("/health", "/ready"):  # public by default (CREDITRISK_API_PUBLIC_ENDPOINTS)
        assert guarded.get(probe).status_code == 200
    for described in ("/metadata", "/schema", "/metrics"):  # they follow the key
        assert guarded.get(described).status_code == 401, described
        assert guarded.get(described, headers={"X-API-Key": KEY}).status_code == 200


def test_body_over_the_cap_is_413_declared_or_streamed(guarded):
    big = b'{"rows": [' + b" " * (70 * 1024) + b"]}"
    headers = {"X-API-Key": KEY, "content-type": "application/json"}
    assert guarded.post("/predict", content=big, headers=headers).status_code == 413

    def chunks():  # no Content-Length: the cap must hold while streaming
        for _ in range(20):
            yield b" " * 8192

    streamed = guarded.post("/predict", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert guarded.get("/health").status_code == 200


def test_too_many_rows_applicants_or_history_is_413_with_a_message(
    guarded, feature_rows, applicant_payload, snapshot_records
):
    headers = {"X-API-Key": KEY}
    resp = guarded.post("/predict", json={"rows": feature_rows[:4]}, headers=headers)
    assert resp.status_code == 413 and "at most 3" in resp.json()["detail"]
    ids = snapshot_records["application_train"]["SK_ID_CURR"].tolist()[:3]
    three = {"applicants": [{"application": applicant_payload(i)["application"]} for i in ids]}
    resp = guarded.post("/score", json=three, headers=headers)
    assert resp.status_code == 413 and "at most 2" in resp.json()["detail"]
    many = snapshot_records["bureau"]["SK_ID_CURR"].value_counts().index[0]
    entry = applicant_payload(int(many))
    entry["history"] = {"bureau": entry["history"]["bureau"][:11]}
    assert len(entry["history"]["bureau"]) == 11
    resp = guarded.post("/validate", json={"applicants": [entry]}, headers=headers)
    assert resp.status_code == 413 and "history records" in resp.json()["detail"]


def test_non_json_bodies_are_415_and_bad_json_is_422(guarded):
    headers = {"X-API-Key": KEY}
    form = guarded.post("/predict", data={"rows": "1"}, headers=headers)
    assert form.status_code == 415
    text = guarded.post(
        "/predict", content=b"rows=1", headers={**headers, "content-type": "text/plain"}
    )
    assert text.status_code == 415
    broken = guarded.post(
        "/predict", content=b'{"rows": [', headers={**headers, "content-type": "application/json"}
    )
    assert broken.status_code == 422 and broken.json()["detail"][0]["type"] == "json_invalid"
    nan = guarded.post(
        "/predict",
        content=b'{"rows": [{"A": NaN}]}',
        headers={**headers, "content-type": "application/json"},
    )
    assert nan.status_code == 422


def test_not_ready_without_a_champion(make_server, registrar):
    """A registered model with no champion alias: alive, not ready, scoring says 503."""
    resources = {
        "registry": registrar.registry_for("no_champion_yet"),
        "warehouse": Warehouse(catalog_path=None),
    }
    with make_server(resources, poll_seconds=3600) as server:
        assert httpx.get(f"{server.url}/health").status_code == 200
        ready = httpx.get(f"{server.url}/ready")
        assert ready.status_code == 503 and ready.json()["ready"] is False
        assert httpx.get(f"{server.url}/metadata").status_code == 503
        resp = httpx.post(f"{server.url}/predict", json={"rows": [{"x": 1.0}]})
        assert resp.status_code == 503


def test_a_version_whose_checksum_does_not_match_is_never_served(registrar):
    """Tampered registry entry: the holder refuses it, keeps the good model, counts the failure."""
    from creditrisk_assets.serving.app import create_app

    registry = registrar.registry_for("tamper_test")
    good = registrar.register(rounds=5, registry=registry)
    app = create_app(
        ServingSettings(poll_seconds=3600),
        {"registry": registry, "warehouse": Warehouse(catalog_path=None)},
        watch=False,
    )
    holder = app.state.champion
    assert holder.refresh() is True and holder.current.version == good
    registrar.register(rounds=6, registry=registry, checksum="0" * 64)
    assert holder.refresh() is False
    assert holder.current.version == good
    assert "checksum" in holder.last_error
    assert "creditrisk_model_load_failures_total 1" in app.state.metrics.render()


def test_settings_come_from_the_environment():
    env = {
        "CREDITRISK_API_KEY": "key-from-env-42",
        "CREDITRISK_API_MAX_ROWS": "7",
        "CREDITRISK_API_POLL_SECONDS": "2.5",
        "CREDITRISK_API_MAX_BODY_BYTES": "",
    }
    s = ServingSettings.from_env(env)
    assert (
        s.api_key.get_secret_value() == "key-from-env-42"
        and s.max_rows == 7
        and s.poll_seconds == 2.5
    )
    assert s.max_body_bytes == ServingSettings().max_body_bytes
    assert "key-from-env-42" not in repr(s)
    with pytest.raises(ValueError):
        ServingSettings.from_env({"CREDITRISK_API_MAX_ROWS": "0"})
