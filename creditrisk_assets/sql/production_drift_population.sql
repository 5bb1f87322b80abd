-- The population the champion actually scored in this snapshot: feature-store rows whose
-- applicant the champion version decided (batch or API), with the PD and grade it gave.
-- Relations: `decision_log` (decisions/catalog.py) and `feature_store` (this snapshot's
-- features/feature_store). Parameters: $model_name, $model_version (VARCHAR).
-- One row per applicant: the champion's latest decision on it.
WITH decided AS (
    SELECT applicant_id, pd, grade
    FROM decision_log
    WHERE model_name = $model_name
      AND model_version = $model_version
      AND applicant_id IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY applicant_id ORDER BY decided_at DESC, decision_id DESC
    ) = 1
)
SELECT f.*, d.pd AS champion_pd, d.grade AS champion_grade
FROM feature_store AS f
JOIN decided AS d ON f.SK_ID_CURR = d.applicant_id
ORDER BY f.SK_ID_CURR
