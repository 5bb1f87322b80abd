-- Feature-store contract, per column: how many values are present, infinite, NaN.
-- Input: feature_store. One row per measure, one column per feature.
SELECT 'non_null' AS measure, count(COLUMNS(* EXCLUDE (SK_ID_CURR, TARGET)))
FROM feature_store
UNION ALL BY NAME
SELECT
    'infinite' AS measure,
    coalesce(sum(CAST(isinf(CAST(COLUMNS(* EXCLUDE (SK_ID_CURR, TARGET)) AS DOUBLE)) AS BIGINT)), 0)
FROM feature_store
UNION ALL BY NAME
SELECT
    'nan' AS measure,
    coalesce(sum(CAST(isnan(CAST(COLUMNS(* EXCLUDE (SK_ID_CURR, TARGET)) AS DOUBLE)) AS BIGINT)), 0)
FROM feature_store
