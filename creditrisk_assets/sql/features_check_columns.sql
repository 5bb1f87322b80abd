-- Feature-store contract, per column: how many values are present, infinite, NaN.
-- Input: feature_store. One row, in one scan of the file (three UNIONed scans before issue 20):
-- the non-null count of every feature column in the relation's column order, then the count of
-- infinite values of every column in the same order, then the count of NaN values.
SELECT
    count(COLUMNS(* EXCLUDE (SK_ID_CURR, TARGET))),
    count_if(isinf(CAST(COLUMNS(* EXCLUDE (SK_ID_CURR, TARGET)) AS DOUBLE))),
    count_if(isnan(CAST(COLUMNS(* EXCLUDE (SK_ID_CURR, TARGET)) AS DOUBLE)))
FROM feature_store
