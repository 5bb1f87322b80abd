"""The operator CLI against a real (temporary) Dagster instance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from creditrisk_assets import cli


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_add_snapshot_then_status(dagster_home: Path, capsys: pytest.CaptureFixture) -> None:
    cli.main(["add-snapshot", "2026-11-01"])
    cli.main(["add-snapshot", "2026-11-01"])
    cli.main(["status"])
    out = capsys.readouterr().out
    assert "snapshot 2026-11-01 registered" in out
    assert "was already registered" in out
    assert "snapshots: 2026-11-01" in out
    assert "raw data: never ingested (SLA 36 h)" in out
    assert "champion: v none" in out


def test_bad_snapshot_key_is_refused(dagster_home: Path) -> None:
    with pytest.raises(ValueError, match="not a real date"):
        cli.main(["add-snapshot", "2026-02-30"])


def test_job_command_is_the_documented_cli() -> None:
    cmd = cli.job_command("all_assets", "2026-11-01")
    assert cmd[1:7] == ["job", "execute", "-m", "creditrisk_assets.definitions", "-j", "all_assets"]
    assert json.loads(cmd[-1]) == {"dagster/partition": "2026-11-01"}


def test_demo_progress_is_one_line_per_asset_step_of_a_real_run(
    tmp_path: Path, small_snapshot_dir: Path, lake, warehouse
) -> None:
    """The raw half of the graph, run for real; its events as ``make demo`` prints them."""
    import shutil

    import dagster as dg

    from creditrisk_assets.demo_progress import DEMO_TAG, follow
    from creditrisk_assets.ingest import defs as ingest_defs
    from creditrisk_assets.ingest.source import SnapshotSource
    from creditrisk_assets.partitions import register_snapshot
    from creditrisk_assets.schema import RAW_TABLES

    landing = tmp_path / "landing"
    shutil.copytree(small_snapshot_dir, landing / "2026-11-01")
    resources = {
        "source": SnapshotSource(kind="landing", landing_dir=str(landing)),
        "lake": lake,
        "warehouse": warehouse,
    }
    defs = dg.Definitions.merge(
        ingest_defs,
        dg.Definitions(resources=resources, jobs=[dg.define_asset_job("raw", selection="*")]),
    )
    with dg.instance_for_test() as instance:
        register_snapshot(instance, "2026-11-01")
        result = defs.resolve_job_def("raw").execute_in_process(
            partition_key="2026-11-01", instance=instance, tags={DEMO_TAG: "t1"}
        )
        lines: list[str] = []
        progress = follow(instance, "t1", lambda: False, lines.append)
        all_events = len(instance.all_logs(result.run_id))
    rows = {
        e.asset_key.path[-1]: e.materialization.metadata["dagster/row_count"].value
        for e in result.get_asset_materialization_events()
    }
    assert len(lines) == len(RAW_TABLES)  # one per asset step; passing checks print nothing
    for table in RAW_TABLES:
        [line] = [x for x in lines if f"raw/{table} " in x]
        assert line.startswith("  ok   ") and f"{rows[table]:,} rows" in line and " s " in line
    checks = result.get_asset_check_evaluations()
    assert progress.finished and progress.succeeded
    assert progress.summary().startswith(f"checks: {len(checks)} passed, 0 warned, 0 failed")
    assert all_events > 10 * len(lines)  # the full log stays in the instance


def test_demo_output_stays_under_sixty_lines() -> None:
    """Framing + one line per asset step of the whole graph (+ a few failed-check lines)."""
    from creditrisk_assets.definitions import defs

    graph = defs.resolve_job_def(cli.WHOLE_GRAPH_JOB).asset_layer.asset_graph
    # one step per materializing assets definition (a multi-asset is one step, one line)
    asset_steps = {graph.get(key).assets_def.op.name for key in graph.materializable_asset_keys}
    assert len(asset_steps) >= 15  # the whole graph, or the bound below would mean nothing
    framing = 2 + 1 + 1 + len(cli.where_to_look("2026-11-01", 3000).splitlines())
    assert framing + len(asset_steps) + 5 < 60, (framing, sorted(asset_steps))
