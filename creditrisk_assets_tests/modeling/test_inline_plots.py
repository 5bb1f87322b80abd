"""Evaluation plots render in the Dagster UI's metadata table with no server path (issue 23)."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest

from creditrisk_assets.modeling.inline_plots import (
    GALLERY_LIMIT,
    INLINE_LIMIT,
    curve_markdown,
    evaluation_curves,
    gallery_markdown,
)
from creditrisk_assets.modeling.plots import evaluation_plots


def _scores(n: int = 5000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    p = rng.beta(1, 8, n)
    return (rng.random(n) < p).astype(int), p


def test_curves_fit_the_uis_inline_limit_and_are_valid_svg() -> None:
    y, p = _scores()
    curves = evaluation_curves(y, p, "test")
    assert set(curves) == {"roc_curve", "ks_curve", "calibration_curve"}
    for text in curves.values():
        assert len(text) < INLINE_LIMIT < 1000
        data = text.split("data:image/svg+xml;base64,", 1)[1].rstrip(")")
        svg = base64.b64decode(data).decode()
        assert svg.startswith("<svg") and svg.endswith("</svg>") and "<polyline" in svg
    assert "AUC 0." in base64.b64decode(curves["roc_curve"].split(",", 1)[1][:-1]).decode()


def test_a_curve_is_thinned_until_it_fits() -> None:
    x = np.linspace(0, 1, 10_000)
    text = curve_markdown("many points", "label", [(x, x**2), (x, np.sqrt(x))])
    assert len(text) < INLINE_LIMIT
    with pytest.raises(ValueError, match="no inline rendering"):
        curve_markdown("x" * 2000, "label", [(x, x)])


def test_the_full_gallery_is_compressed_png(tmp_path: Path) -> None:
    y, p = _scores()
    plots = evaluation_plots(y, p, tmp_path, "test", 0.15)
    text = gallery_markdown(plots)
    raw = sum(len(base64.b64encode(path.read_bytes())) for path in plots.values())
    assert text.count("data:image/png;base64,") == 4
    assert len(text) < min(GALLERY_LIMIT, raw * 0.7)  # the palette re-encoding pays off
    assert str(tmp_path) not in text  # no server path in what the UI shows
