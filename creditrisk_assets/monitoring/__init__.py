"""Monitoring domain: each snapshot against the champion's reference (drift report), earlier
decisions against matured outcomes (backtest), and the scored population against the champion's
training reference (production drift)."""

from __future__ import annotations

import dagster as dg

from creditrisk_assets.monitoring.assets import drift_report, drift_within_thresholds
from creditrisk_assets.monitoring.backtest_asset import backtest, backtest_within_tolerance
from creditrisk_assets.monitoring.production_drift_asset import (
    production_drift,
    production_drift_band,
)

defs = dg.Definitions(
    assets=[drift_report, backtest, production_drift],
    asset_checks=[drift_within_thresholds, backtest_within_tolerance, production_drift_band],
)
