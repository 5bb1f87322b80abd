"""The four resources every part of the platform shares, and their default wiring.

The pipeline (``definitions.py``) and the scoring API build from these same classes, so they
cannot disagree about where data and models live (DESIGN: Resources).
"""

from __future__ import annotations

from creditrisk_assets import config
from creditrisk_assets.resources.lake import Lake
from creditrisk_assets.resources.registry import ModelRegistry
from creditrisk_assets.resources.source import SnapshotSource
from creditrisk_assets.resources.warehouse import Warehouse

__all__ = ["Lake", "ModelRegistry", "SnapshotSource", "Warehouse", "default_resources"]


def default_resources() -> dict[str, object]:
    """Resources for a local run, configured from the environment (see ``config``)."""
    return {
        "source": SnapshotSource(),
        "lake": Lake(base_uri=config.lake_uri()),
        "warehouse": Warehouse(catalog_path=str(config.state_dir() / "catalog.duckdb")),
        "registry": ModelRegistry(tracking_uri=config.mlflow_tracking_uri()),
    }
