"""The lake: where each (table asset, snapshot partition) lives as one Parquet file.

Layout: ``<base_uri>/<asset path>/snapshot_date=YYYY-MM-DD/data.parquet`` (hive style, so DuckDB
can read a whole table across partitions with ``hive_partitioning``). One file per partition keeps
concurrent runs and parallel steps free of DuckDB's single-writer lock.

Writes are atomic: the producer writes to a temporary file next to the target and it is renamed
into place (``os.replace``) only when the producer finished without error; on S3 the finished file
is uploaded with one PUT (up to S3's 5 GiB limit for one), which S3 makes visible all at once. A
reader never sees half a partition and a failed step leaves nothing behind (invariant 3,
docs/invariants.md): not even on S3 when the process is killed mid-upload, since a single PUT that
does not complete stores nothing, where a multipart upload would leave its parts behind.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from creditrisk_assets.partitions import validate_snapshot_key

PARTITION_FILE = "data.parquet"
TEMP_PREFIX = ".tmp-"
log = logging.getLogger(__name__)
#: Largest object S3 accepts in one PUT; only larger files are uploaded in parts.
SINGLE_PUT_LIMIT = 5 * 1024**3


def _is_s3(uri: str) -> bool:
    return uri.startswith("s3://")


def _split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


class Lake(dg.ConfigurableResource):
    """Parquet-per-partition storage under one base URI (local folder or ``s3://``)."""

    base_uri: str = Field(
        description="Root of the lake: a local folder, or s3://bucket/prefix in production."
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="S3-compatible endpoint (e.g. a local moto or MinIO server); None for AWS.",
    )
    cache_dir: str | None = Field(
        default=None,
        description="Local folder where S3 partitions are cached for DuckDB to read.",
    )
    stale_temp_minutes: float = Field(
        default=60.0,
        gt=0,
        description="A write first removes temporary files beside it untouched this long: "
        "what a killed step left.",
    )

    # ----------------------------------------------------------------- addressing
    def partition_uri(self, asset_path: str, partition: str, name: str = PARTITION_FILE) -> str:
        """URI of one file of one partition of a table asset (e.g. ``raw/bureau``)."""
        validate_snapshot_key(partition)
        _check_asset_path(asset_path)
        return f"{self.base_uri.rstrip('/')}/{asset_path}/snapshot_date={partition}/{name}"

    def table_glob(self, asset_path: str) -> str:
        """Glob over every partition of a table (for the hand-query catalog)."""
        _check_asset_path(asset_path)
        return f"{self.base_uri.rstrip('/')}/{asset_path}/snapshot_date=*/{PARTITION_FILE}"

    def exists(self, asset_path: str, partition: str, name: str = PARTITION_FILE) -> bool:
        uri = self.partition_uri(asset_path, partition, name)
        if _is_s3(uri):
            bucket, key = _split_s3(uri)
            resp = self._s3().list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
            return any(o["Key"] == key for o in resp.get("Contents", []))
        return Path(uri).is_file()

    # ----------------------------------------------------------------- reading
    def local_path(self, asset_path: str, partition: str, name: str = PARTITION_FILE) -> str:
        """A local path DuckDB or pandas can read; S3 objects are fetched into the cache."""
        uri = self.partition_uri(asset_path, partition, name)
        if not _is_s3(uri):
            if not Path(uri).is_file():
                raise FileNotFoundError(
                    f"{asset_path} has no materialized partition {partition} (looked for {uri})"
                )
            return uri
        bucket, key = _split_s3(uri)
        target = Path(self.cache_dir or "/tmp/creditrisk-lake-cache") / bucket / key
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
        self._s3().download_file(bucket, key, str(tmp))
        os.replace(tmp, target)
        return str(target)

    def local_root(self, prefix: str) -> str:
        """A local root under which ``<prefix>/...`` can be globbed by DuckDB: the lake itself
        when it is local; for ``s3://``, a cache folder mirroring every object under the prefix
        (DuckDB's own S3 reader needs an extension that cannot be installed offline, and the
        decision log is many small parts rather than one partition file).

        The mirror is exactly the prefix as listed now: a file whose object is gone from S3
        (a part removed or rewritten under a new name) is removed from the mirror too, so no
        query reads a decision the lake no longer holds."""
        if not _is_s3(self.base_uri):
            return self.base_uri
        bucket, root_key = _split_s3(self.base_uri.rstrip("/") + "/")
        cache = Path(self.cache_dir or "/tmp/creditrisk-lake-cache") / "mirror" / bucket
        client = self._s3()
        listed: set[Path] = set()
        folder = f"{root_key}{prefix.strip('/')}/"
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder):
            for obj in page.get("Contents", []):
                # folder markers ("…/") that S3 writers create are not files
                if obj["Key"].endswith("/") or Path(obj["Key"]).name.startswith(TEMP_PREFIX):
                    continue
                target = cache / obj["Key"]
                listed.add(target)
                if target.is_file() and target.stat().st_size == obj["Size"]:
                    continue  # parts are written once under unique names
                _clear_file_ancestors(target, cache)
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
                client.download_file(bucket, obj["Key"], str(tmp))
                os.replace(tmp, target)
        _prune_mirror(cache / folder, listed)
        return str(cache / root_key.rstrip("/"))

    def read_json(self, asset_path: str, partition: str, name: str) -> Any:
        return json.loads(Path(self.local_path(asset_path, partition, name)).read_text())

    # ----------------------------------------------------------------- writing
    @contextmanager
    def write_partition(
        self, asset_path: str, partition: str, name: str = PARTITION_FILE
    ) -> Iterator[Path]:
        """Yield a local temporary path to write; publish it atomically when the block succeeds.

        If the block raises, the temporary file is removed and the previous version of the
        partition (if any) is left untouched.
        """
        uri = self.partition_uri(asset_path, partition, name)
        if _is_s3(uri):
            staging = Path(self.cache_dir or "/tmp/creditrisk-lake-cache") / "staging"
        else:
            staging = Path(uri).parent
        staging.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(staging, self.stale_temp_minutes * 60)
        tmp = staging / f"{TEMP_PREFIX}{uuid.uuid4().hex}-{name}"
        try:
            yield tmp
            if not tmp.exists():
                raise RuntimeError(f"writer produced no file for {asset_path} [{partition}]")
            if _is_s3(uri):
                bucket, key = _split_s3(uri)
                from boto3.s3.transfer import TransferConfig

                single_put = TransferConfig(multipart_threshold=SINGLE_PUT_LIMIT)
                self._s3().upload_file(str(tmp), bucket, key, Config=single_put)
            else:
                os.replace(tmp, uri)
        finally:
            if tmp.exists():
                tmp.unlink() if tmp.is_file() else shutil.rmtree(tmp)

    def write_json(self, asset_path: str, partition: str, name: str, obj: Any) -> str:
        """Atomically write a small JSON sidecar (e.g. a feature spec) beside a partition."""
        with self.write_partition(asset_path, partition, name) as tmp:
            tmp.write_text(json.dumps(obj, indent=1, sort_keys=True, default=str))
        return self.partition_uri(asset_path, partition, name)

    def delete_partition(self, asset_path: str, partition: str) -> None:
        """Remove a partition's folder (local lakes only; used by tests and clean-ups)."""
        uri = self.partition_uri(asset_path, partition)
        if _is_s3(uri):
            raise NotImplementedError("delete on S3 goes through the bucket's lifecycle rules")
        shutil.rmtree(Path(uri).parent, ignore_errors=True)

    # ----------------------------------------------------------------- internals
    def _s3(self) -> Any:
        from creditrisk_assets.resources.s3 import s3_client  # dagster-aws; lazily

        return s3_client(self.s3_endpoint_url)


