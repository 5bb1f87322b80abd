-- The `application` relation of a snapshot: labelled applicants (application_train, with TARGET)
-- and the unlabelled population (application_test, TARGET NULL), one row per SK_ID_CURR.
SELECT * FROM application_train
UNION ALL BY NAME
SELECT * FROM application_test
