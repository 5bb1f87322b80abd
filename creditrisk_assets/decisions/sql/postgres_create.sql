-- The decision log in PostgreSQL (production profile). {table} and the index names are
-- identifiers quoted by psycopg2.sql; nothing else is formatted in.
-- decision_id is the primary key so a retried batch (commit acknowledged late) inserts nothing
-- twice: the insert says ON CONFLICT DO NOTHING.
CREATE TABLE IF NOT EXISTS {table} (
    decision_id        text PRIMARY KEY,
    decided_at         timestamptz NOT NULL,
    channel            text NOT NULL,
    model_name         text NOT NULL,
    model_version      text NOT NULL,
    model_alias        text,
    training_snapshot  text,
    inputs_hash        text NOT NULL,
    feature_row        jsonb,
    applicant_id       bigint,
    pd                 double precision NOT NULL,
    grade              text,
    decision           text,
    reason_codes       text[],
    catalogue_version  text,
    scale_version      text
);
CREATE INDEX IF NOT EXISTS {decided_at_index} ON {table} (decided_at);
CREATE INDEX IF NOT EXISTS {version_index} ON {table} (model_name, model_version);
CREATE INDEX IF NOT EXISTS {applicant_index} ON {table} (applicant_id);
