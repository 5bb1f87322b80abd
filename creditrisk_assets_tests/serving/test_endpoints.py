"""The endpoints against a real uvicorn on 127.0.0.1, compared with the model loaded locally."""

from __future__ import annotations

import re

import httpx
import numpy as np
import pandas as pd
import pytest

from creditrisk_assets.modeling.policy import DecisionPolicy
from creditrisk_assets.risk.master_scale import load_scale
from creditrisk_assets.risk.reasons import principal_reasons
from creditrisk_assets.schema import HISTORY_TABLES
from creditrisk_assets.serving.feature_sessions import features_for_records
from creditrisk_assets_tests.serving.conftest import without_decision_ids


@pytest.fixture(scope="module")
def client(live):
    with httpx.Client(base_url=live.url, timeout=30) as c:
        yield c


def test_health_ready_and_metadata_describe_the_champion(client, registrar, local_champion):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    meta = client.get("/metadata").json()
    assert meta["model_version"] == registrar.registry.get_alias_version("champion")
    assert meta["checksum"] == local_champion.checksum
    assert meta["training_snapshot"] == "2026-11-01"
    assert meta["metrics"] == {"test_auc": 0.71}
    assert meta["pd_cutoff"] == 0.15
    assert meta["n_features"] == len(local_champion.spec.names)
    assert meta["feature_spec_hash"] == local_champion.spec.hash


def test_schema_lists_model_features_and_raw_inputs(client, local_champion):
    body = client.get("/schema").json()
    assert [f["name"] for f in body["features"]["features"]] == local_champion.spec.names
    raw = body["raw_inputs"]
    # an applicant as scored: the unlabelled application row and every history table
    assert set(raw) == {"application_test", *HISTORY_TABLES}
    cols = {c["name"]: c for c in raw["application_test"]["columns"]}
    assert cols["SK_ID_CURR"]["required"] is True and cols["SK_ID_CURR"]["type"] == "int"
    assert "M" in cols["CODE_GENDER"]["categories"]


def test_predict_matches_the_model_and_carries_decision_grade_reasons(
    client, feature_rows, local_champion
):
    rows = feature_rows[:25]
    resp = client.post("/predict", json={"rows": rows, "ids": list(range(25))})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    frame = pd.DataFrame(rows).astype("float64")
    expected = local_champion.predict_pd(frame)
    got = np.array([p["pd"] for p in body["predictions"]])
    scale = load_scale()
    expected = scale.floor_pd(expected)  # the reported PD is floored
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    policy = DecisionPolicy(0.15)
    names = local_champion.spec.names
    expected_reasons = principal_reasons(
        local_champion.contributions(local_champion.matrix(frame)), names
    )
    for i, pred in enumerate(body["predictions"]):
        assert pred["id"] == i
        assert pred["model_version"] == body["model_version"]
        assert pred["decision"] == policy.decide(expected[i])
        assert pred["risk_grade"] == scale.grade([expected[i]])[0]
        assert pred["scale_version"] == scale.version
        assert pred["catalogue_version"] == expected_reasons.catalogue_version
        codes = pred["reason_codes"]
        assert 1 <= len(codes) <= 4
        contribs = [c["contribution"] for c in codes]
        assert all(c > 0 for c in contribs) and contribs == sorted(contribs, reverse=True)
        assert [c["code"] for c in codes] == [c for c in expected_reasons.codes[i] if c]
        assert [c["statement"] for c in codes] == [t for t in expected_reasons.texts[i] if t]
        assert len({c["code"] for c in codes}) == len(codes)  # distinct statements


def test_predict_columns_format_gives_the_same_answer(client, feature_rows):
    rows = feature_rows[:5]
    names = list(rows[0])[::-1]  # any column order
    split = {"columns": names, "data": [[r[n] for n in names] for r in rows]}
    by_rows = without_decision_ids(client.post("/predict", json={"rows": rows}).json())
    by_cols = without_decision_ids(client.post("/predict", json=split).json())
    assert by_rows["predictions"] == by_cols["predictions"]


