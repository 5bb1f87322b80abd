-- One batch of decision records: execute_values expands the VALUES placeholder into rows
-- of bound parameters (template: postgres_row.sql).
INSERT INTO {table} (
    decision_id, decided_at, channel, model_name, model_version, model_alias,
    training_snapshot, inputs_hash, feature_row, applicant_id, pd, grade, decision,
    reason_codes, catalogue_version, scale_version
) VALUES %s
ON CONFLICT (decision_id) DO NOTHING
