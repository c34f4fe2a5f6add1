-- name: meddra_case_reactions
-- title: One case: each reported term, the current MedDRA PT it maps to, how, and the PT's primary SOC
-- parameters: $caseid
SELECT r.pt AS reported_term, r.pt_name AS pt, coalesce(m.matched_by, 'unmapped') AS matched_by,
       s.soc_name AS primary_soc
FROM reactions r
LEFT JOIN meddra_term_map m ON m.term = r.pt
LEFT JOIN meddra_pt p ON p.version = m.version AND p.pt_code = m.pt_code
LEFT JOIN meddra_soc s ON s.version = p.version AND s.soc_code = p.primary_soc_code
WHERE r.caseid = $caseid::BIGINT
ORDER BY primary_soc NULLS LAST, pt, reported_term
