"""Snapshot-date partitions: one partition per delivery of the lender's feeds.

Partitions are dynamic because snapshots arrive when they arrive (the landing sensor adds them);
every key is a real calendar date written ``YYYY-MM-DD``, and anything else is refused before it
can reach the instance, since a bad key would otherwise become a folder name in the lake.
"""

from __future__ import annotations

import re
from datetime import date

import dagster as dg

SNAPSHOT_PARTITIONS_NAME = "snapshot"
snapshot_partitions = dg.DynamicPartitionsDefinition(name=SNAPSHOT_PARTITIONS_NAME)

_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidSnapshotKey(ValueError):
    """A partition key that is not a real ``YYYY-MM-DD`` date."""


def validate_snapshot_key(key: str) -> str:
    """Return ``key`` if it is a real ``YYYY-MM-DD`` date, else raise ``InvalidSnapshotKey``."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise InvalidSnapshotKey(
            f"snapshot partition key {key!r} is not of the form YYYY-MM-DD (e.g. 2026-11-01)"
        )
    try:
        date.fromisoformat(key)
    except ValueError as err:
        raise InvalidSnapshotKey(
            f"snapshot partition key {key!r} is not a real date: {err}"
        ) from err
    return key


def register_snapshot(instance: dg.DagsterInstance, key: str) -> bool:
    """Add ``key`` to the snapshot partitions; return True if it was new."""
    validate_snapshot_key(key)
    if instance.has_dynamic_partition(SNAPSHOT_PARTITIONS_NAME, key):
        return False
    instance.add_dynamic_partitions(SNAPSHOT_PARTITIONS_NAME, [key])
    return True


def snapshot_run(
    snapshot: str,
    run_key: str,
    *,
    trigger: str,
    asset_selection: list[dg.AssetKey] | None = None,
    **tags: str,
) -> dg.RunRequest:
    """A sensor's request for a run of one snapshot: idempotent by ``run_key``, tagged with why
    it runs (``creditrisk/trigger``) and each of ``tags`` as ``creditrisk/<name>``."""
    return dg.RunRequest(
        partition_key=snapshot,
        run_key=run_key,
        asset_selection=asset_selection,
        tags={"creditrisk/trigger": trigger, **{f"creditrisk/{k}": v for k, v in tags.items()}},
    )
