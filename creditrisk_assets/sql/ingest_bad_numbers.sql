-- The numbers of one raw CSV that ingestion refuses, per column and problem (see
-- contracts/numbers.py). Works over the view raw_numbers_wide: __row_id (the table's id column)
-- and every numeric column, all read as DOUBLE. $int_columns: the integer columns;
-- $id_max: the largest integer a DOUBLE holds exactly; $limit: examples per problem.
WITH long AS (
    UNPIVOT raw_numbers_wide
    ON COLUMNS(* EXCLUDE (__row_id))
    INTO NAME column_name VALUE value
),
judged AS (
    SELECT
        column_name,
        CASE
            WHEN isnan(value) THEN 'is NaN'
            WHEN isinf(value) THEN 'is infinite (or beyond a double, e.g. 1e400)'
            WHEN list_contains($int_columns, column_name) AND value <> trunc(value)
                THEN 'is fractional in an integer column'
            WHEN list_contains($int_columns, column_name) AND abs(value) > $id_max
                THEN 'is too large for an exact integer'
        END AS problem,
        CASE
            WHEN isfinite(__row_id) AND __row_id = trunc(__row_id) AND abs(__row_id) <= $id_max
                THEN CAST(CAST(__row_id AS BIGINT) AS VARCHAR)
            ELSE CAST(__row_id AS VARCHAR)
        END AS row_id,
        CAST(value AS VARCHAR) AS shown
    FROM long
)
SELECT
    column_name,
    problem,
    count(*) AS bad_rows,
    list(row_id)[1:$limit] AS example_ids,
    list(shown)[1:$limit] AS example_values
FROM judged
WHERE problem IS NOT NULL
GROUP BY column_name, problem
ORDER BY column_name, problem
