-- The decision log when the API writes to PostgreSQL: the lake's Parquet log (batch scores, and
-- any API decisions written there before the switch) and the rows read from PostgreSQL, under
-- the one `decision_log` name every query uses. decision_log_lake is the Parquet view
-- (decision_log_view.sql or decision_log_empty_view.sql); decision_log_postgres is an Arrow
-- table registered in the same connection (postgres_select.sql's rows).
CREATE OR REPLACE VIEW decision_log AS
SELECT * FROM decision_log_lake
UNION ALL BY NAME
SELECT * FROM decision_log_postgres
