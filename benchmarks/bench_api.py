"""Benchmark of the scoring API (issue 8): real HTTP from a separate process, on loopback.

    .venv/bin/python benchmarks/bench_api.py               # figures + RESULTS.md section
    .venv/bin/python benchmarks/bench_api.py --no-write    # only print
    .venv/bin/python benchmarks/bench_api.py --applicants 5000 --seconds 5   # quick look

Setup (not timed): a synthetic snapshot under ``--work`` (default /tmp/creditrisk-bench-api),
its features through ``features_for_records`` (the serving SQL path), a champion trained with
the modeling domain's ``train_model`` and default ``TrainParams`` (early stopping), registered
in a throw-away MLflow store. The server is ``uvicorn --factory
creditrisk_assets.serving.app:create_app`` in a subprocess (uvloop + httptools, one worker),
exactly what ``make serve`` runs.

Load: an **open-loop** generator (asyncio streams speaking HTTP/1.1 with keep-alive; httpx
only for the large single requests): request *i* is due at
``t0 + i / rate`` whatever happened to earlier ones, so a slow server shows up as latency, not
as a lower request rate. Latency is measured from the due time to the last response byte (it
includes any lateness of the generator itself: no coordinated omission). The generator only
ever targets 127.0.0.1 and is bounded by ``--seconds`` x rate requests and a 30 s timeout each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Scoring API (issue 8)"
SNAPSHOT = "2026-11-01"
HOST = "127.0.0.1"  # the only address the load generator is allowed to target


def _records(snapshot_dir: Path) -> dict[str, pd.DataFrame]:
    from creditrisk_assets.schema import HISTORY_TABLES, table_spec

    dtypes = {"int": "Int64", "float": "float64", "str": "object"}
    return {
        name: pd.read_csv(
            snapshot_dir / table_spec(name).file,
            dtype={c.name: dtypes[c.dtype] for c in table_spec(name).columns},
        )
        for name in ("application_train", *HISTORY_TABLES)
    }


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in frame.to_dict(orient="records")
    ]


def build_champion(work: Path, applicants: int) -> dict[str, Any]:
    """Snapshot -> features (serving SQL) -> trained, registered champion; returns the setup."""
    from creditrisk_assets.features.catalog import build_spec
    from creditrisk_assets.features.compute import SQL_FILES, features_for_records
    from creditrisk_assets.modeling.training import TrainParams, train_model
    from creditrisk_assets.resources import Warehouse
    from creditrisk_assets.schema import HISTORY_TABLES, table_spec
    from creditrisk_assets.synthetic import generate_snapshot

    cache = work / f"setup-{applicants}"
    if (cache / "setup.json").exists():
        return _register(work, cache, json.loads((cache / "setup.json").read_text()))
    snap = work / f"snapshot-{applicants}"
    if not (snap / "application_train.csv").exists():
        generate_snapshot(snap, snapshot=SNAPSHOT, applicants=applicants, seed=7)
    records = _records(snap)
    app = records["application_train"]
    t = time.perf_counter()
    feats = features_for_records(
        Warehouse(catalog_path=None), app, {n: records[n] for n in HISTORY_TABLES}
    )
    print(f"features for {len(app)} applicants via the serving SQL: {time.perf_counter() - t:.1f}s")
    spec = build_spec(["SK_ID_CURR", *feats.columns], SQL_FILES)
    frame = feats.reset_index().merge(app[["SK_ID_CURR", "TARGET"]], on="SK_ID_CURR")
    t = time.perf_counter()
    result = train_model(frame, spec, TrainParams(), partition=SNAPSHOT)
    trees = result.best_iteration + 1
    took = time.perf_counter() - t
    print(f"champion: {trees} trees, {len(spec.names)} features, trained in {took:.1f}s")
    shutil.rmtree(cache, ignore_errors=True)
    result.model.save(cache / "model")
    # One applicant with about 50 history records, in the /score request shape.
    counts = pd.Series(0, index=app["SK_ID_CURR"])
    for name in HISTORY_TABLES:
        if "SK_ID_CURR" in records[name].columns:
            counts = counts.add(records[name]["SK_ID_CURR"].value_counts(), fill_value=0)
    counts = counts.reindex(app["SK_ID_CURR"])  # history also covers application_test ids
    sk_id = int((counts - 50).abs().idxmin())
    bureau = records["bureau"][records["bureau"]["SK_ID_CURR"] == sk_id]
    history = {}
    for name in HISTORY_TABLES:
        f = records[name]
        rows = (
            f[f["SK_ID_BUREAU"].isin(bureau["SK_ID_BUREAU"])]
            if name == "bureau_balance"
            else f[f["SK_ID_CURR"] == sk_id]
        )
        history[name] = _json_rows(rows)
    app_cols = table_spec("application_test").column_names
    applicant = {
        "application": _json_rows(app[app["SK_ID_CURR"] == sk_id][app_cols])[0],
        "history": history,
    }
    feats[spec.names].to_parquet(cache / "features.parquet")
    setup = {
        "trees": trees,
        "n_features": len(spec.names),
        "applicant": applicant,
        "history_records": sum(len(v) for v in history.values()),
    }
    (cache / "setup.json").write_text(json.dumps(setup))
    return _register(work, cache, setup)


def _register(work: Path, cache: Path, setup: dict[str, Any]) -> dict[str, Any]:
    """Register the cached champion in a fresh MLflow store; add the feature rows."""
    from creditrisk_assets.modeling.registry import ModelRegistry
    from creditrisk_assets.modeling.scoring_model import artifact_checksum

    state = work / "state"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    uri = f"sqlite:///{state / 'mlflow.db'}"
    registry = ModelRegistry(tracking_uri=uri, artifact_root=str(state / "artifacts"))
    folder = cache / "model"
    with registry.candidate_run("bench-api") as run:
        info = registry.register(run, folder, artifact_checksum(folder), {"partition": SNAPSHOT})
    registry.set_alias("champion", info.version)
    rows = _json_rows(pd.read_parquet(cache / "features.parquet"))
    return {**setup, "state": state, "uri": uri, "feature_rows": rows}


def start_server(setup: dict[str, Any]) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "CREDITRISK_HOME": str(setup["state"]),
        "MLFLOW_TRACKING_URI": setup["uri"],
        "CREDITRISK_API_POLL_SECONDS": "300",
        "CREDITRISK_API_MAX_BODY_BYTES": str(128 * 1024 * 1024),  # 10k `rows` objects: ~70 MB
    }
    env.pop("CREDITRISK_API_KEY", None)
    cmd = [
        sys.executable, "-m", "uvicorn", "--factory",
        "creditrisk_assets.serving.app:create_app",
        "--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("uvicorn exited during start-up")
        time.sleep(0.25)
    proc.terminate()
    raise RuntimeError("server not ready within 120 s")


class _Pool:
    """Minimal HTTP/1.1 keep-alive client on asyncio streams, for 127.0.0.1 only.

    httpx costs ~1 ms of client CPU per request, which on a 2-core machine is taken from the
    server under test; this costs a few tens of microseconds. It speaks just enough HTTP for
    the API's responses (``Content-Length`` bodies).
    """

    def __init__(self, port: int, limit: int = 64) -> None:
        self.port, self.limit = port, limit
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(limit)  # beyond `limit` in flight, wait (and count it)
        self.stale_retries = 0

    async def post(self, path: str, body: bytes) -> int:
        async with self.slots:
            return await self._post(path, body)

    async def _post(self, path: str, body: bytes) -> int:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        reused = bool(self.idle)
        reader, writer = self.idle.pop() if reused else await self._connect()
        try:
            writer.write(head + body)
            await writer.drain()
            response_head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as err:
            if not reused or getattr(err, "partial", b""):
                raise
            # uvicorn closes keep-alive connections idle for 5 s; a request racing that close
            # never reached the app, so it goes again on a fresh connection (as httpx does).
            self.stale_retries += 1
            writer.close()
            reader, writer = await self._connect()
            writer.write(head + body)
            await writer.drain()
            response_head = await reader.readuntil(b"\r\n\r\n")
        status = int(response_head[9:12])
        match = re.search(rb"(?i)content-length: *(\d+)", response_head)
        await reader.readexactly(int(match.group(1)) if match else 0)
        self.idle.append((reader, writer))
        return status

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(HOST, self.port)

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


async def open_loop(url: str, path: str, body: bytes, rate: float, n: int) -> dict[str, Any]:
    """``n`` requests due at a fixed ``rate``; latency from due time to the full response."""
    host, port = url.removeprefix("http://").split(":")
    assert host == HOST, "the load generator only targets loopback"
    pool = _Pool(int(port))
    for _ in range(20):  # warm-up: connection, caches
        await pool.post(path, body)
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.05
    lat: list[float] = []
    errors = 0

    async def one(i: int) -> None:
        nonlocal errors
        due = t0 + i / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        try:
            ok = await asyncio.wait_for(pool.post(path, body), 30) == 200
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as err:
            print(f"request {i} failed: {err!r}")
            ok = False
        lat.append(loop.time() - due)
        errors += not ok

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    elapsed = time.perf_counter() - start
    pool.close()
    ms = np.array(lat) * 1000
    return {
        "requests": n,
        "errors": errors,
        "stale_keepalive_retries": pool.stale_retries,
        "achieved_rps": n / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p90_ms": float(np.percentile(ms, 90)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
    }


def big_batch(url: str, body: bytes, repeats: int) -> dict[str, Any]:
    """Wall time of one request carrying a large batch (sequential repeats after a warm-up)."""
    times = []
    with httpx.Client(base_url=url, timeout=120) as client:
        headers = {"content-type": "application/json"}
        first = client.post("/predict", content=body, headers=headers)
        first.raise_for_status()
        methods = sorted({p["reason_method"] for p in first.json()["predictions"]})
        for _ in range(repeats):
            t = time.perf_counter()
            resp = client.post("/predict", content=body, headers=headers)
            resp.raise_for_status()
            times.append(time.perf_counter() - t)
    ms = np.array(times) * 1000
    return {
        "median_ms": float(np.median(ms)),
        "max_ms": float(ms.max()),
        "MB": len(body) / 1e6,
        "reason_method": "/".join(methods),
    }


NOTES = """
The machine's speed drifts by 20-40 % between runs minutes apart (same code): compare figures
within one run. `benchmarks/RESULTS.md`'s summary table gives the range over the rounds' runs.

