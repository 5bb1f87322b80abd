"""The API's decision log: a real uvicorn process, started as ``make serve`` starts it (the
launcher, which execs uvicorn; here asked for jemalloc, preloaded where installed), requests,
SIGTERM, then the log.

Done when "a short API session followed by SIGTERM leaves every decision it returned in the
log" (issue 17). The flush interval is set far beyond the session, so the decisions can only
reach the Parquet log through the shutdown flush that uvicorn's lifespan exit runs on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import httpx

from creditrisk_assets.decisions import create_decision_log_view
from creditrisk_assets.serving.launch import jemalloc_library
from creditrisk_assets.serving.metrics import ApiMetrics
from creditrisk_assets.serving.settings import ServingSettings
from creditrisk_assets_tests.serving.conftest import Registrar, free_port

REPO = Path(__file__).resolve().parents[2]


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "creditrisk_assets.serving.launch", "--port", str(port)]
    return subprocess.Popen(cmd, env=env, cwd=REPO, stderr=subprocess.PIPE)


def _wait_ready(client: httpx.Client, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if client.get("/ready").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the API did not become ready")


def test_sigterm_leaves_every_returned_decision_in_the_log(
    registrar: Registrar,
    tmp_path: Path,
    feature_rows: list[dict[str, Any]],
    applicant_payload: Callable[[int], dict],
    snapshot_records: dict,
) -> None:
    lake = tmp_path / "lake"
    env = {
        **os.environ,
        "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "MLFLOW_TRACKING_URI": registrar.registry.tracking_uri,
        "CREDITRISK_LAKE_URI": str(lake),
        "CREDITRISK_API_POLL_SECONDS": "3600",
        "CREDITRISK_API_DECISION_LOG_FLUSH_SECONDS": "600",
        "CREDITRISK_API_ALLOCATOR": "jemalloc",  # the launcher's other path, where installed
    }
    port = free_port()
    proc = _start(env, port)
    returned: dict[str, tuple[str, float]] = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            _wait_ready(client, proc)
            for i in range(12):  # one-row requests, then a few small batches
                rows = feature_rows[i * 3 : i * 3 + (1 if i < 8 else 3)]
                resp = client.post("/predict", json={"rows": rows})
                assert resp.status_code == 200, resp.text
                for p in resp.json()["predictions"]:
                    returned[p["decision_id"]] = ("api_predict", p["pd"])
            ids = [int(i) for i in snapshot_records["application_train"]["SK_ID_CURR"][:2]]
            resp = client.post("/score", json={"applicants": [applicant_payload(i) for i in ids]})
            assert resp.status_code == 200, resp.text
            for p in resp.json()["predictions"]:
                returned[p["decision_id"]] = ("api_score", p["pd"])
            metrics = client.get("/metrics").text
            maps = Path(f"/proc/{proc.pid}/maps").read_text()  # the exec kept the process id
        if jemalloc_library() is not None:
            assert "libjemalloc" in maps  # the allocator the launcher was asked for
        assert 'creditrisk_decision_log_records_total{event="enqueued"} 22' in metrics
        assert 'creditrisk_decision_log_records_total{event="written"} 0' in metrics
        assert not list(lake.glob("decisions/log/day=*/*.parquet"))  # all still buffered
    finally:
        proc.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal once its graceful shutdown (lifespan exit) is done
        assert proc.wait(60) in (0, -signal.SIGTERM)
    assert len(returned) == 8 + 4 * 3 + 2
    with duckdb.connect() as con:
        create_decision_log_view(con, lake)
        logged = con.sql(
            "SELECT decision_id, channel, pd, model_alias FROM decision_log"
        ).fetchall()
    assert {d: (c, p) for d, c, p, _ in logged} == returned and len(logged) == len(returned)
    assert {a for *_, a in logged} == {"champion"}


def test_decision_log_settings_and_metrics() -> None:
    settings = ServingSettings.from_env(
        {"CREDITRISK_API_DECISION_LOG": "false", "CREDITRISK_API_DECISION_LOG_CAPACITY": "10"}
    )
    assert settings.decision_log is False and settings.decision_log_capacity == 10
    try:
        ServingSettings(decision_log_sink="postgres")
    except ValueError as err:
        assert "DSN" in str(err)
    else:
        raise AssertionError("a postgres sink without a DSN was accepted")
    metrics = ApiMetrics()
    assert "creditrisk_decision_log" not in metrics.render()
    counters = dict.fromkeys(
        ("enqueued", "written", "spilled", "refused", "full_waits", "flush_errors"), 0
    )
    metrics.decision_log_stats = lambda: {**counters, "spill_errors": 0, "spilled": 3, "pending": 2}
    text = metrics.render()
    assert 'creditrisk_decision_log_records_total{event="spilled"} 3' in text
    assert "creditrisk_decision_log_pending 2" in text