def test_score_uses_the_pipeline_sql(client, applicant_payload, snapshot_records, local_champion):
    """/score equals features_for_records + the model, i.e. the batch path's features, with
    predictions in the request's order (here descending, unlike the SQL's ascending rows)."""
    ids = snapshot_records["application_train"]["SK_ID_CURR"].tolist()[700:704][::-1]
    payload = {"applicants": [applicant_payload(i) for i in ids]}
    resp = client.post("/score", json=payload)
    assert resp.status_code == 200, resp.text
    preds = resp.json()["predictions"]
    assert [p["id"] for p in preds] == ids
    app = pd.DataFrame([a["application"] for a in payload["applicants"]])
    history = {
        t: pd.DataFrame([r for a in payload["applicants"] for r in a["history"][t]])
        for t in payload["applicants"][0]["history"]
    }
    feats = features_for_records(app, history).loc[ids]
    np.testing.assert_allclose(
        [p["pd"] for p in preds], local_champion.predict_pd(feats), rtol=1e-6
    )
    assert all(p["reason_codes"] and p["decision"] in {"approve", "decline"} for p in preds)


def test_score_without_history_still_scores(client, applicant_payload, snapshot_records):
    sk_id = int(snapshot_records["application_train"]["SK_ID_CURR"].iloc[800])
    entry = applicant_payload(sk_id)
    resp = client.post("/score", json={"applicants": [{"application": entry["application"]}]})
    assert resp.status_code == 200, resp.text
    assert 0.0 <= resp.json()["predictions"][0]["pd"] <= 1.0


def test_validate_reports_contract_violations_by_field(client, applicant_payload, snapshot_records):
    ids = snapshot_records["bureau"]["SK_ID_CURR"].unique().tolist()[:2]
    good = applicant_payload(int(ids[0]))
    assert client.post("/validate", json={"applicants": [good]}).json()["valid"] is True
    bad = applicant_payload(int(ids[0]))
    bad["application"]["CODE_GENDER"] = "Q"
    bad["history"]["bureau"][0]["SK_ID_CURR"] = int(ids[1])
    bad["history"]["bureau_balance"].append(
        {"SK_ID_BUREAU": 1, "MONTHS_BALANCE": -1, "STATUS": "C"}
    )
    body = client.post("/validate", json={"applicants": [bad]}).json()
    assert body["valid"] is False
    locs = {tuple(v["loc"]) for v in body["violations"]}
    assert ("body", "applicants", 0, "application", "CODE_GENDER") in locs
    assert ("body", "applicants", 0, "history", "bureau", 0, "SK_ID_CURR") in locs
    n_bb = len(bad["history"]["bureau_balance"]) - 1
    assert ("body", "applicants", 0, "history", "bureau_balance", n_bb, "SK_ID_BUREAU") in locs
    scored = client.post("/score", json={"applicants": [bad]})
    assert scored.status_code == 422  # /score refuses what /validate flags


@pytest.mark.parametrize(
    ("mutate", "loc_tail"),
    [
        (lambda r: r.update(NOT_A_FEATURE=1.0), ["rows", 0, "NOT_A_FEATURE"]),
        (lambda r: r.pop(next(iter(r))), ["rows", 0]),
        (lambda r: r.update({next(iter(r)): "high"}), ["rows", 0]),
        (lambda r: r.update({next(iter(r)): 1e300}), ["rows", 0]),
    ],
    ids=["unknown-feature", "missing-feature", "string-value", "float32-overflow"],
)
def test_predict_bad_rows_get_field_level_422(client, feature_rows, mutate, loc_tail):
    row = dict(feature_rows[0])
    mutate(row)
    resp = client.post("/predict", json={"rows": [row]})
    assert resp.status_code == 422, resp.text
    detail = resp.json()["detail"]
    assert detail and all("msg" in d for d in detail)
    assert detail[0]["loc"][: 1 + len(loc_tail)] == ["body", *loc_tail]


def test_raw_record_type_errors_name_the_field(client, applicant_payload, snapshot_records):
    entry = applicant_payload(int(snapshot_records["application_train"]["SK_ID_CURR"].iloc[3]))
    entry["application"]["AMT_CREDIT"] = "a lot"
    entry["application"]["TYPO_COLUMN"] = 1
    resp = client.post("/score", json={"applicants": [entry]})
    assert resp.status_code == 422
    locs = [d["loc"] for d in resp.json()["detail"]]
    assert ["body", "applicants", 0, "application", "AMT_CREDIT"] in locs
    assert ["body", "applicants", 0, "application", "TYPO_COLUMN"] in locs


