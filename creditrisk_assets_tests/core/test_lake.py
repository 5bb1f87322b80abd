"""The lake publishes a partition whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from creditrisk_assets.resources import Lake


def _write(lake: Lake, value: int) -> None:
    with lake.write_partition("raw/bureau", "2026-11-01") as tmp:
        pd.DataFrame({"x": [value]}).to_parquet(tmp)


def test_partition_layout_is_hive_style(lake: Lake) -> None:
    uri = lake.partition_uri("raw/bureau", "2026-11-01")
    assert uri.endswith("/raw/bureau/snapshot_date=2026-11-01/data.parquet")


def test_write_then_read(lake: Lake) -> None:
    _write(lake, 1)
    assert lake.exists("raw/bureau", "2026-11-01")
    assert pd.read_parquet(lake.local_path("raw/bureau", "2026-11-01"))["x"].tolist() == [1]


def test_failed_writer_leaves_previous_version_and_no_temp_files(lake: Lake) -> None:
    _write(lake, 1)
    with (
        pytest.raises(RuntimeError, match="boom"),
        lake.write_partition("raw/bureau", "2026-11-01") as tmp,
    ):
        pd.DataFrame({"x": [2]}).to_parquet(tmp)
        raise RuntimeError("boom")
    folder = Path(lake.partition_uri("raw/bureau", "2026-11-01")).parent
    assert [p.name for p in folder.iterdir()] == ["data.parquet"]
    assert pd.read_parquet(lake.local_path("raw/bureau", "2026-11-01"))["x"].tolist() == [1]


def test_failed_first_write_leaves_no_partition(lake: Lake) -> None:
    with pytest.raises(ValueError), lake.write_partition("raw/bureau", "2026-11-02"):
        raise ValueError("bad input")
    assert not lake.exists("raw/bureau", "2026-11-02")


def test_missing_partition_names_table_and_partition(lake: Lake) -> None:
    with pytest.raises(FileNotFoundError, match=r"raw/bureau has no materialized partition"):
        lake.local_path("raw/bureau", "2026-11-03")


@pytest.mark.parametrize("bad", ["../etc", "raw/../x", "raw/a b", ""])
def test_asset_paths_are_checked(lake: Lake, bad: str) -> None:
    with pytest.raises(ValueError, match="invalid asset path"):
        lake.partition_uri(bad, "2026-11-01")


def test_json_sidecar_roundtrip(lake: Lake) -> None:
    lake.write_json("features/feature_store", "2026-11-01", "spec.json", {"a": [1, 2]})
    assert lake.read_json("features/feature_store", "2026-11-01", "spec.json") == {"a": [1, 2]}


def test_an_s3_lake_round_trips_through_dagster_aws(tmp_path: Path, s3_server: str) -> None:
    """The production lake (``s3://``) against a local moto server, through the same client
    dagster-aws builds for the platform (``resources.s3.s3_client``)."""
    from creditrisk_assets.resources.s3 import s3_client

    s3_client(s3_server).create_bucket(Bucket="lake")
    lake = Lake(
        base_uri="s3://lake/prod",
        s3_endpoint_url=s3_server,
        cache_dir=str(tmp_path / "cache"),
    )
    assert not lake.exists("raw/bureau", "2026-11-01")
    uri = lake.write_json("raw/bureau", "2026-11-01", "ingest.json", {"rows": 3})
    assert uri == "s3://lake/prod/raw/bureau/snapshot_date=2026-11-01/ingest.json"
    assert lake.exists("raw/bureau", "2026-11-01", "ingest.json")
    assert lake.read_json("raw/bureau", "2026-11-01", "ingest.json") == {"rows": 3}


def test_s3_partition_is_published_with_one_put(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_test_env: None
) -> None:
    """Above boto3's 8 MB multipart threshold too: a process killed mid-upload then stores
    nothing, where an interrupted multipart upload leaves its parts in the bucket."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="lake")
        lake = Lake(base_uri="s3://lake/prefix", cache_dir=str(tmp_path / "cache"))
        calls: list[str] = []
        client = lake._s3()
        client.meta.events.register("before-call.s3.*", lambda model, **_: calls.append(model.name))
        monkeypatch.setattr(Lake, "_s3", lambda self: client)
        payload = bytes(range(256)) * (12 * 1024 * 1024 // 256)  # 12 MiB
        with lake.write_partition("raw/bureau", "2026-11-01") as tmp:
            tmp.write_bytes(payload)
        assert calls == ["PutObject"]
        assert Path(lake.local_path("raw/bureau", "2026-11-01")).read_bytes() == payload
        listed = client.list_objects_v2(Bucket="lake")["Contents"]
        assert [o["Key"] for o in listed] == [
            "prefix/raw/bureau/snapshot_date=2026-11-01/data.parquet"
        ]
        assert not list((tmp_path / "cache" / "staging").iterdir())


def test_an_s3_lake_mirrors_a_prefix_for_duckdb(tmp_path: Path, s3_server: str) -> None:
    """The decision log's many parts, read by DuckDB with no S3 extension: mirrored locally,
    temporary objects of a killed writer left out, the lake's layout kept under the root."""
    from creditrisk_assets.resources.s3 import s3_client

    client = s3_client(s3_server)
    client.create_bucket(Bucket="lake")
    for key in ("a/part-1.parquet", "a/.tmp-x-part-2.parquet", "b/part-3.parquet"):
        client.put_object(Bucket="lake", Key=f"prod/decisions/log/day=2026-11-01/{key}", Body=b"x")
    client.put_object(Bucket="lake", Key="prod/decisions/log/", Body=b"")  # folder marker
    client.put_object(Bucket="lake", Key="prod/raw/bureau/other.parquet", Body=b"y")
    lake = Lake(base_uri="s3://lake/prod", s3_endpoint_url=s3_server, cache_dir=str(tmp_path))
    stale = tmp_path / "mirror" / "lake" / "prod" / "decisions" / "log"  # an older cache's file
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"")
    root = Path(lake.local_root("decisions/log"))
    found = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert found == [
        "decisions/log/day=2026-11-01/a/part-1.parquet",
        "decisions/log/day=2026-11-01/b/part-3.parquet",
    ]
    # an object removed from S3 leaves the mirror; another process's download in progress stays
    client.delete_object(Bucket="lake", Key="prod/decisions/log/day=2026-11-01/b/part-3.parquet")
    downloading = root / "decisions/log/day=2026-11-01/a/.part-4.parquet.0123abcd"
    downloading.write_bytes(b"")
    assert Path(lake.local_root("decisions/log")) == root
    found = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert found == [
        "decisions/log/day=2026-11-01/a/.part-4.parquet.0123abcd",
        "decisions/log/day=2026-11-01/a/part-1.parquet",
    ]
    local = Lake(base_uri=str(tmp_path / "local"))
    assert local.local_root("decisions/log") == str(tmp_path / "local")
