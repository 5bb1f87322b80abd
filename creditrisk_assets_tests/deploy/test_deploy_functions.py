"""Canary comparison, promotion/rollback alias moves, and the manifest builder (pure layer)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from creditrisk_assets.deploy.canary import CanaryTolerances, ModelOutcome, compare, outcome
from creditrisk_assets.deploy.manifest import build_manifest
from creditrisk_assets.deploy.promotion import NothingToRollBack, promote, rollback


class FakeAliases:
    """In-memory stand-in for the alias part of ``ModelRegistry`` (the real one: scenario test)."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.calls: list[tuple[str, str]] = []

    def get_alias_version(self, alias: str) -> str | None:
        return self.aliases.get(alias)

    def set_alias(self, alias: str, version: str | int) -> None:
        self.calls.append((alias, str(version)))
        self.aliases[alias] = str(version)

    def delete_alias(self, alias: str) -> None:
        self.aliases.pop(alias, None)

    def set_version_tags(self, version: str, tags: dict[str, Any]) -> None:
        self.tags.setdefault(str(version), {}).update({k: str(v) for k, v in tags.items()})


def test_outcome_metrics() -> None:
    y = np.array([0, 0, 1, 1])
    got = outcome(y, [0.1, 0.2, 0.3, 0.9], cutoff=0.25)
    assert got == ModelOutcome(auc=1.0, approval_rate=0.5, mean_pd=pytest.approx(0.375))
    with pytest.raises(ValueError, match="single class"):
        outcome([0, 0], [0.1, 0.2], 0.5)


def test_canary_passes_without_champion_and_says_so() -> None:
    res = compare(ModelOutcome(0.7, 0.8, 0.1), None, CanaryTolerances())
    assert res.passed and not res.has_champion and "no champion" in res.note
    assert res.auc_delta is None


def test_canary_fails_on_each_tolerance() -> None:
    champ = ModelOutcome(auc=0.75, approval_rate=0.80, mean_pd=0.08)
    tol = CanaryTolerances(
        min_auc_delta=-0.01, max_abs_approval_rate_delta=0.1, max_abs_mean_pd_delta=0.05
    )
    ok = compare(ModelOutcome(0.745, 0.85, 0.10), champ, tol)
    assert ok.passed and ok.auc_delta == pytest.approx(-0.005)
    worse_auc = compare(ModelOutcome(0.70, 0.80, 0.08), champ, tol)
    assert not worse_auc.passed and "AUC" in worse_auc.failures[0]
    approvals = compare(ModelOutcome(0.80, 0.60, 0.08), champ, tol)
    assert not approvals.passed and "approval" in approvals.failures[0]
    pds = compare(ModelOutcome(0.80, 0.80, 0.20), champ, tol)
    assert not pds.passed and "mean-PD" in pds.failures[0]


def test_promote_moves_champion_and_previous_then_rollback_clears_previous() -> None:
    reg = FakeAliases()
    first = promote(reg, "1")
    assert first.changed and first.replaced is None and reg.aliases == {"champion": "1"}
    again = promote(reg, "1")
    assert not again.changed and reg.calls == [("champion", "1")]
    second = promote(reg, "2", reason="drift retrain")
    assert reg.aliases == {"champion": "2", "previous": "1"}
    assert second.replaced == "1" and reg.tags["2"]["promotion_reason"] == "drift retrain"
    assert reg.calls[-2:] == [("previous", "1"), ("champion", "2")]  # previous moved first
    back = rollback(reg, reason="bad canary in prod")
    assert reg.aliases == {"champion": "1"} and back.replaced == "2"
    assert "rolled_back_at" in reg.tags["2"] and "restored_at" in reg.tags["1"]
    with pytest.raises(NothingToRollBack, match="previous"):
        rollback(reg)
    assert reg.aliases == {"champion": "1"}


def test_manifest_contents_and_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITRISK_IMAGE_TAG", "registry/creditrisk:abc123")
    args: dict[str, Any] = dict(
        model_name="creditrisk_pd",
        version="3",
        model_uri="file:///m/3",
        artifact_checksum="c" * 64,
        feature_spec_hash="f" * 64,
        metrics={"test_auc": 0.71},
        training_partition="2026-11-01",
        raw_md5={"bureau": "b" * 32, "application_train": "a"},
        promotion={"replaced": "2"},
        created_at=datetime(2026, 11, 2, tzinfo=UTC),
    )
    m = build_manifest(**args)
    assert m["model"]["version"] == "3" and m["model"]["artifact_checksum"] == "c" * 64
    assert m["image_tag"] == "registry/creditrisk:abc123"
    assert list(m["lineage"]["raw_md5"]) == ["application_train", "bureau"]
    assert m["created_at"] == "2026-11-02T00:00:00+00:00"
    with pytest.raises(ValueError, match="checksum"):
        build_manifest(**{**args, "artifact_checksum": ""})
    with pytest.raises(ValueError, match="lineage"):
        build_manifest(**{**args, "raw_md5": {}})
    monkeypatch.delenv("CREDITRISK_IMAGE_TAG")
    assert build_manifest(**args)["image_tag"] == "local"
