"""The approval record: who approved which model version, when, why, and on which pack.

Why: under a ``require_approval`` promotion policy a model version is only promoted once a
named person has signed off on its validation pack. The record quotes the pack's SHA-256, so
an approval cannot silently carry over to a re-rendered (different) pack. It is stored as
MLflow model-version tags (phase 2), hence the flat ``approval.*`` string keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

TAG_PREFIX = "approval."
#: Version tags the validation pack asset writes: the pack's SHA-256 (what an approval must
#: quote), where the lake keeps it, and its artifact path in the version's MLflow run.
PACK_SHA256_TAG = "validation_pack.sha256"
PACK_URI_TAG = "validation_pack.uri"
PACK_ARTIFACT_TAG = "validation_pack.artifact"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

#: The Config field description phase 2 puts on the promotion policy.
REQUIRE_APPROVAL_DESCRIPTION = (
    "Promote a candidate only once its registered version carries an approval record "
    "(`python -m creditrisk_assets.cli approve VERSION --by NAME --reason TEXT`) whose pack "
    "checksum matches the version's validation pack; until then promotion is skipped with "
    "'awaiting approval of vN'. Off in the embedded demo, on in the production profile."
)


def require_approval_field(default: bool = False) -> Any:
    """``require_approval: bool = require_approval_field()`` on a ``dg.Config`` class."""
    return Field(default=default, description=REQUIRE_APPROVAL_DESCRIPTION)


@dataclass(frozen=True)
class ApprovalRecord:
    """One sign-off on a registered model version."""

    version: str
    approved_by: str
    approved_at: str  # ISO 8601, UTC
    reason: str
    pack_sha256: str

    def to_tags(self) -> dict[str, str]:
        """The record as MLflow model-version tags."""
        return {
            f"{TAG_PREFIX}by": self.approved_by,
            f"{TAG_PREFIX}at": self.approved_at,
            f"{TAG_PREFIX}reason": self.reason,
            f"{TAG_PREFIX}pack_sha256": self.pack_sha256,
        }

    @classmethod
    def from_tags(cls, version: str, tags: Mapping[str, str]) -> ApprovalRecord | None:
        """The record stored in a version's tags, or None when it has none (or a partial one)."""
        keys = ("by", "at", "reason", "pack_sha256")
        if not all(f"{TAG_PREFIX}{k}" in tags for k in keys):
            return None
        by, at, reason, sha = (tags[f"{TAG_PREFIX}{k}"] for k in keys)
        return cls(version, by, at, reason, sha)


def build_approval(
    version: str,
    approved_by: str,
    reason: str,
    pack_sha256: str,
    now: datetime | None = None,
) -> ApprovalRecord:
    """A validated record: a named approver, a reason, and the checksum of the pack read."""
    if not approved_by.strip():
        raise ValueError("an approval needs the approver's name (--by)")
    if not reason.strip():
        raise ValueError("an approval needs a reason (--reason)")
    if not _SHA256.match(pack_sha256):
        raise ValueError("the pack checksum must be a lowercase hex SHA-256")
    when = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return ApprovalRecord(
        str(version), approved_by.strip(), when.isoformat(), reason.strip(), pack_sha256
    )


def approval_status(
    version: str, tags: Mapping[str, str], pack_sha256: str | None
) -> tuple[bool, str]:
    """(approved, why not): approved when the version's record quotes its current pack."""
    record = ApprovalRecord.from_tags(version, tags)
    if record is None:
        return False, f"awaiting approval of v{version}"
    if pack_sha256 is not None and record.pack_sha256 != pack_sha256:
        return False, f"approval of v{version} was for another validation pack"
    return True, f"approved by {record.approved_by} at {record.approved_at}"
