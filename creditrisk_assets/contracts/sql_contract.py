"""A raw table's pandera contract evaluated inside DuckDB: one scan of the Parquet per table.

Why: streaming 58 M rows through pandas to run pandera chunk by chunk cost ~53 s of the
full-scale ``ingest_job`` (issue 20); the same rules as vectorized predicates in one DuckDB
aggregate take a few seconds and no pandas memory.

Why it is still the same contract: the checks are generated from the pandera schema
(``schemas.raw_schema``) and the column contracts it is built from (``columns.table_contract``),
never written a second time. Each pandera column check is paired with the rule it was built
from (``schemas._column`` appends one check per rule, in order, then the category check), so a
failure carries pandera's own label (``greater_than_or_equal_to(0)``, ``category (8 allowed
values)``, ``not_nullable``, ``dtype('Int64')``) and the report is the same ``ContractReport``
with the same messages. ``creditrisk_assets_tests/contracts/test_sql_contract.py`` plants a
violation of every rule kind and requires the same failure list from both engines;
``validate.validate_parquet`` (pandera, in chunks) stays the reference and is selectable per run.

How: for each column, a violation expression per check, built with DuckDB's expression API from
the rule's constants (no identifier or value is formatted into SQL text). Nulls (and NaN in a
float column, which pandas reads as missing) are judged only by ``not_nullable``, as pandera
ignores them in value checks. One ``count_if`` per check over the whole file gives the counts;
only for a check that failed does a second query fetch its first rows (file order) as examples.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from duckdb import ColumnExpression as Col
from duckdb import ConstantExpression as Const
from duckdb import FunctionExpression as Fn

from creditrisk_assets.contracts.columns import ColumnContract, table_contract
from creditrisk_assets.contracts.messages import plain
from creditrisk_assets.contracts.rules import SENTINEL_DAYS, Rule
from creditrisk_assets.contracts.schemas import PANDAS_DTYPES, raw_schema
from creditrisk_assets.contracts.validate import (
    EXAMPLES,
    ContractReport,
    Failure,
    id_column,
)

ROW = "file_row_number"
#: DuckDB types the lake may hold per contract kind (what pandas reads as the contract's dtype).
ACCEPTED_TYPES = {"int": {"BIGINT", "INTEGER"}, "float": {"DOUBLE"}, "str": {"VARCHAR"}}
#: How a refused DuckDB type is named, as pandas would read it (pandera's failure case).
PANDAS_NAMES = {
    "BIGINT": "Int64",
    "INTEGER": "Int64",
    "DOUBLE": "float64",
    "FLOAT": "float32",
    "VARCHAR": "object",
    "BOOLEAN": "bool",
}


def _holds(rule: Rule, col: duckdb.Expression) -> duckdb.Expression:
    """The rule as a predicate over non-null values (``columns.rule_predicate`` in SQL)."""
    kind, arg = rule
    if kind == "ge":
        return col >= Const(arg)
    if kind == "gt":
        return col > Const(arg)
    if kind == "le":
        return col <= Const(arg)
    if kind == "range":
        lo, hi = arg  # type: ignore[misc]
        return (col >= Const(lo)) & (col <= Const(hi))
    if kind == "in":
        return col.isin(*[Const(v) for v in arg])  # type: ignore[attr-defined]
    if kind == "days_or_sentinel":
        return (col <= Const(arg)) | (col == Const(SENTINEL_DAYS))
    raise ValueError(f"unknown rule kind {kind!r}")


def _label(check) -> str:
    """The name pandera gives a failure of ``check`` (its error text, else its name)."""
    return str(check.error or check.name)


def column_checks(contract: ColumnContract, duck_type: str) -> list[tuple[str, duckdb.Expression]]:
    """(pandera label, violation expression) for every check of one column, in order."""
    col = Col(contract.name)
    missing = col.isnull()
    if duck_type == "DOUBLE":
        missing = missing | Fn("isnan", col)
    present = ~missing
    checks: list[tuple[str, duckdb.Expression]] = []
    if not contract.nullable:
        checks.append(("not_nullable", missing))
    pandera_checks = raw_schema(contract.table).columns[contract.name].checks
    rules: list[tuple[Rule, duckdb.Expression]] = [(r, _holds(r, col)) for r in contract.rules]
    if contract.categories is not None:
        allowed = [Const(v) for v in sorted(contract.categories)]
        rules.append((("category", None), col.isin(*allowed)))
    if len(pandera_checks) != len(rules):  # the schema and the contract drifted apart
        raise ValueError(
            f"raw/{contract.table}.{contract.name}: pandera has {len(pandera_checks)} checks, "
            f"the contract {len(rules)}"
        )
    for check, (_, holds) in zip(pandera_checks, rules, strict=True):
        checks.append((_label(check), present & ~holds))
    return checks


def validate_parquet_sql(
    con: duckdb.DuckDBPyConnection, table: str, path: str | Path
) -> ContractReport:
    """Validate a raw table's Parquet against its contract in DuckDB (same report as pandera)."""
    report = ContractReport(table=table, id_column=id_column(table))
    relation = con.read_parquet(str(path), hive_partitioning=False, file_row_number=True)
    types = {
        name: str(kind)
        for name, kind in zip(relation.columns, relation.types, strict=True)
        if name != ROW
    }
    schema_name = f"raw/{table}"
    checks: list[tuple[str, str, duckdb.Expression]] = []
    for contract in table_contract(table):
        duck_type = types.get(contract.name)
        if duck_type is None:
            _schema_failure(report, schema_name, "column_in_dataframe", contract.name)
            continue
        if duck_type not in ACCEPTED_TYPES[contract.dtype]:
            label = f"dtype('{PANDAS_DTYPES[contract.dtype]}')"
            failure = report.failures.setdefault(
                (contract.name, label), Failure(column=contract.name, check=label)
            )
            failure.example_values.append(PANDAS_NAMES.get(duck_type, duck_type.lower()))
            continue
        checks += [(contract.name, lbl, e) for lbl, e in column_checks(contract, duck_type)]
    known = {c.name for c in table_contract(table)}
    for extra in (name for name in types if name not in known):
        _schema_failure(report, schema_name, "column_in_schema", extra)

    aggregates = [Fn("count_star").alias("rows")]
    aggregates += [Fn("count_if", e).alias(f"c{i}") for i, (_, _, e) in enumerate(checks)]
    counts = relation.aggregate(aggregates).fetchall()[0]
    report.rows = int(counts[0])
    for (column, label, violation), failing in zip(checks, counts[1:], strict=True):
        if failing:
            _record_examples(report, relation, column, label, violation, int(failing))
    return report


def _schema_failure(report: ContractReport, schema_name: str, check: str, value: str) -> None:
    failure = report.failures.setdefault(
        (schema_name, check), Failure(column=schema_name, check=check)
    )
    if len(failure.example_values) < EXAMPLES:
        failure.example_values.append(value)


def _record_examples(
    report: ContractReport,
    relation: duckdb.DuckDBPyRelation,
    column: str,
    label: str,
    violation: duckdb.Expression,
    failing: int,
) -> None:
    """The failure's count and its first ``EXAMPLES`` rows in file order (ids and values)."""
    id_col = report.id_column
    shown = [Col(id_col) if id_col in relation.columns else Const(None), Col(column)]
    rows = relation.filter(violation).order(ROW).limit(EXAMPLES).select(*shown).fetchall()
    failure = report.failures.setdefault((column, label), Failure(column=column, check=label))
    failure.rows += failing
    failure.example_ids += [plain(i) for i, _ in rows]
    failure.example_values += [plain(v) for _, v in rows]
