"""The default wiring: every resource the pipeline, the CLI and the API run with, configured
from the environment.

It imports the domains' own resources (the snapshot source from ingestion, the model registry
from modeling) beside the shared ``Lake`` and ``Warehouse``; those domains import the
``resources`` package, so the wiring sits above all of them rather than inside ``resources``
(where it would make an import cycle). The pipeline (``definitions.py``), the CLI and the
scoring API all start from ``default_resources()``, so they cannot disagree about where data
and models live (DESIGN: Resources).
"""

from __future__ import annotations

from creditrisk_assets import settings
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.resources import Lake, Warehouse

__all__ = ["default_resources", "snapshot_source_from_env"]


def default_resources() -> dict[str, object]:
    """Resources for a local run, configured from the environment (see ``settings``)."""
    return {
        "source": snapshot_source_from_env(),
        "lake": Lake(
            base_uri=settings.lake_uri(),
            s3_endpoint_url=settings.s3_endpoint_url(),
            cache_dir=settings.lake_cache_dir(),
        ),
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
