-- Child rows whose key has no row in the parent table (key integrity).
-- Over the relations `child_keys(k)` (the child's foreign key column) and `parent_keys(k)` (the
-- parent's key; for SK_ID_CURR both application tables). NULL child keys are the contract's
-- business, not an orphan. $limit: how many orphan keys to return as examples.
WITH parent AS (
    SELECT DISTINCT k FROM parent_keys
),
orphans AS (
    SELECT c.k FROM child_keys AS c ANTI JOIN parent AS p ON c.k = p.k WHERE c.k IS NOT NULL
)
SELECT
    (SELECT count(*) FROM child_keys) AS child_rows,
    (SELECT count(*) FROM orphans) AS orphan_rows,
    (SELECT count(DISTINCT k) FROM orphans) AS orphan_keys,
    (
        SELECT coalesce(list(k), [])
        FROM (SELECT DISTINCT k FROM orphans ORDER BY k LIMIT $limit)
    ) AS examples
