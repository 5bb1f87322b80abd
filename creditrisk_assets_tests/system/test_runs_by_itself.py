"""The platform runs itself (top of the test layers): real ``dagster-daemon`` and uvicorn
processes, a landing folder, and nothing typed between dropping a snapshot and its outcome.

Snapshot A lands: ingest -> features -> drift report (no reference) -> the retrain policy's
``no_champion`` rule trains v1 -> canary -> promotion -> A re-scored by v1 -> the API serves v1.
The raw feed then goes overdue (a 72-second SLA) and alerts. Snapshot B lands with strong drift:
the policy's ``drift`` rule trains a candidate, which the canary decides by its default tolerances
(or a blocking model check stops before the canary: with ~4,000 training rows the train-test
AUC gap can cross its limit),
and B's batch scores and the API end on whichever model the registry names champion. An API
poller runs throughout and must see zero failures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from creditrisk_assets.features.spec import FeatureSpec
from creditrisk_assets.modeling.registry import ModelRegistry

A, B = "2026-11-01", "2026-12-01"
APPLICANTS = 5000  # small, yet the blocking train-test AUC-gap check has margin
REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _generate(snapshot: str, out: Path, drift: float, seed: int) -> None:
    cmd = [sys.executable, "-m", "creditrisk_assets.synthetic", "--snapshot", snapshot]
    cmd += ["--applicants", str(APPLICANTS), "--drift", str(drift), "--seed", str(seed)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([*cmd, "--out", str(out)], cwd=REPO, env=env, check=True, capture_output=True)


def _versions(lake: Path, snapshot: str) -> set[str]:
    path = lake / "scoring" / "batch_scores" / f"snapshot_date={snapshot}" / "data.parquet"
    if not path.is_file():
        return set()
    return set(pd.read_parquet(path, columns=["model_version"])["model_version"].astype(str))


def _latest_meta(instance: dg.DagsterInstance, key: list[str], snapshot: str) -> dict:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(key), asset_partitions=[snapshot]), limit=1
    ).records
    mat = records[0].asset_materialization if records else None
    return {k: getattr(v, "value", v) for k, v in mat.metadata.items()} if mat else {}


def _feature_rows(lake: Path) -> list[dict] | None:
    """Two feature rows of A's feature store (JSON-ready), once it exists."""
    folder = lake / "features" / "feature_store" / f"snapshot_date={A}"
    if not (folder / "feature_spec.json").is_file():
        return None
    spec = FeatureSpec.from_dict(json.loads((folder / "feature_spec.json").read_text()))
    frame = pd.read_parquet(folder / "data.parquet", columns=spec.names).head(2)
    return json.loads(frame.astype("float64").to_json(orient="records"))


