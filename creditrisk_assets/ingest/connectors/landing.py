"""Landing connector: a folder of ``YYYY-MM-DD/`` subfolders dropped by the lender's feed.

Files are read where they lie (no copy); the landing sensor lists the same folder to find new
snapshots.
"""

from __future__ import annotations

import time
from pathlib import Path

from creditrisk_assets.ingest.connectors.base import (
    MANIFEST,
    SnapshotFiles,
    SnapshotUnavailable,
)
from creditrisk_assets.partitions import InvalidSnapshotKey, validate_snapshot_key

SUCCESS_MARKER = "_SUCCESS"
DEFAULT_SETTLE_SECONDS = 120.0


def fetch_landing(landing_dir: Path, snapshot: str) -> SnapshotFiles:
    """Resolve ``<landing_dir>/<snapshot>/``; raise ``SnapshotUnavailable`` if it is missing."""
    validate_snapshot_key(snapshot)
    folder = landing_dir / snapshot
    if not folder.is_dir():
        raise SnapshotUnavailable(f"landing folder {folder} does not exist for snapshot {snapshot}")
    return SnapshotFiles.in_folder(snapshot, folder, "landing")


def is_complete(folder: Path, settle_seconds: float, now: float | None = None) -> bool:
    """Whether a landing folder is finished arriving.

    A delivery is complete when it carries its ``MD5SUMS`` manifest or a ``_SUCCESS`` marker
    (written last by well-behaved senders), or, for senders that write neither, when nothing in
    it changed for ``settle_seconds`` - so a folder still being copied is not ingested half-full.
    """
    if (folder / MANIFEST).is_file() or (folder / SUCCESS_MARKER).is_file():
        return True
    files = [p for p in folder.iterdir() if p.is_file()]
    if not files:
        return False
    newest = max(p.stat().st_mtime for p in [folder, *files])
    return (now if now is not None else time.time()) - newest >= settle_seconds


def landed_snapshots(
    landing_dir: Path, settle_seconds: float = DEFAULT_SETTLE_SECONDS
) -> list[str]:
    """Snapshot keys with a complete folder in the landing dir, sorted; other names ignored."""
    if not landing_dir.is_dir():
        return []
    keys = []
    for child in landing_dir.iterdir():
        if not child.is_dir() or child.name.startswith("."):
            continue
        try:
            key = validate_snapshot_key(child.name)
        except InvalidSnapshotKey:
            continue
        if is_complete(child, settle_seconds):
            keys.append(key)
    return sorted(keys)
