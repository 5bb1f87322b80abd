"""Serving parity: one applicant's features from in-memory records equal the batch store's row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creditrisk_assets.features import load_feature_spec
from creditrisk_assets.serving.feature_inputs import records_to_arrow
from creditrisk_assets.serving.feature_sessions import features_for_records

SNAPSHOT = "2026-11-01"


def test_one_applicant_at_a_time_equals_the_batch(
    built, store_frame, raw_frames, history_of
) -> None:
    lake, _, _ = built
    spec = load_feature_spec(lake, SNAPSHOT)
    app = pd.concat([raw_frames["application_train"], raw_frames["application_test"]])
    # applicants with the richest history, plus some with none, exercise every family
    n_bureau = raw_frames["bureau"].groupby("SK_ID_CURR").size()
    busy = n_bureau.sort_values(ascending=False).index[:8].tolist()
    rng = np.random.default_rng(5)
    sampled = busy + rng.choice(app["SK_ID_CURR"].to_numpy(), 16, replace=False).tolist()
    batch = store_frame.set_index("SK_ID_CURR")
    for sk_id in sampled:
        one = app[app["SK_ID_CURR"] == sk_id].drop(columns=["TARGET"])
        got = features_for_records(one, history_of([sk_id]))
        # every store column: the model's features and the excluded (protected) ones
        assert sorted(got.columns) == sorted(spec.store_names)
        expected = batch.loc[[sk_id], list(got.columns)].astype("float64")
        pd.testing.assert_frame_equal(got, expected, check_names=False, rtol=1e-9)


def test_many_applicants_in_one_call_match_too(store_frame, raw_frames, history_of) -> None:
    app = raw_frames["application_train"].head(50)
    ids = app["SK_ID_CURR"].tolist()
    got = features_for_records(app, history_of(ids))
    expected = store_frame.set_index("SK_ID_CURR").loc[ids, list(got.columns)]
    pd.testing.assert_frame_equal(got, expected.astype("float64"), check_names=False, rtol=1e-9)


def test_missing_history_tables_count_as_empty(raw_frames) -> None:
    app = raw_frames["application_train"].head(3)
    got = features_for_records(app, {})
    assert (got["BUREAU_COUNT"] == 0).all() and got["PREV_AMT_CREDIT_MEAN"].isna().all()
    assert got["APP_CREDIT_INCOME_RATIO"].notna().all()


def test_partial_records_fill_missing_columns_with_null(raw_frames) -> None:
    app = raw_frames["application_train"].head(1)[["SK_ID_CURR", "AMT_CREDIT", "AMT_INCOME_TOTAL"]]
    got = features_for_records(app, {})
    assert got["APP_CREDIT_INCOME_RATIO"].iloc[0] == pytest.approx(
        app["AMT_CREDIT"].iloc[0] / app["AMT_INCOME_TOTAL"].iloc[0]
    )
    assert np.isnan(got["CODE_GENDER"].iloc[0])


def test_bad_records_are_refused_with_table_column_and_rows(raw_frames) -> None:
    app = raw_frames["application_train"].head(3).copy()
    app["AMT_CREDIT"] = app["AMT_CREDIT"].astype(object)
    app.loc[app.index[1], "AMT_CREDIT"] = "lots"
    with pytest.raises(ValueError, match=r"application: column AMT_CREDIT .*rows \[1\]"):
        features_for_records(app, {})
    with pytest.raises(ValueError, match="bureau: unknown column"):
        records_to_arrow("bureau", pd.DataFrame({"SK_ID_CURR": [1], "NOT_A_COLUMN": [2]}))
    with pytest.raises(ValueError, match="unknown history table"):
        features_for_records(app.head(1), {"bureaux": pd.DataFrame()})
