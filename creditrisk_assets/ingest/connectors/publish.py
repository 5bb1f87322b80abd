"""Publishing a connector's local copy of a snapshot: under a lock, staged, then swapped in.

Every connector that writes a snapshot folder (synthetic generation, Kaggle and S3 downloads)
does it the same way, so a reader never sees a half-written folder and concurrent ingestion
steps wait for one writer instead of racing: hold ``folder_lock`` for the whole check-and-write,
write into a hidden staging folder beside the target, and move it into place only once every
file is there. A failure leaves the previous folder (or none) and removes the staging folder.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def folder_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (a lock file), held for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def lock_file(folder: Path) -> Path:
    """The lock file guarding ``folder``: a hidden sibling, ``.<name>.lock``."""
    return folder.with_name(f".{folder.name}.lock")


@contextmanager
def staged_folder(folder: Path, label: str) -> Iterator[Path]:
    """Yield an empty staging folder ``.<name>.<label>`` beside ``folder``; when the block
    finishes, it replaces ``folder`` with one rename. Call it holding
    ``folder_lock(lock_file(folder))``: the old folder is removed just before the rename, and
    the lock keeps other writers (and their reuse checks) out of that moment."""
    staging = folder.with_name(f".{folder.name}.{label}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
