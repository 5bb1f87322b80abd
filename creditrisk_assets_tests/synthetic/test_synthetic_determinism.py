"""Same inputs, same bytes; a crash leaves nothing that looks complete; the CLI works."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import creditrisk_assets.synthetic as synthetic
from creditrisk_assets.synthetic import generate_snapshot


def _md5s(summary: dict) -> dict[str, str]:
    return {name: info["md5"] for name, info in summary["files"].items()}


def test_same_inputs_give_identical_bytes(tmp_path: Path) -> None:
    a = generate_snapshot(tmp_path / "a", "2026-11-01", 400, seed=3)
    b = generate_snapshot(tmp_path / "b", "2026-11-01", 400, seed=3)
    assert _md5s(a) == _md5s(b)
    assert a["oracle"]["md5"] == b["oracle"]["md5"]
    assert (tmp_path / "a" / "MD5SUMS").read_bytes() == (tmp_path / "b" / "MD5SUMS").read_bytes()


def test_seed_and_snapshot_change_the_bytes(tmp_path: Path) -> None:
    a = _md5s(generate_snapshot(tmp_path / "a", "2026-11-01", 400, seed=3))
    b = _md5s(generate_snapshot(tmp_path / "b", "2026-11-01", 400, seed=4))
    c = _md5s(generate_snapshot(tmp_path / "c", "2026-12-01", 400, seed=3))
    for name in a:
        assert a[name] != b[name], name
        assert a[name] != c[name], name


def test_crash_leaves_no_complete_looking_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synthetic.intercept()  # calibrate (cached) before build_chunk starts failing
    calls = {"n": 0}
    real = synthetic.build_chunk

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:  # pilot, first chunk, then boom
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(synthetic, "build_chunk", failing)
    monkeypatch.setattr(synthetic, "CHUNK_APPLICANTS", 200)
    with pytest.raises(RuntimeError, match="disk on fire"):
        generate_snapshot(tmp_path / "out", "2026-11-01", 500)
    assert list((tmp_path / "out").iterdir()) == []


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_snapshot(tmp_path, "2026-13-01", 100)
    with pytest.raises(ValueError):
        generate_snapshot(tmp_path, "2026-11-01", 100, drift=1.5)
    with pytest.raises(ValueError):
        generate_snapshot(tmp_path, "2026-11-01", 0)


def test_cli_writes_a_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "snap"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "creditrisk_assets.synthetic",
            "--snapshot",
            "2026-11-01",
            "--applicants",
            "300",
            "--drift",
            "0.2",
            "--seed",
            "5",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    summary = json.loads(proc.stdout)
    assert summary["applicants"] == 300 and summary["drift"] == 0.2
    assert "[synthetic]" in proc.stderr
    assert (out / "MD5SUMS").is_file() and (out / "application_train.csv").is_file()
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "creditrisk_assets.synthetic",
            "--snapshot",
            "11/01/2026",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
