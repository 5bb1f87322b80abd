"""Monitoring domain: the drift report of each snapshot against the champion's reference."""

from __future__ import annotations

import dagster as dg

from creditrisk_assets.monitoring.assets import drift_report, drift_within_thresholds

defs = dg.Definitions(assets=[drift_report], asset_checks=[drift_within_thresholds])
