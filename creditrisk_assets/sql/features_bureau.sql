-- Bureau features: each applicant's credits reported by other institutions (bureau), with the
-- monthly status history of each credit (bureau_balance) rolled up per credit first.
-- Aggregates over all credits, over active and over closed ones; status shares and month spans
-- from bureau_balance; shares of credit types from the fixed category list. One row per
-- SK_ID_CURR that has at least one bureau credit (the feature store left-joins and sets counts
-- to 0 for the rest). Means, sums and standard deviations use Kahan summation (favg/fsum) so the result
-- does not depend on the order DuckDB's threads combine partial sums.
WITH balance_per_credit AS (
    SELECT
        SK_ID_BUREAU,
        min(MONTHS_BALANCE) AS MONTHS_BALANCE_MIN,
        max(MONTHS_BALANCE) AS MONTHS_BALANCE_MAX,
        count(*) AS MONTHS_BALANCE_SIZE,
        favg(CAST(STATUS = '0' AS DOUBLE)) AS STATUS_0_SHARE,
        favg(CAST(STATUS = '1' AS DOUBLE)) AS STATUS_1_SHARE,
        favg(CAST(STATUS IN ('2', '3', '4', '5') AS DOUBLE)) AS STATUS_2PLUS_SHARE,
        favg(CAST(STATUS = 'C' AS DOUBLE)) AS STATUS_C_SHARE,
        favg(CAST(STATUS = 'X' AS DOUBLE)) AS STATUS_X_SHARE,
        -- months with a known repayment status (0-5; not C closed, not X unknown), of which
        -- past due (1-5): pooled over the applicant's credits below
        count_if(STATUS IN ('0', '1', '2', '3', '4', '5')) AS RATED_MONTHS,
        count_if(STATUS IN ('1', '2', '3', '4', '5')) AS PAST_DUE_MONTHS
    FROM bureau_balance
    GROUP BY SK_ID_BUREAU
),
credits AS (
    SELECT
        b.*,
        bb.* EXCLUDE (SK_ID_BUREAU),
        b.CREDIT_ACTIVE = 'Active' AS is_active,
        b.CREDIT_ACTIVE = 'Closed' AS is_closed,
        b.AMT_CREDIT_SUM_DEBT / NULLIF(b.AMT_CREDIT_SUM, 0) AS DEBT_CREDIT_RATIO
    FROM bureau AS b
    LEFT JOIN balance_per_credit AS bb USING (SK_ID_BUREAU)
)
SELECT
    SK_ID_CURR,
    CAST(COLUMNS(* EXCLUDE (SK_ID_CURR)) AS DOUBLE)
