"""Hand-written domain rules that the sample-derived schema cannot know.

``creditrisk_assets.schema`` was measured on a few thousand real rows, so on its own it would
make the contracts either too loose (sample min/max are not business bounds) or too strict (a
column with no nulls in 6,500 rows can have a few in the full 307,511). These tables say what the
Kaggle data dictionary and the full competition data actually allow. Every rule here must hold
on the full real data; ``creditrisk_assets_tests/contracts`` checks it against the real samples.
"""

from __future__ import annotations

#: Kaggle's "no date" sentinel (365243 days is ~1000 years), used for pensioners' DAYS_EMPLOYED
#: and for open-ended previous-loan dates; defined with the other bounds.
from creditrisk_assets.contracts.bounds import SENTINEL_DAYS, pattern_bounds

#: Columns with a few missing values in the full data although the samples have none.
FULL_DATA_NULLABLE: dict[str, frozenset[str]] = {
    "application": frozenset(
        {
            "AMT_ANNUITY",
            "AMT_GOODS_PRICE",
            "CNT_FAM_MEMBERS",
            "DAYS_LAST_PHONE_CHANGE",
            "EXT_SOURCE_2",
            "NAME_TYPE_SUITE",
            "OBS_30_CNT_SOCIAL_CIRCLE",
            "DEF_30_CNT_SOCIAL_CIRCLE",
            "OBS_60_CNT_SOCIAL_CIRCLE",
            "DEF_60_CNT_SOCIAL_CIRCLE",
        }
    ),
    "bureau": frozenset(
        {
            "AMT_ANNUITY",
            "AMT_CREDIT_MAX_OVERDUE",
            "AMT_CREDIT_SUM",
            "AMT_CREDIT_SUM_DEBT",
            "AMT_CREDIT_SUM_LIMIT",
            "DAYS_CREDIT_ENDDATE",
            "DAYS_ENDDATE_FACT",
        }
    ),
    "previous_application": frozenset(
        {"AMT_ANNUITY", "AMT_CREDIT", "AMT_GOODS_PRICE", "CNT_PAYMENT", "PRODUCT_COMBINATION"}
    ),
    "installments_payments": frozenset({"AMT_PAYMENT", "DAYS_ENTRY_PAYMENT"}),
    "pos_cash_balance": frozenset({"CNT_INSTALMENT", "CNT_INSTALMENT_FUTURE"}),
}

#: Category values that exist in the full data but not in the samples the schema was built from.
FULL_DATA_CATEGORIES: dict[str, tuple[str, ...]] = {
    "ORGANIZATION_TYPE": ("Industry: type 8", "Trade: type 4", "Trade: type 5"),
    "NAME_TYPE_SUITE": ("Group of people",),
    "NAME_CASH_LOAN_PURPOSE": (
        "Business development",
        "Buying a garage",
        "Buying a holiday home / land",
        "Buying a home",
        "Buying a used car",
        "Gasification / water supply",
        "Hobby",
        "Journey",
        "Money for a third person",
        "Purchase of electronic equipment",
        "Refusal to name the goal",
        "Wedding / gift / holiday",
    ),
    "NAME_GOODS_CATEGORY": (
        "Additional Service",
        "Animals",
        "Direct Sales",
        "Fitness",
        "House Construction",
        "Insurance",
        "Tourism",
        "Weapon",
    ),
    "NAME_SELLER_INDUSTRY": ("MLM partners", "Tourism"),
    "CHANNEL_TYPE": ("Car dealer",),
    "CODE_REJECT_REASON": ("SYSTEM",),
    "NAME_PAYMENT_TYPE": ("Cashless from the account of the employer",),
    "NAME_PORTFOLIO": ("Cars",),
    "NAME_CLIENT_TYPE": ("XNA",),
    "CREDIT_TYPE": (
        "Cash loan (non-earmarked)",
        "Interbank credit",
        "Loan for purchase of shares (margin lending)",
        "Loan for the purchase of equipment",
        "Loan for working capital replenishment",
        "Mobile operator loan",
        "Real estate loan",
        "Unknown type of loan",
    ),
}

