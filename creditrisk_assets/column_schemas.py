"""Column schemas (``dagster/column_schema``) of the table assets, built from their contracts.

The UI's column list of an asset is the contract that guards it, not a second description that
could drift from it:

- raw tables: the pandera schema the blocking ``contract`` check validates
  (``contracts.schemas.raw_schema``), converted by dagster-pandera
  (``pandera_schema_to_dagster_type``: name, dtype, nullability, pandera's constraint labels),
  with each column's description extended by the contract in words (``contracts.columns``'s
  ``rule_text``, the same words the API's validation errors use) and the allowed categories;
- the feature store and its splits: the feature spec written with the partition (one-line
  description per feature, model feature or excluded protected attribute) and the types the
  ``feature_store_contract`` check enforces;
- scored tables (test predictions, batch scores): the Parquet's own columns with the meaning of
  the prediction columns (``modeling.prediction.prediction_column_description``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING

import dagster as dg
import pyarrow as pa
from dagster_pandera import pandera_schema_to_dagster_type

from creditrisk_assets.contracts.columns import ColumnContract, rule_text, table_contract
from creditrisk_assets.contracts.schemas import raw_schema

if TYPE_CHECKING:  # the feature and modeling packages import this module
    from creditrisk_assets.features.spec import FeatureSpec

#: Categories listed in a column's description; longer domains are cut (the check's metadata
#: lists them all on a failure).
SHOWN_CATEGORIES = 12


def _categories_text(categories: frozenset[str]) -> str:
    values = sorted(categories)
    shown = ", ".join(values[:SHOWN_CATEGORIES])
    more = f", … ({len(values)} values)" if len(values) > SHOWN_CATEGORIES else ""
    return f"one of {shown}{more}"


def contract_text(contract: ColumnContract) -> str:
    """The column's contract in words: nullability, value rules, allowed categories."""
    parts = ["may be null" if contract.nullable else "never null"]
    parts += [rule_text(rule) for rule in contract.rules]
    if contract.categories is not None:
        parts.append(_categories_text(contract.categories))
    return "; ".join(parts)


@cache
def raw_column_schema(table: str) -> dg.TableSchema:
    """The column schema of ``raw/<table>``: its pandera contract through dagster-pandera, each
    description followed by ``Contract: ...`` (cached; the contract is immutable)."""
    with warnings.catch_warnings():  # dagster-pandera marks its converter beta; noted here
        warnings.simplefilter("ignore", dg.BetaWarning)
        converted = pandera_schema_to_dagster_type(raw_schema(table)).metadata["schema"]
    schema: dg.TableSchema = converted.schema  # type: ignore[attr-defined]
    contracts = {c.name: c for c in table_contract(table)}
    columns = []
    for col in schema.columns:
        meaning = (col.description or "").rstrip(". ")
        contract = f"Contract: {contract_text(contracts[col.name])}."
        columns.append(
            dg.TableColumn(
                name=col.name,
                # pandera names strings by their pandas storage dtype (object): say what they are.
                type="string" if col.type == "object" else col.type,
                description=f"{meaning}. {contract}" if meaning else contract,
                constraints=col.constraints,
            )
        )
    return dg.TableSchema(columns=columns, constraints=schema.constraints)


def feature_column_schema(spec: FeatureSpec, columns: Iterable[tuple[str, str]]) -> dg.TableSchema:
    """The column schema of a feature-store table (``columns``: its (name, DuckDB type) pairs),
    described by the feature spec; the constraints are those ``feature_store_contract`` checks."""
    described = {f.name: ("model feature", f) for f in spec.features}
    described |= {f.name: ("excluded from models (protected)", f) for f in spec.excluded}
    out = []
    for name, sql_type in columns:
        if name == spec.id_column:
            text, constraints = "Applicant id (SK_ID_CURR).", ["unique"]
            nullable, unique = False, True
        elif name == spec.target_column:
            text = "1 = payment difficulties, 0 = repaid; NULL for unlabelled (application_test)."
            constraints, nullable, unique = ["0 or 1"], True, False
        elif name in described:
            role, feature = described[name]
            text = f"{feature.description} ({feature.kind}, from {feature.source}; {role})."
            constraints, nullable, unique = ["finite (no ±inf, no NaN)"], True, False
        else:  # a split's extra column, if any: listed, not described
            text, constraints, nullable, unique = "", [], True, False
        out.append(
            dg.TableColumn(
                name=name,
                type=sql_type,
                description=text,
                constraints=dg.TableColumnConstraints(
                    nullable=nullable, unique=unique, other=constraints
                ),
            )
        )
    return dg.TableSchema(columns=out)


def arrow_column_schema(schema: pa.Schema, describe: Callable[[str], str]) -> dg.TableSchema:
    """The column schema of a Parquet table from its Arrow schema, each column described by
    ``describe`` (e.g. ``modeling.prediction.prediction_column_description``)."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=f.name, type=str(f.type), description=describe(f.name))
            for f in schema
        ]
    )
