"""Load generation of the scoring API benchmark (``bench_api.py``), for 127.0.0.1 only.

``open_loop``: request *i* is due at ``t0 + i / rate`` whatever happened to earlier ones, so a
slow server shows up as latency, not as a lower request rate; latency runs from the due time to
the last response byte (generator lateness counts: no coordinated omission). ``big_batch``:
wall time of single large requests, sent by httpx.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
import numpy as np

HOST = "127.0.0.1"  # the only address the load generator is allowed to target


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


async def _answered(pool: _Pool, path: str, body: bytes, what: str) -> bool:
    """One timed request of a load run: whether it got a 200 within 30 s; a failure is printed
    and counted, not raised, so one dropped connection does not end the run."""
    try:
        return await asyncio.wait_for(pool.post(path, body), 30) == 200
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as err:
        print(f"{what} failed: {err!r}")
        return False


async def open_loop(
    url: str, path: str, body: bytes | list[bytes], rate: float, n: int
) -> dict[str, Any]:
    """``n`` requests due at a fixed ``rate``; latency from due time to the full response.
    Several bodies are sent in turn (request ``i`` sends ``body[i % len(body)]``)."""
    bodies = body if isinstance(body, list) else [body]
    host, port = url.removeprefix("http://").split(":")
    assert host == HOST, "the load generator only targets loopback"
    pool = _Pool(int(port))
    for i in range(20):  # warm-up: connection, caches
        await pool.post(path, bodies[i % len(bodies)])
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.05
    lat: list[float] = []
    errors = 0

    async def one(i: int) -> None:
        nonlocal errors
        due = t0 + i / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        ok = await _answered(pool, path, bodies[i % len(bodies)], f"request {i}")
        lat.append(loop.time() - due)
        errors += not ok

    # Each request's task is created when it is due, not all up front: creating and scheduling
    # 30,000 tasks at once kept this generator's own event loop busy for the first ~0.2-1 s,
    # and the requests due then went out late (their lateness counts as latency: a p99 of
    # ~190 ms on a server whose p99 was ~5 ms for the rest of the run).
    start = time.perf_counter()
    tasks = []
    for i in range(n):
        wait = t0 + i / rate - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.ensure_future(one(i)))
    await asyncio.gather(*tasks)
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


async def closed_loop(
    url: str, path: str, body: bytes, connections: int, seconds: float
) -> dict[str, Any]:
    """``connections`` clients each sending the next request as soon as the last answered,
    for ``seconds``: the server's maximum throughput (requests/s), with latencies."""
    host, port = url.removeprefix("http://").split(":")
    assert host == HOST, "the load generator only targets loopback"
    pool = _Pool(int(port), limit=connections)
    for _ in range(20):
        await pool.post(path, body)
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    lat: list[float] = []
    errors = 0

    async def client() -> None:
        nonlocal errors
        while loop.time() < end:
            t = loop.time()
            ok = await _answered(pool, path, body, "request")
            lat.append(loop.time() - t)
            errors += not ok

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    pool.close()
    ms = np.array(lat) * 1000
    return {
        "requests": len(lat),
        "errors": errors,
        "achieved_rps": len(lat) / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
    }
