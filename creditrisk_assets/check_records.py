"""The asset check evaluations a run recorded, read back from the Dagster instance.

Why one reader: the failure alert (which blocking checks failed), the promotion sensor (did
every blocking check of the training run pass) and the validation pack (every check of that
run) read the same events; reading them in one place keeps the three agreeing on what a run's
checks were and how a check is named.
"""

from __future__ import annotations

import dagster as dg


def run_check_evaluations(
    instance: dg.DagsterInstance, run_id: str
) -> list[dg.AssetCheckEvaluation]:
    """Every asset check evaluation of run ``run_id``, in the order they were recorded."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    evaluations = []
    for record in records:
        event = record.event_log_entry.dagster_event
        evaluation = event.event_specific_data if event is not None else None
        if evaluation is not None:
            evaluations.append(evaluation)
    return evaluations


def check_label(evaluation: dg.AssetCheckEvaluation) -> str:
    """``asset/key:check_name``, the name the UI, the alerts and the pack give a check."""
    return f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
