"""Promotion and rollback: moving the registry aliases ``champion`` and ``previous``.

Promotion: the candidate becomes ``champion`` and the version it replaces becomes ``previous``.
``previous`` is moved *before* ``champion``, so a crash between the two calls leaves the old
champion still serving (both aliases on it) rather than losing track of it.

Rollback: ``champion`` moves back to ``previous`` and ``previous`` is **cleared** (not swapped).
A swap would make the version we just rolled away from the fallback target, and a second
rollback would silently re-deploy the model that was pulled; clearing makes a second rollback
fail loudly instead. The rolled-back version is tagged so the registry shows why it stopped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from creditrisk_assets.modeling.registry import CHAMPION, PREVIOUS


class AliasRegistry(Protocol):
    """The part of ``ModelRegistry`` promotion needs (kept narrow so tests can see it)."""

    def get_alias_version(self, alias: str) -> str | None: ...
    def set_alias(self, alias: str, version: str | int) -> None: ...
    def delete_alias(self, alias: str) -> None: ...
    def set_version_tags(self, version: str, tags: dict[str, Any]) -> None: ...


class NothingToRollBack(RuntimeError):
    """Rollback asked for with no ``previous`` version to return to."""


@dataclass(frozen=True)
class AliasChange:
    champion: str
    previous: str | None
    replaced: str | None  # the champion before this change (None for the first promotion)
    changed: bool
    at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def promote(registry: AliasRegistry, version: str, reason: str = "") -> AliasChange:
    """Make ``version`` the champion; the replaced champion becomes ``previous``.

    Promoting the current champion again changes nothing (idempotent re-runs).
    """
    version, at = str(version), _now()
    current = registry.get_alias_version(CHAMPION)
    if current == version:
        return AliasChange(version, registry.get_alias_version(PREVIOUS), current, False, at)
    if current is not None:
        registry.set_alias(PREVIOUS, current)
        registry.set_version_tags(current, {"demoted_at": at, "replaced_by": version})
    registry.set_alias(CHAMPION, version)
    registry.set_version_tags(
        version,
        {"promoted_at": at, "replaced": current or "", "promotion_reason": reason or "promotion"},
    )
    return AliasChange(version, current, current, True, at)


def rollback(registry: AliasRegistry, reason: str = "") -> AliasChange:
    """Return ``champion`` to ``previous``; clear ``previous``; tag the pulled version."""
    at = _now()
    previous = registry.get_alias_version(PREVIOUS)
    current = registry.get_alias_version(CHAMPION)
    if previous is None:
        raise NothingToRollBack(
            f"no '{PREVIOUS}' alias to roll back to (champion is {current or 'unset'}); "
            "a rollback only undoes the last promotion"
        )
    registry.set_alias(CHAMPION, previous)
    registry.delete_alias(PREVIOUS)
    if current is not None and current != previous:
        registry.set_version_tags(
            current, {"rolled_back_at": at, "rollback_reason": reason or "rollback"}
        )
    registry.set_version_tags(previous, {"restored_at": at})
    return AliasChange(previous, None, current, True, at)
