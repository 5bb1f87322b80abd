"""Connectors: each turns a snapshot date into local Kaggle-named files (see ``base``)."""

from creditrisk_assets.ingest.connectors.base import (
    ChecksumMismatch,
    SnapshotFiles,
    SnapshotUnavailable,
    decompressed,
    find_table_file,
    md5_of,
    read_manifest,
    verify_file,
)

__all__ = [
    "ChecksumMismatch",
    "SnapshotFiles",
    "SnapshotUnavailable",
    "decompressed",
    "find_table_file",
    "md5_of",
    "read_manifest",
    "verify_file",
]
