"""The feature store and split assets, end to end on the small synthetic snapshot."""

from __future__ import annotations

import dagster as dg
import numpy as np
import pandas as pd

from creditrisk_assets.features import (
    STORE_PATH,
    TEST_PATH,
    TRAIN_PATH,
    load_feature_spec,
    split_bucket,
)
from creditrisk_assets.keys import FEATURES_TEST as TEST
from creditrisk_assets.resources import Lake, Warehouse

SNAPSHOT = "2026-11-01"


def test_run_succeeds_with_all_checks_passing(built) -> None:
    _, _, result = built
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == {
        "feature_store_contract",
        "split_disjoint_and_complete",
        "split_class_balance",
    }
    assert all(e.passed for e in evaluations), [e.description for e in evaluations]


def test_store_layout_matches_spec(built, store_frame: pd.DataFrame, raw_frames) -> None:
    lake, _, _ = built
    spec = load_feature_spec(lake, SNAPSHOT)
    model_columns = [c for c in store_frame.columns if c not in spec.excluded_names]
    assert model_columns == ["SK_ID_CURR", "TARGET", *spec.names]
    assert 150 <= len(spec.features) <= 400
    applicants = pd.concat([raw_frames["application_train"], raw_frames["application_test"]])
    assert store_frame["SK_ID_CURR"].tolist() == sorted(applicants["SK_ID_CURR"])
    assert store_frame["SK_ID_CURR"].is_unique
    # labelled rows keep their TARGET, test rows have none
    n_test = len(raw_frames["application_test"])
    assert store_frame["TARGET"].isna().sum() == n_test
    kinds = {f.name: f.kind for f in (*spec.features, *spec.excluded)}
    assert kinds["CODE_GENDER"] == "categorical" and kinds["AMT_CREDIT"] == "numeric"
    # protected attributes (and what is computed from them) stay in the store, not the model
    assert set(spec.excluded_names) == {"CODE_GENDER", "NAME_FAMILY_STATUS", "APP_MISSING_COUNT"}
    assert not set(spec.excluded_names) & set(spec.names)
    assert set(spec.store_names) <= set(store_frame.columns)
    assert spec.xgboost_feature_types.count("c") == 14
    assert all(f.description and f.source for f in spec.features)
    values = store_frame[spec.names].to_numpy(dtype="float64", na_value=np.nan)
    assert not np.isinf(values).any()


def test_application_features_against_pandas(store_frame: pd.DataFrame, raw_frames) -> None:
    app = pd.concat([raw_frames["application_train"], raw_frames["application_test"]])
    app = app.set_index("SK_ID_CURR").sort_index()
    fs = store_frame.set_index("SK_ID_CURR")
    expected = app["AMT_CREDIT"] / app["AMT_INCOME_TOTAL"]
    pd.testing.assert_series_equal(
        fs["APP_CREDIT_INCOME_RATIO"], expected, check_names=False, rtol=1e-12
    )
    anomalous = app["DAYS_EMPLOYED"] == 365243
    assert fs.loc[anomalous, "DAYS_EMPLOYED"].isna().all()
    assert (fs.loc[anomalous, "DAYS_EMPLOYED_ANOM"] == 1).all()
    # category codes are positions in the schema's fixed list, not data-dependent
    from creditrisk_assets.schema import table_spec

    cats = table_spec("application_train").column("NAME_INCOME_TYPE").categories
    codes = app["NAME_INCOME_TYPE"].map({c: i for i, c in enumerate(cats)})
    assert (fs["NAME_INCOME_TYPE"].astype("float64") == codes.astype("float64")).all()
    raw_missing = app.drop(columns=["TARGET"]).isna().sum(axis=1)
    assert (fs["APP_MISSING_COUNT"] == raw_missing).all()


