-- The decision log's size for its Dagster observation: rows, days with decisions, the latest.
SELECT count(*) AS n_rows, count(DISTINCT day) AS n_days, max(decided_at) AS latest
FROM decision_log
