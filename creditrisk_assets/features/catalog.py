"""Descriptions of every feature-store column, and the spec built from the SQL's output.

The SQL decides which features exist; this module says what each one means. Names follow one
grammar, so a small registry covers them all: ``<PREFIX>_<COLUMN>_<AGG>`` where the prefix names
the table family and subset (``BUREAU_ACTIVE``, ``PREV_REFUSED``, ``INSTAL_L12M``...), the column
is a raw Kaggle column (described by the project's schema, i.e. Kaggle's own dictionary) or a
derived one listed in ``DERIVED``, and the aggregate is one of ``AGGREGATES``. Application
columns keep their Kaggle names. Anything the grammar cannot explain must be listed in
``EXPLICIT``; :func:`build_spec` refuses an undescribed column, so a new SQL feature cannot ship
without its one-line description.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from creditrisk_assets.features.spec import ID_COLUMN, TARGET_COLUMN, Feature, FeatureSpec
from creditrisk_assets.features.sql_files import SQL_FILES
from creditrisk_assets.resources.warehouse import read_sql
from creditrisk_assets.risk.protected import excluded_features, load_policy
from creditrisk_assets.schema import RAW_TABLES, table_spec

if TYPE_CHECKING:
    from creditrisk_assets.risk.protected import ProtectedPolicy

#: Prefix -> (raw table the family aggregates, which is also the features' source; subset
#: phrase). Longest prefixes first, so BUREAU_ACTIVE_ wins over BUREAU_.
PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("BUREAU_ACTIVE_", "bureau", "active bureau credits"),
    ("BUREAU_CLOSED_", "bureau", "closed bureau credits"),
    ("BUREAU_", "bureau", "all bureau credits"),
    ("PREV_APPROVED_", "previous_application", "approved previous applications"),
    ("PREV_REFUSED_", "previous_application", "refused previous applications"),
    ("PREV_", "previous_application", "all previous applications"),
    ("POS_L12M_", "pos_cash_balance", "POS/cash months in the last 12 months"),
    ("POS_", "pos_cash_balance", "all POS/cash monthly balances"),
    ("INSTAL_L12M_", "installments_payments", "instalments due in the last 365 days"),
    ("INSTAL_", "installments_payments", "all instalment payments"),
    ("CC_L12M_", "credit_card_balance", "card months in the last 12 months"),
    ("CC_", "credit_card_balance", "all credit card monthly balances"),
)

AGGREGATES = {
    "MIN": "minimum",
    "MAX": "maximum",
    "MEAN": "mean",
    "SUM": "sum",
    "STD": "sample standard deviation",
    "NUNIQUE": "number of distinct values",
}

#: Row-level columns computed in SQL before aggregation (name -> meaning).
DERIVED = {
    "MONTHS_BALANCE_MIN": "first month of the credit's bureau_balance history",
    "MONTHS_BALANCE_MAX": "last month of the credit's bureau_balance history",
    "MONTHS_BALANCE_SIZE": "number of months in the credit's bureau_balance history",
    "STATUS_0_SHARE": "share of the credit's months with status 0 (no days past due)",
    "STATUS_1_SHARE": "share of the credit's months with status 1 (1-30 days past due)",
    "STATUS_2PLUS_SHARE": "share of the credit's months with status 2-5 (over 30 days past due)",
    "STATUS_C_SHARE": "share of the credit's months with status C (closed)",
    "STATUS_X_SHARE": "share of the credit's months with status X (unknown)",
    "DEBT_CREDIT_RATIO": "credit's current debt / credit amount",
    "APP_CREDIT_RATIO": "amount asked (AMT_APPLICATION) / amount granted (AMT_CREDIT)",
    "DPD": "days an instalment was paid after its due day (0 if on time)",
    "DBD": "days an instalment was paid before its due day (0 if late)",
    "PAYMENT_RATIO": "amount paid / amount due of an instalment",
    "PAYMENT_DIFF": "amount due - amount paid of an instalment",
    "UTILISATION": "card balance / card credit limit in a month",
    "PAYMENT_MIN_RATIO": "card payment / minimum instalment in a month",
}

#: Columns named outside the grammar (name -> description).
EXPLICIT = {
    "DAYS_EMPLOYED_ANOM": "1 if DAYS_EMPLOYED held the 365243 'not employed' sentinel",
    "APP_MISSING_COUNT": "number of missing raw application columns",
    "APP_HOUSING_MISSING_COUNT": "number of missing numeric housing (*_AVG/_MODE/_MEDI) columns",
    "EXT_SOURCE_1_MISSING": "1 if EXT_SOURCE_1 is missing",
    "EXT_SOURCE_3_MISSING": "1 if EXT_SOURCE_3 is missing",
    "OWN_CAR_AGE_MISSING": "1 if OWN_CAR_AGE is missing",
    "AMT_REQ_CREDIT_BUREAU_MISSING": "1 if the credit bureau enquiry counts are missing",
    "APP_CREDIT_INCOME_RATIO": "credit amount / income",
    "APP_ANNUITY_INCOME_RATIO": "loan annuity / income",
    "APP_ANNUITY_CREDIT_RATIO": "loan annuity / credit amount (payment rate)",
    "APP_GOODS_CREDIT_RATIO": "goods price / credit amount",
    "APP_EMPLOYED_AGE_RATIO": "days employed / days of age (sentinel removed)",
    "APP_INCOME_PER_PERSON": "income / family members",
    "APP_CREDIT_GOODS_DIFF": "credit amount - goods price",
    "APP_EXT_SOURCE_MEAN": "mean of the available EXT_SOURCE_1..3 scores",
    "APP_EXT_SOURCE_PROD": "product of EXT_SOURCE_1..3 (missing if any is missing)",
    "BUREAU_COUNT": "number of bureau credits (0 without bureau history)",
    "BUREAU_ACTIVE_COUNT": "number of active bureau credits",
    "BUREAU_CLOSED_COUNT": "number of closed bureau credits",
    "BUREAU_TOTAL_DEBT_CREDIT_RATIO": "total bureau debt / total bureau credit amount",
    "BUREAU_SOLD_OR_BAD_DEBT_SHARE": "share of bureau credits sold or in bad debt",
    "BUREAU_CONSUMER_CREDIT_SHARE": "share of bureau credits that are consumer credits",
    "BUREAU_CREDIT_CARD_SHARE": "share of bureau credits that are credit cards",
    "BUREAU_CAR_LOAN_SHARE": "share of bureau credits that are car loans",
    "BUREAU_MORTGAGE_SHARE": "share of bureau credits that are mortgages",
    "BUREAU_MICROLOAN_SHARE": "share of bureau credits that are microloans",
    "BUREAU_OTHER_TYPE_SHARE": "share of bureau credits of another type or for business",
    "BUREAU_ACTIVE_SHARE": "share of bureau credits still active",
    "BUREAU_EVER_OVERDUE_SHARE": "share of bureau credits ever overdue (max overdue amount > 0)",
    "BUREAU_BALANCE_PAST_DUE_SHARE": (
        "share of all bureau credits' months with a known status (0-5) that were past due (1-5)"
    ),
    "PREV_COUNT": "number of previous applications (0 without any)",
    "PREV_APPROVED_COUNT": "number of approved previous applications",
    "PREV_REFUSED_COUNT": "number of refused previous applications",
    "PREV_APPROVED_SHARE": "share of previous applications approved",
    "PREV_REFUSED_SHARE": "share of previous applications refused",
    "PREV_CANCELED_SHARE": "share of previous applications cancelled",
    "PREV_UNUSED_OFFER_SHARE": "share of previous applications left as unused offers",
    "PREV_CASH_LOANS_SHARE": "share of previous applications for cash loans",
    "PREV_CONSUMER_LOANS_SHARE": "share of previous applications for consumer loans",
    "PREV_REVOLVING_LOANS_SHARE": "share of previous applications for revolving loans",
    "PREV_NEW_CLIENT_SHARE": "share of previous applications made as a new client",
    "PREV_HIGH_YIELD_SHARE": "share of previous applications in the high interest-rate group",
    "POS_COUNT": "number of POS/cash monthly balance rows (0 without any)",
    "POS_LOAN_COUNT": "number of distinct POS/cash loans",
    "POS_LATE_SHARE": "share of POS/cash months with days past due",
    "POS_COMPLETED_SHARE": "share of POS/cash months with status Completed",
    "POS_L12M_LATE_SHARE": "share of the last 12 POS/cash months with days past due",
    "INSTAL_COUNT": "number of instalment payment rows (0 without any)",
    "INSTAL_L12M_COUNT": "number of instalments due in the last 365 days",
    "INSTAL_LATE_SHARE": "share of instalment payment rows paid after the due day",
    "INSTAL_DUE_LATE_SHARE": "share of due instalments whose first payment came after the due day",
    "INSTAL_DUE_SHORT_SHARE": "share of due instalments whose payments sum to less than was due",
    "INSTAL_L12M_LATE_SHARE": "share of the last 365 days' instalments paid late",
    "CC_COUNT": "number of credit card monthly balance rows (0 without any)",
    "CC_L12M_COUNT": "number of credit card months in the last 12 months",
    "CC_CARD_COUNT": "number of distinct credit cards",
    "CC_LATE_SHARE": "share of card months with days past due",
    "CC_L12M_LATE_SHARE": "share of the last 12 card months with days past due",
}


#: Directions credit practice fixes (pattern over the feature name -> +1 risk rises with the
#: value, -1 falls; why). Only these are constrained: elsewhere (age, income, amounts) the
#: relation is legitimately non-monotone or unknown, and the trees stay free.
MONOTONE: tuple[tuple[str, int, str], ...] = (
    (r"^(APP_)?EXT_SOURCE_(1|2|3|MEAN|PROD)$", -1, "external credit score"),
    (r"_(SK_DPD|SK_DPD_DEF|DPD)_(MAX|MEAN|SUM)$", 1, "days past due"),
    (r"_LATE_SHARE$", 1, "share of months or instalments past due"),
    (r"_SHORT_SHARE$", 1, "share of instalments paid short"),
    (r"_(PAST_DUE|EVER_OVERDUE)_SHARE$", 1, "share of bureau months or credits past due"),
    (r"_CREDIT_DAY_OVERDUE_(MAX|MEAN)$", 1, "days overdue on bureau credits"),
    (r"_STATUS_2PLUS_SHARE_(MAX|MEAN)$", 1, "share of bureau months over 30 days past due"),
    (r"_UTILISATION_(MAX|MEAN)$", 1, "card utilisation"),
    (r"DEBT_CREDIT_RATIO(_MEAN)?$", 1, "bureau debt / credit (utilisation of bureau credit)"),
)


def monotone_direction(name: str) -> int:
    """The direction ``MONOTONE`` declares for a feature column, 0 when none does."""
    for pattern, direction, _ in MONOTONE:
        if re.search(pattern, name):
            return direction
    return 0


def categorical_columns() -> tuple[str, ...]:
    """Application string columns: fed to the model as integer category codes."""
    return tuple(c.name for c in table_spec("application_train").columns if c.dtype == "str")


def describe(name: str) -> tuple[str, str]:
    """(source table family, one-line description) of a feature column; KeyError if unknown."""
    if name in EXPLICIT:
        return _source_of(name), EXPLICIT[name]
    app = table_spec("application_train")
    if name in app.column_names:
        return "application", app.column(name).description or name
    for prefix, source, subset in PREFIXES:
        if not name.startswith(prefix):
            continue
        column, _, agg = name[len(prefix) :].rpartition("_")
        if agg not in AGGREGATES or not column:
            break
        if column in DERIVED:
            meaning = DERIVED[column]
        elif column in table_spec(source).column_names:
            meaning = table_spec(source).column(column).description or column
        else:
            break
        return source, f"{AGGREGATES[agg]} over {subset} of {column}: {meaning}"
    raise KeyError(f"feature column {name!r} has no description in features/catalog.py")


def _source_of(name: str) -> str:
    for prefix, source, _ in PREFIXES:
        if name.startswith(prefix):
            return source
    return "application"


@cache
def lineage_inputs() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(texts of the feature SQL files, every raw column name): what the protected-attribute
    lineage scan reads to find features derived from a protected column."""
    texts = tuple(read_sql(name) for name in SQL_FILES)
    universe = tuple(dict.fromkeys(c for t in RAW_TABLES for c in table_spec(t).column_names))
    return texts, universe


