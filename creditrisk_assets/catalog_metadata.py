"""What the Dagster UI's catalog says about each asset beyond its data: kinds, owners, checks.

One place, so every asset tells the same story: an asset is declared with
``@snapshot_asset(KEY, kinds=TABLE_KINDS, ...)`` (``snapshot_asset.py``), which fills its group
and ``owners_for(KEY)``, and a check with ``description=check_description(what, on_failure)``.
Owners are per domain (the asset's group, i.e. its key prefix): the data team owns what
arrives and how it is shaped (``raw``, ``features``), the ML team what is trained, shipped and
scored (``model``, ``deploy``, ``scoring``), the risk team what watches the portfolio
(``monitoring``, ``decisions``). Who those teams are is configuration
(``settings.team_owners``: ``CREDITRISK_OWNERS_*``). Column schemas are built in
``column_schemas``; ``table_metadata`` puts them on a materialization together with the row
count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg

from creditrisk_assets import settings
from creditrisk_assets.keys import (
    DECISIONS,
    DEPLOY,
    FEATURES,
    MODEL,
    MONITORING,
    RAW,
    SCORING,
    group_of,
)

#: Kinds (the UI's technology badges; Dagster shows at most three per asset).
TABLE_KINDS = frozenset({"duckdb", "parquet"})  #: a lake table written by DuckDB
MODEL_KINDS = frozenset({"xgboost", "mlflow"})  #: a model trained, evaluated or registered
SCORED_TABLE_KINDS = frozenset({"xgboost", "parquet"})  #: a lake table of model scores
DRIFT_KINDS = frozenset({"duckdb", "evidently"})  #: PSI in DuckDB, Evidently's report
REGISTRY_KINDS = frozenset({"mlflow"})  #: registry aliases and tags only
DECISION_LOG_KINDS = frozenset({"parquet", "duckdb", "fastapi"})  #: written by the API too

DATA_TEAM, ML_TEAM, RISK_TEAM = "data", "ml", "risk"
#: Asset group (domain) -> the team that owns it (``settings.OWNER_VARS`` names the teams).
DOMAIN_TEAMS: dict[str, str] = {
    RAW: DATA_TEAM,
    FEATURES: DATA_TEAM,
    MODEL: ML_TEAM,
    DEPLOY: ML_TEAM,
    SCORING: ML_TEAM,
    MONITORING: RISK_TEAM,
    DECISIONS: RISK_TEAM,
}

#: The phrase every check description carries before the business consequence of a failure.
ON_FAILURE = "If it fails:"


def owners_for(key: dg.AssetKey) -> list[str]:
    """The owners of an asset: those of the team that owns its domain (its key prefix)."""
    group = group_of(key)
    if group not in DOMAIN_TEAMS:
        raise KeyError(f"asset group {group!r} has no owning team in DOMAIN_TEAMS")
    return settings.team_owners(DOMAIN_TEAMS[group])


def check_description(what: str, on_failure: str) -> str:
    """A check's description: what it verifies, then what a failure means for the business
    (who is affected, what stops), so the person paged by it knows what is at stake."""
    return f"{what.rstrip()} {ON_FAILURE} {on_failure.strip()}"


def table_metadata(rows: int, schema: dg.TableSchema | None) -> dict[str, Any]:
    """The standard table entries of a materialization: ``dagster/row_count`` (the UI's row
    count badge and its chart over partitions) and ``dagster/column_schema`` when known."""
    meta: dict[str, Any] = {"dagster/row_count": int(rows)}
    if schema is not None:
        meta["dagster/column_schema"] = schema
    return meta


def report_link(location: str | Path) -> dg.UrlMetadataValue:
    """A report (Evidently's drift page, the validation pack) as a link the UI makes clickable:
    ``s3://`` and ``http(s)://`` locations as they are, a local path as a ``file://`` URL.
    A path value would only show text to copy; a URL opens in a new tab (for ``file://`` only
    when the browser runs on the machine that holds the file, as in the local demo)."""
    text = str(location)
    if "://" in text:
        return dg.MetadataValue.url(text)
    return dg.MetadataValue.url(Path(text).resolve().as_uri())
