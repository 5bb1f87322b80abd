-- Quantiles of every numeric column of one raw table (the profile check, contracts/profile.py).
-- Works over the view profile_wide: the table's numeric columns (ids left out) as DOUBLE.
-- approx_quantile streams (t-digest), so the 27 M-row bureau_balance costs one scan and no sort.
WITH long AS (
    UNPIVOT profile_wide
    ON COLUMNS(*)
    INTO NAME column_name VALUE value
)
SELECT
    column_name,
    count(*) AS non_null,
    approx_quantile(value, [0.1, 0.25, 0.5, 0.75, 0.9]) AS quantiles
FROM long
WHERE isfinite(value)
GROUP BY column_name
ORDER BY column_name
