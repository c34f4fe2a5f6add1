-- name: case_versions
-- title: One case: every version FDA published, newest first (rank 1 is the current one)
-- parameters: $caseid
SELECT version_rank, primaryid, caseversion, quarter, is_laers, fda_date
FROM case_versions WHERE caseid = $caseid::BIGINT
ORDER BY version_rank
