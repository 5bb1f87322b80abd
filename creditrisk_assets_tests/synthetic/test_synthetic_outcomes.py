"""Outcomes mature: a later snapshot labels a share of earlier snapshots' test applicants, with
the same rows and history they had, an outcome drawn from the oracle's PD, and no key clashes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from creditrisk_assets.schema import table_specs
from creditrisk_assets.synthetic import PriorSnapshot, generate_snapshot, n_test_rows
from creditrisk_assets.synthetic.chunk import target_draws

SEED = 11
A = PriorSnapshot("2026-10-01", 6000)
B = PriorSnapshot("2026-11-01", 1500)
C_DATE = "2026-11-15"  # 45 days after A, 14 after B
OVERLAP, LAG = 0.6, 28
HISTORY = ("bureau", "previous_application")
PREV_CHILDREN = ("pos_cash_balance", "installments_payments", "credit_card_balance")


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    out = {name: pd.read_csv(folder / spec.file) for name, spec in table_specs().items()}
    out["oracle"] = pd.read_csv(folder / "oracle_true_pd.csv")
    return out


def _make_b(folder: Path, overlap: float = OVERLAP) -> dict:
    return generate_snapshot(
        folder, B.snapshot, B.applicants, seed=SEED, earlier=[A], overlap=overlap, lag_days=LAG
    )


@pytest.fixture(scope="module")
def lineage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    root = tmp_path_factory.mktemp("lineage")
    a = generate_snapshot(root / "a", A.snapshot, A.applicants, seed=SEED)
    b = _make_b(root / "b")
    c = generate_snapshot(
        root / "c", C_DATE, 800, seed=SEED, earlier=[B, A], overlap=OVERLAP, lag_days=LAG
    )
    return {"a": (root / "a", a), "b": (root / "b", b), "c": (root / "c", c)}


@pytest.fixture(scope="module")
def frames(lineage: dict[str, tuple[Path, dict]]) -> dict[str, dict[str, pd.DataFrame]]:
    return {name: _read(folder) for name, (folder, _) in lineage.items()}


def _matured(frames: dict[str, dict[str, pd.DataFrame]], later: str) -> pd.DataFrame:
    """Rows of ``later``'s application_train that were test rows of A."""
    train = frames[later]["application_train"]
    return train[train["SK_ID_CURR"].isin(frames["a"]["application_test"]["SK_ID_CURR"])]


def test_a_share_of_earlier_test_applicants_is_labelled(
    frames: dict[str, dict[str, pd.DataFrame]], lineage: dict[str, tuple[Path, dict]]
) -> None:
    a, b = frames["a"], frames["b"]
    matured = _matured(frames, "b")
    n_test = n_test_rows(A.applicants)
    assert len(a["application_test"]) == n_test
    # binomial(954, 0.6): sd 0.016, so 0.1 is over 6 sd
    assert abs(len(matured) / n_test - OVERLAP) < 0.1
    assert lineage["b"][1]["matured"]["rows"] == len(matured)
    assert lineage["b"][1]["matured"]["from"] == [A.snapshot]
    assert set(matured["TARGET"]) <= {0, 1}
    # train rows of A are not repeated, and no A applicant is unlabelled in B
    assert not set(a["application_train"]["SK_ID_CURR"]) & set(b["application_train"]["SK_ID_CURR"])
    a_ids = set(a["application_train"]["SK_ID_CURR"]) | set(a["application_test"]["SK_ID_CURR"])
    assert not a_ids & set(b["application_test"]["SK_ID_CURR"])
    # the snapshot's own applicants are all there besides
    assert len(b["application_train"]) == B.applicants + len(matured)
    assert len(b["application_test"]) == n_test_rows(B.applicants)


def test_keys_are_unique_and_linked(frames: dict[str, dict[str, pd.DataFrame]]) -> None:
    a, b = frames["a"], frames["b"]
    train, test = b["application_train"], b["application_test"]
    ids = pd.concat([train["SK_ID_CURR"], test["SK_ID_CURR"]])
    assert ids.is_unique
    assert train["SK_ID_CURR"].is_monotonic_increasing
    a_ids = set(a["application_train"]["SK_ID_CURR"]) | set(a["application_test"]["SK_ID_CURR"])
    own = set(ids) - set(_matured(frames, "b")["SK_ID_CURR"])
    assert min(own) > max(a_ids)  # B's own applicants come after the whole of A
    assert b["bureau"]["SK_ID_BUREAU"].is_unique
    assert b["previous_application"]["SK_ID_PREV"].is_unique
    assert set(b["bureau_balance"]["SK_ID_BUREAU"]) <= set(b["bureau"]["SK_ID_BUREAU"])
    owner = b["previous_application"].set_index("SK_ID_PREV")["SK_ID_CURR"]
    for name in PREV_CHILDREN:
        child = b[name]
        assert (owner.loc[child["SK_ID_PREV"]].to_numpy() == child["SK_ID_CURR"].to_numpy()).all()
    for name in (*HISTORY, *PREV_CHILDREN):
        assert set(b[name]["SK_ID_CURR"]) <= set(ids), name


