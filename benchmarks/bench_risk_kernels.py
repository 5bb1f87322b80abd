"""The risk/decision kernels against plain peers, timed in one run (moved out of the tests).

The tests check these kernels' results against references; how fast they are is measured
here, because a wall-clock assert fails on a loaded CI box and proves nothing on a quiet one.
Each kernel runs at the size its test used, next to a simple peer doing the same work, in the
same process and run, so the ratio means something even under load:

- DeLong AUC + SE, 300,000 rows with ties  vs  sklearn ``roc_auc_score`` (AUC only, no SE);
- principal reasons, 10,000 rows x the real feature spec, float32  vs  a per-row Python loop
  (and a vectorised numpy argsort);
- master-scale grades, 100,000 PDs  vs  a per-value ``bisect`` loop (and ``pandas.cut``);
- decision table, 10,000 rows x 20 features  vs  a per-row builder (``hashlib`` per row,
  dicts, ``pa.Table.from_pylist``) that gives the same hashes.

Each figure is the best of ``--repeat`` runs (slow peers: best of ``min(repeat, 3)``).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_risk_kernels.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.metrics import roc_auc_score

from creditrisk_assets.decisions import DECISION_SCHEMA, decision_table
from creditrisk_assets.features.catalog import build_spec
from creditrisk_assets.features.sql_files import SQL_FILES
from creditrisk_assets.risk import statistics as rs
from creditrisk_assets.risk.master_scale import load_scale
from creditrisk_assets.risk.reasons import load_catalogue, principal_reasons
from creditrisk_assets.serving.feature_sessions import features_for_records


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Best wall time (s) of ``repeat`` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def bench_delong(repeat: int) -> list[tuple]:
    rng = np.random.default_rng(3)
    p = np.round(1 / (1 + np.exp(-rng.normal(-2.4, 1.0, 300_000))), 4)
    y = (rng.random(len(p)) < p).astype(int)
    ours, est = best_of(lambda: rs.auc_delong(y, p), repeat)
    peer, auc = best_of(lambda: roc_auc_score(y, p), repeat)
    assert abs(est.value - auc) < 1e-12
    return [("DeLong AUC + SE", "300,000 rows", ours, "sklearn roc_auc_score (AUC only)", peer)]


def reasons_row_loop(contrib: np.ndarray, names: list[str], k: int = 4) -> list[list[str]]:
    """Per row: sum each statement's positive contributions, sort, keep the top positive."""
    columns = list(load_catalogue().statement_columns(names).items())
    out = []
    for row in np.maximum(contrib, 0.0):
        sums = sorted(((float(row[c].sum()), code) for code, c in columns), reverse=True)
        out.append([code for w, code in sums[:k] if w > 0.0])
    return out


def reasons_argsort(contrib: np.ndarray, names: list[str], k: int = 4) -> np.ndarray:
    columns = load_catalogue().statement_columns(names)
    codes = np.array(list(columns), dtype=object)
    positive = np.maximum(contrib, 0.0)
    sums = np.column_stack([positive[:, c].sum(axis=1) for c in columns.values()])
    order = np.argsort(-sums, axis=1)[:, :k]
    keep = np.take_along_axis(sums, order, axis=1) > 0.0
    return np.where(keep, codes[order], None)


def bench_reasons(repeat: int) -> list[tuple]:
    frame = features_for_records(pd.DataFrame({"SK_ID_CURR": [1]}), {})
    names = list(build_spec(["SK_ID_CURR", "TARGET", *frame.columns], SQL_FILES).names)
    contrib = np.random.default_rng(0).normal(0, 0.1, (10_000, len(names))).astype(np.float32)
    principal_reasons(contrib[:10], names)  # builds and caches the statement index
    ours, out = best_of(lambda: principal_reasons(contrib, names), repeat)
    loop, by_row = best_of(lambda: reasons_row_loop(contrib, names), min(repeat, 3))
    vec, _ = best_of(lambda: reasons_argsort(contrib, names), repeat)
    same = sum(
        [c for c in row if c is not None] == ref
        for row, ref in zip(out.codes.tolist(), by_row, strict=True)
    )
    print(f"reasons: {same} of {len(by_row)} rows equal the loop's (float32 near-ties aside)")
    size = f"10,000 rows x {len(names)} features"
    return [
        ("principal reasons", size, ours, "per-row Python loop", loop),
        ("principal reasons", size, ours, "numpy argsort of statement sums", vec),
    ]


