"""Protected-attribute policy: which features a lawful model may not use, per jurisdiction.

Why: sex and marital status are prohibited bases for a credit decision (ECOA / Regulation B in
the US, the Consumer Credit Directive with the Charter's grounds in the EU). A model that uses
them, or a decline letter that cites them, cannot be used by a lender. Age is different: the US
allows it in an empirically derived scoring system as long as the elderly are not penalised,
the EU treats it as a protected ground; so it follows a configured policy.

The declared list (``protected_attributes.json``, versioned) names *raw* columns. Features
derived from them are found from the feature SQL's lineage (``risk.lineage``), so a new ratio or
flag built from a protected column is excluded without anyone having to remember it. The
excluded columns stay in the feature store: the fairness checks read them there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from creditrisk_assets.risk.lineage import derived_from

if TYPE_CHECKING:
    from creditrisk_assets.features.spec import FeatureSpec

AgePolicy = Literal["allow", "exclude"]
POLICY_FILE = Path(__file__).with_name("protected_attributes.json")


@dataclass(frozen=True)
class ProtectedPolicy:
    """One jurisdiction's declared protected raw columns and its age policy."""

    jurisdiction: str
    version: str
    protected: tuple[str, ...]
    age_policy: AgePolicy
    age_columns: tuple[str, ...]

    @property
    def excluded_sources(self) -> tuple[str, ...]:
        """Raw columns no model feature may be computed from."""
        age = self.age_columns if self.age_policy == "exclude" else ()
        return tuple(dict.fromkeys([*self.protected, *age]))

    @property
    def label(self) -> str:
        """What a spec records: enough to know which policy produced its exclusions."""
        return f"{self.jurisdiction}@{self.version} age={self.age_policy}"


@cache
def _policy_file(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def load_policy(
    jurisdiction: str | None = None,
    age_policy: AgePolicy | None = None,
    path: str | Path = POLICY_FILE,
) -> ProtectedPolicy:
    """The declared policy of ``jurisdiction`` (the file's default when None); ``age_policy``
    overrides the jurisdiction's own age rule (a lender may be stricter than the law)."""
    data = _policy_file(str(path))
    name = jurisdiction or data["default_jurisdiction"]
    if name not in data["jurisdictions"]:
        known = ", ".join(sorted(data["jurisdictions"]))
        raise KeyError(f"no protected-attribute policy for jurisdiction {name!r}; known: {known}")
    entry = data["jurisdictions"][name]
    age = age_policy or entry["age"]["policy"]
    if age not in ("allow", "exclude"):
        raise ValueError(f"age policy must be 'allow' or 'exclude', not {age!r}")
    return ProtectedPolicy(
        jurisdiction=name,
        version=str(data["version"]),
        protected=tuple(entry["protected"]),
        age_policy=age,
        age_columns=tuple(entry["age"]["columns"]),
    )


def jurisdictions(path: str | Path = POLICY_FILE) -> list[str]:
    """The jurisdictions the policy file declares."""
    return sorted(_policy_file(str(path))["jurisdictions"])


def excluded_features(
    names: Iterable[str],
    policy: ProtectedPolicy,
    sql_texts: Sequence[str],
    universe: Sequence[str],
) -> dict[str, str]:
    """feature -> why it is excluded, for each of ``names`` that is, or is computed from, an
    excluded raw column. ``sql_texts`` and ``universe`` are the feature SQL and the raw column
    names the lineage is read from (``features.catalog.lineage_inputs()`` for the project's own;
    passed in, so this package never imports the feature domain that depends on it)."""
    names = list(names)
    sources = policy.excluded_sources
    lineage = derived_from(names, sources, sql_texts, universe)
    out = {}
    for name in names:
        if name in sources:
            out[name] = f"protected attribute ({policy.label})"
        elif name in lineage:
            out[name] = f"derived from {', '.join(lineage[name])} ({policy.label})"
    return out


def model_features(
    features: FeatureSpec | Iterable[str],
    policy: ProtectedPolicy,
    sql_texts: Sequence[str],
    universe: Sequence[str],
) -> tuple[list[str], dict[str, str]]:
    """(the features a model may use, in order; the removed ones with their reason)."""
    names = features.store_names if hasattr(features, "store_names") else list(features)
    removed = excluded_features(names, policy, sql_texts, universe)
    return [n for n in names if n not in removed], removed
