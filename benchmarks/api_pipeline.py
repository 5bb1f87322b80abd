"""Setup of the scoring API benchmark from the pipeline's own champion (``bench_api.py``).

Not timed. ``pipeline_champion`` runs what ``make demo`` runs (``creditrisk_assets.cli demo``:
``dagster job execute -j all_assets`` on a synthetic snapshot) in its own ``CREDITRISK_HOME``
under ``--work``, once per applicant count (a ``done`` marker keeps it for later runs), so the
API serves the champion the deploy step set, trained by ``model/candidate`` with the project's
defaults. The benchmark's request bodies come from that home: feature rows from the lake's
feature store (in the model's feature order), and for ``/score`` the raw records of 20 applicants
with about 50 history rows each from the snapshot's CSVs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from api_setup import ROOT, SNAPSHOT, _records, score_applicant

#: Different applicants the /score load sends in turn.
SCORE_APPLICANTS = 20


def pipeline_champion(work: Path, applicants: int) -> dict[str, Any]:
    """The demo's state folder for ``applicants`` (built if missing) and the bodies' inputs."""
    home = work / f"pipeline-{applicants}"
    env = {**os.environ, "CREDITRISK_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    for var in ("MLFLOW_TRACKING_URI", "CREDITRISK_LAKE_URI", "CREDITRISK_API_KEY"):
        env.pop(var, None)
    if not (home / "done").exists():
        shutil.rmtree(home, ignore_errors=True)
        (home / "dagster").mkdir(parents=True)
        shutil.copy(ROOT / "dagster.yaml", home / "dagster" / "dagster.yaml")
        cmd = [sys.executable, "-m", "creditrisk_assets.cli", "demo", "--snapshot", SNAPSHOT]
        started = time.perf_counter()
        subprocess.run([*cmd, "--applicants", str(applicants)], env=env, cwd=ROOT, check=True)
        took = time.perf_counter() - started
        print(f"pipeline (make demo, {applicants:,} applicants): {took:.0f} s")
        (home / "done").write_text("ok\n")
    return {"home": home, "env": env, **_inputs(home, env)}


def _inputs(home: Path, env: dict[str, str]) -> dict[str, Any]:
    """Champion facts, feature rows and /score applicants, read in a child process (the
    registry and settings read the environment, which must be the demo home's)."""
    out = home / "bench-inputs.json"
    if not out.exists():
        code = "import sys; sys.path.insert(0, 'benchmarks'); import api_pipeline as p; p._write()"
        subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)
    import json

    return json.loads(out.read_text())


def _write() -> None:
    """In the demo home's environment: write ``bench-inputs.json`` (see ``_inputs``)."""
    import json

    from creditrisk_assets import settings
    from creditrisk_assets.modeling.registry import CHAMPION
    from creditrisk_assets.schema import HISTORY_TABLES
    from creditrisk_assets.wiring import default_resources

    home = settings.state_dir()
    registry = default_resources()["registry"]
    version = registry.get_alias_version(CHAMPION)
    model = registry.load(version)
    folder = home / "bench-model"
    shutil.rmtree(folder, ignore_errors=True)
    model.save(folder)  # the same model file, for the peer
    parts = sorted((home / "lake" / "features" / "feature_store").glob("**/*.parquet"))
    store = pd.concat(pd.read_parquet(part) for part in parts)
    x = model.matrix(store.head(20_000))
    names = model.spec.names
    rows = [
        {n: (None if np.isnan(v) else float(v)) for n, v in zip(names, r, strict=True)} for r in x
    ]
    records = _records(home / "snapshots" / SNAPSHOT)
    app = records["application_train"]
    counts = pd.Series(0, index=app["SK_ID_CURR"])
    for name in HISTORY_TABLES:
        if "SK_ID_CURR" in records[name].columns:
            counts = counts.add(records[name]["SK_ID_CURR"].value_counts(), fill_value=0)
    owner = records["bureau"].set_index("SK_ID_BUREAU")["SK_ID_CURR"]  # bureau_balance's
    balance = records["bureau_balance"]["SK_ID_BUREAU"].map(owner).value_counts()
    counts = counts.add(balance, fill_value=0).reindex(app["SK_ID_CURR"])
    # /score bodies: the 20 applicants nearest 50 history records, sent in turn, as a stream
    # of different applicants (the API batches waiting requests unless they share an id)
    nearest = (counts - 50).abs().sort_values(kind="stable").index[:SCORE_APPLICANTS]
    applicants = [score_applicant(records, int(sk_id)) for sk_id in nearest]
    sizes = [sum(len(v) for v in a["history"].values()) for a in applicants]
    booster = model.booster
    facts = {
        "version": str(version),
        "trees": booster.num_boosted_rounds(),
        "n_features": len(names),
        "model_file": str(next(folder.glob("*.ubj"))),
        "feature_names": names,
        "feature_rows": rows,
        "applicants": applicants,
        "history_records": [min(sizes), max(sizes)],
    }
    (home / "bench-inputs.json").write_text(json.dumps(facts))
