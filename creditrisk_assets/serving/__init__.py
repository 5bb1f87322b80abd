"""The FastAPI scoring API, built from the pipeline's own resources (see ``app.create_app``).

``create_app`` and ``ServingSettings`` are imported on first use: the launcher
(``serving/launch.py``) reads the settings and then execs uvicorn, which imports the app itself;
loading the app (XGBoost, DuckDB, Dagster) in the launcher too cost ~4 s of start-up.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["ServingSettings", "create_app"]

_HOMES = {
    "create_app": "creditrisk_assets.serving.app",
    "ServingSettings": "creditrisk_assets.serving.settings",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
