"""A ``kill -9``'d run is marked FAILED by the daemon's run monitoring (issue 22, ask 5).

Both instance profiles turn run monitoring on without resuming runs, and the embedded one uses
``LocalRunLauncher``, whose health check lets the monitor see that a run's process is gone.
The end-to-end test kills a real run's process with SIGKILL and starts the real daemon on the
repository's ``dagster.yaml`` (only its poll interval shortened, so the test takes seconds).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import dagster as dg
import pytest
import yaml
from dagster._core.launcher import WorkerStatus

from creditrisk_assets.recovery.launcher import LocalRunLauncher

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")

_DEFS = textwrap.dedent(
    """
    import time
    import dagster as dg

    @dg.asset
    def slow() -> None:
        time.sleep(600)

    defs = dg.Definitions(assets=[slow])
    """
)
_VICTIM = (
    "import dagster as dg, defs; dg.materialize([defs.slow], instance=dg.DagsterInstance.get())"
)


@pytest.mark.parametrize("profile", ["dagster.yaml", "deploy/dagster.yaml"])
def test_both_profiles_monitor_runs_and_never_resume_them(profile: str) -> None:
    config = yaml.safe_load((ROOT / profile).read_text())
    monitoring = config["run_monitoring"]
    assert monitoring["enabled"] is True
    assert monitoring["max_resume_run_attempts"] == 0
    for key in ("start_timeout_seconds", "cancel_timeout_seconds", "poll_interval_seconds"):
        assert 0 < monitoring[key] <= 600, key


def test_embedded_profile_launcher_can_check_run_workers(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    with dg.DagsterInstance.from_config(str(home)) as instance:
        launcher = instance.run_launcher
        assert isinstance(launcher, LocalRunLauncher)
        assert launcher.supports_check_run_worker_health
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_resume_run_attempts == 0


def _env(home: Path, workdir: Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), str(workdir), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": path}


def _wait_for(predicate: Callable[[], T], seconds: float, what: str) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


@pytest.mark.timeout(240)
def test_daemon_marks_a_killed_run_failed(tmp_path: Path) -> None:
    home, workdir = tmp_path / "dagster", tmp_path / "code"
    home.mkdir()
    workdir.mkdir()
    config = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    config["run_monitoring"]["poll_interval_seconds"] = 1  # the only change: seconds, not 30
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    (workdir / "defs.py").write_text(_DEFS)
    env = _env(home, workdir)

    victim = subprocess.Popen(
        [sys.executable, "-c", _VICTIM], cwd=workdir, env=env, start_new_session=True
    )
    daemon = None
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:

            def started() -> dg.DagsterRun | None:
                runs = instance.get_runs()
                return runs[0] if runs and runs[0].status == dg.DagsterRunStatus.STARTED else None

            run = _wait_for(started, 90, "the run to start")
            health = instance.run_launcher.check_run_worker_health(run)
            assert health.status == WorkerStatus.RUNNING, health
            os.killpg(victim.pid, signal.SIGKILL)  # kill -9 the run's process (and children)
            victim.wait(10)
            assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED

            log = (tmp_path / "daemon.log").open("wb")
            daemon = subprocess.Popen(
                [sys.executable, "-m", "dagster._daemon", "run", "-f", "defs.py"],
                cwd=workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

            def failed() -> bool:
                status = instance.get_run_by_id(run.run_id).status
                return status == dg.DagsterRunStatus.FAILURE

            _wait_for(failed, 90, "run monitoring to fail the killed run")
            messages = [e.message for e in instance.all_logs(run.run_id)]
            assert any("is gone" in (m or "") for m in messages), messages[-5:]
    finally:
        for proc in (victim, daemon):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(30)
