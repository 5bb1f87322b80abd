-- Grade migration of the same applicants: for each applicant of this snapshot the champion
-- decided, its grade from the latest decision by *another* model version (typically the
-- previous champion, whose batch scores a promotion's re-score sits beside) against the
-- champion's grade. Applicants never decided by another version are not in the matrix.
-- Relations: `decision_log`, `feature_store`. Parameters: $model_name, $model_version.
-- Output: from_grade, to_grade, n (one row per non-empty cell).
WITH applicants AS (
    SELECT DISTINCT SK_ID_CURR AS applicant_id FROM feature_store
),
ranked AS (
    SELECT
        l.applicant_id,
        l.grade,
        (l.model_name = $model_name AND l.model_version = $model_version) AS is_champion,
        row_number() OVER (
            PARTITION BY l.applicant_id,
                (l.model_name = $model_name AND l.model_version = $model_version)
            ORDER BY l.decided_at DESC, l.decision_id DESC
        ) AS rank
    FROM decision_log AS l
    SEMI JOIN applicants AS a ON l.applicant_id = a.applicant_id
    WHERE l.grade IS NOT NULL
)
SELECT e.grade AS from_grade, c.grade AS to_grade, count(*) AS n
FROM ranked AS c
JOIN ranked AS e ON c.applicant_id = e.applicant_id
WHERE c.is_champion AND c.rank = 1 AND NOT e.is_champion AND e.rank = 1
GROUP BY ALL
ORDER BY from_grade, to_grade
