"""Evaluation plots as PNG files (matplotlib, Agg backend: no display needed).

Each function writes one file and returns its path; the assets log the files to the MLflow run
and show them in the Dagster UI as inline images (``inline_plots``), never as server paths.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from creditrisk_assets.lazy_imports import pyplot as plt
from creditrisk_assets.modeling import metrics


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def roc_plot(y: np.ndarray, p: np.ndarray, path: Path, title: str) -> Path:
    fpr, tpr, _ = metrics.roc_curve(y, p)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot(fpr, tpr, label=f"AUC {metrics.roc_auc(y, p):.3f}")
    ax.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax.set(xlabel="False positive rate", ylabel="True positive rate", title=title)
    ax.legend(loc="lower right")
    return _save(fig, path)


def ks_plot(y: np.ndarray, p: np.ndarray, path: Path, title: str) -> Path:
    fpr, tpr, thr = metrics.roc_curve(y, p)
    i = int(np.argmax(tpr - fpr))
    x = np.clip(thr, 0, 1)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot(x, tpr, label="defaults (cum. share above PD)")
    ax.plot(x, fpr, label="non-defaults")
    ax.vlines(x[i], fpr[i], tpr[i], colors="k", linestyles=":", label=f"KS {tpr[i] - fpr[i]:.3f}")
    ax.set(xlabel="PD threshold", ylabel="Cumulative share", title=title)
    ax.legend(loc="upper right", fontsize=8)
    return _save(fig, path)


def calibration_plot(y: np.ndarray, p: np.ndarray, path: Path, title: str) -> Path:
    mean_p, rate, counts = metrics.calibration_bins(y, p, n_bins=10)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    top = float(max(mean_p.max(), rate.max(), 0.05))
    ax.plot([0, top], [0, top], "k--", lw=0.8)
    ax.scatter(mean_p, rate, s=10 + 200 * counts / counts.max())
    ece = metrics.expected_calibration_error(y, p)
    ax.set(
        xlabel="Mean PD in bin", ylabel="Observed default rate", title=f"{title} (ECE {ece:.3f})"
    )
    return _save(fig, path)


def pd_distribution_plot(
    y: np.ndarray, p: np.ndarray, path: Path, title: str, cutoff: float
) -> Path:
    fig, ax = plt.subplots(figsize=(4.5, 4))
    bins = np.linspace(0, float(np.quantile(p, 0.995)) + 1e-6, 40)
    ax.hist(p[y == 0], bins=bins, alpha=0.6, density=True, label="TARGET = 0")
    ax.hist(p[y == 1], bins=bins, alpha=0.6, density=True, label="TARGET = 1")
    ax.axvline(cutoff, color="k", ls=":", label=f"cut-off {cutoff:g}")
    ax.set(xlabel="PD", ylabel="Density", title=title)
    ax.legend(fontsize=8)
    return _save(fig, path)


def evaluation_plots(
    y: np.ndarray, p: np.ndarray, folder: Path, split: str, cutoff: float
) -> dict[str, Path]:
    """The four standard plots for one split, written to ``folder``."""
    return {
        "roc": roc_plot(y, p, folder / f"{split}_roc.png", f"ROC ({split})"),
        "ks": ks_plot(y, p, folder / f"{split}_ks.png", f"KS ({split})"),
        "calibration": calibration_plot(
            y, p, folder / f"{split}_calibration.png", f"Calibration ({split})"
        ),
        "pd_distribution": pd_distribution_plot(
            y, p, folder / f"{split}_pd_distribution.png", f"PD by class ({split})", cutoff
        ),
    }
