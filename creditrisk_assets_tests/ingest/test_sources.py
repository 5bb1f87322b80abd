"""The SnapshotSource connectors: synthetic cache, Kaggle (fake client) and S3 (local moto
server), each fetched through the resource and loaded by a raw asset."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import dagster as dg
import pytest

from creditrisk_assets.ingest import raw_key
from creditrisk_assets.ingest.assets import raw_assets, raw_freshness_policy
from creditrisk_assets.ingest.connectors import kaggle as kaggle_connector
from creditrisk_assets.ingest.connectors.base import (
    ChecksumMismatch,
    SnapshotUnavailable,
    md5_of,
    verify_file,
)
from creditrisk_assets.ingest.source import SnapshotSource
from creditrisk_assets.partitions import InvalidSnapshotKey, register_snapshot

SNAPSHOT = "2026-11-01"


def test_synthetic_source_generates_once_and_reuses_verified_cache(tmp_path: Path):
    source = SnapshotSource(kind="synthetic", applicants=300, cache_dir=str(tmp_path / "cache"))
    first = source.fetch(SNAPSHOT)
    assert first.folder == tmp_path / "cache" / SNAPSHOT
    assert first.table_file("bureau") is not None and len(first.manifest) == 8
    train = first.table_file("application_train")
    mtime = train.stat().st_mtime_ns
    assert source.fetch(SNAPSHOT).table_file("application_train").stat().st_mtime_ns == mtime

    # a damaged cache no longer verifies against MD5SUMS: it is regenerated, not reused
    train.write_text(train.read_text()[:-100])
    again = source.fetch(SNAPSHOT)
    assert md5_of(train) == again.manifest["application_train.csv"]

    # other parameters, other data: the cache is not reused
    bigger = SnapshotSource(kind="synthetic", applicants=400, cache_dir=str(tmp_path / "cache"))
    rows = bigger.fetch(SNAPSHOT).table_file("application_train").read_text().count("\n") - 1
    assert rows == 400
    assert (
        json.loads((tmp_path / "cache" / SNAPSHOT / ".params.json").read_text())["applicants"]
        == 400
    )


def test_synthetic_default_source_feeds_raw_assets(lake, warehouse, instance, state_home: Path):
    register_snapshot(instance, SNAPSHOT)
    result = dg.materialize(
        raw_assets,
        selection=[raw_key("application_train"), raw_key("bureau")],
        partition_key=SNAPSHOT,
        resources={"source": SnapshotSource(applicants=300), "lake": lake, "warehouse": warehouse},
        instance=instance,
    )
    assert result.success
    assert (state_home / "snapshots" / SNAPSHOT / "MD5SUMS").is_file()
    meta = result.asset_materializations_for_node("raw__application_train")[0].metadata
    assert meta["dagster/row_count"].value == 300 and meta["connector"].value == "synthetic"


def test_invalid_snapshot_key_is_refused_by_every_connector(tmp_path: Path):
    for source in (
        SnapshotSource(kind="synthetic", cache_dir=str(tmp_path)),
        SnapshotSource(kind="landing", landing_dir=str(tmp_path)),
    ):
        with pytest.raises(InvalidSnapshotKey, match="YYYY-MM-DD"):
            source.fetch("2026-11-1")
    with pytest.raises(SnapshotUnavailable, match="does not exist"):
        SnapshotSource(kind="landing", landing_dir=str(tmp_path)).fetch("2026-02-03")


class FakeKaggle:
    """Stands in for KaggleApi at the connector boundary: 'downloads' the competition zip."""

    def __init__(self, snapshot_dir: Path) -> None:
        self.snapshot_dir = snapshot_dir
        self.calls: list[tuple[str, str]] = []

    def competition_download_files(self, competition, path=None, force=False, quiet=True):
        self.calls.append((competition, path))
        with zipfile.ZipFile(Path(path) / f"{competition}.zip", "w") as zf:
            for f in self.snapshot_dir.glob("*.csv"):
                zf.write(f, f.name)


def test_kaggle_source_downloads_once_with_env_credentials(
    tmp_path, small_snapshot_dir, monkeypatch, lake, warehouse, instance
):
    fake = FakeKaggle(small_snapshot_dir)
    seen = {}

    def make_client(username, key):
        seen.update(username=username, key=key)
        return fake

    monkeypatch.setattr(kaggle_connector, "make_client", make_client)
    monkeypatch.setenv("KAGGLE_USERNAME", "lender")
    monkeypatch.setenv("KAGGLE_KEY", "s3cret")
    source = SnapshotSource(
        kind="kaggle",
        cache_dir=str(tmp_path / "cache"),
        kaggle_username=dg.EnvVar("KAGGLE_USERNAME"),
        kaggle_key=dg.EnvVar("KAGGLE_KEY"),
    )
    register_snapshot(instance, SNAPSHOT)
    result = dg.materialize(
        raw_assets,
        selection=[raw_key("application_train"), raw_key("bureau_balance")],
        partition_key=SNAPSHOT,
        resources={"source": source, "lake": lake, "warehouse": warehouse},
        instance=instance,
    )
    assert result.success
    assert seen == {"username": "lender", "key": "s3cret"}
    assert [c[0] for c in fake.calls] == ["home-credit-default-risk"]  # once, cached after
    meta = result.asset_materializations_for_node("raw__application_train")[0].metadata
    assert meta["source_uri"].value == (
        "kaggle://competitions/home-credit-default-risk/application_train.csv"
    )
    assert meta["dagster/row_count"].value == 1200


def test_s3_source_mirrors_snapshot_and_verifies_it(
    s3_server, small_snapshot_dir, tmp_path, lake, warehouse, instance
):
    from creditrisk_assets.resources.s3 import s3_client

    s3 = s3_client(s3_server)
    s3.create_bucket(Bucket="feeds")
    for f in small_snapshot_dir.iterdir():
        s3.upload_file(str(f), "feeds", f"homecredit/{SNAPSHOT}/{f.name}")
    s3.put_object(Bucket="feeds", Key="homecredit/not-a-date/x.csv", Body=b"x")
    source = SnapshotSource(
        kind="s3",
        s3_uri="s3://feeds/homecredit",
        s3_endpoint_url=s3_server,
        cache_dir=str(tmp_path / "cache"),
    )
    assert source.available_snapshots() == [SNAPSHOT]
    register_snapshot(instance, SNAPSHOT)
    result = dg.materialize(
        raw_assets,
        selection=[raw_key("bureau")],
        partition_key=SNAPSHOT,
        resources={"source": source, "lake": lake, "warehouse": warehouse},
        instance=instance,
    )
    assert result.success
    meta = result.asset_materializations_for_node("raw__bureau")[0].metadata
    assert meta["source_uri"].value == f"s3://feeds/homecredit/{SNAPSHOT}/bureau.csv"
    assert meta["md5_verified_against_manifest"].value is True

    # an object corrupted in the bucket is caught by the manifest
    s3.put_object(Bucket="feeds", Key=f"homecredit/{SNAPSHOT}/bureau.csv", Body=b"SK_ID_CURR\n1\n")
    files = source.fetch(SNAPSHOT)
    with pytest.raises(ChecksumMismatch, match="raw/bureau: checksum mismatch"):
        verify_file(files, "bureau", files.table_file("bureau"))
    with pytest.raises(SnapshotUnavailable):
        source.fetch("2026-01-01")


def test_freshness_policy_follows_sla_env(monkeypatch):
    from datetime import timedelta

    monkeypatch.setenv("CREDITRISK_RAW_SLA_HOURS", "12")
    policy = raw_freshness_policy()
    assert policy.fail_window.to_timedelta() == timedelta(hours=12)
    monkeypatch.setenv("CREDITRISK_RAW_SLA_HOURS", "soon")
    with pytest.raises(ValueError, match="CREDITRISK_RAW_SLA_HOURS"):
        raw_freshness_policy()
    monkeypatch.delenv("CREDITRISK_RAW_SLA_HOURS")
    assert raw_freshness_policy().fail_window.to_timedelta() == timedelta(hours=36)
    assert raw_assets[0].specs_by_key[raw_key("application_train")].freshness_policy is not None


def test_synthetic_source_matures_earlier_registered_snapshots(tmp_path: Path):
    """B generated after A (registered earlier) labels half of A's test applicants, with the
    outcome A drew for them; a changed lineage is part of the cache key."""
    import pandas as pd

    cache = str(tmp_path / "cache")
    a, b = "2026-11-01", "2026-12-15"
    first = SnapshotSource(kind="synthetic", applicants=400, cache_dir=cache).fetch(a)
    later = SnapshotSource(kind="synthetic", applicants=300, drift=0.5, cache_dir=cache)
    files_b = later.fetch(b, earlier=[a, "2027-01-01"])  # later dates are ignored
    test_a = pd.read_csv(first.table_file("application_test"), usecols=["SK_ID_CURR"])
    train_b = pd.read_csv(files_b.table_file("application_train"), usecols=["SK_ID_CURR"])
    matured = set(test_a["SK_ID_CURR"]) & set(train_b["SK_ID_CURR"])
    assert 0.3 * len(test_a) < len(matured) < 0.7 * len(test_a)  # overlap 0.5
    assert len(train_b) == 300 + len(matured)
    params = json.loads((files_b.folder / ".params.json").read_text())
    assert params["earlier"] == [[a, 400, 0.0]]  # A as it was generated, not as B is
    assert (params["overlap"], params["lag_days"]) == (0.5, 30)
    oracle = pd.read_csv(files_b.folder / "oracle_true_pd.csv")
    assert matured <= set(oracle["SK_ID_CURR"])

    # too young to have matured: no earlier applicant is labelled, ids still follow A's
    young = SnapshotSource(kind="synthetic", applicants=300, maturity_lag_days=60, cache_dir=cache)
    files_young = young.fetch(b, earlier=[a])
    ids = pd.read_csv(files_young.table_file("application_train"), usecols=["SK_ID_CURR"])
    assert len(ids) == 300 and ids["SK_ID_CURR"].min() > test_a["SK_ID_CURR"].max()
