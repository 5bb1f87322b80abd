"""Declarative automation: the rule "when upstream changed (and passed its checks), update".

Where nothing is decided - the feature store after its raw tables, the splits, the drift report
and the batch scores after the feature store - the assets carry ``ON_NEW_DATA`` and the
automation sensor launches them; where something *is* decided (train? promote?), a sensor
with a stated reason does it (``retrain_sensor``, ``promotion_sensor``, ``rescore_sensor``).

``ON_NEW_DATA`` is Dagster's ``eager()`` (a dependency updated, none missing or in progress,
missing partitions filled) and ``all_deps_blocking_checks_passed()``: a partition whose raw
tables failed a blocking check is never built on, even in a later run (blocking checks only stop
downstream steps inside their own run). The automation sensor (``automation.declarative``)
evaluates them; its evaluations (UI: Automation -> automation_condition_sensor, or an asset's
Automation tab) show per snapshot which sub-condition held, so "why did this not run?" has an
answer.

A top-level module that imports only Dagster, so asset modules of every domain can use it
without importing the automation domain (which imports them).
"""

from __future__ import annotations

import dagster as dg

ON_NEW_DATA = (
    dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
).with_label("on_new_checked_data")


def on_new_data_ignoring(*keys: dg.AssetKey) -> dg.AutomationCondition:
    """``ON_NEW_DATA`` that neither waits for nor reacts to ``keys`` (ordering-only deps)."""
    return ON_NEW_DATA.ignore(dg.AssetSelection.assets(*keys))
