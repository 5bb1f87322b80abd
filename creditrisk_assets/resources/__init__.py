"""The two resources every domain shares: the ``Lake`` (Parquet partitions) and the
``Warehouse`` (DuckDB sessions).

Domain-owned resources live with their domain (``ingest.source.SnapshotSource``,
``modeling.registry.ModelRegistry``); ``wiring.default_resources()`` wires them all.
"""

from __future__ import annotations

from creditrisk_assets.resources.lake import Lake
from creditrisk_assets.resources.warehouse import Warehouse

__all__ = ["Lake", "Warehouse"]
