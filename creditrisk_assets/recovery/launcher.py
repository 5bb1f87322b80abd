"""``LocalRunLauncher``: Dagster's default launcher, plus a run-worker health check.

Run monitoring (``run_monitoring`` in ``dagster.yaml``) marks a STARTED run failed when the
launcher reports its worker dead, but Dagster's ``DefaultRunLauncher`` cannot report: it says
it does not support the check, so a run whose worker was ``kill -9``'d stays STARTED forever,
holds a ``max_concurrent_runs`` slot, and enough of them stop the queue (issue 22). This
launcher answers from the run's own events: the ``RUN_START`` event carries the process id of
the process that executes the run (the run worker, or the ``dagster job execute`` CLI), and
the embedded profile runs everything on one machine, so that process either exists or not.

Launching and terminating are the default launcher's, unchanged. Resuming a run is not
supported (``max_resume_run_attempts: 0``): a snapshot run re-executes from a new run, where
the sweep of ``sweep.py`` clears what the dead one left.
"""

from __future__ import annotations

from dagster import DagsterEventType, DefaultRunLauncher
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun

from creditrisk_assets.recovery.liveness import process_alive


class LocalRunLauncher(DefaultRunLauncher):
    """The default launcher, with a health check that run monitoring can use."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        """RUNNING while the process that started the run exists; FAILED once it is gone.

        Only a definite answer may be FAILED: run monitoring fails the run on anything but
        RUNNING or SUCCESS, so a run with no start event yet (it is starting) counts as
        RUNNING, and a run that ended while we looked counts as SUCCESS (the monitor then sees
        its new status and leaves it alone).
        """
        records = self._instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.RUN_START, limit=1, ascending=False
        ).records
        event = records[0].event_log_entry.dagster_event if records else None
        pid = event.pid if event is not None else None
        if pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no start event with a pid yet")
        if process_alive(pid):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"run worker pid {pid} is alive")
        current = self._instance.get_run_by_id(run.run_id)
        if current is not None and current.is_finished:
            return CheckRunHealthResult(WorkerStatus.SUCCESS, "the run finished")
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"run worker process {pid} is gone (killed?) while the run was {run.status.value}",
        )
