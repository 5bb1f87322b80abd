"""Synthetic connector: the embedded default source, generated on demand and cached.

The generator writes the eight Kaggle CSVs plus ``MD5SUMS`` into ``<cache>/<snapshot>/``. A
cached snapshot is reused only if it was made with the same parameters and its manifest still
verifies; a full verification (2.6 GB at full scale) is recorded in a stamp of file sizes and
mtimes so that the eight parallel ingestion steps do not each re-hash every file (each step still
hashes its own table against the manifest). An exclusive file lock makes concurrent steps wait
for one generation instead of racing to write the same folder.

Lineage (issue 17): a snapshot is generated with the snapshots registered before it as its
``earlier`` ones (same seed), so its ``application_train`` carries the matured outcomes of their
unlabelled applicants and its ids follow theirs (:mod:`creditrisk_assets.synthetic.maturity`).
Each earlier snapshot is described as it was generated: its own cached ``.params.json`` when
present, else this source's applicants and drift (what it would be generated with). The lineage,
the overlap and the maturity lag are part of the cache key, so a snapshot whose lineage changed
(an earlier date registered later) is regenerated rather than reused with ids that no longer
follow its predecessors'. A first snapshot (nothing earlier) keeps the plain key: its data does
not depend on the overlap or the lag.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
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


def prior_params(cache_dir: Path, earlier: str, applicants: int, drift: float) -> list:
    """``[date, applicants, drift]`` of an earlier snapshot as it was (or would be) generated."""
    params_file = cache_dir / earlier / PARAMS_FILE
    if params_file.is_file():
        cached = json.loads(params_file.read_text())
        return [earlier, int(cached["applicants"]), float(cached["drift"])]
    return [earlier, int(applicants), float(drift)]


def fetch_synthetic(
    cache_dir: Path,
    snapshot: str,
    applicants: int,
    seed: int,
    drift: float,
    *,
    earlier: Sequence[str] = (),
    overlap: float = 0.5,
    lag_days: int = 30,
) -> SnapshotFiles:
    """Generate (or reuse) the synthetic snapshot in ``<cache_dir>/<snapshot>/``.

    ``earlier``: the lineage's snapshot dates before ``snapshot`` (others are ignored), whose
    matured applicants it labels (``overlap`` of their test rows, once ``lag_days`` old).
    """
    validate_snapshot_key(snapshot)
    folder = cache_dir / snapshot
    params: dict = {"applicants": int(applicants), "seed": int(seed), "drift": float(drift)}
    lineage = sorted({validate_snapshot_key(e) for e in earlier if e < snapshot})
    if lineage:
        params["earlier"] = [prior_params(cache_dir, e, applicants, drift) for e in lineage]
        params["overlap"], params["lag_days"] = float(overlap), int(lag_days)
    with folder_lock(lock_file(folder)):
        if not _reusable(folder, params):
            from creditrisk_assets.synthetic import PriorSnapshot, generate_snapshot  # heavy

            priors = [PriorSnapshot(d, n, x) for d, n, x in params.get("earlier", [])]
            with staged_folder(folder, f"generating-{os.getpid()}") as staging:
                generate_snapshot(
                    staging,
                    snapshot=snapshot,
                    applicants=applicants,
                    drift=drift,
                    seed=seed,
                    earlier=priors,
                    overlap=overlap,
                    lag_days=lag_days,
                )
                (staging / PARAMS_FILE).write_text(json.dumps(params))
            (folder / STAMP_FILE).write_text(json.dumps(_stat_stamp(folder)))
    return SnapshotFiles.in_folder(snapshot, folder, "synthetic")
