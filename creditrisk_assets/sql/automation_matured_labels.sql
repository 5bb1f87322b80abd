-- Newly matured labels: rows of this snapshot's application_train whose applicant was unlabelled
-- (in application_test) in an earlier snapshot. Over the relations `current_train(SK_ID_CURR)`
-- and `earlier_test(SK_ID_CURR)`; the retrain policy compares the count with its minimum.
SELECT count(*) AS matured_labels
FROM current_train AS t
SEMI JOIN (SELECT DISTINCT SK_ID_CURR FROM earlier_test) AS e ON t.SK_ID_CURR = e.SK_ID_CURR
