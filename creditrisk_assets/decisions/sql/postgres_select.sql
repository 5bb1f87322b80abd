-- The API's decisions in PostgreSQL (production profile), read for the backtest and production
-- drift (decisions/catalog.py: postgres_decisions). {table} is an identifier quoted by
-- psycopg2.sql; nothing else is formatted in.
-- %(training_before)s (bound; text or NULL): only decisions of a model trained on a snapshot
-- before this one, or of an unknown training snapshot, as the backtest's "earlier" decisions
-- (sql/backtest_matured_decisions.sql applies the same rule); NULL reads every decision.
-- `day` is the UTC day of the decision, as the Parquet log's day=YYYY-MM-DD partition.
SELECT
    decision_id, decided_at, channel, model_name, model_version, model_alias,
    training_snapshot, inputs_hash, feature_row::text AS feature_row, applicant_id, pd, grade,
    decision, reason_codes, catalogue_version, scale_version,
    (decided_at AT TIME ZONE 'UTC')::date AS day
FROM {table}
WHERE %(training_before)s::text IS NULL
   OR training_snapshot IS NULL
   OR training_snapshot < %(training_before)s::text
ORDER BY decision_id