def test_metrics_exposition_counts_requests_and_names_the_model(client, registrar):
    client.get("/health")
    client.post("/predict", content=b"{not json", headers={"content-type": "application/json"})
    text = client.get("/metrics").text
    sample = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? [0-9.e+-]+$|^\+Inf$')
    for line in text.splitlines():
        assert line.startswith("# ") or sample.match(line), line
    assert re.search(
        r'creditrisk_api_requests_total\{method="GET",route="/health",status="200"\} [1-9]', text
    )
    assert re.search(r'creditrisk_api_errors_total\{route="/predict",kind="client"\} [1-9]', text)
    assert 'creditrisk_api_request_duration_seconds_bucket{route="/health",le="+Inf"}' in text
    version = registrar.registry.get_alias_version("champion")
    assert (
        f'creditrisk_model_info{{name="creditrisk_pd",version="{version}",alias="champion"}} 1'
        in text
    )


def test_fast_reason_codes_are_the_approximate_contributions(client, feature_rows, local_champion):
    import xgboost as xgb

    rows = feature_rows[:10]
    resp = client.post("/predict", json={"rows": rows, "reasons": "fast"})
    assert resp.status_code == 200, resp.text
    preds = resp.json()["predictions"]
    x = pd.DataFrame(rows)[local_champion.spec.names].to_numpy(np.float32)
    approx = local_champion.booster.predict(
        xgb.DMatrix(x), pred_contribs=True, approx_contribs=True, validate_features=False
    )[:, :-1]
    expected = principal_reasons(approx, local_champion.spec.names)
    for i, pred in enumerate(preds):
        assert pred["reason_method"] == "fast"
        assert [c["code"] for c in pred["reason_codes"]] == [c for c in expected.codes[i] if c]
    exact = client.post("/predict", json={"rows": rows}).json()["predictions"]
    assert [p["pd"] for p in exact] == [p["pd"] for p in preds]  # same PD either way
    assert all(p["reason_method"] == "exact" for p in exact)


def test_extreme_amounts_that_overflow_a_feature_are_422_not_500(
    client, applicant_payload, snapshot_records
):
    sk_id = int(snapshot_records["application_train"]["SK_ID_CURR"].iloc[5])
    entry = applicant_payload(sk_id)
    entry["application"]["AMT_CREDIT"] = 1e9  # the contract's largest amount (bounds.py)
    entry["application"]["AMT_INCOME_TOTAL"] = 1e-308
    resp = client.post("/score", json={"applicants": [entry]})
    assert resp.status_code == 422, resp.text
    detail = resp.json()["detail"][0]
    assert detail["loc"] == ["body", "applicants", 0] and "infinite" in detail["msg"]
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize(
    ("column", "value", "kind"),
    [
        ("EXT_SOURCE_1", 50.0, "range"),
        ("AMT_CREDIT", -5.0, "gt"),
        ("SK_ID_CURR", -3, "range"),
        ("DAYS_BIRTH", 1200, "range"),
        ("AMT_CREDIT", 1e300, "range"),
        ("AMT_CREDIT", "450000", "float_type"),
        ("AMT_CREDIT", " 4.5e5 ", "float_type"),
        ("AMT_ANNUITY", True, "float_type"),
        ("CNT_CHILDREN", 1.7, "int_type"),
    ],
)
def test_score_and_validate_apply_the_ingestion_contract(
    client, applicant_payload, snapshot_records, column, value, kind
):
    """What ingestion refuses, /score refuses and /validate flags (issue 22, ask 3)."""
    entry = applicant_payload(int(snapshot_records["application_train"]["SK_ID_CURR"].iloc[7]))
    entry["application"][column] = value
    body = {"applicants": [{"application": entry["application"]}]}
    scored = client.post("/score", json=body)
    assert scored.status_code == 422, scored.text
    assert any(d["loc"][-1] == column and d["type"] == kind for d in scored.json()["detail"]), (
        scored.text
    )
    validated = client.post("/validate", json=body)
    if kind.endswith("_type"):
        assert validated.status_code == 422
    else:
        assert validated.json()["valid"] is False


def test_score_accepts_categories_that_ingestion_accepts(
    client, applicant_payload, snapshot_records
):
    entry = applicant_payload(int(snapshot_records["application_train"]["SK_ID_CURR"].iloc[8]))
    entry["application"]["ORGANIZATION_TYPE"] = "Hotel"  # seen in train only, once refused here
    resp = client.post("/score", json={"applicants": [{"application": entry["application"]}]})
    assert resp.status_code == 200, resp.text