def test_history_aggregates_against_pandas(store_frame: pd.DataFrame, raw_frames) -> None:
    fs = store_frame.set_index("SK_ID_CURR")
    bureau = raw_frames["bureau"]
    counts = bureau.groupby("SK_ID_CURR").size().reindex(fs.index, fill_value=0)
    assert (fs["BUREAU_COUNT"] == counts).all()
    active = bureau[bureau["CREDIT_ACTIVE"] == "Active"]
    debt = active.groupby("SK_ID_CURR")["AMT_CREDIT_SUM_DEBT"].sum(min_count=1)
    got = fs["BUREAU_ACTIVE_AMT_CREDIT_SUM_DEBT_SUM"].dropna()
    pd.testing.assert_series_equal(got, debt.reindex(got.index), check_names=False, rtol=1e-9)
    # conditional aggregates: rows outside the condition (or with it NULL) count for nothing
    for status, column in (("Active", "BUREAU_ACTIVE_COUNT"), ("Closed", "BUREAU_CLOSED_COUNT")):
        n = bureau[bureau["CREDIT_ACTIVE"] == status].groupby("SK_ID_CURR").size()
        assert (fs[column] == n.reindex(fs.index, fill_value=0)).all()
    prev = raw_frames["previous_application"]
    refused = prev[prev["NAME_CONTRACT_STATUS"] == "Refused"]
    mean = refused.groupby("SK_ID_CURR")["AMT_CREDIT"].mean()
    got = fs["PREV_REFUSED_AMT_CREDIT_MEAN"]
    assert got.notna().sum() == mean.notna().sum()
    pd.testing.assert_series_equal(
        got.dropna(), mean.dropna().reindex(got.dropna().index), check_names=False, rtol=1e-9
    )

    inst = raw_frames["installments_payments"].copy()
    late = inst["DAYS_ENTRY_PAYMENT"] - inst["DAYS_INSTALMENT"]
    inst["DPD"] = late.clip(lower=0).where(late.notna())
    expected = inst.groupby("SK_ID_CURR")["DPD"].max()
    got = fs["INSTAL_DPD_MAX"].dropna()
    pd.testing.assert_series_equal(got, expected.reindex(got.index), check_names=False)
    recent = inst[inst["DAYS_INSTALMENT"] >= -365].groupby("SK_ID_CURR").size()
    assert (fs["INSTAL_L12M_COUNT"] == recent.reindex(fs.index, fill_value=0)).all()


def test_per_instalment_and_pooled_bureau_shares_against_pandas(
    store_frame: pd.DataFrame, raw_frames
) -> None:
    fs = store_frame.set_index("SK_ID_CURR")

    def same(column: str, expected: pd.Series) -> None:
        got = fs[column]
        assert got.notna().sum() == expected.notna().sum(), column
        pd.testing.assert_series_equal(
            got.dropna(), expected.dropna().reindex(got.dropna().index), check_names=False
        )

    inst = raw_frames["installments_payments"]
    keys = ["SK_ID_CURR", "SK_ID_PREV", "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER"]
    due = inst.groupby(keys).agg(
        first=("DAYS_ENTRY_PAYMENT", "min"),
        day=("DAYS_INSTALMENT", "max"),
        paid=("AMT_PAYMENT", "sum"),
        amount=("AMT_INSTALMENT", "max"),
    )
    assert (inst.groupby(keys).size() > 1).any()  # split payments are there to roll up
    due["late"] = (due["first"] > due["day"]).astype(float)
    due["short"] = (due["paid"] < due["amount"] - 0.01).astype(float)
    per = due.groupby("SK_ID_CURR")
    same("INSTAL_DUE_LATE_SHARE", per["late"].mean())
    same("INSTAL_DUE_SHORT_SHARE", per["short"].mean())
    # per instalment is not per payment row: a split payment's second part is often later
    both = fs[["INSTAL_DUE_LATE_SHARE", "INSTAL_LATE_SHARE"]].dropna()
    assert (both["INSTAL_DUE_LATE_SHARE"] != both["INSTAL_LATE_SHARE"]).any()

    bureau, bb = raw_frames["bureau"], raw_frames["bureau_balance"]
    months = bb.merge(bureau[["SK_ID_BUREAU", "SK_ID_CURR"]], on="SK_ID_BUREAU")
    status = months["STATUS"].astype(str)
    months["rated"] = status.isin(list("012345"))
    months["past_due"] = status.isin(list("12345"))
    pooled = months.groupby("SK_ID_CURR")[["rated", "past_due"]].sum()
    share = (pooled["past_due"] / pooled["rated"]).where(pooled["rated"] > 0)
    same("BUREAU_BALANCE_PAST_DUE_SHARE", share)
    ever = bureau["AMT_CREDIT_MAX_OVERDUE"].fillna(0) > 0
    same("BUREAU_EVER_OVERDUE_SHARE", ever.astype(float).groupby(bureau["SK_ID_CURR"]).mean())
    active = (bureau["CREDIT_ACTIVE"] == "Active").astype(float)
    same("BUREAU_ACTIVE_SHARE", active.groupby(bureau["SK_ID_CURR"]).mean())


