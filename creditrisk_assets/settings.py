"""Every environment variable the platform reads, in one place (the API's: ``serving/settings``).

Everything a local run writes (Dagster instance, lake, MLflow store, landing folder, reports)
lives under one state folder, ``$CREDITRISK_HOME`` or ``<repo>/.creditrisk``, so a person can
find it, back it up or delete it in one place. Production swaps these for URIs through the same
environment variables; the code does not change (invariant 5, ``docs/invariants.md``).

No other module reads ``os.environ``: a reader of this file sees every knob there is, and the
README's "Configuration reference" documents each of them (a test checks that it does). Values
are read when asked for, not at import, so a test or a child process can change them.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: ``SnapshotSource`` field -> (variable, type). Unset or empty variables keep the field default.
SOURCE_VARS: dict[str, tuple[str, type]] = {
    "kind": ("CREDITRISK_SOURCE", str),
    "applicants": ("CREDITRISK_SYNTHETIC_APPLICANTS", int),
    "seed": ("CREDITRISK_SYNTHETIC_SEED", int),
    "drift": ("CREDITRISK_SYNTHETIC_DRIFT", float),
    "overlap": ("CREDITRISK_SYNTHETIC_OVERLAP", float),
    "maturity_lag_days": ("CREDITRISK_SYNTHETIC_MATURITY_LAG_DAYS", int),
    "landing_dir": ("CREDITRISK_LANDING_DIR", str),
    "s3_uri": ("CREDITRISK_SOURCE_S3_URI", str),
    "s3_endpoint_url": ("CREDITRISK_S3_ENDPOINT_URL", str),
}
KAGGLE_USERNAME = "KAGGLE_USERNAME"
KAGGLE_KEY = "KAGGLE_KEY"
RAW_SLA_HOURS = "CREDITRISK_RAW_SLA_HOURS"


def _get(name: str) -> str | None:
    """The variable's value; empty counts as unset (a blank line in an env file sets nothing)."""
    return os.environ.get(name) or None


def state_dir() -> Path:
    """The local state folder (created on first use)."""
    path = Path(_get("CREDITRISK_HOME") or PROJECT_ROOT / ".creditrisk").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def scratch_dir() -> Path:
    """Per-step working files (created on first use): on the state disk, because /tmp may be
    small, and in one named folder so that nothing in it is mistaken for published data."""
    path = state_dir() / "scratch"
    path.mkdir(parents=True, exist_ok=True)
    return path


def dagster_home() -> str | None:
    """The Dagster instance folder (the Makefile and the image set it); None when unset."""
    return _get("DAGSTER_HOME")


def sql_dir() -> Path:
    """The folder of SQL files: the package's own ``sql/`` (package data, so an installed wheel
    finds it), unless ``CREDITRISK_SQL_DIR`` points elsewhere (trying edited SQL)."""
    override = _get("CREDITRISK_SQL_DIR")
    if override:
        return Path(override).resolve()
    return Path(str(resources.files("creditrisk_assets") / "sql")).resolve()


def lake_uri() -> str:
    """Base URI of the lake: a local folder by default, ``s3://bucket/prefix`` in production."""
    return _get("CREDITRISK_LAKE_URI") or str(state_dir() / "lake")


def s3_endpoint_url() -> str | None:
    """An S3-compatible endpoint (MinIO, moto) for lake and source; None means AWS."""
    return _get("CREDITRISK_S3_ENDPOINT_URL")


def lake_cache_dir() -> str | None:
    """Local folder where an ``s3://`` lake's partitions are staged and cached for DuckDB; one
    per deployment, so two deployments with the same bucket names never read each other's
    cached files. None: ``/tmp/creditrisk-lake-cache``."""
    return _get("CREDITRISK_LAKE_CACHE_DIR")


def mlflow_tracking_uri() -> str:
    """MLflow tracking and registry URI: an embedded SQLite store by default."""
    return _get("MLFLOW_TRACKING_URI") or f"sqlite:///{state_dir() / 'mlflow' / 'mlflow.db'}"


def mlflow_artifact_root() -> str | None:
    """Where MLflow keeps artifacts of experiments it creates; None lets the registry choose."""
    return _get("CREDITRISK_MLFLOW_ARTIFACTS")


