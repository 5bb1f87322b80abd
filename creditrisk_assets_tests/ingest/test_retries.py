"""Transient fetch failures retry with exponential backoff; bad data fails at once."""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg
import pytest

from creditrisk_assets.ingest import raw_key, raw_path
from creditrisk_assets.ingest.assets import build_raw_asset, fetch_retry_policy, raw_assets
from creditrisk_assets.ingest.connectors import landing as landing_connector
from creditrisk_assets.partitions import register_snapshot

SNAPSHOT = "2026-11-01"
FAST = dg.RetryPolicy(max_retries=3, delay=0.2, backoff=dg.Backoff.EXPONENTIAL)


def _events(result: dg.ExecuteInProcessResult, kind: str) -> list[dg.DagsterEvent]:
    return [e for e in result.all_events if e.event_type_value == kind]


def test_a_connector_failing_twice_then_succeeding_gives_a_successful_run(
    resources, instance, lake, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []
    real_fetch = landing_connector.fetch_landing

    def flaky_fetch(landing_dir: Path, snapshot: str):
        calls.append(time.monotonic())
        if len(calls) <= 2:
            raise ConnectionResetError("connection reset by peer")
        return real_fetch(landing_dir, snapshot)

    monkeypatch.setattr(landing_connector, "fetch_landing", flaky_fetch)
    register_snapshot(instance, SNAPSHOT)
    result = dg.materialize(
        [build_raw_asset("application_train", FAST)],
        partition_key=SNAPSHOT,
        resources=resources,
        instance=instance,
    )
    assert result.success and len(calls) == 3
    assert len(_events(result, "STEP_UP_FOR_RETRY")) == 2
    assert lake.exists(raw_path("application_train"), SNAPSHOT)
    first_wait, second_wait = calls[1] - calls[0], calls[2] - calls[1]
    assert first_wait >= 0.2 and second_wait > first_wait  # exponential backoff


def test_bad_data_is_not_retried(resources, instance, landing, step_errors) -> None:
    (landing / SNAPSHOT / "application_train.csv").unlink()
    register_snapshot(instance, SNAPSHOT)
    result = dg.materialize(
        [build_raw_asset("application_train", FAST)],
        partition_key=SNAPSHOT,
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success and not _events(result, "STEP_UP_FOR_RETRY")
    errors = step_errors(result)  # the delivery contradicts its MD5SUMS: said, not retried
    assert "MD5SUMS lists" in errors and "missing" in errors


def test_the_default_policy_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {a.key: a.op.retry_policy for a in raw_assets}[raw_key("bureau")] == fetch_retry_policy()
    monkeypatch.setenv("CREDITRISK_FETCH_RETRIES", "5")
    monkeypatch.setenv("CREDITRISK_FETCH_RETRY_DELAY_SECONDS", "0.5")
    policy = fetch_retry_policy()
    assert (policy.max_retries, policy.delay, policy.backoff) == (5, 0.5, dg.Backoff.EXPONENTIAL)
    monkeypatch.setenv("CREDITRISK_FETCH_RETRIES", "-1")
    with pytest.raises(ValueError, match="CREDITRISK_FETCH_RETRIES"):
        fetch_retry_policy()