def _with_rank(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with RANK: the n-th record of its applicant (a key that survives re-keying)."""
    out = frame.copy()
    out["RANK"] = out.groupby("SK_ID_CURR").cumcount()
    return out


def _children(t: dict[str, pd.DataFrame], ids: pd.Series) -> dict[str, pd.DataFrame]:
    """History rows of ``ids`` keyed by applicant and record rank instead of SK_ID_BUREAU/PREV."""
    out: dict[str, pd.DataFrame] = {}
    bureau = _with_rank(t["bureau"][t["bureau"]["SK_ID_CURR"].isin(ids)])
    out["bureau"] = bureau.drop(columns="SK_ID_BUREAU")
    parent = bureau.set_index("SK_ID_BUREAU")[["SK_ID_CURR", "RANK"]]
    bb = t["bureau_balance"].join(parent, on="SK_ID_BUREAU", how="inner")
    out["bureau_balance"] = bb.drop(columns="SK_ID_BUREAU")
    prev = t["previous_application"]
    prev = _with_rank(prev[prev["SK_ID_CURR"].isin(ids)])
    out["previous_application"] = prev.drop(columns="SK_ID_PREV")
    parent = prev.set_index("SK_ID_PREV")[["RANK"]]
    for name in PREV_CHILDREN:
        out[name] = t[name].join(parent, on="SK_ID_PREV", how="inner").drop(columns="SK_ID_PREV")
    return {k: v.reset_index(drop=True) for k, v in out.items()}


def test_matured_applicants_keep_their_rows_and_history(
    frames: dict[str, dict[str, pd.DataFrame]],
) -> None:
    a, b = frames["a"], frames["b"]
    matured = _matured(frames, "b").reset_index(drop=True)
    ids = matured["SK_ID_CURR"]
    before = a["application_test"].set_index("SK_ID_CURR").loc[ids].reset_index()
    pd.testing.assert_frame_equal(matured.drop(columns="TARGET")[before.columns], before)
    then, now = _children(a, ids), _children(b, ids)
    for name, rows in then.items():
        assert len(rows) > 0, name
        pd.testing.assert_frame_equal(now[name], rows, obj=name)


def test_oracle_covers_matured_rows_with_the_earlier_pd(
    frames: dict[str, dict[str, pd.DataFrame]], recompute_pd: Callable[..., pd.Series]
) -> None:
    a, b = frames["a"], frames["b"]
    oracle = b["oracle"].set_index("SK_ID_CURR")["TRUE_PD"]
    ids = pd.concat([b["application_train"]["SK_ID_CURR"], b["application_test"]["SK_ID_CURR"]])
    assert set(oracle.index) == set(ids) and oracle.index.is_unique
    matured = _matured(frames, "b")["SK_ID_CURR"]
    earlier = a["oracle"].set_index("SK_ID_CURR")["TRUE_PD"]
    np.testing.assert_array_equal(oracle.loc[matured].to_numpy(), earlier.loc[matured].to_numpy())
    # the history rows B carries give the same PD: features computed on B see what A saw
    recomputed = recompute_pd(b)
    np.testing.assert_allclose(
        recomputed.to_numpy(), oracle.reindex(recomputed.index).to_numpy(), rtol=1e-9, atol=1e-12
    )


def test_matured_target_is_a_draw_of_the_true_pd(
    frames: dict[str, dict[str, pd.DataFrame]],
) -> None:
    matured = _matured(frames, "b")
    pd_ = frames["a"]["oracle"].set_index("SK_ID_CURR")["TRUE_PD"].loc[matured["SK_ID_CURR"]]
    target, p = matured["TARGET"].to_numpy(), pd_.to_numpy()
    z = (target.sum() - p.sum()) / np.sqrt((p * (1 - p)).sum())
    assert abs(z) < 4, (target.mean(), p.mean())
    assert roc_auc_score(target, p) > 0.65  # the outcome follows the PD, not a coin
    # and it is the very draw A made for them when A was generated (A is a single chunk here)
    a_ids = frames["a"]["oracle"]["SK_ID_CURR"].to_numpy()
    u = target_draws(SEED, A.snapshot, 0, len(a_ids))
    position = np.searchsorted(a_ids, matured["SK_ID_CURR"].to_numpy())
    np.testing.assert_array_equal(target, (u[position] < p).astype(int))


def test_same_applicant_same_outcome_in_every_later_snapshot(
    frames: dict[str, dict[str, pd.DataFrame]], lineage: dict[str, tuple[Path, dict]]
) -> None:
    in_b = _matured(frames, "b").set_index("SK_ID_CURR")["TARGET"]
    in_c = _matured(frames, "c").set_index("SK_ID_CURR")["TARGET"]
    assert list(in_c.index) == list(in_b.index)
    assert (in_c == in_b).all()
    # lag: B is only 14 days older than C, so none of B's test applicants is labelled in C
    c_train = set(frames["c"]["application_train"]["SK_ID_CURR"])
    assert not c_train & set(frames["b"]["application_test"]["SK_ID_CURR"])
    assert lineage["c"][1]["matured"]["from"] == [A.snapshot]
    # C's own ids come after both A and B
    b_ids = frames["b"]["oracle"]["SK_ID_CURR"]
    assert lineage["c"][1]["first_sk_id_curr"] == b_ids.max() + 1


def test_regeneration_is_identical_and_shares_are_nested(
    tmp_path: Path,
    lineage: dict[str, tuple[Path, dict]],
    frames: dict[str, dict[str, pd.DataFrame]],
) -> None:
    again = _make_b(tmp_path / "again")
    assert again["files"] == lineage["b"][1]["files"]
    assert again["oracle"]["md5"] == lineage["b"][1]["oracle"]["md5"]
    _make_b(tmp_path / "fewer", overlap=0.3)
    fewer = pd.read_csv(tmp_path / "fewer" / "application_train.csv")
    fewer = fewer[fewer["SK_ID_CURR"].isin(frames["a"]["application_test"]["SK_ID_CURR"])]
    more = _matured(frames, "b").set_index("SK_ID_CURR")["TARGET"]
    assert 0 < len(fewer) < len(more)
    assert (more.loc[fewer["SK_ID_CURR"]].to_numpy() == fewer["TARGET"].to_numpy()).all()


def test_kaggle_schema_is_kept(lineage: dict[str, tuple[Path, dict]]) -> None:
    folder = lineage["b"][0]
    for spec in table_specs().values():
        with open(folder / spec.file, encoding="utf-8") as fh:
            assert fh.readline().rstrip("\n").split(",") == spec.column_names, spec.file
    manifest = (folder / "MD5SUMS").read_text()
    assert "oracle" not in manifest and "application_train.csv" in manifest


def test_rejects_a_bad_lineage(tmp_path: Path) -> None:
    bad: list[dict] = [
        {"earlier": [PriorSnapshot("2026-12-01", 100)]},  # not earlier
        {"earlier": [A, PriorSnapshot(A.snapshot, 50)]},  # listed twice
        {"earlier": [A], "overlap": 1.5},
        {"earlier": [A], "lag_days": -1},
    ]
    for kwargs in bad:
        with pytest.raises(ValueError):
            generate_snapshot(tmp_path / "x", "2026-11-01", 100, **kwargs)
    with pytest.raises(ValueError):
        PriorSnapshot("2026-10-01", 0)
    assert not (tmp_path / "x").exists()


def test_cli_takes_the_lineage_options(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "creditrisk_assets.synthetic", "--quiet", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    first = run("--snapshot", "2026-10-01", "--applicants", "400", "--out", str(tmp_path / "a"))
    assert first.returncode == 0, first.stderr
    later = run(
        *("--snapshot", "2026-11-01", "--applicants", "200", "--out", str(tmp_path / "b")),
        *("--earlier", "2026-10-01:400:0", "--overlap", "0.5", "--maturity-lag-days", "30"),
    )
    assert later.returncode == 0, later.stderr
    summary = json.loads(later.stdout)
    assert summary["matured"]["from"] == ["2026-10-01"] and summary["matured"]["rows"] > 0
    assert summary["first_sk_id_curr"] == 100_002 + 400 + n_test_rows(400)
    bad = run("--snapshot", "2026-11-01", "--out", str(tmp_path / "c"), "--earlier", "2026:x")
    assert bad.returncode == 2 and "DATE[:APPLICANTS[:DRIFT]]" in bad.stderr
