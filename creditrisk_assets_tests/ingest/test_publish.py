"""Staged publishing: a snapshot folder is replaced whole or not at all, never left half-written."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from creditrisk_assets.ingest.connectors.publish import folder_lock, lock_file, staged_folder


def test_a_finished_stage_replaces_the_folder_and_leaves_no_staging(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "2026-11-01"
    folder.mkdir(parents=True)
    (folder / "old.csv").write_text("old")
    with staged_folder(folder, "downloading") as staging:
        assert staging.parent == folder.parent and staging.name.startswith(".")
        assert list(staging.iterdir()) == []
        (staging / "new.csv").write_text("new")
        assert (folder / "old.csv").is_file()  # readers still see the old folder meanwhile
    assert sorted(p.name for p in folder.iterdir()) == ["new.csv"]
    assert [p.name for p in folder.parent.iterdir()] == ["2026-11-01"]


def test_a_failed_stage_keeps_the_old_folder_and_removes_the_staging(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "2026-11-01"
    folder.mkdir(parents=True)
    (folder / "old.csv").write_text("old")
    with pytest.raises(RuntimeError, match="transfer broke"), staged_folder(folder, "x") as st:
        (st / "half.csv").write_text("ha")
        raise RuntimeError("transfer broke")
    assert sorted(p.name for p in folder.iterdir()) == ["old.csv"]
    assert [p.name for p in folder.parent.iterdir()] == ["2026-11-01"]


def test_the_lock_lets_one_writer_in_at_a_time(tmp_path: Path) -> None:
    lock = lock_file(tmp_path / "cache" / "2026-11-01")
    assert lock == tmp_path / "cache" / ".2026-11-01.lock"
    inside: list[int] = []
    overlaps: list[int] = []

    def write(n: int) -> None:
        with folder_lock(lock):
            if inside:
                overlaps.append(n)
            inside.append(n)
            time.sleep(0.02)
            inside.remove(n)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []
