"""The eight raw assets: ``raw/<table>``, one Parquet file per snapshot partition.

Each asset fetches its snapshot through the ``source`` resource, verifies its own file against
the snapshot's ``MD5SUMS``, unzips it if needed and lets DuckDB load it (``loader.load_csv``) into
the lake's temporary path, which is renamed into place only when everything succeeded: a failed
step leaves the previous version of the partition (and every other partition) untouched.

History is optional: a snapshot without a history table (or without ``application_test``) gets a
zero-row Parquet file with the table's full schema, so the graph still runs on an
application-only snapshot. ``application_train`` is the one table a snapshot must have.
"""

# No `from __future__ import annotations`: Dagster reads the context and resource annotations.
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import dagster as dg

from creditrisk_assets import settings
from creditrisk_assets.catalog_metadata import TABLE_KINDS
from creditrisk_assets.column_schemas import raw_column_schema
from creditrisk_assets.contracts.delivery import RawDataError, check_manifest
from creditrisk_assets.ingest.connectors.base import SnapshotFiles, decompressed, verify_file
from creditrisk_assets.ingest.loader import RawFileError, load_csv, write_empty
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.keys import raw_key, raw_path
from creditrisk_assets.partitions import (
    SNAPSHOT_PARTITIONS_NAME,
    validate_snapshot_key,
)
from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.schema import RAW_TABLES, table_spec
from creditrisk_assets.snapshot_asset import snapshot_asset

REQUIRED_TABLES = ("application_train",)
SIDECAR = "ingest.json"
DEFAULT_SLA_HOURS = 36.0


def raw_freshness_policy() -> dg.FreshnessPolicy:
    """Raw data must be refreshed within the SLA (hours, ``CREDITRISK_RAW_SLA_HOURS``);
    it warns at half the SLA so someone can chase a late feed before it is overdue."""
    hours = settings.raw_sla_hours() or DEFAULT_SLA_HOURS
    # Dagster's floor for both windows is one minute: an SLA under two minutes (tests) has no
    # warning stage rather than an invalid one.
    warn = timedelta(hours=hours / 2)
    return dg.FreshnessPolicy.time_window(
        fail_window=timedelta(hours=hours),
        warn_window=warn if warn >= timedelta(minutes=1) else None,
    )


def ingest_table(
    table: str, files: SnapshotFiles, lake: Lake, warehouse: Warehouse
) -> dict[str, Any]:
    """Load one table of a fetched snapshot into its lake partition; return the summary.

    Raises ``RawFileError`` / ``ChecksumMismatch`` with a message naming the table (and lines or
    columns) when the file cannot become a partition; nothing is published in that case.
    """
    spec = table_spec(table)
    snapshot = validate_snapshot_key(files.snapshot)
    path = files.table_file(table)
    summary: dict[str, Any] = {
        "table": table,
        "snapshot": snapshot,
        "connector": files.connector,
        "source_uri": files.table_uri(table),
        "present": path is not None,
        "bytes": 0,
        "md5": None,
        "md5_verified": False,
        "extra_columns_dropped": [],
    }
    present = [p.name for t in RAW_TABLES if (p := files.table_file(t)) is not None]
    check_manifest(snapshot, files.folder, files.manifest, present)
    if path is None and table in REQUIRED_TABLES:
        raise RawFileError(
            f"{raw_path(table)}: snapshot {snapshot} has no {spec.file} in {files.uri}; "
            "application_train is the one table every snapshot must carry"
        )
    scratch = settings.scratch_dir()
    with warehouse.session() as con, lake.write_partition(raw_path(table), snapshot) as tmp:
        if path is None:
            write_empty(con, spec, tmp)
            rows = 0
        else:
            # Hash in a thread while DuckDB loads (hashlib releases the GIL); nothing is
            # published before both finished, so a mismatch still leaves no partition.
            with ThreadPoolExecutor(max_workers=1) as pool:
                hashing = pool.submit(verify_file, files, table, path)
                try:
                    with decompressed(path, scratch) as csv_path:
                        result = load_csv(con, spec, csv_path, tmp, path.name)
                except RawDataError:
                    hashing.result()  # a checksum mismatch is the better explanation
                    raise
                md5, verified = hashing.result()
            summary.update(bytes=path.stat().st_size, md5=md5, md5_verified=verified)
            rows = result.rows
            summary["extra_columns_dropped"] = result.extra_columns
    summary["rows"] = rows
    summary["lake_uri"] = lake.partition_uri(raw_path(table), snapshot)
    lake.write_json(raw_path(table), snapshot, SIDECAR, summary)
    return summary


