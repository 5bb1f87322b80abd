"""Profile drift between snapshots: catches what types and bounds cannot, like swapped headers.

If a supplier swaps ``AMT_CREDIT`` and ``AMT_INCOME_TOTAL`` in the header, every value still
has the right type and lies within its bounds, yet the model would learn nonsense. What does
change is each column's distribution against the previous snapshot. ``numeric_profile`` takes
the quantiles of every numeric column (from a 200,000-row systematic sample, see
``sql/contract_profile.sql``); ``profile_jumps`` compares two profiles and names the columns
whose median moved by more than ``MAX_MEDIAN_SHIFT`` times the previous interquartile range, or
whose interquartile range grew or shrank by more than ``MAX_SPREAD_RATIO``. Real monthly
deliveries move far less; the check only warns, since a genuine change of the portfolio looks the
same.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from creditrisk_assets.resources.warehouse import Warehouse
from creditrisk_assets.schema import table_spec

QUANTILES = ("q10", "q25", "q50", "q75", "q90")
MAX_MEDIAN_SHIFT = 1.0
MAX_SPREAD_RATIO = 3.0
#: About how many rows (every k-th in file order) the quantiles are taken from; see the SQL.
SAMPLE_ROWS = 200_000

Profile = dict[str, dict[str, float]]


def profiled_columns(table: str) -> list[str]:
    """Numeric columns worth profiling: every number but ids (which only count up)."""
    return [
        c.name
        for c in table_spec(table).columns
        if c.dtype != "str" and not c.name.startswith("SK_ID_")
    ]


def numeric_profile(con: duckdb.DuckDBPyConnection, table: str, path: str | Path) -> Profile:
    """{column: {"rows": non-null count, "q10".."q90": quantiles}} of a raw table's Parquet."""
    columns = profiled_columns(table)
    if not columns:
        return {}
    relation = con.read_parquet(str(path), hive_partitioning=False, file_row_number=True)
    double = duckdb.sqltype("DOUBLE")
    wide = [duckdb.ColumnExpression(c).cast(double).alias(c) for c in columns]
    relation.select(*wide).create_view("profile_wide")
    rows = int(relation.aggregate("count(*)").fetchall()[0][0])  # from the Parquet footer
    step = duckdb.ConstantExpression(max(1, rows // SAMPLE_ROWS))
    every_kth = (duckdb.ColumnExpression("file_row_number") % step) == duckdb.ConstantExpression(0)
    relation.filter(every_kth).select(*wide).create_view("profile_sample")
    result = Warehouse.run_sql_file(con, "contract_profile")
    assert result is not None
    row = result.fetchall()[0]
    counts, quantiles = row[: len(columns)], row[len(columns) :]
    return {  # columns with no finite value have no profile (nothing to compare)
        name: {"rows": float(rows), **dict(zip(QUANTILES, map(float, qs), strict=True))}
        for name, rows, qs in sorted(zip(columns, counts, quantiles, strict=True))
        if rows
    }


def profile_jumps(previous: Profile, current: Profile) -> list[dict[str, object]]:
    """Columns whose distribution jumped between two profiles, with the numbers that show it."""
    jumps = []
    for column in sorted(set(previous) & set(current)):
        old, new = previous[column], current[column]
        old_iqr, new_iqr = old["q75"] - old["q25"], new["q75"] - new["q25"]
        scale = old_iqr if old_iqr > 0 else old["q90"] - old["q10"]
        reasons = []
        if scale > 0:
            shift = abs(new["q50"] - old["q50"]) / scale
            if shift > MAX_MEDIAN_SHIFT:
                reasons.append(f"median moved {shift:.1f} x the previous spread")
        if old_iqr > 0 and new_iqr > 0:
            ratio = new_iqr / old_iqr
            if ratio > MAX_SPREAD_RATIO or ratio < 1 / MAX_SPREAD_RATIO:
                reasons.append(f"interquartile range changed {ratio:.2f} x")
        if reasons:
            jumps.append(
                {
                    "column": column,
                    "why": "; ".join(reasons),
                    "previous_median": old["q50"],
                    "median": new["q50"],
                    "previous_iqr": old_iqr,
                    "iqr": new_iqr,
                }
            )
    return jumps
