"""Shared fixtures: an isolated state folder per test, and small synthetic snapshots.

Every test runs against real components in a temporary folder (DuckDB files, an MLflow SQLite
store, a Dagster instance), never against the developer's own ``.creditrisk``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.risk.reasons import CATALOGUE_FILE

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "homecredit-real"
SMALL_SNAPSHOT = "2026-11-01"
SMALL_APPLICANTS = 1200


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every state location at a fresh temporary folder."""
    home = tmp_path / "state"
    home.mkdir()
    monkeypatch.setenv("CREDITRISK_HOME", str(home))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{home / 'mlflow.db'}")
    monkeypatch.delenv("CREDITRISK_LAKE_URI", raising=False)
    monkeypatch.delenv("CREDITRISK_LANDING_DIR", raising=False)
    return home


@pytest.fixture
def lake(state_home: Path) -> Lake:
    return Lake(base_uri=str(state_home / "lake"))


@pytest.fixture
def warehouse(state_home: Path) -> Warehouse:
    return Warehouse(catalog_path=str(state_home / "catalog.duckdb"))


@pytest.fixture
def registry(state_home: Path) -> ModelRegistry:
    return ModelRegistry(tracking_uri=f"sqlite:///{state_home / 'mlflow.db'}")


@pytest.fixture
def source() -> SnapshotSource:
    return SnapshotSource()


@pytest.fixture(scope="session")
def small_snapshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small synthetic snapshot (Kaggle files), generated once per test session."""
    from creditrisk_assets.synthetic import generate_snapshot

    out = tmp_path_factory.mktemp("snapshot") / SMALL_SNAPSHOT
    generate_snapshot(out, snapshot=SMALL_SNAPSHOT, applicants=SMALL_APPLICANTS, seed=7)
    return out


@pytest.fixture
def shared_data() -> Path:
    """The real Kaggle samples beside the project; tests using them skip when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data/homecredit-real is not present")
    return SHARED_DATA


@pytest.fixture
def use_reason_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``use(extra)``: make the packaged reason catalogue plus ``extra`` (statements, features,
    optionally a version) the one every scorer cites, for tests whose models have synthetic
    feature names the packaged catalogue rightly refuses."""

    def use(extra: dict[str, Any]) -> dict[str, Any]:
        merged = json.loads(CATALOGUE_FILE.read_text())
        for key in ("statements", "exclusions", "features"):
            merged[key] = {**merged[key], **extra.get(key, {})}
        merged["version"] = extra.get("version", merged["version"])
        path = tmp_path / "reason_catalogue.json"
        path.write_text(json.dumps(merged))
        monkeypatch.setenv("CREDITRISK_REASON_CATALOGUE", str(path))
        return merged

    return use


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 recording the JSON bodies posted to it (alert tests)."""

    def __init__(self, status: int = 200) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.bodies: list[dict] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:  # keep test output quiet
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def texts(self) -> list[str]:
        return [b.get("text", "") for b in self.bodies]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def aws_test_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy AWS credentials and region, so boto3 talks to moto and never to a real account."""
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def s3_server(aws_test_env: None) -> Iterator[str]:
    """A local moto S3 server for the test; yields its endpoint URL and stops it after."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
