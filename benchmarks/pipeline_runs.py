"""Dagster jobs run as a user runs them: a generated landing snapshot, a fresh state folder
with the landing source, ``dagster job execute`` timed as a process tree, and the time of each
step read back from the run's event log.

Why a module: the pipeline benchmark's figures are only comparable if every part starts from
the same cold state a user's shell would have; this is that set-up, apart from the report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from timed_run import ROOT, Timed, timed

BIN = Path(sys.executable).parent
SNAPSHOT = "2026-11-01"


def generate(folder: Path, applicants: int) -> None:
    """One synthetic snapshot into ``folder`` (seed 7), unless one is there already."""
    if (folder / "MD5SUMS").is_file():
        print(f"reusing the snapshot in {folder}")
        return
    cmd = [sys.executable, "-m", "creditrisk_assets.synthetic", "--snapshot", SNAPSHOT]
    cmd += ["--applicants", str(applicants), "--seed", "7", "--out", str(folder)]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    size = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e9
    print(
        f"generated {applicants:,} applicants ({size:.2f} GB CSV) in "
        f"{time.perf_counter() - start:.0f} s (not counted)"
    )


def fresh_home(work: Path, name: str, landing: Path) -> dict[str, str]:
    """A new state folder with the landing source, as a user's shell would export it."""
    home = work / name
    shutil.rmtree(home, ignore_errors=True)
    (home / "dagster").mkdir(parents=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster" / "dagster.yaml")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CREDITRISK_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "CREDITRISK_SOURCE": "landing",
        "CREDITRISK_LANDING_DIR": str(landing),
    }
    cli = [sys.executable, "-m", "creditrisk_assets.cli", "add-snapshot", SNAPSHOT]
    subprocess.run(cli, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return env


def job(name: str, env: dict[str, str], logs: Path) -> Timed:
    """``dagster job execute -j name`` for the snapshot, timed, with its step times."""
    cmd = [str(BIN / "dagster"), "job", "execute", "-m", "creditrisk_assets.definitions"]
    cmd += ["-j", name, "--tags", json.dumps({"dagster/partition": SNAPSHOT})]
    result = timed(name, cmd, env, logs / f"{name}.log")
    result.steps = step_times(Path(env["DAGSTER_HOME"]), name)
    return result


def step_times(dagster_home: Path, job_name: str) -> dict[str, float]:
    """Seconds per step of the job's latest run (STEP_START to STEP_SUCCESS/FAILURE)."""
    code = (
        "import json, sys, dagster as dg\n"
        "inst = dg.DagsterInstance.from_config(sys.argv[1])\n"
        "run = inst.get_runs(dg.RunsFilter(job_name=sys.argv[2]), limit=1)[0]\n"
        "starts, out = {}, {}\n"
        "for e in inst.all_logs(run.run_id):\n"
        "    ev = e.dagster_event\n"
        "    if ev is None or ev.step_key is None: continue\n"
        "    if ev.event_type_value == 'STEP_START': starts[ev.step_key] = e.timestamp\n"
        "    elif ev.event_type_value in ('STEP_SUCCESS', 'STEP_FAILURE'):\n"
        "        out[ev.step_key] = e.timestamp - starts.get(ev.step_key, e.timestamp)\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(dagster_home), job_name],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DAGSTER_HOME": str(dagster_home)},
    )
    return json.loads(proc.stdout) if proc.returncode == 0 else {}