Changes measured in this round, for the 10,000-row `/predict` (server CPU per request from
/proc, 20 requests; per-chunk figures in process, best of 10):

- The API process keeps freed heap for reuse (`serving/memory.py`, glibc `mallopt`: mmap
  threshold 32 MB, trim threshold 256 MB, `CREDITRISK_API_KEEP_FREED_BYTES`). `perf` had ~9 %
  of the server's CPU in the kernel faulting in and zeroing pages that glibc mapped and
  unmapped on every request. A/B on the same build: median 245-248 ms -> 220-232 ms.
  Resident memory after the run: ~650 MB instead of ~500 MB.
- Fast reason codes and margins come from each row's leaves (`serving/tree_paths.py`): one
  `pred_leaf` pass, then the Saabas attributions as a sparse product of the leaves with each
  leaf's path contributions, and the margin as the leaf values added in tree order in float32,
  bit-identical to XGBoost's, so PDs do not depend on the reason method. It is checked against
  XGBoost when a model loads. A 1,250-row chunk: 25.9 -> 16.4 ms (XGBoost's `approx_contribs`
  zeroes and adds a 335-wide vector per row per tree, and the margin was a second pass).
- `null`s are overwritten in place at the positions of `n` already found, instead of
  `bytes.replace` (2.2 -> 1.4 ms per chunk); chunks are cut from a view of the body (plan
  7.5 -> 4.2 ms).
