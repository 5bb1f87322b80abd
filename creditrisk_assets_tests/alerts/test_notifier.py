"""The notifier against a real HTTP receiver on 127.0.0.1: a log line always, a Slack-style post
when a webhook is configured, and a webhook that fails never loses the alert."""

from __future__ import annotations

import json
import logging

import pytest

from creditrisk_assets.alerts.notifier import Alert, Notifier

ALERT = Alert("run_failed", "run of train_job on 2026-12-01 failed: boom", {"run_id": "abc123"})


def _alert_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "creditrisk.alerts"]


def test_alert_is_logged_and_posted_as_slack_json(caplog, webhook, monkeypatch) -> None:
    monkeypatch.setenv("CREDITRISK_ALERT_WEBHOOK", webhook.url)
    with caplog.at_level(logging.WARNING, logger="creditrisk.alerts"):
        assert Notifier().send(ALERT) is True
    [line] = _alert_lines(caplog)
    assert line["event"] == "creditrisk.alert" and line["kind"] == "run_failed"
    assert line["run_id"] == "abc123" and isinstance(line["ts"], float)
    [body] = webhook.bodies
    assert set(body) == {"text"}
    assert body["text"].startswith("[creditrisk] run_failed: run of train_job on 2026-12-01")
    assert "run_id: abc123" in body["text"]


def test_without_a_webhook_the_alert_is_only_logged(caplog, monkeypatch) -> None:
    monkeypatch.delenv("CREDITRISK_ALERT_WEBHOOK", raising=False)
    with caplog.at_level(logging.WARNING, logger="creditrisk.alerts"):
        assert Notifier().send(ALERT) is False
    assert [line["summary"] for line in _alert_lines(caplog)] == [ALERT.summary]


def test_a_failing_webhook_is_logged_and_does_not_raise(caplog, webhook) -> None:
    webhook.status = 500
    with caplog.at_level(logging.WARNING, logger="creditrisk.alerts"):
        assert Notifier(webhook_url=webhook.url).send(ALERT) is False
    lines = _alert_lines(caplog)
    assert [line["event"] for line in lines] == [
        "creditrisk.alert",
        "creditrisk.alert_webhook_failed",
    ]
    assert "500" in lines[1]["error"] and webhook.url not in lines[1]["error"]
    webhook.close()  # nothing listening any more: connection refused, same outcome
    assert Notifier(webhook_url=webhook.url, timeout_seconds=2).send(ALERT) is False


def test_only_http_webhooks_are_accepted() -> None:
    with pytest.raises(ValueError, match="http"):
        Notifier(webhook_url="file:///etc/passwd").send(ALERT)
