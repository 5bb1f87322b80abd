"""Synthetic connector: the embedded default source, generated on demand and cached.

The generator writes the eight Kaggle CSVs plus ``MD5SUMS`` into ``<cache>/<snapshot>/``. A
cached snapshot is reused only if it was made with the same parameters and its manifest still
verifies; a full verification (2.6 GB at full scale) is recorded in a stamp of file sizes and
mtimes so that the eight parallel ingestion steps do not each re-hash every file (each step still
hashes its own table against the manifest). An exclusive file lock makes concurrent steps wait
for one generation instead of racing to write the same folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from creditrisk_assets.ingest.connectors.base import (
    MANIFEST,
    SnapshotFiles,
    read_manifest,
    verify_folder,
)
from creditrisk_assets.ingest.connectors.publish import folder_lock, lock_file, staged_folder
from creditrisk_assets.partitions import validate_snapshot_key

PARAMS_FILE = ".params.json"
STAMP_FILE = ".verified.json"


def _stat_stamp(folder: Path) -> dict[str, list[int]]:
    names = [*read_manifest(folder), MANIFEST]
    return {
        n: [(folder / n).stat().st_size, (folder / n).stat().st_mtime_ns]
        for n in names
        if (folder / n).is_file()
    }


def _reusable(folder: Path, params: dict) -> bool:
    params_file, stamp_file = folder / PARAMS_FILE, folder / STAMP_FILE
    if not params_file.is_file() or json.loads(params_file.read_text()) != params:
        return False
    if stamp_file.is_file() and json.loads(stamp_file.read_text()) == _stat_stamp(folder):
        return True
    if not verify_folder(folder):
        return False
    stamp_file.write_text(json.dumps(_stat_stamp(folder)))
    return True


def fetch_synthetic(
    cache_dir: Path, snapshot: str, applicants: int, seed: int, drift: float
) -> SnapshotFiles:
    """Generate (or reuse) the synthetic snapshot in ``<cache_dir>/<snapshot>/``."""
    validate_snapshot_key(snapshot)
    folder = cache_dir / snapshot
    params = {"applicants": int(applicants), "seed": int(seed), "drift": float(drift)}
    with folder_lock(lock_file(folder)):
        if not _reusable(folder, params):
            from creditrisk_assets.synthetic import generate_snapshot  # heavy; only when needed

            with staged_folder(folder, f"generating-{os.getpid()}") as staging:
                generate_snapshot(
                    staging, snapshot=snapshot, applicants=applicants, drift=drift, seed=seed
                )
                (staging / PARAMS_FILE).write_text(json.dumps(params))
            (folder / STAMP_FILE).write_text(json.dumps(_stat_stamp(folder)))
    return SnapshotFiles(
        snapshot=snapshot,
        folder=folder,
        uri=folder.resolve().as_uri(),
        connector="synthetic",
        manifest=read_manifest(folder),
    )
