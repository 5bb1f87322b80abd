"""ScoringModel: a trained booster with its feature spec and metadata, loadable without pickle.

This is the one object every scorer uses (evaluation, batch scoring, canary, the API). It is pure:
no MLflow, no Dagster. On disk a model is a folder of three plain files

- ``model.ubj``          the XGBoost booster in its native UBJSON format,
- ``feature_spec.json``  the columns, order and kinds it was trained on,
- ``model_meta.json``    PD cut-off, log-odds offset (prior-shift correction), training lineage,

and its checksum is the SHA-256 over the three files' own SHA-256s (``artifact_checksum``). The
registry stores that checksum as a version tag and ``from_dir`` refuses a folder whose bytes do
not match, so a scorer can never run a tampered or half-downloaded model.

The reported PD is ``sigmoid(margin + logit_offset)`` (``prediction.pd_from_margin``): when
training resampled the classes, the offset moves the log-odds back to the true base rate, so the
PD stays a probability. PD, decision, grade and reason codes together are assembled by
``prediction``, for this class and for the API alike.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creditrisk_assets.features.spec import SPEC_FILE, FeatureSpec
from creditrisk_assets.lazy_imports import xgboost as xgb
from creditrisk_assets.modeling.policy import DecisionPolicy
from creditrisk_assets.modeling.prediction import (
    corrected_margin,
    pd_from_margin,
    ranked_reasons,
    reason_columns,
    top_reasons,
)

MODEL_FILE = "model.ubj"
META_FILE = "model_meta.json"
ARTIFACT_FILES = (MODEL_FILE, SPEC_FILE, META_FILE)


class ModelIntegrityError(RuntimeError):
    """The files of a model folder do not match the checksum it was registered with."""


@dataclass(frozen=True)
class ModelMeta:
    """What a scorer needs beside the booster (all plain JSON)."""

    pd_cutoff: float
    logit_offset: float = 0.0
    resampling: str = "none"
    train_base_rate: float | None = None
    partition: str | None = None
    feature_spec_hash: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelMeta:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class ReasonCode:
    """One feature that raised an applicant's PD: name, readable text, value and log-odds push."""

    feature: str
    description: str
    value: float | None
    contribution: float


def _sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()  # read in blocks, not whole


def artifact_checksum(model_dir: str | Path) -> str:
    """SHA-256 over ``name:sha256`` lines of the three artifact files (order fixed)."""
    model_dir = Path(model_dir)
    missing = [n for n in ARTIFACT_FILES if not (model_dir / n).is_file()]
    if missing:
        raise ModelIntegrityError(f"model folder {model_dir} lacks {missing}")
    lines = "".join(f"{n}:{_sha256_file(model_dir / n)}\n" for n in ARTIFACT_FILES)
    return hashlib.sha256(lines.encode()).hexdigest()


