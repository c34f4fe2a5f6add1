-- name: meddra_mapping_summary
-- title: How the reported terms of current cases map to the current MedDRA version's PTs
-- parameters: none
-- matched_by: pt (a current PT), llt (a current or non-current LLT), older_version (a term of an older imported
-- version whose code the current version knows), unmapped. n_cases: distinct current cases with such a term.
SELECT m.matched_by, count(DISTINCT m.term) AS n_terms, count(*) AS n_rows, count(DISTINCT r.caseid) AS n_cases
FROM meddra_term_map m JOIN reactions r ON r.pt = m.term
GROUP BY m.matched_by
ORDER BY CASE m.matched_by WHEN 'pt' THEN 1 WHEN 'llt' THEN 2 WHEN 'older_version' THEN 3 ELSE 4 END
