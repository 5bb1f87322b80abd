"""The feature SQL files, named once for both paths that run them.

The batch feature store (``compute.py``) and the scoring API's sessions
(``serving/feature_sessions.py``) run the same files over the same relations; both take the
names from here, so neither imports the other and a renamed or added file is one edit. The
model's feature spec records ``SQL_FILES`` too (``FeatureSpec.sql_files``).
"""

from __future__ import annotations

#: Per-family SQL files, in join order; each defines a relation of the same name.
FAMILY_FILES: tuple[str, ...] = (
    "features_application",
    "features_bureau",
    "features_previous",
    "features_pos_cash",
    "features_installments",
    "features_credit_card",
)
#: Defines the ``application`` relation from the snapshot's train and test application tables.
APPLICATION_FILE = "features_applicants"
#: Joins the families into one row of features per applicant.
STORE_FILE = "feature_store"
#: Every file a feature depends on, in the order they run.
SQL_FILES: tuple[str, ...] = (APPLICATION_FILE, *FAMILY_FILES, STORE_FILE)

#: Raw tables each family reads (for timings and the empty-history rule of the contract check).
FAMILY_SOURCES: dict[str, tuple[str, ...]] = {
    "features_application": ("application_train", "application_test"),
    "features_bureau": ("bureau", "bureau_balance"),
    "features_previous": ("previous_application",),
    "features_pos_cash": ("pos_cash_balance",),
    "features_installments": ("installments_payments",),
    "features_credit_card": ("credit_card_balance",),
}
FAMILY_SOURCES_ALL: tuple[str, ...] = tuple(t for ts in FAMILY_SOURCES.values() for t in ts)
