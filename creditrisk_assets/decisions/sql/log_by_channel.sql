-- Decisions per channel (batch, api_predict, api_score) for the log's Dagster observation.
SELECT channel, count(*) AS n_rows
FROM decision_log
GROUP BY channel
ORDER BY channel
