-- The decision log view before the first decision is written (read_parquet refuses an empty
-- glob): the same columns, no rows, so queries on the catalog work from day one. {view} as in
-- decision_log_view.sql. The select list is a typed NULL for each column of the record and its
-- day, rendered by catalog.py from POSTGRES_SCHEMA (the one list of the log's columns).
CREATE OR REPLACE VIEW {view} AS
SELECT
    {columns}
WHERE false