def bench_grades(repeat: int) -> list[tuple]:
    scale = load_scale()
    pds = np.random.default_rng(0).beta(0.5, 8, size=100_000)
    bounds, labels = list(scale.upper_pd[:-1]), scale.all_labels

    def loop() -> list[str]:
        return [labels[bisect.bisect_right(bounds, max(p, scale.pd_floor))] for p in pds]

    def cut() -> np.ndarray:
        edges = [-np.inf, *bounds, np.inf]
        floored = np.maximum(pds, scale.pd_floor)
        return pd.cut(floored, edges, right=False, labels=labels[: len(bounds) + 1]).astype(str)

    ours, graded = best_of(lambda: scale.grade(pds), repeat)
    peer, ref = best_of(loop, min(repeat, 3))
    peer_cut, by_cut = best_of(cut, repeat)
    assert graded.tolist() == ref == list(by_cut)
    return [
        ("master-scale grades", "100,000 PDs", ours, "per-value bisect loop", peer),
        ("master-scale grades", "100,000 PDs", ours, "pandas.cut", peer_cut),
    ]


def table_row_by_row(features: dict, pd_: np.ndarray, grades, decisions, reasons) -> pa.Table:
    """The per-row builder: a dict per decision, its hash by hashlib, one from_pylist."""
    names = sorted(features)
    base = "\x1f".join(names).encode() + b"\x1e"
    when = datetime.now(UTC)
    rows = []
    for r in range(len(pd_)):
        values = np.array([features[f][r] for f in names], dtype="<f8")
        values = np.where(np.isnan(values), np.nan, values + 0.0)
        rows.append(
            {
                "decision_id": uuid.uuid4().hex,
                "decided_at": when,
                "channel": "batch",
                "model_name": "m",
                "model_version": "3",
                "inputs_hash": hashlib.sha256(base + values.tobytes()).hexdigest(),
                "applicant_id": r,
                "pd": float(pd_[r]),
                "grade": grades[r],
                "decision": decisions[r],
                "reason_codes": list(reasons[r]),
            }
        )
    return pa.Table.from_pylist(rows, schema=DECISION_SCHEMA)


def bench_decision_table(repeat: int) -> list[tuple]:
    n = 10_000
    rng = np.random.default_rng(0)
    features = {f"f{j}": rng.random(n) for j in range(20)}
    pd_ = rng.random(n)
    grades, decisions = np.full(n, "B"), np.full(n, "approve")
    reasons = np.array([["EXT_SOURCE_2", "AMT_CREDIT", "DAYS_BIRTH"]] * n)
    kwargs = {"channel": "batch", "model_name": "m", "model_version": 3, "pd": pd_}
    ours, table = best_of(
        lambda: decision_table(
            **kwargs,
            features=features,
            applicant_id=np.arange(n),
            grade=grades,
            decision=decisions,
            reason_codes=reasons,
        ),
        repeat,
    )
    args = (features, pd_, grades.tolist(), decisions.tolist(), reasons.tolist())
    peer, ref = best_of(lambda: table_row_by_row(*args), min(repeat, 3))
    assert table["inputs_hash"].equals(ref["inputs_hash"])
    return [("decision table", "10,000 rows x 20 features", ours, "per-row dicts + hashlib", peer)]


def _machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {mem:.0f} GiB RAM, load average {load}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per kernel; the best is kept")
    args = ap.parse_args()
    print(f"before: {_machine()}")
    rows = []
    for bench in (bench_delong, bench_reasons, bench_grades, bench_decision_table):
        rows += bench(args.repeat)
    print(f"after:  {_machine()}")
    print()
    print("| kernel | size | ours (ms) | peer | peer (ms) | peer / ours |")
    print("|---|---|---:|---|---:|---:|")
    for kernel, size, ours, peer_name, peer in rows:
        print(
            f"| {kernel} | {size} | {ours * 1e3:.1f} | {peer_name} | {peer * 1e3:.1f} "
            f"| {peer / ours:.1f}x |"
        )


if __name__ == "__main__":
    main()
