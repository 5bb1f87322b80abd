"""Starting, watching and stopping the processes of ``prod_local.py``'s topology.

Why apart from the CLI: ``prod_local.py`` says *what* runs (ports, databases, environment,
the instance profile, each service's command line); this module is *how* any of those
processes is run: each in its own process group with its log under ``<dir>/logs``, waited on
until it answers, recorded in ``topology.json`` and ended group by group, so ``stop`` also
ends the run processes a code server started. It knows nothing about Dagster or MLflow.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin(statement: str) -> None:
    """One statement on the server's ``postgres`` database, outside a transaction."""
    import psycopg2

    con = psycopg2.connect(dbname="postgres", **PG)
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(statement)
    finally:
        con.close()


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    """Until ``url`` answers below 500 (a service up, whatever the route says)."""
    import httpx

    def answers() -> bool:
        try:
            return httpx.get(url, timeout=5).status_code < 500
        except httpx.HTTPError:
            return False

    _wait(answers, proc, log, timeout, f"did not answer {url}")


def wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    """Until something accepts connections on ``port`` (a gRPC server, which has no URL)."""

    def listens() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    _wait(listens, proc, log, timeout, f"did not listen on {port}")


def _wait(
    ready: Callable[[], bool], proc: subprocess.Popen, log: Path, timeout: float, missed: str
) -> None:
    """Poll ``ready`` once a second; exit with the end of ``log`` if ``proc`` ends first, or
    saying it ``missed`` once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{log.stem} exited:\n{log.read_text(errors='replace')[-3000:]}")
        if ready():
            return
        time.sleep(1)
    raise SystemExit(f"{log.stem} {missed} in {timeout:.0f}s; see {log}")


class Topology:
    """The started processes and what they need; saved to ``topology.json`` for ``stop``."""

    def __init__(self, root: Path) -> None:
        self.root, self.file = root, root / "topology.json"
        self.state: dict = json.loads(self.file.read_text()) if self.file.is_file() else {}
        self.state.setdefault("pids", {})

    def save(self) -> None:
        self.file.write_text(json.dumps(self.state, indent=1, sort_keys=True))

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.root / "logs" / f"{name}.log"
        with log.open("ab") as out:
            proc = subprocess.Popen(
                argv,
                cwd=REPO,
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stop() ends its children too
            )
        self.state["pids"][name] = proc.pid
        self.save()
        return proc


def group_members(groups: set[int]) -> list[int]:
    """Live (non-zombie) processes whose process group is one of ``groups`` (Linux ``/proc``)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended while being read
        if fields[0] != "Z" and int(fields[2]) in groups:
            found.append(int(stat.parent.name))
    return found


def signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)
