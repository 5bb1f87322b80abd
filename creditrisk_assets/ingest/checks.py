"""Blocking asset checks on the raw tables: contract, unique keys, key integrity, row count.

All are ``blocking=True``: when one fails, nothing downstream of that raw table materializes in
the same run (invariant 2, docs/invariants.md). A failing check says which table, column,
check and example ids in both its description and its metadata. Extra columns the loader
dropped are reported as a warning by the contract check (it passes, with ``warning``
metadata), because the lake's schema is unaffected by them.
"""

# No `from __future__ import annotations`: Dagster reads the context, config and resource types.
import warnings
from typing import Any, Literal

import dagster as dg
from pydantic import Field

from creditrisk_assets.contracts import DEFAULT_CHUNK_CELLS, duplicate_keys, orphan_keys
from creditrisk_assets.contracts.keys import PARENT_TABLES
from creditrisk_assets.contracts.sql_contract import validate_parquet_sql
from creditrisk_assets.contracts.validate import validate_parquet
from creditrisk_assets.ingest.assets import REQUIRED_TABLES, SIDECAR
from creditrisk_assets.ingest.snapshot_checks import (
    TableScan,
    build_id_overlap_check,
    build_profile_check,
    error_result,
    table_scan_check,
)
from creditrisk_assets.keys import raw_key, raw_path
from creditrisk_assets.schema import RAW_TABLES, table_spec

DEFAULT_MAX_ORPHAN_RATIO = 0.01

# Partitioned asset checks are "preview" in Dagster 1.13 but are exactly what per-snapshot checks
# need; silence only that one notice.
warnings.filterwarnings(
    "ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=Warning
)


class ContractConfig(dg.Config):
    engine: Literal["duckdb", "pandera"] = Field(
        default="duckdb",
        description="duckdb: the contract's checks generated from the pandera schema and run "
        "as one DuckDB scan of the Parquet (issue 20: ~10x faster at full scale); pandera: the "
        "schema itself over chunks streamed into pandas (the reference; same report).",
    )
    chunk_cells: int = Field(
        default=DEFAULT_CHUNK_CELLS,
        description="engine=pandera: values (rows x columns) per chunk streamed from Parquet "
        "into pandera; bounds the check's memory whatever the table size.",
    )


class KeyIntegrityConfig(dg.Config):
    max_orphan_ratio: float = Field(
        default=DEFAULT_MAX_ORPHAN_RATIO,
        description="Largest tolerated share of child rows whose key has no parent row "
        "(0.01 = 1%). Raise it for independently sampled tables.",
    )


def build_contract_check(table: str) -> dg.AssetChecksDefinition:
    @table_scan_check(
        table,
        "contract",
        f"{raw_path(table)} satisfies its pandera contract (types, nulls, categories, ranges, "
        "sentinels), evaluated in one DuckDB scan of the Parquet.",
        "the lender's feed delivered values the models were never built for (a new category, "
        "an impossible amount); nothing is trained or scored on this snapshot until the data "
        "team has the source fixed and reruns the ingest.",
        config_type=ContractConfig,
    )
    def _contract(scan: TableScan, config: ContractConfig) -> dg.AssetCheckResult:
        if config.engine == "pandera":
            report = validate_parquet(scan.con, table, scan.path(), config.chunk_cells)
        else:
            report = validate_parquet_sql(scan.con, table, scan.path())
        metadata: dict[str, Any] = {
            "table": f"{raw_path(table)}",
            "rows_validated": report.rows,
            "failed_checks": len(report.failures),
        }
        description = report.describe()
        if not report.passed:
            metadata["failures"] = dg.MetadataValue.json(report.failure_list())
        if scan.lake.exists(raw_path(table), scan.snapshot, SIDECAR):
            sidecar = scan.lake.read_json(raw_path(table), scan.snapshot, SIDECAR)
            extras = sidecar["extra_columns_dropped"]
            if extras:
                metadata["warning"] = f"unknown column(s) dropped at ingestion: {extras}"
                metadata["extra_columns_dropped"] = list(extras)
                description += f" (WARN: unknown column(s) {extras} were dropped)"
        return error_result(report.passed, description, metadata)

    return _contract


