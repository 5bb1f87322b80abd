-- Instalment payments on previous credits: days past due (paid after the due day), days before
-- due (paid early), paid/due ratio and difference, amounts; overall and over the last 12 months
-- (DAYS_INSTALMENT >= -365, relative to the application). A missing payment date or amount
-- leaves the derived value NULL rather than turning it into 0.
-- Some instalments are paid in several parts (rows with the same SK_ID_PREV, version and
-- number); per *due instalment* (parts rolled up first) the shares say how many instalments were
-- paid late (first payment after the due day) and short (payments summing to less than due, by
-- more than a cent): a row-level share would count a split payment's second part as late, and
-- its parts as short, when the instalment itself was paid on time and in full.
WITH dues AS (
    SELECT
        SK_ID_CURR,
        min(DAYS_ENTRY_PAYMENT) > max(DAYS_INSTALMENT) AS paid_late,
        fsum(AMT_PAYMENT) < max(AMT_INSTALMENT) - 0.01 AS paid_short
    FROM installments_payments
    GROUP BY SK_ID_CURR, SK_ID_PREV, NUM_INSTALMENT_VERSION, NUM_INSTALMENT_NUMBER
),
due_shares AS (
    SELECT
        SK_ID_CURR,
        favg(CAST(paid_late AS DOUBLE)) AS INSTAL_DUE_LATE_SHARE,
        favg(CAST(paid_short AS DOUBLE)) AS INSTAL_DUE_SHORT_SHARE
    FROM dues
    GROUP BY SK_ID_CURR
),
payments AS (
    SELECT
        SK_ID_CURR,
        NUM_INSTALMENT_VERSION,
        DAYS_INSTALMENT,
        DAYS_ENTRY_PAYMENT,
        AMT_INSTALMENT,
        AMT_PAYMENT,
        CASE
            WHEN DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT > 0 THEN DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT
            WHEN DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT <= 0 THEN 0
        END AS DPD,
        CASE
            WHEN DAYS_INSTALMENT - DAYS_ENTRY_PAYMENT > 0 THEN DAYS_INSTALMENT - DAYS_ENTRY_PAYMENT
            WHEN DAYS_INSTALMENT - DAYS_ENTRY_PAYMENT <= 0 THEN 0
        END AS DBD,
        AMT_PAYMENT / NULLIF(AMT_INSTALMENT, 0) AS PAYMENT_RATIO,
        AMT_INSTALMENT - AMT_PAYMENT AS PAYMENT_DIFF,
        DAYS_INSTALMENT >= -365 AS in_last_12m
    FROM installments_payments
)
SELECT
    SK_ID_CURR,
    CAST(COLUMNS(* EXCLUDE (SK_ID_CURR)) AS DOUBLE)
FROM (
    SELECT
        SK_ID_CURR,
        count(*) AS INSTAL_COUNT,
        count(DISTINCT NUM_INSTALMENT_VERSION) AS INSTAL_NUM_INSTALMENT_VERSION_NUNIQUE,
        max(DPD) AS INSTAL_DPD_MAX,
        favg(DPD) AS INSTAL_DPD_MEAN,
        fsum(DPD) AS INSTAL_DPD_SUM,
        max(DBD) AS INSTAL_DBD_MAX,
        favg(DBD) AS INSTAL_DBD_MEAN,
        fsum(DBD) AS INSTAL_DBD_SUM,
        favg(CAST(DPD > 0 AS DOUBLE)) AS INSTAL_LATE_SHARE,
        min(PAYMENT_RATIO) AS INSTAL_PAYMENT_RATIO_MIN,
        favg(PAYMENT_RATIO) AS INSTAL_PAYMENT_RATIO_MEAN,
        -- sample std from Kahan sums of the ratio's deviation from 1 (order-independent, and
        -- exact 0 when every instalment was paid in full)
        sqrt(greatest(
            fsum((PAYMENT_RATIO - 1) * (PAYMENT_RATIO - 1))
                - fsum(PAYMENT_RATIO - 1) * fsum(PAYMENT_RATIO - 1) / count(PAYMENT_RATIO),
            0) / NULLIF(count(PAYMENT_RATIO) - 1, 0)) AS INSTAL_PAYMENT_RATIO_STD,
        max(PAYMENT_DIFF) AS INSTAL_PAYMENT_DIFF_MAX,
        favg(PAYMENT_DIFF) AS INSTAL_PAYMENT_DIFF_MEAN,
        fsum(PAYMENT_DIFF) AS INSTAL_PAYMENT_DIFF_SUM,
        max(AMT_INSTALMENT) AS INSTAL_AMT_INSTALMENT_MAX,
        favg(AMT_INSTALMENT) AS INSTAL_AMT_INSTALMENT_MEAN,
        fsum(AMT_INSTALMENT) AS INSTAL_AMT_INSTALMENT_SUM,
        min(AMT_PAYMENT) AS INSTAL_AMT_PAYMENT_MIN,
        favg(AMT_PAYMENT) AS INSTAL_AMT_PAYMENT_MEAN,
        fsum(AMT_PAYMENT) AS INSTAL_AMT_PAYMENT_SUM,
        max(DAYS_ENTRY_PAYMENT) AS INSTAL_DAYS_ENTRY_PAYMENT_MAX,
        favg(DAYS_ENTRY_PAYMENT) AS INSTAL_DAYS_ENTRY_PAYMENT_MEAN,
        count_if(in_last_12m) AS INSTAL_L12M_COUNT,
        max(CASE WHEN in_last_12m THEN DPD END) AS INSTAL_L12M_DPD_MAX,
        favg(CASE WHEN in_last_12m THEN DPD END) AS INSTAL_L12M_DPD_MEAN,
        favg(CASE WHEN in_last_12m THEN CAST(DPD > 0 AS DOUBLE) END) AS INSTAL_L12M_LATE_SHARE,
        favg(CASE WHEN in_last_12m THEN PAYMENT_RATIO END) AS INSTAL_L12M_PAYMENT_RATIO_MEAN,
        fsum(CASE WHEN in_last_12m THEN PAYMENT_DIFF END) AS INSTAL_L12M_PAYMENT_DIFF_SUM
    FROM payments
    GROUP BY SK_ID_CURR
) AS rows_agg
JOIN due_shares USING (SK_ID_CURR)
