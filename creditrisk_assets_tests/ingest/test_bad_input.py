"""Bad raw files fail the ingestion step with a clear message, publish nothing for their
partition and leave the earlier partition untouched.

Defects caught by the checks instead (negative AMT_CREDIT, duplicate ids, orphans, an unknown
extra column, an application_train with a header only) are in ``test_checks.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from creditrisk_assets.ingest import raw_key, raw_path
from creditrisk_assets.ingest.assets import raw_assets
from creditrisk_assets.ingest.connectors.base import md5_of
from creditrisk_assets.partitions import register_snapshot

EARLIER, SNAPSHOT = "2026-10-01", "2026-11-01"
TRAIN = "application_train.csv"


def _field_index(lines: list[str], name: str) -> int:
    return lines[0].rstrip("\n").split(",").index(name)


def _drop_column(lines: list[str]) -> list[str]:
    i = _field_index(lines, "AMT_CREDIT")
    return [
        ",".join(f for j, f in enumerate(ln.rstrip("\n").split(",")) if j != i) + "\n"
        for ln in lines
    ]


def _text_in_amt_credit(lines: list[str]) -> list[str]:
    i = _field_index(lines, "AMT_CREDIT")
    fields = lines[3].rstrip("\n").split(",")
    fields[i] = "lots"
    lines[3] = ",".join(fields) + "\n"
    return lines


def _cut_last_line(lines: list[str]) -> list[str]:
    return [*lines[:-1], lines[-1][: len(lines[-1]) // 3]]


def _garbage_trailer(lines: list[str]) -> list[str]:
    return [*lines, "\n", "Total rows exported: 1200\n"]


# (case, table file, edit, keep manifest consistent?, expected fragments of the step error)
CASES = [
    ("missing column", TRAIN, _drop_column, True, ["missing column", "AMT_CREDIT"]),
    ("text in AMT_CREDIT", TRAIN, _text_in_amt_credit, True, ["AMT_CREDIT", "line 4", "CAST"]),
    ("truncated last line", TRAIN, _cut_last_line, True, ["malformed line", "MISSING COLUMNS"]),
    ("garbage trailer row", TRAIN, _garbage_trailer, True, ["malformed line", "line 1203"]),
    ("empty file", "bureau.csv", lambda lines: [], True, ["raw/bureau", "is empty"]),
    ("checksum mismatch", TRAIN, _cut_last_line, False, ["checksum mismatch", "MD5SUMS says"]),
]


@pytest.mark.parametrize(
    ("file_name", "edit", "fix_manifest", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bad_file_fails_step_and_publishes_nothing(
    resources,
    instance,
    lake,
    landing: Path,
    edit_csv,
    step_errors,
    file_name,
    edit,
    fix_manifest,
    expected,
):
    table = "bureau" if file_name == "bureau.csv" else "application_train"
    selection = [raw_key(table)]
    shutil.copytree(landing / SNAPSHOT, landing / EARLIER)
    for key in (EARLIER, SNAPSHOT):
        register_snapshot(instance, key)
    good = dg.materialize(
        raw_assets,
        selection=selection,
        partition_key=EARLIER,
        resources=resources,
        instance=instance,
    )
    assert good.success
    earlier_file = Path(lake.local_path(raw_path(table), EARLIER))
    earlier_md5 = md5_of(earlier_file)

    folder = landing / SNAPSHOT
    if fix_manifest:
        edit_csv(folder, file_name, edit)
    else:  # edit behind the manifest's back
        path = folder / file_name
        path.write_text("".join(edit(path.read_text().splitlines(keepends=True))))

    bad = dg.materialize(
        raw_assets,
        selection=selection,
        partition_key=SNAPSHOT,
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )
    assert not bad.success
    message = step_errors(bad)
    assert f"raw/{table}" in message
    for fragment in expected:
        assert fragment in message
    assert not lake.exists(raw_path(table), SNAPSHOT)
    assert not lake.exists(raw_path(table), SNAPSHOT, "ingest.json")
    partition_dir = Path(lake.partition_uri(raw_path(table), SNAPSHOT)).parent
    assert not partition_dir.exists() or not any(partition_dir.iterdir())
    assert md5_of(earlier_file) == earlier_md5


def test_trailing_blank_lines_are_tolerated(resources, instance, lake, landing: Path, edit_csv):
    edit_csv(landing / SNAPSHOT, TRAIN, lambda lines: [*lines, "\n", "\n", "\n"])
    register_snapshot(instance, SNAPSHOT)
    result = dg.materialize(
        raw_assets,
        selection=[raw_key("application_train")],
        partition_key=SNAPSHOT,
        resources=resources,
        instance=instance,
    )
    assert result.success
    mat = result.asset_materializations_for_node("raw__application_train")[0]
    assert mat.metadata["dagster/row_count"].value == 1200


def test_zipped_table_is_decompressed_and_verified(
    resources, instance, lake, landing: Path, fix_manifest
):
    import zipfile

    folder = landing / SNAPSHOT
    with zipfile.ZipFile(folder / "bureau.csv.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(folder / "bureau.csv", "bureau.csv")
    rows = (folder / "bureau.csv").read_text().count("\n") - 1
    (folder / "bureau.csv").unlink()
    fix_manifest(folder, ["bureau.csv.zip"])
    register_snapshot(instance, SNAPSHOT)
    result = dg.materialize(
        raw_assets,
        selection=[raw_key("bureau")],
        partition_key=SNAPSHOT,
        resources=resources,
        instance=instance,
    )
    assert result.success
    meta = result.asset_materializations_for_node("raw__bureau")[0].metadata
    assert meta["dagster/row_count"].value == rows
    assert meta["md5_verified_against_manifest"].value is True
    assert meta["source_uri"].value.endswith("bureau.csv.zip")
    assert not list((lake_scratch := Path(lake.base_uri).parent / "scratch").glob("*")) or not any(
        p.suffix == ".csv" for p in lake_scratch.iterdir()
    )
