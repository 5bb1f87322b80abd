"""The profile check (issue 22, ask 6): a header swap that every type and bound accepts is
flagged against the previous snapshot; an unchanged delivery is not."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from creditrisk_assets.contracts.profile import profile_jumps
from creditrisk_assets.ingest import defs as ingest_defs
from creditrisk_assets.ingest import raw_key
from creditrisk_assets.partitions import register_snapshot

EARLIER, SNAPSHOT = "2026-10-01", "2026-11-01"
TRAIN = "application_train.csv"


def _ingest(resources, instance, snapshot: str) -> dict[str, dg.AssetCheckEvaluation]:
    register_snapshot(instance, snapshot)
    selection = dg.AssetSelection.assets(raw_key("application_train"))
    defs = dg.Definitions.merge(
        ingest_defs,
        dg.Definitions(resources=resources, jobs=[dg.define_asset_job("t", selection)]),
    )
    result = defs.resolve_job_def("t").execute_in_process(
        partition_key=snapshot, instance=instance, raise_on_error=False
    )
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _swap_header(folder: Path, a: str, b: str, fix_manifest) -> None:
    path = folder / TRAIN
    header, rest = path.read_text().split("\n", 1)
    names = header.split(",")
    i, j = names.index(a), names.index(b)
    names[i], names[j] = names[j], names[i]
    path.write_text(",".join(names) + "\n" + rest)
    fix_manifest(folder)


def test_swapped_amount_columns_warn_against_the_previous_snapshot(
    resources, instance, landing: Path, fix_manifest
):
    shutil.copytree(landing / SNAPSHOT, landing / EARLIER)
    first = _ingest(resources, instance, EARLIER)["profile"]
    assert first.passed and "no earlier snapshot" in first.description

    _swap_header(landing / SNAPSHOT, "AMT_CREDIT", "AMT_INCOME_TOTAL", fix_manifest)
    checks = _ingest(resources, instance, SNAPSHOT)
    assert checks["contract"].passed  # types and bounds cannot see the swap
    profile = checks["profile"]
    assert not profile.passed and profile.severity == dg.AssetCheckSeverity.WARN
    jumped = {j["column"] for j in profile.metadata["jumps"].value}
    assert {"AMT_CREDIT", "AMT_INCOME_TOTAL"} <= jumped
    assert "AMT_CREDIT" in profile.description and EARLIER in profile.description
    assert len(profile.description) <= 300


def test_an_unchanged_delivery_raises_no_warning(resources, instance, landing: Path):
    shutil.copytree(landing / SNAPSHOT, landing / EARLIER)
    _ingest(resources, instance, EARLIER)
    profile = _ingest(resources, instance, SNAPSHOT)["profile"]
    assert profile.passed and profile.metadata["jumps"].value == []
    assert profile.metadata["previous_snapshot"].value == EARLIER


def test_jumps_need_a_real_move_not_noise():
    base = {"q10": 1.0, "q25": 2.0, "q50": 3.0, "q75": 4.0, "q90": 5.0, "rows": 100.0}
    noisy = {**base, "q50": 3.5, "q75": 4.4}
    moved = {**base, "q25": 12.0, "q50": 13.0, "q75": 14.0}
    flat = {k: 0.0 for k in base}
    assert profile_jumps({"A": base}, {"A": noisy}) == []
    assert [j["column"] for j in profile_jumps({"A": base}, {"A": moved})] == ["A"]
    assert profile_jumps({"F": flat}, {"F": flat}) == []  # constant columns: no scale, no jump