- Together: server CPU per request ~330 ms -> ~250 ms; median ~235 ms -> ~180 ms in the
  same A/B harness.

Where the time goes now:

- 10,000 rows (27 MB in, 8.4 MB out), from a timeline of one request inside the server: the
  body is read ~10 ms after its headers, the chunk plan takes ~5 ms, the request thread then
  parses the 8 chunks (~8 ms each alone, 12-16 ms each while the workers score, since both
  want the GIL and there are two cores) until ~135 ms; the last chunk is scored ~20 ms later,
  orjson takes ~6 ms and writing the answer ~5 ms. The client sees ~15-20 ms more than the
  server (sending the body, reading the answer). The parse on the request thread is now the
  critical path. `perf` of the server: simdjson 15 %, XGBoost leaf routing 15 %, DMatrix
  8 %, the sparse products 11 %, Python (response rows, glue) most of the rest.
  Tried and not kept: chunks of 625, 900 or 2,000 rows (no difference beyond noise), a 1 ms
  GIL switch interval (none either), raising uvicorn's 64 KB flow-control mark, simdjson on
  two threads (it holds the GIL: slower).
- `/score`: the prepared query is ~18 ms, of which the six families' own plans are ~9 ms and
  the joins that assemble the 336-column row ~7 ms (DuckDB allocates a 2,048-value vector per
  column per operator, ~4,400 per call for the joins); joining the history families to each
  other first and the application last saves ~1.6 ms but turns the batch joins into full outer
  joins, so it was left. The rest of a call: request parsing and checks ~1 ms, Arrow tables
  ~1 ms, model and TreeSHAP ~1 ms, HTTP and thread hand-offs ~6 ms.
- Reason codes for large batches: `"reasons": "auto"` (the default) is exact TreeSHAP up to
  1,000 rows (`CREDITRISK_API_EXACT_REASONS_MAX_ROWS`) and approximate (Saabas) above; every
  prediction says which in `reason_method`, and `"exact"` is always available.
