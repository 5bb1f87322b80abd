"""Raw-table contracts: a pandera schema per table plus the key checks that span rows.

- ``raw_schema(table)``: the pandera ``DataFrameSchema`` of ``raw/<table>``.
- ``validate_parquet_sql(con, table, path)``: that schema's checks in one DuckDB scan of a
  Parquet file (the default); ``validate_parquet``: the schema itself over streamed chunks.
- ``duplicate_keys`` / ``orphan_keys`` / ``overlapping_keys``: primary-key uniqueness, key
  integrity and train/test disjointness in DuckDB SQL.
- ``table_contract(table)``: the column contracts both paths apply (ingestion via pandera, the
  API via ``record_violations``); ``numeric_profile`` / ``profile_jumps``: snapshot-to-snapshot
  distribution jumps.
"""

from creditrisk_assets.contracts.columns import ColumnContract, table_contract
from creditrisk_assets.contracts.keys import (
    DuplicateReport,
    OrphanReport,
    OverlapReport,
    duplicate_keys,
    orphan_keys,
    overlapping_keys,
)
from creditrisk_assets.contracts.profile import numeric_profile, profile_jumps
from creditrisk_assets.contracts.records import record_violations
from creditrisk_assets.contracts.schemas import raw_schema, raw_schemas
from creditrisk_assets.contracts.sql_contract import validate_parquet_sql
from creditrisk_assets.contracts.validate import (
    DEFAULT_CHUNK_CELLS,
    ContractReport,
    validate_parquet,
)

__all__ = [
    "DEFAULT_CHUNK_CELLS",
    "ColumnContract",
    "ContractReport",
    "DuplicateReport",
    "OrphanReport",
    "OverlapReport",
    "duplicate_keys",
    "numeric_profile",
    "orphan_keys",
    "overlapping_keys",
    "profile_jumps",
    "raw_schema",
    "raw_schemas",
    "record_violations",
    "table_contract",
    "validate_parquet",
    "validate_parquet_sql",
]
