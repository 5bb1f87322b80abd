-- Train/test split checks over relations feature_store, train and test: sizes, overlap (with up
-- to 10 examples), unlabelled rows, labelled rows the split lost, and each side's TARGET rate.
SELECT
    (SELECT count(*) FROM train) AS train_rows,
    (SELECT count(*) FROM test) AS test_rows,
    (SELECT count(*) FROM train JOIN test USING (SK_ID_CURR)) AS overlap_rows,
    (
        SELECT coalesce(list(SK_ID_CURR ORDER BY SK_ID_CURR), [])
        FROM (
            SELECT SK_ID_CURR FROM train JOIN test USING (SK_ID_CURR)
            ORDER BY SK_ID_CURR LIMIT 10
        )
    ) AS overlap_examples,
    (SELECT count(*) FROM train WHERE TARGET IS NULL)
        + (SELECT count(*) FROM test WHERE TARGET IS NULL) AS unlabelled_rows,
    (
        SELECT count(*) FROM feature_store AS f
        WHERE f.TARGET IS NOT NULL
            AND f.SK_ID_CURR NOT IN (SELECT SK_ID_CURR FROM train)
            AND f.SK_ID_CURR NOT IN (SELECT SK_ID_CURR FROM test)
    ) AS labelled_rows_missing,
    (SELECT avg(TARGET) FROM train) AS train_target_rate,
    (SELECT avg(TARGET) FROM test) AS test_target_rate
