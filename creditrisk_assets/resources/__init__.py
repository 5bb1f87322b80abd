"""The four resources every part of the platform shares, and their default wiring.

The pipeline (``definitions.py``) and the scoring API build from these same classes, so they
cannot disagree about where data and models live (DESIGN: Resources).
"""

from __future__ import annotations

from creditrisk_assets import settings
from creditrisk_assets.resources.lake import Lake
from creditrisk_assets.resources.registry import ModelRegistry
from creditrisk_assets.resources.source import SnapshotSource
from creditrisk_assets.resources.warehouse import Warehouse

__all__ = ["Lake", "ModelRegistry", "SnapshotSource", "Warehouse", "default_resources"]


def default_resources() -> dict[str, object]:
    """Resources for a local run, configured from the environment (see ``settings``)."""
    return {
        "source": snapshot_source_from_env(),
        "lake": Lake(base_uri=settings.lake_uri(), s3_endpoint_url=settings.s3_endpoint_url()),
        "warehouse": Warehouse(catalog_path=str(settings.state_dir() / "catalog.duckdb")),
        "registry": ModelRegistry(tracking_uri=settings.mlflow_tracking_uri()),
    }


def snapshot_source_from_env() -> SnapshotSource:
    """The snapshot source chosen by ``CREDITRISK_SOURCE`` (default: synthetic).

    Synthetic size, seed and drift come from ``CREDITRISK_SYNTHETIC_*``; Kaggle credentials are
    read from the environment at run time (``EnvVar``), never stored in config.
    """
    kwargs = settings.source_options()
    credentials = settings.kaggle_credentials()
    if credentials is not None:
        kwargs["kaggle_username"], kwargs["kaggle_key"] = credentials
    return SnapshotSource(**kwargs)
