"""Where the platform keeps its state, read from the environment.

Everything a local run writes (Dagster instance, lake, MLflow store, landing folder, reports)
lives under one state folder, ``$CREDITRISK_HOME`` or ``<repo>/.creditrisk``, so a person can
find it, back it up or delete it in one place. Production swaps these for URIs through the same
environment variables; the code does not change (DESIGN invariant 5).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def state_dir() -> Path:
    """The local state folder (created on first use)."""
    path = Path(os.environ.get("CREDITRISK_HOME", PROJECT_ROOT / ".creditrisk")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def sql_dir() -> Path:
    """The folder of feature SQL files (``sql/`` at the repo root unless overridden)."""
    return Path(os.environ.get("CREDITRISK_SQL_DIR", PROJECT_ROOT / "sql")).resolve()


def lake_uri() -> str:
    """Base URI of the lake: a local folder by default, ``s3://bucket/prefix`` in production."""
    return os.environ.get("CREDITRISK_LAKE_URI", str(state_dir() / "lake"))


def mlflow_tracking_uri() -> str:
    """MLflow tracking and registry URI: an embedded SQLite store by default."""
    default = f"sqlite:///{state_dir() / 'mlflow' / 'mlflow.db'}"
    return os.environ.get("MLFLOW_TRACKING_URI", default)


def mlflow_artifact_root() -> str:
    """Where MLflow keeps artifacts for experiments it creates."""
    return os.environ.get("CREDITRISK_MLFLOW_ARTIFACTS", str(state_dir() / "mlflow" / "artifacts"))


def landing_dir() -> Path:
    """The landing folder the landing sensor watches (``YYYY-MM-DD/`` subfolders)."""
    return Path(os.environ.get("CREDITRISK_LANDING_DIR", state_dir() / "landing"))


def reports_dir() -> Path:
    """Local folder for human-facing files: plots, drift reports (linked from metadata)."""
    path = Path(os.environ.get("CREDITRISK_REPORTS_DIR", state_dir() / "reports"))
    path.mkdir(parents=True, exist_ok=True)
    return path