def landing_dir() -> Path:
    """The landing folder the landing sensor watches (``YYYY-MM-DD/`` subfolders)."""
    return Path(_get("CREDITRISK_LANDING_DIR") or state_dir() / "landing")


def reports_dir() -> Path:
    """Local folder for human-facing files: plots, drift reports (linked from metadata)."""
    path = Path(_get("CREDITRISK_REPORTS_DIR") or state_dir() / "reports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def source_options() -> dict[str, object]:
    """``SnapshotSource`` fields set in the environment (``SOURCE_VARS``)."""
    options: dict[str, object] = {}
    for field, (var, cast) in SOURCE_VARS.items():
        text = _get(var)
        if text is not None:
            options[field] = cast(text)
    return options


def kaggle_credentials() -> tuple[dg.EnvVar, dg.EnvVar] | None:
    """Kaggle user name and key as ``EnvVar`` references, so a run reads them at run time and
    they never land in stored config; None when unset (``kaggle.json`` is used instead)."""
    if _get(KAGGLE_USERNAME) and _get(KAGGLE_KEY):
        return dg.EnvVar(KAGGLE_USERNAME), dg.EnvVar(KAGGLE_KEY)
    return None


def raw_sla_hours() -> float | None:
    """Hours within which raw data must be refreshed; None when unset. Refuses a value that is
    not a positive number, naming the variable, so a typo fails loudly at load time."""
    text = _get(RAW_SLA_HOURS)
    if text is None:
        return None
    try:
        hours = float(text)
    except ValueError:
        raise ValueError(f"{RAW_SLA_HOURS}={text!r} is not a number of hours") from None
    if not hours > 0:
        raise ValueError(f"{RAW_SLA_HOURS}={text!r} must be a positive number of hours")
    return hours


def api_decision_log_dsn() -> str | None:
    """The PostgreSQL DSN the API writes its decisions to, when its decision-log sink is
    ``postgres``; None when the API writes Parquet into the lake. The pipeline reads the API's
    own two variables (``CREDITRISK_API_DECISION_LOG_SINK`` and ``_DSN``, whose values the
    API's settings accept: exactly these), so the backtest and production drift read the store
    the API writes to: the two cannot be configured apart."""
    sink = _get("CREDITRISK_API_DECISION_LOG_SINK") or "parquet"
    if sink == "parquet":
        return None
    if sink != "postgres":
        raise ValueError(f"CREDITRISK_API_DECISION_LOG_SINK={sink!r}: 'parquet' or 'postgres'")
    dsn = _get("CREDITRISK_API_DECISION_LOG_DSN")
    if dsn is None:
        raise ValueError("decision_log_sink 'postgres' needs CREDITRISK_API_DECISION_LOG_DSN")
    return dsn


def pd_cutoff() -> float | None:
    """The default PD cut-off for new candidates (``CREDITRISK_PD_CUTOFF``); None when unset."""
    text = _get("CREDITRISK_PD_CUTOFF")
    return None if text is None else float(text)


def reason_catalogue_file() -> Path | None:
    """Another adverse-action reason catalogue (``CREDITRISK_REASON_CATALOGUE``, a JSON file in
    the format of ``risk/reason_catalogue.json``: a lender's own wording or jurisdiction); None
    keeps the packaged catalogue."""
    text = _get("CREDITRISK_REASON_CATALOGUE")
    return None if text is None else Path(text).resolve()


REQUIRE_APPROVAL = "CREDITRISK_REQUIRE_APPROVAL"
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def require_approval() -> bool:
    """Whether promotion needs a recorded sign-off on the version's validation pack
    (``CREDITRISK_REQUIRE_APPROVAL``): off in the embedded demo, on in the production image.
    When on, a run's ``require_approval: false`` cannot switch it off: the control belongs to
    the deployment, not to whoever launches a run. Refuses anything but a clear yes or no."""
    text = _get(REQUIRE_APPROVAL)
    if text is None:
        return False
    value = text.strip().lower()
    if value not in _TRUE | _FALSE:
        raise ValueError(f"{REQUIRE_APPROVAL}={text!r} is not a yes/no value (true/false, 1/0)")
    return value in _TRUE


def git_sha() -> str | None:
    """The source commit the code runs from: ``CREDITRISK_GIT_SHA`` (the image build sets it),
    else ``git rev-parse HEAD`` in a source checkout; None when neither is known."""
    sha = _get("CREDITRISK_GIT_SHA")
    if sha is not None:
        return sha
    if not (PROJECT_ROOT / ".git").exists():
        return None
    import subprocess

    command = ["git", "rev-parse", "HEAD"]
    try:
        out = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10)
        out.check_returncode()
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def image_tag() -> str:
    """The image the platform runs as (set by the deploy pipeline); 'local' outside one."""
    return _get("CREDITRISK_IMAGE_TAG") or "local"