def build_spec(
    columns: Iterable[str], sql_files: Iterable[str], policy: ProtectedPolicy | None = None
) -> FeatureSpec:
    """The spec of a feature store whose columns are ``columns`` (id and target included).

    Columns that ``policy`` (default: the declared default jurisdiction's) rules out, being or
    being computed from a protected attribute, go to the spec's ``excluded``: still described
    and kept in the store for the fairness checks, never among the model's features.
    """
    policy = policy or load_policy()
    columns = list(columns)
    names = [c for c in columns if c not in (ID_COLUMN, TARGET_COLUMN)]
    removed = excluded_features(names, policy, *lineage_inputs())
    categorical = set(categorical_columns())
    features = []
    excluded = []
    undescribed = []
    for name in columns:
        if name in (ID_COLUMN, TARGET_COLUMN):
            continue
        try:
            source, text = describe(name)
        except KeyError:
            undescribed.append(name)
            continue
        kind = "categorical" if name in categorical else "numeric"
        direction = monotone_direction(name) if kind == "numeric" else 0
        feature = Feature(name, kind, source, text, monotone=direction)
        (excluded if name in removed else features).append(feature)
    if undescribed:
        raise KeyError(
            "feature columns without a description (add them to features/catalog.py): "
            + ", ".join(undescribed)
        )
    return FeatureSpec(
        features=tuple(features),
        sql_files=tuple(sql_files),
        excluded=tuple(excluded),
        exclusion_policy=policy.label,
    )
