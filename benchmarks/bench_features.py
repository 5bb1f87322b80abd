"""Benchmark the feature store (issue 5): wall time per table family, peak RSS, feature count.

Usage::

    .venv/bin/python benchmarks/bench_features.py                      # 307,511 applicants
    .venv/bin/python benchmarks/bench_features.py --applicants 40000 --categoricals
    .venv/bin/python benchmarks/bench_features.py --csv-dir /tmp/snap --serving

Data lives under ``--work`` (default ``/tmp/creditrisk-bench-features``), never in the repo: the
synthetic generator's CSVs (reused when present) are converted to Parquet with DuckDB in a child
process, so the peak RSS printed is the feature build's alone. ``--categoricals`` also fits
XGBoost on the labelled rows twice (integer codes as categorical vs one-hot columns from the same
fixed category lists) and prints test AUC and fit time; ``--serving`` times
``features_for_records`` for single applicants (p50/p99).
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

SNAPSHOT = "2026-11-01"


def prepare(work: Path, applicants: int, csv_dir: Path | None) -> Path:
    """Raw Parquet per table under ``work/parquet-<n>``; generated/converted in a child process."""
    out = work / f"parquet-{applicants}"
    if (out / "credit_card_balance.parquet").exists():
        return out
    csv = csv_dir or work / f"csv-{applicants}" / SNAPSHOT
    code = f"""
import duckdb
from pathlib import Path
from creditrisk_assets.schema import RAW_TABLES, table_spec
csv, out = Path({str(csv)!r}), Path({str(out)!r})
if not (csv / "credit_card_balance.csv").exists():
    from creditrisk_assets.synthetic import generate_snapshot
    generate_snapshot(csv, snapshot={SNAPSHOT!r}, applicants={applicants}, seed=7)
out.mkdir(parents=True, exist_ok=True)
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
for t in RAW_TABLES:
    s = table_spec(t)
    con.read_csv(str(csv / s.file), dtype=s.duckdb_types, header=True).select(
        *s.column_names).write_parquet(str(out / f"{{t}}.parquet"))
