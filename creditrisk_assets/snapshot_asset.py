"""One declaration for every asset of the graph: the catalog fields filled from the key.

Each asset is partitioned by snapshot, grouped by its key's prefix (``group_of``), owned by the
team of that domain (``owners_for``) and badged with its kinds. Those four follow from the key
and the kinds, so an asset states only what is its own - its kinds, deps, automation and
description - and ``@snapshot_asset(KEY, kinds=TABLE_KINDS, ...)`` stands where the six
catalog lines stood. ``asset_spec`` gives the same catalog fields to an ``AssetSpec`` (the
feature splits' multi-asset, the decision log's observable source).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import dagster as dg

from creditrisk_assets.catalog_metadata import owners_for
from creditrisk_assets.keys import group_of
from creditrisk_assets.partitions import snapshot_partitions

__all__ = ["asset_spec", "catalog_fields", "snapshot_asset"]


def catalog_fields(key: dg.AssetKey, kinds: Iterable[str]) -> dict[str, Any]:
    """What the UI's catalog shows of ``key`` beyond its data: group, kinds and owners."""
    return {"group_name": group_of(key), "kinds": set(kinds), "owners": owners_for(key)}


def snapshot_asset(
    key: dg.AssetKey, *, kinds: Iterable[str], **extra: Any
) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """``@dg.asset`` for ``key``, partitioned by snapshot, with its catalog fields filled;
    ``extra`` is every other ``dg.asset`` argument (deps, description, automation, ...)."""
    return dg.asset(
        key=key, partitions_def=snapshot_partitions, **catalog_fields(key, kinds), **extra
    )


def asset_spec(key: dg.AssetKey, *, kinds: Iterable[str], **extra: Any) -> dg.AssetSpec:
    """``dg.AssetSpec`` for ``key`` with its catalog fields filled (partitions come from the
    multi-asset that holds the spec)."""
    return dg.AssetSpec(key, **catalog_fields(key, kinds), **extra)
