"""Sign-off on a registered version, and what promotion asks of it.

Why here, beside promotion: under the ``require_approval`` policy a version is promoted only
once a named person approved its validation pack. The approval (``risk.approval``) is stored as
version tags and quotes the pack's SHA-256; it is refused when the version has no pack, when the
pack logged with the version's MLflow run no longer hashes to its tag, or when the approver read
another pack than the current one (``--pack-sha256``). Promotion checks the same record against
the version's current pack tag, so re-rendering a pack withdraws the approval.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from creditrisk_assets import settings
from creditrisk_assets.keys import VALIDATION_PACK, lake_path
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.modeling.registry_records import ModelVersionInfo
from creditrisk_assets.risk.approval import (
    PACK_ARTIFACT_TAG,
    PACK_SHA256_TAG,
    ApprovalRecord,
    approval_status,
    build_approval,
)
from creditrisk_assets.risk.validation_pack import pack_checksum


class ApprovalRefused(ValueError):
    """The approval cannot be recorded: no pack, or not the pack the approver read."""


def logged_pack_sha256(registry: ModelRegistry, info: ModelVersionInfo) -> str:
    """SHA-256 of the pack file logged in the version's MLflow run (downloaded and hashed)."""
    artifact = info.tags.get(PACK_ARTIFACT_TAG)
    if info.run_id is None or artifact is None:
        raise ApprovalRefused(f"v{info.version} has no validation pack artifact in MLflow")
    with tempfile.TemporaryDirectory(prefix="creditrisk-pack-") as tmp:
        path = registry.client.download_artifacts(info.run_id, artifact, tmp)
        return pack_checksum(Path(path).read_bytes())


def approve(
    registry: ModelRegistry,
    version: str,
    approved_by: str,
    reason: str,
    pack_sha256: str | None = None,
    now: datetime | None = None,
) -> ApprovalRecord:
    """Record an approval of ``version`` on its current validation pack; return the record."""
    from mlflow.exceptions import MlflowException

    try:
        info = registry.version_info(version)
    except MlflowException as err:
        raise ApprovalRefused(f"{registry.model_name} has no version {version!r}") from err
    tagged = info.tags.get(PACK_SHA256_TAG)
    if tagged is None:
        raise ApprovalRefused(
            f"v{info.version} has no validation pack: materialize {lake_path(VALIDATION_PACK)} "
            f"for snapshot {info.partition} and read it first"
        )
    logged = logged_pack_sha256(registry, info)
    if logged != tagged:
        raise ApprovalRefused(
            f"the validation pack logged with v{info.version} hashes to {logged}, not to its "
            f"tag {tagged}: it changed after rendering; re-materialize it and read it again"
        )
    if pack_sha256 is not None and pack_sha256.strip().lower() != tagged:
        raise ApprovalRefused(
            f"the pack you read ({pack_sha256}) is not v{info.version}'s current pack "
            f"({tagged}): read the current one"
        )
    record = build_approval(info.version, approved_by, reason, tagged, now)
    registry.set_version_tags(info.version, record.to_tags())
    return record


def approval_required(configured: bool) -> bool:
    """The policy in force: a run's Config may switch it on; the deployment's
    ``CREDITRISK_REQUIRE_APPROVAL`` switches it on for every run (no run can switch it off)."""
    return configured or settings.require_approval()


def promotion_approval(info: ModelVersionInfo) -> tuple[bool, str, dict[str, Any] | None]:
    """(approved, why or who, the record for the manifest): approved when the version's record
    quotes its current pack's checksum."""
    approved, why = approval_status(info.version, info.tags, info.tags.get(PACK_SHA256_TAG))
    record = ApprovalRecord.from_tags(info.version, info.tags)
    if not approved or record is None:
        return False, why, None
    return (
        True,
        why,
        {
            "approved_by": record.approved_by,
            "approved_at": record.approved_at,
            "reason": record.reason,
            "pack_sha256": record.pack_sha256,
        },
    )
