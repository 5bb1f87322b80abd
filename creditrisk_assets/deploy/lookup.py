"""Finding things the deploy assets need in the registry and the Dagster instance."""

from __future__ import annotations

import re

import dagster as dg

from creditrisk_assets.keys import CANDIDATE, lake_path, raw_key
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.schema import RAW_TABLES

_MD5 = re.compile(r"^[0-9a-f]{32}$")


class NoCandidate(LookupError):
    """No registered model version was trained on the snapshot."""


def candidate_version(registry: ModelRegistry, partition: str) -> str:
    """The newest registered version trained on ``partition`` (its ``partition`` tag).

    The registry, not a run's metadata, is the source of truth: a version exists there only if
    training finished and registered it.
    """
    versions = [v for v in registry.list_versions() if v.partition == partition]
    if not versions:
        raise NoCandidate(
            f"no {registry.model_name} version is tagged partition={partition}: "
            f"materialize {lake_path(CANDIDATE)} for this snapshot first"
        )
    return max(versions, key=lambda v: int(v.version)).version


def raw_md5s(instance: dg.DagsterInstance, partition: str) -> dict[str, str]:
    """MD5 of each raw file of a snapshot, from its latest ``raw/<table>`` materialization."""
    out: dict[str, str] = {}
    for table in RAW_TABLES:
        result = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=raw_key(table), asset_partitions=[partition]),
            limit=1,
        )
        if not result.records:
            continue
        mat = result.records[0].asset_materialization
        value = mat.metadata.get("md5") if mat is not None else None
        md5 = getattr(value, "value", value)
        if isinstance(md5, str) and _MD5.match(md5):
            out[table] = md5
    return out
