"""SnapshotSource: where a snapshot's raw files come from (owned by the ingestion domain)."""

from __future__ import annotations

from typing import Literal

import dagster as dg
from pydantic import Field


class SnapshotSource(dg.ConfigurableResource):
    """Resolves a snapshot date to a local folder of Kaggle-named CSV files."""

    kind: Literal["synthetic", "landing", "kaggle", "s3"] = Field(
        default="synthetic", description="Which connector provides raw snapshots."
    )
