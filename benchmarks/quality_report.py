"""The markdown of ``bench_model_quality.py``: each target MET/MISSED with the figures behind
it, for the console and for the ``## Model quality (issue 21)`` section of RESULTS.md.

Why a module: the wording of a verdict is reviewed on its own (what is compared, with what
spread), apart from the runs that produce the numbers.
"""

from __future__ import annotations

import numpy as np
from bench_model import REAL_SAMPLE


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def report_real(r: dict, folds: int, repeats: int) -> list[str]:
    a = r["aucs"]
    diff = a["candidate"] - a["baseline"]
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    ok = a["candidate"].mean() >= a["baseline"].mean() + 0.005
    line = (
        f"real: candidate {a['candidate'].mean():.4f} vs baseline {a['baseline'].mean():.4f} "
        f"+ 0.005 -> {verdict(ok)} (diff {diff.mean():+.4f} +/- {se:.4f} s.e.; ratio "
        f"{a['candidate'].mean() / a['baseline'].mean():.4f})"
    )
    print(line, flush=True)
    out = [
        f"### Real application rows, {folds}-fold CV x {repeats} repeats",
        "",
        f"{r['rows']:,} labelled applicants ({r['defaults']} defaults) of `{REAL_SAMPLE}`, "
        f"through the project's ingest and feature SQL (application-only snapshot, "
        f"{r['features']} features, {r['monotone']} with a declared direction); the same "
        f"{folds * repeats} stratified folds for every model.",
        "",
        "| model | mean AUC | std over folds |",
        "|---|---|---|",
    ]
    labels = {
        "candidate": "candidate (`train_model`, default `TrainParams`)",
        "baseline": "baseline XGBoost, fixed settings, raw columns without protected ones",
        "baseline_all": "baseline XGBoost, fixed settings, all raw columns (reference)",
        "scorecard": "scorecard challenger (WOE logistic, default settings)",
    }
    for k, label in labels.items():
        out.append(f"| {label} | {a[k].mean():.4f} | {a[k].std(ddof=1):.4f} |")
    out += [
        "",
        f"**Target: candidate >= baseline + 0.005: {verdict(ok)}** - paired difference "
        f"{diff.mean():+.4f} (s.e. {se:.4f} over folds; candidate/baseline "
        f"{a['candidate'].mean() / a['baseline'].mean():.4f}). Candidate vs all-column "
        f"baseline {(a['candidate'] - a['baseline_all']).mean():+.4f}; candidate vs scorecard "
        f"Gini gap {2 * (a['candidate'] - a['scorecard']).mean():+.4f}. Candidate trees by "
        f"{'/'.join(sorted(r['rounds_by']))}: median {int(np.median(r['rounds']))} "
        f"(range {min(r['rounds'])}-{max(r['rounds'])}); fit {np.mean(r['seconds']):.1f} s "
        "per fold including the CV.",
        "",
    ]
    return out


def report_synthetic(s: dict, applicants: int) -> list[str]:
    rows = s["rows"]
    default = rows["defaults, monotone"]
    free = rows["defaults, no monotone"]
    cost = free["auc"] - default["auc"]
    ok = default["ratio"] >= 0.99
    print(
        f"synthetic: AUC {default['auc']:.4f} / oracle {s['oracle']:.4f} = "
        f"{default['ratio']:.4f} >= 0.99 -> {verdict(ok)}; monotone cost {cost:+.4f} "
        f"(<= 0.002 -> {verdict(cost <= 0.002)})",
        flush=True,
    )
    out = [
        f"### Synthetic snapshot, {applicants:,} applicants (seed 7)",
        "",
        f"{s['train_rows']:,} train rows (trees by early stopping on the inner slice, then the "
        "defaults refit every train row on the features with 95 % of the gain), "
        f"{s['test_rows']:,} "
        f"test rows, {s['features']} features ({s['monotone']} constrained). Oracle AUC "
        f"(generator's TRUE_PD, same test rows) {s['oracle']:.4f}.",
        "",
        "| settings | test AUC | / oracle | trees | fit s |",
        "|---|---|---|---|---|",
    ]
    for label, r in rows.items():
        out.append(
            f"| {label} | {r['auc']:.4f} | {r['ratio']:.4f} | {r['trees']} | {r['seconds']:.0f} |"
        )
    out += [
        "",
        f"**Target AUC >= 0.99 x oracle: {verdict(ok)}** ({default['ratio']:.4f}). "
        f"**Monotone constraints cost {cost:+.4f} AUC** (expected <= 0.002: "
        f"{verdict(cost <= 0.002)}). Scorecard challenger on the same split: AUC "
        f"{s['scorecard']['auc']:.4f} (Gini gap {2 * (default['auc'] - s['scorecard']['auc']):+.4f}"
        f"), fitted in {s['scorecard']['seconds']:.0f} s.",
        "",
    ]
    return out
