"""ModelRegistry: MLflow tracking and model registry (owned by the modeling domain)."""

from __future__ import annotations

import dagster as dg
from pydantic import Field


class ModelRegistry(dg.ConfigurableResource):
    """MLflow tracking + registry: log, register, alias, load by alias."""

    tracking_uri: str = Field(description="MLflow tracking URI (SQLite file by default).")
    model_name: str = Field(default="creditrisk_pd", description="Registered model name.")
    experiment_name: str = Field(default="creditrisk", description="MLflow experiment name.")
