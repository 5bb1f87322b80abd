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
