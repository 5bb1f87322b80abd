"""Raw-table contracts: a pandera schema per table plus the key checks that span rows.

- ``raw_schema(table)``: the pandera ``DataFrameSchema`` of ``raw/<table>``.
- ``validate_parquet(con, table, path)``: that schema run over a Parquet file in chunks.
- ``duplicate_keys`` / ``orphan_keys``: primary-key uniqueness and key integrity in DuckDB SQL.
"""

from creditrisk_assets.contracts.keys import (
    DuplicateReport,
    OrphanReport,
    duplicate_keys,
    orphan_keys,
)
from creditrisk_assets.contracts.schemas import raw_schema, raw_schemas
from creditrisk_assets.contracts.validate import (
    DEFAULT_CHUNK_CELLS,
    ContractReport,
    validate_parquet,
)

__all__ = [
    "DEFAULT_CHUNK_CELLS",
    "ContractReport",
    "DuplicateReport",
    "OrphanReport",
    "duplicate_keys",
    "orphan_keys",
    "raw_schema",
    "raw_schemas",
    "validate_parquet",
]
