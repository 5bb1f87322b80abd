"""The scorecard challenger: WOE-binned logistic regression, scaled to points (issue 21).

Why beside every XGBoost candidate: a risk team defends a model by what it gains over the
traditional scorecard a regulator already understands. The gap between the two Ginis on the
same test rows is that gain; a candidate that does not beat its scorecard is not worth its
opacity.

How, on the candidate's own train split:

1. Screen: a quick information value (IV) per model feature (deciles plus a missing bin; each
   category for categoricals); the ``max_characteristics`` strongest with IV >= ``min_iv``
   go on. (Optimal binning of all ~330 store features would take minutes.)
2. Bin: optbinning's optimal binning, numeric characteristics with a monotone event-rate trend
   (``auto_asc_desc``: the solver picks the direction), at least ``min_bin_share`` of rows per
   bin; a missing bin of its own.
3. Fit: logistic regression on the WOE values; characteristics whose coefficient has the wrong
   sign (collinearity) are dropped and the rest refitted, as scorecard practice does.
4. Scale: score = offset + factor x ln(good:bad odds), factor = PDO / ln 2, offset =
   base_points - factor x ln(base_odds): by default 600 points at 50:1 and 20 points to double
   the odds. Each bin's points are its share of that sum.

Above ``max_rows`` train rows a stratified, seeded sample is fitted: 100,000 rows bin as well
as 250,000, and the candidate step stays within its full-scale time budget.

No protected attribute: the features are the spec's (already cleared by the protected
policy), and the risk domain's policy is applied again here, so a characteristic computed from
sex or marital status can never enter even from a hand-made spec. The result is a plain table
(JSON, and a CSV for people): scoring reads the table, never a pickle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from creditrisk_assets.features.spec import FeatureSpec

#: WOE here is optbinning's: ln(share of goods / share of bads); higher = safer.
_SMOOTH = 0.5


@dataclass(frozen=True)
class ScorecardParams:
    """Scaling and fitting settings (``CandidateConfig`` documents each one)."""

    pdo: float = 20.0
    base_points: float = 600.0
    base_odds: float = 50.0
    max_characteristics: int = 12
    min_iv: float = 0.02
    min_bin_share: float = 0.05
    max_bins: int = 8
    regularisation_c: float = 1.0
    max_rows: int = 100_000
    seed: int = 7


def information_value(x: np.ndarray, y: np.ndarray, categorical: bool) -> float:
    """IV of one column over deciles (or its categories) plus a missing bin; 0.5 smoothing."""
    missing = np.isnan(x)
    if categorical:
        _, idx = np.unique(np.where(missing, -1.0, x), return_inverse=True)
    else:
        edges = np.unique(np.nanquantile(x, np.linspace(0.1, 0.9, 9))) if (~missing).any() else []
        idx = np.where(missing, len(edges) + 1, np.searchsorted(edges, x, side="right"))
    bads = np.bincount(idx, weights=y) + _SMOOTH
    goods = np.bincount(idx, weights=1 - y) + _SMOOTH
    g, b = goods / goods.sum(), bads / bads.sum()
    return float(np.sum((g - b) * np.log(g / b)))


def _bin_table(name: str, kind: str, x: np.ndarray, y: np.ndarray, p: ScorecardParams) -> dict:
    """Optimal (numeric: monotone) binning of one characteristic, as plain bins with WOE."""
    from optbinning import OptimalBinning  # lazy: the code location loads without it

    numeric = kind == "numeric"
    ob = OptimalBinning(
        name=name,
        dtype="numerical" if numeric else "categorical",
        solver="cp",
        monotonic_trend="auto_asc_desc" if numeric else None,
        min_bin_size=p.min_bin_share,
        max_n_bins=p.max_bins,
    )
    ob.fit(x, y)
    table = ob.binning_table.build()
    n_regular = len(ob.splits) + 1 if numeric else len(ob.splits)
    bins = []
    for i in range(n_regular):
        row = table.iloc[i]
        entry: dict[str, Any] = {"woe": float(row["WoE"]), "count": int(row["Count"])}
        entry["event_rate"] = float(row["Event rate"])
        if numeric:
            entry["lower"] = float(ob.splits[i - 1]) if i > 0 else None
            entry["upper"] = float(ob.splits[i]) if i < len(ob.splits) else None
        else:
            entry["categories"] = [float(c) for c in ob.splits[i]]
        bins.append(entry)
    miss = table.iloc[n_regular + 1]  # regular bins, then Special, then Missing
    if str(miss["Bin"]) != "Missing":
        raise RuntimeError(f"{name}: unexpected optbinning table layout (no Missing row)")
    return {
        "feature": name,
        "kind": kind,
        "splits": [float(s) for s in ob.splits] if numeric else None,
        "bins": bins,
        "missing": {"woe": float(miss["WoE"]), "count": int(miss["Count"])},
        "iv": float(table.loc["Totals", "IV"]),
    }


def woe_of(characteristic: dict, values: np.ndarray) -> np.ndarray:
    """Each value's bin WOE (missing: the missing bin's; an unseen category: 0, neutral)."""
    return _lookup(characteristic, values, "woe")


def _lookup(c: dict, values: np.ndarray, field: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    out = np.full(x.shape, c.get("neutral_" + field, 0.0))
    missing = np.isnan(x)
    out[missing] = c["missing"][field]
    if c["kind"] == "numeric":
        idx = np.searchsorted(np.asarray(c["splits"]), x[~missing], side="right")
        out[~missing] = np.asarray([b[field] for b in c["bins"]])[idx]
    else:
        for b in c["bins"]:
            out[np.isin(x, b["categories"]) & ~missing] = b[field]
    return out


@dataclass(frozen=True)
class Scorecard:
    """A fitted scorecard: the table is everything (JSON in, JSON out)."""

    table: dict[str, Any]

    @property
    def characteristics(self) -> list[str]:
        return [c["feature"] for c in self.table["characteristics"]]

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Total points per row: the points of each characteristic's bin, plus the base."""
        total = np.full(len(frame), self.table["base_score_points"], dtype=float)
        for c in self.table["characteristics"]:
            total += _lookup(c, frame[c["feature"]].to_numpy(dtype=float), "points")
        return total

    def predict_pd(self, frame: pd.DataFrame) -> np.ndarray:
        """PD implied by the points: good:bad odds = base_odds x 2^((score - base) / PDO)."""
        s = self.table["scaling"]
        log_odds_good = (self.score(frame) - s["offset"]) / s["factor"]
        return 1.0 / (1.0 + np.exp(log_odds_good))

    def rows(self) -> pd.DataFrame:
        """The table as one row per bin (CSV for people; the JSON is what is scored)."""
        out = []
        for c in self.table["characteristics"]:
            for b in [*c["bins"], {**c["missing"], "missing": True}]:
                cats = b.get("categories")
                out.append(
                    {
                        "characteristic": c["feature"],
                        "lower": b.get("lower"),
                        "upper": b.get("upper"),
                        "categories": " ".join(f"{v:g}" for v in cats) if cats else None,
                        "missing": bool(b.get("missing", False)),
                        "count": b["count"],
                        "woe": b["woe"],
                        "points": b["points"],
                    }
                )
        return pd.DataFrame(out)