# ----------------------------------------------------------------- automation (issue 16)
def sensor_interval_seconds() -> int:
    """Seconds between ticks of every sensor, the automation sensor included (default 30).

    Small values (5) make a test or a demo move quickly; each tick is a cheap event-log query.
    """
    return _whole_number("CREDITRISK_SENSOR_INTERVAL_SECONDS", 30)


def fetch_retries() -> int:
    """Retries of a raw asset's fetch from its source (Kaggle, S3: the network-bound step)."""
    return _whole_number("CREDITRISK_FETCH_RETRIES", 3, minimum=0)


def fetch_retry_delay_seconds() -> float:
    """First retry delay of a fetch; later ones double (exponential backoff)."""
    text = _get("CREDITRISK_FETCH_RETRY_DELAY_SECONDS") or "2"
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"CREDITRISK_FETCH_RETRY_DELAY_SECONDS={text!r} is not a number") from None
    if value < 0:
        raise ValueError(f"CREDITRISK_FETCH_RETRY_DELAY_SECONDS={text!r} must be >= 0")
    return value


def alert_webhook_url() -> str | None:
    """Slack-compatible webhook that alerts are posted to (a secret: never logged or shown)."""
    return _get("CREDITRISK_ALERT_WEBHOOK")


#: Environment variable -> field of ``automation.retrain_policy.RetrainPolicy``.
RETRAIN_POLICY_ENV = {
    "CREDITRISK_RETRAIN_ON_DRIFT": "retrain_on_drift",
    "CREDITRISK_RETRAIN_MAX_CHAMPION_AGE_DAYS": "max_champion_age_days",
    "CREDITRISK_RETRAIN_MIN_MATURED_LABELS": "min_matured_labels",
    "CREDITRISK_RETRAIN_ON_BACKTEST_FAILURE": "retrain_on_backtest_failure",
}


def retrain_policy_overrides() -> dict[str, str]:
    """The retrain policy fields set in the environment (field -> text; pydantic casts)."""
    return {
        field: value
        for var, field in RETRAIN_POLICY_ENV.items()
        if (value := _get(var)) is not None
    }


def _whole_number(var: str, default: int, minimum: int = 1) -> int:
    text = _get(var) or str(default)
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{var}={text!r} is not a whole number") from None
    if value < minimum:
        raise ValueError(f"{var}={text!r} must be at least {minimum}")
    return value


# ----------------------------------------------------------------- catalog (issue 23)
#: Team -> (variable naming its Dagster owners, default). The catalog maps each domain (asset
#: group) to one of these teams (``catalog_metadata.DOMAIN_TEAMS``).
OWNER_VARS: dict[str, tuple[str, str]] = {
    "data": ("CREDITRISK_OWNERS_DATA", "team:data"),
    "ml": ("CREDITRISK_OWNERS_ML", "team:ml"),
    "risk": ("CREDITRISK_OWNERS_RISK", "team:risk"),
}


def team_owners(team: str) -> list[str]:
    """The Dagster owners of a team's assets: comma-separated e-mail addresses or ``team:name``
    values from its variable (``OWNER_VARS``). Refuses anything else, naming the variable, so a
    typo fails when the definitions load rather than when Dagster rejects the owner later."""
    var, default = OWNER_VARS[team]
    text = _get(var) or default
    owners = [o.strip() for o in text.split(",") if o.strip()]
    bad = [o for o in owners if not (o.startswith("team:") and len(o) > 5) and "@" not in o]
    if bad or not owners:
        raise ValueError(f"{var}={text!r}: owners are e-mail addresses or team:<name>, got {bad}")
    return owners
