"""Build creditrisk_assets/schema/tables.json from the real samples and the official dictionary.

Run once by hand (``python scripts/build_table_specs.py ../shared/data/homecredit-real``); the
project then carries the JSON and never reads ``../shared`` at run time. What it records per
column: Kaggle's name and order, its type (as pandas infers it from the real CSV), whether the real
sample had missing values, the categories seen (plus rare ones known from the full data), the
observed range, and the dictionary's description.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

# Kaggle file name -> table name used inside the project.
FILES = {
    "application_train": "application_train.csv",
    "application_test": "application_test.csv",
    "bureau": "bureau.csv",
    "bureau_balance": "bureau_balance.csv",
    "previous_application": "previous_application.csv",
    "pos_cash_balance": "POS_CASH_balance.csv",
    "installments_payments": "installments_payments.csv",
    "credit_card_balance": "credit_card_balance.csv",
}
# The data dictionary names the two application files together.
DICT_TABLE = {
    **FILES,
    "application_train": "application_{train|test}.csv",
    "application_test": "application_{train|test}.csv",
}
KEYS = {
    "application_train": ["SK_ID_CURR"],
    "application_test": ["SK_ID_CURR"],
    "bureau": ["SK_ID_BUREAU"],
    "bureau_balance": ["SK_ID_BUREAU", "MONTHS_BALANCE"],
    "previous_application": ["SK_ID_PREV"],
    "pos_cash_balance": [],
    "installments_payments": [],
    "credit_card_balance": [],
}
PARENTS = {
    "bureau": {"SK_ID_CURR": "application"},
    "bureau_balance": {"SK_ID_BUREAU": "bureau"},
    "previous_application": {"SK_ID_CURR": "application"},
    "pos_cash_balance": {"SK_ID_PREV": "previous_application", "SK_ID_CURR": "application"},
    "installments_payments": {
        "SK_ID_PREV": "previous_application",
        "SK_ID_CURR": "application",
    },
    "credit_card_balance": {"SK_ID_PREV": "previous_application", "SK_ID_CURR": "application"},
}
# Category values that exist in the full Kaggle data but are too rare to show in the samples.
RARE_CATEGORIES = {
    "CODE_GENDER": ["XNA"],
    "NAME_INCOME_TYPE": ["Businessman", "Maternity leave", "Student", "Unemployed"],
    "NAME_FAMILY_STATUS": ["Unknown"],
    "NAME_EDUCATION_TYPE": ["Academic degree"],
    "CREDIT_ACTIVE": ["Bad debt", "Sold"],
    "STATUS": ["0", "1", "2", "3", "4", "5", "C", "X"],
    "NAME_CONTRACT_STATUS": [
        "Active",
        "Completed",
        "Signed",
        "Demand",
        "Returned to the store",
        "Approved",
        "Canceled",
        "Refused",
        "Unused offer",
        "Amortized debt",
        "XNA",
    ],
    "NAME_CONTRACT_TYPE": ["Cash loans", "Revolving loans", "Consumer loans", "XNA"],
    "WEEKDAY_APPR_PROCESS_START": [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ],
    "FLAG_OWN_CAR": ["Y", "N"],
    "FLAG_OWN_REALTY": ["Y", "N"],
    "FLAG_LAST_APPL_PER_CONTRACT": ["Y", "N"],
    "CREDIT_CURRENCY": ["currency 1", "currency 2", "currency 3", "currency 4"],
}
MAX_CATEGORIES = 60


def _dictionary(root: Path) -> pd.DataFrame:
    d = pd.read_csv(root / "HomeCredit_columns_description.csv", encoding="latin-1", index_col=0)
    d["Row"] = d["Row"].str.strip()
    return d


def _samples(root: Path, table: str) -> pd.DataFrame:
    frames = [pd.read_csv(root / "table_samples" / FILES[table])]
    if table == "application_train":
        frames.append(pd.read_csv(root / "application_sample" / "application_train.csv"))
    return pd.concat(frames, ignore_index=True)


def build(root: Path) -> dict:
    dictionary = _dictionary(root)
    tables = {}
    for table, file_name in FILES.items():
        df = _samples(root, table)
        descr = dictionary[dictionary["Table"] == DICT_TABLE[table]].set_index("Row")
        columns = []
        for name in df.columns:
            s = df[name]
            kind = (
                "int"
                if pd.api.types.is_integer_dtype(s)
                else ("float" if pd.api.types.is_float_dtype(s) else "str")
            )
            col = {
                "name": name,
                "dtype": kind,
                "nullable_in_sample": bool(s.isna().any()),
                "null_rate_in_sample": round(float(s.isna().mean()), 4),
                "description": str(descr["Description"].get(name, "")).strip(),
            }
            if kind == "str":
                values = sorted(set(s.dropna().astype(str)) | set(RARE_CATEGORIES.get(name, [])))
                if len(values) <= MAX_CATEGORIES:
                    col["categories"] = values
            elif s.notna().any():
                col["sample_min"] = float(s.min())
                col["sample_max"] = float(s.max())
            columns.append(col)
        tables[table] = {
            "file": file_name,
            "key": KEYS[table],
            "parents": PARENTS.get(table, {}),
            "columns": columns,
        }
    return tables


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/homecredit-real")
    out = Path(__file__).resolve().parents[1] / "creditrisk_assets" / "schema" / "tables.json"
    out.write_text(json.dumps(build(root), indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
