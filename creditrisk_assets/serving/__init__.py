"""The FastAPI scoring API, built from the pipeline's own resources (see ``app.create_app``)."""

from creditrisk_assets.serving.app import create_app
from creditrisk_assets.serving.settings import ServingSettings

__all__ = ["ServingSettings", "create_app"]
