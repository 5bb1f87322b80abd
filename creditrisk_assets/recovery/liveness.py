"""Is a Dagster run, or the process one of its steps ran in, still alive?

Two signals, because neither is enough alone:

- the Dagster run's status: a run that finished has no live step, whatever its processes did;
- the process id a step recorded: a ``kill -9``'d run stays STARTED until run monitoring marks
  it failed, but its process is gone at once. A process id only means something on the machine
  that recorded it, so it is trusted only when the host name matches; elsewhere the run's
  status (which run monitoring keeps honest) decides.

When in doubt the answer is "alive": cleaning up after a live step would break it, while
leaving a dead step's leftovers one more cycle costs nothing.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES

#: MLflow run tags where ``ModelRegistry.candidate_run`` records the step's process.
TAG_PID = "creditrisk.pid"
TAG_HOST = "creditrisk.host"
#: The Dagster run a step ran in (the candidate asset tags its MLflow run with it).
TAG_DAGSTER_RUN = "dagster_run_id"


def this_host() -> str:
    return socket.gethostname()


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine and is not a zombie (a killed child no
    parent has reaped yet still answers ``kill(pid, 0)``)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        # "pid (comm) S ...": the state letter follows the last ')' (comm may hold spaces)
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):  # no /proc (not Linux) or the process just ended
        return stat.parent.exists() or not Path("/proc").is_dir()
    return state not in {"Z", "X"}


def dagster_run_finished(instance: dg.DagsterInstance, run_id: str) -> bool:
    """Whether the instance knows run ``run_id`` and it is over (succeeded, failed, canceled).
    An unknown run is not "finished": it may belong to another instance sharing the registry."""
    run = instance.get_run_by_id(run_id)
    return run is not None and run.status not in IN_PROGRESS_RUN_STATUSES


def step_alive(instance: dg.DagsterInstance, tags: dict[str, str]) -> bool:
    """Whether the step that wrote these MLflow run tags may still be running.

    Dead when its Dagster run is over, or when it recorded a process on this machine that no
    longer exists. Otherwise (a run this instance does not know, a process on another machine)
    it is taken as alive: nothing here can say otherwise.
    """
    run_id = tags.get(TAG_DAGSTER_RUN)
    if run_id and dagster_run_finished(instance, run_id):
        return False
    pid = tags.get(TAG_PID, "")
    if pid.isdigit() and tags.get(TAG_HOST) == this_host():
        return process_alive(int(pid))
    return True