"""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    print(f"prepared raw Parquet in {time.perf_counter() - start:.1f} s (not counted)")
    return out


def build(parquet: Path, out: Path, threads: int, memory_limit: str) -> tuple[float, dict]:
    from creditrisk_assets.features.catalog import build_spec
    from creditrisk_assets.features.compute import build_feature_store, feature_store_columns
    from creditrisk_assets.features.sql_files import SQL_FILES
    from creditrisk_assets.schema import RAW_TABLES

    raw = {t: str(parquet / f"{t}.parquet") for t in RAW_TABLES}
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET memory_limit = ?", [memory_limit])
    timings = build_feature_store(con, raw, out)
    spec = build_spec([n for n, _ in feature_store_columns(con)], SQL_FILES)
    wall = time.perf_counter() - start
    rows = con.read_parquet(str(out)).aggregate("count(*)").fetchall()[0][0]
    for stage, seconds in timings.items():
        print(f"  {stage:<24} {seconds:7.2f} s")
    print(f"feature store: {rows:,} rows x {len(spec.features)} features in {wall:.1f} s")
    return wall, {"rows": rows, "features": len(spec.features), "timings": timings}


def compare_categoricals(store: Path) -> None:
    """XGBoost on codes-as-categorical vs one-hot of the same fixed lists; AUC and fit time."""
    import numpy as np
    import pandas as pd
    import xgboost as xgb
    from sklearn.metrics import roc_auc_score

    from creditrisk_assets.features.assets import split_bucket
    from creditrisk_assets.features.catalog import categorical_columns
    from creditrisk_assets.schema import table_spec

    frame = pd.read_parquet(store)
    frame = frame[frame["TARGET"].notna()].reset_index(drop=True)
    is_test = frame["SK_ID_CURR"].map(split_bucket) < 2000
    y = frame["TARGET"].to_numpy()
    cats = list(categorical_columns())
    base = frame.drop(columns=["SK_ID_CURR", "TARGET"])
    app = table_spec("application_train")
    onehot = base.drop(columns=cats).astype("float64")
    dummies = {
        f"{c}__{i}": (base[c] == i).astype("float64")
        for c in cats
        for i in range(len(app.column(c).categories or ()))
    }
    onehot = pd.concat([onehot, pd.DataFrame(dummies)], axis=1)
    params = {
        "objective": "binary:logistic",
        "eta": 0.05,
        "max_depth": 6,
        "nthread": 2,
        "eval_metric": "auc",
        "max_cat_to_onehot": 1,
        "tree_method": "hist",
        "seed": 0,
    }
    for label, x, types in (
        (
            "codes (categorical 'c')",
            base.astype("float64"),
            ["c" if c in cats else "q" for c in base.columns],
        ),
        ("one-hot columns", onehot, None),
    ):
        train = xgb.DMatrix(
            x[~is_test].to_numpy(),
            y[~is_test],
            feature_types=types,
            enable_categorical=types is not None,
        )
        test = xgb.DMatrix(
            x[is_test].to_numpy(),
            y[is_test],
            feature_types=types,
            enable_categorical=types is not None,
        )
        start, cpu = time.perf_counter(), time.process_time()
        booster = xgb.train(params, train, num_boost_round=300)
        fit, fit_cpu = time.perf_counter() - start, time.process_time() - cpu
        auc = roc_auc_score(y[is_test], booster.predict(test))
        print(
            f"  {label:<24} columns {x.shape[1]:4d}  test AUC {auc:.4f}  "
            f"fit {fit:6.1f} s wall, {fit_cpu:6.1f} s CPU"
        )
    print(
        f"  rows: train {int((~is_test).sum()):,}, test {int(is_test.sum()):,}; "
        f"positives {float(np.mean(y)):.3f}"
    )


def serving_latency(parquet: Path, calls: int = 300) -> None:
    import numpy as np
    import pandas as pd

    from creditrisk_assets.schema import HISTORY_TABLES
    from creditrisk_assets.serving.feature_sessions import features_for_records

    con = duckdb.connect()
    app = con.read_parquet(str(parquet / "application_train.parquet")).limit(calls).df()
    ids = app["SK_ID_CURR"].tolist()
    hist = {}
    for t in HISTORY_TABLES:
        frame = con.read_parquet(str(parquet / f"{t}.parquet")).df()
        if t == "bureau_balance":
            hist[t] = frame[frame["SK_ID_BUREAU"].isin(hist["bureau"]["SK_ID_BUREAU"])]
        else:
            hist[t] = frame[frame["SK_ID_CURR"].isin(ids)]
    requests = []
    for i in ids:
        h = {t: f[f["SK_ID_CURR"] == i] for t, f in hist.items() if t != "bureau_balance"}
        h["bureau_balance"] = hist["bureau_balance"][
            hist["bureau_balance"]["SK_ID_BUREAU"].isin(h["bureau"]["SK_ID_BUREAU"])
        ]
        requests.append((app[app["SK_ID_CURR"] == i].drop(columns=["TARGET"]), h))
    sizes = [sum(len(f) for f in h.values()) for _, h in requests]
    features_for_records(*requests[0])  # warm: builds the serving connection
    times = []
    for a, h in requests:
        start = time.perf_counter()
        features_for_records(a, h)
        times.append(time.perf_counter() - start)
    ms = np.array(times) * 1000
    print(
        f"serving: {len(ms)} single-applicant calls, median history rows "
        f"{int(np.median(sizes))}: p50 {np.percentile(ms, 50):.1f} ms, "
        f"p99 {np.percentile(ms, 99):.1f} ms"
    )
    del pd


def _md5(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "md5").hexdigest()  # read in blocks, not whole


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=307_511)
    parser.add_argument("--work", type=Path, default=Path("/tmp/creditrisk-bench-features"))
    parser.add_argument("--csv-dir", type=Path, default=None, help="existing snapshot CSVs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--categoricals", action="store_true")
    parser.add_argument("--serving", action="store_true")
    parser.add_argument(
        "--repeat", action="store_true", help="build twice and compare the files' md5"
    )
    args = parser.parse_args()

    parquet = prepare(args.work, args.applicants, args.csv_dir)
    out = args.work / f"feature_store-{args.applicants}.parquet"
    build(parquet, out, args.threads, args.memory_limit)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"peak RSS of the build process: {peak_gb:.2f} GB; md5 {_md5(out)}")
    if args.repeat:
        again = out.with_name(out.stem + "-again.parquet")
        build(parquet, again, args.threads, args.memory_limit)
        same = _md5(again) == _md5(out)
        print(f"rebuild gives {'the same bytes' if same else 'DIFFERENT bytes'}")
    if args.categoricals:
        compare_categoricals(out)
    if args.serving:
        serving_latency(parquet)


if __name__ == "__main__":
    main()
