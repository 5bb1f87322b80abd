-- The lines DuckDB rejected while reading a raw CSV (see ingest_read_csv.sql), first ones first,
-- one row per bad line (its first error). $limit: how many example lines to return; every row
-- carries the total number of bad lines.
WITH per_line AS (
    SELECT
        line,
        arg_min(column_name, column_idx) AS column_name,
        arg_min(error_type, column_idx) AS error_type,
        any_value(csv_line) AS csv_line,
        arg_min(error_message, column_idx) AS error_message
    FROM reject_errors
    GROUP BY line
)
SELECT
    line,
    column_name,
    error_type,
    csv_line,
    error_message,
    count(*) OVER () AS bad_lines
FROM per_line
ORDER BY line
LIMIT $limit
