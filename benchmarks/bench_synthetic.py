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

import pandas as pd
import pyarrow.csv as pacsv
import xgboost as xgb
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
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


def _read(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    opts = pacsv.ConvertOptions(include_columns=columns) if columns else None
    return pacsv.read_csv(path, convert_options=opts).to_pandas()


def history_aggregates(folder: Path) -> pd.DataFrame:
    """Simple per-applicant aggregates a first-pass modeller would build (means, shares, max)."""
    parts = []
    bureau = _read(folder / "bureau.csv")
    g = bureau.groupby("SK_ID_CURR")
    parts.append(
        pd.DataFrame(
            {
                "b_count": g.size(),
                "b_active_share": (bureau["CREDIT_ACTIVE"] == "Active")
                .groupby(bureau["SK_ID_CURR"])
                .mean(),
                "b_day_overdue_max": g["CREDIT_DAY_OVERDUE"].max(),
                "b_sum_overdue": g["AMT_CREDIT_SUM_OVERDUE"].sum(),
                "b_max_overdue_mean": g["AMT_CREDIT_MAX_OVERDUE"].mean(),
                "b_debt_sum": g["AMT_CREDIT_SUM_DEBT"].sum(),
            }
        )
    )
    bb = _read(folder / "bureau_balance.csv", ["SK_ID_BUREAU", "STATUS"])
    bb["bad"] = bb["STATUS"].isin(["1", "2", "3", "4", "5"])
    bb["rated"] = bb["STATUS"].isin(["0", "1", "2", "3", "4", "5"])
    per_bureau = bb.groupby("SK_ID_BUREAU")[["bad", "rated"]].sum()
    per_bureau = per_bureau.join(bureau.set_index("SK_ID_BUREAU")["SK_ID_CURR"])
    per_app = per_bureau.groupby("SK_ID_CURR")[["bad", "rated"]].sum()
    parts.append((per_app["bad"] / per_app["rated"].clip(lower=1)).rename("bb_bad_share"))
    del bb, per_bureau

    prev = _read(folder / "previous_application.csv")
    g = prev.groupby("SK_ID_CURR")
    parts.append(
        pd.DataFrame(
            {
                "p_count": g.size(),
                "p_refused_share": (prev["NAME_CONTRACT_STATUS"] == "Refused")
                .groupby(prev["SK_ID_CURR"])
                .mean(),
                "p_credit_mean": g["AMT_CREDIT"].mean(),
            }
        )
    )
    pos = _read(folder / "POS_CASH_balance.csv", ["SK_ID_CURR", "SK_DPD", "SK_DPD_DEF"])
    g = pos.groupby("SK_ID_CURR")
    parts.append(
        pd.DataFrame(
            {
                "pos_dpd_share": (pos["SK_DPD"] > 0).groupby(pos["SK_ID_CURR"]).mean(),
                "pos_dpd_max": g["SK_DPD"].max(),
            }
        )
    )
    del pos
    inst = _read(folder / "installments_payments.csv")
    late = inst["DAYS_ENTRY_PAYMENT"] - inst["DAYS_INSTALMENT"]
    key = inst["SK_ID_CURR"]
    parts.append(
        pd.DataFrame(
            {
                "i_late_share": (late > 0).groupby(key).mean(),
                "i_late_days_mean": late.clip(lower=0).groupby(key).mean(),
                "i_paid_ratio": (inst["AMT_PAYMENT"] / inst["AMT_INSTALMENT"].clip(lower=1))
                .groupby(key)
                .mean(),
                "i_short_share": (inst["AMT_PAYMENT"] < inst["AMT_INSTALMENT"]).groupby(key).mean(),
            }
        )
    )
    del inst
    cc = _read(folder / "credit_card_balance.csv")
    util = cc["AMT_BALANCE"] / cc["AMT_CREDIT_LIMIT_ACTUAL"].where(
        cc["AMT_CREDIT_LIMIT_ACTUAL"] > 0
    )
    key = cc["SK_ID_CURR"]
    parts.append(
        pd.DataFrame(
            {
                "cc_util_mean": util.groupby(key).mean(),
                "cc_dpd_max": cc["SK_DPD"].groupby(key).max(),
                "cc_atm_mean": cc["AMT_DRAWINGS_ATM_CURRENT"].groupby(key).mean(),
            }
        )
    )
    return pd.concat(parts, axis=1)


def _fit_auc(x_train: pd.DataFrame, y_train: pd.Series, x_test: pd.DataFrame, y_test) -> float:
    model = xgb.XGBClassifier(
        n_estimators=400,
        learning_rate=0.05,
        max_depth=5,
        subsample=0.8,
        colsample_bytree=0.8,
        min_child_weight=5,
        tree_method="hist",
        enable_categorical=True,
        n_jobs=os.cpu_count() or 2,
        random_state=0,
    )
    model.fit(x_train, y_train)
    return float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))


def signal_figures(folder: Path) -> dict[str, float]:
    app = _read(folder / "application_train.csv")
    oracle = _read(folder / "oracle_true_pd.csv").set_index("SK_ID_CURR")["TRUE_PD"]
    app = app.set_index("SK_ID_CURR")
    y = app.pop("TARGET")
    for col in app.columns:
        if app[col].dtype == object:
            app[col] = app[col].astype("category")
    hist = history_aggregates(folder)
    both = app.join(hist, how="left")
    idx_train, idx_test = train_test_split(app.index, test_size=0.3, stratify=y, random_state=0)
    return {
        "train_rows": len(app),
        "target_rate": float(y.mean()),
        "oracle_auc_all": float(roc_auc_score(y, oracle.loc[app.index])),
        "oracle_auc_holdout": float(roc_auc_score(y.loc[idx_test], oracle.loc[idx_test])),
        "app_only_auc": _fit_auc(
            app.loc[idx_train], y.loc[idx_train], app.loc[idx_test], y.loc[idx_test]
        ),
        "app_history_auc": _fit_auc(
            both.loc[idx_train], y.loc[idx_train], both.loc[idx_test], y.loc[idx_test]
        ),
        "history_only_auc": _fit_auc(
            hist.reindex(app.index).loc[idx_train],
            y.loc[idx_train],
            hist.reindex(app.index).loc[idx_test],
            y.loc[idx_test],
        ),
    }


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


def write_results(text: str) -> None:
    """Replace (or append) this benchmark's section of RESULTS.md, leaving others untouched."""
    old = RESULTS.read_text() if RESULTS.is_file() else "# Benchmark results\n"
    lines = old.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == HEADING), None)
    if start is None:
        RESULTS.write_text(old.rstrip("\n") + "\n\n" + text)
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    rest = "\n" + "".join(lines[end:]) if end < len(lines) else ""
    RESULTS.write_text("".join(lines[:start]) + text + rest)


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
        write_results(report(args, gen, rows, all_ok, sig))
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
