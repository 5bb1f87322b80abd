"""Approval records: validated, round-tripped through tags, tied to one pack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import dagster as dg
import pytest

from creditrisk_assets.risk.approval import (
    REQUIRE_APPROVAL_DESCRIPTION,
    ApprovalRecord,
    approval_status,
    build_approval,
    require_approval_field,
)

SHA = "a" * 64


def test_a_record_round_trips_through_version_tags() -> None:
    paris = timezone(timedelta(hours=1))
    record = build_approval(
        "7", " R. Officer ", "Pack reviewed", SHA, datetime(2026, 11, 2, 10, 30, 5, 123, paris)
    )
    assert record.approved_by == "R. Officer"
    assert record.approved_at == "2026-11-02T09:30:05+00:00"
    tags = record.to_tags()
    assert tags["approval.by"] == "R. Officer" and tags["approval.pack_sha256"] == SHA
    assert ApprovalRecord.from_tags("7", {**tags, "other": "x"}) == record
    assert ApprovalRecord.from_tags("7", {"approval.by": "x"}) is None
    assert build_approval("7", "x", "y", SHA).approved_at.endswith("+00:00")
    assert datetime.fromisoformat(build_approval("7", "x", "y", SHA).approved_at).tzinfo == UTC


def test_a_record_needs_a_name_a_reason_and_a_checksum() -> None:
    with pytest.raises(ValueError, match="approver"):
        build_approval("7", " ", "ok", SHA)
    with pytest.raises(ValueError, match="reason"):
        build_approval("7", "me", "", SHA)
    with pytest.raises(ValueError, match="SHA-256"):
        build_approval("7", "me", "ok", "not-a-checksum")


def test_status_waits_for_an_approval_of_the_current_pack() -> None:
    assert approval_status("7", {}, SHA) == (False, "awaiting approval of v7")
    tags = build_approval("7", "me", "ok", SHA).to_tags()
    ok, why = approval_status("7", tags, SHA)
    assert ok and why.startswith("approved by me")
    assert approval_status("7", tags, "b" * 64) == (
        False,
        "approval of v7 was for another validation pack",
    )


def test_the_config_field_documents_the_policy() -> None:
    class Policy(dg.Config):
        require_approval: bool = require_approval_field()

    assert Policy().require_approval is False
    assert Policy(require_approval=True).require_approval is True
    field = Policy.model_fields["require_approval"]
    assert field.description == REQUIRE_APPROVAL_DESCRIPTION
    assert "awaiting approval of vN" in REQUIRE_APPROVAL_DESCRIPTION
