"""From validated request bodies to predictions: feature matrices, PD, decision, reason codes.

Everything here works on one ``ServedModel`` passed in by the caller, so a request that began on
one model version finishes on it even if the champion is swapped meanwhile. Feature matrices are
built straight into NumPy (no DataFrame per request) because at one row the API's budget is a
few milliseconds and at 10,000 rows the Python-level work per value is what costs.

Reason codes are the reason catalogue's principal statements (``risk.reasons``, via
``modeling.prediction.assess``): XGBoost's log-odds contributions summed per statement, only
statements that *raise* the PD, heaviest first. ``exact`` (the default) is TreeSHAP, the values
``ScoringModel.contributions`` and batch scoring give (XGBoost's ``pred_contribs``); ``fast`` is
XGBoost's approximate (Saabas) attribution along each row's decision path (worked out from the
rows' leaves, ``tree_paths.py``), roughly ten times cheaper, for large batches where TreeSHAP
dominates the time (about 0.2-0.4 ms per row per hundred trees on this machine).

Requests of up to ``tree_shap.MAX_ROWS`` rows do not call XGBoost: its per-call set-up (a
DMatrix, two predictions) was ~4-5 ms of a one-row request's ~5.5 ms. Their margins (the same
bits as XGBoost's), exact TreeSHAP (equal to XGBoost's to float32 rounding) and leaves (for
``fast``) come from per-leaf tables built when the model loads (``fastpath/tree_shap.py``),
checked against XGBoost then. Larger requests use XGBoost, on a DMatrix built without names or
types (the booster carries its own, and categorical splits are read from the trees): with 300+
feature names the Python-side checks alone cost milliseconds per request.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xgboost as xgb

from creditrisk_assets.modeling.prediction import assess
from creditrisk_assets.serving.api_models import PredictRequest
from creditrisk_assets.serving.champion import ServedModel
from creditrisk_assets.serving.fastpath import tree_shap
from creditrisk_assets.serving.feature_rows import FeatureRows

_F32_MAX = float(np.finfo(np.float32).max)
MAX_REPORTED_ERRORS = 50


class InputError(ValueError):
    """A request that parsed but does not fit the model: carries field-level violations."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors[:MAX_REPORTED_ERRORS]