# Value rules: (kind, argument). Kinds: "ge"/"gt"/"le" a bound, "range" (lo, hi) inclusive,
# "in" a set of allowed values, "days_or_sentinel" (n): <= n days ahead or exactly SENTINEL_DAYS.
Rule = tuple[str, object]
_BINARY: Rule = ("in", (0, 1))
_NON_NEGATIVE: Rule = ("ge", 0)
_PAST: Rule = ("le", 0)
_SENTINEL: Rule = ("days_or_sentinel", 0)
_UNIT: Rule = ("range", (0.0, 1.0))

_APPLICATION: dict[str, Rule] = {
    "TARGET": _BINARY,
    "CNT_CHILDREN": ("range", (0, 30)),
    "AMT_INCOME_TOTAL": ("gt", 0),
    "AMT_CREDIT": ("gt", 0),
    "AMT_ANNUITY": _NON_NEGATIVE,
    "AMT_GOODS_PRICE": _NON_NEGATIVE,
    "REGION_POPULATION_RELATIVE": _UNIT,
    # applicants are adults: 18 to 100 years before the application
    "DAYS_BIRTH": ("range", (-36525, -6574)),
    "DAYS_EMPLOYED": _SENTINEL,
    "DAYS_REGISTRATION": _PAST,
    "DAYS_ID_PUBLISH": _PAST,
    "DAYS_LAST_PHONE_CHANGE": _PAST,
    "OWN_CAR_AGE": ("range", (0, 120)),
    "CNT_FAM_MEMBERS": ("range", (1, 40)),
    "REGION_RATING_CLIENT": ("range", (1, 3)),
    "REGION_RATING_CLIENT_W_CITY": ("range", (-1, 3)),
    "HOUR_APPR_PROCESS_START": ("range", (0, 23)),
    "EXT_SOURCE_1": _UNIT,
    "EXT_SOURCE_2": _UNIT,
    "EXT_SOURCE_3": _UNIT,
}

