"""What the modeling assets store in the lake and how each one reads it back.

``model/candidate``'s lake partition holds a small JSON pointer (version, run id, checksum,
and the challenger scorecard's table beside it); the registered version is the source of truth
for what was trained, and evaluation loads exactly the version the pointer names. The readers
here are shared by the candidate, the evaluation assets, the checks and the validation pack, so
each file name and each check on what is read is written once.
"""

import hashlib

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq

from creditrisk_assets.features.spec import SPEC_FILE, FeatureSpec
from creditrisk_assets.keys import CANDIDATE, FEATURE_STORE, lake_path
from creditrisk_assets.modeling.registry import ModelRegistry
from creditrisk_assets.modeling.scoring_model import ScoringModel
from creditrisk_assets.resources import Lake

CANDIDATE_FILE = "candidate.json"
METRICS_FILE = "metrics.json"


def load_spec(lake: Lake, partition: str) -> FeatureSpec:
    return FeatureSpec.from_dict(lake.read_json(lake_path(FEATURE_STORE), partition, SPEC_FILE))


def read_features(lake: Lake, key: dg.AssetKey, partition: str, spec: FeatureSpec) -> pd.DataFrame:
    """Id, target and spec columns of a split (a clear error naming absent columns)."""
    path = lake.local_path(lake_path(key), partition)
    wanted = [spec.id_column, spec.target_column, *spec.names]
    present = set(pq.read_schema(path).names)
    missing = [c for c in wanted if c not in present]
    if missing:
        raise KeyError(f"{lake_path(key)} [{partition}] lacks columns {missing}")
    return pd.read_parquet(path, columns=wanted)


def data_fingerprint(paths: list[str], spec: FeatureSpec) -> str:
    """SHA-256 over the training inputs' bytes and the spec: equal inputs, equal fingerprint."""
    h = hashlib.sha256(spec.hash.encode())
    for path in paths:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 22):
                h.update(block)
    return h.hexdigest()


def load_candidate(lake: Lake, registry: ModelRegistry, partition: str) -> ScoringModel:
    """The version ``model/candidate`` registered for ``partition``, checksum-verified."""
    pointer = lake.read_json(lake_path(CANDIDATE), partition, CANDIDATE_FILE)
    model = registry.load(pointer["version"])
    if model.checksum != pointer["checksum"]:
        raise RuntimeError(
            f"registry v{pointer['version']} checksum {model.checksum} differs from the "
            f"candidate pointer's {pointer['checksum']} for {partition}"
        )
    return model
