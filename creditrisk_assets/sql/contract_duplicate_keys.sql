-- Duplicate primary keys of one raw table.
-- Over the relation `keyed(id, part)`: the table's key (part = a constant for one-column keys).
-- $limit: how many duplicated keys to return as examples, most-copied first.
WITH dup AS (
    SELECT id, part, count(*) AS copies
    FROM keyed
    GROUP BY id, part
    HAVING count(*) > 1
)
SELECT
    (SELECT count(*) FROM keyed) AS total_rows,
    (SELECT count(*) FROM dup) AS duplicated_keys,
    (SELECT coalesce(sum(copies), 0) FROM dup) AS duplicated_rows,
    (
        SELECT coalesce(list([id, part, copies]), [])
        FROM (SELECT * FROM dup ORDER BY copies DESC, id, part LIMIT $limit)
    ) AS examples
