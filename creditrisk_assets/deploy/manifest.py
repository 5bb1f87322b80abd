"""The deploy manifest: everything a deployment needs to know about the model it ships.

One JSON document per promotion: which version (and where its files are), the checksum the
scorer must verify, the feature-spec hash the serving SQL must match, the metrics it was
promoted on, the raw snapshot files it descends from (their MD5s), when, and which image.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from creditrisk_assets import settings

MANIFEST_FILE = "deploy_manifest.json"
MANIFEST_VERSION = 1


def build_manifest(
    *,
    model_name: str,
    version: str,
    model_uri: str,
    artifact_checksum: str,
    feature_spec_hash: str,
    metrics: Mapping[str, float],
    training_partition: str,
    raw_md5: Mapping[str, str],
    promotion: Mapping[str, Any],
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """Assemble the manifest; refuses to describe a model it cannot verify or trace."""
    if not artifact_checksum:
        raise ValueError(f"{model_name} v{version} has no artifact checksum: refusing to ship it")
    if not feature_spec_hash:
        raise ValueError(f"{model_name} v{version} has no feature-spec hash: refusing to ship it")
    if not raw_md5:
        raise ValueError(
            f"no raw-file MD5s for snapshot {training_partition}: the lineage would be empty"
        )
    created = (created_at or datetime.now(UTC)).isoformat(timespec="seconds")
    return {
        "manifest_version": MANIFEST_VERSION,
        "model": {
            "name": model_name,
            "version": str(version),
            "uri": model_uri,
            "registry_uri": f"models:/{model_name}/{version}",
            "artifact_checksum": artifact_checksum,
            "feature_spec_hash": feature_spec_hash,
        },
        "metrics": {k: float(v) for k, v in sorted(metrics.items())},
        "lineage": {
            "training_snapshot": training_partition,
            "raw_md5": dict(sorted(raw_md5.items())),
        },
        "promotion": dict(promotion),
        "image_tag": settings.image_tag(),
        "created_at": created,
    }
