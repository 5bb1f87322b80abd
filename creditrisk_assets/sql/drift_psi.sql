-- Population stability index (PSI) of every feature: `current` against `reference`.
--
-- Relations: `reference` (the champion's training rows) and `current` (the snapshot's feature
-- store), both with the feature columns named in $features (a list of names, bound: the columns
-- are picked by COLUMNS(lambda ...), so no identifier is ever formatted into this text).
-- Parameters: $features (VARCHAR[]), $quantiles (DOUBLE[] in (0, 1): the reference quantiles
-- that become bin edges), $epsilon (DOUBLE: floor of a bin's share, so an empty bin gives a
-- large but finite PSI instead of infinity).
-- Bins: (-inf, e1), [e1, e2), ..., [ek, +inf) over the distinct reference quantiles e1 < .. < ek,
-- plus bin -1 for NULL/NaN, so a rise in missing values counts as drift too.
-- Output: one row per feature: feature, psi, bins, ref_rows, cur_rows, ref_null_share,
-- cur_null_share; ordered by psi descending.
WITH ref_long AS (
    SELECT feature, value
    FROM (SELECT COLUMNS(lambda c: list_contains($features, c))::DOUBLE FROM reference)
    UNPIVOT INCLUDE NULLS (value FOR feature IN (COLUMNS(*)))
),
cur_long AS (
    SELECT feature, value
    FROM (SELECT COLUMNS(lambda c: list_contains($features, c))::DOUBLE FROM current)
    UNPIVOT INCLUDE NULLS (value FOR feature IN (COLUMNS(*)))
),
edges AS (
    SELECT
        feature,
        coalesce(
            list_sort(list_distinct(quantile_cont(value, $quantiles))), []::DOUBLE[]
        ) AS edges
    FROM ref_long
    WHERE value IS NOT NULL AND NOT isnan(value)
    GROUP BY feature
),
all_features AS (
    SELECT DISTINCT feature FROM ref_long
),
feature_edges AS (
    SELECT f.feature, coalesce(e.edges, []::DOUBLE[]) AS edges
    FROM all_features AS f LEFT JOIN edges AS e USING (feature)
),
ref_bins AS (
    SELECT
        r.feature,
        CASE
            WHEN r.value IS NULL OR isnan(r.value) THEN -1
            ELSE len(list_filter(fe.edges, lambda x: x <= r.value))
        END AS bin,
        count(*) AS n
    FROM ref_long AS r JOIN feature_edges AS fe USING (feature)
    GROUP BY ALL
),
cur_bins AS (
    SELECT
        c.feature,
        CASE
            WHEN c.value IS NULL OR isnan(c.value) THEN -1
            ELSE len(list_filter(fe.edges, lambda x: x <= c.value))
        END AS bin,
        count(*) AS n
    FROM cur_long AS c JOIN feature_edges AS fe USING (feature)
    GROUP BY ALL
),
ref_share AS (
    SELECT feature, bin, n, n / sum(n) OVER (PARTITION BY feature) AS p FROM ref_bins
),
cur_share AS (
    SELECT feature, bin, n, n / sum(n) OVER (PARTITION BY feature) AS p FROM cur_bins
),
joined AS (
    SELECT
        coalesce(r.feature, c.feature) AS feature,
        coalesce(r.bin, c.bin) AS bin,
        coalesce(r.n, 0) AS ref_n,
        coalesce(c.n, 0) AS cur_n,
        greatest(coalesce(r.p, 0.0), $epsilon) AS ref_p,
        greatest(coalesce(c.p, 0.0), $epsilon) AS cur_p
    FROM ref_share AS r
    FULL OUTER JOIN cur_share AS c ON r.feature = c.feature AND r.bin = c.bin
)
SELECT
    feature,
    sum((cur_p - ref_p) * ln(cur_p / ref_p)) AS psi,
    count(*) AS bins,
    sum(ref_n)::BIGINT AS ref_rows,
    sum(cur_n)::BIGINT AS cur_rows,
    coalesce(sum(ref_n) FILTER (WHERE bin = -1), 0) / greatest(sum(ref_n), 1) AS ref_null_share,
    coalesce(sum(cur_n) FILTER (WHERE bin = -1), 0) / greatest(sum(cur_n), 1) AS cur_null_share
FROM joined
GROUP BY feature
ORDER BY psi DESC, feature
