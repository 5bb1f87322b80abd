"""Feature fixtures: the small synthetic snapshot as raw Parquet in the lake, and a feature store
built from it once per session.

The raw Parquet is made here with DuckDB straight from the generator's CSVs (types from the
schema), so these tests depend on the generator, not on the ingestion assets; one test in
``test_with_ingest.py`` runs the real raw assets and the feature assets together.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from creditrisk_assets.features import STORE_PATH, defs
from creditrisk_assets.partitions import SNAPSHOT_PARTITIONS_NAME
from creditrisk_assets.resources import Lake, Warehouse
from creditrisk_assets.schema import HISTORY_TABLES, RAW_TABLES, table_spec

SNAPSHOT = "2026-11-01"


def write_raw(lake: Lake, partition: str, parquet_dir: Path, empty: tuple[str, ...] = ()) -> None:
    """Publish ``raw/<table>`` partitions from Parquet files; tables in ``empty`` get 0 rows."""
    con = duckdb.connect()
    for table in RAW_TABLES:
        with lake.write_partition(f"raw/{table}", partition) as tmp:
            rel = con.read_parquet(str(parquet_dir / f"{table}.parquet"))
            (rel.limit(0) if table in empty else rel).write_parquet(str(tmp))


def feature_assets() -> list:
    return list(defs.assets) + list(defs.asset_checks)


def materialize_features(
    lake: Lake, warehouse: Warehouse, partition: str, run_config: dict | None = None
) -> dg.ExecuteInProcessResult:
    """Run the feature store, the split and their checks for one partition."""
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(SNAPSHOT_PARTITIONS_NAME, [partition])
        return dg.materialize(
            feature_assets(),
            partition_key=partition,
            instance=instance,
            resources={"lake": lake, "warehouse": warehouse},
            run_config=run_config,
            raise_on_error=False,
        )


@pytest.fixture(scope="session")
def raw_parquet_dir(small_snapshot_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small snapshot's eight CSVs as Parquet with the schema's column types."""
    out = tmp_path_factory.mktemp("raw_parquet")
    con = duckdb.connect()
    for table in RAW_TABLES:
        spec = table_spec(table)
        rel = con.read_csv(
            str(small_snapshot_dir / spec.file), dtype=spec.duckdb_types, header=True
        )
        rel.select(*spec.column_names).write_parquet(str(out / f"{table}.parquet"))
    return out


@pytest.fixture
def raw_lake(lake: Lake, raw_parquet_dir: Path) -> Lake:
    write_raw(lake, SNAPSHOT, raw_parquet_dir)
    return lake


@pytest.fixture(scope="session")
def built(
    raw_parquet_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Lake, Warehouse, dg.ExecuteInProcessResult]]:
    """A lake with the small snapshot's feature store and split, built once (read-only use)."""
    home = tmp_path_factory.mktemp("features_state")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CREDITRISK_HOME", str(home))
        lake = Lake(base_uri=str(home / "lake"))
        warehouse = Warehouse()
        write_raw(lake, SNAPSHOT, raw_parquet_dir)
        result = materialize_features(lake, warehouse, SNAPSHOT)
        yield lake, warehouse, result


@pytest.fixture(scope="session")
def store_frame(built: tuple[Lake, Warehouse, dg.ExecuteInProcessResult]) -> pd.DataFrame:
    lake, _, _ = built
    return pd.read_parquet(lake.local_path(STORE_PATH, SNAPSHOT))


@pytest.fixture(scope="session")
def raw_frames(raw_parquet_dir: Path) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(raw_parquet_dir / f"{t}.parquet") for t in RAW_TABLES}


@pytest.fixture
def materialize():
    return materialize_features


@pytest.fixture
def publish_raw():
    return write_raw


def history_records(raw_frames: dict[str, pd.DataFrame], ids: list[int]) -> dict[str, pd.DataFrame]:
    """The raw history rows of applicants ``ids`` (bureau_balance through their bureau credits),
    as the API's callers would send them."""
    bureau = raw_frames["bureau"][raw_frames["bureau"]["SK_ID_CURR"].isin(ids)]
    history = {"bureau": bureau}
    bb = raw_frames["bureau_balance"]
    history["bureau_balance"] = bb[bb["SK_ID_BUREAU"].isin(bureau["SK_ID_BUREAU"])]
    for table in HISTORY_TABLES:
        if table not in history:
            frame = raw_frames[table]
            history[table] = frame[frame["SK_ID_CURR"].isin(ids)]
    return history


@pytest.fixture(scope="session")
def history_of(raw_frames: dict[str, pd.DataFrame]):
    """``history_of(ids)``: ``history_records`` over the small snapshot's raw frames."""
    return lambda ids: history_records(raw_frames, ids)


@pytest.fixture(scope="session")
def inputs_of(raw_frames: dict[str, pd.DataFrame]):
    """``inputs_of(ids)``: applicants ``ids``' application rows and history as the serving
    session's Arrow input relations (``feature_inputs.records_to_arrow``), one request's worth."""
    from creditrisk_assets.serving.feature_inputs import records_to_arrow

    def inputs(ids: list[int]) -> dict:
        app = raw_frames["application_train"]
        tables = {"application": records_to_arrow("application", app[app["SK_ID_CURR"].isin(ids)])}
        for table, frame in history_records(raw_frames, ids).items():
            tables[table] = records_to_arrow(table, frame)
        return tables

    return inputs
