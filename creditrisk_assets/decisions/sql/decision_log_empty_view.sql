-- The decision log view before the first decision is written (read_parquet refuses an empty
-- glob): the same columns, no rows, so queries on the catalog work from day one. {view} as in
-- decision_log_view.sql.
CREATE OR REPLACE VIEW {view} AS
SELECT
    CAST(NULL AS VARCHAR) AS decision_id,
    CAST(NULL AS TIMESTAMPTZ) AS decided_at,
    CAST(NULL AS VARCHAR) AS channel,
    CAST(NULL AS VARCHAR) AS model_name,
    CAST(NULL AS VARCHAR) AS model_version,
    CAST(NULL AS VARCHAR) AS model_alias,
    CAST(NULL AS VARCHAR) AS training_snapshot,
    CAST(NULL AS VARCHAR) AS inputs_hash,
    CAST(NULL AS VARCHAR) AS feature_row,
    CAST(NULL AS BIGINT) AS applicant_id,
    CAST(NULL AS DOUBLE) AS pd,
    CAST(NULL AS VARCHAR) AS grade,
    CAST(NULL AS VARCHAR) AS decision,
    CAST(NULL AS VARCHAR[]) AS reason_codes,
    CAST(NULL AS VARCHAR) AS catalogue_version,
    CAST(NULL AS VARCHAR) AS scale_version,
    CAST(NULL AS DATE) AS day
WHERE false
