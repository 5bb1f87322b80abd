-- Read one raw CSV with the contract's explicit column types (no type sniffing).
-- $path: the CSV file; $columns: {column name: DuckDB type} in the file's header order.
-- A value that does not parse as its column's type, or a line with the wrong number of fields
-- (a cut-off last line, a trailing "Total" row), goes to DuckDB's reject_errors table instead of
-- silently becoming NULL; ingestion then fails the step and names those lines. Blank lines are
-- skipped, so trailing empty lines in exports are tolerated.
SELECT *
FROM read_csv(
    $path,
    header = true,
    columns = $columns,
    auto_detect = false,
    strict_mode = true,
    store_rejects = true,
    delim = ',',
    quote = '"',
    escape = '"'
)
