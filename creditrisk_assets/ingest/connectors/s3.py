"""S3 connector: ``s3://bucket/prefix/YYYY-MM-DD/`` objects, mirrored into a local cache.

Objects are downloaded with boto3 (a client from dagster-aws, see ``resources.s3``) to a staging
folder and renamed into place once all of them arrived, so a half-finished download is never
mistaken for a snapshot. Any S3-compatible endpoint works (MinIO, a local moto server in tests)
through ``endpoint_url``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from creditrisk_assets.ingest.connectors.base import (
    SnapshotFiles,
    SnapshotUnavailable,
)
from creditrisk_assets.ingest.connectors.publish import folder_lock, lock_file, staged_folder
from creditrisk_assets.partitions import validate_snapshot_key
from creditrisk_assets.resources.s3 import s3_client


def make_s3_client(endpoint_url: str | None) -> Any:
    """The S3 client of the connector: dagster-aws's, as the lake's (``resources.s3``)."""
    return s3_client(endpoint_url)


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix.strip("/")


def fetch_s3(cache_dir: Path, snapshot: str, base_uri: str, client: Any) -> SnapshotFiles:
    """Mirror ``<base_uri>/<snapshot>/`` into ``<cache_dir>/s3/<snapshot>/`` and resolve it."""
    validate_snapshot_key(snapshot)
    bucket, prefix = split_s3_uri(base_uri)
    key_prefix = f"{prefix}/{snapshot}/" if prefix else f"{snapshot}/"
    folder = cache_dir / "s3" / snapshot
    with folder_lock(lock_file(folder)), staged_folder(folder, "downloading") as staging:
        keys = []
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=key_prefix
        ):
            keys += [o["Key"] for o in page.get("Contents", [])]
        keys = [k for k in keys if "/" not in k[len(key_prefix) :] and k != key_prefix]
        if not keys:
            raise SnapshotUnavailable(f"no objects under s3://{bucket}/{key_prefix}")
        for key in keys:
            client.download_file(bucket, key, str(staging / key[len(key_prefix) :]))
    return SnapshotFiles.in_folder(snapshot, folder, "s3", uri=f"s3://{bucket}/{key_prefix}")


def list_s3_snapshots(base_uri: str, client: Any) -> list[str]:
    """Snapshot keys present as ``<prefix>/YYYY-MM-DD/`` common prefixes."""
    from creditrisk_assets.partitions import InvalidSnapshotKey

    bucket, prefix = split_s3_uri(base_uri)
    root = f"{prefix}/" if prefix else ""
    found = []
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=root, Delimiter="/"
    ):
        for cp in page.get("CommonPrefixes", []):
            name = cp["Prefix"][len(root) :].strip("/")
            try:
                found.append(validate_snapshot_key(name))
            except InvalidSnapshotKey:
                continue
    return sorted(found)