RULES: dict[str, dict[str, Rule]] = {
    "application": _APPLICATION,
    "bureau": {
        "DAYS_CREDIT": _PAST,
        "CREDIT_DAY_OVERDUE": _NON_NEGATIVE,
        "DAYS_ENDDATE_FACT": _PAST,
        "AMT_CREDIT_MAX_OVERDUE": _NON_NEGATIVE,
        "CNT_CREDIT_PROLONG": _NON_NEGATIVE,
        "AMT_CREDIT_SUM": _NON_NEGATIVE,
        "AMT_CREDIT_SUM_OVERDUE": _NON_NEGATIVE,
        "AMT_ANNUITY": _NON_NEGATIVE,
    },
    "bureau_balance": {"MONTHS_BALANCE": _PAST},
    "previous_application": {
        "AMT_ANNUITY": _NON_NEGATIVE,
        "AMT_APPLICATION": _NON_NEGATIVE,
        "AMT_CREDIT": _NON_NEGATIVE,
        "AMT_GOODS_PRICE": _NON_NEGATIVE,
        "HOUR_APPR_PROCESS_START": ("range", (0, 23)),
        "NFLAG_LAST_APPL_IN_DAY": _BINARY,
        "NFLAG_INSURED_ON_APPROVAL": _BINARY,
        "RATE_DOWN_PAYMENT": ("range", (-1, 1)),
        "RATE_INTEREST_PRIMARY": _UNIT,
        "RATE_INTEREST_PRIVILEGED": _UNIT,
        "DAYS_DECISION": _PAST,
        "SELLERPLACE_AREA": ("ge", -1),
        "CNT_PAYMENT": _NON_NEGATIVE,
        # Past dates, or the 365243 sentinel (as in every real row); only the first version of
        # the last due date may lie ahead.
        "DAYS_FIRST_DRAWING": _SENTINEL,
        "DAYS_FIRST_DUE": _SENTINEL,
        "DAYS_LAST_DUE": _SENTINEL,
        "DAYS_TERMINATION": _SENTINEL,
        "DAYS_LAST_DUE_1ST_VERSION": ("le", SENTINEL_DAYS),
    },
    "pos_cash_balance": {
        "MONTHS_BALANCE": _PAST,
        "CNT_INSTALMENT": _NON_NEGATIVE,
        "CNT_INSTALMENT_FUTURE": _NON_NEGATIVE,
        "SK_DPD": _NON_NEGATIVE,
        "SK_DPD_DEF": _NON_NEGATIVE,
    },
    "installments_payments": {
        "NUM_INSTALMENT_VERSION": _NON_NEGATIVE,
        "NUM_INSTALMENT_NUMBER": ("ge", 1),
        "DAYS_INSTALMENT": _PAST,
        "DAYS_ENTRY_PAYMENT": _PAST,
        "AMT_INSTALMENT": _NON_NEGATIVE,
        "AMT_PAYMENT": _NON_NEGATIVE,
    },
    "credit_card_balance": {
        "MONTHS_BALANCE": _PAST,
        "AMT_CREDIT_LIMIT_ACTUAL": _NON_NEGATIVE,
        "AMT_INST_MIN_REGULARITY": _NON_NEGATIVE,
        "AMT_PAYMENT_CURRENT": _NON_NEGATIVE,
        "AMT_PAYMENT_TOTAL_CURRENT": _NON_NEGATIVE,
        "CNT_DRAWINGS_ATM_CURRENT": _NON_NEGATIVE,
        "CNT_DRAWINGS_CURRENT": _NON_NEGATIVE,
        "CNT_DRAWINGS_OTHER_CURRENT": _NON_NEGATIVE,
        "CNT_DRAWINGS_POS_CURRENT": _NON_NEGATIVE,
        "CNT_INSTALMENT_MATURE_CUM": _NON_NEGATIVE,
        "SK_DPD": _NON_NEGATIVE,
        "SK_DPD_DEF": _NON_NEGATIVE,
    },
}


def rule_family(table: str) -> str:
    """application_train and application_test share one rule set."""
    return "application" if table.startswith("application_") else table


def column_rules(table: str, column: str) -> list[Rule]:
    """Every value rule for one column: the plausibility bounds of its kind (``bounds.py``), the
    pattern rules shared by a table family and the column's own rule."""
    rules = pattern_bounds(column)
    if rule_family(table) == "application":
        if column.startswith("FLAG_") and column not in {"FLAG_OWN_CAR", "FLAG_OWN_REALTY"}:
            rules.append(_BINARY)
        if column.startswith(("REG_", "LIVE_")) and "_NOT_" in column:
            rules.append(_BINARY)
        if column.endswith(("_AVG", "_MODE", "_MEDI")) and column not in _STRING_MODES:
            rules.append(_UNIT)
        if column.endswith("_SOCIAL_CIRCLE") or column.startswith("AMT_REQ_CREDIT_BUREAU_"):
            rules.append(_NON_NEGATIVE)
    rule = RULES.get(rule_family(table), {}).get(column)
    if rule is not None:
        rules.append(rule)
    return rules


_STRING_MODES = {
    "FONDKAPREMONT_MODE",
    "HOUSETYPE_MODE",
    "WALLSMATERIAL_MODE",
    "EMERGENCYSTATE_MODE",
}


def nullable(table: str, column: str, nullable_in_sample: bool) -> bool:
    """A column may hold nulls if the samples or the full data have any; keys never may."""
    if column.startswith("SK_ID_") or column == "TARGET":
        return False
    return nullable_in_sample or column in FULL_DATA_NULLABLE.get(rule_family(table), frozenset())
