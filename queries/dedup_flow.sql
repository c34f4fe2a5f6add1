-- name: dedup_flow
-- title: Deduplication flow: reports read, distinct cases, deletions, current cases
-- parameters: none
SELECT step, n, description FROM dedup_flow ORDER BY step_no