def _err(loc: list[Any], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", *loc], "msg": msg, "type": kind}


def _missing(loc: list[Any], absent: list[str]) -> dict[str, Any]:
    msg = f"missing features (send null for a missing value): {absent[:20]}"
    return _err(loc, msg, "missing_feature")


def feature_matrix(req: PredictRequest, served: ServedModel) -> np.ndarray:
    """The float32 matrix in the model's feature order; every feature must be present."""
    names = served.feature_names
    index = served.feature_index
    errors: list[dict[str, Any]] = []
    if req.data is not None:
        columns = req.columns or []
        seen: set[str] = set()
        for j, col in enumerate(columns):
            if col not in index:
                errors.append(_err(["columns", j], f"unknown feature {col!r}", "unknown_feature"))
            elif col in seen:
                errors.append(_err(["columns", j], f"duplicate column {col!r}", "duplicate"))
            seen.add(col)
        missing = [n for n in names if n not in seen]
        if missing:
            errors.append(_missing(["columns"], missing))
        width = len(columns)
        for i, row in enumerate(req.data):
            if len(row) != width:
                msg = f"row has {len(row)} values for {width} columns"
                errors.append(_err(["data", i], msg, "row_length"))
                if len(errors) >= MAX_REPORTED_ERRORS:
                    break
        if errors:
            raise InputError(errors)
        values = np.array(req.data, dtype=np.float64).reshape(len(req.data), width)
        order = [index[c] for c in columns]
        x64 = np.empty((len(req.data), len(names)), dtype=np.float64)
        x64[:, order] = values
    else:
        rows = req.rows or []
        known = served.feature_index.keys()
        for i, row in enumerate(rows):
            if row.keys() != known:
                for key in row.keys() - known:
                    errors.append(
                        _err(["rows", i, key], f"unknown feature {key!r}", "unknown_feature")
                    )
                absent = [n for n in names if n not in row]
                if absent:
                    errors.append(_missing(["rows", i], absent))
                if len(errors) >= MAX_REPORTED_ERRORS:
                    break
        if errors:
            raise InputError(errors)
        x64 = np.array([list(map(row.get, names)) for row in rows], dtype=np.float64)
        x64 = x64.reshape(len(rows), len(names))
    return _to_float32(x64, names, "data" if req.data is not None else "rows", req.columns)


def _to_float32(
    x64: np.ndarray, names: list[str], where: str, columns: list[str] | None
) -> np.ndarray:
    """Cast to the booster's float32, refusing values that would overflow to infinity."""
    too_big = np.abs(np.nan_to_num(x64, nan=0.0)) > _F32_MAX
    if too_big.any():
        errors = []
        for i, j in np.argwhere(too_big)[:MAX_REPORTED_ERRORS]:
            name = names[j]
            loc = [where, int(i), name] if where == "rows" else [where, int(i), columns.index(name)]
            errors.append(_err(loc, f"{name} is beyond the float32 range", "value_range"))
        raise InputError(errors)
    return x64.astype(np.float32)


def rows_matrix(rows: FeatureRows, served: ServedModel, ids: list[int]) -> np.ndarray:
    """The served model's float32 matrix from the feature SQL's rows, in the order of ``ids``.

    Straight from the query's NumPy values (columns picked by name, rows by id): going through a
    DataFrame and the model's ``matrix`` cost ~3 ms of a one-applicant ``/score`` call.

    Extreme but well-typed raw values (an amount of 1e308) can make a ratio feature overflow
    to infinity, which XGBoost refuses; that is the request's doing, so it is a 422 naming the
    applicant and the features, not a 500.
    """
    column = {name: j for j, name in enumerate(rows.names)}
    missing = [n for n in served.feature_names if n not in column]
    if missing:
        raise KeyError(f"feature SQL lacks columns required by the model spec: {missing}")
    row = {sk_id: r for r, sk_id in enumerate(rows.ids.tolist())}
    absent = [i for i in ids if i not in row]
    if absent:
        raise RuntimeError(f"feature SQL returned no row for applicants {absent[:10]}")
    at = [row[i] for i in ids]
    columns = [column[n] for n in served.feature_names]
    with np.errstate(over="ignore"):
        x = rows.values[np.ix_(at, columns)].astype(np.float32)
    infinite = np.isinf(x)
    if infinite.any():
        names = served.feature_names
        errors = [
            _err(
                ["applicants", int(i)],
                "these records give infinite feature values (check amounts and days): "
                + ", ".join(names[j] for j in np.flatnonzero(infinite[i])[:10]),
                "value_range",
            )
            for i in np.flatnonzero(infinite.any(axis=1))
        ]
        raise InputError(errors)
    return x


def reason_method(requested: str, n_rows: int, exact_max_rows: int) -> str:
    """The method a request gets: ``auto`` is ``exact`` up to ``exact_max_rows``, else ``fast``.

    TreeSHAP costs ~0.1 ms per row per hundred trees on one core (10,000 rows: ~1 s), Saabas
    about a tenth of that; above the threshold the exact method alone would exceed the batch
    latency target, so large batches get the approximate attribution unless they ask for
    ``exact``. Both rank the same features first for most rows; ``reason_method`` on every
    prediction says which one produced its codes.
    """
    if requested != "auto":
        return requested
    return "exact" if n_rows <= exact_max_rows else "fast"


def _margins_and_contributions(
    served: ServedModel, x: np.ndarray, method: str, parallel: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Booster margins and contributions: for a few rows from the tables (module docstring),
    else from one DMatrix (``inplace_predict``'s input checks cost more than the prediction at
    one row). ``fast`` reasons come with the
    margin from each row's leaves where the model allows it (``tree_paths.py``: same margins,
    ~35 % less time than XGBoost's two passes). PD, decision and reasons are then assembled by
    ``modeling.prediction.assess``, as for ``ScoringModel.predict_pd`` and the batch tables.
    ``parallel=False``: the one-thread booster whatever the rows (chunks scored side by side)."""
    if served.shap is not None and len(x) <= tree_shap.MAX_ROWS:  # no XGBoost call at all
        if method == "exact":
            return served.shap.explain(x)
        if served.paths is not None:
            return served.paths.explain(served.shap.leaves(x))
    booster, threads = served.booster_for(len(x) if parallel else 1)
    dm = xgb.DMatrix(x, nthread=threads)
    if method == "fast" and served.paths is not None:  # one pass over the trees, not two
        leaves = booster.predict(dm, pred_leaf=True, validate_features=False)
        margin, contrib = served.paths.explain(leaves.reshape(len(x), -1))
    else:
        margin = booster.predict(dm, output_margin=True, validate_features=False)
        out = booster.predict(
            dm, pred_contribs=True, approx_contribs=method == "fast", validate_features=False
        )
        contrib = np.asarray(out)[:, :-1]
    return margin, contrib


def predict(
    served: ServedModel,
    x: np.ndarray,
    ids: list[Any] | None,
    k: int,
    method: str = "exact",
    parallel: bool = True,
) -> list[dict[str, Any]]:
    """Prediction dicts (floored PD, decision, master-scale grade, catalogue statements,
    versions), one per row of ``x``; both reason methods feed ``principal_reasons``."""
    model = served.model
    margin, contrib = _margins_and_contributions(served, x, method, parallel)
    result = assess(model.policy, margin, model.meta.logit_offset, contrib, k, served.feature_names)
    decisions, grades = result.decision, result.risk_grade
    reasons = result.reasons
    codes, texts, weights = reasons.codes.tolist(), reasons.texts.tolist(), reasons.weights.tolist()
    scale, catalogue, version = result.scale_version, reasons.catalogue_version, served.version
    out = []
    for i, p in enumerate(result.pd.tolist()):
        cited = [
            {"code": c, "statement": t, "contribution": w}
            for c, t, w in zip(codes[i], texts[i], weights[i], strict=True)
            if c is not None
        ]
        out.append(
            {
                "id": ids[i] if ids is not None else None,
                "pd": p,
                "decision": decisions[i],
                "risk_grade": grades[i],
                "scale_version": scale,
                "reason_codes": cited,
                "catalogue_version": catalogue,
                "reason_method": method,
                "model_version": version,
            }
        )
    return out
