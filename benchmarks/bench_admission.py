"""Peak memory of the scoring API under concurrent maximum-size requests (issue 22, ask 4).

    .venv/bin/python benchmarks/bench_admission.py             # figures + RESULTS.md section
    .venv/bin/python benchmarks/bench_admission.py --no-write  # only print

The README promised that admitting large requests a few at a time bounds the process's peak
memory whatever the number of clients; until this script the figure was an estimate. It starts
the real API (``uvicorn --factory creditrisk_assets.serving.app:create_app`` on 127.0.0.1, as
``make serve`` runs it) with **every limit at its default** (the ``CREDITRISK_API_*`` limit
variables unset), and sends N concurrent ``/predict`` bodies at once, for N below, at and well
over the admission limit. Two bodies: the largest one the byte cap lets through (feature rows as
JSON objects, just under ``max_body_bytes``) and the most rows allowed (``max_rows`` rows as
``columns`` + ``data``). The server's resident memory is read from ``/proc/<pid>/status``: the
kernel's high-water mark ``VmHWM`` (reset before each burst by writing 5 to
``/proc/<pid>/clear_refs``) or a 10 ms sampler of ``VmRSS``, whichever is larger.

Baseline in the same run: the same server with the admission limit lifted
(``CREDITRISK_API_MAX_LARGE_REQUESTS`` = the number of clients), i.e. the API as it was before
admission existed, with the same burst; the script prints the ratio of the two peaks.

Setup (``api_setup.py``, not measured): a synthetic snapshot, a champion trained with default
``TrainParams`` and registered in a throw-away MLflow store under ``--work``.
"""

from __future__ import annotations

import json
import os
import platform
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from api_setup import build_champion, start_server, status_kib
from results_md import bench_parser, publish

from creditrisk_assets.serving.settings import ENV_VARS, ServingSettings

HEADING = "## API admission limit: peak memory (issue 22)"
MIB = 1024 * 1024
JSON = {"content-type": "application/json"}
#: Every serving limit at its default: these variables are unset in the server's environment.
LIMIT_VARS = [v for v, field in ENV_VARS.items() if field.startswith(("max_", "large_"))]