def fit_scorecard(
    frame: pd.DataFrame, spec: FeatureSpec, params: ScorecardParams, y: np.ndarray
) -> Scorecard:
    """Screen, bin, fit and scale a scorecard on ``frame`` (the candidate's train rows)."""
    from sklearn.linear_model import LogisticRegression

    from creditrisk_assets.features.catalog import lineage_inputs
    from creditrisk_assets.risk.protected import excluded_features, load_policy

    y = np.asarray(y)
    if len(y) > params.max_rows:  # a stratified sample bins as well and keeps full scale fast
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(
            np.arange(len(y)), train_size=params.max_rows, stratify=y, random_state=params.seed
        )
        frame, y = frame.iloc[np.sort(keep)], y[np.sort(keep)]
    policy = load_policy()
    removed = excluded_features(spec.names, policy, *lineage_inputs())
    kinds = {f.name: f.kind for f in spec.features if f.name not in removed}
    y = np.asarray(y, dtype=float)
    ivs = {
        n: information_value(frame[n].to_numpy(dtype=float), y, k == "categorical")
        for n, k in kinds.items()
    }
    ranked = sorted((n for n in ivs if ivs[n] >= params.min_iv), key=lambda n: -ivs[n])
    chars = [
        _bin_table(n, kinds[n], frame[n].to_numpy(dtype=float), y.astype(int), params)
        for n in ranked[: params.max_characteristics]
    ]
    coef, intercept = np.zeros(0), math.log(y.mean() / (1 - y.mean()))
    while chars:
        woe = np.column_stack([woe_of(c, frame[c["feature"]].to_numpy(float)) for c in chars])
        lr = LogisticRegression(C=params.regularisation_c, max_iter=2000).fit(woe, y)
        coef, intercept = lr.coef_[0], float(lr.intercept_[0])
        # higher WOE is safer, so a bad-class coefficient must be negative
        wrong = coef >= 0
        if not wrong.any():
            break
        chars = [c for c, w in zip(chars, wrong, strict=True) if not w]
    factor = params.pdo / math.log(2)
    offset = params.base_points - factor * math.log(params.base_odds)
    for c, beta in zip(chars, coef, strict=True):
        c["coefficient"] = float(beta)
        for b in [*c["bins"], c["missing"]]:
            b["points"] = -factor * beta * b["woe"]
        c["neutral_points"] = 0.0
    table = {
        "version": 1,
        "kind": "woe_logistic_scorecard",
        "scaling": {
            "pdo": params.pdo,
            "base_points": params.base_points,
            "base_odds": params.base_odds,
            "factor": factor,
            "offset": offset,
        },
        "intercept": intercept,
        # the intercept's share, kept apart so each bin's points read as its own effect
        "base_score_points": offset - factor * intercept,
        "characteristics": chars,
        "screened_iv": {k: round(v, 6) for k, v in sorted(ivs.items(), key=lambda kv: -kv[1])},
        "protected_policy": policy.label,
        "excluded_as_protected": sorted(removed),
        "feature_spec_hash": spec.hash,
        "fitted_rows": len(y),
    }
    return Scorecard(table)
