-- The feature store: one row per applicant of the snapshot (SK_ID_CURR, TARGET, then every
-- feature), the application features left-joined with each history family's per-applicant
-- aggregates. Applicants without history get NULL aggregates and zero row counts.
-- Inputs: features_application, features_bureau, features_previous, features_pos_cash,
-- features_installments, features_credit_card (the per-family queries in this folder).
SELECT
    * REPLACE (
        coalesce(BUREAU_COUNT, 0) AS BUREAU_COUNT,
        coalesce(BUREAU_ACTIVE_COUNT, 0) AS BUREAU_ACTIVE_COUNT,
        coalesce(BUREAU_CLOSED_COUNT, 0) AS BUREAU_CLOSED_COUNT,
        coalesce(PREV_COUNT, 0) AS PREV_COUNT,
        coalesce(PREV_APPROVED_COUNT, 0) AS PREV_APPROVED_COUNT,
        coalesce(PREV_REFUSED_COUNT, 0) AS PREV_REFUSED_COUNT,
        coalesce(POS_COUNT, 0) AS POS_COUNT,
        coalesce(INSTAL_COUNT, 0) AS INSTAL_COUNT,
        coalesce(INSTAL_L12M_COUNT, 0) AS INSTAL_L12M_COUNT,
        coalesce(CC_COUNT, 0) AS CC_COUNT,
        coalesce(CC_L12M_COUNT, 0) AS CC_L12M_COUNT
    )
FROM (
    SELECT
        a.*,
        b.* EXCLUDE (SK_ID_CURR),
        p.* EXCLUDE (SK_ID_CURR),
        pos.* EXCLUDE (SK_ID_CURR),
        i.* EXCLUDE (SK_ID_CURR),
        cc.* EXCLUDE (SK_ID_CURR)
    FROM features_application AS a
    LEFT JOIN features_bureau AS b ON b.SK_ID_CURR = a.SK_ID_CURR
    LEFT JOIN features_previous AS p ON p.SK_ID_CURR = a.SK_ID_CURR
    LEFT JOIN features_pos_cash AS pos ON pos.SK_ID_CURR = a.SK_ID_CURR
    LEFT JOIN features_installments AS i ON i.SK_ID_CURR = a.SK_ID_CURR
    LEFT JOIN features_credit_card AS cc ON cc.SK_ID_CURR = a.SK_ID_CURR
)
ORDER BY SK_ID_CURR
