"""One declaration for every asset of the graph: the catalog fields filled from the key.

Each asset is partitioned by snapshot, grouped by its key's prefix (``group_of``), owned by the
team of that domain (``owners_for``), badged with its kinds and gated (``gates``: it starts only
on upstream data whose blocking checks passed). Those follow from the key and the kinds, so an
asset states only what is its own - its kinds, deps, automation and description - and
``@snapshot_asset(KEY, kinds=TABLE_KINDS, ...)`` stands where the six catalog lines and the
gate stood. ``asset_spec`` gives the same catalog fields to an ``AssetSpec`` (the
feature splits' multi-asset, the decision log's observable source). ``snapshot_check`` does
the same for a check: the asset it checks, what it checks and the business harm of a failure
(``check_description``); a blocking check is evaluated per snapshot, so the cross-run gate
(``gates``) can read its result for the snapshot it blocks. ``report_check`` is a check whose
verdict reads only the JSON report its asset stored for the snapshot.
"""

# No `from __future__ import annotations`: Dagster reads report_check's context and lake types.
from collections.abc import Callable, Collection, Iterable
from typing import Any

import dagster as dg

from creditrisk_assets.catalog_metadata import check_description, owners_for
from creditrisk_assets.conditions import on_new_data_ignoring
from creditrisk_assets.gates import gated
from creditrisk_assets.keys import group_of, lake_path
from creditrisk_assets.partitions import snapshot_partitions
from creditrisk_assets.resources import Lake

__all__ = ["asset_spec", "catalog_fields", "report_check", "snapshot_asset", "snapshot_check"]


def catalog_fields(key: dg.AssetKey, kinds: Iterable[str]) -> dict[str, Any]:
    """What the UI's catalog shows of ``key`` beyond its data: group, kinds and owners."""
    return {"group_name": group_of(key), "kinds": set(kinds), "owners": owners_for(key)}


def snapshot_asset(
    key: dg.AssetKey,
    *,
    kinds: Iterable[str],
    ordering_only: Collection[dg.AssetKey] = (),
    **extra: Any,
) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """``@dg.asset`` for ``key``, partitioned by snapshot, with its catalog fields filled and
    its compute ``gated`` (it starts only on upstream data whose blocking checks passed).
    ``ordering_only``: deps it reads but neither waits for (its automation condition is
    ``on_new_data_ignoring`` them) nor is gated on; ``extra`` is every other ``dg.asset``
    argument (deps, description, automation, ...)."""
    if ordering_only:
        extra.setdefault("automation_condition", on_new_data_ignoring(*ordering_only))
    declare = dg.asset(
        key=key, partitions_def=snapshot_partitions, **catalog_fields(key, kinds), **extra
    )
    return lambda compute: declare(gated(compute, ordering_only=ordering_only))


def asset_spec(key: dg.AssetKey, *, kinds: Iterable[str], **extra: Any) -> dg.AssetSpec:
    """``dg.AssetSpec`` for ``key`` with its catalog fields filled (partitions come from the
    multi-asset that holds the spec)."""
    return dg.AssetSpec(key, **catalog_fields(key, kinds), **extra)


def snapshot_check(
    asset: dg.AssetKey,
    checks: str,
    harm: str,
    *,
    blocking: bool = False,
    per_snapshot: bool | None = None,
    **extra: Any,
) -> Callable[[Callable[..., Any]], dg.AssetChecksDefinition]:
    """``@dg.asset_check`` on ``asset``, described by what it ``checks`` and the ``harm`` of a
    failure; partitioned by snapshot when ``per_snapshot`` (by default: when ``blocking``).
    ``extra`` is every other ``dg.asset_check`` argument (name, additional_deps, ...)."""
    if per_snapshot is None:
        per_snapshot = blocking
    if per_snapshot:
        extra["partitions_def"] = snapshot_partitions
    return dg.asset_check(
        asset=asset, blocking=blocking, description=check_description(checks, harm), **extra
    )


def report_check(
    asset: dg.AssetKey,
    report_file: str,
    checks: str,
    harm: str,
    *,
    config_type: type[dg.Config] | None = None,
    **extra: Any,
) -> Callable[[Callable[..., dg.AssetCheckResult]], dg.AssetChecksDefinition]:
    """``snapshot_check`` named after the decorated ``verdict(report)``, which judges the JSON
    report ``asset`` stored as ``report_file`` for the snapshot being checked; with a
    ``config_type``, ``verdict(report, config)`` also gets the check's run config."""

    def declare(verdict: Callable[..., dg.AssetCheckResult]) -> dg.AssetChecksDefinition:
        def report(context: dg.AssetCheckExecutionContext, lake: Lake) -> dict[str, Any]:
            return lake.read_json(lake_path(asset), context.partition_key, report_file)

        if config_type is None:

            def check(context: dg.AssetCheckExecutionContext, lake: Lake) -> dg.AssetCheckResult:
                return verdict(report(context, lake))

        else:

            def check(  # Dagster reads the config's type from this annotation
                context: dg.AssetCheckExecutionContext, config: config_type, lake: Lake
            ) -> dg.AssetCheckResult:
                return verdict(report(context, lake), config)

        return snapshot_check(asset, checks, harm, name=verdict.__name__, **extra)(check)

    return declare
