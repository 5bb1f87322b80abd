"""The raw contracts are strict (issue 22, ask 2), tried the way a careless supplier would:
one defect per snapshot, MD5SUMS recomputed so that the defect, not the checksum, must be caught.

Load-time defects fail the ingestion step and publish nothing; value defects fail a blocking
check and stop everything downstream. Every message names table, column, ids and value, stays
under 300 characters, and carries the full details as metadata.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import dagster as dg
import pytest

from creditrisk_assets.contracts.messages import MESSAGE_MAX
from creditrisk_assets.ingest import defs as ingest_defs
from creditrisk_assets.ingest import raw_key, raw_path
from creditrisk_assets.ingest.assets import raw_assets
from creditrisk_assets.partitions import register_snapshot, snapshot_partitions

SNAPSHOT = "2026-11-01"
TRAIN = "application_train.csv"


def set_fields(folder: Path, file_name: str, edits: dict[int, dict[str, str]]) -> list[str]:
    """Set fields of data rows (0-based) by column name with a real CSV writer; keep MD5SUMS
    consistent. Returns each edited row's first field (its id)."""
    from creditrisk_assets_tests.ingest.conftest import rewrite_manifest

    path = folder / file_name
    rows = list(csv.reader(io.StringIO(path.read_text())))
    header = rows[0]
    for i, fields in edits.items():
        for column, value in fields.items():
            rows[i + 1][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue())
    rewrite_manifest(folder)
    return [rows[i + 1][0] for i in edits]


def _load(resources, instance, table: str = "application_train") -> dg.ExecuteInProcessResult:
    register_snapshot(instance, SNAPSHOT)
    return dg.materialize(
        raw_assets,
        selection=[raw_key(table)],
        partition_key=SNAPSHOT,
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )


def _failure(result: dg.ExecuteInProcessResult) -> tuple[str, dict]:
    """The failed step's description and metadata, as a person sees them."""
    (event,) = result.get_step_failure_events()
    data = event.step_failure_data
    assert data.user_failure_data is not None, data.error
    meta = {k: v.value for k, v in data.user_failure_data.metadata.items()}
    return data.user_failure_data.description or "", meta


# (case, {row: {column: value}}, expected fragments of the message)
NUMBER_CASES = [
    ("fractional TARGET", {3: {"TARGET": "0.51"}}, ["TARGET", "fractional", "0.51"]),
    ("fractional CNT_CHILDREN", {4: {"CNT_CHILDREN": "1.7"}}, ["CNT_CHILDREN", "1.7"]),
    ("inf amount", {5: {"AMT_CREDIT": "inf"}}, ["AMT_CREDIT", "infinite"]),
    ("1e400 amount", {6: {"AMT_ANNUITY": "1e400"}}, ["AMT_ANNUITY", "infinite"]),
    ("NaN literal", {7: {"EXT_SOURCE_2": "NaN"}}, ["EXT_SOURCE_2", "NaN"]),
]


@pytest.mark.parametrize(
    ("edits", "expected"), [c[1:] for c in NUMBER_CASES], ids=[c[0] for c in NUMBER_CASES]
)
def test_numbers_that_types_would_round_fail_the_load(
    resources, instance, lake, landing: Path, edits, expected
):
    ids = set_fields(landing / SNAPSHOT, TRAIN, edits)
    result = _load(resources, instance)
    assert not result.success
    message, meta = _failure(result)
    assert len(message) <= MESSAGE_MAX
    for fragment in ["raw/application_train", *expected, ids[0]]:
        assert fragment in message
    (problem,) = meta["bad_numbers"]
    assert problem["column"] == next(iter(edits[next(iter(edits))]))
    assert problem["rows"] == 1 and problem["example_ids"] == ids
    assert not lake.exists(raw_path("application_train"), SNAPSHOT)


def test_integral_decimals_in_integer_columns_load_as_integers(resources, instance, landing):
    """A CSV has no number types: '2.0' is the integer 2 (how pandas writes nullable ints)."""
    set_fields(landing / SNAPSHOT, TRAIN, {0: {"CNT_CHILDREN": "2.0"}, 1: {"TARGET": "1.0"}})
    assert _load(resources, instance).success


