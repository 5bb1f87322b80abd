"""``make prod-local-stop`` where nothing runs says so, instead of a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "prod_local.py"


def test_stop_without_a_topology_is_a_no_op(tmp_path: Path) -> None:
    for folder in (tmp_path, tmp_path / "never-created"):
        out = subprocess.run(
            [sys.executable, str(SCRIPT), "stop", "--dir", str(folder)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        assert "nothing to stop" in out.stdout
        assert not (folder / "topology.json").exists()
