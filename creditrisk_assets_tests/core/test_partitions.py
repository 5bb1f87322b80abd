from __future__ import annotations

import dagster as dg
import pytest

from creditrisk_assets.partitions import (
    SNAPSHOT_PARTITIONS_NAME,
    InvalidSnapshotKey,
    register_snapshot,
    validate_snapshot_key,
)


@pytest.mark.parametrize("key", ["2026-11-01", "2024-02-29"])
def test_valid_keys_pass(key: str) -> None:
    assert validate_snapshot_key(key) == key


@pytest.mark.parametrize("key", ["2026-13-01", "2023-02-29", "20261101", "2026-11-1", "../x", ""])
def test_invalid_keys_are_refused_with_the_key_named(key: str) -> None:
    with pytest.raises(InvalidSnapshotKey, match="snapshot partition key"):
        validate_snapshot_key(key)


def test_register_snapshot_is_idempotent_and_refuses_bad_keys() -> None:
    with dg.instance_for_test() as instance:
        assert register_snapshot(instance, "2026-11-01") is True
        assert register_snapshot(instance, "2026-11-01") is False
        with pytest.raises(InvalidSnapshotKey):
            register_snapshot(instance, "2026-11-31")
        assert instance.get_dynamic_partitions(SNAPSHOT_PARTITIONS_NAME) == ["2026-11-01"]
