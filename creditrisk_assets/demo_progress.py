"""A quiet view of a run for ``make demo``: one line per asset step, checks summarised.

Dagster's console logger prints every DEBUG event of a run (hundreds of lines for the whole
graph), which buries the three things a person running the demo wants: which asset is done, how
long it took and how many rows it wrote, and whether anything failed. ``RunProgress`` reads the
run's events from the instance (where the full log stays, for the UI) and turns them into:

- one line per step that materialized assets: keys, seconds, rows (``dagster/row_count``, else
  the ``rows`` entry);
- one line per failed step or failed check, with the reason;
- one closing line counting checks (passed / warned / failed) and steps that never ran.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import dagster as dg
from dagster._core.events.log import EventLogEntry

DEMO_TAG = "creditrisk/demo"
_NAME_WIDTH = 40


def _rows(metadata: dict) -> int | None:
    for name in ("dagster/row_count", "rows"):
        value = getattr(metadata.get(name), "value", None)
        if isinstance(value, int):
            return value
    return None


def step_line(keys: list[str], seconds: float, rows: list[int | None]) -> str:
    """``  raw/bureau                     1.2 s    17,203 rows``: one step's summary."""
    known = [r for r in rows if r is not None]
    counted = " + ".join(f"{r:,}" for r in known) + " rows" if known else ""
    return f"  ok   {', '.join(keys):<{_NAME_WIDTH}} {seconds:6.1f} s  {counted}".rstrip()


@dataclass
class RunProgress:
    """Folds a run's events into progress lines; ``feed`` returns the lines to print now."""

    started: dict[str, float] = field(default_factory=dict)
    materialized: dict[str, list[tuple[str, int | None]]] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=lambda: {"passed": 0, "warned": 0, "failed": 0})
    skipped: list[str] = field(default_factory=list)
    failed_check_steps: set[str] = field(default_factory=set)
    finished: bool = False
    succeeded: bool = False

    def feed(self, entries: Iterable[EventLogEntry]) -> list[str]:
        lines: list[str] = []
        for entry in entries:
            line = self._one(entry)
            if line:
                lines.append(line)
        return lines

    def _one(self, entry: EventLogEntry) -> str | None:
        event = entry.dagster_event
        if event is None:  # plain log lines: only "dependencies failed, not executing" counts
            if entry.step_key and "Not executing" in (entry.user_message or ""):
                self.skipped.append(entry.step_key)
            return None
        kind, step = event.event_type_value, event.step_key or ""
        data = event.event_specific_data
        if kind == "STEP_START":
            self.started[step] = entry.timestamp
        elif kind == "ASSET_MATERIALIZATION":
            mat = data.materialization  # type: ignore[union-attr]
            key = mat.asset_key.to_user_string()
            self.materialized.setdefault(step, []).append((key, _rows(dict(mat.metadata))))
        elif kind == "ASSET_CHECK_EVALUATION":
            return self._check(data, step)
        elif kind == "STEP_SUCCESS" and step in self.materialized:
            done = self.materialized.pop(step)
            seconds = entry.timestamp - self.started.get(step, entry.timestamp)
            return step_line([k for k, _ in done], seconds, [r for _, r in done])
        elif kind == "STEP_FAILURE" and step not in self.failed_check_steps:
            message = data.error.message.strip().splitlines() if data.error else []  # type: ignore[union-attr]
            reason = message[-1] if message else "see the run's log"
            return f"  FAIL {step}: {reason[:160]}"
        elif kind == "STEP_SKIPPED":
            self.skipped.append(step)
        elif kind in ("PIPELINE_SUCCESS", "PIPELINE_FAILURE", "PIPELINE_CANCELED"):
            self.finished, self.succeeded = True, kind == "PIPELINE_SUCCESS"
        return None

    def _check(self, evaluation: object, step: str) -> str | None:
        passed = bool(evaluation.passed)  # type: ignore[attr-defined]
        warn = evaluation.severity == dg.AssetCheckSeverity.WARN  # type: ignore[attr-defined]
        outcome = "passed" if passed else "warned" if warn else "failed"
        self.checks[outcome] += 1
        if passed:
            return None
        if not warn:  # its step fails next, saying only that this check failed
            self.failed_check_steps.add(step)
        key = evaluation.asset_check_key  # type: ignore[attr-defined]
        label = "warn" if warn else "FAIL"
        why = evaluation.description or ""  # type: ignore[attr-defined]
        line = f"  {label} check {key.asset_key.to_user_string()}:{key.name}"
        return f"{line}: {why[:140]}" if why else line

    def summary(self) -> str:
        c = self.checks
        text = f"checks: {c['passed']} passed, {c['warned']} warned, {c['failed']} failed"
        if self.skipped:
            text += f"; {len(set(self.skipped))} steps not run (an upstream step failed)"
        return text


def find_run(instance: dg.DagsterInstance, token: str) -> dg.DagsterRun | None:
    """The run tagged ``DEMO_TAG=token`` (the demo launches it in a child process)."""
    runs = instance.get_runs(filters=dg.RunsFilter(tags={DEMO_TAG: token}), limit=1)
    return runs[0] if runs else None


def follow(
    instance: dg.DagsterInstance,
    token: str,
    is_running: Callable[[], bool],
    emit: Callable[[str], None],
    poll_seconds: float = 0.5,
) -> RunProgress:
    """Print progress lines while the tagged run goes on; return the progress when it ended
    (or when the process launching it exited, e.g. before the run was even created)."""
    progress = RunProgress()
    cursor: str | None = None
    run = None
    while True:
        alive = is_running()
        run = run or find_run(instance, token)
        if run is not None:
            while True:
                page = instance.get_records_for_run(run.run_id, cursor=cursor, limit=500)
                cursor = page.cursor
                for line in progress.feed(r.event_log_entry for r in page.records):
                    emit(line)
                if not page.has_more:
                    break
        if progress.finished or not alive:
            return progress
        time.sleep(poll_seconds)