"""


def _lat(r: dict[str, float]) -> str:
    return (
        f"p50 {r['p50_ms']:.2f} ms, p90 {r['p90_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, "
        f"max {r['max_ms']:.1f} ms"
    )


def _batch(r: dict[str, Any]) -> str:
    return (
        f"median {r['median_ms']:.0f} ms, max {r['max_ms']:.0f} ms (reasons: {r['reason_method']})"
    )


def write_section(text: str) -> None:
    """Replace (or append) this benchmark's section of RESULTS.md, leaving the others alone."""
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    section = text.rstrip() + "\n\n"
    updated = (
        pattern.sub(lambda _: section, current)
        if pattern.search(current)
        else (current.rstrip() + "\n\n" + section)
    )
    RESULTS.write_text(updated)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/creditrisk-bench-api"))
    ap.add_argument("--applicants", type=int, default=10000)
    ap.add_argument("--rate", type=float, default=200.0, help="/predict requests per second")
    ap.add_argument(
        "--score-rates",
        default="5,20",
        help="/score requests per second, one open-loop run per comma-separated rate",
    )
    ap.add_argument("--score-seconds", type=float, default=30.0, help="length of the /score run")
    ap.add_argument("--seconds", type=float, default=15.0, help="length of each open-loop run")
    ap.add_argument("--batch", type=int, default=10_000, help="rows of the large-batch request")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    setup = build_champion(args.work, args.applicants)
    load_before = os.getloadavg()
    proc, url = start_server(setup)
    try:
        rows = setup["feature_rows"]
        one_row = json.dumps({"rows": rows[:1]}).encode()
        n = int(args.rate * args.seconds)
        predict = asyncio.run(open_loop(url, "/predict", one_row, args.rate, n))
        print("predict 1 row:", predict)
        batch = [rows[i % len(rows)] for i in range(args.batch)]
        names = list(batch[0])
        data = [[r[c] for c in names] for r in batch]
        big_auto = big_batch(url, json.dumps({"columns": names, "data": data}).encode(), 9)
        print(f"{args.batch} rows, columns+data, default reasons:", big_auto)
        exact = json.dumps({"columns": names, "data": data, "reasons": "exact"})
        big_exact = big_batch(url, exact.encode(), repeats=5)
        print(f"{args.batch} rows, columns+data, exact reasons:", big_exact)
        big_rows = big_batch(url, json.dumps({"rows": batch}).encode(), repeats=3)
        print(f"{args.batch} rows, rows objects, default reasons:", big_rows)
        score_body = json.dumps({"applicants": [setup["applicant"]]}).encode()
        scores = {}
        for rate in (float(r) for r in args.score_rates.split(",")):
            n_score = int(rate * args.score_seconds)
            scores[rate] = asyncio.run(open_loop(url, "/score", score_body, rate, n_score))
            print(
                f"score 1 applicant ({setup['history_records']} records) at {rate}/s:", scores[rate]
            )
    finally:
        proc.terminate()
        proc.wait(10)
    load_after = os.getloadavg()
    p = predict
    table = [
        "| Scenario | Target | Measured |",
        "|---|---|---|",
        f"| `/predict` 1 row at {args.rate:.0f} req/s ({p['requests']} requests, "
        f"{p['errors']} errors) | p50 <= 3 ms, p99 <= 15 ms | {_lat(p)} |",
        f"| `/predict` {args.batch:,} rows, `columns`+`data`, default reasons "
        f"({big_auto['MB']:.0f} MB) | <= 300 ms | {_batch(big_auto)} |",
        f'| `/predict` {args.batch:,} rows, `columns`+`data`, `"reasons": "exact"` '
        f"({big_exact['MB']:.0f} MB) | - | {_batch(big_exact)} |",
        f"| `/predict` {args.batch:,} rows, `rows` objects, default reasons "
        f"({big_rows['MB']:.0f} MB) | - | {_batch(big_rows)} |",
    ]
    table += [
        f"| `/score` 1 applicant, {setup['history_records']} history records, at "
        f"{rate:.0f} req/s ({sc['requests']} requests, {sc['errors']} errors) "
        f"| p99 <= 50 ms | {_lat(sc)} |"
        for rate, sc in scores.items()
    ]
    text = (
        f"""{HEADING}

`benchmarks/bench_api.py`: real HTTP from a separate process to `uvicorn --factory
creditrisk_assets.serving.app:create_app` on 127.0.0.1 (one worker, uvloop + httptools).
Machine: {os.cpu_count()} cores, Python {platform.python_version()}; 1-minute load average
{load_before[0]:.1f} before / {load_after[0]:.1f} after the run (the benchmark's own server and
client included), 24 GB memory. Champion: {setup["trees"]} trees (default
`TrainParams`, early stopping) on {setup["n_features"]} features of a {args.applicants:,}-applicant
synthetic snapshot. Load generator: open loop (asyncio streams, HTTP/1.1 keep-alive), requests due
at a fixed rate, latency from due time to the full response (generator lateness counts against
the server). Every prediction carries PD, decision, grade and 4 reason codes.

"""
        + "\n".join(table)
        + "\n"
        + NOTES
    )
    print(text)
    if not args.no_write:
        write_section(text)
        print(f"wrote {HEADING} in {RESULTS}")


if __name__ == "__main__":
    main()
