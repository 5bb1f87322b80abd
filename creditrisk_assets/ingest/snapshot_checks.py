"""Raw checks that look across tables or snapshots, and the rule that no check crashes.

- ``id_overlap`` (blocking, on ``raw/application_test``): no applicant id is both in the test
  table and the training table. An overlap would score applicants whose label the model was
  trained on; the feature store would only see it later as "duplicate SK_ID_CURR rows".
- ``profile`` (warning, on every raw table): each numeric column's quantiles against the previous
  snapshot's (``contracts.profile``); a header swap passes every type and bound but not this.
- ``never_crash``: whatever the data, a check reports. An error inside a check becomes a failed
  evaluation naming the table, the check and the error (blocking checks still stop everything
  downstream), not a crashed step that tells the user nothing about their data.
"""

# No `from __future__ import annotations`: Dagster reads the context and resource annotations.
import functools
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dagster as dg
import duckdb

from creditrisk_assets.contracts.keys import overlapping_keys
from creditrisk_assets.contracts.messages import shorten
from creditrisk_assets.contracts.profile import numeric_profile, profile_jumps
from creditrisk_assets.ingest.assets import raw_key, raw_path
from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.snapshot_asset import snapshot_check

warnings.filterwarnings(
    "ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=Warning
)

TRAIN, TEST, APPLICANT_ID = "application_train", "application_test", "SK_ID_CURR"


def never_crash(table: str, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn an error raised while evaluating check ``name`` of ``raw/<table>`` into a failed,
    ERROR-severity result; the signature is kept, so Dagster still injects the resources."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> dg.AssetCheckResult:
            try:
                return fn(*args, **kwargs)
            except Exception as err:  # reported as the check's verdict, never swallowed
                what = f"{type(err).__name__}: {err}"
                return dg.AssetCheckResult(
                    passed=False,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description=shorten(
                        f"raw/{table}: the {name} check could not evaluate the data ({what})"
                    ),
                    metadata={"table": f"raw/{table}", "error": shorten(what, 2000)},
                )

        return run

    return decorate


def raw_check(
    table: str,
    name: str,
    checks: str,
    harm: str,
    *,
    blocking: bool = True,
    additional_deps: Sequence[dg.AssetKey] = (),
) -> Callable[[Callable[..., Any]], dg.AssetChecksDefinition]:
    """The declaration every raw check shares: check ``name`` of ``raw/<table>``, per snapshot,
    blocking unless said otherwise, described by what it ``checks`` and the business ``harm``
    of a failure (``check_description``), evaluated under ``never_crash``."""

    def declare(fn: Callable[..., Any]) -> dg.AssetChecksDefinition:
        return snapshot_check(
            raw_key(table),
            checks,
            harm,
            blocking=blocking,
            per_snapshot=True,
            name=name,
            additional_deps=list(additional_deps) or None,
        )(never_crash(table, name)(fn))

    return declare


@dataclass(frozen=True)
class TableScan:
    """What a raw check of ``table`` reads: the snapshot's tables in the lake, and a warehouse
    session (``con``) to scan them in."""

    con: duckdb.DuckDBPyConnection
    lake: Lake
    table: str
    snapshot: str

    def path(self, table: str | None = None) -> str:
        """The snapshot's local Parquet of ``raw/<table>`` (by default the checked table)."""
        return self.lake.local_path(raw_path(table or self.table), self.snapshot)


def table_scan_check(
    table: str,
    name: str,
    checks: str,
    harm: str,
    *,
    config_type: type[dg.Config] | None = None,
    additional_deps: Sequence[dg.AssetKey] = (),
) -> Callable[[Callable[..., dg.AssetCheckResult]], dg.AssetChecksDefinition]:
    """A blocking ``raw_check`` whose decorated ``verdict(scan)`` judges the snapshot being
    checked through a ``TableScan``; with a ``config_type``, ``verdict(scan, config)`` also
    gets the check's run config."""

    @contextmanager
    def scanning(
        context: dg.AssetCheckExecutionContext, lake: Lake, warehouse: Warehouse
    ) -> Iterator[TableScan]:
        with warehouse.session() as con:
            yield TableScan(con, lake, table, context.partition_key)

    def declare(verdict: Callable[..., dg.AssetCheckResult]) -> dg.AssetChecksDefinition:
        if config_type is None:

            def check(
                context: dg.AssetCheckExecutionContext, lake: Lake, warehouse: Warehouse
            ) -> dg.AssetCheckResult:
                with scanning(context, lake, warehouse) as scan:
                    return verdict(scan)

        else:

            def check(  # Dagster reads the config's type from this annotation
                context: dg.AssetCheckExecutionContext,
                config: config_type,
                lake: Lake,
                warehouse: Warehouse,
            ) -> dg.AssetCheckResult:
                with scanning(context, lake, warehouse) as scan:
                    return verdict(scan, config)

        return raw_check(table, name, checks, harm, additional_deps=additional_deps)(check)

    return declare


def error_result(passed: bool, description: str, metadata: dict[str, Any]) -> dg.AssetCheckResult:
    """A blocking check's verdict: ERROR severity, the description kept short (details in
    ``metadata``)."""
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=shorten(description),
        metadata=metadata,
    )


