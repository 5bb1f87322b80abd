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

import os

import dagster as dg

from creditrisk_assets import config
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.resources import Lake, Warehouse

__all__ = ["default_resources", "snapshot_source_from_env"]


def default_resources() -> dict[str, object]:
    """Resources for a local run, configured from the environment (see ``config``)."""
    return {
        "source": snapshot_source_from_env(),
        "lake": Lake(
            base_uri=config.lake_uri(), s3_endpoint_url=os.environ.get("CREDITRISK_S3_ENDPOINT_URL")
        ),
        "warehouse": Warehouse(catalog_path=str(config.state_dir() / "catalog.duckdb")),
        "registry": ModelRegistry(tracking_uri=config.mlflow_tracking_uri()),
    }


def snapshot_source_from_env() -> SnapshotSource:
    """The snapshot source chosen by ``CREDITRISK_SOURCE`` (default: synthetic).

    Synthetic size, seed and drift come from ``CREDITRISK_SYNTHETIC_*``; Kaggle credentials are
    read from the environment at run time (``EnvVar``), never stored in config.
    """
    env = os.environ
    kwargs: dict[str, object] = {"kind": env.get("CREDITRISK_SOURCE", "synthetic")}
    for field, var, cast in (
        ("applicants", "CREDITRISK_SYNTHETIC_APPLICANTS", int),
        ("seed", "CREDITRISK_SYNTHETIC_SEED", int),
        ("drift", "CREDITRISK_SYNTHETIC_DRIFT", float),
        ("landing_dir", "CREDITRISK_LANDING_DIR", str),
        ("s3_uri", "CREDITRISK_SOURCE_S3_URI", str),
        ("s3_endpoint_url", "CREDITRISK_S3_ENDPOINT_URL", str),
    ):
        if env.get(var):
            kwargs[field] = cast(env[var])
    if env.get("KAGGLE_USERNAME") and env.get("KAGGLE_KEY"):
        kwargs["kaggle_username"] = dg.EnvVar("KAGGLE_USERNAME")
        kwargs["kaggle_key"] = dg.EnvVar("KAGGLE_KEY")
    return SnapshotSource(**kwargs)
