-- A bounded, deterministic sample of `sample_source` for the Evidently drift report.
-- Rows are picked by a seeded hash of the applicant id (not by position), so the same snapshot
-- always gives the same sample (invariant 1, docs/invariants.md) and the pick is spread over
-- the whole file.
-- Parameters: $columns (VARCHAR[]: the columns to keep), $seed (BIGINT), $rows (BIGINT).
SELECT COLUMNS(lambda c: list_contains($columns, c))
FROM sample_source
ORDER BY hash(SK_ID_CURR, $seed), SK_ID_CURR
LIMIT $rows