def build_id_overlap_check() -> dg.AssetChecksDefinition:
    @table_scan_check(
        TEST,
        "id_overlap",
        f"No {APPLICANT_ID} of raw/{TEST} is also in raw/{TRAIN}: the applicants to score and "
        "the labelled ones must be different people.",
        "applicants awaiting a decision are also in the labelled history: the feed mixed "
        "populations, and test metrics and scores would be contaminated; held until fixed.",
        additional_deps=[raw_key(TRAIN)],
    )
    def _id_overlap(scan: TableScan) -> dg.AssetCheckResult:
        report = overlapping_keys(
            scan.con, TEST, scan.path(), TRAIN, scan.path(TRAIN), APPLICANT_ID
        )
        return error_result(
            report.passed,
            report.describe(),
            {
                "table": f"raw/{TEST}",
                "overlapping_ids": report.overlapping_keys,
                "example_ids": dg.MetadataValue.json(report.examples),
            },
        )

    return _id_overlap


def previous_snapshot(instance: dg.DagsterInstance, table: str, snapshot: str) -> str | None:
    """The latest materialized partition of ``raw/<table>`` before ``snapshot``, if any."""
    earlier = [p for p in instance.get_materialized_partitions(raw_key(table)) if p < snapshot]
    return max(earlier) if earlier else None


def build_profile_check(table: str) -> dg.AssetChecksDefinition:
    @raw_check(
        table,
        "profile",
        f"Quantiles of each numeric column of raw/{table} against the previous snapshot's; "
        "warns on implausible jumps (e.g. two amount columns swapped).",
        "a column probably changed meaning or units at the source (a warning: the run goes "
        "on); the data team should confirm it before the snapshot's scores are used.",
        blocking=False,
    )
    def _profile(
        context: dg.AssetCheckExecutionContext, lake: Lake, warehouse: Warehouse
    ) -> dg.AssetCheckResult:
        snapshot = context.partition_key
        previous = previous_snapshot(context.instance, table, snapshot)
        with warehouse.session() as con:
            current = numeric_profile(con, table, lake.local_path(raw_path(table), snapshot))
            before = (
                numeric_profile(con, table, lake.local_path(raw_path(table), previous))
                if previous and lake.exists(raw_path(table), previous)
                else None
            )
        metadata: dict[str, Any] = {"table": f"raw/{table}", "previous_snapshot": previous or ""}
        if before is None:
            description = f"raw/{table}: no earlier snapshot to compare with; profile recorded"
            jumps: list[dict[str, object]] = []
        else:
            jumps = profile_jumps(before, current)
            metadata["jumps"] = dg.MetadataValue.json(jumps)
            description = (
                f"raw/{table}: no column's distribution jumped since {previous}"
                if not jumps
                else f"raw/{table}: {len(jumps)} column(s) jumped since {previous}: "
                + "; ".join(f"{j['column']} ({j['why']})" for j in jumps)
            )
        metadata["profile"] = dg.MetadataValue.json(current)
        return dg.AssetCheckResult(
            passed=not jumps,
            severity=dg.AssetCheckSeverity.WARN,
            description=shorten(description),
            metadata=metadata,
        )

    return _profile
