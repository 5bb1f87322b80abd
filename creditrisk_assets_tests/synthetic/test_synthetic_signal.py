"""The planted signal: TARGET rate, the oracle file, the oracle's AUC, and what drift moves."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from creditrisk_assets.synthetic import generate_snapshot


def test_target_rate_near_kaggle(tables: dict[str, pd.DataFrame]) -> None:
    rate = tables["application_train"]["TARGET"].mean()
    assert 0.05 < rate < 0.115  # 8 % expected; binomial noise at 1,600 rows is about 0.7 %
    assert set(tables["application_train"]["TARGET"].unique()) <= {0, 1}
    assert "TARGET" not in tables["application_test"].columns


def test_oracle_covers_every_applicant(
    tables: dict[str, pd.DataFrame], oracle: pd.DataFrame
) -> None:
    assert list(oracle.columns) == ["SK_ID_CURR", "TRUE_PD"]
    ids = set(tables["application_train"]["SK_ID_CURR"]) | set(
        tables["application_test"]["SK_ID_CURR"]
    )
    assert oracle["SK_ID_CURR"].is_unique and set(oracle["SK_ID_CURR"]) == ids
    assert oracle["TRUE_PD"].between(0, 1, inclusive="neither").all()
    assert 0.05 < oracle["TRUE_PD"].mean() < 0.115


def test_oracle_ranks_defaults(tables: dict[str, pd.DataFrame], oracle: pd.DataFrame) -> None:
    train = tables["application_train"].merge(oracle, on="SK_ID_CURR")
    auc = roc_auc_score(train["TARGET"], train["TRUE_PD"])
    assert auc > 0.68  # designed near 0.81; the margin absorbs small-sample noise


def test_history_carries_signal(tables: dict[str, pd.DataFrame], oracle: pd.DataFrame) -> None:
    """Late instalments and refused applications go with a higher true PD."""
    inst = tables["installments_payments"]
    late = (inst["DAYS_ENTRY_PAYMENT"] > inst["DAYS_INSTALMENT"]).groupby(inst["SK_ID_CURR"]).mean()
    joined = oracle.set_index("SK_ID_CURR").join(late.rename("late"), how="inner")
    assert joined["late"].corr(joined["TRUE_PD"], method="spearman") > 0.1
    prev = tables["previous_application"]
    refused = (prev["NAME_CONTRACT_STATUS"] == "Refused").groupby(prev["SK_ID_CURR"]).mean()
    joined = oracle.set_index("SK_ID_CURR").join(refused.rename("refused"), how="inner")
    assert joined["refused"].corr(joined["TRUE_PD"], method="spearman") > 0.05


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> dict[float, dict[str, pd.DataFrame]]:
    out = {}
    for drift in (0.0, 1.0):
        folder = tmp_path_factory.mktemp(f"drift{drift}")
        generate_snapshot(folder, "2026-12-01", 1500, drift=drift, seed=11)
        out[drift] = {
            "app": pd.read_csv(folder / "application_train.csv"),
            "oracle": pd.read_csv(folder / "oracle_true_pd.csv"),
        }
    return out


def test_drift_moves_what_it_says(drifted: dict[float, dict[str, pd.DataFrame]]) -> None:
    base, moved = drifted[0.0]["app"], drifted[1.0]["app"]
    assert moved["EXT_SOURCE_2"].mean() < base["EXT_SOURCE_2"].mean() - 0.04
    assert moved["EXT_SOURCE_3"].mean() < base["EXT_SOURCE_3"].mean() - 0.03
    assert moved["AMT_INCOME_TOTAL"].median() > 1.15 * base["AMT_INCOME_TOTAL"].median()
    assert moved["AMT_CREDIT"].median() > 1.15 * base["AMT_CREDIT"].median()
    employed = base["DAYS_EMPLOYED"] < 0
    assert moved.loc[employed, "DAYS_EMPLOYED"].mean() > base.loc[employed, "DAYS_EMPLOYED"].mean()
    assert drifted[1.0]["oracle"]["TRUE_PD"].mean() > 1.3 * drifted[0.0]["oracle"]["TRUE_PD"].mean()
    assert moved["TARGET"].mean() > base["TARGET"].mean()
    # what drift does not name stays put: same draws, same ages
    assert (moved["DAYS_BIRTH"] == base["DAYS_BIRTH"]).all()
