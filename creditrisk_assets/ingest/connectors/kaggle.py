"""Kaggle connector: the ``home-credit-default-risk`` competition files, downloaded once.

The competition is a single static release, so a "snapshot" from Kaggle is the date it was
pulled. The download goes through the official ``kaggle`` package; credentials come from the
resource (``KAGGLE_USERNAME``/``KAGGLE_KEY`` via ``dg.EnvVar``) or, when those are unset, from
the package's own ``kaggle.json`` lookup. The client is built by ``make_client`` so tests inject
a fake at this boundary (there is no network here).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any, Protocol

from creditrisk_assets.ingest.connectors.base import (
    SnapshotFiles,
    SnapshotUnavailable,
)
from creditrisk_assets.ingest.connectors.publish import folder_lock, lock_file, staged_folder
from creditrisk_assets.partitions import validate_snapshot_key

DONE_MARKER = ".download-complete"


class KaggleClient(Protocol):
    def competition_download_files(
        self, competition: str, path: str | None = None, force: bool = False, quiet: bool = True
    ) -> Any: ...


def make_client(username: str | None, key: str | None) -> KaggleClient:
    """An authenticated ``KaggleApi``; explicit credentials win over ``kaggle.json``."""
    if username and key:
        os.environ["KAGGLE_USERNAME"], os.environ["KAGGLE_KEY"] = username, key
    from kaggle.api.kaggle_api_extended import KaggleApi

    api = KaggleApi()
    api.authenticate()
    return api


def fetch_kaggle(
    cache_dir: Path, snapshot: str, competition: str, client: KaggleClient
) -> SnapshotFiles:
    """Download and unpack the competition into ``<cache_dir>/kaggle/<snapshot>/`` (once)."""
    validate_snapshot_key(snapshot)
    folder = cache_dir / "kaggle" / snapshot
    with folder_lock(lock_file(folder)):
        if not (folder / DONE_MARKER).is_file():
            with staged_folder(folder, "downloading") as staging:
                client.competition_download_files(competition, path=str(staging), quiet=True)
                archives = sorted(staging.glob("*.zip"))
                if not archives and not any(staging.glob("*.csv")):
                    raise SnapshotUnavailable(
                        f"kaggle competition {competition!r}: download produced no files"
                    )
                for archive in archives:
                    with zipfile.ZipFile(archive) as zf:
                        zf.extractall(staging)
                    archive.unlink()
                (staging / DONE_MARKER).write_text(competition)
    return SnapshotFiles.in_folder(
        snapshot, folder, "kaggle", uri=f"kaggle://competitions/{competition}"
    )
