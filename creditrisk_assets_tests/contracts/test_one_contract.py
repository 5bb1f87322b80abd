"""One contract for both paths (issue 22, ask 3): every rule of every column the API takes is
run through the ingestion contract (the pandera schema the ``contract`` check runs) and through
the API's raw-record validation (what ``/score`` and ``/validate`` run), with the same verdict;
and both accept the same category domains and the real rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.errors as pa_errors
import pytest

from creditrisk_assets.contracts import raw_schema
from creditrisk_assets.contracts.bounds import SENTINEL_DAYS
from creditrisk_assets.contracts.columns import table_contract
from creditrisk_assets.schema import HISTORY_TABLES, table_spec
from creditrisk_assets.serving.contract import violations
from creditrisk_assets.serving.raw_records import APPLICATION_TABLE, ScoreRequest

API_TABLES = (APPLICATION_TABLE, *HISTORY_TABLES)
APPLICANT = 100_001


def _breaking(rule: tuple[str, Any], dtype: str) -> Any:
    """A value that breaks ``rule`` (of the column's type)."""
    kind, arg = rule
    step = 1 if dtype == "int" else 0.5
    if kind in ("ge", "gt"):
        value = arg - step if kind == "ge" else arg
    elif kind in ("le", "days_or_sentinel"):
        value = arg + step
        if value == SENTINEL_DAYS:
            value += step
    elif kind == "range":
        value = arg[1] + step
    elif kind == "in":
        value = max(arg) + 1
    else:
        raise AssertionError(kind)
    return int(value) if dtype == "int" else float(value)


def _every_rule() -> list[Any]:
    cases = []
    for table in API_TABLES:
        for col in table_contract(table):
            for rule in col.rules:
                cases.append(
                    pytest.param(
                        table,
                        col.name,
                        col.dtype,
                        rule,
                        id=f"{table}.{col.name}:{rule[0]}{rule[1]}",
                    )
                )
    return cases


def _ingestion_rejects(table: str, column: str, dtype: str, value: Any) -> bool:
    series = pd.Series(pd.array([value], dtype="Int64" if dtype == "int" else "float64"))
    try:
        raw_schema(table).columns[column].validate(series.to_frame(column))
    except pa_errors.SchemaError:
        return True
    return False


def _request(table: str, record: dict[str, Any]) -> ScoreRequest:
    """A one-applicant request with ``record`` in ``table`` (plus what it must link to)."""
    application: dict[str, Any] = {"SK_ID_CURR": APPLICANT}
    history: dict[str, list[dict[str, Any]]] = {}
    if table == APPLICATION_TABLE:
        application.update(record)
    else:
        spec = table_spec(table)
        base = {c: 1 for c in (*spec.key, *spec.parents) if c != "SK_ID_CURR"}
        history[table] = [{**base, **record}]
        if table == "bureau_balance":
            history["bureau"] = [{"SK_ID_BUREAU": record.get("SK_ID_BUREAU", 1)}]
    body = {"applicants": [{"application": application, "history": history}]}
    return ScoreRequest.model_validate_json(json.dumps(body))


def _api_rejects(table: str, column: str, value: Any) -> bool:
    found = violations(_request(table, {column: value}))
    return any(v["loc"][-1] == column and v["type"] != "foreign_key" for v in found)


@pytest.mark.parametrize(("table", "column", "dtype", "rule"), _every_rule())
def test_every_rule_rejects_the_same_value_on_both_paths(table, column, dtype, rule):
    value = _breaking(rule, dtype)
    assert _ingestion_rejects(table, column, dtype, value)
    assert _api_rejects(table, column, value)


def test_category_domains_are_the_same_on_both_paths():
    for table in API_TABLES:
        for col in table_contract(table):
            if col.categories is None:
                continue
            allowed = sorted(col.categories)
            frame = pd.Series(allowed, dtype="object").to_frame(col.name)
            raw_schema(table).columns[col.name].validate(frame)  # every value: ingestion
            for value in allowed:  # every value: the API
                assert not _api_rejects(table, col.name, value), (table, col.name, value)
            assert _ingestion_rejects_text(table, col.name, "Not a category")
            assert _api_rejects(table, col.name, "Not a category")


def _ingestion_rejects_text(table: str, column: str, value: str) -> bool:
    try:
        raw_schema(table).columns[column].validate(pd.DataFrame({column: [value]}))
    except pa_errors.SchemaError:
        return True
    return False


def test_values_only_train_showed_are_accepted_by_the_api():
    """The API takes application_test records; its domain is the train+test family's."""
    assert not _api_rejects(APPLICATION_TABLE, "ORGANIZATION_TYPE", "Hotel")
    assert not _api_rejects(APPLICATION_TABLE, "ORGANIZATION_TYPE", "Industry: type 8")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("AMT_CREDIT", "450000"),
        ("AMT_CREDIT", " 4.5e5 "),
        ("AMT_CREDIT", True),
        ("CNT_CHILDREN", 1.7),
        ("CNT_CHILDREN", "2"),
        ("CODE_GENDER", 1),
    ],
)
def test_api_types_are_strict(column, value):
    with pytest.raises(ValueError, match=column):
        _request(APPLICATION_TABLE, {column: value})


def test_real_sample_rows_pass_the_api_as_they_pass_ingestion(shared_data: Path):
    """The real Kaggle rows that pass the ingestion contract (test_contracts.py) pass the API's
    validation too, table by table."""
    samples = shared_data / "table_samples"
    for table in API_TABLES:
        spec = table_spec(table)
        kinds = {"int": "Int64", "float": "float64", "str": "object"}
        frame = pd.read_csv(
            samples / spec.file, dtype={c.name: kinds[c.dtype] for c in spec.columns}
        )
        for record in frame.head(300).to_dict(orient="records"):
            plain = {
                k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
                for k, v in record.items()
            }
            req = _request(table, {k: v for k, v in plain.items() if v is not None})
            bad = [v for v in violations(req) if v["type"] != "foreign_key"]
            assert bad == [], (table, bad[:3])
