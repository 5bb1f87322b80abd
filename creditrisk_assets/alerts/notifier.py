"""``Notifier``: where the platform's alerts go.

An alert is always one structured log line (JSON, logger ``creditrisk.alerts``), so a log
pipeline can route it with no extra service; when ``CREDITRISK_ALERT_WEBHOOK`` is set it is also
posted there as Slack-compatible JSON (``{"text": ...}``; Teams and Mattermost incoming webhooks
accept the same body). A webhook that is down never hides the alert: the log line is written
first, and a failed post is itself logged.

The webhook URL is a secret (it authorises posting), so it is read from the environment when an
alert is sent rather than stored in the resource's configuration, where the UI would show it.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
from pydantic import Field

from creditrisk_assets import settings

LOGGER = logging.getLogger("creditrisk.alerts")

#: The situations that alert (README, "What runs by itself").
FEED_OVERDUE = "feed_overdue"
BLOCKING_CHECK_FAILED = "blocking_check_failed"
RUN_FAILED = "run_failed"
CANARY_HELD = "canary_held"


@dataclass(frozen=True)
class Alert:
    """One thing a person should look at: what happened, where, and the facts to start from."""

    kind: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The structured log record (one JSON object per line)."""
        return {
            "event": "creditrisk.alert",
            "kind": self.kind,
            "summary": self.summary,
            **self.details,
        }

    def text(self) -> str:
        """The chat message: kind and summary first, then the details as ``key: value``."""
        facts = "\n".join(f"• {k}: {v}" for k, v in self.details.items())
        return f"[creditrisk] {self.kind}: {self.summary}" + (f"\n{facts}" if facts else "")


class Notifier(dg.ConfigurableResource):
    """Sends alerts: a JSON log line always, a webhook post when a webhook is configured."""

    webhook_url: str | None = Field(
        default=None,
        description="Webhook to post to. None (the default) reads CREDITRISK_ALERT_WEBHOOK when "
        "an alert is sent, so the secret URL never appears in resource configuration.",
    )
    timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How long a webhook post may take before it counts as failed.",
    )

    def resolved_webhook(self) -> str | None:
        url = self.webhook_url or settings.alert_webhook_url()
        if url and not url.startswith(("http://", "https://")):
            raise ValueError("the alert webhook must be an http:// or https:// URL")
        return url

    def send(self, alert: Alert, log: Any = None) -> bool:
        """Log ``alert``; post it to the webhook if there is one. True if the webhook took it.

        ``log`` (a sensor's ``context.log``) also receives the line, so the tick in the UI shows it.
        """
        line = json.dumps({**alert.record(), "ts": round(time.time(), 3)}, default=str)
        LOGGER.warning(line)
        if log is not None:
            log.warning(line)
        url = self.resolved_webhook()
        if not url:
            return False
        body = json.dumps({"text": alert.text()}).encode()
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                return 200 <= response.status < 300
        except (urllib.error.URLError, OSError) as err:  # HTTPError is a URLError
            failure = {
                "event": "creditrisk.alert_webhook_failed",
                "kind": alert.kind,
                "error": str(err),
            }
            LOGGER.error(json.dumps(failure))
            if log is not None:
                log.error(json.dumps(failure))
            return False
