"""Benchmark ingestion plus contracts (issue 4): the whole ``ingest_job`` on one snapshot.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py                       # 307,511 applicants
    .venv/bin/python benchmarks/bench_ingest.py --applicants 20000
    .venv/bin/python benchmarks/bench_ingest.py --landing /tmp/bench_ingest/landing

The snapshot's CSVs live in ``<landing>/<snapshot>/`` (default under ``/tmp``, never in the
repo); they are generated in a child process when absent, which is not counted. The job then runs
in this process exactly as Dagster runs it (the eight raw assets, then their 20 blocking checks,
in-process executor), against a fresh state folder under ``--work``. Printed: wall time per step
(from the run's event log), total wall time and this process's peak RSS (DuckDB runs in-process,
so its memory is included).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SNAPSHOT = "2026-11-01"


def ensure_snapshot(landing: Path, applicants: int) -> Path:
    folder = landing / SNAPSHOT
    if (folder / "MD5SUMS").is_file():
        return folder
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "creditrisk_assets.synthetic",
            "--snapshot",
            SNAPSHOT,
            "--applicants",
            str(applicants),
            "--out",
            str(folder),
        ],
        check=True,
    )
    print(f"generated the snapshot in {time.perf_counter() - start:.1f} s (not counted)")
    return folder


def step_times(instance, run_id: str) -> dict[str, float]:
    """Seconds per step, from STEP_START to STEP_SUCCESS/FAILURE in the run's event log."""
    starts: dict[str, float] = {}
    times: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            times[event.step_key] = entry.timestamp - starts.get(event.step_key, entry.timestamp)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=307_511)
    parser.add_argument("--landing", type=Path, default=None)
    parser.add_argument("--work", type=Path, default=Path("/tmp/creditrisk-bench-ingest"))
    args = parser.parse_args()
    landing = args.landing or args.work / f"landing-{args.applicants}"
    folder = ensure_snapshot(landing, args.applicants)
    csv_bytes = sum(p.stat().st_size for p in folder.glob("*.csv"))

    args.work.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="state-", dir=args.work))
    os.environ["CREDITRISK_HOME"] = str(home)  # for the package, imported below

    import dagster as dg

    from creditrisk_assets.ingest import defs as ingest_defs
    from creditrisk_assets.ingest.source import SnapshotSource
    from creditrisk_assets.partitions import register_snapshot
    from creditrisk_assets.resources import Lake, Warehouse

    resources = {
        "source": SnapshotSource(kind="landing", landing_dir=str(landing)),
        "lake": Lake(base_uri=str(home / "lake")),
        "warehouse": Warehouse(),
    }
    job = dg.Definitions.merge(ingest_defs, dg.Definitions(resources=resources)).resolve_job_def(
        "ingest_job"
    )
    instance = dg.DagsterInstance.ephemeral()
    register_snapshot(instance, SNAPSHOT)

    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    result = job.execute_in_process(partition_key=SNAPSHOT, instance=instance, raise_on_error=False)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_gb = usage.ru_maxrss / 1024**2
    cpu = usage.ru_utime + usage.ru_stime - cpu_before

    times = step_times(instance, result.run_id)
    print(f"\n{'step':48s} {'seconds':>8s}")
    for key, seconds in sorted(times.items(), key=lambda kv: -kv[1]):
        print(f"{key:48s} {seconds:8.1f}")
    ingest = sum(
        s for k, s in times.items() if not k.endswith(("_contract", "_key", "_integrity", "_count"))
    )
    checks = sum(times.values()) - ingest
    failed = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    lake_bytes = sum(p.stat().st_size for p in (home / "lake").rglob("*.parquet"))
    print(
        f"\nsnapshot {SNAPSHOT}: {args.applicants:,} applicants, {csv_bytes / 1e9:.2f} GB CSV "
        f"-> {lake_bytes / 1e9:.2f} GB Parquet (zstd)"
    )
    print(f"ingestion steps {ingest:.1f} s, check steps {checks:.1f} s")
    print(f"TOTAL wall {wall:.1f} s, peak RSS {peak_gb:.2f} GB, run success {result.success}")
    print(f"CPU time {cpu:.1f} s ({cpu / wall:.2f} cores busy on average; 2.0 = both cores)")
    print(f"failed checks: {failed or 'none'}")
    print(f"load average (1/5/15 min) at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
