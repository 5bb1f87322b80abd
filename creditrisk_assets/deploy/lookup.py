"""Finding things the deploy assets need in the registry and the Dagster instance."""

from __future__ import annotations

import re

import dagster as dg

from creditrisk_assets.keys import CANDIDATE, lake_path, raw_key
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.modeling.registry_records import TAG_ORPHAN, ModelVersionInfo
from creditrisk_assets.schema import RAW_TABLES

_MD5 = re.compile(r"^[0-9a-f]{32}$")


class NoCandidate(LookupError):
    """No registered model version was trained on the snapshot."""


class NotPromotable(ValueError):
    """A version whose training did not finish: an orphan, or its run not FINISHED."""


def refusal(registry: ModelRegistry, info: ModelVersionInfo) -> str | None:
    """Why ``info`` may not be a candidate or champion, or ``None`` if it may.

    A version is registered before its training run ends, so being registered proves nothing:
    its run must have ended FINISHED, and it must not be tagged ``orphan`` (a step that died
    after registering it, ended FAILED by the next candidate step's sweep).
    """
    if info.orphan:
        return f"v{info.version} is an orphan ({info.tags[TAG_ORPHAN]})"
    if info.run_id is None:
        return f"v{info.version} has no training run"
    status = registry.run_status(info.run_id)
    if status != "FINISHED":
        return f"v{info.version}'s training run {info.run_id} is {status}, not FINISHED"
    return None


def check_promotable(registry: ModelRegistry, version: str) -> ModelVersionInfo:
    """The version's info, or ``NotPromotable`` saying why it may not ship."""
    info = registry.version_info(version)
    why = refusal(registry, info)
    if why is not None:
        raise NotPromotable(f"not promoting {registry.model_name}: {why}")
    return info


def candidate_version(registry: ModelRegistry, partition: str) -> str:
    """The newest registered version trained on ``partition`` (its ``partition`` tag) whose
    training finished (``refusal``).

    The registry, not a run's metadata, is the source of truth: a version exists there only if
    training registered it, and its run is FINISHED only if the step then succeeded.
    """
    versions = [v for v in registry.list_versions() if v.partition == partition]
    refused: list[str] = []
    for info in sorted(versions, key=lambda v: -int(v.version)):
        why = refusal(registry, info)
        if why is None:
            return info.version
        refused.append(why)
    detail = f" ({'; '.join(refused[:3])})" if refused else ""
    raise NoCandidate(
        f"no finished {registry.model_name} version is tagged partition={partition}{detail}: "
        f"materialize {lake_path(CANDIDATE)} for this snapshot first"
    )


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
