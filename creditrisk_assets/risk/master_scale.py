"""The rating master scale: one definition of what each risk grade means, in PD terms.

Why: a grade is how risk is communicated and aggregated (limits, pricing, capital, reporting),
so it must mean the same PD band whichever model version produced the PD, and every scorer
(test predictions, batch scores, decision log, API) must grade with the same, versioned scale.
Fixed PD bands (not score quantiles) keep grades comparable over time; roughly geometric
edges give each grade a similar *relative* width, which is how PD uncertainty behaves.

The scale is data (``master_scale.json``); :meth:`MasterScale.geometric` builds other
configurations (a bank's own scale) for tests or a custom profile. PDs are floored (default
5 bp, the regulatory PD floor for retail exposures) before they are graded or reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

SCALE_FILE = Path(__file__).with_name("master_scale.json")


@dataclass(frozen=True)
class MasterScale:
    """Performing grades ``labels`` (safest first) with PD upper bounds ``upper_pd`` (the last
    is 1.0), a default grade for defaulted obligors, and the PD floor."""

    version: str
    labels: tuple[str, ...]
    upper_pd: tuple[float, ...]
    pd_floor: float = 0.0005
    default_label: str = "D"

    def __post_init__(self) -> None:
        edges = np.asarray(self.upper_pd, dtype=float)
        if len(self.labels) != len(edges) or len(edges) < 2:
            raise ValueError("a master scale needs one upper PD per grade, and two grades or more")
        if not (np.all(np.diff(edges) > 0) and edges[-1] == 1.0):
            raise ValueError("upper PDs must increase strictly and end at 1.0")
        if not 0.0 < self.pd_floor < edges[0]:
            raise ValueError("the PD floor must be positive and below the first grade's upper PD")
        if len(set(self.labels)) != len(self.labels) or self.default_label in self.labels:
            raise ValueError("grade labels must be distinct, the default grade's included")

    @classmethod
    def geometric(
        cls,
        version: str,
        n_grades: int = 10,
        pd_floor: float = 0.0005,
        ratio: float = 2.0,
        default_label: str = "D",
    ) -> MasterScale:
        """Grades 1..n whose upper PDs are ``pd_floor * ratio**k`` (k = 1..n-1), then 1.0."""
        uppers = [pd_floor * ratio**k for k in range(1, n_grades)]
        if uppers[-1] >= 1.0:
            raise ValueError("pd_floor * ratio**(n_grades-1) must stay below 1")
        labels = tuple(str(i) for i in range(1, n_grades + 1))
        return cls(version, labels, (*uppers, 1.0), pd_floor, default_label)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MasterScale:
        return cls(
            version=str(data["version"]),
            labels=tuple(data["labels"]),
            upper_pd=tuple(float(u) for u in data["upper_pd"]),
            pd_floor=float(data["pd_floor"]),
            default_label=str(data["default_label"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "labels": list(self.labels),
            "upper_pd": list(self.upper_pd),
            "pd_floor": self.pd_floor,
            "default_label": self.default_label,
        }

    @property
    def all_labels(self) -> tuple[str, ...]:
        """Every grade in risk order: the performing ones, then the default grade."""
        return (*self.labels, self.default_label)

    @property
    def lower_pd(self) -> tuple[float, ...]:
        """Lower PD bound of each performing grade (the first is the floor)."""
        return (self.pd_floor, *self.upper_pd[:-1])

    def central_pd(self) -> np.ndarray:
        """Geometric mid-point of each performing grade's band (its representative PD)."""
        return np.sqrt(np.asarray(self.lower_pd) * np.asarray(self.upper_pd))

    def floor_pd(self, pd_values: npt.ArrayLike) -> np.ndarray:
        """PDs raised to the floor (float64); NaN or values outside [0, 1] are refused."""
        arr = np.asarray(pd_values, dtype=float)
        bad = ~((arr >= 0.0) & (arr <= 1.0))
        if bad.any():
            first = np.flatnonzero(bad.ravel())[:5].tolist()
            raise ValueError(f"PD values must be probabilities in [0, 1]; bad at positions {first}")
        return np.maximum(arr, self.pd_floor)

    def grade_index(
        self, pd_values: npt.ArrayLike, defaulted: npt.ArrayLike | None = None
    ) -> np.ndarray:
        """Position in :attr:`all_labels` of each PD's grade (floored first); rows flagged
        ``defaulted`` get the default grade whatever their PD."""
        floored = self.floor_pd(pd_values)
        idx = np.searchsorted(np.asarray(self.upper_pd[:-1]), floored, side="right")
        if defaulted is not None:
            idx = np.where(np.asarray(defaulted, dtype=bool), len(self.labels), idx)
        return idx

    def grade(self, pd_values: npt.ArrayLike, defaulted: npt.ArrayLike | None = None) -> np.ndarray:
        """Grade label of each PD (object array), vectorised with ``np.searchsorted``: a PD
        equal to a grade's upper bound belongs to the next grade (bands are [lower, upper))."""
        return np.asarray(self.all_labels, dtype=object)[self.grade_index(pd_values, defaulted)]

    def table(self) -> list[dict[str, Any]]:
        """The scale as rows (grade, lower PD, upper PD, central PD) for reports."""
        centre = self.central_pd()
        rows = [
            {"grade": g, "lower_pd": lo, "upper_pd": up, "central_pd": float(c)}
            for g, lo, up, c in zip(self.labels, self.lower_pd, self.upper_pd, centre, strict=True)
        ]
        rows.append(
            {"grade": self.default_label, "lower_pd": 1.0, "upper_pd": 1.0, "central_pd": 1.0}
        )
        return rows


@cache
def load_scale(path: str | Path = SCALE_FILE) -> MasterScale:
    """The versioned master scale (``master_scale.json`` unless another file is named)."""
    return MasterScale.from_dict(json.loads(Path(path).read_text()))


def scale_version(path: str | Path = SCALE_FILE) -> str:
    """The version string every graded output carries."""
    return load_scale(path).version
