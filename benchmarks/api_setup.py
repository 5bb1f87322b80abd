"""Setup of the scoring API benchmark (``bench_api.py``), none of it timed: a synthetic
snapshot, its features through ``features_for_records`` (the serving SQL path), a champion
trained with ``train_model`` and default ``TrainParams``, registered in a throw-away MLflow
store, and the uvicorn server process that ``make serve`` runs (on a free loopback port; its
memory is read from ``/proc``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from api_load import HOST

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = "2026-11-01"


def _records(snapshot_dir: Path) -> dict[str, pd.DataFrame]:
    from creditrisk_assets.schema import HISTORY_TABLES, table_spec

    dtypes = {"int": "Int64", "float": "float64", "str": "object"}
    return {
        name: pd.read_csv(
            snapshot_dir / table_spec(name).file,
            dtype={c.name: dtypes[c.dtype] for c in table_spec(name).columns},
        )
        for name in ("application_train", *HISTORY_TABLES)
    }


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in frame.to_dict(orient="records")
    ]


def build_champion(work: Path, applicants: int) -> dict[str, Any]:
    """Snapshot -> features (serving SQL) -> trained, registered champion; returns the setup."""
    from creditrisk_assets.features.catalog import build_spec
    from creditrisk_assets.features.sql_files import SQL_FILES
    from creditrisk_assets.modeling.training import TrainParams, train_model
    from creditrisk_assets.schema import HISTORY_TABLES
    from creditrisk_assets.serving.feature_sessions import features_for_records
    from creditrisk_assets.synthetic import generate_snapshot

    cache = work / f"setup-{applicants}"
    if (cache / "setup.json").exists():
        return _register(work, cache, json.loads((cache / "setup.json").read_text()))
    snap = work / f"snapshot-{applicants}"
    if not (snap / "application_train.csv").exists():
        generate_snapshot(snap, snapshot=SNAPSHOT, applicants=applicants, seed=7)
    records = _records(snap)
    app = records["application_train"]
    t = time.perf_counter()
    feats = features_for_records(app, {n: records[n] for n in HISTORY_TABLES})
    print(f"features for {len(app)} applicants via the serving SQL: {time.perf_counter() - t:.1f}s")
    spec = build_spec(["SK_ID_CURR", *feats.columns], SQL_FILES)
    frame = feats.reset_index().merge(app[["SK_ID_CURR", "TARGET"]], on="SK_ID_CURR")
    t = time.perf_counter()
    result = train_model(frame, spec, TrainParams(), partition=SNAPSHOT)
    trees = result.best_iteration + 1
    took = time.perf_counter() - t
    print(f"champion: {trees} trees, {len(spec.names)} features, trained in {took:.1f}s")
    shutil.rmtree(cache, ignore_errors=True)
    result.model.save(cache / "model")
    # One applicant with about 50 history records, in the /score request shape.
    counts = pd.Series(0, index=app["SK_ID_CURR"])
    for name in HISTORY_TABLES:
        if "SK_ID_CURR" in records[name].columns:
            counts = counts.add(records[name]["SK_ID_CURR"].value_counts(), fill_value=0)
    counts = counts.reindex(app["SK_ID_CURR"])  # history also covers application_test ids
    applicant = score_applicant(records, int((counts - 50).abs().idxmin()))
    history = applicant["history"]
    feats[spec.names].to_parquet(cache / "features.parquet")
    setup = {
        "trees": trees,
        "n_features": len(spec.names),
        "applicant": applicant,
        "history_records": sum(len(v) for v in history.values()),
    }
    (cache / "setup.json").write_text(json.dumps(setup))
    return _register(work, cache, setup)


def score_applicant(records: dict[str, pd.DataFrame], sk_id: int) -> dict[str, Any]:
    """Applicant ``sk_id`` of ``application_train`` in the ``/score`` request shape: its
    application row (the columns ``application_test`` has) and every history record of it,
    bureau balances through its bureau credits."""
    from creditrisk_assets.schema import HISTORY_TABLES, table_spec

    app = records["application_train"]
    bureau = records["bureau"][records["bureau"]["SK_ID_CURR"] == sk_id]
    history = {}
    for name in HISTORY_TABLES:
        f = records[name]
        rows = (
            f[f["SK_ID_BUREAU"].isin(bureau["SK_ID_BUREAU"])]
            if name == "bureau_balance"
            else f[f["SK_ID_CURR"] == sk_id]
        )
        history[name] = _json_rows(rows)
    app_cols = table_spec("application_test").column_names
    return {
        "application": _json_rows(app[app["SK_ID_CURR"] == sk_id][app_cols])[0],
        "history": history,
    }


def _register(work: Path, cache: Path, setup: dict[str, Any]) -> dict[str, Any]:
    """Register the cached champion in a fresh MLflow store; add the feature rows."""
    from creditrisk_assets.modeling.registry import ModelRegistry
    from creditrisk_assets.modeling.scoring_model import artifact_checksum

    state = work / "state"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    uri = f"sqlite:///{state / 'mlflow.db'}"
    registry = ModelRegistry(tracking_uri=uri, artifact_root=str(state / "artifacts"))
    folder = cache / "model"
    with registry.candidate_run("bench-api") as run:
        info = registry.register(run, folder, artifact_checksum(folder), {"partition": SNAPSHOT})
    registry.set_alias("champion", info.version)
    rows = _json_rows(pd.read_parquet(cache / "features.parquet"))
    return {**setup, "state": state, "uri": uri, "feature_rows": rows}


def start_server(
    setup: dict[str, Any], env_overrides: dict[str, str | None] | None = None
) -> tuple[subprocess.Popen, str]:
    """``make serve``'s uvicorn on a free loopback port; ``env_overrides`` sets variables (None
    unsets one, leaving the API's default)."""
    env = {
        **os.environ,
        "CREDITRISK_HOME": str(setup["state"]),
        "MLFLOW_TRACKING_URI": setup["uri"],
        "CREDITRISK_API_POLL_SECONDS": "300",
        "CREDITRISK_API_MAX_BODY_BYTES": str(128 * 1024 * 1024),  # 10k `rows` objects: ~70 MB
    }
    env.pop("CREDITRISK_API_KEY", None)
    for name, value in (env_overrides or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    # ready within 300 s: start-up takes minutes on a loaded 2-core machine
    return serve_api(env, ROOT)


def free_port() -> int:
    """A loopback port nothing listens on (the OS's pick)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def serve_uvicorn(
    app: list[str],
    env: dict[str, str],
    cwd: Path,
    ready: str,
    seconds: float,
    name: str | None = None,
) -> tuple[subprocess.Popen, str]:
    """``uvicorn --factory <app...>``, one worker on a free loopback port, once ``ready`` (a
    path) answers 200 (``wait_ready``); returns the process and its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "--factory", *app, *_listen(port)]
    return _start(cmd, env, cwd, port, ready, seconds, name or app[0])