def test_split_is_labelled_disjoint_and_hash_stable(built, store_frame: pd.DataFrame) -> None:
    lake, _, _ = built
    train = pd.read_parquet(lake.local_path(TRAIN_PATH, SNAPSHOT))
    test = pd.read_parquet(lake.local_path(TEST_PATH, SNAPSHOT))
    assert train["TARGET"].notna().all() and test["TARGET"].notna().all()
    assert not set(train["SK_ID_CURR"]) & set(test["SK_ID_CURR"])
    labelled = store_frame[store_frame["TARGET"].notna()]
    assert len(train) + len(test) == len(labelled)
    # the SQL's md5 bucket equals the Python twin, so sides are reproducible anywhere
    assert all(split_bucket(i) < 2000 for i in test["SK_ID_CURR"])
    assert all(split_bucket(i) >= 2000 for i in train["SK_ID_CURR"])
    assert 0.12 < len(test) / len(labelled) < 0.28
    assert list(train.columns) == list(store_frame.columns)
    # each side is a projection of the sorted store: still sorted by id, without a re-sort
    assert train["SK_ID_CURR"].is_monotonic_increasing
    assert test["SK_ID_CURR"].is_monotonic_increasing


def test_rebuild_is_deterministic(built, store_frame: pd.DataFrame, tmp_path) -> None:
    """Same raw partition, same SQL: the same rows and values, bit for bit."""
    import duckdb

    from creditrisk_assets.features.compute import build_feature_store
    from creditrisk_assets.schema import RAW_TABLES

    lake, _, _ = built
    raw = {t: lake.local_path(f"raw/{t}", SNAPSHOT) for t in RAW_TABLES}
    con = duckdb.connect()
    con.execute("SET threads = 2")
    build_feature_store(con, raw, tmp_path / "again.parquet")
    again = pd.read_parquet(tmp_path / "again.parquet")
    pd.testing.assert_frame_equal(again, store_frame, check_exact=True)


def test_application_only_snapshot_runs_through(
    lake: Lake, warehouse: Warehouse, raw_parquet_dir, materialize, publish_raw
) -> None:
    from creditrisk_assets.schema import HISTORY_TABLES

    publish_raw(lake, SNAPSHOT, raw_parquet_dir, empty=HISTORY_TABLES)
    fraction = 0.35  # and the split's test fraction is configurable
    config = {"ops": {"feature_splits": {"config": {"test_fraction": fraction}}}}
    result = materialize(lake, warehouse, SNAPSHOT, config)
    assert result.success
    contract = next(
        e for e in result.get_asset_check_evaluations() if e.check_name == "feature_store_contract"
    )
    assert contract.passed
    fs = pd.read_parquet(lake.local_path(STORE_PATH, SNAPSHOT))
    assert (fs["BUREAU_COUNT"] == 0).all() and fs["BUREAU_DAYS_CREDIT_MEAN"].isna().all()
    assert fs["APP_CREDIT_INCOME_RATIO"].notna().any()
    test = pd.read_parquet(lake.local_path(TEST_PATH, SNAPSHOT))
    train = pd.read_parquet(lake.local_path(TRAIN_PATH, SNAPSHOT))
    assert all(split_bucket(i) < fraction * 10_000 for i in test["SK_ID_CURR"])
    assert 0.25 < len(test) / (len(test) + len(train)) < 0.45


def test_failed_contract_blocks_the_split(
    lake: Lake, warehouse: Warehouse, raw_parquet_dir, materialize, publish_raw
) -> None:
    """A renamed category ('Active' -> 'ACTIVE') leaves active-credit features all NULL."""
    import duckdb

    publish_raw(lake, SNAPSHOT, raw_parquet_dir)
    con = duckdb.connect()
    bureau = con.read_parquet(lake.local_path("raw/bureau", SNAPSHOT)).df()
    bureau["CREDIT_ACTIVE"] = bureau["CREDIT_ACTIVE"].replace({"Active": "ACTIVE"})
    with lake.write_partition("raw/bureau", SNAPSHOT) as tmp:
        con.from_df(bureau).write_parquet(str(tmp))
    result = materialize(lake, warehouse, SNAPSHOT)
    contract = next(
        e for e in result.get_asset_check_evaluations() if e.check_name == "feature_store_contract"
    )
    assert not contract.passed
    assert "BUREAU_ACTIVE_DAYS_CREDIT_MEAN" in contract.description
    # blocking: the split never ran, so nothing downstream of the bad store exists
    assert not lake.exists(TRAIN_PATH, SNAPSHOT) and not lake.exists(TEST_PATH, SNAPSHOT)
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert TEST not in materialized and dg.AssetKey(["features", "feature_store"]) in materialized
