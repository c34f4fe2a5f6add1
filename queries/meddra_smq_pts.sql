-- name: meddra_smq_pts
-- title: The PTs of an SMQ (current MedDRA version) in a scope: narrow terms, or narrow and broad terms
-- parameters: $smq_code, $scope
-- An SMQ's content is its own terms and those of its sub-SMQs (term_level 0, followed down). Only active
-- (term_status A) PT-level terms (term_level 4) are used: reactions are coded to PTs. term_scope 2 is narrow,
-- 1 broad; a broad search includes the narrow terms. Algorithmic SMQs are read by these lists alone.
WITH RECURSIVE cur AS (SELECT version FROM meddra_versions WHERE is_current),
tree(smq_code) AS (
    SELECT $smq_code::BIGINT
    UNION
    SELECT c.term_code
    FROM meddra_smq_content c JOIN tree t ON c.smq_code = t.smq_code
    WHERE c.version = (SELECT version FROM cur) AND c.term_level = 0
)
SELECT DISTINCT p.pt_name AS pt
FROM meddra_smq_content c
JOIN tree t ON c.smq_code = t.smq_code
JOIN meddra_pt p ON p.version = c.version AND p.pt_code = c.term_code
WHERE c.version = (SELECT version FROM cur) AND c.term_level = 4 AND coalesce(upper(c.term_status), 'A') = 'A'
  AND (c.term_scope = 2 OR ($scope = 'broad' AND c.term_scope = 1))
ORDER BY pt
