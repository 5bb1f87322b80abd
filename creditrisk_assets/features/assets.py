"""Feature assets: ``features/feature_store`` and its ``features/train`` / ``features/test`` split.

The feature store is SQL over the partition's raw Parquet (see ``compute``), written as one
Parquet file sorted by SK_ID_CURR with its feature spec (``feature_spec.json``) beside it. The
split keeps the labelled rows and assigns each applicant by a stable hash of its id, so an
applicant stays on the same side in every snapshot (no leakage between a model's training rows
of one snapshot and its test rows of the next) and a rebuild gives the same split.
"""

# No `from __future__ import annotations`: Dagster reads the context, config and resource types.
import hashlib
from typing import Any

import dagster as dg
from pydantic import Field

from creditrisk_assets.catalog_metadata import TABLE_KINDS, table_metadata
from creditrisk_assets.column_schemas import feature_column_schema
from creditrisk_assets.conditions import ON_NEW_DATA
from creditrisk_assets.features.catalog import build_spec
from creditrisk_assets.features.compute import build_feature_store, feature_store_columns
from creditrisk_assets.features.spec import SPEC_FILE, FeatureSpec
from creditrisk_assets.features.sql_files import SQL_FILES
from creditrisk_assets.gates import gated
from creditrisk_assets.keys import (
    FEATURE_STORE,
    FEATURES_TEST,
    FEATURES_TRAIN,
    lake_path,
    raw_key,
    raw_path,
)
from creditrisk_assets.partitions import snapshot_partitions
from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.schema import RAW_TABLES
from creditrisk_assets.snapshot_asset import asset_spec, snapshot_asset

#: Lake paths of the three assets (derived from their keys).
STORE_PATH = lake_path(FEATURE_STORE)
TRAIN_PATH = lake_path(FEATURES_TRAIN)
TEST_PATH = lake_path(FEATURES_TEST)
BUCKETS = 10_000


def load_feature_spec(lake: Lake, partition: str) -> FeatureSpec:
    """The feature spec written with a feature-store partition."""
    return FeatureSpec.from_dict(lake.read_json(STORE_PATH, partition, SPEC_FILE))


def split_bucket(sk_id_curr: int) -> int:
    """An applicant's split bucket (0..9999): the Python twin of ``sql/features_split.sql``."""
    return int(hashlib.md5(str(int(sk_id_curr)).encode()).hexdigest()[:8], 16) % BUCKETS


@snapshot_asset(
    FEATURE_STORE,
    kinds=TABLE_KINDS,
    deps=[raw_key(t) for t in RAW_TABLES],
    # Issue 16: built by the automation sensor once every raw table of the snapshot is in and
    # passed its blocking checks.
    automation_condition=ON_NEW_DATA,
    description="One row per applicant of the snapshot (train and test populations): "
    "SK_ID_CURR, TARGET (NULL if unlabelled), then every feature of sql/features_*.sql.",
)
def feature_store(
    context: dg.AssetExecutionContext, lake: Lake, warehouse: Warehouse
) -> dg.MaterializeResult:
    partition = context.partition_key
    raw_paths = {t: lake.local_path(raw_path(t), partition) for t in RAW_TABLES}
    with warehouse.session() as con, lake.write_partition(STORE_PATH, partition) as tmp:
        timings = build_feature_store(con, raw_paths, tmp)
        columns = feature_store_columns(con)
        spec = build_spec([name for name, _ in columns], SQL_FILES)
        rows, labelled, target_rate = (
            con.read_parquet(str(tmp))
            .aggregate("count(*), count(TARGET), avg(TARGET)")
            .fetchall()[0]
        )
        # The spec goes first: if publishing the data then failed, the contract check would
        # see data and spec disagree; the reverse (data without spec) could not be scored.
        lake.write_json(STORE_PATH, partition, SPEC_FILE, spec.to_dict())
    context.log.info(f"feature store {partition}: {rows} rows, {len(spec.features)} features")
    metadata: dict[str, Any] = {
        **table_metadata(rows, feature_column_schema(spec, columns)),
        "labelled_rows": int(labelled),
        "target_rate": float(target_rate) if target_rate is not None else None,
        "n_features": len(spec.features),
        "n_categorical": sum(f.kind == "categorical" for f in spec.features),
        "spec_hash": spec.hash,
        "uri": lake.partition_uri(STORE_PATH, partition),
    }
    metadata.update({f"seconds_{stage}": float(s) for stage, s in timings.items()})
    return dg.MaterializeResult(metadata=metadata)


class SplitConfig(dg.Config):
    """How the labelled applicants are divided between training and test."""

    test_fraction: float = Field(
        default=0.2,
        gt=0.0,
        lt=1.0,
        description="Share of labelled applicants held out for test, by a stable hash of "
        "SK_ID_CURR (md5 of the id text, mod 10000; buckets below fraction*10000 are test).",
    )


@dg.multi_asset(
    specs=[
        asset_spec(
            FEATURES_TRAIN,
            kinds=TABLE_KINDS,
            deps=[FEATURE_STORE],
            automation_condition=ON_NEW_DATA,  # issue 16: follows a checked feature store
            description="Labelled feature-store rows whose id hashes to the training side.",
        ),
        asset_spec(
            FEATURES_TEST,
            kinds=TABLE_KINDS,
            deps=[FEATURE_STORE],
            automation_condition=ON_NEW_DATA,
            description="Labelled feature-store rows whose id hashes to the test side.",
        ),
    ],
    partitions_def=snapshot_partitions,
)
@gated
def feature_splits(
    context: dg.AssetExecutionContext, config: SplitConfig, lake: Lake, warehouse: Warehouse
):
    """Both sides in one step, so one configuration decides them together."""
    partition = context.partition_key
    store = lake.local_path(STORE_PATH, partition)
    test_buckets = round(config.test_fraction * BUCKETS)
    spec = load_feature_spec(lake, partition)
    with warehouse.session() as con:
        Warehouse.register_parquet(con, {"feature_store": store})
        for key, path, want_test in (
            (FEATURES_TRAIN, TRAIN_PATH, False),
            (FEATURES_TEST, TEST_PATH, True),
        ):
            params = {"test_buckets": test_buckets, "want_test": want_test}
            with lake.write_partition(path, partition) as tmp:
                rel = Warehouse.run_sql_file(con, "features_split", params)
                columns = [(n, str(t)) for n, t in zip(rel.columns, rel.types, strict=True)]
                rel.write_parquet(str(tmp), compression="zstd")
                rows, positives = (
                    con.read_parquet(str(tmp))
                    .aggregate("count(*), coalesce(sum(TARGET), 0)")
                    .fetchall()[0]
                )
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={
                    **table_metadata(rows, feature_column_schema(spec, columns)),
                    "positives": int(positives),
                    "target_rate": float(positives) / rows if rows else None,
                    "test_fraction": float(config.test_fraction),
                    "uri": lake.partition_uri(path, partition),
                },
            )
