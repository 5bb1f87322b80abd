"""Pipeline benchmark (issue 20): CSV landing to validated feature store, against a pandas peer.

    .venv/bin/python benchmarks/bench_pipeline.py                       # 307,511 applicants
    .venv/bin/python benchmarks/bench_pipeline.py --applicants 30000    # development size
    .venv/bin/python benchmarks/bench_pipeline.py --scale 10 --skip-all-assets --reference-a 35

One synthetic snapshot is generated (``python -m creditrisk_assets.synthetic``, not timed) into a
temporary folder outside the repository and deleted at the end (``--keep`` keeps it;
``--landing`` reuses a folder of ``YYYY-MM-DD/`` snapshots). Then, on that one snapshot:

(a) what a user runs, exactly as typed, in a fresh ``CREDITRISK_HOME`` / ``DAGSTER_HOME`` with
    the landing source: ``cli add-snapshot`` (not counted: the landing sensor does it), then
    ``dagster job execute -j ingest_job`` and ``-j features_job`` (feature store, split, drift
    report). Each job runs under ``/usr/bin/time -v``: wall time, CPU and peak RSS of the whole
    process tree (in-process executor: one process per job). Step times come from the run's
    event log; what is left of the wall time is start-up, planning and event-log writes.
(b) the plain pandas peer of the same feature families (``pipeline_pandas_baseline.py``), no
    validation, in a child process under ``/usr/bin/time -v``; the ratio (b)/(a) is printed.
(c) ``-j all_assets`` in another fresh home: landing to batch scores (ingest, features,
    training, evaluation, canary, promotion, scores, monitoring), wall time and peak RSS.

It prints a markdown summary with MET/MISSED per target and always exits 0 when the runs
themselves worked (a missed target is a finding, not an error). Timings on a shared machine are
upper bounds; the load average is printed before and after each part.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline_runs import SNAPSHOT, fresh_home, generate, job  # benchmarks are scripts
from timed_run import ROOT, Timed, mem_gb, timed

KAGGLE_APPLICANTS = 307_511
TARGET_RATIO, TARGET_A_S, TARGET_RSS_GB, TARGET_C_S = 5.0, 35.0, 3.0, 240.0
SCALED_RSS_GB, SCALED_TIME_FACTOR = 8.0, 12.0


def verdict(ok: bool | None, *parts: Timed) -> str:
    """MET / MISSED; n/a when the target does not apply; FAILED when a timed run failed (its
    time is then not a measurement of the target)."""
    if any(t.rc != 0 for t in parts):
        return "FAILED (not measured)"
    return "n/a" if ok is None else ("MET" if ok else "MISSED")


def summary(args: argparse.Namespace, parts: dict[str, Timed], csv_gb: float) -> str:
    full = args.applicants == KAGGLE_APPLICANTS * args.scale
    ingest, features = parts["ingest_job"], parts["features_job"]
    a_wall = ingest.wall + features.wall
    a_rss = max(ingest.rss_gb, features.rss_gb)
    a_cpu = ingest.cpu + features.cpu
    lines = [
        f"Snapshot: {args.applicants:,} applicants, {csv_gb:.2f} GB CSV; machine: "
        f"{os.cpu_count()} cores, {mem_gb():.0f} GB RAM; load average now "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "",
        "| part | wall s | CPU s | peak RSS GB | load before/after |",
        "|---|---:|---:|---:|---|",
    ]
    for t in parts.values():
        lines.append(
            f"| {t.name}{'' if t.rc == 0 else ' (FAILED)'} | {t.wall:.1f} | {t.cpu:.1f} | "
            f"{t.rss_gb:.2f} | {t.load[0]:.1f} / {t.load[1]:.1f} |"
        )
    lines.append(
        f"| **(a) = ingest_job + features_job** | **{a_wall:.1f}** | "
        f"{ingest.cpu + features.cpu:.1f} | {a_rss:.2f} | |"
    )
    lines += ["", "| target | measured | verdict |", "|---|---|---|"]
    if "pandas_baseline" in parts:
        peer = parts["pandas_baseline"]
        ratio = peer.wall / a_wall
        met = verdict(ratio >= TARGET_RATIO, ingest, features, peer)
        lines.append(
            f"| (b)/(a) >= {TARGET_RATIO:g} | {ratio:.2f} (CPU {peer.cpu / a_cpu:.2f}) | {met} |"
        )
    if args.scale == 1:
        lines.append(
            f"| (a) <= {TARGET_A_S:g} s at 307,511 | {a_wall:.1f} s | "
            f"{verdict(a_wall <= TARGET_A_S if full else None, ingest, features)} |"
        )
        lines.append(
            f"| (a) peak RSS <= {TARGET_RSS_GB:g} GB | {a_rss:.2f} GB | "
            f"{verdict(a_rss <= TARGET_RSS_GB, ingest, features)} |"
        )
    else:
        ref = args.reference_a
        lines.append(
            f"| {args.scale}x: peak RSS <= {SCALED_RSS_GB:g} GB | {a_rss:.2f} GB | "
            f"{verdict(a_rss <= SCALED_RSS_GB, ingest, features)} |"
        )
        lines.append(
            f"| {args.scale}x: (a) <= {SCALED_TIME_FACTOR:g} x the 1x time"
            f"{f' ({ref:.1f} s)' if ref else ''} | {a_wall:.1f} s"
            f"{f' = {a_wall / ref:.1f}x' if ref else ''} | "
            f"{verdict(a_wall <= SCALED_TIME_FACTOR * ref if ref else None, ingest, features)} |"
        )
    if "all_assets" in parts:
        c = parts["all_assets"]
        lines.append(
            f"| (c) all_assets <= {TARGET_C_S:g} s | {c.wall:.1f} s | "
            f"{verdict(c.wall <= TARGET_C_S if full else None, c)} |"
        )
    return "\n".join(lines)


def step_table(parts: dict[str, Timed]) -> str:
    lines = ["| job | step | s |", "|---|---|---:|"]
    for t in parts.values():
        if not t.steps:
            continue
        for key, seconds in sorted(t.steps.items(), key=lambda kv: -kv[1]):
            lines.append(f"| {t.name} | {key} | {seconds:.1f} |")
        lines.append(
            f"| {t.name} | (outside steps: start-up, planning, event log) | "
            f"{t.wall - sum(t.steps.values()):.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--applicants", type=int, default=None, help="default 307,511 x --scale")
    p.add_argument("--scale", type=int, default=1, help="10: the 3.08 M-applicant run (ask 3)")
    p.add_argument(
        "--reference-a",
        type=float,
        default=None,
        help="(a) seconds at 1x, for the --scale time verdict",
    )
    p.add_argument("--landing", type=Path, default=None, help="reuse this landing folder")
    p.add_argument("--work", type=Path, default=None, help="state and logs (default: a temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the generated snapshot and state")
    p.add_argument("--skip-baseline", action="store_true")
    p.add_argument("--skip-all-assets", action="store_true")
    args = p.parse_args()
    args.applicants = args.applicants or KAGGLE_APPLICANTS * args.scale

    work = args.work or Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    work.mkdir(parents=True, exist_ok=True)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    landing = args.landing or work / "landing"
    folder = landing / SNAPSHOT
    print(f"work folder {work}; load average {os.getloadavg()}")
    parts: dict[str, Timed] = {}
    try:
        generate(folder, args.applicants)
        csv_gb = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e9
        print("(a) ingest_job + features_job in a fresh home")
        env = fresh_home(work, "state-a", landing)
        parts["ingest_job"] = job("ingest_job", env, logs)
        parts["features_job"] = job("features_job", env, logs)
        shutil.rmtree(work / "state-a", ignore_errors=True)
        if not args.skip_baseline:
            print("(b) plain pandas, same feature families")
            cmd = [sys.executable, str(ROOT / "benchmarks" / "pipeline_pandas_baseline.py")]
            cmd += [str(folder), str(work / "pandas_store.parquet")]
            parts["pandas_baseline"] = timed(
                "pandas_baseline", cmd, {**os.environ}, logs / "pandas.log"
            )
            print("   ", parts["pandas_baseline"].tail.strip().splitlines()[-1])
        if not args.skip_all_assets:
            print("(c) all_assets in a fresh home")
            env = fresh_home(work, "state-c", landing)
            parts["all_assets"] = job("all_assets", env, logs)
    finally:
        if not args.keep:
            if args.landing is None:
                shutil.rmtree(landing, ignore_errors=True)
            for name in ("state-a", "state-c", "pandas_store.parquet"):
                target = work / name
                shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(
                    missing_ok=True
                )
    print("\n" + summary(args, parts, csv_gb) + "\n\nSteps (from the runs' event logs):\n")
    print(step_table(parts))
    print(f"\nlogs in {logs}")
    failed = [t.name for t in parts.values() if t.rc != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
