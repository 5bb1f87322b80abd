"""PSI in SQL against a NumPy oracle, the drift decision, and the Evidently sample report."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from creditrisk_assets.monitoring.drift import (
    DriftThresholds,
    MissingFeatures,
    psi_numpy,
    psi_sql,
    summarize_psi,
)
from creditrisk_assets.monitoring.evidently_report import evidently_drift, sample_parquet


def _frames(n: int = 4000, shift: float = 0.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    nullable = rng.random(n)
    nullable[rng.random(n) < (0.1 + shift / 4)] = np.nan
    return pd.DataFrame(
        {
            "SK_ID_CURR": np.arange(n) + seed * n,
            "TARGET": rng.integers(0, 2, n),
            "stable": rng.normal(size=n),
            "shifted": rng.normal(loc=shift, size=n),
            "counts": rng.poisson(2 + shift, n).astype("int64"),
            "nullable": nullable,
            "constant": np.ones(n),
        }
    )


FEATURES = ["stable", "shifted", "counts", "nullable", "constant"]


@pytest.fixture
def parquet_pair(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame, pd.DataFrame]:
    ref, cur = _frames(seed=0), _frames(shift=0.8, seed=1)
    ref_path, cur_path = tmp_path / "ref.parquet", tmp_path / "cur.parquet"
    ref.to_parquet(ref_path)
    cur.to_parquet(cur_path)
    return ref_path, cur_path, ref, cur


def test_sql_psi_matches_numpy_oracle(parquet_pair) -> None:
    ref_path, cur_path, ref, cur = parquet_pair
    with duckdb.connect() as con:
        table = psi_sql(con, ref_path, cur_path, FEATURES)
    assert sorted(table["feature"]) == sorted(FEATURES)
    for feature in FEATURES:
        got = float(table.loc[table["feature"] == feature, "psi"].iloc[0])
        want = psi_numpy(ref[feature].to_numpy(float), cur[feature].to_numpy(float))
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), feature
    psi = dict(zip(table["feature"], table["psi"], strict=True))
    assert psi["shifted"] > 0.25 > psi["stable"]
    assert psi["constant"] == pytest.approx(0.0)
    assert table["psi"].is_monotonic_decreasing
    row = table.set_index("feature").loc["nullable"]
    assert row["cur_null_share"] > row["ref_null_share"] > 0.05


def test_sql_psi_of_identical_data_is_zero(parquet_pair) -> None:
    ref_path, _, _, _ = parquet_pair
    with duckdb.connect() as con:
        table = psi_sql(con, ref_path, ref_path, FEATURES)
    assert np.allclose(table["psi"], 0.0)
    assert (table["ref_rows"] == 4000).all()


def test_sql_psi_refuses_missing_features(parquet_pair) -> None:
    ref_path, cur_path, _, _ = parquet_pair
    with duckdb.connect() as con, pytest.raises(MissingFeatures, match="no_such"):
        psi_sql(con, ref_path, cur_path, ["stable", "no_such"])


def test_summary_flags_drift_by_share_or_max_psi() -> None:
    table = pd.DataFrame({"feature": ["a", "b", "c", "d"], "psi": [1.5, 0.3, 0.05, 0.0]})
    loose = summarize_psi(table, DriftThresholds(feature_psi=0.2, drift_share=0.6, max_psi=2.0))
    assert (loose.n_drifted, loose.drift_share, loose.drift_detected) == (2, 0.5, False)
    assert loose.max_psi_feature == "a" and loose.top_features[0] == {"feature": "a", "psi": 1.5}
    by_share = summarize_psi(table, DriftThresholds(drift_share=0.4, max_psi=2.0))
    assert by_share.drift_detected and "drift share" in by_share.reasons[0]
    by_max = summarize_psi(table, DriftThresholds(drift_share=0.9, max_psi=1.0))
    assert by_max.drift_detected and "max PSI" in by_max.reasons[0]


def test_sample_is_bounded_and_deterministic(parquet_pair) -> None:
    ref_path, _, _, _ = parquet_pair
    with duckdb.connect() as con:
        a = sample_parquet(con, ref_path, ["SK_ID_CURR", "stable"], rows=500, seed=3)
    with duckdb.connect() as con:
        b = sample_parquet(con, ref_path, ["SK_ID_CURR", "stable"], rows=500, seed=3)
    assert list(a.columns) == ["SK_ID_CURR", "stable"] and len(a) == 500
    pd.testing.assert_frame_equal(a, b)
    assert a["SK_ID_CURR"].max() > 2000  # spread over the file, not its first rows
    # a fixed function of id and seed (md5 of "id/seed"), not DuckDB's version-dependent hash()
    ids = pd.read_parquet(ref_path, columns=["SK_ID_CURR"])["SK_ID_CURR"].tolist()
    key = {i: hashlib.md5(f"{i}/3".encode()).hexdigest() for i in ids}
    assert a["SK_ID_CURR"].tolist() == sorted(ids, key=lambda i: (key[i], i))[:500]


def test_evidently_report_writes_html_and_json(parquet_pair, tmp_path: Path) -> None:
    _, _, ref, cur = parquet_pair
    result = evidently_drift(ref.head(1000), cur.head(1000), ["stable", "shifted"], tmp_path)
    assert result.drifted_columns >= 1 and 0.0 < result.drift_share <= 1.0
    assert result.html_path.stat().st_size > 1000
    assert '"metrics"' in result.json_path.read_text()


def test_evidently_skips_columns_without_values(tmp_path: Path) -> None:
    """An all-null feature (history on an application-only snapshot) must not break the report."""
    ref, cur = _frames(seed=1), _frames(shift=1.0, seed=2)
    ref["empty"], cur["empty"] = np.nan, np.nan
    result = evidently_drift(ref.head(500), cur.head(500), ["shifted", "empty"], tmp_path)
    assert result.columns == ["shifted"]
    assert result.drifted_columns == 1


def test_sql_psi_needs_no_spill_on_a_wide_table(tmp_path: Path) -> None:
    """Issue 20: PSI of a wide table stays within a small memory budget, without disk. The
    first version unpivoted every cell (with its feature name) and, at full scale, filled the
    disk with DuckDB's spill files; here 150 features x 30,000 rows must fit in 64 MB."""
    rng = np.random.default_rng(3)
    names = [f"FEATURE_WITH_A_LONG_NAME_{i:03d}" for i in range(150)]
    wide = pd.DataFrame(rng.normal(size=(30_000, len(names))), columns=names)
    path = tmp_path / "wide.parquet"
    wide.to_parquet(path)
    with duckdb.connect() as con:
        con.execute("SET threads = 2")
        con.execute("SET memory_limit = '64MB'")
        con.execute("SET max_temp_directory_size = '0KB'")  # a spill is an error
        table = psi_sql(con, path, path, names)
    assert len(table) == len(names) and np.allclose(table["psi"], 0.0)
    assert (table["ref_rows"] == 30_000).all() and (table["bins"] == 10).all()


def test_sql_psi_counts_nan_written_by_pyarrow(tmp_path: Path) -> None:
    """pyarrow keeps NaN (pandas writes it as null) and leaves it out of the file's min/max
    statistics; the NaNs must still land in the missing bin, as in the NumPy oracle."""
    rng = np.random.default_rng(5)
    paths = {}
    for name, shift in (("ref", 0.0), ("cur", 0.4)):
        x = rng.normal(loc=shift, size=5000)
        x[rng.random(5000) < 0.1 + shift / 4] = np.nan
        paths[name] = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table({"x": x, "x32": x.astype(np.float32)}), paths[name])
    with duckdb.connect() as con:
        table = psi_sql(con, paths["ref"], paths["cur"], ["x", "x32"]).set_index("feature")
        assert con.sql("SELECT current_setting('disabled_optimizers')").fetchall() == [("",)]
    for column in ("x", "x32"):
        ref, cur = (pq.read_table(paths[n])[column].to_numpy().astype(float) for n in paths)
        assert table.loc[column, "psi"] == pytest.approx(psi_numpy(ref, cur), rel=1e-9)
        assert table.loc[column, "cur_null_share"] == pytest.approx(np.isnan(cur).mean())
