"""Ingestion domain: raw snapshot tables as partitioned assets, their contracts, the landing sensor.

Other domains read raw tables from the lake: ``lake.local_path(raw_path(table), partition)``
with ``deps=[raw_key(table)]`` (both from ``creditrisk_assets.keys``). The ``SnapshotSource``
resource, where a snapshot's files come from, is this domain's (``ingest.source``).
"""

from __future__ import annotations

import dagster as dg

from creditrisk_assets.ingest.assets import raw_assets
from creditrisk_assets.ingest.checks import raw_checks
from creditrisk_assets.ingest.sensors import ingest_job, landing_sensor
from creditrisk_assets.keys import raw_key, raw_path

__all__ = ["defs", "ingest_job", "landing_sensor", "raw_key", "raw_path"]

defs = dg.Definitions(
    assets=raw_assets,
    asset_checks=raw_checks(),
    jobs=[ingest_job],
    sensors=[landing_sensor],
)
