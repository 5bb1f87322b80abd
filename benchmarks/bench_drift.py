"""Drift report at full Kaggle scale: PSI over every row in DuckDB + the sampled Evidently report.

Scale: reference = a champion's ``features/train`` (80% of 307,511 labelled applicants),
current = a whole feature store (307,511 + 48,744 applicants), FEATURES numeric columns with
~10% NULLs in a quarter of them; half the columns drifted. Data is written under /tmp.

    .venv/bin/python benchmarks/bench_drift.py [--features 200]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from creditrisk_assets.monitoring.drift import DriftThresholds, psi_numpy, psi_sql, summarize_psi
from creditrisk_assets.monitoring.evidently_report import evidently_drift, sample_parquet


def _table(n: int, features: int, shift: float, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    cols = {"SK_ID_CURR": pa.array(np.arange(n) + seed * 10_000_000)}
    for j in range(features):
        x = rng.normal(loc=shift if j % 2 == 0 else 0.0, size=n)
        if j % 4 == 0:
            x[rng.random(n) < 0.1] = np.nan
        cols[f"f{j:03d}"] = pa.array(x.astype(np.float32) if j % 3 else np.round(x * 3))
    return pa.table(cols)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    names = [f"f{j:03d}" for j in range(args.features)]
    with tempfile.TemporaryDirectory(prefix="bench-drift-", dir="/tmp") as tmp:
        ref, cur = Path(tmp) / "ref.parquet", Path(tmp) / "cur.parquet"
        t = time.perf_counter()
        pq.write_table(_table(246_009, args.features, 0.0, 1), ref)
        pq.write_table(_table(356_255, args.features, 0.3, 2), cur)
        print(f"generate: {time.perf_counter() - t:.1f} s")

        t0 = time.perf_counter()
        with duckdb.connect() as con:
            con.execute(f"SET threads = {int(args.threads)}")
            table = psi_sql(con, ref, cur, names)
        t_psi = time.perf_counter() - t0
        summary = summarize_psi(table, DriftThresholds())
        # Peer: the NumPy oracle of the tests, column by column, both files read whole by
        # pyarrow (what a pandas-minded implementation would do); also checks the numbers.
        t = time.perf_counter()
        ref_t, cur_t = pq.read_table(ref, columns=names), pq.read_table(cur, columns=names)
        peer = {
            n: psi_numpy(ref_t[n].to_numpy().astype(float), cur_t[n].to_numpy().astype(float))
            for n in names
        }
        t_peer = time.perf_counter() - t
        del ref_t, cur_t
        got = dict(zip(table["feature"], table["psi"], strict=True))
        gap = max(abs(got[n] - peer[n]) for n in names)
        t1 = time.perf_counter()
        top = names[:20]
        with duckdb.connect() as con:
            rs = sample_parquet(con, ref, top, 5000)
            cs = sample_parquet(con, cur, top, 5000)
        ev = evidently_drift(rs, cs, top, Path(tmp) / "reports")
        t_ev = time.perf_counter() - t1
        print(f"rows: reference 246,009 / current 356,255; features {args.features}")
        print(
            f"psi (DuckDB, full data, {args.threads} threads): {t_psi:.1f} s; "
            f"drift share {summary.drift_share:.2f}, max PSI {summary.max_psi:.3f}"
        )
        print(
            f"peer (NumPy psi_numpy per column, pyarrow reads): {t_peer:.1f} s; "
            f"psi_sql / peer time {t_psi / t_peer:.2f}; largest |PSI difference| {gap:.1e}"
        )
        print(
            f"evidently (5,000 rows x 20 features, incl. sampling): {t_ev:.1f} s; "
            f"share {ev.drift_share:.2f}"
        )
        print(f"total drift: {t_psi + t_ev:.1f} s; peak RSS {_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
