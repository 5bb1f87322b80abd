"""Real processes for the system test: a ``dagster-daemon``, a uvicorn API and a poller.

Each process runs in its own session (process group), so stopping it stops the children it
spawned too (the daemon's code server and run workers). The daemon is asked to stop with SIGINT,
then killed with its group: it does not exit on a plain SIGTERM while runs are in flight.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class Proc:
    """A child process in its own process group, with its output in a log file."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.log = name, logs / f"{name}.log"
        self._out = self.log.open("wb")
        self.popen = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, n: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])

    def stop(self, grace: float = 20.0) -> None:
        """SIGINT to the group, then SIGKILL to the group if it is still there after ``grace``."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(grace)
        with contextlib.suppress(ProcessLookupError):  # the group: code server, run workers
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)
        self._out.close()


class ApiPoller(threading.Thread):
    """Calls the API all the time: /health, /ready, and (once ready) /metadata and /predict.

    A failure is any transport error or unexpected status; 503 from /ready or /predict is only
    expected before the first champion was ever loaded.
    """

    def __init__(self, url: str, rows: Callable[[], list[dict] | None]) -> None:
        super().__init__(daemon=True)
        self.url, self.rows = url, rows
        self.failures: list[str] = []
        self.versions: list[str] = []
        self.requests = 0
        self.ready = False
        self._halt = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._halt.is_set():
                self._round(client)
                self._halt.wait(0.5)

    def _call(self, client: httpx.Client, method: str, path: str, **kw) -> httpx.Response | None:
        self.requests += 1
        try:
            resp = client.request(method, path, **kw)
        except httpx.HTTPError as err:
            self.failures.append(f"{method} {path}: {err!r}")
            return None
        allowed = {200} if self.ready or path == "/health" else {200, 503}
        if resp.status_code not in allowed:
            self.failures.append(f"{method} {path}: {resp.status_code} {resp.text[:200]}")
            return None
        return resp

    def _round(self, client: httpx.Client) -> None:
        self._call(client, "GET", "/health")
        ready = self._call(client, "GET", "/ready")
        if ready is None or ready.status_code != 200:
            return
        self.ready = True
        meta = self._call(client, "GET", "/metadata")
        if meta is not None:
            self.versions.append(str(meta.json()["model_version"]))
        rows = self.rows()
        if rows:
            resp = self._call(client, "POST", "/predict", json={"rows": rows})
            if resp is not None and len(resp.json()["predictions"]) != len(rows):
                self.failures.append(f"/predict answered {resp.text[:200]}")

    def stop(self) -> None:
        self._halt.set()
        self.join(30)


def _wait_for(what: str, check: Callable[[], object], timeout: float, procs: list[Proc]) -> object:
    """Poll ``check`` until it returns something truthy; fail early if a process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.alive():
                pytest.fail(f"{proc.name} exited while waiting for {what}:\n{proc.tail()}")
        value = check()
        if value:
            return value
        time.sleep(2)
    logs = "\n\n".join(f"--- {p.name}\n{p.tail()}" for p in procs)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{logs}")


@pytest.fixture
def dagster_home(tmp_path: Path) -> Path:
    """A fresh instance folder with the repo's dagster.yaml, as ``make dagster-home`` makes."""
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    return home


@pytest.fixture
def processes() -> Iterator[list[Proc]]:
    """Every process a test started; all stopped (with their groups) at teardown."""
    started: list[Proc] = []
    yield started
    for proc in reversed(started):
        proc.stop()


@pytest.fixture
def start(processes: list[Proc], tmp_path: Path) -> Callable[..., Proc]:
    """``start(name, argv, env)``: a process from the venv's bin folder, logged under tmp."""

    def run(name: str, argv: list[str], env: dict[str, str]) -> Proc:
        proc = Proc(name, [str(BIN / argv[0]), *argv[1:]], env, tmp_path)
        processes.append(proc)
        return proc

    return run


@pytest.fixture
def wait_for(processes: list[Proc]) -> Callable[[str, Callable[[], object], float], object]:
    """``wait_for(what, check, timeout)``: poll until truthy; fail if a process died."""
    return lambda what, check, timeout: _wait_for(what, check, timeout, processes)


@pytest.fixture
def api_poller() -> Iterator[Callable[..., ApiPoller]]:
    """``api_poller(url, rows)``: a started poller; stopped at teardown."""
    pollers: list[ApiPoller] = []

    def make(url: str, rows: Callable[[], list[dict] | None]) -> ApiPoller:
        poller = ApiPoller(url, rows)
        poller.start()
        pollers.append(poller)
        return poller

    yield make
    for poller in pollers:
        poller.stop()


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
