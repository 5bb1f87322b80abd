"""The retrain policy: when a snapshot's drift report should lead to a new candidate.

Five rules, evaluated together after each drift report (``retrain_sensor``); any one that fires
trains a candidate on that snapshot, and the tick's reason and run tags name every rule that
fired, so "why did this model get trained?" has a one-line answer:

- ``no_champion``: nothing is serving; the first complete snapshot trains the first model.
- ``drift``: the drift report crossed its thresholds (``DriftConfig`` on
  ``monitoring/drift_report``: feature PSI, drifted share, max PSI).
- ``champion_age``: the champion's training snapshot is more than ``max_champion_age_days``
  older than this snapshot. Ages are measured between snapshot dates, not against the wall
  clock, so replaying history gives the same decisions.
- ``matured_labels``: at least ``min_matured_labels`` applicants the champion only saw
  unlabelled (in ``application_test`` of its training snapshot or a later, earlier-than-this one)
  now have an outcome in this snapshot's ``application_train``.
- ``backtest_failed``: the snapshot's backtest (``monitoring/backtest``) found the champion's
  matured decisions wanting: a significant AUC drop against its development AUC, or a grade
  whose PD is significantly underestimated.

A snapshot older than the champion's own training snapshot never retrains (a backfill of old
data must not replace a newer model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import dagster as dg
from pydantic import Field

from creditrisk_assets import settings

NO_CHAMPION, DRIFT, CHAMPION_AGE, MATURED_LABELS, BACKTEST_FAILED = (
    "no_champion",
    "drift",
    "champion_age",
    "matured_labels",
    "backtest_failed",
)


class RetrainPolicy(dg.ConfigurableResource):
    """When to train a candidate (evaluated by ``retrain_sensor`` after every drift report).

    A resource rather than run config because a sensor, not a run, applies it; its fields show
    in the UI's resource view, and ``CREDITRISK_RETRAIN_*`` variables override them.
    """

    retrain_on_drift: bool = Field(
        default=True,
        description="Retrain when the snapshot's drift report says drift_detected. The thresholds "
        "themselves (feature_psi, drift_share, max_psi) are DriftConfig on "
        "monitoring/drift_report, so the report and this decision cannot disagree.",
    )
    max_champion_age_days: int = Field(
        default=90,
        ge=1,
        description="Retrain when the champion's training snapshot is more than this many days "
        "older than the snapshot just measured (snapshot dates, not the wall clock).",
    )
    min_matured_labels: int = Field(
        default=2_000,
        ge=0,
        description="Retrain when at least this many applicants that were unlabelled "
        "(application_test) in the champion's training snapshot or a later one now have an "
        "outcome in this snapshot's application_train. 0 turns the rule off.",
    )

    retrain_on_backtest_failure: bool = Field(
        default=True,
        description="Retrain when the snapshot's backtest failed for the champion (its check on "
        "monitoring/backtest: significant AUC drop, or a grade's PD underestimated).",
    )

    @classmethod
    def from_env(cls) -> RetrainPolicy:
        return cls(**settings.retrain_policy_overrides())  # pydantic casts the texts


@dataclass(frozen=True)
class Facts:
    """What the policy looks at for one snapshot."""

    snapshot: str
    champion: str | None
    champion_snapshot: str | None
    drift_detected: bool
    drift_summary: str
    matured_labels: int
    backtest_failed: bool = False
    backtest_summary: str = "no backtest yet"


@dataclass(frozen=True)
class Decision:
    retrain: bool
    rules: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def trigger(self) -> str:
        """The first rule that fired (the run's ``creditrisk/trigger`` tag)."""
        return self.rules[0] if self.rules else "none"


def age_days(snapshot: str, champion_snapshot: str) -> int:
    return (date.fromisoformat(snapshot) - date.fromisoformat(champion_snapshot)).days


def decide(policy: RetrainPolicy, facts: Facts) -> Decision:
    """Apply the rules to one snapshot; the reason lists what each rule saw."""
    snap = facts.snapshot
    if facts.champion is None:
        return Decision(True, [NO_CHAMPION], f"{snap}: no champion yet: train the first model")
    champ = f"champion v{facts.champion}"
    if facts.champion_snapshot is None:
        raise ValueError(f"{champ} has no 'partition' tag: its training snapshot is unknown")
    age = age_days(snap, facts.champion_snapshot)
    if age < 0:
        return Decision(
            False,
            reason=f"{snap}: older than {champ}'s training snapshot {facts.champion_snapshot}: "
            "an old snapshot never replaces a newer model",
        )
    rules, seen = [], []
    drift = facts.drift_detected and policy.retrain_on_drift
    if drift:
        rules.append(DRIFT)
    seen.append(
        f"drift {'detected' if facts.drift_detected else 'not detected'} ({facts.drift_summary})"
        + ("" if policy.retrain_on_drift else ", drift rule off")
    )
    if age > policy.max_champion_age_days:
        rules.append(CHAMPION_AGE)
    seen.append(
        f"{champ} trained on {facts.champion_snapshot}, {age} days before "
        f"(max {policy.max_champion_age_days})"
    )
    labels_on = policy.min_matured_labels > 0
    if labels_on and facts.matured_labels >= policy.min_matured_labels:
        rules.append(MATURED_LABELS)
    seen.append(
        f"{facts.matured_labels} newly matured labels "
        + (f"(min {policy.min_matured_labels})" if labels_on else "(rule off)")
    )
    if facts.backtest_failed and policy.retrain_on_backtest_failure:
        rules.append(BACKTEST_FAILED)
    seen.append(
        f"backtest {facts.backtest_summary}"
        + ("" if policy.retrain_on_backtest_failure else ", backtest rule off")
    )
    verdict = f"retrain ({', '.join(rules)})" if rules else f"keep {champ}"
    return Decision(bool(rules), rules, f"{snap}: {verdict}: " + "; ".join(seen))
