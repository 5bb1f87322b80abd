"""Plausibility bounds by column-name pattern: what no real value of a kind of column exceeds.

The per-column rules in ``rules.py`` say what the data dictionary says (an amount is not
negative, a date lies in the past). They do not stop absurd sizes: ``AMT_CREDIT = 1e300`` is
"non-negative" and then overflows every ratio feature and XGBoost. These bounds cap each kind
of column at a size far beyond anything in the full Kaggle data (noted per bound), so real rows
always pass and garbage never reaches training or the API. They apply to every table, on both
paths (ingestion contracts and the API's raw-record validation), through ``column_rules``.
"""

from __future__ import annotations

SENTINEL_DAYS = 365243

#: Amounts: the largest in the full data is bureau AMT_CREDIT_SUM = 585,000,000.
AMOUNT_MAX = 1e9
#: Day offsets: the oldest date in the full data is bureau DAYS_CREDIT_ENDDATE = -42,060
#: (~115 years); the largest positive value is the 365243 "no date" sentinel.
DAYS_MIN = -50_000
#: Month offsets: the oldest balance month in the full data is -96.
MONTHS_MIN = -1_200
#: Counts: the largest in the full data is OBS_30_CNT_SOCIAL_CIRCLE = 348.
COUNT_MAX = 10_000
#: Days past due: the largest in the full data is 4,231 (POS_CASH_balance SK_DPD).
DPD_MAX = 36_525
#: Ids are read as doubles on the way in; beyond 2**53 two ids could become equal.
ID_MAX = 2**53 - 1

Rule = tuple[str, object]


def pattern_bounds(column: str) -> list[Rule]:
    """The plausibility bounds of a column, from its name alone (empty when none applies)."""
    if column.startswith("SK_ID_"):
        return [("range", (1, ID_MAX))]
    if column.startswith("AMT_"):
        return [("range", (-AMOUNT_MAX, AMOUNT_MAX))]
    if column.startswith("DAYS_"):
        return [("range", (DAYS_MIN, SENTINEL_DAYS))]
    if column.startswith("MONTHS_"):
        return [("ge", MONTHS_MIN)]
    if column.startswith("CNT_") or "_CNT_" in column:
        return [("le", COUNT_MAX)]
    if column.startswith("SK_DPD") or column == "CREDIT_DAY_OVERDUE":
        return [("le", DPD_MAX)]
    return []
