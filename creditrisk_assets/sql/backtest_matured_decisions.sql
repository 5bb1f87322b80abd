-- Earlier decisions whose applicant now has an outcome: the rows a backtest scores.
-- Relations: `decision_log` (the decision log view, decisions/catalog.py: batch and API
-- channels alike) and `outcomes(SK_ID_CURR, TARGET)` (this snapshot's raw application_train).
-- Parameter: $snapshot (VARCHAR, the snapshot's 'YYYY-MM-DD').
-- "Earlier": made by a model trained on a snapshot before this one (an unknown training
-- snapshot counts as earlier). A model trained on this snapshot has seen these outcomes, so its
-- decisions on them would be an in-sample score, not a backtest.
-- One row per (model, version, applicant): the latest decision, so a re-scored batch or a
-- repeated API call counts once; `decisions` says how many decisions that row stands for.
WITH matched AS (
    SELECT
        d.model_name,
        d.model_version,
        d.applicant_id,
        d.decision_id,
        d.decided_at,
        d.channel,
        d.training_snapshot,
        d.pd,
        d.grade,
        o.TARGET::INTEGER AS target
    FROM decision_log AS d
    JOIN outcomes AS o ON d.applicant_id = o.SK_ID_CURR
    WHERE o.TARGET IS NOT NULL
      AND (d.training_snapshot IS NULL OR d.training_snapshot < $snapshot)
)
SELECT
    *,
    count(*) OVER (PARTITION BY model_name, model_version, applicant_id) AS decisions
FROM matched
QUALIFY row_number() OVER (
    PARTITION BY model_name, model_version, applicant_id
    ORDER BY decided_at DESC, decision_id DESC
) = 1
ORDER BY model_name, model_version, applicant_id
