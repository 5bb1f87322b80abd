"""Alerts domain: the ``notifier`` resource and the sensors that send through it.

Other domains send an alert with ``Notifier.send(Alert(kind, summary, details))``; the kinds are
constants in ``alerts.notifier``.
"""

import dagster as dg

from creditrisk_assets.alerts.notifier import Alert, Notifier
from creditrisk_assets.alerts.sensors import freshness_alert_sensor, run_failure_alert_sensor

__all__ = ["Alert", "Notifier", "defs"]

defs = dg.Definitions(
    sensors=[run_failure_alert_sensor, freshness_alert_sensor],
    resources={"notifier": Notifier()},
)
