"""Plots a person sees on the asset's page in the Dagster UI, with no file on any server.

The UI renders a Markdown metadata value inline in the metadata table only while it is shorter
than 1,000 characters; longer values hide behind a "[Show Markdown]" link. So each evaluation
curve is published twice:

- ``curve_markdown``: a small SVG (about 160 px) as a base64 data URI, kept under
  ``INLINE_LIMIT`` characters by thinning the curve: visible on the page as it loads;
- ``gallery_markdown``: the full matplotlib PNGs (``plots.py``), re-encoded with a 64-colour
  palette so the whole gallery stays small in the event log (``GALLERY_LIMIT``), one click away.

The Dagster UI's Markdown renderer allows ``data:`` image sources (its sanitizer adds ``data``
to the allowed ``src`` protocols), so neither needs a path to the server's disk.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from creditrisk_assets.modeling import metrics

#: The UI shows Markdown metadata inline below 1,000 characters; keep a margin.
INLINE_LIMIT = 990
#: Largest gallery (all plots of one split) written into one materialization event.
GALLERY_LIMIT = 120_000
_COLOURS = ("#1f77b4", "#d62728")
_POINTS = (32, 24, 16, 12, 8)


def _thin(x: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of the curve, evenly spaced along x (the curve interpolated)."""
    order = np.argsort(x, kind="stable")
    xs, ys = np.asarray(x, float)[order], np.asarray(y, float)[order]
    grid = np.linspace(xs.min(), xs.max(), n) if len(xs) else xs
    return grid, np.interp(grid, xs, ys) if len(xs) else ys


def _polyline(x: np.ndarray, y: np.ndarray, colour: str) -> str:
    pts = " ".join(f"{round(100 * a)},{round(100 - 100 * b)}" for a, b in zip(x, y, strict=True))
    return f"<polyline points='{pts}' fill='none' stroke='{colour}' stroke-width='2'/>"


#: Where a curve's label goes: the corner its curves leave empty.
CORNERS = {"top-left": (4, 12), "bottom-left": (4, 95), "bottom-right": (40, 95)}


def _svg(body: str, label: str, corner: str, diagonal: bool) -> str:
    x, y = CORNERS[corner]
    ref = "<path d='M0 100L100 0' stroke='#bbb' stroke-dasharray='3'/>" if diagonal else ""
    return (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='-2 -2 104 104' width='160' "
        f"height='160'><rect width='100' height='100' fill='#fff' stroke='#aaa'/>{ref}{body}"
        f"<text x='{x}' y='{y}' font-size='10' font-family='sans-serif'>{label}</text></svg>"
    )


def _markdown(alt: str, svg: str) -> str:
    data = base64.b64encode(svg.encode()).decode()
    return f"![{alt}](data:image/svg+xml;base64,{data})"


def curve_markdown(
    alt: str,
    label: str,
    curves: Sequence[tuple[np.ndarray, np.ndarray]],
    scale: float = 1.0,
    corner: str = "top-left",
    diagonal: bool = True,
) -> str:
    """Markdown showing ``curves`` (x, y in [0, scale]) as one small SVG (``label`` in
    ``corner``, the y = x reference if ``diagonal``), thinned until it fits ``INLINE_LIMIT``;
    ValueError if even the sparsest version does not."""
    for n in _POINTS:
        body = "".join(
            _polyline(*_thin(np.asarray(x) / scale, np.asarray(y) / scale, n), colour)
            for (x, y), colour in zip(curves, _COLOURS, strict=False)
        )
        text = _markdown(alt, _svg(body, label, corner, diagonal))
        if len(text) < INLINE_LIMIT:
            return text
    raise ValueError(f"{alt}: no inline rendering under {INLINE_LIMIT} characters")


def evaluation_curves(y: np.ndarray, p: np.ndarray, split: str) -> dict[str, str]:
    """The inline curves of one split: ROC, KS, calibration (metadata name -> Markdown)."""
    fpr, tpr, thr = metrics.roc_curve(y, p)
    ks = float(np.max(tpr - fpr)) if len(tpr) else 0.0
    x = np.clip(thr, 0, 1)
    mean_p, rate, _ = metrics.calibration_bins(y, p, n_bins=10)
    top = float(max(mean_p.max(), rate.max(), 0.05))
    ece = metrics.expected_calibration_error(y, p)
    return {
        "roc_curve": curve_markdown(
            f"ROC ({split})",
            f"AUC {metrics.roc_auc(y, p):.3f}",
            [(fpr, tpr)],
            corner="bottom-right",
        ),
        "ks_curve": curve_markdown(
            f"KS ({split}): cumulative shares of defaults (blue) and non-defaults (red) by PD",
            f"KS {ks:.3f}",
            [(x, tpr), (x, fpr)],
            corner="bottom-left",
            diagonal=False,
        ),
        "calibration_curve": curve_markdown(
            f"Calibration ({split}): observed default rate against mean PD, 10 bins",
            f"ECE {ece:.3f} (max {top:.2f})",
            [(mean_p, rate)],
            scale=top,
        ),
    }


def _palette_png(path: Path) -> bytes:
    """The PNG re-encoded with an adaptive 64-colour palette (line plots lose nothing visible)."""
    from PIL import Image  # matplotlib's own dependency

    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=64)
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def gallery_markdown(plots: dict[str, Path]) -> str:
    """All plots of a split as inline PNGs in one Markdown value, under ``GALLERY_LIMIT``
    (ValueError otherwise: a bloated event log is a bug to notice, not to ship)."""
    parts = []
    for name, path in plots.items():
        data = base64.b64encode(_palette_png(path)).decode()
        parts.append(f"**{name}**\n\n![{name}](data:image/png;base64,{data})")
    text = "\n\n".join(parts)
    if len(text) > GALLERY_LIMIT:
        raise ValueError(f"plot gallery is {len(text)} characters, over {GALLERY_LIMIT}")
    return text
