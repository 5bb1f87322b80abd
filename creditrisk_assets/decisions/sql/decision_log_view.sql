-- The decision log in the DuckDB catalog: one view over every Parquet part of the lake's log,
-- day=YYYY-MM-DD partitions read as a DATE column `day`. {log_glob} is the log's glob as a
-- quoted SQL literal (DuckDB cannot bind parameters in a view's definition); it comes from the
-- platform's own lake path, never from a request. {view} is decision_log, or decision_log_lake
-- when the API's PostgreSQL rows join it (decision_log_union_view.sql).
CREATE OR REPLACE VIEW {view} AS
SELECT *
FROM read_parquet({log_glob}, hive_partitioning = true, union_by_name = true)
