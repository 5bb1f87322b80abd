"""The peer of the scoring API benchmark: a minimal FastAPI endpoint, served the naive way.

What a seed project's serving typically is, on the same model file and the same rows: a pydantic
request model parsed by FastAPI, a DataFrame and a named DMatrix per request, XGBoost's
probability (``predict``, what ``predict_proba`` returns for the positive class) plus exact
TreeSHAP (``pred_contribs``), the four largest positive contributions as reason codes (feature
names), and FastAPI's default JSON response. One uvicorn worker, like the API under test:

    PEER_MODEL_FILE=... PEER_FEATURES=names.json uvicorn --factory api_peer:create_app

Not part of the project; only ``bench_api.py`` starts it, on 127.0.0.1.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import xgboost as xgb
from fastapi import FastAPI
from pydantic import BaseModel


class Rows(BaseModel):
    rows: list[dict[str, float | None]]


def create_app() -> FastAPI:
    booster = xgb.Booster()
    booster.load_model(os.environ["PEER_MODEL_FILE"])
    booster.set_param({"nthread": 1})
    with open(os.environ["PEER_FEATURES"]) as f:
        names = json.load(f)
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
