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


# ----------------------------------------------------------------- automation (issue 16)
def sensor_interval_seconds() -> int:
    """Seconds between ticks of every sensor, the automation sensor included (default 30).

    Small values (5) make a test or a demo move quickly; each tick is a cheap event-log query.
    """
    return _positive_int("CREDITRISK_SENSOR_INTERVAL_SECONDS", 30)


def fetch_retries() -> int:
    """Retries of a raw asset's fetch from its source (Kaggle, S3: the network-bound step)."""
    return _positive_int("CREDITRISK_FETCH_RETRIES", 3, minimum=0)


def fetch_retry_delay_seconds() -> float:
    """First retry delay of a fetch; later ones double (exponential backoff)."""
    text = os.environ.get("CREDITRISK_FETCH_RETRY_DELAY_SECONDS", "2")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"CREDITRISK_FETCH_RETRY_DELAY_SECONDS={text!r} is not a number") from None
    if value < 0:
        raise ValueError(f"CREDITRISK_FETCH_RETRY_DELAY_SECONDS={text!r} must be >= 0")
    return value


def alert_webhook_url() -> str | None:
    """Slack-compatible webhook that alerts are posted to (a secret: never logged or shown)."""
    return os.environ.get("CREDITRISK_ALERT_WEBHOOK") or None


#: Environment variable -> field of ``automation.retrain_policy.RetrainPolicy``.
RETRAIN_POLICY_ENV = {
    "CREDITRISK_RETRAIN_ON_DRIFT": "retrain_on_drift",
    "CREDITRISK_RETRAIN_MAX_CHAMPION_AGE_DAYS": "max_champion_age_days",
    "CREDITRISK_RETRAIN_MIN_MATURED_LABELS": "min_matured_labels",
}


def retrain_policy_overrides() -> dict[str, str]:
    """The retrain policy fields set in the environment (field -> text; pydantic casts)."""
    return {
        field: os.environ[var] for var, field in RETRAIN_POLICY_ENV.items() if os.environ.get(var)
    }


def _positive_int(var: str, default: int, minimum: int = 1) -> int:
    text = os.environ.get(var, str(default))
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{var}={text!r} is not a whole number") from None
    if value < minimum:
        raise ValueError(f"{var}={text!r} must be at least {minimum}")
    return value