FROM (
    SELECT
        SK_ID_CURR,
        count(*) AS BUREAU_COUNT,
        min(DAYS_CREDIT) AS BUREAU_DAYS_CREDIT_MIN,
        max(DAYS_CREDIT) AS BUREAU_DAYS_CREDIT_MAX,
        favg(DAYS_CREDIT) AS BUREAU_DAYS_CREDIT_MEAN,
        -- sample std from Kahan sums: unlike stddev_samp, not sensitive to the order in which
        -- threads merge partial states, so rebuilds and single-applicant runs agree bit for bit
        sqrt(greatest(
            fsum(CAST(DAYS_CREDIT AS DOUBLE) * DAYS_CREDIT)
                - fsum(DAYS_CREDIT) * fsum(DAYS_CREDIT) / count(DAYS_CREDIT),
            0) / NULLIF(count(DAYS_CREDIT) - 1, 0)) AS BUREAU_DAYS_CREDIT_STD,
        min(DAYS_CREDIT_ENDDATE) AS BUREAU_DAYS_CREDIT_ENDDATE_MIN,
        max(DAYS_CREDIT_ENDDATE) AS BUREAU_DAYS_CREDIT_ENDDATE_MAX,
        favg(DAYS_CREDIT_ENDDATE) AS BUREAU_DAYS_CREDIT_ENDDATE_MEAN,
        favg(DAYS_CREDIT_UPDATE) AS BUREAU_DAYS_CREDIT_UPDATE_MEAN,
        max(CREDIT_DAY_OVERDUE) AS BUREAU_CREDIT_DAY_OVERDUE_MAX,
        favg(CREDIT_DAY_OVERDUE) AS BUREAU_CREDIT_DAY_OVERDUE_MEAN,
        favg(AMT_CREDIT_MAX_OVERDUE) AS BUREAU_AMT_CREDIT_MAX_OVERDUE_MEAN,
        fsum(CNT_CREDIT_PROLONG) AS BUREAU_CNT_CREDIT_PROLONG_SUM,
        max(AMT_CREDIT_SUM) AS BUREAU_AMT_CREDIT_SUM_MAX,
        favg(AMT_CREDIT_SUM) AS BUREAU_AMT_CREDIT_SUM_MEAN,
        fsum(AMT_CREDIT_SUM) AS BUREAU_AMT_CREDIT_SUM_SUM,
        max(AMT_CREDIT_SUM_DEBT) AS BUREAU_AMT_CREDIT_SUM_DEBT_MAX,
        favg(AMT_CREDIT_SUM_DEBT) AS BUREAU_AMT_CREDIT_SUM_DEBT_MEAN,
        fsum(AMT_CREDIT_SUM_DEBT) AS BUREAU_AMT_CREDIT_SUM_DEBT_SUM,
        favg(AMT_CREDIT_SUM_OVERDUE) AS BUREAU_AMT_CREDIT_SUM_OVERDUE_MEAN,
        favg(AMT_CREDIT_SUM_LIMIT) AS BUREAU_AMT_CREDIT_SUM_LIMIT_MEAN,
        fsum(AMT_CREDIT_SUM_LIMIT) AS BUREAU_AMT_CREDIT_SUM_LIMIT_SUM,
        max(AMT_ANNUITY) AS BUREAU_AMT_ANNUITY_MAX,
        favg(AMT_ANNUITY) AS BUREAU_AMT_ANNUITY_MEAN,
        favg(DEBT_CREDIT_RATIO) AS BUREAU_DEBT_CREDIT_RATIO_MEAN,
        fsum(AMT_CREDIT_SUM_DEBT) / NULLIF(fsum(AMT_CREDIT_SUM), 0) AS BUREAU_TOTAL_DEBT_CREDIT_RATIO,
        min(MONTHS_BALANCE_MIN) AS BUREAU_MONTHS_BALANCE_MIN_MIN,
        max(MONTHS_BALANCE_MAX) AS BUREAU_MONTHS_BALANCE_MAX_MAX,
        favg(MONTHS_BALANCE_SIZE) AS BUREAU_MONTHS_BALANCE_SIZE_MEAN,
        fsum(MONTHS_BALANCE_SIZE) AS BUREAU_MONTHS_BALANCE_SIZE_SUM,
        favg(STATUS_0_SHARE) AS BUREAU_STATUS_0_SHARE_MEAN,
        favg(STATUS_1_SHARE) AS BUREAU_STATUS_1_SHARE_MEAN,
        favg(STATUS_2PLUS_SHARE) AS BUREAU_STATUS_2PLUS_SHARE_MEAN,
        max(STATUS_2PLUS_SHARE) AS BUREAU_STATUS_2PLUS_SHARE_MAX,
        favg(STATUS_C_SHARE) AS BUREAU_STATUS_C_SHARE_MEAN,
        favg(STATUS_X_SHARE) AS BUREAU_STATUS_X_SHARE_MEAN,
        -- pooled over credits, so a long history weighs more than a one-month one (the per-credit
        -- mean above weighs them alike); NULL without any rated month
        fsum(PAST_DUE_MONTHS) / NULLIF(fsum(RATED_MONTHS), 0) AS BUREAU_BALANCE_PAST_DUE_SHARE,
        -- credits that were ever overdue (a reported maximum overdue amount above 0; a missing
        -- amount counts as none), and credits still active, as shares of all credits
        favg(CAST(coalesce(AMT_CREDIT_MAX_OVERDUE, 0) > 0 AS DOUBLE)) AS BUREAU_EVER_OVERDUE_SHARE,
        favg(CAST(is_active AS DOUBLE)) AS BUREAU_ACTIVE_SHARE,
        favg(CAST(CREDIT_ACTIVE IN ('Sold', 'Bad debt') AS DOUBLE)) AS BUREAU_SOLD_OR_BAD_DEBT_SHARE,
        favg(CAST(CREDIT_TYPE = 'Consumer credit' AS DOUBLE)) AS BUREAU_CONSUMER_CREDIT_SHARE,
        favg(CAST(CREDIT_TYPE = 'Credit card' AS DOUBLE)) AS BUREAU_CREDIT_CARD_SHARE,
        favg(CAST(CREDIT_TYPE = 'Car loan' AS DOUBLE)) AS BUREAU_CAR_LOAN_SHARE,
        favg(CAST(CREDIT_TYPE = 'Mortgage' AS DOUBLE)) AS BUREAU_MORTGAGE_SHARE,
        favg(CAST(CREDIT_TYPE = 'Microloan' AS DOUBLE)) AS BUREAU_MICROLOAN_SHARE,
        favg(CAST(CREDIT_TYPE IN ('Another type of loan', 'Loan for business development') AS DOUBLE))
            AS BUREAU_OTHER_TYPE_SHARE,
        -- active credits
        count_if(is_active) AS BUREAU_ACTIVE_COUNT,
        min(CASE WHEN is_active THEN DAYS_CREDIT END) AS BUREAU_ACTIVE_DAYS_CREDIT_MIN,
        favg(CASE WHEN is_active THEN DAYS_CREDIT END) AS BUREAU_ACTIVE_DAYS_CREDIT_MEAN,
        max(CASE WHEN is_active THEN DAYS_CREDIT_ENDDATE END) AS BUREAU_ACTIVE_DAYS_CREDIT_ENDDATE_MAX,
        max(CASE WHEN is_active THEN CREDIT_DAY_OVERDUE END) AS BUREAU_ACTIVE_CREDIT_DAY_OVERDUE_MAX,
        favg(CASE WHEN is_active THEN AMT_CREDIT_MAX_OVERDUE END)
            AS BUREAU_ACTIVE_AMT_CREDIT_MAX_OVERDUE_MEAN,
        fsum(CASE WHEN is_active THEN AMT_CREDIT_SUM END) AS BUREAU_ACTIVE_AMT_CREDIT_SUM_SUM,
        favg(CASE WHEN is_active THEN AMT_CREDIT_SUM END) AS BUREAU_ACTIVE_AMT_CREDIT_SUM_MEAN,
        fsum(CASE WHEN is_active THEN AMT_CREDIT_SUM_DEBT END) AS BUREAU_ACTIVE_AMT_CREDIT_SUM_DEBT_SUM,
        max(CASE WHEN is_active THEN AMT_CREDIT_SUM_DEBT END) AS BUREAU_ACTIVE_AMT_CREDIT_SUM_DEBT_MAX,
        fsum(CASE WHEN is_active THEN AMT_CREDIT_SUM_OVERDUE END)
            AS BUREAU_ACTIVE_AMT_CREDIT_SUM_OVERDUE_SUM,
        fsum(CASE WHEN is_active THEN AMT_CREDIT_SUM_LIMIT END) AS BUREAU_ACTIVE_AMT_CREDIT_SUM_LIMIT_SUM,
        fsum(CASE WHEN is_active THEN AMT_ANNUITY END) AS BUREAU_ACTIVE_AMT_ANNUITY_SUM,
        favg(CASE WHEN is_active THEN DEBT_CREDIT_RATIO END) AS BUREAU_ACTIVE_DEBT_CREDIT_RATIO_MEAN,
        favg(CASE WHEN is_active THEN MONTHS_BALANCE_SIZE END) AS BUREAU_ACTIVE_MONTHS_BALANCE_SIZE_MEAN,
        favg(CASE WHEN is_active THEN STATUS_2PLUS_SHARE END) AS BUREAU_ACTIVE_STATUS_2PLUS_SHARE_MEAN,
        -- closed credits
        count_if(is_closed) AS BUREAU_CLOSED_COUNT,
        max(CASE WHEN is_closed THEN DAYS_CREDIT END) AS BUREAU_CLOSED_DAYS_CREDIT_MAX,
        favg(CASE WHEN is_closed THEN DAYS_CREDIT END) AS BUREAU_CLOSED_DAYS_CREDIT_MEAN,
        max(CASE WHEN is_closed THEN DAYS_ENDDATE_FACT END) AS BUREAU_CLOSED_DAYS_ENDDATE_FACT_MAX,
        favg(CASE WHEN is_closed THEN DAYS_CREDIT_UPDATE END) AS BUREAU_CLOSED_DAYS_CREDIT_UPDATE_MEAN,
        max(CASE WHEN is_closed THEN AMT_CREDIT_MAX_OVERDUE END)
            AS BUREAU_CLOSED_AMT_CREDIT_MAX_OVERDUE_MAX,
        favg(CASE WHEN is_closed THEN AMT_CREDIT_SUM END) AS BUREAU_CLOSED_AMT_CREDIT_SUM_MEAN,
        fsum(CASE WHEN is_closed THEN AMT_CREDIT_SUM END) AS BUREAU_CLOSED_AMT_CREDIT_SUM_SUM,
        fsum(CASE WHEN is_closed THEN CNT_CREDIT_PROLONG END) AS BUREAU_CLOSED_CNT_CREDIT_PROLONG_SUM,
        favg(CASE WHEN is_closed THEN MONTHS_BALANCE_SIZE END) AS BUREAU_CLOSED_MONTHS_BALANCE_SIZE_MEAN,
        favg(CASE WHEN is_closed THEN STATUS_2PLUS_SHARE END) AS BUREAU_CLOSED_STATUS_2PLUS_SHARE_MEAN
    FROM credits
    GROUP BY SK_ID_CURR
)
