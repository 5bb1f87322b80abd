"""The peer of the scoring API benchmark: a minimal FastAPI endpoint, served the naive way.

What a seed project's serving typically is, on the same model file and the same rows: a pydantic
request model parsed by FastAPI, a DataFrame and a named DMatrix per request, XGBoost's
probability (``predict``, what ``predict_proba`` returns for the positive class) plus exact
TreeSHAP (``pred_contribs``), the four largest positive contributions as reason codes (feature
names), and FastAPI's default JSON response. One uvicorn worker, like the API under test:

    cd DIR_WITH_peer.json && uvicorn --factory --app-dir benchmarks api_peer:create_app

``peer.json`` (in the working directory) names the model file and the feature names:
``{"model_file": "...", "features": [...]}``.

Not part of the project; only ``bench_api.py`` starts it, on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb
from fastapi import FastAPI
from pydantic import BaseModel


class Rows(BaseModel):
    rows: list[dict[str, float | None]]


def create_app() -> FastAPI:
    config = json.loads(Path("peer.json").read_text())
    booster = xgb.Booster()
    booster.load_model(config["model_file"])
    booster.set_param({"nthread": 1})
    names = config["features"]
    types = booster.feature_types
    app = FastAPI()

    @app.post("/predict")
    def predict(req: Rows) -> dict:
        frame = pd.DataFrame(req.rows, columns=names).astype("float32")
        dm = xgb.DMatrix(frame.to_numpy(), missing=np.nan, feature_names=names, feature_types=types)
        pd_ = booster.predict(dm)
        contrib = booster.predict(dm, pred_contribs=True)[:, :-1]
        out = []
        for p, c in zip(pd_.tolist(), contrib, strict=True):
            top = np.argsort(-c)[:4]
            reasons = [{"feature": names[j], "contribution": float(c[j])} for j in top if c[j] > 0]
            out.append({"pd": p, "reasons": reasons})
        return {"predictions": out}

    return app
