"""The feature spec: the contract between the feature store, the model and every scorer.

Produced with each feature-store partition (``feature_spec.json`` beside its Parquet), stored
with every model version, and checked by batch scoring and the API: a model is only ever fed
the columns, in the order and of the kinds, it was trained on.

``features`` are the model's features. ``excluded`` are store columns no model may use (protected
attributes and features derived from them, see ``creditrisk_assets.risk.protected``): the store
keeps them so the fairness checks can read them, the spec records them and the policy that
excluded them, and nothing that feeds a model (``names``, ``xgboost_feature_types``) lists them.

``monotone`` is the direction credit practice fixes for a feature (``features.catalog.MONOTONE``:
a higher external score lowers risk, more days past due or a higher utilisation raise it): +1,
PD may only rise with the value; -1, only fall; 0, free. The trainer enforces it, so a model
cannot learn, from noise, that paying later is safer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FeatureKind = Literal["numeric", "categorical"]
SPEC_FILE = "feature_spec.json"
ID_COLUMN = "SK_ID_CURR"
TARGET_COLUMN = "TARGET"


@dataclass(frozen=True)
class Feature:
    name: str
    kind: FeatureKind
    source: str  # raw table family the feature comes from, e.g. "bureau"
    description: str
    monotone: int = 0  # +1 risk rises with the value, -1 falls, 0 free (numeric features only)

    def __post_init__(self) -> None:
        if self.monotone not in (-1, 0, 1):
            raise ValueError(f"{self.name}: monotone must be -1, 0 or 1, not {self.monotone!r}")
        if self.monotone and self.kind != "numeric":
            raise ValueError(f"{self.name}: only a numeric feature can have a monotone direction")

    def to_dict(self) -> dict[str, Any]:
        """Plain fields; ``monotone`` only when set, so a spec without directions keeps the
        JSON, hence the hash, its models were registered with."""
        out = asdict(self)
        if not self.monotone:
            del out["monotone"]
        return out


@dataclass(frozen=True)
class FeatureSpec:
    features: tuple[Feature, ...]
    sql_files: tuple[str, ...] = field(default_factory=tuple)
    id_column: str = ID_COLUMN
    target_column: str = TARGET_COLUMN
    excluded: tuple[Feature, ...] = field(default_factory=tuple)
    exclusion_policy: str = ""

    @property
    def names(self) -> list[str]:
        """The model's features, in model order (never an excluded column)."""
        return [f.name for f in self.features]

    @property
    def excluded_names(self) -> list[str]:
        return [f.name for f in self.excluded]

    @property
    def store_names(self) -> list[str]:
        """Every feature column of the store: the model's, then the excluded ones."""
        return [*self.names, *self.excluded_names]

    @property
    def monotone_constraints(self) -> dict[str, int]:
        """Declared directions by feature name (XGBoost's ``monotone_constraints``)."""
        return {f.name: f.monotone for f in self.features if f.monotone}

    @property
    def xgboost_feature_types(self) -> list[str]:
        """XGBoost's per-column types: 'q' numeric, 'c' categorical (integer codes)."""
        return ["c" if f.kind == "categorical" else "q" for f in self.features]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": 1,
            "id_column": self.id_column,
            "target_column": self.target_column,
            "sql_files": list(self.sql_files),
            "features": [f.to_dict() for f in self.features],
        }
        # Only when there are exclusions: a spec without any keeps the JSON, hence the hash,
        # that models registered before the protected-attribute policy were stored with.
        if self.excluded or self.exclusion_policy:
            out["excluded"] = [f.to_dict() for f in self.excluded]
            out["exclusion_policy"] = self.exclusion_policy
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=True)

    @property
    def hash(self) -> str:
        """SHA-256 of the canonical JSON: equal specs, equal hashes."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        return cls(
            features=tuple(Feature(**f) for f in data["features"]),
            sql_files=tuple(data.get("sql_files", ())),
            id_column=data.get("id_column", ID_COLUMN),
            target_column=data.get("target_column", TARGET_COLUMN),
            excluded=tuple(Feature(**f) for f in data.get("excluded", ())),
            exclusion_policy=data.get("exclusion_policy", ""),
        )

    @classmethod
    def from_json(cls, text: str) -> FeatureSpec:
        return cls.from_dict(json.loads(text))