def build_unique_key_check(table: str) -> dg.AssetChecksDefinition:
    key = table_spec(table).key

    @table_scan_check(
        table,
        "unique_key",
        f"No two rows of {raw_path(table)} share ({', '.join(key)}).",
        "records are duplicated, so an applicant's history would be counted twice and their "
        "PD overstated; the snapshot is held until the feed is deduplicated.",
    )
    def _unique(scan: TableScan) -> dg.AssetCheckResult:
        report = duplicate_keys(scan.con, table, scan.path())
        metadata: dict[str, Any] = {
            "table": f"{raw_path(table)}",
            "key": list(key),
            "rows": report.rows,
            "duplicated_keys": report.duplicated_keys,
            "duplicated_rows": report.duplicated_rows,
        }
        if not report.passed:
            metadata["examples"] = dg.MetadataValue.json(report.examples)
        return error_result(report.passed, report.describe(), metadata)

    return _unique


def build_key_integrity_check(table: str) -> dg.AssetChecksDefinition:
    spec = table_spec(table)
    parent_tables = sorted({t for p in spec.parents.values() for t in PARENT_TABLES[p]})

    @table_scan_check(
        table,
        "key_integrity",
        f"Child keys of {raw_path(table)} ({', '.join(spec.parents)}) exist in their parent "
        "tables, up to a configurable orphan ratio.",
        "history rows point at applicants or credits the feed does not contain: part of the "
        "credit history is lost or mislinked, so scores would ignore it; the snapshot is held "
        "until the extract is complete.",
        config_type=KeyIntegrityConfig,
        additional_deps=[raw_key(t) for t in parent_tables],
    )
    def _integrity(scan: TableScan, config: KeyIntegrityConfig) -> dg.AssetCheckResult:
        reports = [
            orphan_keys(
                scan.con,
                table,
                scan.path(),
                column,
                [(t, scan.path(t)) for t in PARENT_TABLES[parent]],
                config.max_orphan_ratio,
            )
            for column, parent in spec.parents.items()
        ]
        passed = all(r.passed for r in reports)
        metadata: dict[str, Any] = {
            "table": f"{raw_path(table)}",
            "max_orphan_ratio": float(config.max_orphan_ratio),
            "orphans": dg.MetadataValue.json(
                [
                    {
                        "column": r.column,
                        "parent": r.parent,
                        "child_rows": r.child_rows,
                        "orphan_rows": r.orphan_rows,
                        "orphan_ratio": round(r.ratio, 6),
                        "example_keys": r.examples,
                    }
                    for r in reports
                ]
            ),
        }
        failing = [r for r in reports if not r.passed] or reports
        return error_result(passed, "; ".join(r.describe() for r in failing), metadata)

    return _integrity


def build_row_count_check(table: str) -> dg.AssetChecksDefinition:
    @table_scan_check(
        table,
        "row_count",
        f"{raw_path(table)} has at least one row (a snapshot without applicants is a broken "
        "delivery).",
        "the delivery is empty or truncated: there is nobody to train on or score, and no "
        "decision for this snapshot can be made until the feed is re-delivered.",
    )
    def _rows(scan: TableScan) -> dg.AssetCheckResult:
        relation = scan.con.read_parquet(scan.path(), hive_partitioning=False)
        count = int(relation.aggregate("count(*)").fetchall()[0][0])
        description = (
            f"{raw_path(table)} has {count} rows"
            if count
            else f"{raw_path(table)} has no rows: the snapshot's {table_spec(table).file} is empty"
        )
        return error_result(count > 0, description, {"table": f"{raw_path(table)}", "rows": count})

    return _rows


def raw_checks() -> list[dg.AssetChecksDefinition]:
    checks = [build_contract_check(t) for t in RAW_TABLES]
    checks += [build_unique_key_check(t) for t in RAW_TABLES if table_spec(t).key]
    checks += [build_key_integrity_check(t) for t in RAW_TABLES if table_spec(t).parents]
    checks += [build_row_count_check(t) for t in REQUIRED_TABLES]
    checks += [build_id_overlap_check()]
    checks += [build_profile_check(t) for t in RAW_TABLES]
    return checks
