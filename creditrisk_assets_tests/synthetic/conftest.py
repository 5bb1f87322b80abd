"""Fixtures for the synthetic generator's tests: one small snapshot per session, plus readers,
and the true PD recomputed from a snapshot's files (the oracle's independent check)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from creditrisk_assets.schema import table_specs
from creditrisk_assets.synthetic import generate_snapshot, intercept
from creditrisk_assets.synthetic._common import Cat, Column
from creditrisk_assets.synthetic.signal import score, true_pd

SNAPSHOT = "2026-11-01"
APPLICANTS = 1600
REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "homecredit-real"


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synthetic") / SNAPSHOT
    summary = generate_snapshot(out, SNAPSHOT, APPLICANTS, seed=7)
    return out, summary


@pytest.fixture(scope="session")
def tables(generated: tuple[Path, dict]) -> dict[str, pd.DataFrame]:
    """Every raw table as pandas reads it without hints (as a careless consumer would)."""
    out, _ = generated
    return {name: pd.read_csv(out / spec.file) for name, spec in table_specs().items()}


@pytest.fixture(scope="session")
def oracle(generated: tuple[Path, dict]) -> pd.DataFrame:
    out, _ = generated
    return pd.read_csv(out / "oracle_true_pd.csv")


@pytest.fixture
def real_samples() -> Path:
    folder = REAL_DATA / "table_samples"
    if not folder.is_dir():
        pytest.skip("real Kaggle samples (../shared/data/homecredit-real) are not present")
    return folder


def _columns(df: pd.DataFrame) -> dict[str, Column]:
    out: dict[str, Column] = {}
    for name, s in df.items():
        if s.dtype == object:
            cat = pd.Categorical(s)
            out[name] = Cat(np.asarray(cat.codes, dtype=np.int64), tuple(cat.categories))
        else:
            out[name] = s.to_numpy(dtype=float)
    return out


def _share(flags: pd.Series, keys: pd.Series, index: pd.Index) -> np.ndarray:
    return flags.astype(float).groupby(keys).mean().reindex(index).fillna(0.0).to_numpy()


def _any(flags: pd.Series, keys: pd.Series, index: pd.Index) -> np.ndarray:
    return flags.astype(float).groupby(keys).max().reindex(index).fillna(0.0).to_numpy()


def _aggregates(t: dict[str, pd.DataFrame], ids: pd.Index) -> dict[str, np.ndarray]:
    bureau, bb, prev = t["bureau"], t["bureau_balance"], t["previous_application"]
    pos, inst, cc = t["pos_cash_balance"], t["installments_payments"], t["credit_card_balance"]
    key = bureau["SK_ID_CURR"]
    agg = {
        "bureau_count": key.value_counts().reindex(ids).fillna(0).to_numpy(float),
        "bureau_active_share": _share(bureau["CREDIT_ACTIVE"] == "Active", key, ids),
        "bureau_overdue_now": _any(bureau["CREDIT_DAY_OVERDUE"] > 0, key, ids),
        "bureau_past_overdue_share": _share(bureau["AMT_CREDIT_MAX_OVERDUE"] > 0, key, ids),
    }
    months = bb.merge(bureau[["SK_ID_BUREAU", "SK_ID_CURR"]], on="SK_ID_BUREAU")
    rated = months[months["STATUS"].isin(list("012345"))]
    agg["bb_bad_share"] = _share(rated["STATUS"] != "0", rated["SK_ID_CURR"], ids)
    agg["prev_count"] = prev["SK_ID_CURR"].value_counts().reindex(ids).fillna(0).to_numpy(float)
    agg["prev_refused_share"] = _share(
        prev["NAME_CONTRACT_STATUS"] == "Refused", prev["SK_ID_CURR"], ids
    )
    agg["pos_dpd_share"] = _share(pos["SK_DPD"] > 0, pos["SK_ID_CURR"], ids)
    # one instalment may be paid in two rows: judge the instalment, not the row
    per = inst.groupby(["SK_ID_PREV", "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER"]).agg(
        curr=("SK_ID_CURR", "first"),
        due=("DAYS_INSTALMENT", "first"),
        first_paid=("DAYS_ENTRY_PAYMENT", "min"),
        owed=("AMT_INSTALMENT", "first"),
        paid=("AMT_PAYMENT", "sum"),
    )
    agg["inst_late_share"] = _share(per["first_paid"] > per["due"], per["curr"], ids)
    agg["inst_short_share"] = _share(per["paid"] < per["owed"] - 1e-6, per["curr"], ids)
    limited = cc[cc["AMT_CREDIT_LIMIT_ACTUAL"] > 0]
    agg["cc_util_mean"] = (
        (limited["AMT_BALANCE"] / limited["AMT_CREDIT_LIMIT_ACTUAL"])
        .groupby(limited["SK_ID_CURR"])
        .mean()
        .reindex(ids)
        .fillna(0.0)
        .to_numpy()
    )
    agg["cc_dpd_any"] = _any(cc["SK_DPD"] > 0, cc["SK_ID_CURR"], ids)
    agg["cc_has"] = ids.isin(cc["SK_ID_CURR"]).astype(float)
    return agg


def recomputed_pd(t: dict[str, pd.DataFrame], drift: float = 0.0) -> pd.Series:
    """True PD of every applicant (train and test) from the files alone, by SK_ID_CURR."""
    app = pd.concat([t["application_train"].drop(columns="TARGET"), t["application_test"]])
    app = app.set_index("SK_ID_CURR").sort_index()
    pd_ = true_pd(score(_columns(app), _aggregates(t, app.index)), intercept(), drift)
    return pd.Series(pd_, index=app.index)


@pytest.fixture(scope="session")
def recompute_pd() -> Callable[..., pd.Series]:
    """``recomputed_pd`` as a fixture (test modules do not import each other)."""
    return recomputed_pd
