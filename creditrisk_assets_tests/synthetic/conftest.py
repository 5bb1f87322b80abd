"""Fixtures for the synthetic generator's tests: one small snapshot per session, plus readers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from creditrisk_assets.schema import table_specs
from creditrisk_assets.synthetic import generate_snapshot

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