def serve_api(
    env: dict[str, str], cwd: Path, ready: str = "/ready", seconds: float = 300
) -> tuple[subprocess.Popen, str]:
    """The scoring API as ``make serve`` starts it (``serving/launch.py``: uvicorn, one worker,
    the allocator ``CREDITRISK_API_ALLOCATOR`` names)."""
    port = free_port()
    cmd = [sys.executable, "-m", "creditrisk_assets.serving.launch", *_listen(port)]
    return _start(cmd, env, cwd, port, ready, seconds, "creditrisk_assets.serving.launch")


def _listen(port: int) -> list[str]:
    return ["--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log"]


def _start(
    cmd: list[str], env: dict[str, str], cwd: Path, port: int, ready: str, seconds: float, name: str
) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(cmd, env=env, cwd=cwd)
    url = f"http://{HOST}:{port}"
    wait_ready(proc, f"{url}{ready}", seconds, name=name)
    return proc, url


def status_kib(pid: int, field: str) -> int:
    """``field`` (``VmRSS``, ``VmHWM``, ...) of ``/proc/<pid>/status``, in kB as Linux gives it."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def wait_ready(proc: subprocess.Popen, probe: str, seconds: float, name: str | None = None) -> None:
    """Poll ``probe`` until it answers 200; raise (and stop ``proc``) if the server exits or
    is not ready within ``seconds``. ``name`` says which server in the error (default: the
    program ``proc`` ran)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(probe, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{name or proc.args[0]} exited during start-up")
        time.sleep(0.25)
    proc.terminate()
    raise RuntimeError(f"{probe} not ready within {seconds:.0f} s")
