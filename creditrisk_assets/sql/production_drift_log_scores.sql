-- Every PD the champion version returned since it went live (batch and API, every decision
-- counted as made: this is the score distribution production actually saw).
-- Relation: `decision_log`. Parameters: $model_name, $model_version (VARCHAR).
SELECT pd AS champion_pd
FROM decision_log
WHERE model_name = $model_name AND model_version = $model_version
