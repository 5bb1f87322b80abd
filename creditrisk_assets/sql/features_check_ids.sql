-- Feature-store contract, ids: row count, missing ids, and up to 10 duplicated ids.
-- Input: feature_store.
SELECT
    count(*) AS n_rows,
    count(*) FILTER (WHERE SK_ID_CURR IS NULL) AS null_ids,
    count(*) - count(DISTINCT SK_ID_CURR) AS duplicate_rows,
    (
        SELECT coalesce(list(SK_ID_CURR ORDER BY SK_ID_CURR), [])
        FROM (
            SELECT SK_ID_CURR FROM feature_store
            GROUP BY SK_ID_CURR HAVING count(*) > 1
            ORDER BY SK_ID_CURR LIMIT 10
        )
    ) AS duplicate_examples
FROM feature_store
