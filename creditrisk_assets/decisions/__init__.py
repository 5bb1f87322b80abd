"""The decision log: every decision the platform makes, recorded for audit and backtests.

* :mod:`.record`: the record schema (:data:`DECISION_SCHEMA`) and :func:`decision_table`, which
  builds a batch of records column-wise;
* :mod:`.sinks`: :class:`ParquetDecisionSink` (the lake, by day; embedded default) and
  :class:`PostgresDecisionSink` (production profile);
* :mod:`.buffer`: :class:`DecisionBuffer`, the bounded in-process buffer the API writes through;
* :mod:`.catalog`: the DuckDB ``decision_log`` view over the Parquet log (and the PostgreSQL
  rows :func:`postgres_decisions` reads, for the backtest and production drift) and
  :func:`decisions_by_version`.

* :mod:`.batch`: batch scores' records, one part per snapshot and model version;
* :mod:`.assets`: ``decisions/log`` as an observable source asset (``defs``).

Configuration comes in as constructor arguments; the settings module wires them.
"""

import dagster as dg

from creditrisk_assets.decisions.assets import decision_log
from creditrisk_assets.decisions.buffer import DecisionBuffer, DecisionLogUnavailable
from creditrisk_assets.decisions.catalog import (
    create_decision_log_view,
    decisions_by_version,
    log_glob,
    postgres_decisions,
)
from creditrisk_assets.decisions.record import (
    CHANNELS,
    DECISION_SCHEMA,
    decision_table,
    feature_rows_json,
    inputs_hash,
    inputs_hash_matrix,
    new_decision_ids,
)
from creditrisk_assets.decisions.sinks import (
    DecisionSink,
    ParquetDecisionSink,
    PostgresDecisionSink,
)

defs = dg.Definitions(assets=[decision_log])

__all__ = [
    "CHANNELS",
    "DECISION_SCHEMA",
    "DecisionBuffer",
    "DecisionLogUnavailable",
    "DecisionSink",
    "ParquetDecisionSink",
    "PostgresDecisionSink",
    "create_decision_log_view",
    "decision_table",
    "decisions_by_version",
    "defs",
    "feature_rows_json",
    "inputs_hash",
    "inputs_hash_matrix",
    "log_glob",
    "new_decision_ids",
    "postgres_decisions",
]