def _last_touched(path: Path) -> float:
    """Newest modification time in ``path`` (a file, or a folder some writers produce)."""
    if not path.is_dir():
        return path.stat().st_mtime
    return max([path.stat().st_mtime, *(p.stat().st_mtime for p in path.rglob("*"))])


def remove_stale_temps(folder: Path, older_than_s: float) -> list[Path]:
    """Remove the ``.tmp-*`` files and folders in ``folder`` untouched for ``older_than_s``
    seconds (left by killed steps); returns them."""
    now = time.time()
    removed = []
    for path in folder.glob(f"{TEMP_PREFIX}*"):
        try:
            if now - _last_touched(path) < older_than_s:
                continue
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        except FileNotFoundError:  # its writer finished, or another sweep took it
            continue
        removed.append(path)
    if removed:
        log.warning("removed %d stale temporary file(s) in %s", len(removed), folder)
    return removed


def _check_asset_path(asset_path: str) -> None:
    parts = asset_path.split("/")
    if not parts or any(
        not p or p in {".", ".."} or not p.replace("_", "").isalnum() for p in parts
    ):
        raise ValueError(f"invalid asset path {asset_path!r}: use names like 'raw/bureau'")


def _clear_file_ancestors(target: Path, cache: Path) -> None:
    """Remove a file that stands where ``target`` needs a folder (a cache written before folder
    markers were skipped): the mirror is a cache, so S3 stays the truth."""
    for parent in sorted((p for p in target.parents if cache in p.parents), key=_depth):
        if parent.is_file():
            parent.unlink()


def _prune_mirror(folder: Path, listed: set[Path]) -> None:
    """Remove the files under ``folder`` whose objects S3 did not list. Dot-files are another
    process's downloads in progress (``.name.uuid``, renamed into place when complete)."""
    if not folder.is_dir():
        return
    for path in folder.rglob("*"):
        if path.is_file() and not path.name.startswith(".") and path not in listed:
            path.unlink(missing_ok=True)


def _depth(path: Path) -> int:
    return len(path.parts)
