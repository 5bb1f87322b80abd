-- POS and cash loan monthly balances: row counts, instalment progress and days past due,
-- overall and over the last 12 months (MONTHS_BALANCE >= -12, relative to the application).
SELECT
    SK_ID_CURR,
    CAST(COLUMNS(* EXCLUDE (SK_ID_CURR)) AS DOUBLE)
FROM (
    SELECT
        SK_ID_CURR,
        count(*) AS POS_COUNT,
        count(DISTINCT SK_ID_PREV) AS POS_LOAN_COUNT,
        min(MONTHS_BALANCE) AS POS_MONTHS_BALANCE_MIN,
        max(MONTHS_BALANCE) AS POS_MONTHS_BALANCE_MAX,
        favg(CNT_INSTALMENT) AS POS_CNT_INSTALMENT_MEAN,
        favg(CNT_INSTALMENT_FUTURE) AS POS_CNT_INSTALMENT_FUTURE_MEAN,
        max(SK_DPD) AS POS_SK_DPD_MAX,
        favg(SK_DPD) AS POS_SK_DPD_MEAN,
        max(SK_DPD_DEF) AS POS_SK_DPD_DEF_MAX,
        favg(SK_DPD_DEF) AS POS_SK_DPD_DEF_MEAN,
        favg(CAST(SK_DPD > 0 AS DOUBLE)) AS POS_LATE_SHARE,
        favg(CAST(NAME_CONTRACT_STATUS = 'Completed' AS DOUBLE)) AS POS_COMPLETED_SHARE,
        max(CASE WHEN MONTHS_BALANCE >= -12 THEN SK_DPD END) AS POS_L12M_SK_DPD_MAX,
        favg(CASE WHEN MONTHS_BALANCE >= -12 THEN CAST(SK_DPD > 0 AS DOUBLE) END) AS POS_L12M_LATE_SHARE
    FROM pos_cash_balance
    GROUP BY SK_ID_CURR
)
