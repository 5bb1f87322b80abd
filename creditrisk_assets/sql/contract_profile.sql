-- Quantiles of every numeric column of one raw table (the profile check, contracts/profile.py).
-- Works over two views of the table's numeric columns (ids left out) as DOUBLE: profile_wide
-- (every row) and profile_sample (every k-th row in file order, about 200,000 rows).
-- One row: the finite non-null count of every column over all rows, in the views' column order,
-- then the quantiles of every column in the same order, from the sample.
-- Why a sample: approx_quantile costs ~100 ns per value, ~30 s of CPU over the 330 M numeric
-- values of a full-scale snapshot, while a 200,000-row systematic sample puts each quantile
-- within ~0.5% of the interquartile range of the full data's: far inside the profile's
-- thresholds (a median moving by a whole IQR, a spread changing 3x). Every k-th row (not a
-- random sample) keeps the profile the same on a rebuild. Each column is aggregated where it
-- stands (no UNPIVOT to one row per value).
SELECT
    *
FROM (
    SELECT count(CASE WHEN isfinite(COLUMNS(*)) THEN 1 END) FROM profile_wide
)
CROSS JOIN (
    SELECT approx_quantile(
        CASE WHEN isfinite(COLUMNS(*)) THEN COLUMNS(*) END, [0.1, 0.25, 0.5, 0.75, 0.9]
    )
    FROM profile_sample
)