def _metadata(summary: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "dagster/row_count": int(summary["rows"]),
        "source_uri": dg.MetadataValue.url(summary["source_uri"]),
        "connector": summary["connector"],
        "present_in_snapshot": bool(summary["present"]),
        "bytes": int(summary["bytes"]),
        "md5": summary["md5"] or "(table absent)",
        "md5_verified_against_manifest": bool(summary["md5_verified"]),
        "lake_uri": dg.MetadataValue.path(summary["lake_uri"]),
    }
    if summary["extra_columns_dropped"]:
        meta["extra_columns_dropped"] = list(summary["extra_columns_dropped"])
    return meta


def fetch_retry_policy() -> dg.RetryPolicy:
    """Retries for a raw asset's step, whose fetch is the network-bound part (Kaggle, S3):
    ``CREDITRISK_FETCH_RETRIES`` tries after the first, waiting ``..._DELAY_SECONDS`` and then
    doubling (exponential backoff). Loading a fetched file is deterministic, so its errors
    bypass the policy (``dg.Failure(allow_retries=False)``)."""
    return dg.RetryPolicy(
        max_retries=settings.fetch_retries(),
        delay=settings.fetch_retry_delay_seconds(),
        backoff=dg.Backoff.EXPONENTIAL,
    )


def build_raw_asset(table: str, retry_policy: dg.RetryPolicy | None = None) -> dg.AssetsDefinition:
    """The ``raw/<table>`` asset; ``retry_policy`` defaults to ``fetch_retry_policy()``."""
    spec = table_spec(table)

    @snapshot_asset(
        raw_key(table),
        kinds=TABLE_KINDS,
        freshness_policy=raw_freshness_policy(),
        description=(
            f"Raw `{spec.file}` of one snapshot as Parquet ({len(spec.columns)} columns, types "
            "from the schema); a zero-row table when the snapshot lacks it"
            + ("" if table not in REQUIRED_TABLES else " (required: the step fails if absent)")
            + "."
        ),
        metadata={
            "kaggle_file": spec.file,
            "key": list(spec.key),
            # The UI's column list is the pandera contract the `contract` check enforces.
            "dagster/column_schema": raw_column_schema(table),
        },
        retry_policy=retry_policy or fetch_retry_policy(),  # issue 16: transient fetch errors
    )
    def _raw(
        context: dg.AssetExecutionContext,
        source: SnapshotSource,
        lake: Lake,
        warehouse: Warehouse,
    ) -> dg.MaterializeResult:
        snapshot = validate_snapshot_key(context.partition_key)
        # The snapshots registered before this one: a synthetic source generates this one as
        # their successor, with their matured outcomes (issue 17); other sources ignore them.
        registered = context.instance.get_dynamic_partitions(SNAPSHOT_PARTITIONS_NAME)
        earlier = [p for p in registered if p < snapshot]
        try:
            files = source.fetch(snapshot, earlier)  # network-bound: connection errors retry
            summary = ingest_table(table, files, lake, warehouse)
        except RawDataError as err:  # short message; the full lists as failure metadata
            raise dg.Failure(
                description=str(err), metadata=err.details, allow_retries=False
            ) from err
        except ValueError as err:
            # Bad data or configuration (RawFileError, ChecksumMismatch, ManifestError are
            # ValueErrors): the same input fails the same way, so skip the retry policy.
            raise dg.Failure(str(err), allow_retries=False) from err
        if summary["extra_columns_dropped"]:
            context.log.warning(
                f"{raw_path(table)} [{snapshot}]: dropped unknown column(s) "
                f"{summary['extra_columns_dropped']} not in the {table} contract"
            )
        return dg.MaterializeResult(metadata=_metadata(summary))

    return _raw


raw_assets: list[dg.AssetsDefinition] = [build_raw_asset(t) for t in RAW_TABLES]
