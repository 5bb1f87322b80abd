"""Promoting a new champion under load: swapped in the background, zero failed requests."""

from __future__ import annotations

import threading
import time

import httpx
import numpy as np
import pandas as pd

from creditrisk_assets.resources import Warehouse


def test_promotion_during_load_swaps_atomically_with_no_failed_request(
    make_server, registrar, feature_rows
):
    registry = registrar.registry_for("hot_swap_test")
    v1 = registrar.register(rounds=10, seed=1, registry=registry)
    resources = {"registry": registry, "warehouse": Warehouse(catalog_path=None)}
    rows = feature_rows[:2]
    results: list[list[tuple[int, str | None, float]]] = [[] for _ in range(3)]
    failures: list[str] = []
    stop = threading.Event()

    def load(out: list[tuple[int, str | None, float]], url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                try:
                    resp = client.post("/predict", json={"rows": rows})
                except httpx.HTTPError as err:
                    failures.append(repr(err))
                    continue
                if resp.status_code != 200:
                    failures.append(f"{resp.status_code} {resp.text[:200]}")
                    continue
                body = resp.json()
                versions = {p["model_version"] for p in body["predictions"]}
                if versions != {body["model_version"]}:
                    failures.append(f"mixed versions in one response: {versions}")
                out.append((200, body["model_version"], body["predictions"][0]["pd"]))

    with make_server(resources, poll_seconds=0.2) as server:
        threads = [threading.Thread(target=load, args=(r, server.url)) for r in results]
        for t in threads:
            t.start()
        time.sleep(0.5)
        v2 = registrar.register(rounds=25, seed=2, registry=registry)  # promote during load
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if any(r and r[-1][1] == v2 for r in results):
                break
            time.sleep(0.05)
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(30)
        metrics = httpx.get(f"{server.url}/metrics").text
        meta = httpx.get(f"{server.url}/metadata").json()

    assert failures == []
    assert meta["model_version"] == v2
    seen = [v for r in results for _, v, _ in r]
    assert {v1, v2} <= set(seen)
    for r in results:  # once a client saw the new champion it never saw the old one again
        versions = [v for _, v, _ in r]
        if v2 in versions:
            assert v1 not in versions[versions.index(v2) :]
    assert "creditrisk_model_swaps_total 1" in metrics
    frame = pd.DataFrame(rows[:1]).astype("float64")
    by_version = {v: registry.load(v).predict_pd(frame)[0] for v in (v1, v2)}
    assert not np.isclose(by_version[v1], by_version[v2])
    for _, version, pd_value in (x for r in results for x in r):
        assert np.isclose(pd_value, by_version[version], rtol=1e-6)
