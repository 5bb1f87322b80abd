"""The validation pack renders every section with its figures, offline and escaped."""

from __future__ import annotations

import re

import numpy as np
import pytest

from creditrisk_assets.risk import statistics as rs
from creditrisk_assets.risk.master_scale import load_scale
from creditrisk_assets.risk.validation_pack import SECTIONS, pack_checksum, render_pack


@pytest.fixture(scope="module")
def inputs() -> dict:
    rng = np.random.default_rng(7)
    pd_ = 1 / (1 + np.exp(-rng.normal(-2.5, 1.0, 20_000)))
    y = (rng.random(len(pd_)) < pd_).astype(int)
    scale = load_scale()
    table = rs.calibration_by_grade(scale.grade(pd_), pd_, y, scale.all_labels)
    auc = rs.auc_delong(y, pd_)
    return {
        "model": {"name": "creditrisk_pd", "version": "7", "purpose": "Application PD <retail>"},
        "lineage": {
            "snapshot": "2026-11-01",
            "raw_md5": {"application_train": "0123456789abcdef0123456789abcdef"},
            "feature_spec_hash": "f" * 64,
            "code_version": "abc1234",
            "master_scale": scale.version,
        },
        "data": {"train rows": 80_000, "test rows": 20_000, "test default rate": float(y.mean())},
        "discrimination": {
            "auc": auc.to_dict(),
            "gini": rs.gini(auc).to_dict(),
            "ks": rs.ks_statistic(y, pd_),
            "auc_change": vars(rs.auc_change_test(0.79, auc)),
        },
        "calibration": {
            "table": table.to_dict("records"),
            "hosmer_lemeshow": vars(rs.hosmer_lemeshow(y, pd_)),
            "herfindahl": rs.herfindahl(scale.grade(pd_), n_grades=10),
            "in_the_large": rs.calibration_in_the_large(y, pd_),
        },
        "stability": {"score_psi": 0.0123, "feature_psi": {"EXT_SOURCE_2": 0.0456}},
        "fairness": {
            "threshold": 0.8,
            "groups": [{"attribute": "CODE_GENDER", "group": "F", "n": 900, "air": 0.9321}],
        },
        "reasons": {"positive_mass_covered": 0.9876, "features_with_statement": 320.0},
        "checks": [
            {"name": "grade_monotonicity", "passed": True, "severity": "ERROR", "detail": "ok"},
            {"name": "jeffreys", "passed": False, "severity": "WARN", "detail": "grade 9 <p"},
        ],
        "limitations": ["Synthetic data & no through-the-cycle calibration"],
        "sign_off": None,
    }


def _section(doc: str, name: str) -> str:
    match = re.search(rf'<section id="{name}">(.*?)</section>', doc, re.S)
    assert match, f"section {name} missing"
    return match.group(1)


def test_each_section_holds_its_figures(inputs) -> None:
    doc = render_pack(inputs)
    assert [s for s, _ in SECTIONS] == re.findall(r'<section id="(\w+)">', doc)
    purpose = _section(doc, "purpose")
    assert "2026-11-01" in purpose and "0123456789abcdef0123456789abcdef" in purpose
    assert "f" * 64 in purpose and "abc1234" in purpose and "MS-2025.1" in purpose
    assert "80000" in _section(doc, "data")
    disc = _section(doc, "discrimination")
    auc = inputs["discrimination"]["auc"]
    assert f"{auc['value']:.4g}" in disc and f"{auc['ci_low']:.4g}" in disc
    assert f"{inputs['discrimination']['ks']:.4g}" in disc
    cal = _section(doc, "calibration")
    rows = inputs["calibration"]["table"]
    for row in rows:
        assert f"{row['jeffreys_p']:.4g}" in cal and f"{row['observed_dr']:.4g}" in cal
    assert f"{inputs['calibration']['hosmer_lemeshow']['statistic']:.4g}" in cal
    assert f"{inputs['calibration']['herfindahl']['herfindahl']:.4g}" in cal
    assert cal.count('src="data:image/png;base64,') == 2
    assert "0.0123" in _section(doc, "stability") and "EXT_SOURCE_2" in _section(doc, "stability")
    assert "0.9321" in _section(doc, "fairness")
    assert "0.9876" in _section(doc, "reasons")
    checks = _section(doc, "checks")
    assert "grade_monotonicity" in checks and 'class="t warn">warn' in checks
    assert "Synthetic data &amp; no through-the-cycle" in _section(doc, "limitations")
    assert "Signature" in _section(doc, "signoff")


def test_the_pack_is_offline_and_escaped(inputs) -> None:
    doc = render_pack(inputs)
    assert "http://" not in doc and "https://" not in doc
    assert "<script" not in doc and "<link" not in doc
    assert "Application PD &lt;retail&gt;" in doc and "<retail>" not in doc
    assert "grade 9 &lt;p" in doc


def test_a_signed_pack_shows_the_approver_and_checksums_are_stable(inputs) -> None:
    signed = {**inputs, "sign_off": {"approved_by": "R. Officer", "approved_at": "2026-11-02"}}
    doc = render_pack(signed)
    assert "R. Officer" in _section(doc, "signoff")
    assert pack_checksum(doc) == pack_checksum(render_pack(signed))
    assert pack_checksum(doc) != pack_checksum(render_pack(inputs))
    assert len(pack_checksum(doc.encode())) == 64


def test_calibration_plot_draws_grades_at_either_end() -> None:
    """A grade where every row defaulted (its Jeffreys upper bound lies below the observed rate
    of 1, which once gave matplotlib negative error bars) and a large grade with no default."""
    from creditrisk_assets.risk.pack_plots import calibration_plot

    rows = [
        {"grade": "1", "n": 50_000, "defaults": 0, "mean_pd": 0.01},
        {"grade": "2", "n": 2_000, "defaults": 90, "mean_pd": 0.04},
        {"grade": "10", "n": 3, "defaults": 3, "mean_pd": 0.5},
    ]
    assert calibration_plot(rows).startswith("data:image/png;base64,")
