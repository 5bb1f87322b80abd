"""Raw records as the feature SQL's input relations: Arrow tables in the raw schema's types.

The batch feature store reads the snapshot's Parquet; the API has the request's records in
memory instead. Here they become one Arrow table per relation (``application`` and each history
table), with the raw schema's columns and types, which is what ``ServingSession`` scans
(``feature_sessions.py``). A column the schema does not know, or a value that does not fit its
type, is refused with the relation and column named: the client's error to fix, not a 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import pandas as pd
import pyarrow as pa

from creditrisk_assets.schema import TableSpec, table_spec

_ARROW = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}


def relation_spec(name: str) -> TableSpec:
    """The raw schema of an input relation (``application`` reads as ``application_train``)."""
    return table_spec("application_train" if name == "application" else name)


def empty_input(name: str) -> pa.Table:
    """An input relation with no rows, in the raw schema's columns and types."""
    spec = relation_spec(name)
    return pa.table({c.name: pa.array([], _ARROW[c.dtype]) for c in spec.columns})


def records_to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    """Raw records of one relation as an Arrow table with the raw schema's columns and types.

    Columns the records lack are NULL; a column the schema does not know, or a value that does
    not fit the column's type, is refused with the relation, column and rows named.
    """
    spec = relation_spec(name)
    unknown = [c for c in frame.columns if c not in spec.column_names]
    if unknown:
        raise ValueError(f"{name}: unknown column(s) {', '.join(map(str, unknown))}")
    arrays = {}
    for col in spec.columns:
        if col.name not in frame.columns:
            arrays[col.name] = pa.nulls(len(frame), _ARROW[col.dtype])
            continue
        values = frame[col.name]
        try:
            arrays[col.name] = pa.array(values, _ARROW[col.dtype], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as err:
            bad = _bad_rows(values, col.dtype)
            raise ValueError(
                f"{name}: column {col.name} expects {col.dtype} values; "
                f"rows {bad[:10]} do not fit ({err})"
            ) from err
    return pa.table(arrays)


def _bad_rows(values: pd.Series, dtype: str) -> list[int]:
    def fits(v: object) -> bool:
        if v is None or (isinstance(v, float) and v != v):
            return True
        if dtype == "str":
            return isinstance(v, str)
        if dtype == "int":
            return isinstance(v, int) or (isinstance(v, float) and v.is_integer())
        return isinstance(v, int | float)

    return [i for i, v in enumerate(values.tolist()) if not fits(v)]


def rows_to_arrow(name: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Records already validated against the raw schema (the API's request models) as the
    relation's Arrow table; absent columns are NULL, keys the schema does not know are ignored.

    One conversion of the records to a struct array, in Arrow's C++: no DataFrame, no per-column
    checks (for one applicant ~7 ms less than ``records_to_arrow`` on a frame) and no Python
    list per column (~0.7 ms less per ``/score`` call than one ``pa.array`` per column).
    """
    try:
        return pa.Table.from_struct_array(pa.array(rows, _record_type(name)))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as err:
        raise ValueError(f"{name}: records do not fit the raw schema ({err})") from err


@cache
def _record_type(name: str) -> pa.StructType:
    """The relation's raw-schema columns as one Arrow struct type (what a record converts to)."""
    return pa.struct([pa.field(c.name, _ARROW[c.dtype]) for c in relation_spec(name).columns])
