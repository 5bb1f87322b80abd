"""Benchmark of the synthetic Home Credit generator (issue 3): speed, memory, size, signal.

    .venv/bin/python benchmarks/bench_synthetic.py                      # full scale + signal
    .venv/bin/python benchmarks/bench_synthetic.py --applicants 30000 --signal-applicants 30000

1. Generates a snapshot of ``--applicants`` (default 307,511, Kaggle's size) into a temporary
   folder in a child process, and reports wall time and the child's peak RSS
   (``resource.getrusage(RUSAGE_CHILDREN)``), so the figure is the generator's own.
2. Compares every table's row count with Kaggle's (scaled to the applicant count) with a
   +-10 % verdict.
3. Measures the planted signal on a ``--signal-applicants`` snapshot: the oracle's AUC (TRUE_PD
   vs TARGET), and XGBoost on application columns alone vs application columns plus simple
   per-applicant history aggregates, trained on 70 % of application_train and scored on 30 %.
4. Writes the figures under ``## Synthetic generator (issue 3)`` in ``benchmarks/RESULTS.md``
   (only that section is replaced; others are left as they are).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_md import RESULTS, write_section
from synthetic_signal import signal_figures

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Synthetic generator (issue 3)"
KAGGLE_APPLICANTS = 307_511
KAGGLE_ROWS = {
    "application_train.csv": 307_511,
    "application_test.csv": 48_744,
    "bureau.csv": 1_716_428,
    "bureau_balance.csv": 27_299_925,
    "previous_application.csv": 1_670_214,
    "POS_CASH_balance.csv": 10_001_358,
    "installments_payments.csv": 13_605_401,
    "credit_card_balance.csv": 3_840_312,
}


def generate(out: Path, applicants: int, snapshot: str, seed: int) -> tuple[dict, float, float]:
    """Run the CLI in a child process; returns (summary, wall seconds, child peak RSS in GiB)."""
    cmd = [
        sys.executable,
        "-m",
        "creditrisk_assets.synthetic",
        "--snapshot",
        snapshot,
        "--applicants",
        str(applicants),
        "--seed",
        str(seed),
        "--out",
        str(out),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, check=True, cwd=ROOT)
    wall = time.perf_counter() - started
    peak_kib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return json.loads(proc.stdout), wall, peak_kib / 1024**2


def _machine() -> str:
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    free = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.splitlines()
    mem = free[1].split()[1] if len(free) > 1 else "?"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, `nproc` = {nproc}, `free -g` total = {mem} GiB, "
        f"Python {platform.python_version()}; load average when written {load} "
        "(the machine is shared with other work, so wall times are upper bounds)"
    )


def row_check(files: dict, applicants: int) -> tuple[list[str], bool]:
    """Markdown rows: row counts vs Kaggle's (scaled); and whether all are within 10 %."""
    scale = applicants / KAGGLE_APPLICANTS
    rows = ["| file | rows | Kaggle (scaled) | ratio | within +-10 % |", "|---|---:|---:|---:|---|"]
    all_ok = True
    for name, info in files.items():
        ref = KAGGLE_ROWS[name] * scale
        ratio = info["rows"] / ref
        ok = abs(ratio - 1) <= 0.10
        all_ok &= ok
        verdict = "yes" if ok else "NO"
        rows.append(f"| {name} | {info['rows']:,} | {ref:,.0f} | {ratio:.3f} | {verdict} |")
        print(f"  {name:28s} {info['rows']:>12,}  vs {ref:>12,.0f}  ({ratio:.3f}) {verdict}")
    return rows, all_ok


def report(
    args: argparse.Namespace, gen: dict, rows: list[str], all_ok: bool, sig: dict | None
) -> str:
    text = [
        HEADING,
        "",
        f"Machine: {_machine()}. Command: `.venv/bin/python benchmarks/bench_synthetic.py "
        f"--applicants {args.applicants} --signal-applicants {args.signal_applicants}` "
        f"(snapshot {args.snapshot}, seed {args.seed}).",
        "",
        f"- Generation of {args.applicants:,} applicants ({gen['rows']:,} rows, "
        f"{gen['gib']:.2f} GiB of CSV): **{gen['wall']:.1f} s wall**, "
        f"**peak RSS {gen['rss']:.2f} GiB** (child process, `getrusage(RUSAGE_CHILDREN)`); "
        "targets 300 s and 6 GiB. 1-minute load average before / after generation: "
        f"{gen['load'][0]:.1f} / {gen['load'][1]:.1f} on {os.cpu_count()} cores.",
        f"- TARGET rate {gen['target_rate']:.4f} (Kaggle 0.0807).",
        f"- Row counts vs Kaggle's: {'all' if all_ok else 'NOT all'} within +-10 %.",
        "",
        *rows,
        "",
    ]
    if sig is not None:
        text += [
            f"Signal on a {args.signal_applicants:,}-applicant snapshot (XGBoost 400 trees, "
            "depth 5, 70/30 stratified split of application_train; AUC on the 30 %):",
            "",
            "| model | AUC |",
            "|---|---:|",
            f"| oracle TRUE_PD, all train rows | {sig['oracle_auc_all']:.4f} |",
            f"| oracle TRUE_PD, holdout | {sig['oracle_auc_holdout']:.4f} |",
            f"| XGBoost, application columns only | {sig['app_only_auc']:.4f} |",
            f"| XGBoost, application + history aggregates | {sig['app_history_auc']:.4f} |",
            f"| XGBoost, history aggregates only | {sig['history_only_auc']:.4f} |",
            "",
        ]
    return "\n".join(text) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--applicants", type=int, default=KAGGLE_APPLICANTS)
    p.add_argument("--signal-applicants", type=int, default=100_000, help="0: skip the signal part")
    p.add_argument("--snapshot", default="2026-11-01")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    args = p.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_synthetic_") as tmp:
        full = Path(tmp) / "full"
        load_before = os.getloadavg()[0]
        summary, wall, rss = generate(full, args.applicants, args.snapshot, args.seed)
        gen = {
            "load": (load_before, os.getloadavg()[0]),
            "wall": wall,
            "rss": rss,
            "rows": sum(f["rows"] for f in summary["files"].values()),
            "gib": sum(p.stat().st_size for p in full.glob("*.csv")) / 1024**3,
            "target_rate": summary["target_rate"],
        }
        print(
            f"generated {args.applicants:,} applicants: {gen['rows']:,} rows, {gen['gib']:.2f} GiB"
        )
        print(f"wall {wall:.1f} s, peak RSS {rss:.2f} GiB, TARGET rate {gen['target_rate']:.4f}")
        rows, all_ok = row_check(summary["files"], args.applicants)

        sig = None
        if args.signal_applicants > 0:
            sig_dir = full
            if args.signal_applicants != args.applicants:
                sig_dir = Path(tmp) / "signal"
                generate(sig_dir, args.signal_applicants, args.snapshot, args.seed)
            started = time.perf_counter()
            sig = signal_figures(sig_dir)
            print(json.dumps(sig, indent=2), f"(signal part {time.perf_counter() - started:.0f} s)")

    if not args.no_results:
        write_section(report(args, gen, rows, all_ok, sig), HEADING)
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
