-- Every decision made by one model version, oldest first (the README's example query).
SELECT decision_id, decided_at, channel, model_alias, applicant_id, pd, grade, decision,
       reason_codes
FROM decision_log
WHERE model_name = $model_name AND model_version = $model_version
ORDER BY decided_at, decision_id
