-- One side of the train/test split of the labelled applicants of a feature store.
-- An applicant's side depends only on its id: bucket = first 8 hex digits of md5(id text)
-- mod 10000 (md5 is a fixed function, unlike DuckDB's hash(), so an applicant stays on the same
-- side across snapshots and DuckDB versions); buckets below $test_buckets form the test set.
-- Parameters: $test_buckets (0..10000), $want_test (true for the test side).
-- A projection of the store, not a re-sort: the store is written sorted by SK_ID_CURR and a
-- filter keeps DuckDB's insertion order (preserve_insertion_order, on by default), so each side
-- comes out sorted without sorting 300k x 336 columns again (issue 20).
SELECT *
FROM feature_store
WHERE TARGET IS NOT NULL
    AND ((CAST(('0x' || substr(md5(CAST(SK_ID_CURR AS VARCHAR)), 1, 8)) AS BIGINT) % 10000)
        < $test_buckets) = $want_test
