-- Keys present in two tables that must be disjoint (application_test's SK_ID_CURR against
-- application_train's). Works over the views left_keys(k) and right_keys(k);
-- $limit: how many example keys to return (smallest first).
WITH shared AS (
    SELECT DISTINCT k FROM left_keys
    WHERE k IS NOT NULL AND k IN (SELECT k FROM right_keys)
)
SELECT count(*) AS overlapping_keys, list(k ORDER BY k)[1:$limit] AS examples
FROM shared
