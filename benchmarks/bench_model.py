"""Benchmark of the modeling domain (issue 6): quality against the oracle, real data, speed.

    .venv/bin/python benchmarks/bench_model.py                     # 100k synthetic + real sample
    .venv/bin/python benchmarks/bench_model.py --scale 312000      # + full-scale training time
    .venv/bin/python benchmarks/bench_model.py --applicants 20000 --no-resampling   # quick look

For each snapshot it generates (or reuses) Kaggle CSVs under ``--work`` (default
/tmp/creditrisk-bench-model, never the repo), runs the real pipeline with a throw-away state
folder (raw/* and features/* assets, then ``train_job``: candidate, MLflow registration,
evaluation, checks) and reports:

1. synthetic ``--applicants``: test AUC of the candidate vs the oracle AUC (the generator's
   TRUE_PD on the same test rows), application-only vs all features, and the resampling options
   (none / undersample / SMOTE: AUC, ECE, log loss, Brier, fit time);
2. the real application sample as an application-only snapshot (history tables absent);
3. ``--scale``: wall time of the ``model/candidate`` step on ~0.8 x N train rows.

Wall time and peak RSS are printed per stage; the figures replace the ``## Model (issue 6)``
section of benchmarks/RESULTS.md (``--no-write`` to only print).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

from results_md import bench_parser, publish

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Model (issue 6)"
SNAPSHOT = "2026-11-01"
REAL_SAMPLE = Path("/work/shared/data/homecredit-real/application_sample/application_train.csv")


def rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg} (peak RSS {rss_gib():.2f} GiB)", flush=True)


def make_snapshot(work: Path, name: str, applicants: int) -> Path:
    """Generated Kaggle CSVs for ``applicants`` (cached across runs by folder name)."""
    from creditrisk_assets.synthetic import generate_snapshot

    folder = work / "snapshots" / name / SNAPSHOT
    if not (folder / "oracle_true_pd.csv").is_file():
        start = time.perf_counter()
        shutil.rmtree(folder, ignore_errors=True)
        generate_snapshot(folder, snapshot=SNAPSHOT, applicants=applicants, seed=7)
        log(f"generated {applicants} applicants in {time.perf_counter() - start:.0f} s")
    return folder


def run_pipeline(snapshot_dir: Path, state: Path) -> dict:
    """raw/* + features/* then train_job on one snapshot; returns timings and lake paths."""
    import dagster as dg

    from creditrisk_assets import features, ingest, keys, modeling
    from creditrisk_assets.ingest.source import SnapshotSource
    from creditrisk_assets.modeling import train_job
    from creditrisk_assets.modeling.registry import ModelRegistry
    from creditrisk_assets.partitions import register_snapshot, snapshot_partitions
    from creditrisk_assets.resources import Lake, Warehouse

    shutil.rmtree(state, ignore_errors=True)
    landing = state / "landing"
    landing.mkdir(parents=True)
    (landing / SNAPSHOT).symlink_to(snapshot_dir)
    resources = {
        "source": SnapshotSource(kind="landing", landing_dir=str(landing)),
        "lake": Lake(base_uri=str(state / "lake")),
        "warehouse": Warehouse(catalog_path=str(state / "catalog.duckdb")),
        "registry": ModelRegistry(tracking_uri=f"sqlite:///{state / 'mlflow' / 'mlflow.db'}"),
    }
    prep = dg.define_asset_job(
        "bench_prep",
        selection=dg.AssetSelection.groups(keys.RAW, keys.FEATURES),
        partitions_def=snapshot_partitions,
    )
    all_defs = dg.Definitions.merge(
        ingest.defs, features.defs, modeling.defs, dg.Definitions(jobs=[prep], resources=resources)
    )
    out: dict = {"lake": resources["lake"], "registry": resources["registry"]}
    with dg.instance_for_test() as instance:
        register_snapshot(instance, SNAPSHOT)
        for name in ("bench_prep", train_job.name):
            start = time.perf_counter()
            result = all_defs.resolve_job_def(name).execute_in_process(
                instance=instance, partition_key=SNAPSHOT, raise_on_error=False
            )
            out[f"seconds_{name}"] = time.perf_counter() - start
            steps = {
                e.step_key: e.event_specific_data.duration_ms / 1000
                for e in result.all_events
                if e.event_type_value == "STEP_SUCCESS"
            }
            out.setdefault("steps", {}).update(steps)
            failed = [e.step_key for e in result.get_step_failure_events()]
            if failed:  # a failed blocking check is reported, not fatal for the benchmark
                out.setdefault("failed_steps", []).extend(failed)
            log(f"{name}: {out[f'seconds_{name}']:.0f} s, failed steps {failed}")
        out["checks"] = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    return out


def evaluate_options(lake, work_label: str, resampling: bool) -> dict:
    """Application-only vs all features, and the resampling options, on the lake's splits."""
    import numpy as np

    from creditrisk_assets.features.spec import FeatureSpec
    from creditrisk_assets.keys import FEATURES_TEST, FEATURES_TRAIN
    from creditrisk_assets.modeling import metrics as m
    from creditrisk_assets.modeling.stored import load_spec, read_features
    from creditrisk_assets.modeling.training import TrainParams, train_model

    spec = load_spec(lake, SNAPSHOT)
    train = read_features(lake, FEATURES_TRAIN, SNAPSHOT, spec)
    test = read_features(lake, FEATURES_TEST, SNAPSHOT, spec)
    y = test["TARGET"].to_numpy()
    app_spec = FeatureSpec(
        features=tuple(f for f in spec.features if f.source == "application"),
        sql_files=spec.sql_files,
    )
    rows = {}
    options = [("all features, none", spec, TrainParams())]
    if len(app_spec.features) < len(spec.features):
        options.append(("application only, none", app_spec, TrainParams()))
    if resampling:
        for how in ("undersample", "smote"):
            options.append((f"all features, {how}", spec, replace(TrainParams(), resampling=how)))
    for label, s, params in options:
        start = time.perf_counter()
        result = train_model(train, s, params)
        secs = time.perf_counter() - start
        p = result.model.predict_pd(test)
        rows[label] = {
            "auc": m.roc_auc(y, p),
            "ece": m.expected_calibration_error(y, p),
            "log_loss": m.log_loss(y, p),
            "brier": m.brier(y, p),
            "mean_pd": float(np.mean(p)),
            "trees": result.best_iteration + 1,
            "seconds": secs,
            "features": len(s.features),
        }
        log(f"{work_label} {label}: {rows[label]}")
    return rows


def oracle_auc(lake, snapshot_dir: Path) -> tuple[float, float, int]:
    """(model AUC, oracle AUC) on the test predictions' rows, and their count."""
    import pandas as pd

    from creditrisk_assets.keys import TEST_PREDICTIONS, lake_path
    from creditrisk_assets.modeling import metrics as m
    from creditrisk_assets.modeling.prediction import PD_COLUMN

    preds = pd.read_parquet(lake.local_path(lake_path(TEST_PREDICTIONS), SNAPSHOT))
    oracle = pd.read_csv(snapshot_dir / "oracle_true_pd.csv")
    joined = preds.merge(oracle, on="SK_ID_CURR", how="inner", validate="one_to_one")
    if len(joined) != len(preds):
        raise RuntimeError(f"oracle lacks {len(preds) - len(joined)} test rows")
    y = joined["TARGET"].to_numpy()
    return m.roc_auc(y, joined[PD_COLUMN]), m.roc_auc(y, joined["TRUE_PD"]), len(joined)


def real_snapshot(work: Path) -> Path:
    """The real application sample as a snapshot: application_train only, no history."""
    folder = work / "snapshots" / "real" / SNAPSHOT
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "application_train.csv"
    if not target.exists():
        shutil.copyfile(REAL_SAMPLE, target)
    return folder


def main() -> None:
    ap = bench_parser(
        "model", 100_000, description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    ap.add_argument("--scale", type=int, default=0, help="applicants for the timing run (0: skip)")
    ap.add_argument("--no-resampling", action="store_true")
    ap.add_argument("--no-real", action="store_true")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ["CREDITRISK_HOME"] = str(args.work / "home")  # nothing touches the repo
    lines = []
    load = os.getloadavg()

    snap = make_snapshot(args.work, f"synthetic-{args.applicants}", args.applicants)
    res = run_pipeline(snap, args.work / f"state-{args.applicants}")
    model_auc, oracle, n_test = oracle_auc(res["lake"], snap)
    test = res["lake"].read_json("model/test_metrics", SNAPSHOT, "metrics.json")
    train = res["lake"].read_json("model/train_metrics", SNAPSHOT, "metrics.json")
    log(
        f"synthetic: model AUC {model_auc:.4f}, oracle {oracle:.4f}, ratio {model_auc / oracle:.4f}"
    )
    options = evaluate_options(res["lake"], "synthetic", not args.no_resampling)
    lines += [
        f"### Synthetic snapshot, {args.applicants:,} applicants (seed 7)",
        "",
        f"`train_job` (candidate + MLflow + evaluation + checks): "
        f"{res['seconds_train_job']:.0f} s; `model/candidate` step "
        f"{res['steps'].get('model__candidate', float('nan')):.0f} s; ingest + features "
        f"{res['seconds_bench_prep']:.0f} s. Checks: "
        + ", ".join(f"{k} {'pass' if v else 'FAIL'}" for k, v in sorted(res["checks"].items())),
        "",
        f"| metric (test, {n_test:,} rows) | value |",
        "|---|---|",
        f"| candidate AUC | {model_auc:.4f} |",
        f"| oracle AUC (generator's TRUE_PD, same rows) | {oracle:.4f} |",
        f"| **ratio (target >= 0.97)** | **{model_auc / oracle:.4f}** |",
        f"| train AUC (gap) | {train['auc']:.4f} ({train['auc'] - test['auc']:+.4f}) |",
    ]
    lines += [f"| {k} | {test[k]:.4f} |" for k in ("gini", "ks", "pr_auc", "brier", "log_loss")]
    lines += [
        f"| ECE | {test['ece']:.4f} |",
        f"| approval rate / bad rate among approved at PD < {test['pd_cutoff']:g} | "
        f"{test['approval_rate']:.3f} / {test['bad_rate_approved']:.4f} (base rate "
        f"{test['base_rate']:.4f}) |",
        "",
        "Feature sets and resampling (same train/test split; fit = early-stopped XGBoost):",
        "",
        "| model | features | test AUC | ECE | log loss | Brier | mean PD | trees | fit s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in options.items():
        lines.append(
            f"| {label} | {r['features']} | {r['auc']:.4f} | {r['ece']:.4f} | "
            f"{r['log_loss']:.4f} | {r['brier']:.4f} | {r['mean_pd']:.4f} | {r['trees']} | "
            f"{r['seconds']:.0f} |"
        )
    lines.append("")

    if not args.no_real and REAL_SAMPLE.is_file():
        real = run_pipeline(real_snapshot(args.work), args.work / "state-real")
        rt = real["lake"].read_json("model/test_metrics", SNAPSHOT, "metrics.json")
        rtrain = real["lake"].read_json("model/train_metrics", SNAPSHOT, "metrics.json")
        log(f"real: test AUC {rt['auc']:.4f} on {rt['rows']:.0f} rows")
        lines += [
            "### Real application sample (application-only snapshot)",
            "",
            f"`{REAL_SAMPLE}` as the only table of a snapshot: test AUC **{rt['auc']:.4f}** on "
            f"{rt['rows']:.0f} test rows (train AUC {rtrain['auc']:.4f}, ECE {rt['ece']:.4f}, "
            f"KS {rt['ks']:.4f}); `train_job` {real['seconds_train_job']:.0f} s. Checks: "
            + ", ".join(
                f"{k} {'pass' if v else 'FAIL'}" for k, v in sorted(real["checks"].items())
            ),
            "",
        ]

    if args.scale:
        big = make_snapshot(args.work, f"synthetic-{args.scale}", args.scale)
        res_big = run_pipeline(big, args.work / f"state-{args.scale}")
        rows = res_big["lake"].read_json("model/train_metrics", SNAPSHOT, "metrics.json")["rows"]
        cand = res_big["steps"].get("model__candidate", float("nan"))
        log(f"scale: model/candidate {cand:.0f} s on {rows:.0f} train rows")
        lines += [
            f"### Full-scale training ({args.scale:,} applicants)",
            "",
            f"`model/candidate` on {rows:,.0f} train rows: **{cand:.0f} s** (target <= 600 s), "
            f"whole `train_job` {res_big['seconds_train_job']:.0f} s.",
            "",
        ]

    lines += [
        f"Machine: {os.cpu_count()} cores, 24 GB RAM, Python {platform.python_version()}; "
        f"load average at start {load[0]:.1f} (other engineers' jobs share the 2 cores, so "
        f"times are upper bounds). Peak RSS of the benchmark process {rss_gib():.1f} GiB.",
    ]
    section = HEADING + "\n\n`benchmarks/bench_model.py`\n\n" + "\n".join(lines) + "\n"
    publish(section, HEADING, write=not args.no_write)


if __name__ == "__main__":
    sys.exit(main())
