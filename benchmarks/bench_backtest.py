"""Backtest against the oracle at a lender's size: issue 17's scenario, through the CLI.

The scenario test (``creditrisk_assets_tests/monitoring/test_backtest_scenario.py``) runs on
5,000 applicants, where a champion trained on ~4,000 rows sits ~0.025-0.04 AUC below the
generator's true PD, so it can only hold the backtest within 0.05 of the oracle. Here the same
story runs at a realistic size, as a user would run it, in a fresh state folder:

1. snapshot A (synthetic source, every unlabelled applicant of A matures into B):
   ``dagster job execute -j all_assets`` trains, promotes and batch-scores champion v1, whose
   batch decisions go to the decision log;
2. snapshot B: ``-j ingest_job``, then ``dagster asset materialize`` of ``monitoring/backtest``:
   v1's logged PDs meet the outcomes matured in B.

Baseline, in the same run: the generator's true PD (the oracle) on exactly the applicants the
backtest matched. Printed: both AUCs, their gap and ratio, the backtest's confidence interval and
per-grade table, and the wall time of each command. Target (issue 17): gap <= 0.02.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from pipeline_runs import BIN, ROOT
from timed_run import timed

A, B = "2026-11-01", "2026-12-15"
GAP_TARGET = 0.02


def _home(work: Path, applicants: int, seed: int) -> dict[str, str]:
    """A fresh state folder with the synthetic source, as a user's shell would export it."""
    home = work / "state"
    shutil.rmtree(home, ignore_errors=True)
    (home / "dagster").mkdir(parents=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster" / "dagster.yaml")
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CREDITRISK_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "CREDITRISK_SOURCE": "synthetic",
        "CREDITRISK_SYNTHETIC_APPLICANTS": str(applicants),
        "CREDITRISK_SYNTHETIC_SEED": str(seed),
        "CREDITRISK_SYNTHETIC_OVERLAP": "1.0",
        "CREDITRISK_SYNTHETIC_MATURITY_LAG_DAYS": "30",
    }


def _run(name: str, cmd: list[str], env: dict[str, str], logs: Path) -> float:
    result = timed(name, cmd, env, logs / f"{name}.log")
    if result.rc != 0:
        raise SystemExit(f"{name} failed (rc {result.rc}); see {logs / f'{name}.log'}")
    return result.wall


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "creditrisk_assets.cli", *args]


def _job(job: str, partition: str) -> list[str]:
    cmd = [str(BIN / "dagster"), "job", "execute", "-m", "creditrisk_assets.definitions"]
    return [*cmd, "-j", job, "--tags", json.dumps({"dagster/partition": partition})]


def _compare(home: Path) -> dict:
    """The backtest report of B, and the oracle's AUC on the applicants it matched."""
    import duckdb
    import pandas as pd

    from creditrisk_assets.modeling.metrics import roc_auc
    from creditrisk_assets.monitoring.backtest import matured_decisions
    from creditrisk_assets.resources.lake import Lake
    from creditrisk_assets.synthetic import ORACLE_FILE

    lake = Lake(base_uri=str(home / "lake"))
    report = lake.read_json("monitoring/backtest", B, "backtest.json")
    v1 = next(v for v in report["versions"] if v["model_version"] == report["primary"])
    with duckdb.connect() as con:
        train_b = lake.local_path("raw/application_train", B)
        matched = matured_decisions(con, lake.base_uri, train_b, B)
    oracle = pd.read_csv(home / "snapshots" / B / ORACLE_FILE).set_index("SK_ID_CURR")
    ids = matched["applicant_id"].to_numpy()
    oracle_auc = roc_auc(matched["target"].to_numpy(), oracle.loc[ids, "TRUE_PD"].to_numpy())
    return {"report": report, "v1": v1, "oracle_auc": oracle_auc, "matched": len(matched)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--applicants", type=int, default=60_000, help="per snapshot")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--work", type=Path, default=None, help="default: a temp dir, removed after")
    args = p.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_backtest_"))
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = _home(work, args.applicants, args.seed)
    home = Path(env["CREDITRISK_HOME"])
    print(f"{args.applicants:,} applicants per snapshot, seed {args.seed}; work {work}")
    walls = {}
    try:
        _run("add-A", _cli("add-snapshot", A), env, logs)
        walls["all_assets A"] = _run("all_assets-A", _job("all_assets", A), env, logs)
        _run("add-B", _cli("add-snapshot", B), env, logs)
        walls["ingest_job B"] = _run("ingest-B", _job("ingest_job", B), env, logs)
        materialize = [str(BIN / "dagster"), "asset", "materialize", "-m"]
        materialize += ["creditrisk_assets.definitions", "--select", "monitoring/backtest"]
        walls["backtest B"] = _run("backtest-B", [*materialize, "--partition", B], env, logs)
        got = _compare(home)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    v1, oracle_auc = got["v1"], got["oracle_auc"]
    auc = v1["auc"]["value"]
    gap = oracle_auc - auc
    print(f"\nbacktest of champion v{v1['model_version']} on {v1['n']:,} matured decisions")
    print(f"  AUC {auc:.4f} (95 % CI {v1['auc']['ci_low']:.4f}-{v1['auc']['ci_high']:.4f})")
    print(f"  oracle (true PD) on the same {got['matched']:,} applicants: {oracle_auc:.4f}")
    verdict = "MET" if gap <= GAP_TARGET else "MISSED"
    print(f"  gap {gap:.4f} (target <= {GAP_TARGET}): {verdict}; ratio {auc / oracle_auc:.4f}")
    print(f"  status {got['report']['status']}; grades:")
    for g in v1["calibration_by_grade"]:
        print(f"    {json.dumps(g)}")
    print("wall: " + ", ".join(f"{k} {v:.0f} s" for k, v in walls.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
