"""The feature spec: the contract between the feature store, the model and every scorer.

Produced with each feature-store partition (``feature_spec.json`` beside its Parquet), stored
with every model version, and checked by batch scoring and the API: a model is only ever fed
the columns, in the order and of the kinds, it was trained on.
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


@dataclass(frozen=True)
class FeatureSpec:
    features: tuple[Feature, ...]
    sql_files: tuple[str, ...] = field(default_factory=tuple)
    id_column: str = ID_COLUMN
    target_column: str = TARGET_COLUMN

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def xgboost_feature_types(self) -> list[str]:
        """XGBoost's per-column types: 'q' numeric, 'c' categorical (integer codes)."""
        return ["c" if f.kind == "categorical" else "q" for f in self.features]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "id_column": self.id_column,
            "target_column": self.target_column,
            "sql_files": list(self.sql_files),
            "features": [asdict(f) for f in self.features],
        }

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
        )

    @classmethod
    def from_json(cls, text: str) -> FeatureSpec:
        return cls.from_dict(json.loads(text))
