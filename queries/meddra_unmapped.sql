-- name: meddra_unmapped
-- title: Reported terms of current cases that map to no PT of the current MedDRA version, most reported first
-- parameters: $limit
SELECT term, n_cases, n_rows
FROM meddra_term_map
WHERE pt_code IS NULL
ORDER BY n_cases DESC, term
LIMIT $limit
