-- The lines DuckDB rejected while reading a raw CSV (see ingest_read_csv.sql), first ones first.
-- $limit: how many example lines to return; every row carries the total count.
SELECT
    line,
    column_name,
    error_type,
    csv_line,
    error_message,
    count(*) OVER () AS total_rejects
FROM reject_errors
ORDER BY line
LIMIT $limit
