"""The peer of ``bench_pipeline.py``: the same feature families in plain pandas, no validation.

    .venv/bin/python benchmarks/pipeline_pandas_baseline.py SNAPSHOT_FOLDER OUT.parquet

What a data scientist would write from the public "LightGBM with simple features" kernel, cut
to the families ``sql/features_*.sql`` define (so the comparison is like for like): the
application table with category codes, the kernel's ratios and missing counts; bureau with
bureau_balance rolled up per credit, over all / active / closed credits; previous applications
over all / approved / refused; POS-CASH, instalments (all and last 365 days) and credit-card
balances (all and last 12 months) per applicant; one left join and a Parquet file. CSVs are read
with pandas' C parser and its default type inference. No contracts, no checksums, no split:
anything extra the project does is its own cost. Prints rows, columns and seconds per family.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

NUM = ["min", "max", "mean", "sum"]


def _agg(frame: pd.DataFrame, spec: dict[str, list[str]], prefix: str) -> pd.DataFrame:
    """Per-applicant aggregates named ``PREFIX_COLUMN_STAT``, plus a row count."""
    out = frame.groupby("SK_ID_CURR").agg({k: v for k, v in spec.items() if k in frame})
    out.columns = [f"{prefix}_{c}_{s}".upper() for c, s in out.columns]
    out[f"{prefix}_COUNT"] = frame.groupby("SK_ID_CURR").size()
    return out


def application(folder: Path) -> pd.DataFrame:
    parts = [pd.read_csv(folder / "application_train.csv")]
    test = folder / "application_test.csv"
    if test.is_file():
        parts.append(pd.read_csv(test))
    app = pd.concat(parts, ignore_index=True)
    strings = [c for c in app.columns if app[c].dtype == object]
    app["APP_MISSING_COUNT"] = app.isna().sum(axis=1)
    for c in strings:
        app[c] = pd.Categorical(app[c]).codes.astype("float64")
    app["DAYS_EMPLOYED_ANOM"] = (app["DAYS_EMPLOYED"] == 365243).astype("float64")
    app["DAYS_EMPLOYED"] = app["DAYS_EMPLOYED"].replace(365243, np.nan)
    app["APP_CREDIT_INCOME_RATIO"] = app["AMT_CREDIT"] / app["AMT_INCOME_TOTAL"]
    app["APP_ANNUITY_INCOME_RATIO"] = app["AMT_ANNUITY"] / app["AMT_INCOME_TOTAL"]
    app["APP_ANNUITY_CREDIT_RATIO"] = app["AMT_ANNUITY"] / app["AMT_CREDIT"]
    app["APP_GOODS_CREDIT_RATIO"] = app["AMT_GOODS_PRICE"] / app["AMT_CREDIT"]
    app["APP_EMPLOYED_AGE_RATIO"] = app["DAYS_EMPLOYED"] / app["DAYS_BIRTH"]
    app["APP_INCOME_PER_PERSON"] = app["AMT_INCOME_TOTAL"] / app["CNT_FAM_MEMBERS"]
    app["APP_CREDIT_GOODS_DIFF"] = app["AMT_CREDIT"] - app["AMT_GOODS_PRICE"]
    ext = app[["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]]
    app["APP_EXT_SOURCE_MEAN"] = ext.mean(axis=1)
    app["APP_EXT_SOURCE_PROD"] = ext.prod(axis=1, min_count=3)
    return app.set_index("SK_ID_CURR")


def bureau(folder: Path) -> pd.DataFrame:
    bb = pd.read_csv(folder / "bureau_balance.csv")
    for status in ("0", "1", "C", "X"):
        bb[f"STATUS_{status}"] = (bb["STATUS"] == status).astype("float64")
    bb["STATUS_2PLUS"] = bb["STATUS"].isin(["2", "3", "4", "5"]).astype("float64")
    per_credit = bb.groupby("SK_ID_BUREAU").agg(
        MONTHS_BALANCE_MIN=("MONTHS_BALANCE", "min"),
        MONTHS_BALANCE_MAX=("MONTHS_BALANCE", "max"),
        MONTHS_BALANCE_SIZE=("MONTHS_BALANCE", "size"),
        STATUS_0_SHARE=("STATUS_0", "mean"),
        STATUS_1_SHARE=("STATUS_1", "mean"),
        STATUS_2PLUS_SHARE=("STATUS_2PLUS", "mean"),
        STATUS_C_SHARE=("STATUS_C", "mean"),
        STATUS_X_SHARE=("STATUS_X", "mean"),
    )
    del bb
    b = pd.read_csv(folder / "bureau.csv").join(per_credit, on="SK_ID_BUREAU")
    b["DEBT_CREDIT_RATIO"] = b["AMT_CREDIT_SUM_DEBT"] / b["AMT_CREDIT_SUM"]
    for kind in ("Consumer credit", "Credit card", "Car loan", "Mortgage", "Microloan"):
        b[f"TYPE_{kind.replace(' ', '_')}"] = (b["CREDIT_TYPE"] == kind).astype("float64")
    spec = {
        "DAYS_CREDIT": ["min", "max", "mean", "std"],
        "DAYS_CREDIT_ENDDATE": ["min", "max", "mean"],
        "DAYS_CREDIT_UPDATE": ["mean"],
        "DAYS_ENDDATE_FACT": ["max"],
        "CREDIT_DAY_OVERDUE": ["max", "mean"],
        "AMT_CREDIT_MAX_OVERDUE": ["max", "mean"],
        "CNT_CREDIT_PROLONG": ["sum"],
        "AMT_CREDIT_SUM": ["max", "mean", "sum"],
        "AMT_CREDIT_SUM_DEBT": ["max", "mean", "sum"],
        "AMT_CREDIT_SUM_OVERDUE": ["mean", "sum"],
        "AMT_CREDIT_SUM_LIMIT": ["mean", "sum"],
        "AMT_ANNUITY": ["max", "mean", "sum"],
        "DEBT_CREDIT_RATIO": ["mean"],
        "MONTHS_BALANCE_MIN": ["min"],
        "MONTHS_BALANCE_MAX": ["max"],
        "MONTHS_BALANCE_SIZE": ["mean", "sum"],
        "STATUS_0_SHARE": ["mean"],
        "STATUS_1_SHARE": ["mean"],
        "STATUS_2PLUS_SHARE": ["mean", "max"],
        "STATUS_C_SHARE": ["mean"],
        "STATUS_X_SHARE": ["mean"],
        **{c: ["mean"] for c in b.columns if c.startswith("TYPE_")},
    }
    return pd.concat(
        [
            _agg(b, spec, "BUREAU"),
            _agg(b[b["CREDIT_ACTIVE"] == "Active"], spec, "BUREAU_ACTIVE"),
            _agg(b[b["CREDIT_ACTIVE"] == "Closed"], spec, "BUREAU_CLOSED"),
        ],
        axis=1,
    )


def previous(folder: Path) -> pd.DataFrame:
    p = pd.read_csv(folder / "previous_application.csv")
    for c in ("DAYS_FIRST_DRAWING", "DAYS_FIRST_DUE", "DAYS_LAST_DUE_1ST_VERSION"):
        p[c] = p[c].replace(365243, np.nan)
    for c in ("DAYS_LAST_DUE", "DAYS_TERMINATION"):
        p[c] = p[c].replace(365243, np.nan)
    p["APP_CREDIT_RATIO"] = p["AMT_APPLICATION"] / p["AMT_CREDIT"]
    for status in ("Approved", "Refused", "Canceled", "Unused offer"):
        p[f"STATUS_{status.replace(' ', '_')}"] = (p["NAME_CONTRACT_STATUS"] == status).astype(
            "float64"
        )
    spec = {
        "AMT_ANNUITY": ["min", "max", "mean"],
        "AMT_APPLICATION": ["max", "mean"],
        "AMT_CREDIT": ["max", "mean"],
        "APP_CREDIT_RATIO": ["min", "max", "mean", "std"],
        "AMT_DOWN_PAYMENT": ["max", "mean"],
        "AMT_GOODS_PRICE": ["mean"],
        "HOUR_APPR_PROCESS_START": ["mean"],
        "RATE_DOWN_PAYMENT": ["max", "mean"],
        "DAYS_DECISION": ["min", "max", "mean"],
        "CNT_PAYMENT": ["mean", "sum"],
        "DAYS_LAST_DUE_1ST_VERSION": ["max"],
        "DAYS_TERMINATION": ["max"],
        **{c: ["mean"] for c in p.columns if c.startswith("STATUS_")},
    }
    status = p["NAME_CONTRACT_STATUS"]
    return pd.concat(
        [
            _agg(p, spec, "PREV"),
            _agg(p[status == "Approved"], spec, "PREV_APPROVED"),
            _agg(p[status == "Refused"], spec, "PREV_REFUSED"),
        ],
        axis=1,
    )


def pos_cash(folder: Path) -> pd.DataFrame:
    pos = pd.read_csv(folder / "POS_CASH_balance.csv")
    pos["LATE"] = (pos["SK_DPD"] > 0).astype("float64")
    pos["COMPLETED"] = (pos["NAME_CONTRACT_STATUS"] == "Completed").astype("float64")
    spec = {
        "SK_ID_PREV": ["nunique"],
        "MONTHS_BALANCE": ["min", "max"],
        "CNT_INSTALMENT": ["mean"],
        "CNT_INSTALMENT_FUTURE": ["mean"],
        "SK_DPD": ["max", "mean"],
        "SK_DPD_DEF": ["max", "mean"],
        "LATE": ["mean"],
        "COMPLETED": ["mean"],
    }
    recent = pos[pos["MONTHS_BALANCE"] >= -12]
    return pd.concat(
        [_agg(pos, spec, "POS"), _agg(recent, {"SK_DPD": ["max"], "LATE": ["mean"]}, "POS_L12M")],
        axis=1,
    )


def installments(folder: Path) -> pd.DataFrame:
    ins = pd.read_csv(folder / "installments_payments.csv")
    ins["DPD"] = (ins["DAYS_ENTRY_PAYMENT"] - ins["DAYS_INSTALMENT"]).clip(lower=0)
    ins["DBD"] = (ins["DAYS_INSTALMENT"] - ins["DAYS_ENTRY_PAYMENT"]).clip(lower=0)
    ins["LATE"] = (ins["DPD"] > 0).astype("float64")
    ins["PAYMENT_RATIO"] = ins["AMT_PAYMENT"] / ins["AMT_INSTALMENT"]
    ins["PAYMENT_DIFF"] = ins["AMT_INSTALMENT"] - ins["AMT_PAYMENT"]
    spec = {
        "NUM_INSTALMENT_VERSION": ["nunique"],
        "DPD": ["max", "mean", "sum"],
        "DBD": ["max", "mean", "sum"],
        "LATE": ["mean"],
        "PAYMENT_RATIO": ["min", "mean", "std"],
        "PAYMENT_DIFF": ["max", "mean", "sum"],
        "AMT_INSTALMENT": ["max", "mean", "sum"],
        "AMT_PAYMENT": ["min", "mean", "sum"],
        "DAYS_ENTRY_PAYMENT": ["max", "mean"],
    }
    recent = ins[ins["DAYS_INSTALMENT"] >= -365]
    recent_spec = {
        "DPD": ["max", "mean"],
        "LATE": ["mean"],
        "PAYMENT_RATIO": ["mean"],
        "PAYMENT_DIFF": ["sum"],
    }
    return pd.concat([_agg(ins, spec, "INSTAL"), _agg(recent, recent_spec, "INSTAL_L12M")], axis=1)


def credit_card(folder: Path) -> pd.DataFrame:
    cc = pd.read_csv(folder / "credit_card_balance.csv")
    cc["UTILISATION"] = cc["AMT_BALANCE"] / cc["AMT_CREDIT_LIMIT_ACTUAL"]
    cc["PAYMENT_MIN_RATIO"] = cc["AMT_PAYMENT_TOTAL_CURRENT"] / cc["AMT_INST_MIN_REGULARITY"]
    cc["LATE"] = (cc["SK_DPD"] > 0).astype("float64")
    spec = {
        "SK_ID_PREV": ["nunique"],
        "MONTHS_BALANCE": ["min"],
        "AMT_BALANCE": ["max", "mean"],
        "AMT_CREDIT_LIMIT_ACTUAL": ["max", "mean"],
        "UTILISATION": ["max", "mean"],
        "AMT_DRAWINGS_CURRENT": ["max", "mean", "sum"],
        "AMT_DRAWINGS_ATM_CURRENT": ["mean"],
        "CNT_DRAWINGS_CURRENT": ["mean"],
        "CNT_DRAWINGS_ATM_CURRENT": ["mean"],
        "AMT_PAYMENT_TOTAL_CURRENT": ["mean"],
        "PAYMENT_MIN_RATIO": ["min", "mean"],
        "AMT_TOTAL_RECEIVABLE": ["mean"],
        "CNT_INSTALMENT_MATURE_CUM": ["max"],
        "SK_DPD": ["max", "mean"],
        "SK_DPD_DEF": ["max"],
        "LATE": ["mean"],
    }
    recent = cc[cc["MONTHS_BALANCE"] >= -12]
    recent_spec = {
        "AMT_BALANCE": ["mean"],
        "UTILISATION": ["max", "mean"],
        "AMT_DRAWINGS_CURRENT": ["sum"],
    }
    return pd.concat([_agg(cc, spec, "CC"), _agg(recent, recent_spec, "CC_L12M")], axis=1)


FAMILIES = (bureau, previous, pos_cash, installments, credit_card)


def main() -> int:
    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    start = time.perf_counter()
    store = application(folder)
    print(f"application {time.perf_counter() - start:.1f} s", flush=True)
    for family in FAMILIES:
        t = time.perf_counter()
        store = store.join(family(folder), how="left")
        print(f"{family.__name__} {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    store.sort_index().reset_index().to_parquet(out, index=False)
    print(f"write {time.perf_counter() - t:.1f} s", flush=True)
    print(f"rows {len(store)} columns {store.shape[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
