"""The require_approval policy: off, promotion needs no sign-off; on, promotion waits with
"awaiting approval of vN" (manifest step and sensors) until ``cli approve``, then promotes and
the deploy manifest names the approver."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from creditrisk_assets import cli
from creditrisk_assets.automation.approval import approval_sensor
from creditrisk_assets.automation.sensors import promotion_sensor
from creditrisk_assets.deploy import defs as deploy_defs
from creditrisk_assets.partitions import register_snapshot, snapshot_partitions
from creditrisk_assets.risk.approval import PACK_ARTIFACT_TAG, PACK_SHA256_TAG
from creditrisk_assets.risk.validation_pack import pack_checksum, render_pack

A = "2026-11-01"
MANIFEST = ("deploy/deploy_manifest", A, "deploy_manifest.json")


def _promote(instance, resources, run_config=None) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [*deploy_defs.assets, *(deploy_defs.asset_checks or [])],
        partition_key=A,
        instance=instance,
        resources=resources,
        run_config=run_config,
    )


@pytest.fixture
def candidate(write_snapshot, register_model, instance, registry, tmp_path: Path) -> str:
    """v1 on snapshot A, trained in a run whose blocking check passed, with a logged pack."""
    write_snapshot(A)
    register_snapshot(instance, A)
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            ["raw", "application_train"], partition=A, metadata={"md5": "a" * 32}
        )
    )
    version = register_model(A)

    @dg.asset(key=["model", "candidate"], partitions_def=snapshot_partitions)
    def stub() -> None:
        return None

    @dg.asset_check(asset=stub, blocking=True)
    def auc_floor() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    run = dg.materialize([stub, auc_floor], partition_key=A, instance=instance)
    info = registry.version_info(version)
    doc = render_pack({"model": {"name": info.name, "version": version}})
    path = tmp_path / "validation_pack.html"
    path.write_text(doc, encoding="utf-8")
    registry.log_to_run(info.run_id, artifacts={"validation": path})
    registry.set_version_tags(
        version,
        {
            "dagster_run_id": run.run_id,
            PACK_SHA256_TAG: pack_checksum(doc),
            PACK_ARTIFACT_TAG: "validation/validation_pack.html",
        },
    )
    return version


def _sensor_defs(resources) -> dg.Definitions:
    promote_job = dg.define_asset_job("promote_job", partitions_def=snapshot_partitions)
    return dg.Definitions(
        jobs=[promote_job], sensors=[promotion_sensor, approval_sensor], resources=resources
    )


def _tick(sensor, instance, defs):
    ctx = dg.build_sensor_context(instance=instance, definitions=defs, resources=defs.resources)
    result = sensor(ctx)
    if isinstance(result, dg.SkipReason):
        return [], result.skip_message
    skip = result.skip_reason.skip_message if result.skip_reason else ""
    return list(result.run_requests or []), skip


def test_policy_off_promotes_without_approval_unless_the_run_asks(
    candidate, instance, resources, registry, lake, monkeypatch
) -> None:
    monkeypatch.delenv("CREDITRISK_REQUIRE_APPROVAL", raising=False)
    asked = {"ops": {"deploy__deploy_manifest": {"config": {"require_approval": True}}}}
    result = _promote(instance, resources, asked)
    assert not result.asset_materializations_for_node("deploy__deploy_manifest")
    assert registry.get_alias_version("champion") is None

    result = _promote(instance, resources)  # the embedded demo's default: off
    assert result.asset_materializations_for_node("deploy__deploy_manifest")
    assert registry.get_alias_version("champion") == candidate
    manifest = lake.read_json(*MANIFEST)
    assert manifest["promotion"]["approval_required"] is False
    assert manifest["promotion"]["approval"] is None
    requests, skip = _tick(approval_sensor, instance, _sensor_defs(resources))
    assert not requests and "require_approval is off" in skip


def test_policy_on_waits_for_approval_then_records_the_approver(
    candidate, instance, resources, registry, lake, monkeypatch
) -> None:
    monkeypatch.setenv("CREDITRISK_REQUIRE_APPROVAL", "true")  # the production profile
    waiting = f"awaiting approval of v{candidate}"
    result = _promote(instance, resources)  # the run's require_approval=false cannot lift it
    assert result.success
    assert not result.asset_materializations_for_node("deploy__deploy_manifest")
    [obs] = [
        e.event_specific_data.asset_observation
        for e in result.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
    ]
    assert obs.metadata["skip_reason"].value == waiting
    assert registry.get_alias_version("champion") is None
    assert not lake.exists(*MANIFEST)

    defs = _sensor_defs(resources)
    requests, skip = _tick(promotion_sensor, instance, defs)
    assert not requests and f"{A}: {waiting}" in skip
    requests, skip = _tick(approval_sensor, instance, defs)
    assert not requests and waiting in skip

    cli.main(["approve", candidate, "--by", "Grace Hopper", "--reason", "pack reviewed"])
    [request], _ = _tick(approval_sensor, instance, defs)
    assert request.partition_key == A and request.tags["creditrisk/approved_by"] == "Grace Hopper"

    result = _promote(instance, resources)
    meta = result.asset_materializations_for_node("deploy__deploy_manifest")[0].metadata
    assert meta["approved_by"].value == "Grace Hopper"
    assert registry.get_alias_version("champion") == candidate
    approval = lake.read_json(*MANIFEST)["promotion"]["approval"]
    assert approval["approved_by"] == "Grace Hopper" and approval["reason"] == "pack reviewed"
    assert approval["pack_sha256"] == registry.version_info(candidate).tags[PACK_SHA256_TAG]
    requests, _ = _tick(approval_sensor, instance, defs)
    assert not requests  # promoted: nothing left to ask for


def test_policy_value_must_be_a_clear_yes_or_no(monkeypatch) -> None:
    from creditrisk_assets import settings

    monkeypatch.setenv("CREDITRISK_REQUIRE_APPROVAL", "maybe")
    with pytest.raises(ValueError, match="CREDITRISK_REQUIRE_APPROVAL"):
        settings.require_approval()
    monkeypatch.setenv("CREDITRISK_REQUIRE_APPROVAL", "0")
    assert settings.require_approval() is False