class ScoringModel:
    """Booster + FeatureSpec + metadata; ``predict_pd`` and ``reason_codes`` on DataFrames."""

    def __init__(
        self,
        booster: xgb.Booster,
        spec: FeatureSpec,
        meta: ModelMeta,
        version: str | None = None,
        checksum: str | None = None,
    ) -> None:
        if list(booster.feature_names or []) != spec.names:
            raise ValueError("booster feature names differ from the feature spec's names")
        self.booster = booster
        self.spec = spec
        self.meta = meta
        self.version = version
        self.checksum = checksum
        self.policy = DecisionPolicy(meta.pd_cutoff)
        self._descriptions = {f.name: f.description for f in spec.features}

    # ------------------------------------------------------------------ persistence
    def save(self, model_dir: str | Path) -> str:
        """Write the three artifact files into ``model_dir``; return their checksum."""
        model_dir = Path(model_dir)
        model_dir.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(model_dir / MODEL_FILE))
        (model_dir / SPEC_FILE).write_text(self.spec.to_json())
        (model_dir / META_FILE).write_text(self.meta.to_json())
        return artifact_checksum(model_dir)

    @classmethod
    def from_dir(
        cls,
        model_dir: str | Path,
        expected_checksum: str | None = None,
        version: str | None = None,
        nthread: int | None = None,
    ) -> ScoringModel:
        """Load a saved model folder; verify its checksum when one is given (no pickle)."""
        model_dir = Path(model_dir)
        checksum = artifact_checksum(model_dir)
        if expected_checksum is not None and checksum != expected_checksum:
            raise ModelIntegrityError(
                f"model folder {model_dir} has checksum {checksum}, expected {expected_checksum}"
            )
        booster = xgb.Booster()
        booster.load_model(str(model_dir / MODEL_FILE))
        if nthread is not None:
            booster.set_param({"nthread": nthread})
        spec = FeatureSpec.from_json((model_dir / SPEC_FILE).read_text())
        meta = ModelMeta.from_json((model_dir / META_FILE).read_text())
        return cls(booster, spec, meta, version=version, checksum=checksum)

    # ------------------------------------------------------------------ scoring
    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The float32 feature matrix in spec order; missing columns are an error naming them."""
        names = self.spec.names
        missing = [c for c in names if c not in frame.columns]
        if missing:
            raise KeyError(f"frame lacks feature columns required by the model spec: {missing}")
        sub = frame[names]
        bad = [c for c, t in sub.dtypes.items() if not (pd.api.types.is_numeric_dtype(t))]
        if bad:
            raise TypeError(
                f"feature columns must be numeric (categoricals as integer codes): {bad}"
            )
        return sub.to_numpy(dtype=np.float32, na_value=np.nan)

    def booster_margin(self, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The booster's raw log-odds, before the prior-shift offset."""
        x = frame if isinstance(frame, np.ndarray) else self.matrix(frame)
        return self.booster.inplace_predict(x, predict_type="margin")

    def margin(self, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Corrected log-odds of default (booster margin + prior-shift offset)."""
        return corrected_margin(self.booster_margin(frame), self.meta.logit_offset)

    def predict_pd(self, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        """PD per row (float64 in [0, 1]); an ndarray must already be in spec order."""
        return pd_from_margin(self.booster_margin(frame), self.meta.logit_offset)

    def contributions(self, frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Per-feature log-odds contributions (n_rows x n_features; bias column dropped)."""
        x = frame if isinstance(frame, np.ndarray) else self.matrix(frame)
        dm = xgb.DMatrix(
            x,
            feature_names=self.spec.names,
            feature_types=self.spec.xgboost_feature_types,
            enable_categorical=True,
        )
        return np.asarray(self.booster.predict(dm, pred_contribs=True))[:, :-1]

    def reason_codes(self, frame: pd.DataFrame, k: int = 4) -> list[list[ReasonCode]]:
        """Per row, up to ``k`` features with the largest positive push on PD, largest first.

        Only features that *raise* the PD count: a row that is safe on every feature gets fewer
        than ``k`` codes rather than codes that are not reasons for a decline.
        """
        x = self.matrix(frame)
        contrib = self.contributions(x)
        top = top_reasons(contrib, k)
        names = self.spec.names
        out: list[list[ReasonCode]] = []
        for i, cols in enumerate(top):
            row = []
            for j in cols:
                c = float(contrib[i, j])
                if c <= 0.0:
                    break
                v = float(x[i, j])
                value = None if np.isnan(v) else v
                row.append(ReasonCode(names[j], self._descriptions[names[j]], value, c))
            out.append(row)
        return out

    def reason_code_frame(self, frame: pd.DataFrame, k: int = 4) -> pd.DataFrame:
        """Reason codes as columns ``reason_{i}``, ``reason_{i}_description``,
        ``reason_{i}_contribution`` (i = 1..k; None/NaN where a row has fewer), frame's index."""
        top, vals = ranked_reasons(self.contributions(self.matrix(frame)), k)
        descs = [self._descriptions[n] for n in self.spec.names]
        return pd.DataFrame(reason_columns(top, vals, self.spec.names, descs), index=frame.index)
