"""Plots of the validation pack, as inline ``data:`` PNG URIs (matplotlib, Agg backend).

Why inline: the pack is one HTML file a validator opens offline, archives and checksums; a
linked image would break the checksum's meaning and need a network or a folder beside it.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from creditrisk_assets.lazy_imports import pyplot as plt
from creditrisk_assets.lazy_imports import stats


def _png_uri(fig: plt.Figure) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    # no Software/date metadata: the same figures give the same bytes (and pack checksum)
    fig.savefig(buf, format="png", dpi=80, metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def calibration_plot(rows: Sequence[Mapping[str, Any]]) -> str:
    """Observed default rate (with its 95% Jeffreys interval) against mean PD per grade, on
    log axes, with the diagonal: a grade above the line has its PD underestimated."""
    grades = [str(r["grade"]) for r in rows]
    mean_pd = np.array([float(r["mean_pd"]) for r in rows])
    n = np.array([float(r["n"]) for r in rows])
    d = np.array([float(r["defaults"]) for r in rows])
    observed = d / np.maximum(n, 1)
    low = stats.beta.ppf(0.025, d + 0.5, n - d + 0.5)
    high = stats.beta.ppf(0.975, d + 0.5, n - d + 0.5)
    floor = max(1e-4, float(np.min(mean_pd[mean_pd > 0])) / 2) if (mean_pd > 0).any() else 1e-4
    shown = np.maximum(observed, floor)
    # the interval may miss the drawn point: a grade with no default is drawn at the floor, and
    # one where every row defaulted has its upper bound below the observed rate of 1
    below = np.clip(shown - np.maximum(low, floor), 0.0, None)
    above = np.clip(np.maximum(high, floor) - shown, 0.0, None)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.errorbar(
        mean_pd,
        shown,
        yerr=[below, above],
        fmt="o",
        capsize=3,
    )
    for x, y, g in zip(mean_pd, shown, grades, strict=True):
        ax.annotate(g, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    lim = [floor, 1.0]
    ax.plot(lim, lim, "k--", lw=0.8)
    ax.set(xscale="log", yscale="log", xlabel="Mean PD", ylabel="Observed default rate")
    ax.set_title("Calibration per grade (95% Jeffreys intervals)")
    return _png_uri(fig)


def grade_distribution_plot(rows: Sequence[Mapping[str, Any]]) -> str:
    """Share of the sample in each grade (concentration at a glance)."""
    grades = [str(r["grade"]) for r in rows]
    n = np.array([float(r["n"]) for r in rows])
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar(grades, n / max(n.sum(), 1))
    ax.set(xlabel="Grade", ylabel="Share of applicants", title="Grade distribution")
    return _png_uri(fig)