def test_gzip_named_csv_says_so(resources, instance, landing: Path, fix_manifest):
    folder = landing / SNAPSHOT
    path = folder / "bureau.csv"
    path.write_bytes(gzip.compress(path.read_bytes()))
    fix_manifest(folder)
    message, meta = _failure(_load(resources, instance, "bureau"))
    assert "bureau.csv is gzip-compressed" in message and meta["detected"] == "gzip"


def test_latin1_file_says_it_is_not_utf8(resources, instance, landing: Path, fix_manifest):
    folder = landing / SNAPSHOT
    path = folder / "previous_application.csv"
    lines = path.read_bytes().split(b"\n")
    at = lines[2].index(b"a")  # a letter of a category, as "é" in a Latin-1 export
    lines[2] = lines[2][:at] + b"\xe9" + lines[2][at + 1 :]
    path.write_bytes(b"\n".join(lines))
    fix_manifest(folder)
    message, meta = _failure(_load(resources, instance, "previous_application"))
    assert "previous_application.csv is not UTF-8" in message and "line 3" in message
    assert meta["line"] == 3 and meta["file"] == "previous_application.csv"


def test_file_listed_in_md5sums_but_missing_fails_the_snapshot(
    resources, instance, lake, landing: Path
):
    folder = landing / SNAPSHOT
    (folder / "credit_card_balance.csv").unlink()  # MD5SUMS still lists it
    for table in ("credit_card_balance", "application_train"):
        message, meta = _failure(_load(resources, instance, table))
        assert "MD5SUMS lists ['credit_card_balance.csv']" in message
        assert meta["listed_but_missing"] == ["credit_card_balance.csv"]
        assert not lake.exists(raw_path(table), SNAPSHOT)


def test_extra_md5sums_line_for_a_nonexistent_file_fails(resources, instance, landing: Path):
    folder = landing / SNAPSHOT
    with (folder / "MD5SUMS").open("a") as fh:
        fh.write(f"{'0' * 32}  credit_bureau_extra.csv\n")
    message, meta = _failure(_load(resources, instance, "bureau"))
    assert "credit_bureau_extra.csv" in message
    assert meta["listed_but_missing"] == ["credit_bureau_extra.csv"]


def test_table_file_not_declared_in_md5sums_fails(resources, instance, landing: Path):
    folder = landing / SNAPSHOT
    manifest = (folder / "MD5SUMS").read_text().splitlines()
    kept = [ln for ln in manifest if not ln.endswith(" bureau.csv")]
    (folder / "MD5SUMS").write_text("\n".join(kept) + "\n")
    message, meta = _failure(_load(resources, instance, "bureau_balance"))
    assert meta["present_but_not_listed"] == ["bureau.csv"] and "not listed" in message


# ------------------------------------------------------------------ value checks after loading
@dg.asset(
    key=["probe", "downstream"],
    deps=[raw_key("application_train"), raw_key("application_test")],
    partitions_def=snapshot_partitions,
)
def downstream() -> dg.MaterializeResult:
    """Stands in for the feature store: must not run after a failed blocking check."""
    return dg.MaterializeResult()


def _run_checks(resources, instance) -> tuple[dg.ExecuteInProcessResult, dict]:
    register_snapshot(instance, SNAPSHOT)
    selection = dg.AssetSelection.assets(
        raw_key("application_train"), raw_key("application_test"), "probe/downstream"
    )
    defs = dg.Definitions.merge(
        ingest_defs,
        dg.Definitions(
            assets=[downstream],
            resources=resources,
            jobs=[dg.define_asset_job("probe", selection=selection)],
        ),
    )
    result = defs.resolve_job_def("probe").execute_in_process(
        partition_key=SNAPSHOT, instance=instance, raise_on_error=False
    )
    checks = {
        f"{e.asset_key.path[-1]}:{e.check_name}": e for e in result.get_asset_check_evaluations()
    }
    return result, checks


def _downstream_ran(result: dg.ExecuteInProcessResult) -> bool:
    keys = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    return "probe/downstream" in keys