class Rss:
    """Resident memory of one process, from ``/proc`` (Linux)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.sampled = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def read(self, field: str = "VmRSS") -> int:
        """``field`` of /proc/<pid>/status in bytes."""
        return status_kib(self.pid, field) * 1024

    def __enter__(self) -> Rss:
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
        self.sampled = self.read()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.sampled = max(self.sampled, self.read())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()

    def peak(self) -> int:
        return max(self.read("VmHWM"), self.sampled)


def burst(url: str, body: bytes, clients: int) -> dict[str, Any]:
    """``clients`` concurrent POSTs of ``body``, released together; statuses and wall time."""
    start = threading.Barrier(clients)

    def one(_: int) -> tuple[int, float]:
        with httpx.Client(base_url=url, timeout=300) as client:
            start.wait()
            t = time.perf_counter()
            resp = client.post("/predict", content=body, headers=JSON)
            return resp.status_code, time.perf_counter() - t

    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(clients)))
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "statuses": statuses,
        "wall_s": time.perf_counter() - t,
        "slowest_s": max(s for _, s in results),
    }


def bodies(rows: list[dict[str, Any]], limits: ServingSettings) -> dict[str, bytes]:
    """The largest body the byte cap admits, and the most rows the row cap admits."""
    n = limits.max_rows
    while True:  # feature rows as objects: ~7 KB each, so the byte cap binds first
        objects = json.dumps({"rows": [rows[i % len(rows)] for i in range(n)]}).encode()
        if len(objects) <= limits.max_body_bytes:
            break
        n = int(n * limits.max_body_bytes / len(objects) * 0.999)
    names = list(rows[0])
    data = [[rows[i % len(rows)][c] for c in names] for i in range(limits.max_rows)]
    return {
        f"{n:,} rows as objects": objects,
        f"{limits.max_rows:,} rows as columns+data": json.dumps(
            {"columns": names, "data": data}
        ).encode(),
    }


def measure(setup: dict[str, Any], cases: dict[str, bytes], clients: list[int], **env) -> dict:
    """One server: idle RSS, then each body at each client count (peak and RSS after)."""
    proc, url = start_server(setup, {**dict.fromkeys(LIMIT_VARS), **env})
    rss = Rss(proc.pid)
    try:
        out: dict[str, Any] = {"ready": rss.read(), "runs": []}
        for body in cases.values():  # warm-up: first-request allocations, lazy imports
            resp = httpx.post(f"{url}/predict", content=body, headers=JSON, timeout=300)
            assert resp.status_code == 200, resp.text[:500]
        out["warm"] = rss.read()
        for label, body in cases.items():
            for n in clients:
                time.sleep(1.0)
                before = rss.read()
                with rss:
                    result = burst(url, body, n)
                run = {"body": label, "MB": len(body) / 1e6, "clients": n, "before": before}
                run |= {"peak": rss.peak(), "after": rss.read(), **result}
                print(
                    f"  {label} ({run['MB']:.1f} MB) x {n}: peak {run['peak'] / MIB:.0f} MiB "
                    f"(+{(run['peak'] - before) / MIB:.0f} over {before / MIB:.0f} MiB before), "
                    f"statuses {result['statuses']}, {result['wall_s']:.1f} s"
                )
                out["runs"].append(run)
        return out
    finally:
        proc.terminate()
        proc.wait(30)


def _row(run: dict[str, Any], admitted: str) -> str:
    statuses = ", ".join(f"{n} x {s}" for s, n in sorted(run["statuses"].items()))
    return (
        f"| {run['body']} ({run['MB']:.1f} MB) | {run['clients']} | {admitted} | "
        f"{run['before'] / MIB:,.0f} | {run['peak'] / MIB:,.0f} | "
        f"{(run['peak'] - run['before']) / MIB:,.0f} | {run['after'] / MIB:,.0f} | "
        f"{statuses} | {run['wall_s']:.1f} |"
    )


def main() -> None:
    ap = bench_parser("admission", 5000, description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", default="1,2,8,24", help="concurrent clients per burst")
    ap.add_argument(
        "--baseline-clients", type=int, default=12, help="burst of the no-admission baseline"
    )
    args = ap.parse_args()
    limits = ServingSettings()
    args.work.mkdir(parents=True, exist_ok=True)
    setup = build_champion(args.work, args.applicants)
    cases = bodies(setup["feature_rows"], limits)
    clients = [int(c) for c in args.clients.split(",")]
    load = [os.getloadavg()[0]]
    print(f"default limits, admission {limits.max_large_requests} at a time:")
    admitted = measure(setup, cases, sorted({*clients, args.baseline_clients}))
    load.append(os.getloadavg()[0])
    biggest = dict(list(cases.items())[:1])
    print(f"baseline, admission lifted to {args.baseline_clients}:")
    lifted = str(args.baseline_clients)
    baseline = measure(
        setup, biggest, [args.baseline_clients], CREDITRISK_API_MAX_LARGE_REQUESTS=lifted
    )
    load.append(os.getloadavg()[0])

    [base] = baseline["runs"]
    [peer] = [
        r
        for r in admitted["runs"]
        if r["body"] == base["body"] and r["clients"] == args.baseline_clients
    ]
    over = {k: r["peak"] - d["ready"] for k, r, d in (("a", peer, admitted), ("b", base, baseline))}
    ratio = over["b"] / over["a"]
    worst = max(r["peak"] - admitted["ready"] for r in admitted["runs"])
    print(f"peak over idle at {args.baseline_clients} clients: admitted "
          f"{over['a'] / MIB:.0f} MiB, lifted {over['b'] / MIB:.0f} MiB: {ratio:.1f}x")  # fmt: skip
    print(f"worst peak over idle with admission: {worst / MIB:.0f} MiB")

    table = [
        "| Body | Clients at once | Admitted at once | RSS before (MiB) | Peak RSS (MiB) | "
        "Peak over before (MiB) | RSS after (MiB) | Statuses | Burst wall (s) |",
        "|---|---|---|---|---|---|---|---|---|",
        *(_row(r, str(limits.max_large_requests)) for r in admitted["runs"]),
        _row(base, f"{lifted} (baseline: limit lifted)"),
    ]
    peak = max(r["peak"] for r in admitted["runs"])
    paragraphs = [
        "`benchmarks/bench_admission.py`: the real API (`uvicorn --factory "
        "creditrisk_assets.serving.app:create_app`, one worker, 127.0.0.1) with every limit at "
        f"its default: bodies over {limits.large_body_bytes // MIB} MiB are admitted "
        f"{limits.max_large_requests} at a time (waiting at most "
        f"{limits.large_request_wait_seconds:.0f} s, then 503), the byte cap is "
        f"{limits.max_body_bytes // MIB} MiB, the row cap {limits.max_rows:,}. N clients post "
        "the same `/predict` body at once (released by a barrier): the largest body the byte "
        "cap lets through (feature rows as JSON objects) and the most rows the row cap lets "
        "through (`columns` + `data`). The server's peak resident memory is the larger of the "
        "kernel's `VmHWM` (reset before each burst through `/proc/<pid>/clear_refs`) and a "
        "10 ms `VmRSS` sampler.",
        f"Server RSS: {admitted['ready'] / MIB:,.0f} MiB after start-up, "
        f"{admitted['warm'] / MIB:,.0f} MiB after one warm-up request of each body (first-use "
        "allocations, and up to 256 MiB of freed heap the process keeps for reuse, "
        "`CREDITRISK_API_KEEP_FREED_BYTES`). Champion: "
        f"{setup['trees']} trees on {setup['n_features']} features of a "
        f"{args.applicants:,}-applicant synthetic snapshot. Machine: {os.cpu_count()} cores, "
        f"24 GB, Python {platform.python_version()}; 1-minute load average {load[0]:.1f} "
        f"before, {load[1]:.1f} after the admitted bursts, {load[2]:.1f} after the baseline "
        "(this benchmark's server and clients included, beside other work on the machine: "
        "the load moves wall times and how many requests outwait the 30 s admission window, "
        "not what one admitted request holds).",
    ]
    summary = (
        f"With the default limits the highest peak, over every client count here, was "
        f"{peak / MIB:,.0f} MiB: {(peak - admitted['ready']) / MIB:,.0f} MiB above the RSS after "
        "start-up, "
        f"{(peak - admitted['warm']) / MIB:,.0f} MiB above the RSS after the first large "
        f"requests. At {args.baseline_clients} concurrent maximum-size bodies the limit keeps "
        f"the peak {over['a'] / MIB:,.0f} MiB above start-up against {over['b'] / MIB:,.0f} MiB "
        f"with the limit lifted: {ratio:.1f}x less."
    )
    text = "\n\n".join(
        [
            HEADING,
            *(textwrap.fill(p, 96, break_on_hyphens=False) for p in paragraphs),
            "\n".join(table),
            textwrap.fill(summary, 96, break_on_hyphens=False),
        ]
    )
    publish(text, HEADING, write=not args.no_write)


if __name__ == "__main__":
    main()
