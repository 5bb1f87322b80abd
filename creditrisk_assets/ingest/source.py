"""SnapshotSource: the ingestion domain's resource saying where a snapshot's raw files come from.

Kept thin on purpose: it holds configuration and delegates to the connectors in
``creditrisk_assets.ingest.connectors``, which each turn a snapshot date into a local folder of
Kaggle-named files. Verification, decompression and loading are shared by all connectors and run
inside each raw asset's step.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import dagster as dg
from pydantic import Field

from creditrisk_assets import settings
from creditrisk_assets.ingest.connectors.base import SnapshotFiles


class SnapshotSource(dg.ConfigurableResource):
    """Resolves a snapshot date to a local folder of Kaggle-named CSV files."""

    kind: Literal["synthetic", "landing", "kaggle", "s3"] = Field(
        default="synthetic", description="Which connector provides raw snapshots."
    )
    cache_dir: str | None = Field(
        default=None,
        description="Where generated/downloaded snapshots are cached; <state>/snapshots if None.",
    )
    landing_dir: str | None = Field(
        default=None,
        description="Landing folder of YYYY-MM-DD/ subfolders; settings.landing_dir() if None.",
    )
    landing_settle_seconds: float = Field(
        default=120.0,
        description="landing: a folder without MD5SUMS or _SUCCESS counts as complete once "
        "nothing in it changed for this long.",
    )
    applicants: int = Field(
        default=20_000, description="synthetic: applicants per generated snapshot."
    )
    seed: int = Field(default=7, description="synthetic: generator seed (same seed, same data).")
    drift: float = Field(
        default=0.0, description="synthetic: strength of planted distribution drift (0 = none)."
    )
    overlap: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="synthetic: share of an earlier snapshot's unlabelled (application_test) "
        "applicants whose outcome matures into a later snapshot's application_train.",
    )
    maturity_lag_days: int = Field(
        default=30,
        ge=0,
        description="synthetic: how many days older than a snapshot an earlier one must be for "
        "its outcomes to have matured there.",
    )
    kaggle_competition: str = Field(
        default="home-credit-default-risk", description="kaggle: competition to download."
    )
    kaggle_username: str | None = Field(
        default=None,
        description="kaggle: user name, e.g. dg.EnvVar('KAGGLE_USERNAME'); kaggle.json if None.",
    )
    kaggle_key: str | None = Field(
        default=None, description="kaggle: API key, e.g. dg.EnvVar('KAGGLE_KEY')."
    )
    s3_uri: str | None = Field(
        default=None, description="s3: s3://bucket/prefix holding YYYY-MM-DD/ folders."
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="s3: S3-compatible endpoint (MinIO, moto); None for AWS."
    )

    def resolved_cache_dir(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else settings.state_dir() / "snapshots"

    def resolved_landing_dir(self) -> Path:
        return Path(self.landing_dir) if self.landing_dir else settings.landing_dir()

    def fetch(self, snapshot: str, earlier: Sequence[str] = ()) -> SnapshotFiles:
        """Make ``snapshot``'s files available locally and describe them.

        ``earlier`` lists the snapshots registered before this one: the synthetic source
        generates ``snapshot`` as their successor, with their matured outcomes (the other
        connectors deliver what the lender sent and ignore it). Connectors are imported lazily so
        that building the code location never imports boto3, kaggle or the generator.
        """
        from creditrisk_assets.ingest.connectors import kaggle, landing, s3, synthetic

        if self.kind == "landing":
            return landing.fetch_landing(self.resolved_landing_dir(), snapshot)
        if self.kind == "synthetic":
            return synthetic.fetch_synthetic(
                self.resolved_cache_dir(),
                snapshot,
                self.applicants,
                self.seed,
                self.drift,
                earlier=earlier,
                overlap=self.overlap,
                lag_days=self.maturity_lag_days,
            )
        if self.kind == "kaggle":
            client = kaggle.make_client(self.kaggle_username, self.kaggle_key)
            return kaggle.fetch_kaggle(
                self.resolved_cache_dir(), snapshot, self.kaggle_competition, client
            )
        if not self.s3_uri:
            raise ValueError("SnapshotSource(kind='s3') needs s3_uri='s3://bucket/prefix'")
        client = s3.make_s3_client(self.s3_endpoint_url)
        return s3.fetch_s3(self.resolved_cache_dir(), snapshot, self.s3_uri, client)

    def available_snapshots(self) -> list[str]:
        """Snapshots the source can deliver now (landing folders or S3 prefixes); the landing
        sensor turns new ones into partitions. Generated and Kaggle sources have no listing."""
        from creditrisk_assets.ingest.connectors import landing, s3

        if self.kind == "landing":
            return landing.landed_snapshots(
                self.resolved_landing_dir(), self.landing_settle_seconds
            )
        if self.kind == "s3" and self.s3_uri:
            return s3.list_s3_snapshots(self.s3_uri, s3.make_s3_client(self.s3_endpoint_url))
        return []
