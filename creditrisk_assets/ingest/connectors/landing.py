"""Landing connector: a folder of ``YYYY-MM-DD/`` subfolders dropped by the lender's feed.

Files are read where they lie (no copy); the landing sensor lists the same folder to find new
snapshots.
"""

from __future__ import annotations

from pathlib import Path

from creditrisk_assets.ingest.connectors.base import (
    SnapshotFiles,
    SnapshotUnavailable,
    read_manifest,
)
from creditrisk_assets.partitions import InvalidSnapshotKey, validate_snapshot_key


def fetch_landing(landing_dir: Path, snapshot: str) -> SnapshotFiles:
    """Resolve ``<landing_dir>/<snapshot>/``; raise ``SnapshotUnavailable`` if it is missing."""
    validate_snapshot_key(snapshot)
    folder = landing_dir / snapshot
    if not folder.is_dir():
        raise SnapshotUnavailable(f"landing folder {folder} does not exist for snapshot {snapshot}")
    return SnapshotFiles(
        snapshot=snapshot,
        folder=folder,
        uri=folder.resolve().as_uri(),
        connector="landing",
        manifest=read_manifest(folder),
    )


def landed_snapshots(landing_dir: Path) -> list[str]:
    """Snapshot keys with a folder in the landing dir, sorted; other names are ignored."""
    if not landing_dir.is_dir():
        return []
    keys = []
    for child in landing_dir.iterdir():
        if not child.is_dir() or child.name.startswith("."):
            continue
        try:
            keys.append(validate_snapshot_key(child.name))
        except InvalidSnapshotKey:
            continue
    return sorted(keys)
