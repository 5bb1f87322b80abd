-- A bounded, deterministic sample of `sample_source` for the Evidently drift report.
-- Rows are picked by a seeded md5 of the applicant id (not by position), so the same snapshot
-- always gives the same sample (invariant 1, docs/invariants.md) and the pick is spread over
-- the whole file. md5 is a fixed function, unlike DuckDB's hash(), which may change between
-- DuckDB versions (as in features_split.sql): the sample must not move with an upgrade.
-- Parameters: $columns (VARCHAR[]: the columns to keep), $seed (BIGINT), $rows (BIGINT).
SELECT COLUMNS(lambda c: list_contains($columns, c))
FROM sample_source
ORDER BY md5(CAST(SK_ID_CURR AS VARCHAR) || '/' || CAST($seed AS VARCHAR)), SK_ID_CURR
LIMIT $rows