BOUND_CASES = [
    ("absurd amount", {2: {"AMT_CREDIT": "1e300"}}, "AMT_CREDIT"),
    ("external score above 1", {3: {"EXT_SOURCE_1": "50"}}, "EXT_SOURCE_1"),
    ("birth in the future", {4: {"DAYS_BIRTH": "1200"}}, "DAYS_BIRTH"),
    ("negative id", {5: {"SK_ID_CURR": "-5"}}, "SK_ID_CURR"),
    ("too many children", {6: {"CNT_CHILDREN": "400"}}, "CNT_CHILDREN"),
    ("unknown category", {7: {"ORGANIZATION_TYPE": "Spaceport"}}, "ORGANIZATION_TYPE"),
    ("null TARGET", {8: {"TARGET": ""}}, "TARGET"),
    ("null SK_ID_CURR", {9: {"SK_ID_CURR": ""}}, "SK_ID_CURR"),
    ("null integer", {10: {"CNT_CHILDREN": ""}}, "CNT_CHILDREN"),
]


@pytest.mark.parametrize(
    ("edits", "column"), [c[1:] for c in BOUND_CASES], ids=[c[0] for c in BOUND_CASES]
)
def test_implausible_values_fail_the_contract_naming_column_and_rows(
    resources, instance, landing: Path, edits, column
):
    (bad_id,) = set_fields(landing / SNAPSHOT, TRAIN, edits)
    result, checks = _run_checks(resources, instance)
    check = checks["application_train:contract"]
    assert not check.passed and not _downstream_ran(result)
    assert len(check.description) <= MESSAGE_MAX and column in check.description
    failures = check.metadata["failures"].value
    json.dumps(failures)  # plain JSON whatever the data held
    (failure,) = [f for f in failures if f["column"] == column]
    assert failure["failing_rows"] == 1
    if column != "SK_ID_CURR":
        assert failure["example_SK_ID_CURR"] == [int(bad_id)]
        assert str(bad_id) in check.description
    if column == "ORGANIZATION_TYPE":
        assert "Hotel" in failure["allowed_values"] and "Hotel" not in check.description


def test_test_ids_reused_from_train_fail_a_blocking_raw_check(resources, instance, landing: Path):
    folder = landing / SNAPSHOT
    train_ids = [r.split(",")[0] for r in (folder / TRAIN).read_text().splitlines()[1:4]]
    set_fields(
        folder, "application_test.csv", {i: {"SK_ID_CURR": v} for i, v in enumerate(train_ids)}
    )
    result, checks = _run_checks(resources, instance)
    check = checks["application_test:id_overlap"]
    assert not check.passed and not _downstream_ran(result)
    assert check.metadata["overlapping_ids"].value == 3
    assert check.metadata["example_ids"].value == sorted(int(i) for i in train_ids)
    assert "also in raw/application_train" in check.description


def test_clean_snapshot_passes_the_new_checks(resources, instance):
    result, checks = _run_checks(resources, instance)
    assert result.success and _downstream_ran(result)
    assert checks["application_test:id_overlap"].passed
    profile = checks["application_train:profile"]
    assert profile.passed and "no earlier snapshot" in profile.description


def test_latin1_byte_deep_in_a_large_file_says_it_is_not_utf8(
    resources, instance, lake, landing: Path, fix_manifest
):
    """Past the first MiB the sniffing stops; DuckDB's reader finds it and the line is named."""
    folder = landing / SNAPSHOT
    path = folder / "credit_card_balance.csv"
    data = path.read_bytes()
    assert len(data) > 1 << 20
    at = data.rindex(b"Active")
    path.write_bytes(data[:at] + b"Activ\xe9" + data[at + 6 :])
    fix_manifest(folder)
    message, meta = _failure(_load(resources, instance, "credit_card_balance"))
    assert "credit_card_balance.csv is not UTF-8" in message and len(message) <= MESSAGE_MAX
    assert meta["first_bad_lines"][0]["line"] == data[:at].count(b"\n") + 1
    assert not lake.exists(raw_path("credit_card_balance"), SNAPSHOT)


def test_a_check_that_errors_reports_a_failed_evaluation_instead_of_crashing():
    from creditrisk_assets.ingest.snapshot_checks import never_crash

    @never_crash("bureau", "contract")
    def evaluate() -> dg.AssetCheckResult:
        raise TypeError("boolean value of NA is ambiguous")

    result = evaluate()
    assert result.passed is False and result.severity == dg.AssetCheckSeverity.ERROR
    assert "raw/bureau: the contract check could not evaluate" in result.description
    assert "TypeError" in result.metadata["error"].value
