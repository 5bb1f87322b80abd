"""The snapshot looks like Kaggle's: file names, headers, types, categories, checksums."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from creditrisk_assets.schema import RAW_TABLES, table_specs

KAGGLE_FILES = {
    "application_train.csv",
    "application_test.csv",
    "bureau.csv",
    "bureau_balance.csv",
    "previous_application.csv",
    "POS_CASH_balance.csv",
    "installments_payments.csv",
    "credit_card_balance.csv",
}
#: Keys the official dictionary lists under another table (or with a trailing space).
KEYS_NAMED_ELSEWHERE = {"SK_ID_PREV", "SK_ID_BUREAU"}


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="latin-1") as fh:
        return next(csv.reader(fh))


def test_writes_kaggle_files_manifest_and_oracle(generated: tuple[Path, dict]) -> None:
    out, summary = generated
    names = {p.name for p in out.iterdir()}
    assert names == KAGGLE_FILES | {"MD5SUMS", "oracle_true_pd.csv"}  # no temp files left
    assert set(summary["files"]) == KAGGLE_FILES
    for name, info in summary["files"].items():
        rows = sum(1 for _ in (out / name).open("rb")) - 1
        assert rows == info["rows"] > 0, name


def test_md5sums_verify(generated: tuple[Path, dict]) -> None:
    out, summary = generated
    lines = (out / "MD5SUMS").read_text().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == KAGGLE_FILES
    for name, digest in listed.items():
        assert hashlib.md5((out / name).read_bytes()).hexdigest() == digest, name
        assert summary["files"][name]["md5"] == digest


def test_headers_follow_schema(generated: tuple[Path, dict]) -> None:
    out, _ = generated
    for spec in table_specs().values():
        assert _header(out / spec.file) == spec.column_names, spec.name


def test_headers_identical_to_real_samples(
    generated: tuple[Path, dict], real_samples: Path
) -> None:
    out, _ = generated
    for spec in table_specs().values():
        assert _header(out / spec.file) == _header(real_samples / spec.file), spec.name


def test_every_column_is_in_the_official_dictionary() -> None:
    for spec in table_specs().values():
        for col in spec.columns:
            described = col.description.strip() not in ("", "nan")
            assert described or col.name in KEYS_NAMED_ELSEWHERE, f"{spec.name}.{col.name}"


def test_types_as_kaggle(tables: dict[str, pd.DataFrame]) -> None:
    """int columns parse as integers without gaps; float columns as floats; strings as text."""
    for name in RAW_TABLES:
        df, spec = tables[name], table_specs()[name]
        for col in spec.columns:
            s = df[col.name]
            if col.dtype == "int":
                assert pd.api.types.is_integer_dtype(s), f"{name}.{col.name}: {s.dtype}"
            elif col.dtype == "float":
                assert pd.api.types.is_float_dtype(s), f"{name}.{col.name}: {s.dtype}"
            elif s.notna().any():
                assert pd.api.types.is_object_dtype(s), f"{name}.{col.name}: {s.dtype}"


def test_categories_are_real_values(tables: dict[str, pd.DataFrame]) -> None:
    for name in RAW_TABLES:
        df, spec = tables[name], table_specs()[name]
        for col in spec.columns:
            if col.dtype == "str" and col.categories is not None:
                seen = set(df[col.name].dropna().astype(str))
                assert seen <= set(col.categories), (
                    f"{name}.{col.name}: {seen - set(col.categories)}"
                )


def test_values_inside_real_domains(tables: dict[str, pd.DataFrame]) -> None:
    """Ranges a contract would check: shares in [0, 1], days in the past, amounts non-negative."""
    app = tables["application_train"]
    assert app["EXT_SOURCE_2"].between(0, 1).all() or app["EXT_SOURCE_2"].isna().any()
    for col in ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "APARTMENTS_AVG"):
        assert app[col].dropna().between(0, 1).all(), col
    assert (app["DAYS_BIRTH"] < -7000).all() and (app["DAYS_BIRTH"] > -25300).all()
    assert (app["AMT_INCOME_TOTAL"] > 0).all() and (app["AMT_CREDIT"] > 0).all()
    bb = tables["bureau_balance"]
    assert bb["MONTHS_BALANCE"].between(-96, 0).all()
    for name in ("pos_cash_balance", "credit_card_balance"):
        assert tables[name]["MONTHS_BALANCE"].between(-96, -1).all(), name
    inst = tables["installments_payments"]
    assert (inst["DAYS_INSTALMENT"] < 0).all() and (inst["AMT_PAYMENT"] >= 0).all()


def test_sentinels_and_missingness_like_real(tables: dict[str, pd.DataFrame]) -> None:
    app = tables["application_train"]
    pensioners = (app["DAYS_EMPLOYED"] == 365243).mean()
    assert 0.13 < pensioners < 0.24
    assert (
        (app["DAYS_EMPLOYED"] == 365243)
        == (app["NAME_INCOME_TYPE"].isin(["Pensioner", "Unemployed"]))
    ).all()
    assert (app.loc[app["DAYS_EMPLOYED"] == 365243, "ORGANIZATION_TYPE"] == "XNA").all()
    spec = table_specs()["application_train"]
    for col in spec.columns:
        rate = app[col.name].isna().mean()
        assert abs(rate - col.null_rate_in_sample) < 0.06, (
            f"{col.name}: {rate} vs {col.null_rate_in_sample}"
        )
    prev = tables["previous_application"]
    assert (prev["NAME_CASH_LOAN_PURPOSE"] == "XNA").mean() > 0.2
    assert (prev["DAYS_FIRST_DRAWING"] == 365243).mean() > 0.3


def test_float_text_keeps_a_decimal_point(generated: tuple[Path, dict]) -> None:
    out, _ = generated
    first = (out / "application_train.csv").read_text().splitlines()[1].split(",")
    cols = table_specs()["application_train"].column_names
    income = first[cols.index("AMT_INCOME_TOTAL")]
    assert "." in income and float(income) > 0
    assert np.isfinite(float(first[cols.index("AMT_CREDIT")]))


@pytest.mark.parametrize("table", ["bureau", "previous_application", "installments_payments"])
def test_history_cardinality_near_kaggle(tables: dict[str, pd.DataFrame], table: str) -> None:
    """Records per applicant (train + test) close to Kaggle's, e.g. 4.8 bureau records."""
    kaggle = {"bureau": 4.82, "previous_application": 4.69, "installments_payments": 38.2}
    applicants = len(tables["application_train"]) + len(tables["application_test"])
    per_applicant = len(tables[table]) / applicants
    assert 0.75 * kaggle[table] < per_applicant < 1.25 * kaggle[table]


def test_values_with_commas_are_quoted_like_kaggle(
    generated: tuple[Path, dict], tables: dict[str, pd.DataFrame]
) -> None:
    out, _ = generated
    text = (out / "application_train.csv").read_text()
    assert ',"Spouse, partner",' in text
    assert '"Cash loans"' not in text  # other strings stay unquoted
    assert (tables["application_train"]["NAME_TYPE_SUITE"] == "Spouse, partner").any()


def test_float_text_matches_python_repr_where_it_matters() -> None:
    from creditrisk_assets.synthetic.writer import float_text

    x = np.array([202500.0, np.nan, -0.0, 24700.5, -1782.0, 0.0255])
    assert float_text(x).to_pylist() == ["202500.0", None, "0.0", "24700.5", "-1782.0", "0.0255"]
    assert float_text(np.array([0.5, np.nan])).to_pylist() == ["0.5", None]