def test_snapshots_flow_to_a_champion_and_scores_with_no_command_typed(
    tmp_path, state_home, dagster_home, start, wait_for, api_poller, free_port, webhook, monkeypatch
) -> None:
    landing, staging, lake = tmp_path / "landing", tmp_path / "staging", state_home / "lake"
    landing.mkdir()
    for snapshot, drift, seed in ((A, 0.0, 7), (B, 1.0, 8)):
        _generate(snapshot, staging / snapshot, drift, seed)
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CREDITRISK_SOURCE": "landing",
        "CREDITRISK_LANDING_DIR": str(landing),
        "CREDITRISK_SENSOR_INTERVAL_SECONDS": "5",
        "FRESHNESS_DAEMON_INTERVAL_SECONDS": "5",  # Dagster's freshness daemon
        "CREDITRISK_RAW_SLA_HOURS": "0.02",  # 72 s (Dagster allows >= 1 min): overdue before B
        "CREDITRISK_ALERT_WEBHOOK": webhook.url,
        "CREDITRISK_API_POLL_SECONDS": "1",
    }
    launch = ["python", "-m", "creditrisk_assets.serving.launch"]  # as make serve starts it
    start("api", [*launch, "--host", "127.0.0.1", "--port", str(free_port)], env)
    start("daemon", ["dagster-daemon", "run", "-m", "creditrisk_assets.definitions"], env)
    wait_for("the API to answer /health", lambda: _healthy(free_port), 120)
    rows: list[dict] = []

    def feature_rows() -> list[dict]:
        if not rows:
            rows.extend(_feature_rows(lake) or [])
        return rows

    poller = api_poller(f"http://127.0.0.1:{free_port}", feature_rows)
    registry = ModelRegistry(tracking_uri=os.environ["MLFLOW_TRACKING_URI"])
    started = time.monotonic()

    # --- snapshot A: the first champion, with no command typed
    os.replace(staging / A, landing / A)
    wait_for(
        "v1 champion, A scored by v1, the API serving v1",
        lambda: (
            registry.get_alias_version("champion") == "1"
            and _versions(lake, A) == {"1"}
            and poller.versions[-1:] == ["1"]
        ),
        420,
    )
    a_seconds = time.monotonic() - started

    # --- the feed goes quiet past its SLA: the freshness daemon and the alert sensor notice
    wait_for("an overdue-feed alert", lambda: _alerts(webhook, "feed_overdue"), 180)

    # --- snapshot B, drifted: retrain, canary, and scores from whoever is champion
    os.replace(staging / B, landing / B)
    with dg.DagsterInstance.get() as instance:
        drift = wait_for(
            "B's drift report",
            lambda: _latest_meta(instance, ["monitoring", "drift_report"], B),
            300,
        )
        assert drift["drift_detected"] is True, drift
        # The candidate either reaches the canary (promoted, or held by its tolerances) or is
        # stopped by a blocking model check in its training run: all three keep a champion the
        # registry names, and B is scored by it.
        decided = wait_for(
            "B's candidate to be trained and decided (canary, or a blocking check)",
            lambda: _finished(instance, "promote_job", B) or _blocked(instance, B),
            420,
        )
        candidate = max(int(v.version) for v in registry.list_versions() if v.partition == B)
        champion = registry.get_alias_version("champion")
        outcome = (
            "blocked"
            if decided.job_name == "train_job"
            else "promoted"
            if decided.status == dg.DagsterRunStatus.SUCCESS
            else "held"
        )
        assert champion == (str(candidate) if outcome == "promoted" else "1"), outcome
        wait_for(
            f"B scored by the champion v{champion}, the API serving it",
            lambda: _versions(lake, B) == {champion} and poller.versions[-1:] == [champion],
            240,
        )
        runs = instance.get_runs()

    # every run says why it ran; only the run that decided against B's candidate may fail
    assert all(r.tags.get("creditrisk/trigger") for r in runs), [r.job_name for r in runs]
    train = [r for r in runs if r.job_name == "train_job"]
    assert sorted(r.tags["creditrisk/trigger"] for r in train) == ["drift", "no_champion"]
    failed = [r for r in runs if r.status == dg.DagsterRunStatus.FAILURE]
    assert failed == ([] if outcome == "promoted" else [decided]), [
        (r.job_name, r.run_id) for r in failed
    ]
    expected_alert = {"held": "canary_held", "blocked": "blocking_check_failed"}.get(outcome)
    if expected_alert:  # the run-failure sensor alerts on its next tick
        wait_for(f"the {expected_alert} alert", lambda: _alerts(webhook, expected_alert), 60)
    for kind in ("canary_held", "blocking_check_failed"):
        assert bool(_alerts(webhook, kind)) is (kind == expected_alert), kind
    assert not _alerts(webhook, "run_failed")
    assert poller.failures == [] and poller.requests > 100, poller.failures[:5]
    print(
        f"\nA: champion v1 after {a_seconds:.0f}s; B: candidate v{candidate} "
        f"{outcome}; total "
        f"{time.monotonic() - started:.0f}s; {poller.requests} API requests, 0 failed"
    )


def _healthy(port: int) -> bool:
    import httpx

    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _alerts(webhook, kind: str) -> list[str]:
    return [t for t in webhook.texts() if t.startswith(f"[creditrisk] {kind}:")]


def _blocked(instance: dg.DagsterInstance, snapshot: str) -> dg.DagsterRun | None:
    """The snapshot's training run, if a blocking check failed it (no canary then)."""
    runs = instance.get_runs(
        filters=dg.RunsFilter(
            job_name="train_job",
            tags={"dagster/partition": snapshot},
            statuses=[dg.DagsterRunStatus.FAILURE],
        )
    )
    return runs[0] if runs else None


def _finished(instance: dg.DagsterInstance, job: str, snapshot: str) -> dg.DagsterRun | None:
    runs = instance.get_runs(
        filters=dg.RunsFilter(job_name=job, tags={"dagster/partition": snapshot})
    )
    return next((r for r in runs if r.is_finished), None)
