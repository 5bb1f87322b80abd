"""``cli approve``: a sign-off is recorded on the registry version only against its current pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from creditrisk_assets import cli
from creditrisk_assets.deploy.signoff import promotion_approval
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.risk.approval import PACK_ARTIFACT_TAG, PACK_SHA256_TAG
from creditrisk_assets.risk.validation_pack import pack_checksum, render_pack


@pytest.fixture
def registry(state_home: Path) -> ModelRegistry:
    """The registry ``cli`` wires from the environment (``state_home`` sets the URI)."""
    from creditrisk_assets.wiring import default_resources

    return default_resources()["registry"]  # type: ignore[return-value]


def _version(registry: ModelRegistry, tmp_path: Path, with_pack: bool) -> str:
    """A registered version (its model files do not matter here), with a logged pack or not."""
    folder = tmp_path / f"model-{len(registry.list_versions())}"
    folder.mkdir()
    (folder / "model.ubj").write_bytes(b"stand-in")
    with registry.candidate_run("signoff-test") as run:
        info = registry.register(run, folder, "0" * 64, tags={"partition": "2026-11-01"})
    if with_pack:
        doc = render_pack({"model": {"name": info.name, "version": info.version}})
        path = tmp_path / f"pack-{info.version}" / "validation_pack.html"
        path.parent.mkdir()
        path.write_text(doc, encoding="utf-8")
        registry.log_to_run(run.run_id, artifacts={"validation": path})
        registry.set_version_tags(
            info.version,
            {
                PACK_SHA256_TAG: pack_checksum(doc),
                PACK_ARTIFACT_TAG: "validation/validation_pack.html",
            },
        )
    return info.version


def _approve(version: str, *extra: str) -> None:
    cli.main(["approve", version, "--by", "Ada Lovelace", "--reason", "validated", *extra])


def test_approve_records_who_when_why_and_the_pack(
    registry: ModelRegistry, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    version = _version(registry, tmp_path, with_pack=True)
    sha = registry.version_info(version).tags[PACK_SHA256_TAG]
    _approve(version, "--pack-sha256", sha)
    tags = registry.version_info(version).tags
    assert tags["approval.by"] == "Ada Lovelace" and tags["approval.reason"] == "validated"
    assert tags["approval.pack_sha256"] == sha and tags["approval.at"].endswith("+00:00")
    assert f"v{version} approved by Ada Lovelace" in capsys.readouterr().out
    approved, why, record = promotion_approval(registry.version_info(version))
    assert approved and record is not None and record["approved_by"] == "Ada Lovelace"
    # a re-rendered pack (another checksum) withdraws the approval
    registry.set_version_tags(version, {PACK_SHA256_TAG: "e" * 64})
    approved, why, _ = promotion_approval(registry.version_info(version))
    assert not approved and why == f"approval of v{version} was for another validation pack"


def test_approve_refuses_a_version_without_a_pack(registry: ModelRegistry, tmp_path: Path) -> None:
    version = _version(registry, tmp_path, with_pack=False)
    with pytest.raises(SystemExit, match="has no validation pack"):
        _approve(version)
    assert "approval.by" not in registry.version_info(version).tags
    approved, why, _ = promotion_approval(registry.version_info(version))
    assert not approved and why == f"awaiting approval of v{version}"


def test_approve_refuses_a_changed_pack(registry: ModelRegistry, tmp_path: Path) -> None:
    version = _version(registry, tmp_path, with_pack=True)
    with pytest.raises(SystemExit, match=r"not v\d+.s current pack"):
        _approve(version, "--pack-sha256", "a" * 64)  # the approver read another pack
    registry.set_version_tags(version, {PACK_SHA256_TAG: "b" * 64})  # tag and file disagree
    with pytest.raises(SystemExit, match="changed after rendering"):
        _approve(version)
    with pytest.raises(SystemExit, match="no version '99'"):
        _approve("99")
    with pytest.raises(SystemExit):  # argparse: --by and --reason are required
        cli.main(["approve", version, "--reason", "x"])
    assert "approval.by" not in registry.version_info(version).tags
