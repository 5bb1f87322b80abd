"""``model/validation_pack`` on the modeling fixtures: each section holds the stored figures,
and the document is in the lake, in the version's MLflow run and checksummed on the version."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from creditrisk_assets.modeling import defs as modeling_defs
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.partitions import register_snapshot
from creditrisk_assets.resources import Lake
from creditrisk_assets.risk.validation_pack import SECTIONS, fmt, pack_checksum

PARTITION = "2026-11-01"
FAST = {"learning_rate": 0.2, "max_depth": 3, "num_boost_round": 100, "early_stopping_rounds": 10}
MD5 = "0123456789abcdef0123456789abcdef"


def _section(doc: str, name: str) -> str:
    match = re.search(rf'<section id="{name}">(.*?)</section>', doc, re.S)
    assert match, f"section {name} missing"
    return match.group(1)


@pytest.fixture
def packed(lake: Lake, registry: ModelRegistry, make_frame, write_features, write_raw_applications):
    """The train job (with the pack) on the fixtures; the raw MD5 reported like raw/* does."""
    train, test = make_frame(1600, seed=1), make_frame(400, seed=2, start_id=200000)
    write_features(lake, PARTITION, train, test)
    write_raw_applications(lake, PARTITION, np.r_[train["SK_ID_CURR"], test["SK_ID_CURR"]])
    defs = dg.Definitions.merge(
        modeling_defs, dg.Definitions(resources={"lake": lake, "registry": registry})
    )
    with dg.instance_for_test() as instance:
        register_snapshot(instance, PARTITION)
        instance.report_runless_asset_event(
            dg.AssetMaterialization(
                ["raw", "application_train"], partition=PARTITION, metadata={"md5": MD5}
            )
        )
        result = defs.resolve_job_def("train_job").execute_in_process(
            instance=instance,
            partition_key=PARTITION,
            run_config={"ops": {"model__candidate": {"config": FAST}}},
            raise_on_error=False,
        )
        checks = [e.check_name for e in result.get_asset_check_evaluations()]
        yield result, checks


def test_pack_sections_hold_the_stored_figures(packed, lake: Lake, registry: ModelRegistry):
    result, checks = packed
    mats = result.asset_materializations_for_node("model__validation_pack")
    assert mats, "the pack did not materialize"
    meta = {k: getattr(v, "value", v) for k, v in mats[0].metadata.items()}
    doc = Path(lake.local_path("model/validation_pack", PARTITION, "validation_pack.html"))
    text = doc.read_text(encoding="utf-8")
    assert [s for s, _ in SECTIONS] == re.findall(r'<section id="(\w+)">', text)
    assert "<script" not in text and "http://" not in text and "https://" not in text

    pointer = lake.read_json("model/candidate", PARTITION, "candidate.json")
    version = pointer["version"]
    info = registry.version_info(version)
    stored = lake.read_json("model/test_metrics", PARTITION, "metrics.json")["validation"]

    purpose = _section(text, "purpose")
    assert PARTITION in purpose and MD5 in purpose
    assert pointer["feature_spec_hash"] in purpose and "0.1.0" in purpose
    assert f"version {version}" in text

    assert "400" in _section(text, "data")  # test rows

    disc = _section(text, "discrimination")
    for key in ("value", "ci_low", "ci_high"):
        assert fmt(stored["auc"][key]) in disc and fmt(stored["gini"][key]) in disc
    assert fmt(stored["ks"]) in disc
    challenger = lake.read_json("model/test_metrics", PARTITION, "metrics.json")["challenger"]
    assert "Scorecard challenger" in disc and "Gini gap (candidate - scorecard)" in disc
    assert fmt(challenger["gini_gap"]) in disc and fmt(challenger["scorecard_gini"]) in disc

    cal = _section(text, "calibration")
    assert stored["calibration"], "no grades"
    for row in stored["calibration"]:  # per-grade Jeffreys (and binomial) figures
        assert f'<td class="t">{row["grade"]}</td>' in cal
        assert fmt(row["jeffreys_p"]) in cal and fmt(row["observed_dr"]) in cal
        assert fmt(row["binomial_p"]) in cal
    hl = stored["hosmer_lemeshow"]
    assert "Hosmer-Lemeshow" in cal and fmt(hl["statistic"]) in cal and fmt(hl["p_value"]) in cal
    assert fmt(stored["herfindahl"]["herfindahl"]) in cal
    assert cal.count("data:image/png;base64,") == 2
    assert meta["hosmer_lemeshow_p"] == hl["p_value"]

    stab = _section(text, "stability")
    assert fmt(meta["score_psi"]) in stab and "x_risk" in stab and "features/train" in stab

    fair = _section(text, "fairness")
    assert "CODE_GENDER" in fair and "age_band" in fair and ">F<" in fair and "30-40" in fair

    reasons = _section(text, "reasons")
    assert "RC-TEST.1" in reasons and "positive_mass_covered" in reasons

    check_section = _section(text, "checks")
    assert checks and all(name in check_section for name in checks)
    assert "model/test_metrics:auc_floor" in check_section

    assert "<li>" in _section(text, "limitations")
    assert "Signature" in _section(text, "signoff")

    # one document, everywhere it is kept, under one checksum
    sha = pack_checksum(text)
    assert meta["sha256"] == sha and info.tags["validation_pack.sha256"] == sha
    assert info.tags["validation_pack.uri"].endswith("validation_pack.html")
    assert meta["pack"].startswith("file://")  # a link the UI opens, not a path to copy
    assert Path(url2pathname(urlparse(meta["pack"]).path)).read_text(encoding="utf-8") == text
    with tempfile.TemporaryDirectory() as tmp:
        logged = registry.client.download_artifacts(
            pointer["mlflow_run_id"], info.tags["validation_pack.artifact"], tmp
        )
        assert pack_checksum(Path(logged).read_bytes()) == sha


def test_fairness_rows_compare_only_large_enough_groups() -> None:
    from creditrisk_assets.modeling.pack_sections import fairness_rows

    approved = np.array([True] * 40 + [False] * 10 + [True] * 20 + [False] * 20 + [True] * 3)
    groups = np.array(["F"] * 50 + ["M"] * 40 + ["X"] * 3)
    rows = {r["group"]: r for r in fairness_rows(approved, {"CODE_GENDER": groups}, 30)}
    assert rows["F"]["approval_rate"] == pytest.approx(0.8) and rows["F"]["air"] == 1.0
    assert rows["M"]["air"] == pytest.approx(0.5 / 0.8) and rows["M"]["n"] == 40
    assert rows["X"]["air"] is None  # too small to compare
    frame = pd.DataFrame(rows).T
    assert set(frame["attribute"]) == {"CODE_GENDER"}
